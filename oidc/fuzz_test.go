package oidc_test

import (
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// FuzzAuthenticateToken feeds arbitrary tokens to an authenticator for a
// live in-process provider: nothing panics, every outcome has a valid
// shape, and a token is accepted only if its signature verifies with the
// provider's key under go-jose, an independent implementation.
func FuzzAuthenticateToken(f *testing.F) {
	p := oidctest.NewProvider(oidctest.Options{})
	defer p.Close()
	j := jwtFor(p)
	j.ClaimMappings.Groups.Prefix = ptr("")
	a, err := oidc.New([]authconfig.JWT{j}, oidc.Options{UnknownKeyCooldown: time.Hour})
	require.NoError(f, err)
	defer a.Close()

	exp := time.Now().Add(365 * 24 * time.Hour).Unix()
	good := p.Sign(claims(p, "alice", map[string]any{"exp": exp, "groups": []string{"a", "b"}}))
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(p.Sign(claims(p, "alice", map[string]any{"exp": exp, "groups": "single", "aud": []string{"x", audience}})))
	f.Add(p.Sign(claims(p, "alice", map[string]any{"exp": exp, "_claim_names": map[string]any{"groups": "s"}, "_claim_sources": map[string]any{"s": map[string]any{"JWT": "x"}}})))
	for _, extra := range []map[string]any{
		{"sub": 7}, {"sub": nil}, {"jti": 1234}, {"jti": "id-1"}, {"nonce": []string{"n"}}, {"at_hash": "x"},
		{"iat": nil}, {"nbf": nil}, {"exp": "1700000000"}, {"exp": 1e300}, {"exp": float64(exp) + 0.5},
		{"_claim_names": map[string]any{"groups": ""}, "_claim_sources": map[string]any{}},
		{"_claim_sources": map[string]any{"s": map[string]any{"endpoint": 1}}},
		{"groups": []any{"a", nil}}, {"email": nil},
	} {
		c := claims(p, "alice", map[string]any{"exp": exp})
		for k, v := range extra {
			c[k] = v
		}
		f.Add(p.Sign(c))
	}
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(`eyJhbGciOiJub25lIn0.` + parts[1] + `.`)
	f.Add(parts[0] + "." + parts[1] + ".x.y.z")
	f.Add("not a token")
	f.Add("")
	f.Add("..")
	key := p.PublicKey(p.KeyID())

	f.Fuzz(func(t *testing.T, token string) {
		resp, ok, err := a.AuthenticateToken(t.Context(), token)
		switch {
		case ok && resp != nil && err == nil:
		case !ok && resp == nil:
		default:
			t.Fatalf("invalid outcome shape: %v %v %v", resp, ok, err)
		}
		if err != nil {
			require.NotContains(t, err.Error(), token, "errors never quote the token")
			require.False(t, authn.IsUnavailable(err) && !strings.Contains(err.Error(), "distributed"), "only remote failures are unavailable: %v", err)
		}
		if !ok {
			return
		}
		jws, perr := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
		require.NoError(t, perr, "accepted a token go-jose cannot parse")
		_, verr := jws.Verify(key)
		require.NoError(t, verr, "accepted a token whose signature go-jose rejects")
		require.True(t, strings.HasPrefix(resp.User.Name, "oidc:"))
	})
}
