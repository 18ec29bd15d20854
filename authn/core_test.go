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
	resp, ok, err := authn.AddGroups(authntest.Succeed(alice), "dev", "ops", "ops").AuthenticateRequest(authntest.NewRequest())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"dev", "ops"}, resp.User.Groups)
	assert.Equal(t, []string{"dev"}, alice.Groups)
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

func TestIntersect(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"b", "c"}, authn.Intersect([]string{"a", "b", "c", "b"}, []string{"c", "b"}))
	assert.Nil(t, authn.Intersect([]string{"a"}, []string{"b"}))
	assert.Nil(t, authn.Intersect(nil, []string{"b"}))
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
