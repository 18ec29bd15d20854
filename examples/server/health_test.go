package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/oidc/oidctest"
)

// get fetches path with auth (nil: anonymous) and returns the status and
// body.
func (ts *testServer) get(t *testing.T, path string, auth func(*http.Request)) (int, string) {
	t.Helper()
	res := ts.do(t, http.MethodGet, path, nil, auth)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

// The demo's authn-config.yaml lets anonymous requests reach the health
// endpoints, and nothing else.
func TestDemoHealthIsAnonymous(t *testing.T) {
	ts := startDemo(t)
	// The identity provider's keys arrive in the background; until then
	// /readyz fails (TestReadyzWaitsForOIDCKeys).
	require.Eventually(t, func() bool {
		code, _ := ts.get(t, "/readyz", nil)
		return code == http.StatusOK
	}, 30*time.Second, 10*time.Millisecond)
	for _, path := range []string{"/livez", "/readyz", "/healthz"} {
		code, body := ts.get(t, path, nil)
		assert.Equal(t, http.StatusOK, code, path)
		assert.Equal(t, "ok", body, path)
	}
	code, body := ts.get(t, "/readyz?verbose", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "[+]ping ok\n[+]oidc-keys ok\nreadyz check passed\n", body)
	code, body = ts.get(t, "/livez?verbose", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "[+]ping ok\nlivez check passed\n", body)

	// Conditions match paths exactly: anything else needs a credential.
	for _, path := range []string{"/readyz/ping", "/livez/", "/version", ssrPath} {
		res := ts.do(t, http.MethodGet, path, nil, nil)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, path)
	}
	code, _ = ts.get(t, "/version", bearer(ts.demo.aliceToken))
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, ts.logs.String(), "path=/readyz status=200 user=system:anonymous")
}

// /readyz fails, without saying why, until the OIDC issuer's keys have
// been loaded; the reason is logged.
func TestReadyzWaitsForOIDCKeys(t *testing.T) {
	p := oidctest.NewProvider(oidctest.Options{})
	defer p.Close()
	p.SetDown(true)
	caFile := filepath.Join(t.TempDir(), "oidc-ca.crt")
	require.NoError(t, os.WriteFile(caFile, p.CAPEM(), 0o644))
	logs := &syncBuffer{}
	s, err := start([]string{"--secure-port=0", "--oidc-issuer-url=" + p.Issuer(), "--oidc-client-id=kubernetes", "--oidc-ca-file=" + caFile},
		io.Discard, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	ts := newFlagModeServer(t, s, logs)
	require.Eventually(t, func() bool { return s.auth.OIDC.Health()[0].LastError != nil }, 30*time.Second, 5*time.Millisecond,
		"the first key fetch fails")

	code, body := ts.get(t, "/readyz", nil)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, "[+]ping ok\n[-]oidc-keys failed: reason withheld\nreadyz check failed\n", body)
	assert.NotContains(t, body, p.Issuer())
	code, _ = ts.get(t, "/healthz", nil)
	assert.Equal(t, http.StatusInternalServerError, code)
	code, body = ts.get(t, "/livez", nil)
	assert.Equal(t, http.StatusOK, code, "liveness does not depend on the issuer")
	assert.Equal(t, "ok", body)
	assert.Contains(t, logs.String(), `msg="readyz check failed" oidc-keys=`)
	assert.Contains(t, logs.String(), `keys not loaded: `, "the log says why")
	assert.Contains(t, logs.String(), `503 Service Unavailable`)

	p.SetDown(false)
	// The key manager retries about a second later (with backoff); the
	// bound only stops a broken test.
	require.Eventually(t, func() bool {
		code, _ := ts.get(t, "/readyz", nil)
		return code == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond)
	p.SetDown(true)
	code, body = ts.get(t, "/readyz", nil)
	assert.Equal(t, http.StatusOK, code, "keys once loaded keep the server ready through an outage")
	assert.Equal(t, "ok", body)
}

func TestServeHealthListsEveryCheck(t *testing.T) {
	h := serveHealth("readyz", []healthCheck{
		pingCheck,
		{name: "a", check: func() error { return io.ErrUnexpectedEOF }},
		{name: "b", check: func() error { return nil }},
	}, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "[+]ping ok\n[-]a failed: reason withheld\n[+]b ok\nreadyz check failed\n", rec.Body.String())
	assert.NotContains(t, rec.Body.String(), io.ErrUnexpectedEOF.Error())
}

// kubectl reads the demo's readiness as it reads kube-apiserver's.
func TestKubectlReadyz(t *testing.T) {
	ts := startDemo(t)
	require.Eventually(t, func() bool { return ts.auth.OIDC.Ready() == nil }, 30*time.Second, 10*time.Millisecond)
	out, errOut, err := kubectl(t, ts, "get", "--raw", "/readyz?verbose")
	require.NoError(t, err, "kubectl stderr: %s", errOut)
	assert.Equal(t, "[+]ping ok\n[+]oidc-keys ok\nreadyz check passed\n", out)
}
