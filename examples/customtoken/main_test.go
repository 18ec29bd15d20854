package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The identity logic alone, with authntest's checks: every answer in one
// of the three shapes, users asserted exactly.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	keys := newAPIKeys(map[string]authn.UserInfo{"ak_good": {Name: "ci-bot", UID: "key-1", Groups: []string{"bots"}}})
	cases := []struct {
		name     string
		token    string
		down     bool
		wantUser *authn.UserInfo
		wantErr  error
	}{
		{name: "known key", token: "ak_good", wantUser: &authn.UserInfo{Name: "ci-bot", UID: "key-1", Groups: []string{"bots"}}},
		{name: "unknown key of ours", token: "ak_bad", wantErr: authn.ErrInvalidToken},
		{name: "not ours: no opinion", token: "eyJhbGciOi.x.y"},
		{name: "store down", token: "ak_good", down: true, wantErr: authn.ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := keys
			if c.down {
				k = newAPIKeys(nil)
				k.down.Store(true)
			}
			resp, ok, err := k.AuthenticateToken(t.Context(), c.token)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case c.wantUser != nil:
				authntest.AssertUser(t, *c.wantUser, resp, ok, err)
			case c.wantErr != nil:
				require.ErrorIs(t, err, c.wantErr)
				assert.NotContains(t, err.Error(), c.token, "no key in an error")
			default:
				require.NoError(t, err)
				assert.False(t, ok)
			}
		})
	}
}

// Composed through options, over real HTTP: 200, 401 without Retry-After,
// 503 with it.
func TestComposedWithOptions(t *testing.T) {
	t.Parallel()
	keys := newAPIKeys(map[string]authn.UserInfo{"ak_good": {Name: "ci-bot"}, "ak_later": {Name: "deploy-bot"}})
	a, err := newAuthenticator([]string{"--anonymous-auth=true"}, keys, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	srv := httptest.NewServer(newHandler(a))
	t.Cleanup(srv.Close)
	get := func(token string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/whoami", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	assert.Equal(t, http.StatusOK, get("ak_good").StatusCode)
	res := get("ak_wrong")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a wrong key is refused even with anonymous access on")
	assert.Empty(t, res.Header.Get("Retry-After"))
	keys.down.Store(true)
	res = get("ak_later")
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	srv.Client().CloseIdleConnections()
}

// The program itself, as go run shows it.
func TestRun(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	require.NoError(t, run(nil, &out))
	assert.Equal(t, `API key:               ci-bot [bots system:authenticated]
token file:            alice [dev system:authenticated]
unknown API key:       401 Unauthorized
unknown token:         401 Unauthorized
key store down:        503 Service Unavailable
TokenReview:           {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{},"spec":{},"status":{"authenticated":true,"user":{"username":"ci-bot","uid":"key-1","groups":["bots","system:authenticated"]}}}
`, out.String())
}
