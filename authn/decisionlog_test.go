package authn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

// logBuffer collects JSON log lines, safe for concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func (b *logBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level}))
}

func TestDecisionLog(t *testing.T) {
	t.Parallel()
	expired := authn.NamedToken("oidc", authntest.Fail(fmt.Errorf("oidc: %w", &authn.ExpiredError{Expiry: time.Unix(0, 0)})))
	down := authn.NamedToken("webhook", authntest.Fail(&authn.UnavailableError{Err: errors.New("connection refused")}))
	tests := []struct {
		name          string
		a             authn.Authenticator
		header        string
		wantLevel     string
		wantReason    string
		wantStatus    float64
		wantAuth      string
		wantCredKinds []string
	}{
		{name: "expired token", a: authn.BearerToken(expired), header: "Bearer tok-expired-123",
			wantLevel: "INFO", wantReason: "expired", wantStatus: 401, wantAuth: "oidc", wantCredKinds: []string{"bearer"}},
		{name: "unknown token", a: authn.BearerToken(authntest.NoOpinion()), header: "Bearer tok-unknown-456",
			wantLevel: "INFO", wantReason: "unrecognized", wantStatus: 401, wantCredKinds: []string{"bearer"}},
		{name: "outage", a: authn.BearerToken(union.NewTokens(authntest.NoOpinion(), down)), header: "Bearer tok-down-789",
			wantLevel: "WARN", wantReason: "unavailable", wantStatus: 503, wantAuth: "webhook", wantCredKinds: []string{"bearer"}},
		{name: "wrong password", a: authn.Named("basicauth", authntest.Fail(authn.ErrInvalidCredentials)), header: "Basic YWxpY2U6aHVudGVyMg==",
			wantLevel: "INFO", wantReason: "invalid_credentials", wantStatus: 401, wantAuth: "basicauth", wantCredKinds: []string{"basic"}},
		{name: "nothing presented", a: authntest.NoOpinion(),
			wantLevel: "INFO", wantReason: "no_credential", wantStatus: 401, wantCredKinds: []string{"none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			h := authn.Middleware(tt.a, authn.MiddlewareOptions{Logger: logs.logger(slog.LevelInfo)})(whoami)
			r := httptest.NewRequest(http.MethodGet, "/api/v1/pods?secret=query", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, int(tt.wantStatus), rec.Code)
			lines := logs.lines(t)
			require.Len(t, lines, 1, "one line per refusal")
			l := lines[0]
			assert.Equal(t, "authentication refused", l["msg"])
			assert.Equal(t, tt.wantLevel, l["level"])
			assert.Equal(t, tt.wantReason, l["reason"])
			assert.Equal(t, tt.wantStatus, l["status"])
			assert.Equal(t, "/api/v1/pods", l["path"], "the path, never the query")
			assert.Equal(t, http.MethodGet, l["method"])
			if tt.wantAuth != "" {
				assert.Equal(t, tt.wantAuth, l["authenticator"])
			} else {
				assert.NotContains(t, l, "authenticator")
			}
			var kinds []string
			for c := range strings.FieldsSeq(l["credential"].(string)) {
				kind, fp, _ := strings.Cut(c, ":")
				kinds = append(kinds, kind)
				if kind != "none" {
					assert.Len(t, fp, 12, "a short fingerprint")
				}
			}
			assert.Equal(t, tt.wantCredKinds, kinds)
			raw := logs.buf.String()
			for _, secret := range []string{"tok-", "YWxpY2U6aHVudGVyMg", "hunter2", "secret=query"} {
				assert.NotContains(t, raw, secret, "the log never holds a credential")
			}
		})
	}
}

func TestDecisionLogFingerprintsTellCredentialsApart(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	h := authn.Middleware(authn.BearerToken(authntest.NoOpinion()), authn.MiddlewareOptions{Logger: logs.logger(slog.LevelInfo)})(whoami)
	for _, tok := range []string{"one", "two", "one"} {
		h.ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest(tok))
	}
	lines := logs.lines(t)
	require.Len(t, lines, 3)
	assert.Equal(t, lines[0]["credential"], lines[2]["credential"], "the same token, the same fingerprint")
	assert.NotEqual(t, lines[0]["credential"], lines[1]["credential"])

	var other logBuffer
	authn.Middleware(authn.BearerToken(authntest.NoOpinion()), authn.MiddlewareOptions{Logger: other.logger(slog.LevelInfo)})(whoami).
		ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest("one"))
	assert.NotEqual(t, lines[0]["credential"], other.lines(t)[0]["credential"], "keyed per middleware: nothing to precompute")
}

func TestDecisionLogSuccessAtDebug(t *testing.T) {
	t.Parallel()
	a := authn.BearerToken(aliceTokens())
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var logs logBuffer
		h := authn.Middleware(a, authn.MiddlewareOptions{Logger: logs.logger(level)})(whoami)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authntest.NewBearerRequest("s3cret"))
		require.Equal(t, http.StatusOK, rec.Code)
		lines := logs.lines(t)
		if level == slog.LevelInfo {
			assert.Empty(t, lines, "successes are logged at Debug only")
			continue
		}
		require.Len(t, lines, 1)
		assert.Equal(t, "authenticated", lines[0]["msg"])
		assert.Equal(t, "alice", lines[0]["user"])
		assert.True(t, strings.HasPrefix(lines[0]["credential"].(string), "bearer:"))
		assert.NotContains(t, logs.buf.String(), "s3cret")
	}
}

// A flood of bad tokens writes at most LogLimit lines a second; the first
// line of the next second says how many were dropped.
func TestDecisionLogIsRateLimited(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		h := authn.Middleware(authn.BearerToken(authntest.NoOpinion()), authn.MiddlewareOptions{
			Logger: logs.logger(slog.LevelInfo), LogLimit: 5,
		})(whoami)
		for i := range 1000 {
			h.ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest(fmt.Sprint("bad-", i)))
		}
		require.Len(t, logs.lines(t), 5)
		time.Sleep(time.Second)
		h.ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest("bad-again"))
		lines := logs.lines(t)
		require.Len(t, lines, 6)
		assert.EqualValues(t, 995, lines[5]["dropped"])
		for _, l := range lines[:5] {
			assert.NotContains(t, l, "dropped")
		}
	})
}

func TestDecisionLogUnlimited(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	h := authn.Middleware(authn.BearerToken(authntest.NoOpinion()), authn.MiddlewareOptions{
		Logger: logs.logger(slog.LevelInfo), LogLimit: -1,
	})(whoami)
	for range 50 {
		h.ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest("bad"))
	}
	assert.Len(t, logs.lines(t), 50)
}

// After any success the credential headers are gone, whoever
// authenticated the request, unless KeepCredential.
func TestMiddlewareRemovesCredentials(t *testing.T) {
	t.Parallel()
	wsEntry := authn.WebSocketProtocolPrefix + "c2VjcmV0"
	tests := []struct {
		name  string
		build func() *http.Request
	}{
		{name: "basic", build: func() *http.Request { return authntest.NewBasicRequest("alice", "hunter2") }},
		{name: "certificate with a bearer token beside it", build: func() *http.Request {
			return authntest.NewBearerRequest("unused")
		}},
		{name: "websocket protocol entry", build: func() *http.Request {
			r := authntest.NewRequest()
			r.Header.Set("Sec-WebSocket-Protocol", "v4.channel.k8s.io, "+wsEntry)
			return r
		}},
	}
	for _, tt := range tests {
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/keep=%v", tt.name, keep), func(t *testing.T) {
				t.Parallel()
				var seen http.Header
				h := authn.Middleware(authntest.Succeed(alice), authn.MiddlewareOptions{KeepCredential: keep, Logger: slog.New(slog.DiscardHandler)})(
					http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() }))
				r := tt.build()
				before := r.Header.Clone()
				h.ServeHTTP(httptest.NewRecorder(), r)
				require.NotNil(t, seen)
				if keep {
					assert.Equal(t, before, seen)
					return
				}
				assert.Empty(t, seen.Values("Authorization"))
				for _, v := range seen.Values("Sec-WebSocket-Protocol") {
					assert.NotContains(t, v, authn.WebSocketProtocolPrefix)
				}
				if before.Get("Sec-WebSocket-Protocol") != "" {
					assert.Equal(t, "v4.channel.k8s.io", seen.Get("Sec-WebSocket-Protocol"), "other protocols stay")
				}
			})
		}
	}
}
