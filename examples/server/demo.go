package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/oidc/oidctest"
	"github.com/authnkit/authnkit/serviceaccount"
)

// demo is the throwaway setup of a flagless run: files in a temporary
// folder, and the secrets to print.
type demo struct {
	dir             string
	ownDir          bool   // dir was created here and is removed by cleanup
	aliceToken      string // plaintext row in the token file
	bobToken        string // stored as sha256:<hex> in the token file
	carolPasswd     string // stored as a bcrypt hash in the password file
	bootstrapID     string // bootstrap token <id>.<secret>, in bootstrap.yaml
	bootstrapSecret string
	saToken         string // minted for default:demo once the server runs
	// idp is a tiny in-process OpenID Connect provider (the one tests
	// use), standing in for Dex or Keycloak; idToken is an ID token it
	// signed for erin, mapped by authn-config.yaml.
	idp     *oidctest.Provider
	idToken string
}

// demoIssuer is the demo's --service-account-issuer.
const demoIssuer = "https://kubernetes.default.svc.cluster.local"

// newDemo writes the demo's files into dir (a new temporary folder when
// dir is empty); the serving certificate names host (--bind-address) too.
func newDemo(dir, host string) (*demo, error) {
	d := &demo{dir: dir, aliceToken: randomHex(16), bobToken: randomHex(16), carolPasswd: randomHex(8),
		bootstrapID: randomHex(3), bootstrapSecret: randomHex(8)}
	if dir == "" {
		var err error
		if d.dir, err = os.MkdirTemp("", "authnkit-demo-"); err != nil {
			return nil, err
		}
		d.ownDir = true
	}
	ca, serving := newServingCert(host)
	// The cluster CA signs the serving certificate and client
	// certificates, as kubeadm's does; the front proxy has its own CA.
	admin := ca.IssueClient("admin", "system:masters")
	proxyCA := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "front-proxy-ca"}})
	proxy := proxyCA.IssueClient("front-proxy-client")
	bobSum := sha256.Sum256([]byte(d.bobToken))
	hash, err := bcrypt.GenerateFromPassword([]byte(d.carolPasswd), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saDER, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	d.idp = oidctest.NewProvider(oidctest.Options{Algorithm: "ES256"})
	idClaims := d.idp.Claims("erin-0001", demoAudience)
	idClaims["exp"] = time.Now().Add(24 * time.Hour).Unix()
	idClaims["email"], idClaims["email_verified"] = "erin@example.com", true
	idClaims["groups"], idClaims["tenant"] = []string{"devs"}, "acme"
	d.idToken = d.idp.Sign(idClaims)
	files := map[string]string{
		"ca.crt":     string(ca.CertPEM),
		"server.crt": string(serving.CertPEM),
		"server.key": string(serving.KeyPEM),
		// CN=admin, O=system:masters: user admin in group system:masters.
		"admin.crt":              string(admin.CertPEM),
		"admin.key":              string(admin.KeyPEM),
		"front-proxy-ca.crt":     string(proxyCA.CertPEM),
		"front-proxy-client.crt": string(proxy.CertPEM),
		"front-proxy-client.key": string(proxy.KeyPEM),
		// The service-account signing key; its public half verifies.
		"sa.key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: saDER})),
		// token,user,uid,"group1,group2" — kube-apiserver's format; the
		// second row stores only the token's SHA-256 (an authnkit extension).
		"tokens.csv": fmt.Sprintf("%s,alice,1001,\"dev,ops\"\nsha256:%s,bob,1002,\"viewers,system:auth-delegator\"\n", d.aliceToken, hex.EncodeToString(bobSum[:])),
		// password,user,uid,"group1,group2" with a bcrypt hash in place of
		// the plaintext password (an authnkit extension).
		"passwords.csv": fmt.Sprintf("%s,carol,1003,\"dev\"\n", hash),
		// The structured authentication configuration for the demo's
		// identity provider (kube-apiserver's --authentication-config).
		"authn-config.yaml": authnConfig(d.idp),
		// A bootstrap-token Secret as kubeadm creates it in kube-system.
		"bootstrap.yaml": fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-%[1]s
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: "%[1]s"
  token-secret: "%[2]s"
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:kubeadm:default-node-token
`, d.bootstrapID, d.bootstrapSecret),
	}
	for name, content := range files {
		mode := os.FileMode(0o600)
		if strings.HasSuffix(name, ".crt") {
			mode = 0o644
		}
		if err := os.WriteFile(filepath.Join(d.dir, name), []byte(content), mode); err != nil {
			d.idp.Close()
			d.cleanup()
			return nil, err
		}
	}
	return d, nil
}

// args are the flags that run the demo's configuration.
func (d *demo) args() []string {
	return []string{
		"--token-auth-file=" + d.path("tokens.csv"),
		"--basic-auth-file=" + d.path("passwords.csv"),
		"--service-account-issuer=" + demoIssuer,
		"--service-account-signing-key-file=" + d.path("sa.key"),
		"--enable-bootstrap-token-auth",
		"--bootstrap-token-file=" + d.path("bootstrap.yaml"),
		"--client-ca-file=" + d.path("ca.crt"),
		"--requestheader-client-ca-file=" + d.path("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--tls-cert-file=" + d.path("server.crt"),
		"--tls-private-key-file=" + d.path("server.key"),
		// Anonymous access comes from authn-config.yaml, for the health
		// endpoints only.
		"--authentication-config=" + d.path("authn-config.yaml"),
	}
}

// demoAudience is the client ID of the demo's identity provider.
const demoAudience = "authnkit-demo"

// authnConfig is an AuthenticationConfiguration trusting idp: the username
// is the verified e-mail address, groups and uid come from claims, and a
// CEL expression fills an extra field. Anonymous requests reach the health
// endpoints and nothing else, as the Kubernetes documentation suggests.
func authnConfig(idp *oidctest.Provider) string {
	ca := "      " + strings.ReplaceAll(strings.TrimSpace(string(idp.CAPEM())), "\n", "\n      ")
	return fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: %s
    audiences: [%s]
    certificateAuthority: |
%s
  claimValidationRules:
  - expression: claims.email_verified == true
    message: the e-mail address must be verified
  claimMappings:
    username:
      expression: '"oidc:" + claims.email'
    groups:
      claim: groups
      prefix: "oidc:"
    uid:
      claim: sub
    extra:
    - key: demo.authnkit.io/tenant
      valueExpression: claims.tenant
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
  - path: /metrics
`, idp.Issuer(), demoAudience, ca)
}

// mintServiceAccountToken mints the demo's token for default:demo.
func (d *demo) mintServiceAccountToken(iss *serviceaccount.Issuer) error {
	if iss == nil {
		return errors.New("no service-account issuer configured")
	}
	tok, err := iss.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "5d2a3c0e-6a1f-4c55-9f3e-1b7a5c9d0e21", Lifetime: 24 * time.Hour})
	d.saToken = tok
	return err
}

func (d *demo) bootstrapToken() string { return d.bootstrapID + "." + d.bootstrapSecret }

func (d *demo) path(name string) string { return filepath.Join(d.dir, name) }

func (d *demo) cleanup() {
	d.idp.Close()
	if d.ownDir {
		_ = os.RemoveAll(d.dir)
	}
}

// writeKubeconfig writes a kubeconfig for the server at addr with one
// context per demo user, alice's current.
func (d *demo) writeKubeconfig(addr string) (string, error) {
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: authnkit-demo
  cluster:
    server: https://%s
    certificate-authority: %s
users:
- name: alice
  user:
    token: %s
- name: bob
  user:
    token: %s
- name: carol
  user:
    username: carol
    password: %s
- name: admin
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: alice
  context: {cluster: authnkit-demo, user: alice}
- name: bob
  context: {cluster: authnkit-demo, user: bob}
- name: carol
  context: {cluster: authnkit-demo, user: carol}
- name: admin
  context: {cluster: authnkit-demo, user: admin}
current-context: alice
`, addr, d.path("ca.crt"), d.aliceToken, d.bobToken, d.carolPasswd, d.path("admin.crt"), d.path("admin.key"))
	path := d.path("kubeconfig")
	return path, os.WriteFile(path, []byte(kc), 0o600)
}

func (d *demo) printInstructions(w io.Writer, addr string) {
	kubeconfig, err := d.writeKubeconfig(addr)
	if err != nil {
		fmt.Fprintln(w, "could not write the kubeconfig:", err)
	}
	url := "https://" + addr + "/apis/authentication.k8s.io/v1/selfsubjectreviews"
	fmt.Fprintf(w, `authnkit demo serving on https://%[1]s
files in %[2]s (removed on exit): CAs, certificates, tokens.csv, passwords.csv, authn-config.yaml, kubeconfig

Bearer token (alice, plaintext row of tokens.csv):
  curl --cacert %[3]s -X POST -H 'Authorization: Bearer %[4]s' %[5]s
Bearer token (bob, stored only as its SHA-256):
  curl --cacert %[3]s -X POST -H 'Authorization: Bearer %[6]s' %[5]s
Service-account token (default:demo, minted with sa.key; issuer discovery at /.well-known/openid-configuration):
  kubectl --kubeconfig %[8]s auth whoami --token %[10]s
Bootstrap token (bootstrap.yaml, a kube-system Secret as kubeadm makes it):
  curl --cacert %[3]s -X POST -H 'Authorization: Bearer %[9]s' %[5]s
OIDC ID token (erin, from an in-process identity provider; mapped by authn-config.yaml):
  kubectl --kubeconfig %[8]s auth whoami --token %[11]s
HTTP Basic (carol, bcrypt hash in passwords.csv):
  curl --cacert %[3]s -X POST -u 'carol:%[7]s' %[5]s
Client certificate (CN=admin, O=system:masters):
  curl --cacert %[3]s -X POST --cert %[2]s/admin.crt --key %[2]s/admin.key %[5]s
Front proxy (its own certificate; the user comes from X-Remote-* headers):
  curl --cacert %[3]s -X POST --cert %[2]s/front-proxy-client.crt --key %[2]s/front-proxy-client.key \
    -H 'X-Remote-User: dave' -H 'X-Remote-Group: devs' -H 'X-Remote-Extra-Scopes: read' %[5]s
A rejected token (401 with a Kubernetes Status):
  curl --cacert %[3]s -X POST -H 'Authorization: Bearer wrong' %[5]s
Readiness and metrics, anonymous (authn-config.yaml allows /livez, /readyz, /healthz and /metrics only):
  curl --cacert %[3]s 'https://%[1]s/readyz?verbose'
  curl --cacert %[3]s -s https://%[1]s/metrics | grep -E '^(authentication_attempts|apiserver_authentication_jwt)'

kubectl (contexts alice, bob, carol, admin):
  kubectl --kubeconfig %[8]s auth whoami
  kubectl --kubeconfig %[8]s --context bob auth whoami -o json
  kubectl --kubeconfig %[8]s --context carol auth whoami
  kubectl --kubeconfig %[8]s --context admin auth whoami

Stop with Ctrl-C.
`, addr, d.dir, d.path("ca.crt"), d.aliceToken, url, d.bobToken, d.carolPasswd, kubeconfig, d.bootstrapToken(), d.saToken, d.idToken)
}

// newServingCert returns a throwaway CA and a serving certificate for
// host, localhost and the loopback addresses.
func newServingCert(host string) (*authntest.CA, *authntest.Cert) {
	ca := authntest.NewCA()
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if host != "" && net.ParseIP(host) != nil && !net.ParseIP(host).IsUnspecified() {
		hosts = append(hosts, host)
	}
	return ca, ca.IssueServer(hosts...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
