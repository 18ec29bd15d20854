package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a log sink safe for the server's goroutines.
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

type testServer struct {
	*server
	demo   *demo
	logs   *syncBuffer
	client *http.Client
	url    string
}

// startDemo runs the demo configuration on a free port, plus extra flags.
func startDemo(t *testing.T, extra ...string) *testServer {
	t.Helper()
	d, err := newDemo(t.TempDir(), "127.0.0.1")
	require.NoError(t, err)
	t.Cleanup(d.cleanup) // after the server's shutdown
	logs := &syncBuffer{}
	s, err := start(append(append(d.args(), "--secure-port=0"), extra...), io.Discard, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(d.path("ca.crt"))
	require.NoError(t, err)
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		require.NoError(t, s.shutdown())
	})
	return &testServer{server: s, demo: d, logs: logs, client: client, url: "https://" + s.addr}
}

// newFlagModeServer wraps s, started with flags and no --tls-cert-file,
// for a test: a client trusting its throwaway serving certificate, and a
// shutdown at the end that checks the certificate's folder is removed.
// logs is what s logs to, if the test reads it.
func newFlagModeServer(t *testing.T, s *server, logs *syncBuffer) *testServer {
	t.Helper()
	require.NotEmpty(t, s.caFile, "a throwaway serving certificate is generated")
	caPEM, err := os.ReadFile(s.caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	ts := &testServer{server: s, logs: logs, url: "https://" + s.addr,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections()
		require.NoError(t, s.shutdown())
		assert.NoFileExists(t, s.caFile, "the generated certificate folder is removed")
	})
	return ts
}

type whoamiResult struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Status     struct {
		UserInfo struct {
			Username string              `json:"username"`
			UID      string              `json:"uid"`
			Groups   []string            `json:"groups"`
			Extra    map[string][]string `json:"extra"`
		} `json:"userInfo"`
	} `json:"status"`
}

func (ts *testServer) do(t *testing.T, method, path string, body io.Reader, setAuth func(*http.Request)) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.url+path, body)
	require.NoError(t, err)
	if setAuth != nil {
		setAuth(req)
	}
	res, err := ts.client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

const ssrPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews"

func TestDemoSelfSubjectReview(t *testing.T) {
	ts := startDemo(t)
	tests := []struct {
		name       string
		auth       func(*http.Request)
		wantUser   string
		wantUID    string
		wantGroups []string
	}{
		{"plaintext token row", bearer(ts.demo.aliceToken), "alice", "1001", []string{"dev", "ops", "system:authenticated"}},
		{"hashed token row", bearer(ts.demo.bobToken), "bob", "1002", []string{"viewers", "system:auth-delegator", "system:authenticated"}},
		{"basic auth with bcrypt row", func(r *http.Request) { r.SetBasicAuth("carol", ts.demo.carolPasswd) }, "carol", "1003", []string{"dev", "system:authenticated"}},
		{"bootstrap token", bearer(ts.demo.bootstrapToken()), "system:bootstrap:" + ts.demo.bootstrapID, "",
			[]string{"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.do(t, http.MethodPost, ssrPath, strings.NewReader(`{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}`), tt.auth)
			require.Equal(t, http.StatusCreated, res.StatusCode)
			var got whoamiResult
			require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
			assert.Equal(t, "SelfSubjectReview", got.Kind)
			assert.Equal(t, "authentication.k8s.io/v1", got.APIVersion)
			assert.Equal(t, tt.wantUser, got.Status.UserInfo.Username)
			assert.Equal(t, tt.wantUID, got.Status.UserInfo.UID)
			assert.Equal(t, tt.wantGroups, got.Status.UserInfo.Groups)
			assert.Empty(t, got.Status.UserInfo.Extra)
		})
	}

	t.Run("log lines name users, never credentials", func(t *testing.T) {
		logs := ts.logs.String()
		assert.Contains(t, logs, "user=alice")
		assert.Contains(t, logs, "path="+ssrPath)
		for _, secret := range []string{ts.demo.aliceToken, ts.demo.bobToken, ts.demo.carolPasswd, ts.demo.bootstrapSecret} {
			assert.NotContains(t, logs, secret)
		}
	})
}

func TestDemoFailures(t *testing.T) {
	ts := startDemo(t)
	const status401 = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
	tests := []struct {
		name           string
		auth           func(*http.Request)
		wantChallenges []string
	}{
		{"no credentials", nil, []string{"Bearer", `Basic realm="authnkit", charset="UTF-8"`}},
		{"wrong token", bearer("wrong"), []string{`Bearer error="invalid_token"`, `Basic realm="authnkit", charset="UTF-8"`}},
		{"wrong password", func(r *http.Request) { r.SetBasicAuth("carol", "wrong") }, []string{"Bearer", `Basic realm="authnkit", charset="UTF-8"`}},
		{"unknown user", func(r *http.Request) { r.SetBasicAuth("mallory", "x") }, []string{"Bearer", `Basic realm="authnkit", charset="UTF-8"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.do(t, http.MethodPost, ssrPath, nil, tt.auth)
			require.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.Equal(t, tt.wantChallenges, res.Header.Values("WWW-Authenticate"))
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.JSONEq(t, status401, string(body))
		})
	}
	assert.NotContains(t, ts.logs.String(), "wrong\"")
}

func TestVersionAndNotFound(t *testing.T) {
	ts := startDemo(t)
	res := ts.do(t, http.MethodGet, "/version", nil, bearer(ts.demo.aliceToken))
	require.Equal(t, http.StatusOK, res.StatusCode)
	var v map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
	assert.Equal(t, "1", v["major"])
	assert.Equal(t, kubeMinor, v["minor"])

	res = ts.do(t, http.MethodGet, "/api/v1/pods", nil, bearer(ts.demo.aliceToken))
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	var st map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&st))
	assert.Equal(t, "NotFound", st["reason"])
}

func TestTokenReview(t *testing.T) {
	ts := startDemo(t)
	review := func(t *testing.T, body string) (int, map[string]any) {
		t.Helper()
		res := ts.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/tokenreviews", strings.NewReader(body), func(r *http.Request) {
			bearer(ts.demo.bobToken)(r)
			r.Header.Set("Content-Type", "application/json")
		})
		var out map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
		return res.StatusCode, out
	}
	t.Run("known token", func(t *testing.T) {
		code, out := review(t, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"`+ts.demo.aliceToken+`"}}`)
		require.Equal(t, http.StatusCreated, code)
		assert.Equal(t, map[string]any{
			"authenticated": true,
			"user":          map[string]any{"username": "alice", "uid": "1001", "groups": []any{"dev", "ops", "system:authenticated"}},
			"audiences":     []any{demoIssuer}, // --api-audiences defaults to the issuer
		}, out["status"])
		assert.NotContains(t, out["spec"], "token", "the token is not echoed")
	})
	t.Run("unknown token", func(t *testing.T) {
		code, out := review(t, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"nope"}}`)
		require.Equal(t, http.StatusCreated, code)
		status := out["status"].(map[string]any)
		assert.Nil(t, status["authenticated"])
		assert.Equal(t, "authn: invalid bearer token", status["error"])
	})
	t.Run("audiences the token file does not serve", func(t *testing.T) {
		code, out := review(t, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"`+ts.demo.aliceToken+`","audiences":["vault"]}}`)
		require.Equal(t, http.StatusCreated, code)
		assert.Nil(t, out["status"].(map[string]any)["authenticated"])
	})
	for _, bad := range []struct {
		name, body, wantReason string
		wantCode               int
	}{
		{"not json", "{", "BadRequest", http.StatusBadRequest},
		{"wrong kind", `{"apiVersion":"v1","kind":"Pod","spec":{"token":"x"}}`, "BadRequest", http.StatusBadRequest},
		{"no token", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}`, "BadRequest", http.StatusBadRequest},
		{"too large", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + strings.Repeat("a", maxBodyBytes) + `"}}`, "RequestEntityTooLarge", http.StatusRequestEntityTooLarge},
	} {
		t.Run(bad.name, func(t *testing.T) {
			code, out := review(t, bad.body)
			assert.Equal(t, bad.wantCode, code)
			assert.Equal(t, "Status", out["kind"])
			assert.Equal(t, bad.wantReason, out["reason"])
		})
	}
}

func TestFlagModeAnonymous(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.csv")
	require.NoError(t, os.WriteFile(tokens, []byte("tok-1,dave,2001,\n"), 0o600))
	s, err := start([]string{"--token-auth-file=" + tokens, "--secure-port=0"}, io.Discard, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	ts := newFlagModeServer(t, s, nil)

	for _, tc := range []struct {
		name     string
		auth     func(*http.Request)
		wantCode int
		wantUser string
	}{
		{"no credentials is anonymous", nil, http.StatusCreated, "system:anonymous"},
		{"known token", bearer("tok-1"), http.StatusCreated, "dave"},
		{"a rejected token is never anonymous", bearer("bad"), http.StatusUnauthorized, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.do(t, http.MethodPost, ssrPath, nil, tc.auth)
			require.Equal(t, tc.wantCode, res.StatusCode)
			if tc.wantUser != "" {
				var got whoamiResult
				require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
				assert.Equal(t, tc.wantUser, got.Status.UserInfo.Username)
			}
		})
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--token-auth-file=/does/not/exist", "--secure-port=0"},
		{"--tls-cert-file=x.crt", "--secure-port=0"},
		{"--secure-port=0", "extra-arg"},
	} {
		_, err := start(args, io.Discard, slog.New(slog.DiscardHandler))
		assert.Error(t, err, "%q", args)
	}
}

// run serves until its context ends, then shuts down cleanly.
func TestRunGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.csv")
	require.NoError(t, os.WriteFile(tokens, []byte("t,u,1\n"), 0o600))
	d, err := newDemo(dir, "127.0.0.1")
	require.NoError(t, err)
	defer d.cleanup()
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--secure-port=0", "--token-auth-file=" + tokens,
			"--tls-cert-file=" + d.path("server.crt"), "--tls-private-key-file=" + d.path("server.key")}, stdout, io.Discard)
	}()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "serving on https://") }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

// kubectl runs the real kubectl against the demo; it skips only when
// kubectl is not installed.
func kubectl(t *testing.T, ts *testServer, args ...string) (string, string, error) {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the kubectl round trip is not tested")
	}
	kubeconfig, err := ts.demo.writeKubeconfig(ts.addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECACHEDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestKubectlAuthWhoami(t *testing.T) {
	ts := startDemo(t)
	tests := []struct {
		context    string
		wantUser   string
		wantUID    string
		wantGroups []string
	}{
		{"alice", "alice", "1001", []string{"dev", "ops", "system:authenticated"}},
		{"bob", "bob", "1002", []string{"viewers", "system:auth-delegator", "system:authenticated"}},
		{"carol", "carol", "1003", []string{"dev", "system:authenticated"}},
	}
	for _, tt := range tests {
		t.Run(tt.context, func(t *testing.T) {
			out, errOut, err := kubectl(t, ts, "--context", tt.context, "auth", "whoami", "-o", "json")
			require.NoError(t, err, "kubectl stderr: %s", errOut)
			var got whoamiResult
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)
			assert.Equal(t, tt.wantUser, got.Status.UserInfo.Username)
			assert.Equal(t, tt.wantUID, got.Status.UserInfo.UID)
			assert.Equal(t, tt.wantGroups, got.Status.UserInfo.Groups)
		})
	}
	t.Run("rejected token", func(t *testing.T) {
		_, errOut, err := kubectl(t, ts, "--token", "wrong", "auth", "whoami")
		require.Error(t, err)
		assert.Contains(t, errOut, "You must be logged in to the server (Unauthorized)")
	})
	t.Run("kubectl requests are logged", func(t *testing.T) {
		logs := ts.logs.String()
		assert.Contains(t, logs, "method=GET path=/version")
		assert.Contains(t, logs, "method=POST path="+ssrPath)
	})
}
