package serviceaccount

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func saUser(ns, name, uid string, extra map[string][]string) authn.UserInfo {
	return authn.UserInfo{
		Name:   "system:serviceaccount:" + ns + ":" + name,
		UID:    uid,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns},
		Extra:  extra,
	}
}

func TestRoundTrip(t *testing.T) {
	keys := map[string]crypto.Signer{
		"RS256": rsaKey(t),
		"ES256": ecKey(t, elliptic.P256()),
		"ES384": ecKey(t, elliptic.P384()),
		"ES512": ecKey(t, elliptic.P521()),
	}
	for alg, key := range keys {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			iss := newIssuer(t, key)
			a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true})
			exp := testNow.Add(time.Hour)
			tests := []struct {
				name     string
				token    string
				want     authn.UserInfo
				wantAuds []string
				wantExp  time.Time
			}{
				{
					name:  "bound, no binding",
					token: mint(t, iss, BoundToken{Namespace: "default", Name: "demo", UID: "sa-uid", ID: "j1"}),
					want: saUser("default", "demo", "sa-uid", map[string][]string{
						authn.CredentialIDKey: {"JTI=j1"},
					}),
					wantAuds: []string{testIssuer}, wantExp: exp,
				},
				{
					name: "bound to a pod and its node",
					token: mint(t, iss, BoundToken{Namespace: "ns1", Name: "app", UID: "sa-uid", ID: "j2",
						Pod: &ObjectRef{Name: "app-0", UID: "pod-uid"}, Node: &ObjectRef{Name: "node-a", UID: "node-uid"}}),
					want: saUser("ns1", "app", "sa-uid", map[string][]string{
						ExtraPodName: {"app-0"}, ExtraPodUID: {"pod-uid"},
						ExtraNodeName: {"node-a"}, ExtraNodeUID: {"node-uid"},
						authn.CredentialIDKey: {"JTI=j2"},
					}),
					wantAuds: []string{testIssuer}, wantExp: exp,
				},
				{
					name: "bound to a secret",
					token: mint(t, iss, BoundToken{Namespace: "ns1", Name: "app", UID: "sa-uid", ID: "j3",
						Secret: &ObjectRef{Name: "s", UID: "secret-uid"}, Lifetime: 2 * time.Hour}),
					want:     saUser("ns1", "app", "sa-uid", map[string][]string{authn.CredentialIDKey: {"JTI=j3"}}),
					wantAuds: []string{testIssuer}, wantExp: testNow.Add(2 * time.Hour),
				},
				{
					name: "bound to a node",
					token: mint(t, iss, BoundToken{Namespace: "ns1", Name: "app", UID: "sa-uid", ID: "j4",
						Node: &ObjectRef{Name: "node-a", UID: "node-uid"}}),
					want: saUser("ns1", "app", "sa-uid", map[string][]string{
						ExtraNodeName: {"node-a"}, ExtraNodeUID: {"node-uid"}, authn.CredentialIDKey: {"JTI=j4"},
					}),
					wantAuds: []string{testIssuer}, wantExp: exp,
				},
				{
					name: "several audiences, one accepted",
					token: mint(t, iss, BoundToken{Namespace: "default", Name: "demo", UID: "sa-uid", ID: "j5",
						Audiences: []string{"vault", testIssuer}}),
					want:     saUser("default", "demo", "sa-uid", map[string][]string{authn.CredentialIDKey: {"JTI=j5"}}),
					wantAuds: []string{testIssuer}, wantExp: exp,
				},
				{
					name:     "legacy",
					token:    mintLegacy(t, iss, LegacyToken{Namespace: "default", Name: "demo", UID: "sa-uid", SecretName: "demo-token-x"}),
					want:     saUser("default", "demo", "sa-uid", nil),
					wantAuds: []string{testIssuer},
				},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
					require.True(t, authntest.AssertUser(t, tt.want, resp, ok, err))
					assert.Equal(t, tt.wantAuds, resp.Audiences)
					assert.True(t, tt.wantExp.Equal(resp.Expiry), "expiry %v, want %v", resp.Expiry, tt.wantExp)
				})
			}
		})
	}
}

func mintLegacy(t testing.TB, i *Issuer, lt LegacyToken) string {
	t.Helper()
	tok, err := i.MintLegacy(lt)
	require.NoError(t, err)
	return tok
}

// TestMintedLayout pins the claim layout against what Kubernetes writes.
func TestMintedLayout(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	kid, err := KeyID(key.Public())
	require.NoError(t, err)

	tok := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u1",
		Pod: &ObjectRef{Name: "p", UID: "pu"}, WarnAfter: time.Hour, Lifetime: 24 * time.Hour})
	assert.Equal(t, map[string]any{"alg": "ES256", "kid": kid}, decodePart(t, tok, 0))
	p := decodePart(t, tok, 1)
	jti, _ := p["jti"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, jti)
	delete(p, "jti")
	now := float64(testNow.Unix())
	assert.Equal(t, map[string]any{
		"iss": testIssuer, "sub": "system:serviceaccount:ns:sa", "aud": testIssuer,
		"exp": now + 86400, "iat": now, "nbf": now,
		"kubernetes.io": map[string]any{
			"namespace":      "ns",
			"serviceaccount": map[string]any{"name": "sa", "uid": "u1"},
			"pod":            map[string]any{"name": "p", "uid": "pu"},
			"warnafter":      now + 3600,
		},
	}, p)

	legacy := mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "u1", SecretName: "sa-token-abc"})
	assert.Equal(t, map[string]any{
		"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ns:sa",
		"kubernetes.io/serviceaccount/namespace":            "ns",
		"kubernetes.io/serviceaccount/secret.name":          "sa-token-abc",
		"kubernetes.io/serviceaccount/service-account.name": "sa",
		"kubernetes.io/serviceaccount/service-account.uid":  "u1",
	}, decodePart(t, legacy, 1))
}

func TestMintErrors(t *testing.T) {
	iss := newIssuer(t, ecKey(t, elliptic.P256()))
	for name, bt := range map[string]BoundToken{
		"no uid":           {Namespace: "ns", Name: "sa"},
		"colon in name":    {Namespace: "ns", Name: "a:b", UID: "u"},
		"secret and pod":   {Namespace: "ns", Name: "sa", UID: "u", Secret: &ObjectRef{"s", "1"}, Pod: &ObjectRef{"p", "2"}},
		"short lifetime":   {Namespace: "ns", Name: "sa", UID: "u", Lifetime: time.Minute},
		"pod without uid":  {Namespace: "ns", Name: "sa", UID: "u", Pod: &ObjectRef{Name: "p"}},
		"negative warning": {Namespace: "ns", Name: "sa", UID: "u", WarnAfter: -time.Second},
	} {
		_, err := iss.Mint(bt)
		assert.Error(t, err, name)
	}
	_, err := iss.MintLegacy(LegacyToken{Namespace: "ns", Name: "sa", UID: "u"})
	assert.Error(t, err, "legacy without secret")
	_, err = NewIssuer("", ecKey(t, elliptic.P256()), IssuerOptions{})
	assert.Error(t, err)
}

// TestGoJoseTokens validates tokens built by go-jose, not by Issuer, in
// both layouts and with algorithms Issuer does not use.
func TestGoJoseTokens(t *testing.T) {
	rk := rsaKey(t)
	ek := ecKey(t, elliptic.P384())
	rkid, _ := KeyID(&rk.PublicKey)
	a := newAuth(t, Options{Keys: []crypto.PublicKey{&rk.PublicKey, &ek.PublicKey}, Legacy: true, APIAudiences: []string{"api"}})
	now := testNow
	std := jwt.Claims{
		Issuer: testIssuer, Subject: "system:serviceaccount:kube-system:ctrl", Audience: jwt.Audience{"api"},
		Expiry: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now), ID: "abc",
	}
	private := map[string]any{"kubernetes.io": map[string]any{
		"namespace": "kube-system", "serviceaccount": map[string]any{"name": "ctrl", "uid": "uid-1"},
		"pod": map[string]any{"name": "ctrl-1", "uid": "pod-1"},
	}}
	wantBound := saUser("kube-system", "ctrl", "uid-1", map[string][]string{
		ExtraPodName: {"ctrl-1"}, ExtraPodUID: {"pod-1"}, authn.CredentialIDKey: {"JTI=abc"},
	})
	legacy := map[string]any{
		"iss": LegacyIssuer, "sub": "system:serviceaccount:default:old",
		"kubernetes.io/serviceaccount/namespace":            "default",
		"kubernetes.io/serviceaccount/secret.name":          "old-token-1",
		"kubernetes.io/serviceaccount/service-account.name": "old",
		"kubernetes.io/serviceaccount/service-account.uid":  "uid-2",
	}
	tests := []struct {
		name  string
		token string
		want  authn.UserInfo
	}{
		{"RS256 with kid", goJoseToken(t, jose.RS256, rk, rkid, std, private), wantBound},
		{"RS512 without kid", goJoseToken(t, jose.RS512, rk, "", std, private), wantBound},
		{"PS256", goJoseToken(t, jose.PS256, rk, "", std, private), wantBound},
		{"ES384 without kid", goJoseToken(t, jose.ES384, ek, "", std, private), wantBound},
		{"legacy RS256", goJoseToken(t, jose.RS256, rk, "", legacy), saUser("default", "old", "uid-2", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.AssertUser(t, tt.want, resp, ok, err)
		})
	}
}

// TestLegacyClaims applies Kubernetes' legacy validator: "sub" and the
// four legacy claims present and agreeing, the namespace a DNS-1123 label
// and the name a DNS-1123 subdomain (SplitUsername).
func TestLegacyClaims(t *testing.T) {
	rk := rsaKey(t)
	a := newAuth(t, Options{Keys: []crypto.PublicKey{&rk.PublicKey}, Legacy: true})
	token := func(ns, name, sub string) string {
		return goJoseToken(t, jose.RS256, rk, "", map[string]any{
			"iss": LegacyIssuer, "sub": sub,
			"kubernetes.io/serviceaccount/namespace":            ns,
			"kubernetes.io/serviceaccount/secret.name":          "s",
			"kubernetes.io/serviceaccount/service-account.name": name,
			"kubernetes.io/serviceaccount/service-account.uid":  "u",
		})
	}
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, ns, sa, sub string
		wantErr           error
	}{
		{name: "valid", ns: "kube-system", sa: "ctrl", sub: "system:serviceaccount:kube-system:ctrl"},
		{name: "dotted name", ns: "ns1", sa: "build.bot-2", sub: "system:serviceaccount:ns1:build.bot-2"},
		{name: "63-character namespace", ns: long[:63], sa: "x", sub: "system:serviceaccount:" + long[:63] + ":x"},
		{name: "sub names another account", ns: "ns", sa: "a", sub: "system:serviceaccount:ns:b", wantErr: authn.ErrMalformed},
		{name: "sub with another prefix", ns: "ns", sa: "a", sub: "system:serviceaccounts:ns:a", wantErr: authn.ErrMalformed},
		{name: "extra colon", ns: "ns", sa: "a:b", sub: "system:serviceaccount:ns:a:b", wantErr: authn.ErrMalformed},
		{name: "upper-case namespace", ns: "NS", sa: "a", sub: "system:serviceaccount:NS:a", wantErr: authn.ErrMalformed},
		{name: "dotted namespace", ns: "a.b", sa: "a", sub: "system:serviceaccount:a.b:a", wantErr: authn.ErrMalformed},
		{name: "64-character namespace", ns: long, sa: "a", sub: "system:serviceaccount:" + long + ":a", wantErr: authn.ErrMalformed},
		{name: "name starting with '-'", ns: "ns", sa: "-a", sub: "system:serviceaccount:ns:-a", wantErr: authn.ErrMalformed},
		{name: "name with an empty label", ns: "ns", sa: "a..b", sub: "system:serviceaccount:ns:a..b", wantErr: authn.ErrMalformed},
		{name: "missing namespace", ns: "", sa: "a", sub: "system:serviceaccount::a", wantErr: authn.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateToken(t.Context(), token(tt.ns, tt.sa, tt.sub))
			if tt.wantErr == nil {
				authntest.AssertUser(t, saUser(tt.ns, tt.sa, "u", nil), resp, ok, err)
				return
			}
			authntest.CheckOutcome(t, resp, ok, err)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

// TestWebhookBoundTokens: Kubernetes 1.37 can bind a token to a
// validating or mutating webhook configuration, behind the alpha feature
// gate APIServerWebhookAuthenticationToken; with the gate off, its
// default, kube-apiserver refuses such tokens, and so does this package.
func TestWebhookBoundTokens(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}})
	token := func(k8s map[string]any) string {
		k8s["namespace"] = "ns"
		k8s["serviceaccount"] = map[string]any{"name": "sa", "uid": "u"}
		return goJoseToken(t, jose.ES256, key, "", map[string]any{"iss": testIssuer, "aud": testIssuer, "exp": testNow.Add(time.Hour).Unix(), "kubernetes.io": k8s})
	}
	cfg := map[string]any{"name": "policy.example.com", "uid": "cfg-uid"}
	attest := map[string]any{"admissionreview.k8s.io/apigroups": []string{"apps"}}
	tests := []struct {
		name    string
		k8s     map[string]any
		wantErr error
	}{
		{name: "validating webhook", k8s: map[string]any{"validatingwebhookconfiguration": cfg, "attestations": attest}, wantErr: authn.ErrMalformed},
		{name: "mutating webhook", k8s: map[string]any{"mutatingwebhookconfiguration": cfg}, wantErr: authn.ErrMalformed},
		{name: "empty binding", k8s: map[string]any{"mutatingwebhookconfiguration": map[string]any{}}, wantErr: authn.ErrMalformed},
		{name: "name differing in case", k8s: map[string]any{"ValidatingWebhookConfiguration": cfg}, wantErr: authn.ErrMalformed},
		{name: "null is no binding", k8s: map[string]any{"validatingwebhookconfiguration": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, ok, err := a.AuthenticateToken(t.Context(), token(tt.k8s))
			if tt.wantErr == nil {
				authntest.AssertUser(t, saUser("ns", "sa", "u", nil), resp, ok, err)
				return
			}
			authntest.CheckOutcome(t, resp, ok, err)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestAudiences(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true, APIAudiences: []string{"api", testIssuer}})
	tok := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Audiences: []string{"vault", "api"}})
	legacy := mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "u", SecretName: "s"})
	reversed := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Audiences: []string{"z", "y", testIssuer, "x", "api"}})
	// Response.Audiences are in the order requested, as Kubernetes'
	// Audiences(tokenAudiences).Intersect(requestedAudiences) gives them.
	tests := []struct {
		name     string
		token    string
		ctxAuds  []string
		wantAuds []string
		wantErr  error
	}{
		{name: "api audiences", token: tok, wantAuds: []string{"api"}},
		{name: "context wins", token: tok, ctxAuds: []string{"vault"}, wantAuds: []string{"vault"}},
		{name: "context, none matches", token: tok, ctxAuds: []string{"other"}, wantErr: authn.ErrWrongAudience},
		{name: "legacy takes api audiences", token: legacy, wantAuds: []string{"api", testIssuer}},
		{name: "legacy, context", token: legacy, ctxAuds: []string{testIssuer, "x"}, wantAuds: []string{testIssuer}},
		{name: "legacy, foreign context", token: legacy, ctxAuds: []string{"vault"}, wantErr: authn.ErrWrongAudience},
		{name: "requested order, not the token's", token: reversed, ctxAuds: []string{"x", "y", "w", "z"}, wantAuds: []string{"x", "y", "z"}},
		{name: "api audiences' order, not the token's", token: reversed, wantAuds: []string{"api", testIssuer}},
		{name: "legacy, requested order", token: legacy, ctxAuds: []string{"x", testIssuer, "api"}, wantAuds: []string{testIssuer, "api"}},
		{name: "duplicate requested audiences reported once", token: reversed, ctxAuds: []string{"y", "x", "y"}, wantAuds: []string{"y", "x"}},
		{name: "empty requested list accepts nothing", token: reversed, ctxAuds: []string{}, wantErr: authn.ErrWrongAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.ctxAuds != nil {
				ctx = authn.WithAudiences(ctx, tt.ctxAuds)
			}
			resp, ok, err := a.AuthenticateToken(ctx, tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAuds, resp.Audiences)
		})
	}
}

func TestTimes(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key) // iat = nbf = testNow, exp = testNow + 1h
	tok := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u"})
	tests := []struct {
		name    string
		now     time.Time
		leeway  time.Duration
		wantErr error
	}{
		{name: "at issue", now: testNow},
		{name: "59s before nbf, default leeway", now: testNow.Add(-59 * time.Second)},
		{name: "61s before nbf", now: testNow.Add(-61 * time.Second), wantErr: authn.ErrNotYetValid},
		{name: "at exp+60s", now: testNow.Add(time.Hour + time.Minute)},
		{name: "at exp+61s", now: testNow.Add(time.Hour + 61*time.Second), wantErr: authn.ErrExpired},
		{name: "exp+2s, 1s leeway", now: testNow.Add(time.Hour + 2*time.Second), leeway: time.Second, wantErr: authn.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, ClockSkew: tt.leeway, Now: func() time.Time { return tt.now }})
			resp, ok, err := a.AuthenticateToken(t.Context(), tok)
			authntest.CheckOutcome(t, resp, ok, err)
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.True(t, ok)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
	t.Run("expired carries its expiry", func(t *testing.T) {
		a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Now: func() time.Time { return testNow.Add(2 * time.Hour) }})
		_, _, err := a.AuthenticateToken(t.Context(), tok)
		e, ok := errors.AsType[*authn.ExpiredError](err)
		require.True(t, ok)
		assert.True(t, e.Expiry.Equal(testNow.Add(time.Hour)))
	})
}

// fakeLookup answers from a table of "kind/ns/name" → uid.
type fakeLookup map[string]string

func (f fakeLookup) UID(_ context.Context, kind Kind, ns, name string) (string, bool, error) {
	if uid, ok := f[string(kind)+"/"+ns+"/"+name]; ok {
		if uid == "ERR" {
			return "", false, errors.New("informer not synced")
		}
		return uid, true, nil
	}
	return "", false, nil
}

func TestLookup(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	objs := fakeLookup{
		"ServiceAccount/ns/sa": "sa-uid", "Pod/ns/p": "pod-uid", "Secret/ns/s": "sec-uid",
		"Node//n": "node-uid", "ServiceAccount/ns/broken": "ERR",
	}
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Lookup: objs})
	bt := func(mod func(*BoundToken)) string {
		b := BoundToken{Namespace: "ns", Name: "sa", UID: "sa-uid"}
		mod(&b)
		return mint(t, iss, b)
	}
	revoked := func(kind Kind, ns, name string, reason RevokedReason) *RevokedError {
		return &RevokedError{Kind: kind, Namespace: ns, Name: name, Reason: reason}
	}
	tests := []struct {
		name        string
		token       string
		wantErr     error
		wantRevoked *RevokedError
	}{
		{"all there", bt(func(b *BoundToken) { b.Pod = &ObjectRef{"p", "pod-uid"}; b.Node = &ObjectRef{"gone", "x"} }), nil, nil},
		{"sa uid mismatch", bt(func(b *BoundToken) { b.UID = "old-uid" }), authn.ErrRevoked, revoked(KindServiceAccount, "ns", "sa", RevokedUIDChanged)},
		{"sa gone", bt(func(b *BoundToken) { b.Name = "gone" }), authn.ErrRevoked, revoked(KindServiceAccount, "ns", "gone", RevokedNotFound)},
		{"lookup error", bt(func(b *BoundToken) { b.Name = "broken" }), authn.ErrUnavailable, nil},
		{"pod recreated", bt(func(b *BoundToken) { b.Pod = &ObjectRef{"p", "older-pod"} }), authn.ErrRevoked, revoked(KindPod, "ns", "p", RevokedUIDChanged)},
		{"secret gone", bt(func(b *BoundToken) { b.Secret = &ObjectRef{"gone", "x"} }), authn.ErrRevoked, revoked(KindSecret, "ns", "gone", RevokedNotFound)},
		{"secret there", bt(func(b *BoundToken) { b.Secret = &ObjectRef{"s", "sec-uid"} }), nil, nil},
		{"node-bound, node there", bt(func(b *BoundToken) { b.Node = &ObjectRef{"n", "node-uid"} }), nil, nil},
		{"node-bound, node recreated", bt(func(b *BoundToken) { b.Node = &ObjectRef{"n", "old"} }), authn.ErrRevoked, revoked(KindNode, "", "n", RevokedUIDChanged)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.True(t, ok)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantErr == authn.ErrUnavailable, authn.IsUnavailable(err))
			if tt.wantRevoked != nil {
				got, ok := errors.AsType[*RevokedError](err)
				require.True(t, ok, "a *RevokedError: %v", err)
				assert.Equal(t, tt.wantRevoked, got)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	key := ecKey(t, elliptic.P256()).Public()
	for name, o := range map[string]Options{
		"no issuer, no legacy":      {Keys: []crypto.PublicKey{key}},
		"no keys":                   {Issuers: []string{testIssuer}},
		"negative leeway":           {Issuers: []string{testIssuer}, Keys: []crypto.PublicKey{key}, ClockSkew: -1},
		"legacy only, no audiences": {Legacy: true, Keys: []crypto.PublicKey{key}},
		"empty issuer":              {Issuers: []string{""}, Keys: []crypto.PublicKey{key}},
		"missing key file":          {Issuers: []string{testIssuer}, KeyFiles: []authn.FileOptions{{Path: "/nonexistent/key.pem"}}},
		"bad key type":              {Issuers: []string{testIssuer}, Keys: []crypto.PublicKey{"not a key"}},
	} {
		_, err := New(o)
		assert.Error(t, err, name)
	}
}

func TestIssuers(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	first := newIssuer(t, key)
	second, err := NewIssuer("https://second.example", key, IssuerOptions{Now: fixedNow})
	require.NoError(t, err)
	issuers := []string{testIssuer, "https://second.example"}
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key}, Issuers: issuers})
	issuers[1] = "https://changed.example" // New keeps its own copy
	for _, tok := range []string{
		mint(t, first, BoundToken{Namespace: "ns", Name: "sa", UID: "u"}),
		mint(t, second, BoundToken{Namespace: "ns", Name: "sa", UID: "u"}),
	} {
		resp, ok, err := a.AuthenticateToken(t.Context(), tok)
		require.True(t, authntest.AssertUser(t, saUser("ns", "sa", "u", resp.User.Extra), resp, ok, err))
		assert.Len(t, resp.Audiences, 1, "API audiences default to every issuer")
	}
}

// Every rejection of a token of ours is a *TokenError naming the issuer
// and the kid, and still matches its authn sentinel.
func TestTokenError(t *testing.T) {
	t.Parallel()
	signer, other := ecKey(t, elliptic.P256()), ecKey(t, elliptic.P256())
	a := newAuth(t, Options{Keys: []crypto.PublicKey{other.Public()}})
	iss := newIssuer(t, signer)
	tok := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u-1"})
	kid, err := KeyID(signer.Public())
	require.NoError(t, err)

	_, ok, err := a.AuthenticateToken(t.Context(), tok)
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnknownKey)
	te, isTokenError := errors.AsType[*TokenError](err)
	require.True(t, isTokenError)
	assert.Equal(t, TokenError{Authenticator: "serviceaccount", Issuer: testIssuer, KeyID: kid, Err: te.Err}, *te)
	assert.Equal(t, `serviceaccount: issuer "`+testIssuer+`": authn: unknown signing key: kid "`+kid+`"`, err.Error())
}
