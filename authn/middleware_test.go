package authn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// whoami answers with the authenticated user as JSON.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	u, ok := authn.UserFrom(r.Context())
	if !ok {
		http.Error(w, "no user in context", http.StatusInternalServerError)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"name": u.Name, "uid": u.UID, "groups": u.Groups, "extra": u.Extra,
		"authorization": r.Header.Get("Authorization"), "audiences": authn.AudiencesFrom(r.Context()),
	})
})

func TestMiddlewareOverRealTLS(t *testing.T) {
	t.Parallel()
	a := authn.AddAuthenticatedGroup(authn.BearerToken(aliceTokens()))
	srv := httptest.NewTLSServer(authn.Middleware(a, authn.MiddlewareOptions{})(whoami))
	t.Cleanup(srv.Close)

	t.Run("success", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer s3cret")
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		var got struct {
			Name, UID, Authorization string
			Groups                   []string
			Extra                    map[string][]string
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
		assert.Equal(t, "alice", got.Name)
		assert.Equal(t, "1001", got.UID)
		assert.Equal(t, []string{"dev", authn.AuthenticatedGroup}, got.Groups)
		assert.Equal(t, alice.Extra, got.Extra)
		assert.Empty(t, got.Authorization, "the bearer token must not reach the handler")
	})

	for _, tc := range []struct {
		name, header, wantChallenge string
	}{
		{"no credential", "", "Bearer"},
		{"wrong token", "Bearer wrong", `Bearer error="invalid_token"`},
		{"malformed token", "Bearer a b", `Bearer error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.Equal(t, []string{tc.wantChallenge}, res.Header.Values("WWW-Authenticate"))
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.JSONEq(t, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`, string(body))
		})
	}
}

func TestMiddlewareChallenges(t *testing.T) {
	t.Parallel()
	h := authn.Middleware(authntest.Fail(fmt.Errorf("%w: nope", authn.ErrInvalidToken)), authn.MiddlewareOptions{
		Challenges: []authn.Challenge{{Scheme: "Bearer", Realm: "kube"}, authn.BasicChallenge},
	})(whoami)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, authntest.NewRequest())
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, []string{`Bearer realm="kube", error="invalid_token"`, `Basic realm="authnkit", charset="UTF-8"`}, rec.Header().Values("WWW-Authenticate"))
}

func TestMiddlewareUnavailable(t *testing.T) {
	t.Parallel()
	down := &authn.UnavailableError{Err: errors.New("jwks fetch failed")}
	tests := []struct {
		name     string
		err      error
		wantCode int
	}{
		{"all unavailable", errors.Join(down, authn.ErrUnavailable), http.StatusServiceUnavailable},
		{"bearer-wrapped unavailable", down, http.StatusServiceUnavailable},
		{"one rejection among them", errors.Join(down, fmt.Errorf("%w: %w", authn.ErrInvalidToken, authn.ErrExpired)), http.StatusUnauthorized},
		{"plain rejection", authn.ErrBadSignature, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := authn.Middleware(authntest.Fail(tt.err), authn.MiddlewareOptions{RetryAfter: 1500 * time.Millisecond})(whoami)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, authntest.NewRequest())
			require.Equal(t, tt.wantCode, rec.Code)
			var st authn.Status
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
			assert.Equal(t, tt.wantCode, st.Code)
			if tt.wantCode == http.StatusServiceUnavailable {
				assert.Equal(t, "2", rec.Header().Get("Retry-After"))
				assert.Equal(t, "ServiceUnavailable", st.Reason)
				assert.Empty(t, rec.Header().Values("WWW-Authenticate"))
			} else {
				assert.Empty(t, rec.Header().Get("Retry-After"))
				assert.Equal(t, "Unauthorized", st.Reason)
			}
		})
	}
}

func TestMiddlewareAudiences(t *testing.T) {
	t.Parallel()
	withAuds := func(auds ...string) authn.Authenticator {
		return authn.AuthenticatorFunc(func(r *http.Request) (*authn.Response, bool, error) {
			return &authn.Response{User: alice, Audiences: auds}, true, nil
		})
	}
	tests := []struct {
		name     string
		accept   []string
		a        authn.Authenticator
		wantCode int
	}{
		{"intersecting", []string{"api", "other"}, withAuds("other"), http.StatusOK},
		{"disjoint is refused", []string{"api"}, withAuds("elsewhere"), http.StatusUnauthorized},
		{"audience-unaware response passes", []string{"api"}, withAuds(), http.StatusOK},
		{"no accepted audiences", nil, withAuds("anything"), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var failure error
			h := authn.Middleware(tt.a, authn.MiddlewareOptions{
				Audiences: tt.accept,
				OnFailure: func(w http.ResponseWriter, r *http.Request, err error) {
					failure = err
					w.WriteHeader(http.StatusUnauthorized)
				},
			})(whoami)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, authntest.NewRequest())
			require.Equal(t, tt.wantCode, rec.Code)
			if tt.wantCode == http.StatusUnauthorized {
				require.ErrorIs(t, failure, authn.ErrWrongAudience)
				return
			}
			var got struct{ Audiences []string }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, tt.accept, got.Audiences, "accepted audiences reach the handler's context")
		})
	}
}

func TestMiddlewareAudiencesReachTokenAuthenticator(t *testing.T) {
	t.Parallel()
	var got []string
	tok := authn.TokenAuthenticatorFunc(func(ctx context.Context, _ string) (*authn.Response, bool, error) {
		got = authn.AudiencesFrom(ctx)
		return &authn.Response{User: alice}, true, nil
	})
	h := authn.Middleware(authn.BearerToken(tok), authn.MiddlewareOptions{Audiences: []string{"https://kubernetes.default.svc"}})(whoami)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, authntest.NewBearerRequest("t"))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, []string{"https://kubernetes.default.svc"}, got)
}
