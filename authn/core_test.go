package authn_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestAnonymous(t *testing.T) {
	t.Parallel()
	resp, ok, err := authn.Anonymous().AuthenticateRequest(authntest.NewRequest())
	authntest.AssertUser(t, authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, resp, ok, err)
}

func TestAnonymousFor(t *testing.T) {
	t.Parallel()
	a := authn.AnonymousFor("/livez", "/readyz")
	for path, want := range map[string]bool{"/livez": true, "/readyz": true, "/": false, "/livez/": false, "/api": false} {
		resp, ok, err := a.AuthenticateRequest(httptest.NewRequest(http.MethodGet, path, nil))
		if want {
			authntest.AssertUser(t, authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, resp, ok, err)
			continue
		}
		require.NoError(t, err, path)
		require.False(t, ok, path)
		require.Nil(t, resp, path)
	}
	resp, ok, err := authn.AnonymousFor().AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/anything", nil))
	authntest.AssertUser(t, authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, resp, ok, err)
}

func TestAddAuthenticatedGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		inner      authn.Authenticator
		wantGroups []string
		wantSame   bool // the inner response is returned untouched
	}{
		{name: "adds the group", inner: authntest.Succeed(alice), wantGroups: []string{"dev", "system:authenticated"}},
		{name: "no groups", inner: authntest.Succeed(authn.UserInfo{Name: "bob"}), wantGroups: []string{"system:authenticated"}},
		{name: "already there", inner: authntest.Succeed(authn.UserInfo{Name: "bob", Groups: []string{"system:authenticated", "x"}}), wantGroups: []string{"system:authenticated", "x"}, wantSame: true},
		{name: "not for anonymous", inner: authn.Anonymous(), wantGroups: []string{"system:unauthenticated"}, wantSame: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := authntest.NewRequest()
			orig, _, _ := tt.inner.AuthenticateRequest(r)
			before := orig.Clone()
			resp, ok, err := authn.AddAuthenticatedGroup(tt.inner).AuthenticateRequest(r)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.wantGroups, resp.User.Groups)
			assert.Equal(t, before, orig, "the inner response must not change")
			assert.Equal(t, tt.wantSame, resp == orig)
		})
	}
}

func TestAddAuthenticatedGroupPassesFailures(t *testing.T) {
	t.Parallel()
	for _, inner := range []*authntest.Fake{authntest.NoOpinion(), authntest.Fail(authn.ErrExpired)} {
		resp, ok, err := authn.AddAuthenticatedGroup(inner).AuthenticateRequest(authntest.NewRequest())
		authntest.CheckOutcome(t, resp, ok, err)
		assert.False(t, ok)
		assert.Equal(t, inner.Err, err)
	}
}

func TestAddGroups(t *testing.T) {
	t.Parallel()
	// Kubernetes' GroupAdder appends every group, duplicates included.
	resp, ok, err := authn.AddGroups(authntest.Succeed(alice), "dev", "ops", "ops").AuthenticateRequest(authntest.NewRequest())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"dev", "dev", "ops", "ops"}, resp.User.Groups)
	assert.Equal(t, []string{"dev"}, alice.Groups, "the inner response must not change")

	inner := authntest.Succeed(alice)
	orig, _, _ := inner.AuthenticateRequest(authntest.NewRequest())
	same, _, _ := authn.AddGroups(inner).AuthenticateRequest(authntest.NewRequest())
	assert.Same(t, orig, same, "no groups: the response is passed on as it is")
}

func TestTokenGroupAdders(t *testing.T) {
	t.Parallel()
	tokens := authntest.Tokens(map[string]authn.UserInfo{
		"a":    alice,
		"anon": {Name: authn.AnonymousUser, Groups: []string{authn.UnauthenticatedGroup}},
	})
	tests := []struct {
		name, token string
		t           authn.TokenAuthenticator
		wantOK      bool
		wantGroups  []string
	}{
		{name: "groups appended", token: "a", t: authn.AddTokenGroups(tokens, "ops", "dev"), wantOK: true, wantGroups: []string{"dev", "ops", "dev"}},
		{name: "authenticated group", token: "a", t: authn.AddTokenAuthenticatedGroup(tokens), wantOK: true, wantGroups: []string{"dev", authn.AuthenticatedGroup}},
		{name: "not for anonymous", token: "anon", t: authn.AddTokenAuthenticatedGroup(tokens), wantOK: true, wantGroups: []string{authn.UnauthenticatedGroup}},
		{name: "no opinion passes", token: "x", t: authn.AddTokenGroups(tokens, "ops")},
		{name: "no opinion passes the authenticated adder", token: "x", t: authn.AddTokenAuthenticatedGroup(tokens)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := tt.t.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			require.NoError(t, err)
			require.Equal(t, tt.wantOK, ok)
			if ok {
				assert.Equal(t, tt.wantGroups, resp.User.Groups)
			}
		})
	}
	failing := authntest.Fail(authn.ErrExpired)
	for _, tok := range []authn.TokenAuthenticator{authn.AddTokenGroups(failing, "g"), authn.AddTokenAuthenticatedGroup(failing)} {
		resp, ok, err := tok.AuthenticateToken(t.Context(), "t")
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, authn.ErrExpired)
	}
	assert.Equal(t, []string{"dev"}, alice.Groups)
}

func TestFallback(t *testing.T) {
	t.Parallel()
	assert.True(t, authn.IsFallback(authn.Anonymous()))
	assert.True(t, authn.IsFallback(authn.AnonymousFor("/livez")))
	assert.False(t, authn.IsFallback(authntest.NoOpinion()))
	guest := authn.Fallback(authntest.Succeed(authn.UserInfo{Name: "guest"}))
	assert.True(t, authn.IsFallback(guest))
	assert.Equal(t, guest, authn.Fallback(guest), "marking twice changes nothing")
	resp, ok, err := guest.AuthenticateRequest(authntest.NewRequest())
	authntest.AssertUser(t, authn.UserInfo{Name: "guest"}, resp, ok, err)
	assert.False(t, authn.IsFallback(authn.AddAuthenticatedGroup(guest)), "a decorator hides the mark")
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	down := &authn.UnavailableError{Err: errors.New("jwks fetch failed")}
	rejected := fmt.Errorf("oidc: %w", authn.ErrExpired)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sentinel", authn.ErrUnavailable, true},
		{"typed", down, true},
		{"wrapped once", fmt.Errorf("webhook: %w", down), true},
		{"rejection", rejected, false},
		{"unrecognized alone", authn.ErrUnrecognized, false},
		{"joined outages", errors.Join(down, authn.ErrUnavailable), true},
		{"outage and rejection", errors.Join(down, rejected), false},
		{"outage and unrecognized", errors.Join(authn.ErrUnrecognized, down), true},
		{"a wrapped join keeps its rejection", fmt.Errorf("outer: %w", errors.Join(down, rejected)), false},
		{"named outage", &authn.AuthenticatorError{Authenticator: "oidc", Err: down}, true},
		{"named rejection beside an outage", errors.Join(down, &authn.AuthenticatorError{Authenticator: "tokenfile", Err: rejected}), false},
		{"two sentinels in one node", fmt.Errorf("%w: %w", authn.ErrInvalidToken, down), false},
		{"empty join", errors.Join(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, authn.IsUnavailable(tt.err))
		})
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	down := &authn.UnavailableError{Err: errors.New("down")}
	tests := []struct {
		err  error
		want string
	}{
		{nil, authn.ReasonNoCredential},
		{down, authn.ReasonUnavailable},
		{errors.Join(down, authn.ErrUnrecognized), authn.ReasonUnavailable},
		{&authn.ExpiredError{}, authn.ReasonExpired},
		{errors.Join(down, fmt.Errorf("x: %w", authn.ErrExpired)), authn.ReasonExpired},
		{authn.ErrNotYetValid, authn.ReasonNotYetValid},
		{authn.ErrRevoked, authn.ReasonRevoked},
		{authn.ErrWrongAudience, authn.ReasonWrongAudience},
		{authn.ErrWrongIssuer, authn.ReasonWrongIssuer},
		{authn.ErrUnknownKey, authn.ReasonUnknownKey},
		{authn.ErrBadSignature, authn.ReasonBadSignature},
		{authn.ErrMalformed, authn.ReasonMalformed},
		{authn.ErrInvalidCredentials, authn.ReasonInvalidCredentials},
		{authn.ErrUnrecognized, authn.ReasonUnrecognized},
		{authn.ErrInvalidToken, authn.ReasonInvalid},
		{errors.New("apikeys: key disabled"), authn.ReasonInvalid},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, authn.Reason(tt.err), "%v", tt.err)
	}
}

func TestNamed(t *testing.T) {
	t.Parallel()
	inner := fmt.Errorf("apikeys: %w", authn.ErrRevoked)
	a := authn.Named("apikeys", authntest.Fail(inner))
	resp, ok, err := a.AuthenticateRequest(authntest.NewRequest())
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, authn.ErrRevoked)
	assert.Equal(t, inner.Error(), err.Error(), "the name is data, not text")
	ae, isNamed := errors.AsType[*authn.AuthenticatorError](err)
	require.True(t, isNamed)
	assert.Equal(t, "apikeys", ae.Authenticator)

	resp, ok, err = authn.NamedToken("tokens", authntest.Succeed(alice)).AuthenticateToken(t.Context(), "x")
	authntest.AssertUser(t, alice, resp, ok, err)
	resp, ok, err = authn.NamedToken("tokens", authntest.NoOpinion()).AuthenticateToken(t.Context(), "x")
	authntest.CheckOutcome(t, resp, ok, err)
	require.NoError(t, err)
	require.False(t, ok)

	joined := errors.Join(
		&authn.AuthenticatorError{Authenticator: "x509", Err: authn.ErrExpired},
		&authn.AuthenticatorError{Authenticator: "bearer", Err: errors.Join(
			&authn.AuthenticatorError{Authenticator: "oidc", Err: authn.ErrBadSignature},
			&authn.AuthenticatorError{Authenticator: "x509", Err: authn.ErrExpired},
		)},
	)
	assert.Equal(t, []string{"x509", "oidc"}, authn.Authenticators(joined), "innermost names, once each, in order")
	assert.Nil(t, authn.Authenticators(authn.ErrExpired))
	assert.Nil(t, authn.Authenticators(nil))
}

func TestContextHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ok := authn.ResponseFrom(ctx)
	assert.False(t, ok)
	_, ok = authn.UserFrom(ctx)
	assert.False(t, ok)
	assert.Nil(t, authn.AudiencesFrom(ctx))

	resp := &authn.Response{User: alice}
	got, ok := authn.ResponseFrom(authn.WithResponse(ctx, resp))
	require.True(t, ok)
	assert.Same(t, resp, got)
	u, ok := authn.UserFrom(authn.WithResponse(ctx, resp))
	require.True(t, ok)
	assert.Equal(t, alice, u)
	_, ok = authn.ResponseFrom(authn.WithResponse(ctx, nil))
	assert.False(t, ok, "a nil response is no response")

	auds := []string{"a", "b"}
	actx := authn.WithAudiences(ctx, auds)
	auds[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, authn.AudiencesFrom(actx), "WithAudiences copies")
}

func TestUserInfoClone(t *testing.T) {
	t.Parallel()
	c := alice.Clone()
	require.Equal(t, alice, c)
	c.Groups[0] = "x"
	c.Extra["scope"][0] = "x"
	assert.Equal(t, "dev", alice.Groups[0])
	assert.Equal(t, "a", alice.Extra["scope"][0])
	assert.Nil(t, (*authn.Response)(nil).Clone())
}

func TestErrors(t *testing.T) {
	t.Parallel()
	down := &authn.UnavailableError{Err: errors.New("dial tcp: refused")}
	tests := []struct {
		name            string
		err             error
		wantUnavailable bool
	}{
		{"nil", nil, false},
		{"sentinel", authn.ErrUnavailable, true},
		{"typed", down, true},
		{"wrapped typed", fmt.Errorf("oidc: issuer https://idp: %w", down), true},
		{"join of unavailable", errors.Join(down, fmt.Errorf("webhook: %w", authn.ErrUnavailable)), true},
		{"join with a rejection", errors.Join(down, authn.ErrExpired), false},
		{"nested join with a rejection", errors.Join(down, errors.Join(authn.ErrUnavailable, authn.ErrBadSignature)), false},
		{"rejection", authn.ErrRevoked, false},
		{"unknown error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.wantUnavailable, authn.IsUnavailable(tt.err))
		})
	}
	assert.Equal(t, "authn: cannot check credential now: dial tcp: refused", down.Error())
	assert.ErrorIs(t, down, authn.ErrUnavailable)

	var exp error = &authn.ExpiredError{}
	assert.ErrorIs(t, exp, authn.ErrExpired)
	var nyv error = &authn.NotYetValidError{}
	assert.ErrorIs(t, nyv, authn.ErrNotYetValid)
	assert.NotErrorIs(t, nyv, authn.ErrExpired)
}
