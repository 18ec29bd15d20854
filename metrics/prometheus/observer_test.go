package prometheus_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

const (
	counter   = dto.MetricType_COUNTER
	gauge     = dto.MetricType_GAUGE
	histogram = dto.MetricType_HISTOGRAM
)

// l is a label set.
type l = map[string]string

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		reg  prometheus.Registerer
		opts authnprom.Options
	}{
		{name: "nil registerer", opts: authnprom.Options{}},
		{name: "empty known username", reg: prometheus.NewRegistry(), opts: authnprom.Options{KnownUsernames: []string{"ops", ""}}},
		{name: "known username not UTF-8", reg: prometheus.NewRegistry(), opts: authnprom.Options{KnownUsernames: []string{"ops\xff"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obs, err := authnprom.New(tt.reg, tt.opts)
			require.Error(t, err)
			assert.Nil(t, obs)
			assert.True(t, strings.HasPrefix(err.Error(), "metrics/prometheus: "), err.Error())
		})
	}
}

func TestNewRegistersAllOrNothing(t *testing.T) {
	t.Run("second New on one registry", func(t *testing.T) {
		t.Parallel()
		tg := newTarget(t, authnprom.Options{})
		obs, err := authnprom.New(tg.reg, authnprom.Options{})
		require.Error(t, err)
		assert.Nil(t, obs)
		_, dup := errors.AsType[prometheus.AlreadyRegisteredError](err)
		assert.True(t, dup, "error %v is not an AlreadyRegisteredError", err)
		// The first Observer still records.
		tg.obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultSuccess, User: "kubelet"})
		assert.Equal(t, 1.0, tg.scrape(t).value(t, "authentication_attempts", counter, l{"result": "success"}))
	})
	t.Run("a name taken by another collector", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewPedanticRegistry()
		theirs := prometheus.NewCounter(prometheus.CounterOpts{Name: "serviceaccount_valid_tokens_total", Help: "someone else's"})
		reg.MustRegister(theirs)
		obs, err := authnprom.New(reg, authnprom.Options{})
		require.Error(t, err)
		assert.Nil(t, obs)
		mfs, err := reg.Gather()
		require.NoError(t, err)
		require.Len(t, mfs, 1, "what New registered before failing must be unregistered")
		assert.Equal(t, "serviceaccount_valid_tokens_total", mfs[0].GetName())
		// The first metric New registered is free again.
		require.NoError(t, reg.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authentication_attempts", Help: "[ALPHA] Counter of authenticated attempts.",
		}, []string{"result"})))
	})
	t.Run("two observers under constant labels", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewPedanticRegistry()
		a, err := authnprom.New(prometheus.WrapRegistererWith(prometheus.Labels{"server": "a"}, reg), authnprom.Options{})
		require.NoError(t, err)
		b, err := authnprom.New(prometheus.WrapRegistererWith(prometheus.Labels{"server": "b"}, reg), authnprom.Options{})
		require.NoError(t, err)
		a.Authentication(authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonExpired})
		b.Authentication(authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential})
		b.Authentication(authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential})
		mfs, err := reg.Gather()
		require.NoError(t, err)
		s := scraped{}
		for _, mf := range mfs {
			s[mf.GetName()] = mf
		}
		assert.Equal(t, 1.0, s.value(t, "authnkit_authentication_refusals_total", counter, l{"server": "a", "reason": "expired"}))
		assert.Equal(t, 2.0, s.value(t, "authnkit_authentication_refusals_total", counter, l{"server": "b", "reason": "no_credential"}))
	})
}

// TestExposition checks every metric's name, type, label names and
// buckets after one event of each kind, scraped over HTTP.
func TestExposition(t *testing.T) {
	tg := newTarget(t, authnprom.Options{APIServerID: "apiserver-1"})
	feedOneOfEach(tg.obs)
	s := tg.scrape(t)

	expBuckets := prometheus.ExponentialBuckets(0.001, 2, 15)
	jwtBuckets := []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	want := []struct {
		name    string
		typ     dto.MetricType
		labels  []string
		buckets []float64
	}{
		{"authentication_attempts", counter, []string{"result"}, nil},
		{"authentication_duration_seconds", histogram, []string{"result"}, expBuckets},
		{"authenticated_user_requests", counter, []string{"username"}, nil},
		{"authnkit_authentication_refusals_total", counter, []string{"reason"}, nil},
		{"authentication_token_cache_request_total", counter, []string{"status"}, nil},
		{"authentication_token_cache_request_duration_seconds", histogram, []string{"status"}, prometheus.DefBuckets},
		{"authentication_token_cache_fetch_total", counter, []string{"status"}, nil},
		{"authentication_token_cache_active_fetch_count", gauge, []string{"status"}, nil},
		{"apiserver_authentication_jwt_authenticator_latency_seconds", histogram, []string{"jwt_issuer_hash", "result"}, jwtBuckets},
		{"apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds", gauge, []string{"apiserver_id_hash", "jwt_issuer_hash", "result"}, nil},
		{"apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info", gauge, []string{"apiserver_id_hash", "hash", "jwt_issuer_hash"}, nil},
		{"authnkit_jwt_authenticator_latency_seconds", histogram, []string{"authenticator", "jwt_issuer_hash", "result"}, jwtBuckets},
		{"authnkit_jwt_authenticator_jwks_fetches_total", counter, []string{"apiserver_id_hash", "jwt_issuer_hash", "result"}, nil},
		{"authnkit_jwt_authenticator_jwks_keys", gauge, []string{"apiserver_id_hash", "jwt_issuer_hash"}, nil},
		{"authnkit_jwt_authenticator_jwks_next_refresh_timestamp_seconds", gauge, []string{"apiserver_id_hash", "jwt_issuer_hash"}, nil},
		{"authnkit_jwt_authenticator_unknown_key_total", counter, []string{"jwt_issuer_hash", "refetch"}, nil},
		{"authnkit_client_certificate_chain_checks_total", counter, []string{"cache", "result"}, nil},
		{"apiserver_authentication_config_controller_automatic_reloads_total", counter, []string{"apiserver_id_hash", "status"}, nil},
		{"apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds", gauge, []string{"apiserver_id_hash", "status"}, nil},
		{"apiserver_authentication_config_controller_last_config_info", gauge, []string{"apiserver_id_hash", "hash"}, nil},
		{"authnkit_file_automatic_reloads_total", counter, []string{"apiserver_id_hash", "component", "file", "status"}, nil},
		{"authnkit_file_automatic_reload_last_timestamp_seconds", gauge, []string{"apiserver_id_hash", "component", "file", "status"}, nil},
		{"authnkit_file_last_config_info", gauge, []string{"apiserver_id_hash", "component", "file", "hash"}, nil},
		{"authnkit_file_entries", gauge, []string{"component", "file"}, nil},
		{"apiserver_client_certificate_expiration_seconds", histogram, nil, []float64{0, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 345600, 604800, 2592000, 7776000, 15552000, 31104000}},
		{"apiserver_delegated_authn_request_total", counter, []string{"code"}, nil},
		{"apiserver_delegated_authn_request_duration_seconds", histogram, []string{"code"}, []float64{0.25, 0.5, 0.7, 1, 1.5, 3, 5, 10}},
		{"serviceaccount_legacy_tokens_total", counter, nil, nil},
		{"serviceaccount_stale_tokens_total", counter, nil, nil},
		{"serviceaccount_valid_tokens_total", counter, nil, nil},
		{"serviceaccount_invalid_legacy_auto_token_uses_total", counter, nil, nil},
	}
	var names []string
	for _, w := range want {
		names = append(names, w.name)
		t.Run(w.name, func(t *testing.T) {
			mf := s.family(t, w.name, w.typ)
			for _, m := range mf.GetMetric() {
				var got []string
				for _, lp := range m.GetLabel() {
					got = append(got, lp.GetName())
				}
				assert.Equal(t, w.labels, got, "label names") // sorted by the exposition
				if w.typ == histogram {
					assert.Equal(t, w.buckets, bounds(m.GetHistogram()), "buckets")
				}
			}
		})
	}
	assert.ElementsMatch(t, names, keys(s), "the exported families are the documented ones")
}

// feedOneOfEach sends one event of every kind, so that every family has
// a series.
func feedOneOfEach(obs *authn.Observer) {
	now := time.Now()
	obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonRevoked})
	obs.TokenCache(authn.TokenCacheEvent{Hit: true})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{})
	obs.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: "https://issuer.example", Result: authn.ResultSuccess})
	obs.JWT(authn.JWTEvent{Authenticator: "serviceaccount", Issuer: "https://kubernetes.default.svc", Result: authn.ResultSuccess})
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: "https://issuer.example", OK: true, Time: now, Keys: 1, KeySetHash: kubeHash(`{"keys":[]}`), NextRefresh: now.Add(time.Hour)})
	obs.Reload(authn.ReloadEvent{Component: "options: --authentication-config", Path: "/etc/authn.yaml", OK: false, Time: now, Entries: -1})
	obs.Reload(authn.ReloadEvent{Component: "options: --authentication-config", Path: "/etc/authn.yaml", OK: true, Time: now, ContentHash: kubeHash("a"), Entries: -1})
	obs.Reload(authn.ReloadEvent{Component: "tokenfile", Path: "/etc/tokens.csv", OK: true, Time: now, ContentHash: kubeHash("t"), Entries: 3})
	obs.ClientCertificate(authn.ClientCertificateEvent{Remaining: time.Hour})
	obs.Webhook(authn.WebhookEvent{Code: "200", Duration: time.Second})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Valid: true})
	obs.ChainCheck(authn.ChainCheckEvent{OK: true})
	obs.UnknownKey(authn.UnknownKeyEvent{Issuer: "https://issuer.example", Refetch: true})
}

func keys(s scraped) []string {
	var out []string
	for k := range s {
		out = append(out, k)
	}
	return out
}

func TestRequests(t *testing.T) {
	tg := newTarget(t, authnprom.Options{KnownUsernames: []string{"ops"}})
	events := []authn.AuthenticationEvent{
		{Result: authn.ResultSuccess, User: "alice@example.com", Duration: 3 * time.Millisecond},
		{Result: authn.ResultSuccess, User: "kubelet", Duration: time.Millisecond},
		{Result: authn.ResultSuccess, User: "system:serviceaccount:ns:builder", Duration: time.Millisecond},
		{Result: authn.ResultSuccess, User: "ops", Duration: time.Millisecond},
		{Result: authn.ResultSuccess, User: "email_id", Duration: time.Millisecond},
		{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential, Duration: 20 * time.Millisecond},
		{Result: authn.ResultError, Reason: authn.ReasonUnavailable, Duration: 2 * time.Second},
		{Result: authn.ResultError, Reason: authn.ReasonRevoked, Duration: time.Millisecond},
		{Result: authn.ResultError, Reason: authn.ReasonRevoked, Duration: time.Millisecond},
	}
	s0 := tg.scrape(t)
	for _, e := range events {
		tg.obs.Authentication(e)
	}
	s := tg.scrape(t)

	tests := []struct {
		name   string
		metric string
		typ    dto.MetricType
		labels l
		before float64
		after  float64
	}{
		{"successes", "authentication_attempts", counter, l{"result": "success"}, 0, 5},
		{"nobody in", "authentication_attempts", counter, l{"result": "failure"}, 0, 1},
		{"refused or uncheckable", "authentication_attempts", counter, l{"result": "error"}, 0, 3},
		{"success durations", "authentication_duration_seconds", histogram, l{"result": "success"}, 0, 5},
		{"error durations", "authentication_duration_seconds", histogram, l{"result": "error"}, 0, 3},
		{"an email address", "authenticated_user_requests", counter, l{"username": "email_id"}, 0, 1},
		{"a name of Kubernetes' list", "authenticated_user_requests", counter, l{"username": "kubelet"}, 0, 1},
		{"a name of KnownUsernames", "authenticated_user_requests", counter, l{"username": "ops"}, 0, 1},
		{"anyone else, a name like a category too", "authenticated_user_requests", counter, l{"username": "other"}, 0, 2},
		{"503s", "authnkit_authentication_refusals_total", counter, l{"reason": "unavailable"}, -1, 1},
		{"revoked", "authnkit_authentication_refusals_total", counter, l{"reason": "revoked"}, -1, 2},
		{"no credential", "authnkit_authentication_refusals_total", counter, l{"reason": "no_credential"}, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before >= 0 {
				assert.Equal(t, tt.before, s0.value(t, tt.metric, tt.typ, tt.labels), "before")
			}
			assert.Equal(t, tt.after, s.value(t, tt.metric, tt.typ, tt.labels), "after")
		})
	}
	t.Run("user names never reach the label", func(t *testing.T) {
		assert.Equal(t, []string{"admin", "client", "email_id", "kube_proxy", "kubelet", "ops", "other", "system:serviceaccount:kube-system:default"},
			s.labelValues("authenticated_user_requests", "username"))
	})
	t.Run("durations in seconds", func(t *testing.T) {
		h := s.histogram(t, "authentication_duration_seconds", l{"result": "error"})
		assert.InDelta(t, 2.002, h.GetSampleSum(), 1e-9)
		assert.Equal(t, uint64(2), h.GetBucket()[0].GetCumulativeCount(), "two at 1ms, in the 0.001 bucket")
	})
}

func TestTokenCache(t *testing.T) {
	tg := newTarget(t, authnprom.Options{})
	obs := tg.obs
	obs.TokenCache(authn.TokenCacheEvent{Hit: true, Duration: 900 * time.Microsecond})
	obs.TokenCache(authn.TokenCacheEvent{Hit: true, Duration: 2 * time.Microsecond})
	obs.TokenCache(authn.TokenCacheEvent{Hit: false, Duration: 12*time.Millisecond + 700*time.Microsecond})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{})
	for range 3 {
		obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true})
	}
	s := tg.scrape(t)
	assert.Equal(t, 2.0, s.value(t, "authentication_token_cache_request_total", counter, l{"status": "hit"}))
	assert.Equal(t, 1.0, s.value(t, "authentication_token_cache_request_total", counter, l{"status": "miss"}))
	assert.Equal(t, 2.0, s.value(t, "authentication_token_cache_request_duration_seconds", histogram, l{"status": "hit"}))
	assert.Zero(t, s.histogram(t, "authentication_token_cache_request_duration_seconds", l{"status": "hit"}).GetSampleSum(),
		"whole milliseconds, as Kubernetes records them")
	assert.InDelta(t, 0.012, s.histogram(t, "authentication_token_cache_request_duration_seconds", l{"status": "miss"}).GetSampleSum(), 1e-12)
	assert.Equal(t, 2.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "in_flight"}))
	assert.Equal(t, 3.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "blocked"}))
	assert.Equal(t, 0.0, s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "ok"}))

	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: true})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: false})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true, Done: true})
	s = tg.scrape(t)
	assert.Equal(t, 0.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "in_flight"}))
	assert.Equal(t, 2.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "blocked"}))
	assert.Equal(t, 2.0, s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "ok"})+
		s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "error"}), "a wait's end is no fetch")
	assert.Equal(t, 1.0, s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "ok"}))
	assert.Equal(t, 1.0, s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "error"}))
}

func TestJWT(t *testing.T) {
	const issuer, saIssuer = "https://issuer.example/realms/a", "https://kubernetes.default.svc.cluster.local"
	tg := newTarget(t, authnprom.Options{APIServerID: "apiserver-7f3c"})
	obs := tg.obs
	ih, idh := kubeHash(issuer), kubeHash("apiserver-7f3c")
	require.Equal(t, "sha256:", ih[:7])
	require.Len(t, ih, 7+64)

	obs.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: issuer, Result: authn.ResultSuccess, Duration: 30 * time.Microsecond})
	obs.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: issuer, Result: authn.ResultFailure, Duration: 3 * time.Millisecond})
	obs.JWT(authn.JWTEvent{Authenticator: "serviceaccount", Issuer: saIssuer, Result: authn.ResultFailure})

	t1 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	t2, t3 := t1.Add(time.Minute), t1.Add(2*time.Minute)
	h1, h2 := kubeHash(`{"keys":[{"kid":"a"}]}`), kubeHash(`{"keys":[{"kid":"b"}]}`)
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: issuer, OK: true, Time: t1, Keys: 2, KeySetHash: h1, NextRefresh: t1.Add(time.Hour)})
	s1 := tg.scrape(t)
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: issuer, OK: false, Time: t2, NextRefresh: t2.Add(10 * time.Second)})
	s2 := tg.scrape(t)
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: issuer, OK: true, Time: t3, Keys: 1, KeySetHash: h2})
	s3 := tg.scrape(t)

	const (
		latency = "apiserver_authentication_jwt_authenticator_latency_seconds"
		stamp   = "apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds"
		info    = "apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info"
	)
	t.Run("latency of OIDC issuers under Kubernetes' name", func(t *testing.T) {
		assert.Equal(t, 1.0, s1.value(t, latency, histogram, l{"result": "success", "jwt_issuer_hash": ih}))
		assert.Equal(t, 1.0, s1.value(t, latency, histogram, l{"result": "failure", "jwt_issuer_hash": ih}))
		assert.Len(t, s1[latency].GetMetric(), 2, "service-account tokens are not in it")
	})
	t.Run("service-account tokens under authnkit's", func(t *testing.T) {
		assert.Equal(t, 1.0, s1.value(t, "authnkit_jwt_authenticator_latency_seconds", histogram,
			l{"authenticator": "serviceaccount", "result": "failure", "jwt_issuer_hash": kubeHash(saIssuer)}))
	})
	t.Run("a fetch sets the timestamp, the key set's hash and the key count", func(t *testing.T) {
		assert.Equal(t, float64(t1.Unix()), s1.value(t, stamp, gauge, l{"result": "success", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, 1.0, s1.value(t, info, gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh, "hash": h1}))
		assert.Equal(t, 2.0, s1.value(t, "authnkit_jwt_authenticator_jwks_keys", gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
	})
	t.Run("a failed fetch sets its own timestamp and keeps the last key set", func(t *testing.T) {
		assert.Equal(t, float64(t2.Unix()), s2.value(t, stamp, gauge, l{"result": "failure", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, float64(t1.Unix()), s2.value(t, stamp, gauge, l{"result": "success", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, 1.0, s2.value(t, info, gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh, "hash": h1}))
		assert.Equal(t, 2.0, s2.value(t, "authnkit_jwt_authenticator_jwks_keys", gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, 1.0, s2.value(t, "authnkit_jwt_authenticator_jwks_fetches_total", counter, l{"result": "failure", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
	})
	t.Run("the next refresh: the refresh after a success, the retry after a failure", func(t *testing.T) {
		const next = "authnkit_jwt_authenticator_jwks_next_refresh_timestamp_seconds"
		assert.Equal(t, float64(t1.Add(time.Hour).Unix()), s1.value(t, next, gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, float64(t2.Add(10*time.Second).Unix()), s2.value(t, next, gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
	})
	t.Run("a new key set replaces the hash series", func(t *testing.T) {
		assert.Equal(t, float64(t3.Unix()), s3.value(t, stamp, gauge, l{"result": "success", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, []string{h2}, s3.labelValues(info, "hash"))
		assert.Equal(t, 1.0, s3.value(t, "authnkit_jwt_authenticator_jwks_keys", gauge, l{"jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
		assert.Equal(t, 2.0, s3.value(t, "authnkit_jwt_authenticator_jwks_fetches_total", counter, l{"result": "success", "jwt_issuer_hash": ih, "apiserver_id_hash": idh}))
	})
}

func TestUnknownKeysAndRemovedIssuers(t *testing.T) {
	const kept, dropped = "https://kept.example", "https://dropped.example"
	tg := newTarget(t, authnprom.Options{APIServerID: "apiserver-1"})
	obs := tg.obs
	now := time.Now()
	for _, iss := range []string{kept, dropped} {
		obs.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: iss, Result: authn.ResultSuccess})
		obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: iss, OK: true, Time: now, Keys: 1, KeySetHash: kubeHash(iss), NextRefresh: now.Add(time.Hour)})
		obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: iss, OK: false, Time: now})
		obs.UnknownKey(authn.UnknownKeyEvent{Issuer: iss, Refetch: true})
		obs.UnknownKey(authn.UnknownKeyEvent{Issuer: iss})
		obs.UnknownKey(authn.UnknownKeyEvent{Issuer: iss})
	}
	const unknown = "authnkit_jwt_authenticator_unknown_key_total"
	before := tg.scrape(t)
	kh, dh := kubeHash(kept), kubeHash(dropped)
	assert.Equal(t, 1.0, before.value(t, unknown, counter, l{"jwt_issuer_hash": dh, "refetch": "started"}))
	assert.Equal(t, 2.0, before.value(t, unknown, counter, l{"jwt_issuer_hash": dh, "refetch": "cooldown"}))

	obs.IssuerRemoved(authn.IssuerRemovedEvent{Issuer: dropped})
	after := tg.scrape(t)
	for _, name := range []string{
		unknown,
		"apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds",
		"apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info",
		"authnkit_jwt_authenticator_jwks_fetches_total",
		"authnkit_jwt_authenticator_jwks_keys",
		"authnkit_jwt_authenticator_jwks_next_refresh_timestamp_seconds",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Contains(t, before.labelValues(name, "jwt_issuer_hash"), dh)
			got := after.labelValues(name, "jwt_issuer_hash")
			assert.NotContains(t, got, dh, "the removed issuer's series are gone")
			assert.Contains(t, got, kh, "the other issuer's stay")
		})
	}
	const latency = "apiserver_authentication_jwt_authenticator_latency_seconds"
	assert.Contains(t, after.labelValues(latency, "jwt_issuer_hash"), dh, "the latency histogram keeps it, as Kubernetes' does")
}

func TestChainChecks(t *testing.T) {
	tg := newTarget(t, authnprom.Options{})
	obs := tg.obs
	obs.ChainCheck(authn.ChainCheckEvent{OK: true})
	obs.ChainCheck(authn.ChainCheckEvent{Cached: true, OK: true})
	obs.ChainCheck(authn.ChainCheckEvent{Cached: true, OK: true})
	obs.ChainCheck(authn.ChainCheckEvent{})
	obs.ChainCheck(authn.ChainCheckEvent{Cached: true})
	obs.ChainCheck(authn.ChainCheckEvent{Cached: true})
	obs.ChainCheck(authn.ChainCheckEvent{Cached: true})
	s := tg.scrape(t)
	const name = "authnkit_client_certificate_chain_checks_total"
	assert.Equal(t, 1.0, s.value(t, name, counter, l{"cache": "miss", "result": "success"}))
	assert.Equal(t, 2.0, s.value(t, name, counter, l{"cache": "hit", "result": "success"}))
	assert.Equal(t, 1.0, s.value(t, name, counter, l{"cache": "miss", "result": "failure"}))
	assert.Equal(t, 3.0, s.value(t, name, counter, l{"cache": "hit", "result": "failure"}))
}

func TestReload(t *testing.T) {
	const (
		authConfig = "options: --authentication-config"
		reloads    = "apiserver_authentication_config_controller_automatic_reloads_total"
		stamp      = "apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds"
		info       = "apiserver_authentication_config_controller_last_config_info"
	)
	tg := newTarget(t, authnprom.Options{}) // no identity: an empty apiserver_id_hash, as Kubernetes hashes ""
	obs := tg.obs
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	c1, c2 := kubeHash("apiVersion: apiserver.config.k8s.io/v1\n"), kubeHash("apiVersion: apiserver.config.k8s.io/v1\njwt: []\n")
	tok1, tok2 := kubeHash("s3cret,alice,1\n"), kubeHash("s3cret,alice,1\nt0ken,bob,2\n")
	const tokens = "/etc/kubernetes/tokens.csv"
	badPath := "/etc/\xfftokens.csv"

	obs.Reload(authn.ReloadEvent{Component: authConfig, Path: "/etc/authn.yaml", First: true, OK: true, Time: t0, ContentHash: c1, Entries: -1})
	obs.Reload(authn.ReloadEvent{Component: "tokenfile", Path: tokens, First: true, OK: true, Time: t0, ContentHash: tok1, Entries: 1})
	s0 := tg.scrape(t)
	obs.Reload(authn.ReloadEvent{Component: authConfig, Path: "/etc/authn.yaml", OK: false, Err: errors.New("bad"), Time: t0.Add(time.Minute), ContentHash: c1, Entries: -1})
	obs.Reload(authn.ReloadEvent{Component: "tokenfile", Path: tokens, OK: false, Err: errors.New("bad"), Time: t0.Add(time.Minute), ContentHash: tok1, Entries: 1})
	s1 := tg.scrape(t)
	obs.Reload(authn.ReloadEvent{Component: authConfig, Path: "/etc/authn.yaml", OK: true, Time: t0.Add(2 * time.Minute), ContentHash: c2, Entries: -1})
	obs.Reload(authn.ReloadEvent{Component: "tokenfile", Path: tokens, OK: true, Time: t0.Add(2 * time.Minute), ContentHash: tok2, Entries: 2})
	obs.Reload(authn.ReloadEvent{Component: "x509auth: --client-ca-file", Path: badPath, OK: true, Time: t0, ContentHash: tok2, Entries: 4})
	s2 := tg.scrape(t)

	file := func(status string) l {
		return l{"component": "tokenfile", "file": tokens, "status": status, "apiserver_id_hash": ""}
	}
	t.Run("the first load is no reload, but sets the configuration's hash", func(t *testing.T) {
		assert.Empty(t, s0[reloads].GetMetric())
		assert.Equal(t, 1.0, s0.value(t, info, gauge, l{"apiserver_id_hash": "", "hash": c1}))
		assert.Empty(t, s0["authnkit_file_automatic_reloads_total"].GetMetric())
		assert.Equal(t, 1.0, s0.value(t, "authnkit_file_last_config_info", gauge, l{"component": "tokenfile", "file": tokens, "apiserver_id_hash": "", "hash": tok1}))
		assert.Equal(t, 1.0, s0.value(t, "authnkit_file_entries", gauge, l{"component": "tokenfile", "file": tokens}))
	})
	t.Run("a reload that fails counts a failure and keeps the hash", func(t *testing.T) {
		assert.Equal(t, 1.0, s1.value(t, reloads, counter, l{"status": "failure", "apiserver_id_hash": ""}))
		assert.Equal(t, float64(t0.Add(time.Minute).Unix()), s1.value(t, stamp, gauge, l{"status": "failure", "apiserver_id_hash": ""}))
		assert.Equal(t, []string{c1}, s1.labelValues(info, "hash"))
		assert.Equal(t, 1.0, s1.value(t, "authnkit_file_automatic_reloads_total", counter, file("failure")))
		assert.Equal(t, float64(t0.Add(time.Minute).Unix()), s1.value(t, "authnkit_file_automatic_reload_last_timestamp_seconds", gauge, file("failure")))
	})
	t.Run("a reload that works counts a success and replaces the hash", func(t *testing.T) {
		assert.Equal(t, 1.0, s2.value(t, reloads, counter, l{"status": "success", "apiserver_id_hash": ""}))
		assert.Equal(t, float64(t0.Add(2*time.Minute).Unix()), s2.value(t, stamp, gauge, l{"status": "success", "apiserver_id_hash": ""}))
		assert.Equal(t, []string{c2}, s2.labelValues(info, "hash"))
		assert.Equal(t, 1.0, s2.value(t, "authnkit_file_automatic_reloads_total", counter, file("success")))
		assert.Equal(t, 2.0, s2.value(t, "authnkit_file_entries", gauge, l{"component": "tokenfile", "file": tokens}))
		assert.Equal(t, 1.0, s2.value(t, "authnkit_file_last_config_info", gauge, l{"component": "tokenfile", "file": tokens, "apiserver_id_hash": "", "hash": tok2}))
	})
	t.Run("the authentication configuration stays out of authnkit's reload metrics", func(t *testing.T) {
		assert.Equal(t, []string{"tokenfile", "x509auth: --client-ca-file"}, s2.labelValues("authnkit_file_last_config_info", "component"))
	})
	t.Run("a path that is not UTF-8 is exported, not a panic", func(t *testing.T) {
		assert.Equal(t, 4.0, s2.value(t, "authnkit_file_entries", gauge, l{"component": "x509auth: --client-ca-file", "file": "/etc/\uFFFDtokens.csv"}))
	})
}

func TestClientCertificatesWebhookServiceAccounts(t *testing.T) {
	tg := newTarget(t, authnprom.Options{})
	obs := tg.obs
	obs.ClientCertificate(authn.ClientCertificateEvent{Remaining: 90 * time.Minute})
	obs.ClientCertificate(authn.ClientCertificateEvent{Remaining: 400 * 24 * time.Hour})
	obs.ClientCertificate(authn.ClientCertificateEvent{Remaining: -time.Minute})
	obs.Webhook(authn.WebhookEvent{Code: "200", Duration: 300 * time.Millisecond})
	obs.Webhook(authn.WebhookEvent{Code: "200", Duration: 2 * time.Second})
	obs.Webhook(authn.WebhookEvent{Code: "<error>", Duration: 10 * time.Second})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Legacy: true})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Legacy: true, Invalidated: true})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Stale: true})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Valid: true})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Valid: true})
	s := tg.scrape(t)

	h := s.histogram(t, "apiserver_client_certificate_expiration_seconds", nil)
	assert.Equal(t, uint64(3), h.GetSampleCount())
	cum := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	assert.Equal(t, uint64(1), cum[0], "an expired certificate")
	assert.Equal(t, uint64(1), cum[3600])
	assert.Equal(t, uint64(2), cum[7200], "90 minutes left")
	assert.Equal(t, uint64(2), cum[31104000])
	assert.Equal(t, uint64(3), cum[math.Inf(1)], "over a year left is only in +Inf")

	assert.Equal(t, 2.0, s.value(t, "apiserver_delegated_authn_request_total", counter, l{"code": "200"}))
	assert.Equal(t, 1.0, s.value(t, "apiserver_delegated_authn_request_total", counter, l{"code": "<error>"}))
	assert.InDelta(t, 2.3, s.histogram(t, "apiserver_delegated_authn_request_duration_seconds", l{"code": "200"}).GetSampleSum(), 1e-9)

	assert.Equal(t, 2.0, s.value(t, "serviceaccount_legacy_tokens_total", counter, nil))
	assert.Equal(t, 1.0, s.value(t, "serviceaccount_invalid_legacy_auto_token_uses_total", counter, nil))
	assert.Equal(t, 1.0, s.value(t, "serviceaccount_stale_tokens_total", counter, nil))
	assert.Equal(t, 2.0, s.value(t, "serviceaccount_valid_tokens_total", counter, nil))
}

func TestHelpTexts(t *testing.T) {
	tg := newTarget(t, authnprom.Options{})
	feedOneOfEach(tg.obs)
	s := tg.scrape(t)
	tests := []struct{ name, help string }{
		{"authentication_attempts", "[ALPHA] Counter of authenticated attempts."},
		{"authentication_token_cache_request_total", "[ALPHA] "},
		{"apiserver_authentication_config_controller_automatic_reloads_total", "[BETA] Total number of automatic reloads of authentication configuration split by status and apiserver identity."},
		{"serviceaccount_valid_tokens_total", "[BETA] Cumulative valid projected service account tokens used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.help, s[tt.name].GetHelp())
		})
	}
	for name, mf := range s {
		if strings.HasPrefix(name, "authnkit_") {
			assert.NotContains(t, mf.GetHelp(), "[", "%s: authnkit's metrics carry no stability level", name)
			assert.NotEmpty(t, mf.GetHelp(), name)
		}
	}
}

func TestNativeHistograms(t *testing.T) {
	tests := []struct {
		name   string
		opts   authnprom.Options
		native bool
	}{
		{name: "classic only by default"},
		{name: "native as well, as kube-apiserver 1.37 by default", opts: authnprom.Options{NativeHistograms: true}, native: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewPedanticRegistry()
			obs, err := authnprom.New(reg, tt.opts)
			require.NoError(t, err)
			feedOneOfEach(obs)
			mfs, err := reg.Gather() // the protobuf exposition's content
			require.NoError(t, err)
			n := 0
			for _, mf := range mfs {
				if mf.GetType() != histogram {
					continue
				}
				for _, m := range mf.GetMetric() {
					if m.GetHistogram().GetSampleCount() == 0 {
						continue
					}
					n++
					h := m.GetHistogram()
					assert.NotEmpty(t, h.GetBucket(), "%s: classic buckets always", mf.GetName())
					assert.Equal(t, tt.native, h.Schema != nil, "%s: native histogram", mf.GetName())
				}
			}
			assert.Equal(t, 6, n, "histograms observed by feedOneOfEach")
		})
	}
}
