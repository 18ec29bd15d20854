package options_test

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/webhook"
)

func TestWebhookFlags(t *testing.T) {
	t.Parallel()
	o := options.NewOptions()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.AddFlags(fs)
	require.NoError(t, fs.Parse([]string{"--authentication-token-webhook-config-file=/w.yaml", "--authentication-token-webhook-version=v1", "--authentication-token-webhook-cache-ttl=30s"}))
	assert.Equal(t, "/w.yaml", o.WebhookConfigFile)
	assert.Equal(t, "v1", o.WebhookVersion)
	assert.Equal(t, 30*time.Second, o.WebhookCacheTTL)

	assert.Error(t, (&options.Options{WebhookConfigFile: "/w", WebhookVersion: "v2"}).Validate())
	assert.Error(t, (&options.Options{WebhookCacheTTL: -time.Second}).Validate())
}

// startReviewer serves TokenReview over TLS for one known token, counting
// the reviews it answers, and returns a kubeconfig for it.
func startReviewer(t *testing.T) (kubeconfig string, reviews *atomic.Int64) {
	t.Helper()
	reviews = new(atomic.Int64)
	tokens := authntest.Tokens(map[string]authn.UserInfo{"remote-token": {Name: "erin", UID: "5005", Groups: []string{"remote"}}})
	h := webhook.NewHandler(tokens, webhook.HandlerOptions{})
	ca := authntest.NewCA()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reviews.Add(1)
		h.ServeHTTP(w, r)
	}))
	srv.TLS = srvTLS(ca)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return webhookKubeconfig(t, srv.URL, writeFile(t, "ca.crt", string(ca.CertPEM))), reviews
}

// webhookKubeconfig writes the kubeconfig of a TokenReview webhook at
// server, trusting caFile (none when empty), and returns its path.
func webhookKubeconfig(t *testing.T, server, caFile string) string {
	t.Helper()
	ca := ""
	if caFile != "" {
		ca = fmt.Sprintf(", certificate-authority: %q", caFile)
	}
	return writeFile(t, "webhook.yaml", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: reviewer
  cluster: {server: %q%s}
users:
- name: apiserver
  user: {}
contexts:
- name: c
  context: {cluster: reviewer, user: apiserver}
current-context: c
`, server, ca))
}

func TestWebhookBurstMakesOneCall(t *testing.T) {
	t.Parallel()
	kubeconfig, reviews := startReviewer(t)
	a := newAuth(t, &options.Options{WebhookConfigFile: kubeconfig, WebhookVersion: "v1", WebhookCacheTTL: time.Minute})

	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 1000 {
		wg.Go(func() {
			resp, authed, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
			if err == nil && authed && resp.User.Name == "erin" {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1000, ok.Load())
	assert.EqualValues(t, 1, reviews.Load(), "a burst of one token makes one remote call")

	resp, authed, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
	authntest.AssertUser(t, authn.UserInfo{Name: "erin", UID: "5005", Groups: []string{"remote", "system:authenticated"}}, resp, authed, err)

	_, authed, err = a.AuthenticateRequest(authntest.NewBearerRequest("unknown"))
	assert.False(t, authed)
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	_, _, _ = a.AuthenticateRequest(authntest.NewBearerRequest("unknown"))
	assert.EqualValues(t, 2, reviews.Load(), "a rejection is cached too")
}

func TestWebhookNoCache(t *testing.T) {
	t.Parallel()
	kubeconfig, reviews := startReviewer(t)
	a := newAuth(t, &options.Options{WebhookConfigFile: kubeconfig, WebhookVersion: "v1beta1"})
	for range 3 {
		_, authed, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
		require.NoError(t, err)
		require.True(t, authed)
	}
	assert.EqualValues(t, 3, reviews.Load(), "--authentication-token-webhook-cache-ttl=0 disables the cache")
}

func srvTLS(ca *authntest.CA) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{ca.IssueServer("127.0.0.1").TLSCertificate()}}
}

// A webhook error is never cached: a transient 404 during a rolling
// deploy, or a status.error, must not keep a good token out for the whole
// cache TTL. Successes and plain "authenticated: false" answers are.
func TestWebhookErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	for _, failure := range []string{"404", "status.error"} {
		t.Run(failure, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			tokens := authntest.Tokens(map[string]authn.UserInfo{"remote-token": {Name: "erin"}})
			good := webhook.NewHandler(tokens, webhook.HandlerOptions{})
			ca := authntest.NewCA()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 1 {
					good.ServeHTTP(w, r)
					return
				}
				if failure == "404" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":false,"error":"backend timeout"}}`)
			}))
			srv.TLS = srvTLS(ca)
			srv.StartTLS()
			t.Cleanup(srv.Close)
			kubeconfig := webhookKubeconfig(t, srv.URL, writeFile(t, "ca.crt", string(ca.CertPEM)))
			a := newAuth(t, &options.Options{WebhookConfigFile: kubeconfig, WebhookVersion: "v1", WebhookCacheTTL: 2 * time.Minute})

			_, ok, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
			require.False(t, ok)
			require.Error(t, err)
			resp, ok, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
			authntest.AssertUser(t, authn.UserInfo{Name: "erin", Groups: []string{"system:authenticated"}}, resp, ok, err)
			assert.EqualValues(t, 2, calls.Load(), "the failure was not cached")
			_, _, _ = a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
			assert.EqualValues(t, 2, calls.Load(), "the success is")
		})
	}
}

// An http:// webhook is refused unless WebhookInsecureAllowHTTP.
func TestWebhookPlainHTTP(t *testing.T) {
	t.Parallel()
	tokens := authntest.Tokens(map[string]authn.UserInfo{"remote-token": {Name: "erin"}})
	srv := httptest.NewServer(webhook.NewHandler(tokens, webhook.HandlerOptions{}))
	t.Cleanup(srv.Close)
	kubeconfig := webhookKubeconfig(t, srv.URL, "")
	o := &options.Options{WebhookConfigFile: kubeconfig, WebhookVersion: "v1"}
	o.Logger = slog.New(slog.DiscardHandler)
	_, err := o.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--authentication-token-webhook-config-file")
	assert.Contains(t, err.Error(), srv.URL)

	a := newAuth(t, &options.Options{WebhookConfigFile: kubeconfig, WebhookVersion: "v1", WebhookInsecureAllowHTTP: true})
	resp, ok, err := a.AuthenticateRequest(authntest.NewBearerRequest("remote-token"))
	authntest.AssertUser(t, authn.UserInfo{Name: "erin", Groups: []string{"system:authenticated"}}, resp, ok, err)
	srv.CloseClientConnections()
}
