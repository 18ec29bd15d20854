package serviceaccount

import (
	"crypto"
	"crypto/elliptic"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Each validation of a token of ours is a JWTEvent; the tokens
// Kubernetes' service-account counters count are ServiceAccountTokenEvents.
func TestObserver(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	other, err := NewIssuer(otherIss, key, IssuerOptions{Now: fixedNow})
	require.NoError(t, err)
	legacy := func(secret string) string {
		return mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "sa-uid", SecretName: secret})
	}
	live, invalidated := legacy("live"), legacy("invalid")
	lookup := secretTable{
		fakeLookup: fakeLookup{"ServiceAccount/ns/sa": "sa-uid"},
		secrets: map[string]Secret{
			"ns/live":    {Token: []byte(live)},
			"ns/invalid": {Token: []byte(invalidated), Labels: map[string]string{InvalidSinceLabel: "2026-01-01"}},
		},
	}
	rec := authntest.NewRecorder()
	var now atomic.Pointer[time.Time]
	now.Store(&testNow)
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true, Lookup: lookup,
		APIAudiences: []string{"api"}, Now: func() time.Time { return *now.Load() }, Observer: rec.Observer()})
	bound := func(bt BoundToken) string {
		bt.Namespace, bt.Name, bt.UID = "ns", "sa", "sa-uid"
		bt.Audiences = []string{"api"}
		return mint(t, iss, bt)
	}
	plain := bound(BoundToken{})
	warned := bound(BoundToken{WarnAfter: time.Hour, Lifetime: 24 * time.Hour})
	later := testNow.Add(2 * time.Hour)

	tests := []struct {
		name        string
		token       string
		now         time.Time
		wantOK      bool
		wantJWT     string // Result, "" for no event
		wantCounted authn.ServiceAccountTokenEvent
	}{
		{name: "bound", token: plain, wantOK: true, wantJWT: authn.ResultSuccess},
		{name: "bound with warnafter, before it", token: warned, wantOK: true, wantJWT: authn.ResultSuccess,
			wantCounted: authn.ServiceAccountTokenEvent{Valid: true}},
		{name: "bound with warnafter, after it", token: warned, now: later, wantOK: true, wantJWT: authn.ResultSuccess,
			wantCounted: authn.ServiceAccountTokenEvent{Stale: true}},
		{name: "legacy", token: live, wantOK: true, wantJWT: authn.ResultSuccess,
			wantCounted: authn.ServiceAccountTokenEvent{Legacy: true}},
		{name: "legacy, invalidated", token: invalidated, wantJWT: authn.ResultFailure,
			wantCounted: authn.ServiceAccountTokenEvent{Legacy: true, Invalidated: true}},
		{name: "bad signature", token: plain[:len(plain)-4] + "AAAA", wantJWT: authn.ResultFailure},
		{name: "expired", token: plain, now: testNow.Add(48 * time.Hour), wantJWT: authn.ResultFailure},
		{name: "another issuer's", token: mint(t, other, BoundToken{Namespace: "ns", Name: "sa", UID: "u"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := testNow
			if !tt.now.IsZero() {
				at = tt.now
			}
			now.Store(&at)
			jwtBefore, countedBefore := len(rec.JWT()), len(rec.ServiceAccountToken())
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			require.Equal(t, tt.wantOK, ok, "%v", err)

			jwts := rec.JWT()[jwtBefore:]
			if tt.wantJWT == "" {
				assert.Empty(t, jwts, "a token of another issuer is not ours")
			} else {
				require.Len(t, jwts, 1)
				wantIssuer := testIssuer
				if tt.token == live || tt.token == invalidated {
					wantIssuer = LegacyIssuer // legacy tokens have their own issuer
				}
				assert.Equal(t, authn.JWTEvent{Authenticator: "serviceaccount", Issuer: wantIssuer, Result: tt.wantJWT,
					Duration: jwts[0].Duration}, jwts[0])
			}
			counted := rec.ServiceAccountToken()[countedBefore:]
			if tt.wantCounted == (authn.ServiceAccountTokenEvent{}) {
				assert.Empty(t, counted)
			} else {
				assert.Equal(t, []authn.ServiceAccountTokenEvent{tt.wantCounted}, counted)
			}
		})
	}
}

// Loads of a key file are reported with the number of keys, and Health
// follows them.
func TestObserverKeyFiles(t *testing.T) {
	ka, kb := ecKey(t, elliptic.P256()), rsaKey(t)
	path := tempPath(t, "sa.pub")
	writePEM(t, path, ka.Public(), kb.Public())
	rec := authntest.NewRecorder()
	a := newAuth(t, Options{KeyFiles: []authn.FileOptions{{Path: path, Interval: -1}}, Observer: rec.Observer()})
	events := rec.Reload()
	require.Len(t, events, 1)
	assert.Equal(t, "serviceaccount", events[0].Component)
	assert.Equal(t, 2, events[0].Entries)

	require.NoError(t, os.WriteFile(path, []byte("-----BEGIN PUBLIC KEY-----\nbroken\n-----END PUBLIC KEY-----\n"), 0o600))
	require.Error(t, a.Reload())
	health := a.Health()
	require.Len(t, health, 1)
	require.Error(t, health[0].LastError)
	assert.Equal(t, 2, health[0].Entries, "the previous keys keep verifying")
	assert.Equal(t, events[0].ContentHash, health[0].ContentHash)
	assert.Nil(t, newAuth(t, Options{Keys: []crypto.PublicKey{ka.Public()}, Logger: slog.New(slog.DiscardHandler)}).Health())
}

// An observer adds no allocation to a validation.
func TestObserverAllocations(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	tok := mint(t, newIssuer(t, key), BoundToken{Namespace: "default", Name: "demo", UID: "u", WarnAfter: time.Hour})
	var seen atomic.Int64
	obs := &authn.Observer{
		JWT:                 func(e authn.JWTEvent) { seen.Add(int64(len(e.Issuer))) },
		ServiceAccountToken: func(e authn.ServiceAccountTokenEvent) { seen.Add(1) },
	}
	plain := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}})
	observed := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Observer: obs})
	ctx := t.Context()
	validate := func(a *Authenticator) func() {
		return func() {
			if _, ok, err := a.AuthenticateToken(ctx, tok); !ok {
				t.Fatal(err)
			}
		}
	}
	assert.Equal(t, testing.AllocsPerRun(20, validate(plain)), testing.AllocsPerRun(20, validate(observed)))
	assert.Positive(t, seen.Load())
}
