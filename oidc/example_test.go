package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// An authenticator for the classic --oidc-* flags, against an in-process
// provider.
func ExampleNew_classic() {
	p := oidctest.NewProvider(oidctest.Options{})
	defer p.Close()

	flags := authconfig.Classic{
		IssuerURL:            p.Issuer(),
		ClientID:             "kubernetes",
		CertificateAuthority: string(p.CAPEM()),
		UsernameClaim:        "email",
		GroupsClaim:          "groups",
		GroupsPrefix:         "oidc:",
	}
	a, err := oidc.New([]authconfig.JWT{flags.JWT()}, oidc.Options{})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	claims := p.Claims("1234", "kubernetes")
	claims["email"], claims["email_verified"] = "jane@example.com", true
	claims["groups"] = []string{"admins", "dev"}
	resp, ok, err := a.AuthenticateToken(context.Background(), p.Sign(claims))
	fmt.Println(ok, err)
	fmt.Println(resp.User.Name, resp.User.Groups, resp.Audiences)
	// Output:
	// true <nil>
	// jane@example.com [oidc:admins oidc:dev] [kubernetes]
}

// An AuthenticationConfiguration with CEL expressions.
func ExampleNew() {
	p := oidctest.NewProvider(oidctest.Options{Algorithm: "ES256"})
	defer p.Close()

	cfg, err := authconfig.Parse([]byte(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: ` + p.Issuer() + `
    audiences: [my-app]
  claimValidationRules:
  - expression: claims.hd == "example.com"
    message: only example.com accounts
  claimMappings:
    username:
      expression: '"example:" + claims.sub'
    uid:
      claim: sub
    extra:
    - key: example.com/tenant
      valueExpression: claims.tid
`))
	if err != nil {
		panic(err)
	}
	compiler, err := celexpr.New(celexpr.Options{})
	if err != nil {
		panic(err)
	}
	// The provider's CA: a real configuration would carry it in
	// certificateAuthority or rely on the system roots.
	cfg.JWT[0].Issuer.CertificateAuthority = string(p.CAPEM())
	a, err := oidc.New(cfg.JWT, oidc.Options{Compiler: compiler, SigningAlgorithms: []string{"ES256"}})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	claims := p.Claims("u-42", "my-app")
	claims["hd"], claims["tid"] = "example.com", "acme"
	resp, ok, _ := a.AuthenticateToken(context.Background(), p.Sign(claims))
	fmt.Println(ok, resp.User.Name, resp.User.UID, resp.User.Extra["example.com/tenant"])

	claims["hd"] = "evil.com"
	_, ok, err = a.AuthenticateToken(context.Background(), p.Sign(claims))
	fmt.Println(ok, errors.Is(err, oidc.ErrClaimValidation), strings.Contains(err.Error(), "only example.com accounts"))
	// Output:
	// true example:u-42 u-42 [acme]
	// false true true
}

// Health and Ready report each issuer's keys, for readiness checks;
// Prepare and Apply swap the configuration while tokens are being
// verified: Prepare checks and compiles a new one without touching the
// running one, and Apply, which cannot fail, switches to it.
func ExampleAuthenticator_Apply() {
	p := oidctest.NewProvider(oidctest.Options{})
	defer p.Close()
	prefix := "oidc:"
	jwt := authconfig.JWT{
		Issuer: authconfig.Issuer{URL: p.Issuer(), CertificateAuthority: string(p.CAPEM()), Audiences: []string{"kubernetes"}},
		ClaimMappings: authconfig.ClaimMappings{
			Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: &prefix},
		},
	}
	a, err := oidc.New([]authconfig.JWT{jwt}, oidc.Options{})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	token := p.Sign(p.Claims("alice", "kubernetes"))
	resp, _, _ := a.AuthenticateToken(context.Background(), token)
	fmt.Println(resp.User.Name, a.Ready(), a.Health()[0].Ready)

	other := "corp:"
	jwt.ClaimMappings.Username.Prefix = &other
	next, err := a.Prepare([]authconfig.JWT{jwt})
	if err != nil {
		panic(err)
	}
	a.Apply(next)
	resp, _, _ = a.AuthenticateToken(context.Background(), token)
	fmt.Println(resp.User.Name)

	// A configuration that is wrong is refused before anything changes.
	jwt.Issuer.URL = "http://insecure.example"
	_, err = a.Prepare([]authconfig.JWT{jwt})
	fmt.Println(errors.Is(err, authconfig.ErrInvalidConfig))

	none, _ := a.Prepare(nil)
	a.Apply(none)
	_, ok, _ := a.AuthenticateToken(context.Background(), token)
	fmt.Println(ok)
	// Output:
	// oidc:alice <nil> true
	// corp:alice
	// true
	// false
}

// Keys the program holds itself: the issuer is never contacted.
func ExampleNewStaticKeySet() {
	p := oidctest.NewProvider(oidctest.Options{})
	token := p.Sign(p.Claims("jane", "kubernetes"))
	keys := oidc.NewStaticKeySet(oidc.Key{Public: p.PublicKey(p.KeyID()), KeyID: p.KeyID()})
	issuer, _ := p.Fetches()
	p.Close() // nothing to fetch from

	a, err := oidc.New([]authconfig.JWT{(authconfig.Classic{IssuerURL: p.Issuer(), ClientID: "kubernetes", UsernamePrefix: "-"}).JWT()},
		oidc.Options{KeySets: map[string]oidc.KeySet{p.Issuer(): keys}})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	resp, ok, err := a.AuthenticateToken(context.Background(), token)
	fmt.Println(resp.User.Name, ok, err, a.Ready(), issuer)
	// Output: jane true <nil> <nil> 0
}
