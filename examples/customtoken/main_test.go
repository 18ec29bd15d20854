package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestTeamTokens(t *testing.T) {
	t.Parallel()
	tt := teamTokens{key: []byte("test key")}
	cases := []struct {
		name     string
		token    string
		wantUser *authn.UserInfo
		wantErr  error
	}{
		{name: "signed", token: tt.sign("blue", "alice"), wantUser: &authn.UserInfo{Name: "alice", Groups: []string{"team:blue"}}},
		{name: "forged", token: "blue.alice.00", wantErr: authn.ErrBadSignature},
		{name: "other key", token: teamTokens{key: []byte("other")}.sign("blue", "alice"), wantErr: authn.ErrBadSignature},
		{name: "empty user", token: "blue..00", wantErr: authn.ErrMalformed},
		{name: "not ours", token: "opaque-token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Through BearerToken, as a server would call it.
			resp, ok, err := authn.BearerToken(tt).AuthenticateRequest(authntest.NewBearerRequest(c.token))
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case c.wantUser != nil:
				authntest.AssertUser(t, *c.wantUser, resp, ok, err)
			case c.wantErr != nil:
				require.ErrorIs(t, err, c.wantErr)
			default:
				// No opinion from us becomes "invalid token" at the bearer level.
				require.ErrorIs(t, err, authn.ErrInvalidToken)
				resp, ok, err := tt.AuthenticateToken(t.Context(), c.token)
				require.NoError(t, err)
				assert.False(t, ok)
				assert.Nil(t, resp)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tt := teamTokens{key: []byte("test key")}
	rec := httptest.NewRecorder()
	newHandler(tt).ServeHTTP(rec, authntest.NewBearerRequest(tt.sign("red", "bob")))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "bob [team:red system:authenticated]\n", rec.Body.String())

	rec = httptest.NewRecorder()
	newHandler(tt).ServeHTTP(rec, authntest.NewBearerRequest("red.bob.bad"))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, `Bearer error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
}
