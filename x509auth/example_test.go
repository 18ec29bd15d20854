package x509auth_test

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/x509auth"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// A client certificate for CN=jane, O=dev authenticates jane in group dev.
func Example() {
	ca := authntest.NewCA()
	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{ClientCA: ca.Pool()}})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	jane := ca.IssueClient("jane", "dev")
	resp, ok, err := a.AuthenticateRequest(jane.NewRequest())
	fmt.Println(ok, err, resp.User.Name, resp.User.Groups)
	fmt.Println(resp.Expiry.After(time.Now())) // the earliest NotAfter of the chain

	// No client certificate: no opinion.
	resp, ok, err = a.AuthenticateRequest(authntest.NewBearerRequest("some-token"))
	fmt.Println(resp, ok, err)

	// A certificate from another CA: an error of its own kind.
	_, _, err = a.AuthenticateRequest(authntest.NewCA().IssueClient("mallory").NewRequest())
	fmt.Println(errors.Is(err, x509auth.ErrUnknownAuthority))
	// Output:
	// true <nil> jane [dev]
	// true
	// <nil> false <nil>
	// true
}

// New with a --client-ca-file: the bundle is watched and reloaded.
func ExampleNew() {
	ca := authntest.NewCA()
	dir, _ := os.MkdirTemp("", "x509auth")
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		panic(err)
	}
	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
		ClientCAFile: authn.FileOptions{
			Path:    caFile,
			OnError: func(err error) { fmt.Println("reload failed:", err) },
		},
		Logger: quiet(),
	}})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	resp, _, _ := a.AuthenticateRequest(ca.IssueClient("admin", authn.MastersGroup).NewRequest())
	fmt.Println(resp.User.Name, resp.User.Groups)
	// Output: admin [system:masters]
}

// Reload reads the files at once, for example on SIGHUP: a CA rotated
// out is refused from the moment it returns.
func ExampleAuthenticator_Reload() {
	oldCA, newCA := authntest.NewCA(), authntest.NewCA()
	dir, _ := os.MkdirTemp("", "x509auth")
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, oldCA.CertPEM, 0o600); err != nil {
		panic(err)
	}
	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
		ClientCAFile: authn.FileOptions{Path: caFile},
		Logger:       quiet(),
	}})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	if err := os.WriteFile(caFile, newCA.CertPEM, 0o600); err != nil {
		panic(err)
	}
	fmt.Println(a.Reload())
	_, _, err = a.AuthenticateRequest(oldCA.IssueClient("jane").NewRequest())
	fmt.Println(errors.Is(err, x509auth.ErrUnknownAuthority))
	resp, _, _ := a.AuthenticateRequest(newCA.IssueClient("jane").NewRequest())
	fmt.Println(resp.User.Name)

	// A broken bundle is refused; the last good one keeps serving.
	if err := os.WriteFile(caFile, []byte("not PEM"), 0o600); err != nil {
		panic(err)
	}
	fmt.Println(a.Reload() != nil)
	resp, _, _ = a.AuthenticateRequest(newCA.IssueClient("jane").NewRequest())
	fmt.Println(resp.User.Name)
	// Output:
	// <nil>
	// true
	// jane
	// true
	// jane
}

// NewVerifier verifies chains without mapping them to users, as a front
// proxy's authenticator does. The error of a failure says which kind it is.
func ExampleNewVerifier() {
	ca := authntest.NewCA()
	v, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: ca.Pool()})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "proxy CA"}})
	proxy := inter.IssueClient("front-proxy")
	peers := append([]*x509.Certificate{proxy.Certificate}, proxy.Intermediates...)
	chains, _, err := v.Verify(peers)
	fmt.Println(len(chains[0]), err)

	expired := ca.Issue(authntest.CertOptions{
		Subject:   pkix.Name{CommonName: "old"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
	})
	_, _, err = v.Verify([]*x509.Certificate{expired.Certificate})
	var exp *authn.ExpiredError
	fmt.Println(errors.Is(err, authn.ErrExpired), errors.As(err, &exp) && exp.Expiry.Equal(expired.Certificate.NotAfter))
	// Output:
	// 3 <nil>
	// true true
}

// Verify with a deny list: the listed certificate is refused at once,
// even though its chain is cached.
func ExampleVerifier_Verify() {
	ca := authntest.NewCA()
	jane := ca.IssueClient("jane")
	dir, _ := os.MkdirTemp("", "x509auth")
	defer os.RemoveAll(dir)
	deny := filepath.Join(dir, "deny")
	if err := os.WriteFile(deny, []byte("# leaked\n"+fmt.Sprintf("%X", jane.Certificate.SerialNumber)+"\n"), 0o600); err != nil {
		panic(err)
	}
	v, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: ca.Pool(), DenyFile: authn.FileOptions{Path: deny}, Logger: quiet()})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	_, _, err = v.Verify([]*x509.Certificate{jane.Certificate})
	var revoked *x509auth.RevokedError
	fmt.Println(errors.Is(err, authn.ErrRevoked), errors.As(err, &revoked) && revoked.Source == "deny serial")
	// Output: true true
}

// NewWithVerifier shares one Verifier, and its cache, between
// authenticators with different mappings.
func ExampleNewWithVerifier() {
	ca := authntest.NewCA()
	v, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: ca.Pool()})
	if err != nil {
		panic(err)
	}
	defer v.Close()
	users := x509auth.NewWithVerifier(v, nil)
	nodes := x509auth.NewWithVerifier(v, func(leaf *x509.Certificate) (authn.UserInfo, error) {
		return authn.UserInfo{Name: "system:node:" + leaf.Subject.CommonName, Groups: []string{"system:nodes"}}, nil
	})

	req := ca.IssueClient("worker-1").NewRequest()
	u, _, _ := users.AuthenticateRequest(req)
	n, _, _ := nodes.AuthenticateRequest(req)
	fmt.Println(u.User.Name, n.User.Name, n.User.Groups)
	// Output: worker-1 system:node:worker-1 [system:nodes]
}

// CommonNameMapping applies Kubernetes' rules, including the UID
// attribute 1.3.6.1.4.1.57683.2.
func ExampleCommonNameMapping() {
	ca := authntest.NewCA()
	c := ca.Issue(authntest.CertOptions{Subject: pkix.Name{
		CommonName:   "jane",
		Organization: []string{"dev"},
		ExtraNames:   []pkix.AttributeTypeAndValue{{Type: x509auth.UIDOID(), Value: "1001"}},
	}})
	u, err := x509auth.CommonNameMapping(c.Certificate)
	fmt.Println(u.Name, u.UID, u.Groups, strings.HasPrefix(u.Extra[authn.CredentialIDKey][0], "X509SHA256="), err)

	_, err = x509auth.CommonNameMapping(ca.IssueClient("").Certificate)
	fmt.Println(errors.Is(err, x509auth.ErrNoCommonName))
	// Output:
	// jane 1001 [dev] true <nil>
	// true
}

// TLSConfig makes the TLS server ask for client certificates, without
// verifying them: the authenticator does, against its reloadable bundle.
func ExampleTLSConfig() {
	ca := authntest.NewCA()
	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{ClientCA: ca.Pool()}})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	srv := httptest.NewUnstartedServer(authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		fmt.Fprintln(w, "hello,", u.Name, u.Groups)
	})))
	srv.TLS = x509auth.TLSConfig(&tls.Config{MinVersion: tls.VersionTLS12})
	srv.StartTLS()
	defer srv.Close()

	client := authntest.Client(srv, ca.IssueClient("jane", "dev").TLSCertificate())
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output: hello, jane [dev]
}

// ReadCABundle and CommonCAs refuse a front-proxy CA bundle that shares a
// CA with the client CA bundle, whatever the file names.
func ExampleCommonCAs() {
	clientCA, proxyCA := authntest.NewCA(), authntest.NewCA()
	dir, _ := os.MkdirTemp("", "x509auth")
	defer os.RemoveAll(dir)
	write := func(name string, pem ...[]byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, slices.Concat(pem...), 0o600); err != nil {
			panic(err)
		}
		return path
	}
	clientFile := write("ca.crt", clientCA.CertPEM)
	proxyFile := write("front-proxy-ca.crt", proxyCA.CertPEM, clientCA.CertPEM) // a mistake

	clients, err := x509auth.ReadCABundle(clientFile)
	if err != nil {
		panic(err)
	}
	proxies, err := x509auth.ReadCABundle(proxyFile)
	if err != nil {
		panic(err)
	}
	for _, c := range x509auth.CommonCAs(proxies, clients) {
		fmt.Println("front-proxy bundle trusts a client CA:", c.Subject)
	}
	// Output: front-proxy bundle trusts a client CA: CN=authntest CA
}
