package bootstrap

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

const (
	testID     = "abcdef"
	testSecret = "0123456789abcdef"
	testToken  = testID + "." + testSecret
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testSecretFor returns a valid, authentication-enabled Secret for id and
// secret, changed by edit.
func testSecretFor(id, secret string, edit func(s *Secret)) *Secret {
	s := &Secret{
		Namespace: Namespace,
		Name:      SecretPrefix + id,
		Type:      SecretType,
		Data: map[string]string{
			TokenIDKey:             id,
			TokenSecretKey:         secret,
			UsageAuthenticationKey: "true",
		},
	}
	if edit != nil {
		edit(s)
	}
	return s
}

// oneSecret is a Store holding s under its token ID, unchecked, so that
// tests can hand the authenticator Secrets a FileStore would refuse.
func oneSecret(id string, s *Secret) Store {
	return StoreFunc(func(_ context.Context, tokenID string) (*Secret, error) {
		if tokenID == id {
			return s, nil
		}
		return nil, nil
	})
}

func newTestAuthenticator(t *testing.T, store Store) *Authenticator {
	t.Helper()
	a, err := New(store, Options{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	return a
}

func TestAuthenticateToken(t *testing.T) {
	future := testNow.Add(time.Hour)
	tests := []struct {
		name     string
		token    string
		edit     func(s *Secret)
		wantOK   bool
		wantUser authn.UserInfo
		wantExp  time.Time
		wantErr  error // nil with !wantOK: no opinion
	}{
		{name: "valid", token: testToken, wantOK: true,
			wantUser: authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{"system:bootstrappers"}}},
		{name: "valid with expiry and extra groups, sorted and deduplicated", token: testToken,
			edit: func(s *Secret) {
				s.Data[ExpirationKey] = future.Format(time.RFC3339)
				s.Data[ExtraGroupsKey] = "system:bootstrappers:zeta,system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:zeta"
			},
			wantOK:  true,
			wantExp: future,
			wantUser: authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{
				"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:bootstrappers:zeta"}}},
		{name: "signing usage too is fine", token: testToken,
			edit:   func(s *Secret) { s.Data[UsageSigningKey] = "true" },
			wantOK: true, wantUser: authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{"system:bootstrappers"}}},

		{name: "empty token is no opinion", token: ""},
		{name: "upper case is no opinion", token: "ABCDEF.0123456789abcdef"},
		{name: "short secret is no opinion", token: "abcdef.0123456789abcde"},
		{name: "long secret is no opinion", token: testToken + "0"},
		{name: "colon separator is no opinion", token: "abcdef:0123456789abcdef"},
		{name: "trailing newline is no opinion", token: testToken + "\n"},
		{name: "JWT is no opinion", token: "eyJhbGciOi.eyJzdWIiOi.c2ln"},
		{name: "unknown id is no opinion", token: "zzzzzz." + testSecret},

		{name: "wrong secret", token: testID + ".fedcba9876543210", wantErr: ErrWrongSecret},
		{name: "no token-secret never matches", token: testToken,
			edit: func(s *Secret) { delete(s.Data, TokenSecretKey) }, wantErr: ErrWrongSecret},
		{name: "being deleted", token: testToken,
			edit: func(s *Secret) { s.DeletionTimestamp = testNow }, wantErr: authn.ErrRevoked},
		{name: "wrong type", token: testToken,
			edit: func(s *Secret) { s.Type = "Opaque" }, wantErr: ErrInvalidSecret},
		{name: "wrong namespace", token: testToken,
			edit: func(s *Secret) { s.Namespace = "default" }, wantErr: ErrInvalidSecret},
		{name: "wrong name", token: testToken,
			edit: func(s *Secret) { s.Name = "bootstrap-token-zzzzzz" }, wantErr: ErrInvalidSecret},
		{name: "token-id differs", token: testToken,
			edit: func(s *Secret) { s.Data[TokenIDKey] = "zzzzzz" }, wantErr: ErrInvalidSecret},
		{name: "expired", token: testToken,
			edit: func(s *Secret) { s.Data[ExpirationKey] = testNow.Format(time.RFC3339) }, wantErr: authn.ErrExpired},
		{name: "unparseable expiration is expired", token: testToken,
			edit: func(s *Secret) { s.Data[ExpirationKey] = "tomorrow" }, wantErr: authn.ErrExpired},
		{name: "usage missing", token: testToken,
			edit: func(s *Secret) { delete(s.Data, UsageAuthenticationKey) }, wantErr: ErrNotForAuthentication},
		{name: "usage not exactly true", token: testToken,
			edit: func(s *Secret) { s.Data[UsageAuthenticationKey] = "True" }, wantErr: ErrNotForAuthentication},
		{name: "bad extra group", token: testToken,
			edit: func(s *Secret) { s.Data[ExtraGroupsKey] = "system:masters" }, wantErr: ErrInvalidSecret},
		{name: "empty extra group", token: testToken,
			edit: func(s *Secret) { s.Data[ExtraGroupsKey] = "system:bootstrappers:a," }, wantErr: ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAuthenticator(t, oneSecret(testID, testSecretFor(testID, testSecret, tt.edit)))
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantOK:
				authntest.AssertUser(t, tt.wantUser, resp, ok, err)
				assert.True(t, resp.Expiry.Equal(tt.wantExp), "expiry %v, want %v", resp.Expiry, tt.wantExp)
				assert.Nil(t, resp.Audiences)
			case tt.wantErr == nil:
				require.NoError(t, err)
				require.False(t, ok)
			default:
				require.ErrorIs(t, err, tt.wantErr)
				te, isTE := errors.AsType[*TokenError](err)
				require.True(t, isTE, "want a *TokenError, got %T", err)
				assert.Equal(t, testID, te.TokenID)
				assert.False(t, authn.IsUnavailable(err))
				assert.NotContains(t, err.Error(), testSecret)
				assert.NotContains(t, err.Error(), "fedcba9876543210")
			}
		})
	}
}

func TestExpiredError(t *testing.T) {
	exp := testNow.Add(-time.Minute)
	a := newTestAuthenticator(t, oneSecret(testID, testSecretFor(testID, testSecret, func(s *Secret) {
		s.Data[ExpirationKey] = exp.Format(time.RFC3339)
	})))
	_, _, err := a.AuthenticateToken(t.Context(), testToken)
	e, ok := errors.AsType[*authn.ExpiredError](err)
	require.True(t, ok, "want *authn.ExpiredError, got %v", err)
	assert.True(t, e.Expiry.Equal(exp))
}

func TestStoreFailureIsUnavailable(t *testing.T) {
	cause := errors.New("informer not synced")
	a := newTestAuthenticator(t, StoreFunc(func(context.Context, string) (*Secret, error) { return nil, cause }))
	resp, ok, err := a.AuthenticateToken(t.Context(), testToken)
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	require.ErrorIs(t, err, cause)
	assert.True(t, authn.IsUnavailable(err))
	assert.NotContains(t, err.Error(), testSecret)
	require.EqualError(t, err, "bootstrap: look up secret kube-system/bootstrap-token-abcdef: authn: cannot check credential now: informer not synced")
}

// TestErrorTextSaidOnce: the package name, a sentinel's text, is never
// said twice in an error.
func TestErrorTextSaidOnce(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Secret)
		want string
	}{
		{"wrong secret", func(s *Secret) { s.Data[TokenSecretKey] = "ffffffffffffffff" }, "wrong token secret"},
		{"being deleted", func(s *Secret) { s.DeletionTimestamp = testNow }, "secret is being deleted: authn: credential revoked"},
		{"wrong namespace", func(s *Secret) { s.Namespace = "default" }, "invalid bootstrap token secret: namespace is not kube-system"},
		{"expired", func(s *Secret) { s.Data[ExpirationKey] = "2000-01-01T00:00:00Z" }, "authn: credential expired at 2000-01-01T00:00:00Z"},
		{"not for authentication", func(s *Secret) { s.Data[UsageAuthenticationKey] = "false" }, "token not marked usage-bootstrap-authentication=true"},
		{"bad group", func(s *Secret) { s.Data[ExtraGroupsKey] = "ops" },
			`invalid bootstrap token secret: auth-extra-groups: group "ops" does not match \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAuthenticator(t, oneSecret(testID, testSecretFor(testID, testSecret, tt.edit)))
			_, _, err := a.AuthenticateToken(t.Context(), testToken)
			require.EqualError(t, err, "bootstrap: token abcdef (secret kube-system/bootstrap-token-abcdef): "+tt.want)
			assert.Equal(t, 1, strings.Count(err.Error(), "bootstrap:"))
			assert.LessOrEqual(t, strings.Count(err.Error(), "authn:"), 1)
		})
	}
}

func TestStoreSeesTokenID(t *testing.T) {
	var got []string
	a := newTestAuthenticator(t, StoreFunc(func(_ context.Context, id string) (*Secret, error) {
		got = append(got, id)
		return nil, nil
	}))
	for _, tok := range []string{testToken, "not-a-token", "zzzzzz.zzzzzzzzzzzzzzzz"} {
		_, _, _ = a.AuthenticateToken(t.Context(), tok)
	}
	assert.Equal(t, []string{"abcdef", "zzzzzz"}, got, "the store is asked only for well-formed tokens")
}

func TestNew(t *testing.T) {
	_, err := New(nil, Options{})
	require.Error(t, err)
	a, err := New(oneSecret(testID, testSecretFor(testID, testSecret, nil)), Options{})
	require.NoError(t, err)
	resp, ok, err := a.AuthenticateToken(t.Context(), testToken)
	authntest.AssertUser(t, authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{"system:bootstrappers"}}, resp, ok, err)
}

func TestParseToken(t *testing.T) {
	id, secret, ok := ParseToken(testToken)
	require.True(t, ok)
	assert.Equal(t, testID, id)
	assert.Equal(t, testSecret, secret)
	for _, bad := range []string{"", ".", "abcdef.", "abcdef0123456789abcdef0", "abcdé.0123456789abcdef", "abcdef.0123456789abcdeF", "abcdef.0123456789abcde-"} {
		_, _, ok := ParseToken(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func TestValidGroup(t *testing.T) {
	long := "system:bootstrappers:" + strings.Repeat("a", 256)
	for g, want := range map[string]bool{
		"system:bootstrappers:a":          true,
		"system:bootstrappers:a-b:c1":     true,
		long:                              true,
		long + "a":                        false,
		"system:bootstrappers:":           false,
		"system:bootstrappers":            false,
		"system:bootstrappers:a-":         false,
		"system:bootstrappers:a:":         false,
		"system:bootstrappers:A":          false,
		"system:bootstrappers:a b":        false,
		"system:masters":                  false,
		" system:bootstrappers:a":         false,
		"system:bootstrappers:a\n":        false,
		"system:bootstrappers:-a":         true,
		"system:bootstrappers::a":         true,
		"xsystem:bootstrappers:a":         false,
		"system:bootstrappers:a_b":        false,
		"system:bootstrappers:kubeadm:x9": true,
	} {
		assert.Equal(t, want, ValidGroup(g), "%q", g)
	}
}
