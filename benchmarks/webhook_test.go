package benchmarks

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8swebhook "k8s.io/apiserver/plugin/pkg/authenticator/token/webhook"
	"k8s.io/client-go/rest"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/webhook"
)

// The one user the TokenReview server knows, and its token.
const webhookToken = "3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f"

var webhookUser = authn.UserInfo{
	Name:   "alice@example.com",
	UID:    "7d3a9c1e-5b2f-4e8a-b6c4-0f1e2d3c4b5a",
	Groups: []string{"developers", "system:authenticated"},
	Extra:  map[string][]string{"scopes": {"openid", "email"}},
}

// newTokenReviewServer starts one in-process TokenReview server over TLS
// (httptest's self-signed certificate, HTTP/1.1), authnkit's
// webhook.NewHandler over a table of one token, and returns it with the
// PEM of its certificate. Both sides of BenchmarkWebhook talk to it, so
// the server's share of the time is the same for both.
func newTokenReviewServer(tb testing.TB) (*httptest.Server, []byte) {
	tb.Helper()
	h := webhook.NewHandler(authntest.Tokens(map[string]authn.UserInfo{webhookToken: webhookUser}), webhook.HandlerOptions{})
	srv := httptest.NewTLSServer(h)
	tb.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv, ca
}

// newWebhookAuthenticator is authnkit's client, as
// --authentication-token-webhook-config-file and
// --authentication-token-webhook-version=v1 build it, without the cache.
func newWebhookAuthenticator(tb testing.TB, url string, ca []byte) *webhook.Authenticator {
	tb.Helper()
	a, err := webhook.New(webhook.Options{
		Config:  &webhook.Config{Server: url, CAData: ca},
		Version: webhook.V1,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	return a
}

// newK8sWebhookAuthenticator is k8s.io/apiserver's webhook token
// authenticator as kube-apiserver builds it (newWebhookTokenAuthenticator
// in pkg/kubeapiserver/authenticator/config.go): a rest.Config as
// webhookutil.LoadKubeconfig returns it (30 s timeout, QPS -1: no client
// rate limit), webhook.New with version v1, no implicit audiences and the
// default retry backoff, without the token cache kube-apiserver puts in
// front of it.
func newK8sWebhookAuthenticator(tb testing.TB, url string, ca []byte) k8sauthenticator.Token {
	tb.Helper()
	cfg := &rest.Config{
		Host:            url,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		Timeout:         30 * time.Second,
		QPS:             -1,
	}
	a, err := k8swebhook.New(cfg, "v1", nil, *k8swebhook.DefaultRetryBackoff())
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// webhookImpl is tokenImpl with warm connections: one call before the
// serial loop (tokenImpl's check) and, before the parallel one,
// GOMAXPROCS concurrent calls, so that the keep-alive pool holds a
// connection per goroutine and no TLS handshake is timed.
func webhookImpl[R any](name string, a tokenAuthenticator[R]) impl {
	im := tokenImpl(name, a, webhookToken, true)
	parallel := im.parallel
	im.parallel = func(b *testing.B) {
		warmWebhook(b.Context(), a)
		b.ResetTimer()
		parallel(b)
	}
	return im
}

func warmWebhook[R any](ctx context.Context, a tokenAuthenticator[R]) {
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() { _, _, _ = a.AuthenticateToken(ctx, webhookToken) })
	}
	wg.Wait()
}

// BenchmarkWebhook authenticates a token through a TokenReview webhook,
// uncached: k8s.io/apiserver's webhook token authenticator (v0.37.2)
// against authnkit's webhook.New, both speaking TokenReview v1 over
// keep-alive TLS connections to the same in-process server (authnkit's
// webhook.NewHandler over a one-token table). Each op is one POST: encode
// the TokenReview, the round trip, the server's decode and encode, and
// the client's decode. DESIGN.md's budget: ≤ 0.8 × k8s.
func BenchmarkWebhook(b *testing.B) {
	b.Run("version=v1", func(b *testing.B) {
		srv, ca := newTokenReviewServer(b)
		k8s := newK8sWebhookAuthenticator(b, srv.URL, ca)
		ours := newWebhookAuthenticator(b, srv.URL, ca)
		runModes(b,
			webhookImpl(implK8s, k8s),
			webhookImpl(implAuthnkit, ours),
		)
	})
}
