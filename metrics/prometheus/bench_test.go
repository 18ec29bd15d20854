package prometheus_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

func newObserver(tb testing.TB, opts authnprom.Options) *authn.Observer {
	tb.Helper()
	obs, err := authnprom.New(prometheus.NewRegistry(), opts)
	require.NoError(tb, err)
	return obs
}

// event is one kind of event, recorded.
type event struct {
	name   string
	record func(*authn.Observer)
}

// hotEvents are the events of request paths, which must not allocate: a
// token cache hit or miss, the cache's shared call, a decision, a
// verification.
var hotEvents = []event{
	{"token cache hit", func(o *authn.Observer) { o.TokenCache(authn.TokenCacheEvent{Hit: true, Duration: time.Microsecond}) }},
	{"token cache miss", func(o *authn.Observer) { o.TokenCache(authn.TokenCacheEvent{Duration: time.Millisecond}) }},
	{"shared call", func(o *authn.Observer) {
		o.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true})
		o.TokenCacheFetch(authn.TokenCacheFetchEvent{})
		o.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: true})
		o.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true, Done: true})
	}},
	{"success", func(o *authn.Observer) {
		o.Authentication(authn.AuthenticationEvent{Result: authn.ResultSuccess, User: "system:serviceaccount:ns:builder", Duration: time.Millisecond})
	}},
	{"refusal", func(o *authn.Observer) {
		o.Authentication(authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonExpired, Duration: time.Millisecond})
	}},
	{"jwt", func(o *authn.Observer) {
		o.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: "https://issuer.example", Result: authn.ResultSuccess, Duration: time.Millisecond})
	}},
	{"client certificate", func(o *authn.Observer) { o.ClientCertificate(authn.ClientCertificateEvent{Remaining: time.Hour}) }},
	{"service-account token", func(o *authn.Observer) { o.ServiceAccountToken(authn.ServiceAccountTokenEvent{Valid: true}) }},
	{"chain check", func(o *authn.Observer) { o.ChainCheck(authn.ChainCheckEvent{Cached: true, OK: true}) }},
	{"unknown key", func(o *authn.Observer) { o.UnknownKey(authn.UnknownKeyEvent{Issuer: "https://issuer.example"}) }},
}

func TestHotEventsDoNotAllocate(t *testing.T) {
	for _, opts := range []authnprom.Options{{}, {NativeHistograms: true}} {
		obs := newObserver(t, opts)
		for _, ev := range hotEvents {
			t.Run(ev.name, func(t *testing.T) {
				ev.record(obs) // a native histogram's first sample in a bucket allocates it
				assert.Zero(t, testing.AllocsPerRun(100, func() { ev.record(obs) }))
			})
		}
	}
}

// TestConcurrentRecording records from many goroutines while scraping;
// run with -race. Every event is counted.
func TestConcurrentRecording(t *testing.T) {
	tg := newTarget(t, authnprom.Options{})
	const workers, n = 4, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				feedOneOfEach(tg.obs)
				tg.obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: true}) // ends feedOneOfEach's call
				tg.obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: "https://issuer.example", OK: true, KeySetHash: kubeHash(strings.Repeat("k", w*n+i))})
			}
		})
	}
	for range 5 {
		tg.scrape(t)
	}
	wg.Wait()
	s := tg.scrape(t)
	assert.Equal(t, float64(workers*n), s.value(t, "authentication_attempts", counter, l{"result": "error"}))
	assert.Equal(t, float64(workers*n), s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "ok"}))
	assert.Equal(t, 0.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "in_flight"}))
	assert.Len(t, s["apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info"].GetMetric(), 1, "one key set per issuer")
}

// BenchmarkObserver is the cost of recording each event, to set against
// DESIGN.md's "observer on" budget: a token-cache hit with metrics
// recording within 1.3 × one keyed hash (BenchmarkHMACSHA256 here, as in
// package union).
func BenchmarkObserver(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts authnprom.Options
	}{{"classic", authnprom.Options{}}, {"native", authnprom.Options{NativeHistograms: true}}} {
		obs := newObserver(b, mode.opts)
		for _, ev := range hotEvents {
			b.Run(mode.name+"/"+strings.ReplaceAll(ev.name, " ", "_"), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ev.record(obs)
				}
			})
			if ev.name == "token cache hit" {
				b.Run(mode.name+"/token_cache_hit/parallel", func(b *testing.B) {
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							ev.record(obs)
						}
					})
				})
			}
		}
	}
}

// BenchmarkHMACSHA256 is the budget's reference: one keyed hash of a
// 600-byte token, as package union measures it.
func BenchmarkHMACSHA256(b *testing.B) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	m := hmac.New(sha256.New, key)
	tok := []byte(strings.Repeat("t", 600))
	sum := make([]byte, 0, sha256.Size)
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(tok)
		sum = m.Sum(sum[:0])
	}
}
