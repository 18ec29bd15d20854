package oidc_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// TestCredentialIDFromJTI runs kube-apiserver's credential ID cases
// (k8s.io/apiserver plugin/pkg/authenticator/token/oidc, TestToken) with
// their configuration and claims: a string "jti" becomes the credential
// ID, with or without extra mappings; a "jti" that is not a string, or
// none, gives no credential ID and no error.
func TestCredentialIDFromJTI(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	jwt := func(extra ...oidc.ExtraMapping) oidc.JWT {
		return oidc.JWT{
			Issuer:        oidc.Issuer{URL: p.Issuer(), CertificateAuthority: string(p.CAPEM()), Audiences: []string{"my-client"}},
			ClaimMappings: oidc.ClaimMappings{Username: oidc.PrefixedClaimOrExpression{Expression: "claims.username"}, Extra: extra},
		}
	}
	valid := time.Now().Add(time.Hour).Unix()
	base := func(more map[string]any) map[string]any {
		c := map[string]any{"iss": p.Issuer(), "aud": "my-client", "username": "jane", "exp": valid}
		for k, v := range more {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name   string
		jwt    oidc.JWT
		claims map[string]any
		want   authn.UserInfo
	}{
		{name: "credential id set in extra even when no extra claim mappings are defined",
			jwt: jwt(), claims: base(map[string]any{"jti": "1234"}),
			want: authn.UserInfo{Name: "jane", Extra: map[string][]string{oidc.ExtraCredentialID: {"JTI=1234"}}}},
		{name: "credential id set in extra when extra claim mappings are defined",
			jwt: jwt(oidc.ExtraMapping{Key: "example.org/foo", ValueExpression: "claims.foo"},
				oidc.ExtraMapping{Key: "example.org/bar", ValueExpression: "claims.bar"}),
			claims: base(map[string]any{"jti": "1234", "foo": "bar", "bar": []string{"baz", "qux"}}),
			want: authn.UserInfo{Name: "jane", Extra: map[string][]string{
				oidc.ExtraCredentialID: {"JTI=1234"},
				"example.org/foo":      {"bar"},
				"example.org/bar":      {"baz", "qux"},
			}}},
		{name: "non-string jti claim does not set credential id in extra or error",
			jwt: jwt(), claims: base(map[string]any{"jti": 1234}), want: authn.UserInfo{Name: "jane"}},
		{name: "missing jti claim does not set credential id in extra or error",
			jwt: jwt(), claims: base(nil), want: authn.UserInfo{Name: "jane"}},
		// Beyond Kubernetes' own cases, the other JSON types and a
		// case-variant name, which Kubernetes does not read as "jti".
		{name: "null jti", jwt: jwt(), claims: base(map[string]any{"jti": nil}), want: authn.UserInfo{Name: "jane"}},
		{name: "empty jti", jwt: jwt(), claims: base(map[string]any{"jti": ""}), want: authn.UserInfo{Name: "jane"}},
		{name: "object jti", jwt: jwt(), claims: base(map[string]any{"jti": map[string]any{"a": "b"}}), want: authn.UserInfo{Name: "jane"}},
		{name: "array jti", jwt: jwt(), claims: base(map[string]any{"jti": []string{"1234"}}), want: authn.UserInfo{Name: "jane"}},
		{name: "boolean jti", jwt: jwt(), claims: base(map[string]any{"jti": true}), want: authn.UserInfo{Name: "jane"}},
		{name: "upper-case JTI is another claim", jwt: jwt(), claims: base(map[string]any{"JTI": "1234"}), want: authn.UserInfo{Name: "jane"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthenticator(t, []oidc.JWT{tt.jwt}, oidc.Options{})
			resp, ok, err := authenticate(t, a, p.Sign(tt.claims))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, resp.User)
		})
	}
}
