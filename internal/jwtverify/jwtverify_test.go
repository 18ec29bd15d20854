package jwtverify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/keyload"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// sign returns a compact ES256 JWS of payload with kid in its header.
func sign(t *testing.T, key *ecdsa.PrivateKey, kid, payload string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	require.NoError(t, err)
	obj, err := s.Sign([]byte(payload))
	require.NoError(t, err)
	tok, err := obj.CompactSerialize()
	require.NoError(t, err)
	return tok
}

func split(t *testing.T, tok string) (jwtpeek.Header, *jwtpeek.JWS) {
	t.Helper()
	jws, err := jwtpeek.Split(tok, 1<<16)
	require.NoError(t, err)
	h, err := jwtpeek.ParseHeader(jws.Header)
	require.NoError(t, err)
	return h, &jws
}

func TestVerify(t *testing.T) {
	t.Parallel()
	k1, k2, other := newKey(t), newKey(t), newKey(t)
	es256, err := jwssig.Lookup("ES256")
	require.NoError(t, err)
	ks := NewStatic()
	ks.Add(keyload.Key{Public: k1.Public()}, "one")
	ks.Add(keyload.Key{Public: k2.Public(), Alg: "ES384"}, "two") // bound to another algorithm
	ks.Add(keyload.Key{Public: other.Public()}, "one", "", "one") // repeated IDs count once
	assert.Equal(t, 3, ks.Len())

	tests := []struct {
		name    string
		tok     string
		wantErr error
	}{
		{"kid, right key among two", sign(t, k1, "one", `{}`), nil},
		{"no kid: every key tried", sign(t, other, "", `{}`), nil},
		{"unknown kid", sign(t, k1, "three", `{}`), authn.ErrUnknownKey},
		{"kid of a key bound to another algorithm", sign(t, k2, "two", `{}`), authn.ErrUnknownKey},
		{"wrong signature", sign(t, newKey(t), "one", `{}`), authn.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, jws := split(t, tt.tok)
			err := Verify(t.Context(), ks, es256, h, jws)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestTokenError(t *testing.T) {
	t.Parallel()
	assert.NoError(t, Refuse("oidc", "https://idp", "k", nil))
	long := fmt.Sprint(make([]byte, 100))
	err := Refuse("oidc", long, "kid-1", fmt.Errorf("x: %w", authn.ErrExpired))
	require.ErrorIs(t, err, authn.ErrExpired)
	te, ok := errors.AsType[*TokenError](err)
	require.True(t, ok)
	assert.Equal(t, "oidc", te.Authenticator)
	assert.Equal(t, "kid-1", te.KeyID)
	assert.Len(t, te.Issuer, maxClip+3, "clipped")
	assert.Equal(t, `oidc: issuer "`+te.Issuer+`": x: authn: credential expired`, err.Error())
	assert.True(t, authn.IsUnavailable(Refuse("oidc", "i", "", &authn.UnavailableError{})))
	assert.Equal(t, []string{"oidc"}, authn.Authenticators(err), "named for the decision log")
}

func TestIssuer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		want    string
		ok      bool
	}{
		{`{"iss":"https://a"}`, "https://a", true},
		{`{"sub":"x","aud":["a",{"iss":"nested"}],"iss":"https://b","exp":1}`, "https://b", true},
		{`{"iss":"first","iss":"second"}`, "first", true},
		{`{"iss":1}`, "", false},
		{`{"sub":"x"}`, "", false},
		{`["iss"]`, "", false},
		{`null`, "", false},
		{`{"iss":"a"`, "a", true},
		{`{"sub":`, "", false},
	}
	for _, tt := range tests {
		got, ok := Issuer([]byte(tt.payload))
		assert.Equal(t, tt.want, got, tt.payload)
		assert.Equal(t, tt.ok, ok, tt.payload)
	}
}

// member is a fake JWT authenticator owning some issuers, recording how
// it was called.
type member struct {
	issuers []string
	jws     []string // issuers it was handed split tokens for
	raw     int      // AuthenticateToken calls
}

func (m *member) Owns(iss string) bool {
	for _, i := range m.issuers {
		if i == iss {
			return true
		}
	}
	return false
}

func (m *member) AuthenticateToken(context.Context, string) (*authn.Response, bool, error) {
	m.raw++
	return nil, false, authn.ErrMalformed
}

func (m *member) AuthenticateJWS(_ context.Context, _ string, _ jwtpeek.JWS, iss string) (*authn.Response, bool, error) {
	m.jws = append(m.jws, iss)
	return &authn.Response{User: authn.UserInfo{Name: iss}}, true, nil
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	sa, idp := &member{issuers: []string{"https://kubernetes.default.svc"}}, &member{issuers: []string{"https://idp", "https://kubernetes.default.svc"}}
	d := Dispatch(sa, idp)
	ctx := t.Context()

	resp, ok, err := d.AuthenticateToken(ctx, sign(t, key, "", `{"iss":"https://idp"}`))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "https://idp", resp.User.Name)
	_, ok, _ = d.AuthenticateToken(ctx, sign(t, key, "", `{"iss":"https://kubernetes.default.svc"}`))
	require.True(t, ok)
	assert.Equal(t, []string{"https://kubernetes.default.svc"}, sa.jws, "the first owner gets it")
	assert.Equal(t, []string{"https://idp"}, idp.jws)

	for _, tok := range []string{
		sign(t, key, "", `{"iss":"https://elsewhere"}`),
		sign(t, key, "", `{"sub":"x"}`),
		"static-token",
		"abcdef.0123456789abcdef",
	} {
		resp, ok, err := d.AuthenticateToken(ctx, tok)
		assert.Nil(t, resp)
		assert.False(t, ok)
		assert.NoError(t, err, "no owner: no opinion")
	}
	assert.Zero(t, sa.raw+idp.raw)

	// Not a compact JWS, but the payload names an owned issuer: the owner
	// decides, its own way.
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://idp"}`))
	_, ok, err = d.AuthenticateToken(ctx, "e30."+payload+".sig.extra")
	assert.False(t, ok)
	require.ErrorIs(t, err, authn.ErrMalformed)
	assert.Equal(t, 1, idp.raw)
}

func TestAudienceAgnostic(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	m := &member{issuers: []string{"https://idp"}}
	d := Dispatch(AudienceAgnostic([]string{"api"}, m))
	tok := sign(t, key, "", `{"iss":"https://idp"}`)

	resp, ok, err := d.AuthenticateToken(t.Context(), tok)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Nil(t, resp.Audiences, "no accepted audiences: none reported")

	resp, ok, err = d.AuthenticateToken(authn.WithAudiences(t.Context(), []string{"vault", "api"}), tok)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"api"}, resp.Audiences)

	resp, ok, err = d.AuthenticateToken(authn.WithAudiences(t.Context(), []string{"vault"}), tok)
	assert.Nil(t, resp)
	assert.False(t, ok)
	assert.NoError(t, err, "another server's audience: no opinion")
	assert.Len(t, m.jws, 2, "not asked for another audience")
}
