package options_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/x509auth"
)

// apiKeys is an embedding program's own token authenticator: keys start
// with "ak_"; others are not its business. While down is set, its store
// is unreachable.
type apiKeys struct {
	keys  map[string]authn.UserInfo
	down  atomic.Bool
	calls atomic.Int64
}

var errUnknownKey = fmt.Errorf("apikeys: %w: unknown API key", authn.ErrInvalidToken)

func (k *apiKeys) AuthenticateToken(_ context.Context, token string) (*authn.Response, bool, error) {
	k.calls.Add(1)
	if !strings.HasPrefix(token, "ak_") {
		return nil, false, nil
	}
	if k.down.Load() {
		return nil, false, &authn.UnavailableError{Err: errors.New("apikeys: database unreachable")}
	}
	u, ok := k.keys[token]
	if !ok {
		return nil, false, errUnknownKey
	}
	return &authn.Response{User: u}, true, nil
}

// whoamiHandler answers with the user and what reached the handler.
var whoamiHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	u, _ := authn.UserFrom(r.Context())
	_ = json.NewEncoder(w).Encode(map[string]any{"name": u.Name, "groups": u.Groups, "authorization": r.Header.Values("Authorization")})
})

type whoamiAnswer struct {
	Name          string
	Groups        []string
	Authorization []string
}

// serveTLS serves h over real TLS, asking for (not verifying) client
// certificates as kube-apiserver does.
func serveTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = x509auth.TLSConfig(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// clientWith returns a client of srv presenting cert (none when nil).
func clientWith(srv *httptest.Server, cert *authntest.Cert) *http.Client {
	if cert == nil {
		return srv.Client()
	}
	return authntest.Client(srv, cert.TLSCertificate())
}

func get(t *testing.T, c *http.Client, url string, header http.Header) (*http.Response, whoamiAnswer) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var got whoamiAnswer
	if res.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	}
	return res, got
}

func TestCustomTokensOverHTTP(t *testing.T) {
	t.Parallel()
	keys := &apiKeys{keys: map[string]authn.UserInfo{
		"ak_good":   {Name: "ci-bot", UID: "k1", Groups: []string{"bots"}},
		"ak_second": {Name: "deploy-bot"},
	}}
	o := options.NewOptions() // --anonymous-auth=true, kube-apiserver's default
	o.TokenAuthFile = writeFile(t, "tokens.csv", "tok-alice,alice,1001\n")
	o.CustomTokens = []options.CustomToken{{Name: "apikeys", Authenticator: keys}}
	a := newAuth(t, o)
	srv := serveTLS(t, a.Middleware()(whoamiHandler))
	c := srv.Client()
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

	res, got := get(t, c, srv.URL, bearer("ak_good"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, whoamiAnswer{Name: "ci-bot", Groups: []string{"bots", authn.AuthenticatedGroup}}, got, "the authenticated group is added; the key does not reach the handler")

	res, got = get(t, c, srv.URL, bearer("tok-alice"))
	require.Equal(t, http.StatusOK, res.StatusCode, "built-in kinds still work beside it")
	assert.Equal(t, "alice", got.Name)

	res, _ = get(t, c, srv.URL, bearer("ak_wrong"))
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a wrong custom key is refused, never anonymous")
	assert.Empty(t, res.Header.Get("Retry-After"))
	assert.Equal(t, `Bearer error="invalid_token"`, res.Header.Get("WWW-Authenticate"))

	res, got = get(t, c, srv.URL, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, authn.AnonymousUser, got.Name, "no credential at all is anonymous")

	keys.down.Store(true)
	for range 2 { // an outage is never cached
		res, _ = get(t, c, srv.URL, bearer("ak_second"))
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "an outage of a custom member is a 503, like a built-in's")
		assert.Equal(t, "1", res.Header.Get("Retry-After"))
	}
	keys.down.Store(false)
	res, got = get(t, c, srv.URL, bearer("ak_second"))
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "deploy-bot", got.Name)

	// TokenReview sees the custom member, behind the same cache.
	calls := keys.calls.Load()
	resp, ok, err := a.Token.AuthenticateToken(t.Context(), "ak_good")
	authntest.AssertUser(t, authn.UserInfo{Name: "ci-bot", UID: "k1", Groups: []string{"bots", authn.AuthenticatedGroup}}, resp, ok, err)
	assert.Equal(t, calls, keys.calls.Load(), "the success was cached")
	_, ok, err = a.Token.AuthenticateToken(t.Context(), "ak_wrong")
	assert.False(t, ok)
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	assert.Equal(t, 1, strings.Count(err.Error(), "invalid bearer token"), "said once: %v", err)
	ae, named := errors.AsType[*authn.AuthenticatorError](err)
	require.True(t, named)
	assert.Equal(t, "apikeys", ae.Authenticator)
}

func TestCustomTokenAudiences(t *testing.T) {
	t.Parallel()
	keys := &apiKeys{keys: map[string]authn.UserInfo{"ak_good": {Name: "ci-bot"}}}
	aware := authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
		if token != "aware" {
			return nil, false, nil
		}
		return &authn.Response{User: authn.UserInfo{Name: "aware"}, Audiences: authn.AudiencesFrom(ctx)}, true, nil
	})
	a := newAuth(t, &options.Options{APIAudiences: []string{"api"}, CustomTokens: []options.CustomToken{
		{Name: "apikeys", Authenticator: keys},
		{Name: "aware", Authenticator: aware, AudienceAware: true},
	}})
	ctx := authn.WithAudiences(t.Context(), []string{"vault"})
	_, ok, err := a.Token.AuthenticateToken(ctx, "ak_good")
	assert.False(t, ok, "an audience-agnostic member answers only for --api-audiences, as the token file")
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	resp, ok, err := a.Token.AuthenticateToken(ctx, "aware")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"vault"}, resp.Audiences, "an audience-aware member checks audiences itself")
	resp, ok, err = a.Token.AuthenticateToken(authn.WithAudiences(t.Context(), []string{"api"}), "ak_good")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"api"}, resp.Audiences)
}

func TestCustomRequests(t *testing.T) {
	t.Parallel()
	header := authn.AuthenticatorFunc(func(r *http.Request) (*authn.Response, bool, error) {
		switch r.Header.Get("X-Api-Key") {
		case "":
			return nil, false, nil
		case "k-1":
			return &authn.Response{User: authn.UserInfo{Name: "keyed"}}, true, nil
		}
		return nil, false, fmt.Errorf("headerkey: %w", authn.ErrInvalidCredentials)
	})
	a := newAuth(t, &options.Options{AnonymousAuth: true, CustomRequests: []options.CustomRequest{{Name: "headerkey", Authenticator: header}}})
	srv := serveTLS(t, a.Middleware()(whoamiHandler))
	res, got := get(t, srv.Client(), srv.URL, http.Header{"X-Api-Key": {"k-1"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, []string{authn.AuthenticatedGroup}, got.Groups)
	res, _ = get(t, srv.Client(), srv.URL, http.Header{"X-Api-Key": {"k-2"}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "refused, not anonymous")
}

func TestCustomValidation(t *testing.T) {
	t.Parallel()
	tok := authntest.NoOpinion()
	tests := []struct {
		name    string
		opts    options.Options
		wantErr string
	}{
		{"no name", options.Options{CustomTokens: []options.CustomToken{{Authenticator: tok}}}, "CustomTokens[0]: Name is required"},
		{"no authenticator", options.Options{CustomTokens: []options.CustomToken{{Name: "k"}}}, "CustomTokens[0] (k): Authenticator is required"},
		{"a built-in name", options.Options{CustomTokens: []options.CustomToken{{Name: "oidc", Authenticator: tok}}}, `Name "oidc" is already used`},
		{"twice", options.Options{CustomTokens: []options.CustomToken{{Name: "k", Authenticator: tok}},
			CustomRequests: []options.CustomRequest{{Name: "k", Authenticator: tok}}}, `CustomRequests[0]: Name "k" is already used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// After a login by any kind, the Authorization header does not reach the
// handler, even when the kind that succeeded did not read it.
func TestCredentialsDoNotReachTheHandler(t *testing.T) {
	t.Parallel()
	clientCA, proxyCA := authntest.NewCA(), authntest.NewCA()
	a := newAuth(t, &options.Options{
		ClientCAFile:  writeFile(t, "ca.crt", string(clientCA.CertPEM)),
		BasicAuthFile: writeFile(t, "passwords.csv", "pw-bob,bob,1002\n"),
		TokenAuthFile: writeFile(t, "tokens.csv", "tok-alice,alice,1001\n"),
		RequestHeader: options.RequestHeaderOptions{
			ClientCAFile:    writeFile(t, "proxy-ca.crt", string(proxyCA.CertPEM)),
			UsernameHeaders: []string{"X-Remote-User"},
		},
	})
	srv := serveTLS(t, a.Middleware()(whoamiHandler))
	tests := []struct {
		name     string
		cert     *authntest.Cert
		header   http.Header
		wantUser string
	}{
		{name: "basic", header: http.Header{"Authorization": {"Basic " + basic("bob", "pw-bob")}}, wantUser: "bob"},
		{name: "client certificate beside a bearer token", cert: clientCA.IssueClient("carol"),
			header: http.Header{"Authorization": {"Bearer tok-alice"}}, wantUser: "carol"},
		{name: "front proxy beside a bearer token", cert: proxyCA.IssueClient("front-proxy"),
			header: http.Header{"Authorization": {"Bearer tok-alice"}, "X-Remote-User": {"dave"}}, wantUser: "dave"},
		{name: "bearer", header: http.Header{"Authorization": {"Bearer tok-alice"}}, wantUser: "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, got := get(t, clientWith(srv, tt.cert), srv.URL, tt.header)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tt.wantUser, got.Name)
			assert.Empty(t, got.Authorization, "Authorization must not reach the handler")
		})
	}
}

func basic(user, password string) string {
	r := authntest.NewBasicRequest(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// The token cache follows TokenSuccessCacheTTL, as kube-apiserver's field
// of that name: NewOptions' 10s caches, zero does not.
func TestTokenCacheTTL(t *testing.T) {
	t.Parallel()
	for _, ttl := range []time.Duration{0, 10 * time.Second} {
		keys := &apiKeys{keys: map[string]authn.UserInfo{"ak_good": {Name: "ci-bot"}}}
		o := options.NewOptions()
		o.TokenSuccessCacheTTL = ttl
		o.CustomTokens = []options.CustomToken{{Name: "apikeys", Authenticator: keys}}
		a := newAuth(t, o)
		for range 3 {
			resp, ok, err := a.Token.AuthenticateToken(t.Context(), "ak_good")
			authntest.AssertUser(t, authn.UserInfo{Name: "ci-bot", Groups: []string{authn.AuthenticatedGroup}}, resp, ok, err)
		}
		want := int64(1)
		if ttl == 0 {
			want = 3
		}
		assert.Equal(t, want, keys.calls.Load(), "TokenSuccessCacheTTL %v", ttl)
	}
	assert.Error(t, (&options.Options{TokenFailureCacheTTL: time.Second}).Validate())
	assert.Error(t, (&options.Options{TokenSuccessCacheTTL: -time.Second}).Validate())
}
