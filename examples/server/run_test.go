package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only TokenReview's reviewers may review tokens: system:masters and
// system:auth-delegator, as RBAC's create tokenreviews would allow.
func TestTokenReviewNeedsPermission(t *testing.T) {
	ts := startDemo(t)
	body := `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + ts.demo.bobToken + `"}}`
	res := ts.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/tokenreviews", strings.NewReader(body), bearer(ts.demo.aliceToken))
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	st := decodeStatus(t, res)
	assert.Equal(t, "Forbidden", st["reason"])
	assert.Equal(t, `tokenreviews.authentication.k8s.io is forbidden: User "alice" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope`, st["message"])

	res = ts.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/tokenreviews", strings.NewReader(body), func(r *http.Request) {
		bearer(ts.demo.bobToken)(r)
		r.Header.Set("Content-Type", "application/json")
	})
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode, "system:auth-delegator may")

	admin, err := tls.LoadX509KeyPair(ts.demo.path("admin.crt"), ts.demo.path("admin.key"))
	require.NoError(t, err)
	c := &http.Client{Transport: ts.client.Transport.(*http.Transport).Clone()}
	c.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{admin}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.url+"/apis/authentication.k8s.io/v1/tokenreviews", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err = c.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	c.CloseIdleConnections()
	assert.Equal(t, http.StatusCreated, res.StatusCode, "system:masters may")
}

// --secure-port and --bind-address alone keep the whole demo.
func TestDemoMovesWithSecurePort(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--secure-port=0", "--bind-address=127.0.0.1"}, stdout, io.Discard) }()
	serving := regexp.MustCompile(`authnkit demo serving on https://(127\.0\.0\.1:\d+)\nfiles in (\S+) `)
	var m []string
	require.Eventually(t, func() bool { m = serving.FindStringSubmatch(stdout.String()); return m != nil }, 30*time.Second, 20*time.Millisecond)
	port, err := strconv.Atoi(m[1][strings.LastIndexByte(m[1], ':')+1:])
	require.NoError(t, err)
	assert.NotEqual(t, 6443, port)

	caPEM, err := os.ReadFile(filepath.Join(m[2], "ca.crt"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+m[1]+"/readyz", nil)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		res, err := c.Do(req.Clone(t.Context()))
		if !assert.NoError(c2, err) {
			return
		}
		res.Body.Close()
		assert.Equal(c2, http.StatusOK, res.StatusCode, "the demo's configuration serves, anonymous /readyz included")
	}, 30*time.Second, 50*time.Millisecond)
	c.CloseIdleConnections()
	cancel()
	require.NoError(t, <-done)
}

// A taken port says so, and how to pick another, in the demo and with
// flags alike.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, args := range [][]string{{"--secure-port=" + port}, {"--secure-port=" + port, "--anonymous-auth=false"}} {
		err := run(t.Context(), args, io.Discard, io.Discard)
		require.Error(t, err, "%q", args)
		assert.Contains(t, err.Error(), "already in use")
		assert.Contains(t, err.Error(), "--secure-port=0")
	}
}

// -h prints every flag with its default, and no panic.
func TestHelp(t *testing.T) {
	var stderr strings.Builder
	require.NoError(t, run(t.Context(), []string{"-h"}, io.Discard, &stderr))
	out := stderr.String()
	assert.NotContains(t, out, "panic")
	for _, want := range []string{"-secure-port int", "(default 6443)", "-anonymous-auth\n", "(default true)", "-oidc-username-claim string", "-api-audiences strings"} {
		assert.Contains(t, out, want)
	}
}

func decodeStatus(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	defer res.Body.Close()
	var st map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&st))
	return st
}

// The demo serves Kubernetes' authentication metrics at /metrics, to
// anonymous requests as its configuration allows, and they move with
// traffic.
func TestDemoMetrics(t *testing.T) {
	ts := startDemo(t)
	scrape := func() string {
		t.Helper()
		res := ts.do(t, http.MethodGet, "/metrics", nil, nil)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(body)
	}
	before := scrape()
	assert.Contains(t, before, "# TYPE authentication_attempts counter")
	assert.Contains(t, before, "# TYPE apiserver_authentication_config_controller_last_config_info gauge")

	res := ts.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, bearer(ts.demo.aliceToken))
	res.Body.Close()
	res = ts.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/selfsubjectreviews", nil, bearer("wrong"))
	res.Body.Close()
	after := scrape()
	assert.Regexp(t, `(?m)^authentication_attempts\{result="success"\} [1-9]`, after)
	assert.Regexp(t, `(?m)^authentication_attempts\{result="error"\} [1-9]`, after)
	assert.Regexp(t, `(?m)^authenticated_user_requests\{username="other"\} [1-9]`, after, "kube's cardinality guard folds user names")
	assert.Regexp(t, `(?m)^authnkit_authentication_refusals_total\{reason="unrecognized"\} [1-9]`, after)
	assert.NotContains(t, after, ts.demo.aliceToken, "no credential in the metrics")
}

// With flags, /metrics is for authenticated callers: anonymous access to
// every path (--anonymous-auth) does not open it, as RBAC would not.
func TestFlagModeMetrics(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.csv")
	require.NoError(t, os.WriteFile(tokens, []byte("tok-1,alice,1\n"), 0o600))
	s, err := start([]string{"--secure-port=0", "--token-auth-file=" + tokens}, io.Discard, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	ts := newFlagModeServer(t, s, nil)
	res := ts.do(t, http.MethodGet, "/metrics", nil, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "system:anonymous may not read the metrics")
	res = ts.do(t, http.MethodGet, "/metrics", nil, bearer("tok-1"))
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}
