package benchmarks

import (
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	k8sgroup "k8s.io/apiserver/pkg/authentication/group"
	k8stokenunion "k8s.io/apiserver/pkg/authentication/token/union"

	"github.com/authnkit/authnkit/options"
)

// BenchmarkJWTUnion is a service-account token and an OIDC ID token, each
// through the token path of an authenticator configured with both kinds,
// uncached: authnkit's options (--service-account-key-file and
// --service-account-issuer, the --oidc-* flags, TokenSuccessCacheTTL 0),
// whose Token is the union TokenReview and bearer tokens use, against
// Kubernetes' union of its service-account authenticator and its OIDC
// authenticator with the authenticated group added, as kube-apiserver
// composes them. Both kinds sign with ES256. Before one dispatch on "iss",
// authnkit's service-account authenticator decoded every OIDC token in
// full only to find it was not its own.
func BenchmarkJWTUnion(b *testing.B) {
	key := saAlgs[1].key() // ES256
	saTok := saToken(b, key)
	p := newOIDCProvider(b, "ES256", "")
	idTok := oidcToken(p)

	dir := b.TempDir()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		b.Fatal(err)
	}
	pub := filepath.Join(dir, "sa.pub")
	caFile := filepath.Join(dir, "oidc-ca.pem")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(caFile, p.CAPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	o := options.NewOptions()
	o.ServiceAccountKeyFiles = []string{pub}
	o.ServiceAccountIssuers = []string{saIssuer}
	o.APIAudiences = []string{saAudience}
	o.OIDC = options.OIDCOptions{IssuerURL: p.Issuer(), ClientID: oidcAudience, CAFile: caFile,
		UsernameClaim: "sub", UsernamePrefix: oidcPrefix, GroupsClaim: "groups", GroupsPrefix: oidcPrefix, SigningAlgs: []string{"ES256"}}
	o.TokenSuccessCacheTTL = 0
	o.AnonymousAuth = false
	o.Logger = slog.New(slog.DiscardHandler)
	ours, err := o.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ours.Close() })
	waitReady(b, "authnkit", ours.OIDC.Ready)

	k8s := k8sgroup.NewTokenGroupAdder(
		k8stokenunion.New(newK8sSAAuthenticator(b, key.Public()), newK8sOIDCUnion(b, "ES256", p)),
		[]string{"system:authenticated"})

	for _, c := range []struct{ name, token string }{{"serviceaccount", saTok}, {"oidc", idTok}} {
		b.Run("kind="+c.name, func(b *testing.B) {
			runModes(b,
				tokenImpl(implK8s, k8s, c.token, true),
				tokenImpl(implAuthnkit, ours.Token, c.token, true),
			)
		})
	}
}
