package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

var fastRetry = Backoff{Duration: time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5}

// tlsServer starts h over TLS with a server certificate from ca. With
// clientCA set, it requires client certificates from it.
func tlsServer(t *testing.T, ca, clientCA *authntest.CA, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.IssueServer("127.0.0.1").TLSCertificate()}}
	if clientCA != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = clientCA.Pool()
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// requireBearer lets through only requests with the bearer token want.
func requireBearer(want string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+want {
			authn.WriteStatus(w, authn.NewStatus(http.StatusUnauthorized, "Unauthorized", "Unauthorized"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func newClient(t *testing.T, cfg Config, opts Options) *Authenticator {
	t.Helper()
	opts.Config = &cfg
	if opts.Retry == (Backoff{}) {
		opts.Retry = fastRetry
	}
	a, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
}

func TestClientKubeconfigClientCertificate(t *testing.T) {
	t.Parallel()
	ca, clientCA := authntest.NewCA(), authntest.NewCA()
	srv := tlsServer(t, ca, clientCA, NewHandler(testTokens, HandlerOptions{}))
	cert := clientCA.IssueClient("kube-apiserver")
	dir := t.TempDir()
	writeFile(t, dir, "ca.pem", string(ca.CertPEM))
	writeFile(t, dir, "client.pem", string(cert.CertPEM))
	writeFile(t, dir, "client-key.pem", string(cert.KeyPEM))
	writeFile(t, dir, "kubeconfig", `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other.invalid
- name: authn
  cluster:
    server: `+srv.URL+`
    certificate-authority: ca.pem
users:
- name: apiserver
  user:
    client-certificate: client.pem
    client-key: client-key.pem
contexts:
- name: webhook
  context: {cluster: authn, user: apiserver}
current-context: webhook
`)
	a, err := New(Options{ConfigFile: filepath.Join(dir, "kubeconfig"), Retry: fastRetry})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	for _, version := range []string{V1, V1beta1} {
		a.apiVersion = groupName + "/" + version
		ctx := authn.WithAudiences(t.Context(), []string{"https://api.example.com"})
		resp, ok, err := a.AuthenticateToken(ctx, "alice-token")
		authntest.AssertUser(t, alice, resp, ok, err)
		assert.Equal(t, []string{"https://api.example.com"}, resp.Audiences)
	}
}

func TestClientKubeconfigBearerToken(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	srv := tlsServer(t, ca, nil, requireBearer("webhook-secret", NewHandler(testTokens, HandlerOptions{})))
	dir := t.TempDir()
	writeFile(t, dir, "token", "webhook-secret\n")
	writeFile(t, dir, "kubeconfig", `clusters:
- name: authn
  cluster:
    server: `+srv.URL+`
    certificate-authority-data: `+b64(ca.CertPEM)+`
users:
- name: apiserver
  user:
    tokenFile: token
`)
	a, err := New(Options{ConfigFile: filepath.Join(dir, "kubeconfig"), Version: V1beta1, Retry: fastRetry})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	resp, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
	authntest.AssertUser(t, alice, resp, ok, err)

	// Without the token the server says 401: not retried, not unavailable.
	b := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{})
	_, ok, err = b.AuthenticateToken(t.Context(), "alice-token")
	require.False(t, ok)
	require.ErrorIs(t, err, ErrBadResponse)
	require.False(t, authn.IsUnavailable(err))
}

// faulty answers with the given statuses in turn (0: pass to next), counting calls.
type faulty struct {
	calls atomic.Int64
	codes []int
	next  http.Handler
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	if n < len(f.codes) && f.codes[n] != 0 {
		authn.WriteStatus(w, authn.NewStatus(f.codes[n], "Failure", "injected"))
		return
	}
	f.next.ServeHTTP(w, r)
}

func TestClientFaults(t *testing.T) {
	t.Parallel()
	ok := NewHandler(testTokens, HandlerOptions{})
	tests := []struct {
		name      string
		handler   http.Handler
		faults    []int
		token     string
		auds      []string
		implicit  []string
		wantOK    bool
		wantCalls int64
		wantErr   error // nil: no error
		wantUnav  bool
	}{
		{name: "500 then 200 is retried", faults: []int{500}, token: "alice-token", wantOK: true, wantCalls: 2},
		{name: "429 then 200 is retried", faults: []int{429}, token: "alice-token", wantOK: true, wantCalls: 2},
		{name: "503 every time", faults: []int{503, 503, 503, 503, 503}, token: "alice-token", wantCalls: 5, wantErr: authn.ErrUnavailable, wantUnav: true},
		{name: "429 every time", faults: []int{429, 429, 429, 429, 429}, token: "alice-token", wantCalls: 5, wantErr: authn.ErrUnavailable, wantUnav: true},
		{name: "403 is not retried", faults: []int{403}, token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse},
		{name: "404 is not retried", faults: []int{404}, token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse},
		{name: "401 is not retried", faults: []int{401}, token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse},
		{name: "501 every time", faults: []int{501, 501, 501, 501, 501}, token: "alice-token", wantCalls: 5, wantErr: authn.ErrUnavailable, wantUnav: true},
		{name: "status.error set", token: "revoked-token", wantCalls: 1, wantErr: authn.ErrInvalidToken},
		{name: "unknown token", token: "nobody", wantCalls: 1},
		{name: "audiences do not intersect", token: "wrong-aud-token", wantCalls: 1, wantErr: authn.ErrWrongAudience,
			handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice"},"audiences":["other"]}}`)},
		{name: "audiences absent", token: "alice-token", auds: []string{"api"}, wantCalls: 1, wantErr: authn.ErrWrongAudience,
			handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice"}}}`)},
		{name: "audiences absent, implicit ones match", token: "alice-token", auds: []string{"api"}, implicit: []string{"api", "x"}, wantCalls: 1, wantOK: true,
			handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice","uid":"1001","groups":["dev","system:authenticated"],"extra":{"scopes.example.com":["read","write"]}}}}`)},
		{name: "not JSON", token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse, handler: answer(`<html>hello</html>`)},
		{name: "wrong kind", token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse, handler: answer(`{"apiVersion":"v1","kind":"Status"}`)},
		{name: "trailing data", token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse, handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice"}}} {}`)},
		{name: "truncated JSON", token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse, handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authent`)},
		{name: "oversized", token: "alice-token", wantCalls: 1, wantErr: ErrBadResponse,
			handler: answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"error":"` + strings.Repeat("x", 5000) + `"}}`)},
		{name: "body cut short", token: "alice-token", wantCalls: 5, wantErr: authn.ErrUnavailable, wantUnav: true,
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(200)
				_, _ = w.Write([]byte(`{"apiVersion":`))
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			next := tt.handler
			if next == nil {
				next = ok
			}
			f := &faulty{codes: tt.faults, next: next}
			ca := authntest.NewCA()
			srv := tlsServer(t, ca, nil, f)
			a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{MaxResponseBytes: 4096, ImplicitAudiences: tt.implicit})
			ctx := t.Context()
			if tt.auds == nil {
				tt.auds = []string{"https://api.example.com"}
			}
			ctx = authn.WithAudiences(ctx, tt.auds)
			resp, gotOK, err := a.AuthenticateToken(ctx, tt.token)
			authntest.CheckOutcome(t, resp, gotOK, err)
			assert.Equal(t, tt.wantCalls, f.calls.Load())
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, tt.wantOK, gotOK)
				if gotOK {
					authntest.AssertUser(t, alice, resp, gotOK, err)
				}
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantUnav, authn.IsUnavailable(err))
			if tt.wantErr != ErrBadResponse {
				assert.NotErrorIs(t, err, ErrBadResponse)
			}
			assert.NotContains(t, err.Error(), tt.token)
		})
	}
}

func answer(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
}

func TestClientWrongCA(t *testing.T) {
	t.Parallel()
	f := &faulty{next: NewHandler(testTokens, HandlerOptions{})}
	srv := tlsServer(t, authntest.NewCA(), nil, f)
	a := newClient(t, Config{Server: srv.URL, CAData: authntest.NewCA().CertPEM}, Options{})
	_, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	_, isCert := errors.AsType[*tls.CertificateVerificationError](err)
	assert.True(t, isCert, "%v", err)
	assert.Zero(t, f.calls.Load(), "no request may reach a server that does not verify")
}

func TestClientUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	a := newClient(t, Config{Server: url}, Options{})
	_, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	assert.True(t, authn.IsUnavailable(err))
}

// TestClientHangingServer is not parallel: it checks for leaked goroutines.
func TestClientHangingServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	release := make(chan struct{})
	ca := authntest.NewCA()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.IssueServer("127.0.0.1").TLSCertificate()}}
	srv.StartTLS()
	defer srv.Close()
	defer close(release)
	a, err := New(Options{Config: &Config{Server: srv.URL, CAData: ca.CertPEM}, Retry: fastRetry, Timeout: time.Minute})
	require.NoError(t, err)
	defer a.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, ok, err := a.AuthenticateToken(ctx, "alice-token")
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second)
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	tests := []struct {
		name string
		opts Options
	}{
		{name: "nothing", opts: Options{}},
		{name: "both", opts: Options{ConfigFile: "x", Config: &Config{Server: "https://x"}}},
		{name: "no server", opts: Options{Config: &Config{}}},
		{name: "bad scheme", opts: Options{Config: &Config{Server: "ftp://x"}}},
		{name: "plain http", opts: Options{Config: &Config{Server: "http://x"}}},
		{name: "no scheme", opts: Options{Config: &Config{Server: "authn.example.com"}}},
		{name: "not a URL", opts: Options{Config: &Config{Server: "https://user:pass word@x"}}},
		{name: "bad version", opts: Options{Config: &Config{Server: "https://x"}, Version: "v2"}},
		{name: "bad CA", opts: Options{Config: &Config{Server: "https://x", CAData: []byte("nope")}}},
		{name: "CA and insecure", opts: Options{Config: &Config{Server: "https://x", CAData: ca.CertPEM, InsecureSkipTLSVerify: true}}},
		{name: "cert without key", opts: Options{Config: &Config{Server: "https://x", ClientCertData: ca.CertPEM}}},
		{name: "missing file", opts: Options{ConfigFile: filepath.Join(t.TempDir(), "none")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "pass word", "no password in errors")
		})
	}
}

func TestClientRequestGolden(t *testing.T) {
	t.Parallel()
	for _, version := range []string{V1, V1beta1} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			var got []byte
			var header http.Header
			ca := authntest.NewCA()
			srv := tlsServer(t, ca, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
				header = r.Header.Clone()
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(readFile(t, version+"_response.json")))
			}))
			a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM, Token: "webhook-secret"}, Options{Version: version})
			ctx := authn.WithAudiences(t.Context(), []string{"https://api.example.com"})
			resp, ok, err := a.AuthenticateToken(ctx, "alice-token")
			authntest.AssertUser(t, alice, resp, ok, err)
			assert.Equal(t, []string{"https://api.example.com"}, resp.Audiences)
			assert.JSONEq(t, readFile(t, version+"_request.json"), string(got))
			assert.Equal(t, "application/json", header.Get("Content-Type"))
			assert.Equal(t, "Bearer webhook-secret", header.Get("Authorization"))
		})
	}
}

// answerCode is answer with the HTTP status code.
func answerCode(code int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	})
}

// TestClientDecodesAsKubernetes gives the client answers that
// kube-apiserver's webhook client (client-go's REST decoding) accepts or
// refuses, and expects the same verdicts: a missing apiVersion or kind is
// filled in, another version or kind is refused, member names are
// case-sensitive.
func TestClientDecodesAsKubernetes(t *testing.T) {
	t.Parallel()
	const user = `"user":{"username":"alice","uid":"1001","groups":["dev","system:authenticated"],"extra":{"scopes.example.com":["read","write"]}}`
	const status = `"status":{"authenticated":true,` + user + `}`
	tests := []struct {
		name    string
		version string
		code    int // 0: 200
		body    string
		wantOK  bool
		wantErr error // nil: no error
	}{
		{name: "complete", version: V1, body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",` + status + `}`, wantOK: true},
		{name: "no apiVersion", version: V1, body: `{"kind":"TokenReview",` + status + `}`, wantOK: true},
		{name: "no kind", version: V1, body: `{"apiVersion":"authentication.k8s.io/v1",` + status + `}`, wantOK: true},
		{name: "neither", version: V1, body: `{` + status + `}`, wantOK: true},
		{name: "neither, v1beta1", version: V1beta1, body: `{` + status + `}`, wantOK: true},
		{name: "empty strings", version: V1beta1, body: `{"apiVersion":"","kind":"",` + status + `}`, wantOK: true},
		{name: "group without version", version: V1, body: `{"apiVersion":"authentication.k8s.io/",` + status + `}`, wantOK: true},
		{name: "v1beta1 answer to v1", version: V1, body: `{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview",` + status + `}`, wantErr: ErrBadResponse},
		{name: "v1 answer to v1beta1", version: V1beta1, body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",` + status + `}`, wantErr: ErrBadResponse},
		{name: "v1beta1 without kind to v1", version: V1, body: `{"apiVersion":"authentication.k8s.io/v1beta1",` + status + `}`, wantErr: ErrBadResponse},
		{name: "TokenReview of the core group", version: V1, body: `{"apiVersion":"v1","kind":"TokenReview",` + status + `}`, wantErr: ErrBadResponse},
		{name: "another kind of the group", version: V1, body: `{"kind":"SelfSubjectReview",` + status + `}`, wantErr: ErrBadResponse},
		{name: "kind in lower case", version: V1, body: `{"kind":"tokenreview",` + status + `}`, wantErr: ErrBadResponse},
		{name: "Status", version: V1, body: `{"apiVersion":"v1","kind":"Status","status":"Success"}`, wantErr: ErrBadResponse},
		{name: "names in another case are unknown members", version: V1,
			body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","Status":{"Authenticated":true,"User":{"Username":"mallory"}}}`},
		{name: "another case does not override", version: V1,
			body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice","Username":"mallory","uid":"1001","groups":["dev","system:authenticated"],"extra":{"scopes.example.com":["read","write"]}}}}`, wantOK: true},
		{name: "repeated members merge", version: V1, body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true},"status":{` + user + `}}`, wantOK: true},
		{name: "null", version: V1, body: `null`},
		{name: "empty object", version: V1, body: `{}`},
		{name: "status of the wrong type", version: V1, body: `{"status":5}`, wantErr: ErrBadResponse},
		{name: "YAML", version: V1, body: "status:\n  authenticated: true\n", wantErr: ErrBadResponse},
		{name: "203 is success", version: V1, code: 203, body: `{` + status + `}`, wantOK: true},
		{name: "206 is success", version: V1, code: 206, body: `{` + status + `}`, wantOK: true},
		{name: "207 is not", version: V1, code: 207, body: `{` + status + `}`, wantErr: ErrBadResponse},
		{name: "a redirect is not followed", version: V1, code: 307, body: `{` + status + `}`, wantErr: ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code := tt.code
			if code == 0 {
				code = http.StatusOK
			}
			f := &faulty{next: answerCode(code, tt.body)}
			ca := authntest.NewCA()
			srv := tlsServer(t, ca, nil, f)
			a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{Version: tt.version})
			resp, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
			authntest.CheckOutcome(t, resp, ok, err)
			assert.Equal(t, int64(1), f.calls.Load(), "one call: no retry, no redirect followed")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.False(t, authn.IsUnavailable(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantOK, ok)
			if ok {
				authntest.AssertUser(t, alice, resp, ok, err)
			}
		})
	}
}

// TestClientAudiences: resp.Audiences says which of the requested
// audiences the server accepted the token for, and is empty when none were
// requested, whatever status.audiences says.
func TestClientAudiences(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	srv := tlsServer(t, ca, nil, answer(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice"},"audiences":["https://api.example.com","vault"]}}`))
	a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{})
	tests := []struct {
		name      string
		requested []string // nil: the context carries none
		want      []string
		wantErr   error
	}{
		{name: "none requested", requested: nil, want: nil},
		{name: "empty list requested", requested: []string{}, want: nil},
		{name: "one in common", requested: []string{"vault", "other"}, want: []string{"vault"}},
		{name: "both, in the request's order", requested: []string{"vault", "https://api.example.com"}, want: []string{"vault", "https://api.example.com"}},
		{name: "none in common", requested: []string{"other"}, wantErr: authn.ErrWrongAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			if tt.requested != nil {
				ctx = authn.WithAudiences(ctx, tt.requested)
			}
			resp, ok, err := a.AuthenticateToken(ctx, "alice-token")
			authntest.CheckOutcome(t, resp, ok, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "alice", resp.User.Name)
			assert.Equal(t, tt.want, resp.Audiences)
		})
	}
}

// TestClientPlainHTTP: a kubeconfig whose server is http:// is refused,
// naming the file and the server but neither the kubeconfig's token nor the
// URL's password, unless Options.InsecureAllowHTTP says otherwise.
func TestClientPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(requireBearer("webhook-secret", NewHandler(testTokens, HandlerOptions{})))
	t.Cleanup(srv.Close)
	server := strings.Replace(srv.URL, "http://", "http://apiserver:hunter2@", 1)
	dir := t.TempDir()
	writeFile(t, dir, "kubeconfig", `clusters:
- name: authn
  cluster: {server: "`+server+`"}
users:
- name: apiserver
  user: {token: webhook-secret}
`)
	path := filepath.Join(dir, "kubeconfig")

	_, err := New(Options{ConfigFile: path})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), strings.Replace(srv.URL, "http://", "http://apiserver:xxxxx@", 1))
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NotContains(t, err.Error(), "webhook-secret")

	_, err = New(Options{Config: &Config{Server: srv.URL, Token: "webhook-secret"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Config")
	assert.Contains(t, err.Error(), srv.URL)
	assert.NotContains(t, err.Error(), "webhook-secret")

	a, err := New(Options{ConfigFile: path, InsecureAllowHTTP: true, Retry: fastRetry})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	resp, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
	authntest.AssertUser(t, alice, resp, ok, err)
}

// A remote status.error is quoted, cut to a bound, and not repeated when it
// only says "invalid bearer token" again.
func TestRemoteRefusalText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxRemoteErrorLen)
	tests := []struct{ remote, want string }{
		{"backend timeout", "webhook: authn: invalid bearer token: backend timeout"},
		{"authn: invalid bearer token", "webhook: authn: invalid bearer token"},
		{"authn: invalid bearer token: expired", "webhook: authn: invalid bearer token: expired"},
		{long, "webhook: authn: invalid bearer token: " + strings.Repeat("é", maxRemoteErrorLen/2) + "…"},
	}
	for _, tt := range tests {
		err := remoteRefusal(tt.remote)
		require.ErrorIs(t, err, authn.ErrInvalidToken)
		assert.Equal(t, tt.want, err.Error())
		assert.True(t, utf8.ValidString(err.Error()))
	}
}
