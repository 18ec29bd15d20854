package oidc_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// inBubble runs f in a synctest bubble with an in-memory provider (so
// that the bubble's clock can advance) and an authenticator reaching it
// through the provider's client, both closed before the bubble ends.
func inBubble(t *testing.T, popts oidctest.Options, before func(p *oidctest.Provider), f func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator)) {
	inBubbleWith(t, popts, oidc.Options{}, before, f)
}

// inBubbleWith is inBubble with aopts for the authenticator; its
// HTTPClient is the provider's.
func inBubbleWith(t *testing.T, popts oidctest.Options, aopts oidc.Options, before func(p *oidctest.Provider), f func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator)) {
	synctest.Test(t, func(t *testing.T) {
		popts.InMemory = true
		p := oidctest.NewProvider(popts)
		defer p.Close()
		if before != nil {
			before(p)
		}
		j := jwtFor(p)
		j.Issuer.CertificateAuthority = ""
		aopts.HTTPClient = p.Client()
		a, err := oidc.New([]authconfig.JWT{j}, aopts)
		require.NoError(t, err)
		defer func() { require.NoError(t, a.Close()) }()
		f(t, p, a)
	})
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	inBubble(t, oidctest.Options{MaxAge: 5 * time.Minute}, nil, func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator) {
		old := p.KeyID()
		tokOld := p.Sign(claims(p, "alice", map[string]any{"exp": time.Now().Add(24 * time.Hour).Unix()}))
		_, ok, err := authenticate(t, a, tokOld)
		require.NoError(t, err)
		require.True(t, ok)

		// A new kid appears: the first token signed with it triggers a
		// refetch (once the cooldown since the last fetch has passed).
		p.Rotate()
		tokNew := p.Sign(claims(p, "bob", map[string]any{"exp": time.Now().Add(24 * time.Hour).Unix()}))
		_, _, err = authenticate(t, a, tokNew)
		require.ErrorIs(t, err, authn.ErrUnknownKey, "within the cooldown of the start-up fetch")
		time.Sleep(20 * time.Second)
		_, jwks0 := p.Fetches()
		resp, ok, err := authenticate(t, a, tokNew)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "oidc:bob", resp.User.Name)
		_, jwks1 := p.Fetches()
		assert.Equal(t, jwks0+1, jwks1)
		for range 10 {
			_, ok, err = authenticate(t, a, tokNew)
			require.NoError(t, err)
			require.True(t, ok)
		}
		_, jwks2 := p.Fetches()
		assert.Equal(t, jwks1, jwks2, "a known kid fetches nothing")

		// The old kid is removed: it keeps verifying until the next
		// refresh (max-age 5 min), then stops.
		p.RemoveKey(old)
		_, ok, err = authenticate(t, a, tokOld)
		require.NoError(t, err)
		require.True(t, ok)
		time.Sleep(6 * time.Minute)
		synctest.Wait()
		_, ok, err = authenticate(t, a, tokOld)
		require.False(t, ok)
		require.ErrorIs(t, err, authn.ErrUnknownKey)
		_, ok, err = authenticate(t, a, tokNew)
		require.NoError(t, err)
		require.True(t, ok)
	})
}

func TestJWKSOutage(t *testing.T) {
	t.Parallel()
	inBubble(t, oidctest.Options{MaxAge: 2 * time.Minute}, nil, func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator) {
		tok := p.Sign(claims(p, "alice", map[string]any{"exp": time.Now().Add(24 * time.Hour).Unix()}))
		_, ok, err := authenticate(t, a, tok)
		require.NoError(t, err)
		require.True(t, ok)

		p.SetJWKSDown(true)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		h := a.Health()[0]
		assert.True(t, h.Ready)
		assert.Error(t, h.LastError, "the failed refreshes are reported")
		_, ok, err = authenticate(t, a, tok)
		require.NoError(t, err, "the last good keys keep verifying")
		require.True(t, ok)
		assert.NoError(t, a.Ready())

		p.SetJWKSDown(false)
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		assert.NoError(t, a.Health()[0].LastError, "recovered")
	})
}

func TestIssuerDownAtStart(t *testing.T) {
	t.Parallel()
	inBubble(t, oidctest.Options{}, func(p *oidctest.Provider) { p.SetDown(true) }, func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator) {
		tok := p.Sign(claims(p, "alice", map[string]any{"exp": time.Now().Add(24 * time.Hour).Unix()}))
		_, ok, err := authenticate(t, a, tok)
		require.False(t, ok)
		require.ErrorIs(t, err, authn.ErrUnavailable)
		require.True(t, authn.IsUnavailable(err), "the middleware answers 503")
		require.ErrorIs(t, a.Ready(), authn.ErrUnavailable)
		assert.ErrorContains(t, a.Ready(), `issuer "`+p.Issuer()+`": keys not loaded: `)
		assert.ErrorContains(t, a.Ready(), "503", "the last fetch error")
		h := a.Health()[0]
		assert.False(t, h.Ready)
		assert.Error(t, h.LastError)

		// Requests while down do not hammer the provider.
		d0, _ := p.Fetches()
		for range 50 {
			_, _, _ = a.AuthenticateToken(t.Context(), tok)
		}
		d1, _ := p.Fetches()
		assert.LessOrEqual(t, d1-d0, 1)

		p.SetDown(false)
		time.Sleep(2 * time.Minute) // the background retry, with no caller
		synctest.Wait()
		assert.True(t, a.Health()[0].Ready)
		resp, ok, err := authenticate(t, a, tok)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "oidc:alice", resp.User.Name)
		assert.NoError(t, a.Ready())
	})
}

// TestIssuerUnreachableAtStart runs over a real socket on 127.0.0.1: an
// issuer that no connection reaches when New runs (each is closed before
// the TLS handshake) does not stop New; its tokens are unavailable, and
// once it is reachable its keys arrive through the background retry alone,
// with no token to trigger it.
func TestIssuerUnreachableAtStart(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	p.SetUnreachable(true)
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{})
	tok := p.Sign(claims(p, "alice", nil))

	_, ok, err := authenticate(t, a, tok)
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	require.ErrorIs(t, a.Ready(), authn.ErrUnavailable)
	assert.Error(t, a.Health()[0].LastError)
	d, j := p.Fetches()
	assert.Zero(t, d+j, "no request reached the provider")

	p.SetUnreachable(false)
	// The first retry comes after about a second (jwks.DefaultMinBackoff);
	// the bound only stops a broken test.
	require.Eventually(t, func() bool { return a.Ready() == nil }, 30*time.Second, 10*time.Millisecond)
	resp, ok, err := authenticate(t, a, tok)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "oidc:alice", resp.User.Name)
	h := a.Health()[0]
	assert.NoError(t, h.LastError)
	assert.Equal(t, 1, h.Keys)
}

// TestIssuerRevokesAllKeys is the regression test for an identity provider
// that revokes every key by publishing a JWK Set with no usable key (none
// at all, or only keys nothing can verify with): a token that verified
// before is refused at the next refresh as signed by an unknown key (401,
// not 503), Health reports zero keys, Ready fails saying that the issuer
// publishes no usable signing key, and each change is logged once at
// Error with the issuer. Publishing keys again restores them.
func TestIssuerRevokesAllKeys(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	inBubbleWith(t, oidctest.Options{MaxAge: 2 * time.Minute}, oidc.Options{Logger: logger}, nil, func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator) {
		kid := p.KeyID()
		tok := p.Sign(claims(p, "alice", map[string]any{"exp": time.Now().Add(24 * time.Hour).Unix()}))
		serve := authn.Middleware(authn.BearerToken(a), authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}))
		status := func() int {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			serve.ServeHTTP(rec, req)
			return rec.Code
		}
		accepted := func(t *testing.T) {
			t.Helper()
			resp, ok, err := authenticate(t, a, tok)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "oidc:alice", resp.User.Name)
			assert.NoError(t, a.Ready())
			assert.Equal(t, http.StatusNoContent, status())
		}
		revoked := func(t *testing.T) {
			t.Helper()
			_, ok, err := authenticate(t, a, tok)
			require.False(t, ok)
			require.ErrorIs(t, err, authn.ErrUnknownKey)
			assert.False(t, authn.IsUnavailable(err))
			assert.ErrorContains(t, err, "the issuer publishes no usable signing key")
			assert.Equal(t, http.StatusUnauthorized, status())

			h := a.Health()[0]
			assert.False(t, h.Ready)
			assert.Zero(t, h.Keys)
			assert.NoError(t, h.LastError, "a successful fetch, not a failure")
			assert.False(t, h.LastRefresh.IsZero())

			err = a.Ready()
			require.ErrorIs(t, err, authn.ErrUnknownKey)
			assert.NotErrorIs(t, err, authn.ErrUnavailable)
			assert.ErrorContains(t, err, `issuer "`+p.Issuer()+`" publishes no usable signing key`)
		}
		errorLines := func() int { return strings.Count(logs.String(), "level=ERROR") }

		accepted(t)

		// The key endpoint is emptied: {"keys":[]}.
		p.RemoveKey(kid)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		revoked(t)
		require.Equal(t, 1, errorLines())
		assert.Contains(t, logs.String(), `level=ERROR msg="issuer publishes no usable signing key: every token of this issuer is refused until it publishes one" authenticator=oidc issuer=`+p.Issuer())

		// Refreshes that find it still empty say nothing more.
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		revoked(t)
		assert.Equal(t, 1, errorLines())

		p.PublishKey(kid)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		accepted(t)

		// Only keys nothing can verify with, all with the token's kid: an
		// encryption key, an HMAC algorithm on the RSA key, an unknown
		// key type.
		pub := p.PublicKey(kid)
		var set struct {
			Keys []any `json:"keys"`
		}
		for _, k := range []jose.JSONWebKey{
			{Key: pub, KeyID: kid, Algorithm: "RS256", Use: "enc"},
			{Key: pub, KeyID: kid, Algorithm: "HS256", Use: "sig"},
		} {
			set.Keys = append(set.Keys, k)
		}
		set.Keys = append(set.Keys, map[string]any{"kty": "XYZ", "kid": kid, "use": "sig"})
		body, err := json.Marshal(set)
		require.NoError(t, err)
		p.SetJWKSBody(body)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		revoked(t)
		assert.Equal(t, 2, errorLines(), "logged again: a new change")

		p.SetJWKSBody(nil)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		accepted(t)
		assert.NotContains(t, logs.String(), tok, "no token in the logs")
	})
}

// logBuffer collects log output for assertions; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
