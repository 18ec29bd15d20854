package oidc_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// A real provider: its JWKS fetch is reported with the hash of the body it
// serves, each verification of one of its tokens is a JWTEvent, and
// Health says when the keys are fetched next.
func TestObserver(t *testing.T) {
	p := newProvider(t, oidctest.Options{})
	p.SetMaxAge(10 * time.Minute)
	rec := authntest.NewRecorder()
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{Observer: rec.Observer()})
	other := newProvider(t, oidctest.Options{})

	tests := []struct {
		name       string
		token      string
		wantOK     bool
		wantResult string // "" for no event
	}{
		{"valid", p.Sign(claims(p, "alice", nil)), true, authn.ResultSuccess},
		{"expired", p.Sign(claims(p, "alice", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})), false, authn.ResultFailure},
		{"wrong audience", p.Sign(p.Claims("alice", "elsewhere")), false, authn.ResultFailure},
		{"cut short", p.Sign(claims(p, "alice", nil)) + ".x", false, authn.ResultFailure},
		{"another issuer's", other.Sign(other.Claims("alice", audience)), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.JWT())
			_, ok, _ := authenticate(t, a, tt.token)
			require.Equal(t, tt.wantOK, ok)
			events := rec.JWT()[before:]
			if tt.wantResult == "" {
				assert.Empty(t, events, "not ours: no verification")
				return
			}
			require.Len(t, events, 1)
			assert.Equal(t, authn.JWTEvent{Authenticator: "oidc", Issuer: p.Issuer(), Result: tt.wantResult, Duration: events[0].Duration}, events[0])
		})
	}

	res, err := p.Client().Get(p.JWKSURL())
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	sum := sha256.Sum256(body)
	fetches := rec.KeySetFetch()
	require.Len(t, fetches, 1)
	assert.Equal(t, authn.KeySetFetchEvent{Issuer: p.Issuer(), OK: true, Time: fetches[0].Time, Keys: 1,
		KeySetHash: "sha256:" + hex.EncodeToString(sum[:]), NextRefresh: fetches[0].Time.Add(10 * time.Minute)}, fetches[0])

	health := a.Health()
	require.Len(t, health, 1)
	assert.True(t, health[0].LastRefresh.Equal(fetches[0].Time), "the fetch reported is the one in use")
	assert.Equal(t, 10*time.Minute, health[0].NextRefresh.Sub(health[0].LastRefresh), "the next refresh follows max-age")
}

// The program's own keys are never fetched: no next refresh.
func TestHealthStaticKeys(t *testing.T) {
	p := newProvider(t, oidctest.Options{})
	keys := oidc.NewStaticKeySet(oidc.Key{Public: p.PublicKey(p.KeyID()), KeyID: p.KeyID()})
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{KeySets: map[string]oidc.KeySet{p.Issuer(): keys}})
	health := a.Health()
	require.Len(t, health, 1)
	assert.True(t, health[0].Ready)
	assert.Zero(t, health[0].NextRefresh)
}

// An observer adds no allocation to a verification.
func TestObserverAllocations(t *testing.T) {
	p := newProvider(t, oidctest.Options{})
	var seen atomic.Int64
	obs := &authn.Observer{JWT: func(e authn.JWTEvent) { seen.Add(int64(len(e.Result))) }}
	plain := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{})
	observed := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{Observer: obs})
	tok := p.Sign(claims(p, "alice", map[string]any{"groups": []string{"dev"}}))
	ctx := t.Context()
	for _, a := range []*oidc.Authenticator{plain, observed} {
		_, ok, err := a.AuthenticateToken(ctx, tok)
		require.NoError(t, err)
		require.True(t, ok)
	}
	verify := func(a *oidc.Authenticator) func() {
		return func() { _, _, _ = a.AuthenticateToken(ctx, tok) }
	}
	assert.Equal(t, testing.AllocsPerRun(50, verify(plain)), testing.AllocsPerRun(50, verify(observed)))
	assert.Positive(t, seen.Load())
}

// A token naming a kid the issuer lacks is reported with whether a
// refetch ran or the cooldown held it back; an issuer a configuration
// drops is reported, so that its series can go.
func TestObserverUnknownKeyAndRemovedIssuer(t *testing.T) {
	p, q := newProvider(t, oidctest.Options{}), newProvider(t, oidctest.Options{})
	gone := p.Rotate()
	p.RemoveKey(gone)
	unknown := p.SignWith(gone, nil, claims(p, "alice", nil))
	for _, tc := range []struct {
		cooldown time.Duration
		want     bool
	}{{time.Nanosecond, true}, {time.Hour, false}} {
		rec := authntest.NewRecorder()
		a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{Observer: rec.Observer(), UnknownKeyCooldown: tc.cooldown})
		require.Eventually(t, func() bool { return a.Ready() == nil }, 10*time.Second, time.Millisecond)
		_, ok, _ := authenticate(t, a, unknown)
		require.False(t, ok)
		assert.Equal(t, []authn.UnknownKeyEvent{{Issuer: p.Issuer(), Refetch: tc.want}}, rec.UnknownKey(), "cooldown %v", tc.cooldown)
	}

	rec := authntest.NewRecorder()
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p), jwtFor(q)}, oidc.Options{Observer: rec.Observer()})
	prepared, err := a.Prepare([]authconfig.JWT{jwtFor(p)})
	require.NoError(t, err)
	a.Apply(prepared)
	assert.Equal(t, []authn.IssuerRemovedEvent{{Issuer: q.Issuer()}}, rec.IssuerRemoved())
}
