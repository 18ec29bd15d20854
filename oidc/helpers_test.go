package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

const audience = "kubernetes"

func ptr(s string) *string { return &s }

// newProvider starts a provider that the test closes.
func newProvider(t testing.TB, opts oidctest.Options) *oidctest.Provider {
	t.Helper()
	p := oidctest.NewProvider(opts)
	t.Cleanup(p.Close)
	return p
}

// jwtFor is a configuration for p: audience "kubernetes", username from
// "sub" prefixed "oidc:", groups from "groups" prefixed "oidc:".
func jwtFor(p *oidctest.Provider) authconfig.JWT {
	return authconfig.JWT{
		Issuer: authconfig.Issuer{URL: p.Issuer(), CertificateAuthority: string(p.CAPEM()), Audiences: []string{audience}},
		ClaimMappings: authconfig.ClaimMappings{
			Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: ptr("oidc:")},
			Groups:   authconfig.PrefixedClaimOrExpression{Claim: "groups", Prefix: ptr("oidc:")},
		},
	}
}

// newAuthenticator builds an Authenticator that the test closes. opts
// gets the CEL compiler unless it has one.
func newAuthenticator(t testing.TB, jwt []authconfig.JWT, opts oidc.Options) *oidc.Authenticator {
	t.Helper()
	if opts.Compiler == nil {
		c, err := celexpr.New(celexpr.Options{})
		require.NoError(t, err)
		opts.Compiler = c
	}
	a, err := oidc.New(jwt, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

// claims are p's default claims for sub plus extra.
func claims(p *oidctest.Provider, sub string, extra map[string]any) map[string]any {
	c := p.Claims(sub, audience)
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// authenticate checks the outcome's shape and returns it.
func authenticate(t *testing.T, a authn.TokenAuthenticator, token string) (*authn.Response, bool, error) {
	t.Helper()
	resp, ok, err := a.AuthenticateToken(t.Context(), token)
	authntest.CheckOutcome(t, resp, ok, err)
	return resp, ok, err
}

// segment is the base64url of v's JSON.
func segment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

func celexprNew() (oidc.Compiler, error) { return celexpr.New(celexpr.Options{}) }

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
