package oidc_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// TestAttacks runs the attack corpus: every token is refused, each with
// its own error (or, where the token cannot be attributed to a configured
// issuer, with no opinion).
func TestAttacks(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	esKID := p.AddKey("ES256") // published, but ES256 is not allowed
	first := p.KeyID()
	gone := p.Rotate()
	p.RemoveKey(gone) // never published: unknown even after a refetch
	p.SetCurrent(first)
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{UnknownKeyCooldown: time.Nanosecond})
	e := base64.RawURLEncoding
	good := p.Sign(claims(p, "alice", nil))
	parts := strings.Split(good, ".")

	// HS256 keyed with the RSA public key, the classic algorithm confusion.
	der, err := x509.MarshalPKIXPublicKey(p.PublicKey(p.KeyID()))
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hsInput := segment(t, map[string]any{"alg": "HS256", "kid": p.KeyID(), "typ": "JWT"}) + "." + parts[1]
	mac := hmac.New(sha256.New, pubPEM)
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + e.EncodeToString(mac.Sum(nil))

	payload, err := e.DecodeString(parts[1])
	require.NoError(t, err)
	tampered := parts[0] + "." + e.EncodeToString([]byte(strings.Replace(string(payload), `"alice"`, `"admin"`, 1))) + "." + parts[2]
	require.NotEqual(t, good, tampered)

	now := time.Now()
	unknownKID := p.SignWith(gone, nil, claims(p, "alice", nil))

	tests := []struct {
		name  string
		token string
		want  error // nil: no opinion
	}{
		{name: "alg none", token: segment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", want: oidc.ErrAlgorithm},
		{name: "alg none with a signature", token: segment(t, map[string]any{"alg": "none"}) + "." + parts[1] + "." + parts[2], want: oidc.ErrAlgorithm},
		{name: "HS256 keyed with the RSA public key", token: hs256, want: oidc.ErrAlgorithm},
		{name: "ES256 not in the allowed list", token: p.SignWith(esKID, nil, claims(p, "alice", nil)), want: oidc.ErrAlgorithm},
		{name: "alg label RS384 on an RS256 signature", token: p.SignWith(p.Keys()[0], map[string]any{"alg": "RS384"}, claims(p, "alice", nil)), want: oidc.ErrAlgorithm},
		{name: "unknown kid after a refetch", token: unknownKID, want: authn.ErrUnknownKey},
		{name: "tampered payload", token: tampered, want: authn.ErrBadSignature},
		{name: "signature from another token", token: parts[0] + "." + strings.Split(p.Sign(claims(p, "bob", nil)), ".")[1] + "." + parts[2], want: authn.ErrBadSignature},
		{name: "expired", token: p.Sign(claims(p, "alice", map[string]any{"exp": now.Add(-time.Second).Unix()})), want: authn.ErrExpired},
		{name: "no exp", token: p.Sign(claims(p, "alice", map[string]any{"exp": nil})), want: authn.ErrMalformed},
		{name: "future nbf", token: p.Sign(claims(p, "alice", map[string]any{"nbf": now.Add(time.Hour).Unix()})), want: authn.ErrNotYetValid},
		{name: "future iat", token: p.Sign(claims(p, "alice", map[string]any{"iat": now.Add(time.Hour).Unix()})), want: authn.ErrNotYetValid},
		{name: "wrong aud", token: p.Sign(claims(p, "alice", map[string]any{"aud": []string{"someone-else"}})), want: authn.ErrWrongAudience},
		{name: "no aud", token: p.Sign(claims(p, "alice", map[string]any{"aud": nil})), want: authn.ErrWrongAudience},
		{name: "aud of the wrong type", token: p.Sign(claims(p, "alice", map[string]any{"aud": 7})), want: authn.ErrMalformed},
		{name: "exp of the wrong type", token: p.Sign(claims(p, "alice", map[string]any{"exp": "tomorrow"})), want: authn.ErrMalformed},
		{name: "duplicate claim", token: p.SignRaw([]byte(`{"alg":"RS256","kid":"`+p.KeyID()+`"}`),
			[]byte(`{"iss":"`+p.Issuer()+`","aud":"kubernetes","sub":"alice","sub":"admin","exp":`+formatInt(now.Add(time.Hour).Unix())+`}`), p.KeyID()), want: authn.ErrMalformed},
		{name: "case-variant of a registered claim", token: p.SignRaw([]byte(`{"alg":"RS256","kid":"`+p.KeyID()+`"}`),
			[]byte(`{"iss":"`+p.Issuer()+`","aud":"kubernetes","AUD":"x","sub":"alice","exp":`+formatInt(now.Add(time.Hour).Unix())+`}`), p.KeyID()), want: authn.ErrMalformed},
		{name: "crit header", token: p.SignWith(p.KeyID(), map[string]any{"crit": []string{"exp"}}, claims(p, "alice", nil)), want: authn.ErrMalformed},
		{name: "bad base64url in the signature", token: parts[0] + "." + parts[1] + "." + parts[2][:10] + "+/" + parts[2][12:], want: authn.ErrMalformed},
		{name: "padding in the signature", token: good + "==", want: authn.ErrMalformed},
		{name: "wrong iss is no opinion", token: p.Sign(claims(p, "alice", map[string]any{"iss": "https://evil.example"}))},
		{name: "iss with a trailing slash is no opinion", token: p.Sign(claims(p, "alice", map[string]any{"iss": p.Issuer() + "/"}))},
		{name: "oversized token of a configured issuer", token: parts[0] + "." + parts[1] + "." + strings.Repeat("A", oidc.DefaultMaxTokenBytes), want: authn.ErrMalformed},
		{name: "oversized token is no opinion", token: segment(t, map[string]any{"alg": "RS256"}) + "." + strings.Repeat("A", oidc.DefaultMaxTokenBytes) + "." + parts[2]},
		{name: "JWE is no opinion", token: segment(t, map[string]any{"alg": "RSA-OAEP", "enc": "A256GCM"}) + ".a.b.c.d"},
		{name: "JWE-shaped with our payload", token: parts[0] + "." + parts[1] + ".x.y.z", want: authn.ErrMalformed},
		{name: "opaque token is no opinion", token: "0123456789abcdef"},
		{name: "non-base64url header", token: "!!." + parts[1] + "." + parts[2], want: authn.ErrMalformed},
	}
	// The first key load must be over before fetches are counted: an
	// unknown kid seen while it runs joins it instead of refetching.
	require.Eventually(t, func() bool { return a.Ready() == nil }, 10*time.Second, time.Millisecond)
	_, jwksBefore := p.Fetches()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, ok, err := authenticate(t, a, tt.token)
			require.False(t, ok)
			require.Nil(t, resp)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), tt.token, "errors never quote the token")
			assert.False(t, authn.IsUnavailable(err), "a bad token is never 'unavailable'")
		})
	}

	_, jwksAfter := p.Fetches()
	assert.Greater(t, jwksAfter, jwksBefore, "the unknown kid was refetched")

	t.Run("email_verified false", func(t *testing.T) {
		f := authconfig.Classic{IssuerURL: p.Issuer(), ClientID: audience, CertificateAuthority: string(p.CAPEM()), UsernameClaim: "email"}
		b := newAuthenticator(t, []authconfig.JWT{f.JWT()}, oidc.Options{})
		_, ok, err := authenticate(t, b, p.Sign(claims(p, "alice", map[string]any{"email": "a@example.com", "email_verified": false})))
		require.False(t, ok)
		require.ErrorIs(t, err, oidc.ErrEmailNotVerified)
	})
}
