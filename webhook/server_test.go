package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

var alice = authn.UserInfo{
	Name:   "alice",
	UID:    "1001",
	Groups: []string{"dev", "system:authenticated"},
	Extra:  map[string][]string{"scopes.example.com": {"read", "write"}},
}

// testTokens knows "alice-token" (audience-aware: it accepts the
// requested audiences, or "https://api.example.com" when none are
// requested), rejects "revoked-token" and has no opinion on anything else.
// "wrong-aud-token" is accepted for audience "other" only.
var testTokens = authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
	switch token {
	case "alice-token":
		auds := authn.AudiencesFrom(ctx)
		if len(auds) == 0 {
			auds = []string{"https://api.example.com"}
		}
		return &authn.Response{User: alice, Audiences: auds}, true, nil
	case "wrong-aud-token":
		return &authn.Response{User: alice, Audiences: []string{"other"}}, true, nil
	case "revoked-token":
		return nil, false, authn.ErrRevoked
	}
	return nil, false, nil
})

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

func review(version, token string, auds ...string) string {
	b, _ := json.Marshal(TokenReview{APIVersion: groupName + "/" + version, Kind: kindTokenReview,
		Spec: TokenReviewSpec{Token: token, Audiences: auds}})
	return string(b)
}

func TestHandler(t *testing.T) {
	h := NewHandler(testTokens, HandlerOptions{MaxBodyBytes: 4096})
	tests := []struct {
		name, method, contentType, body string
		wantCode                        int
		wantBody                        string // golden file
		wantReason                      string // for Status answers
	}{
		{name: "v1 authenticated", body: readFile(t, "v1_request.json"), wantCode: 201, wantBody: "v1_response.json"},
		{name: "v1beta1 authenticated", body: readFile(t, "v1beta1_request.json"), wantCode: 201, wantBody: "v1beta1_response.json"},
		{name: "content type with charset", contentType: "application/json; charset=utf-8", body: readFile(t, "v1_request.json"), wantCode: 201, wantBody: "v1_response.json"},
		{name: "rejected token", body: review(V1, "revoked-token"), wantCode: 201, wantBody: "v1_response_error.json"},
		{name: "unknown token", body: review(V1, "nobody"), wantCode: 201, wantBody: "v1_response_unknown.json"},
		{name: "audiences do not intersect", body: review(V1, "wrong-aud-token", "https://api.example.com"), wantCode: 500, wantReason: "InternalError"},
		{name: "GET", method: http.MethodGet, wantCode: 405, wantReason: "MethodNotAllowed"},
		{name: "PUT", method: http.MethodPut, body: review(V1, "alice-token"), wantCode: 405, wantReason: "MethodNotAllowed"},
		{name: "yaml", contentType: "application/yaml", body: review(V1, "alice-token"), wantCode: 415, wantReason: "UnsupportedMediaType"},
		{name: "no content type", contentType: "-", body: review(V1, "alice-token"), wantCode: 415, wantReason: "UnsupportedMediaType"},
		{name: "oversized", body: `{"kind":"TokenReview","spec":{"token":"` + strings.Repeat("a", 5000) + `"}}`, wantCode: 413, wantReason: "RequestEntityTooLarge"},
		{name: "malformed", body: `{"kind":`, wantCode: 400, wantReason: "BadRequest"},
		{name: "not an object", body: `[]`, wantCode: 400, wantReason: "BadRequest"},
		{name: "trailing data", body: review(V1, "alice-token") + "{}", wantCode: 400, wantReason: "BadRequest"},
		{name: "wrong kind", body: strings.Replace(review(V1, "alice-token"), "TokenReview", "SubjectAccessReview", 1), wantCode: 400, wantReason: "BadRequest"},
		{name: "wrong version", body: review("v2", "alice-token"), wantCode: 400, wantReason: "BadRequest"},
		{name: "empty token", body: review(V1, ""), wantCode: 400, wantReason: "BadRequest"},
		{name: "names are case-sensitive", body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","Spec":{"Token":"alice-token"}}`, wantCode: 400, wantReason: "BadRequest"},
		{name: "no apiVersion", body: `{"kind":"TokenReview","spec":{"token":"alice-token"}}`, wantCode: 400, wantReason: "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			r := httptest.NewRequestWithContext(t.Context(), method, "/apis/authentication.k8s.io/v1/tokenreviews", strings.NewReader(tt.body))
			switch tt.contentType {
			case "":
				r.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, tt.wantCode, w.Code, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.NotContains(t, w.Body.String(), "-token", "the answer must not echo the token")
			if tt.wantBody != "" {
				assert.JSONEq(t, readFile(t, tt.wantBody), w.Body.String())
				return
			}
			var st authn.Status
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &st))
			assert.Equal(t, "Status", st.Kind)
			assert.Equal(t, "v1", st.APIVersion)
			assert.Equal(t, "Failure", st.Status)
			assert.Equal(t, tt.wantReason, st.Reason)
			assert.Equal(t, tt.wantCode, st.Code)
			assert.NotEmpty(t, st.Message)
		})
	}
}

func TestHandlerAPIAudiences(t *testing.T) {
	t.Parallel()
	var got []string
	h := NewHandler(authn.TokenAuthenticatorFunc(func(ctx context.Context, _ string) (*authn.Response, bool, error) {
		got = authn.AudiencesFrom(ctx)
		return &authn.Response{User: alice, Audiences: got}, true, nil
	}), HandlerOptions{APIAudiences: []string{"api"}})
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(review(V1, "x")))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, 201, w.Code, w.Body.String())
	assert.Equal(t, []string{"api"}, got)
	var tr TokenReview
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &tr))
	assert.True(t, tr.Status.Authenticated)
	assert.Equal(t, []string{"api"}, tr.Status.Audiences)
}

// TestHandlerHidesWhy: the handler answers every failure of its
// authenticator with the same status.error, however much the error says
// (here, as a bootstrap-token authenticator's would, that the token ID
// exists and its secret is wrong, or that the secrets are not loaded yet);
// the cause reaches the handler's logger only, without the token.
func TestHandlerHidesWhy(t *testing.T) {
	t.Parallel()
	const (
		wrongSecret = "abcdef.0123456789abcdef"
		down        = "ghijkl.0123456789abcdef"
	)
	detailed := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		switch token {
		case wrongSecret:
			return nil, false, fmt.Errorf("bootstrap: token ID %q: wrong token secret: %w", "abcdef", authn.ErrInvalidToken)
		case down:
			return nil, false, &authn.UnavailableError{Err: errors.New("bootstrap: secrets not synced yet")}
		}
		return nil, false, nil
	})
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ca := authntest.NewCA()
	srv := tlsServer(t, ca, nil, NewHandler(detailed, HandlerOptions{Logger: logger}))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	t.Cleanup(client.CloseIdleConnections)
	a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{})

	tests := []struct {
		name, token, wantLog string
	}{
		{name: "rejected", token: wrongSecret, wantLog: `level=DEBUG msg="token refused" authenticator=webhook err="bootstrap: token ID \"abcdef\": wrong token secret: authn: invalid bearer token"`},
		{name: "unavailable", token: down, wantLog: `level=WARN msg="token could not be checked" authenticator=webhook err="authn: cannot check credential now: bootstrap: secrets not synced yet"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The wire: 201, not authenticated, the generic text.
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(review(V1, tt.token)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusCreated, res.StatusCode)
			var tr TokenReview
			require.NoError(t, json.NewDecoder(res.Body).Decode(&tr))
			assert.False(t, tr.Status.Authenticated)
			assert.Equal(t, "authn: invalid bearer token", tr.Status.Error)
			assert.Empty(t, tr.Spec.Token)

			// A client sees a rejection that says nothing more.
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			require.ErrorIs(t, err, authn.ErrInvalidToken)
			assert.False(t, authn.IsUnavailable(err))
			assert.NotContains(t, err.Error(), "bootstrap")
			assert.Equal(t, "webhook: authn: invalid bearer token", err.Error(), "said once")

			assert.Contains(t, logs.String(), tt.wantLog)
		})
	}
	for _, token := range []string{wrongSecret, down} {
		assert.NotContains(t, logs.String(), token)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
