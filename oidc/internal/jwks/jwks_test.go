package jwks

import (
	"context"
	"crypto"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/keyload"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	const iss = "https://issuer.example"
	tests := []struct {
		name string
		opts Options
	}{
		{"no issuer", Options{}},
		{"issuer not a URL", Options{IssuerURL: "https://%zz"}},
		{"issuer scheme", Options{IssuerURL: "ftp://issuer.example"}},
		{"issuer without host", Options{IssuerURL: "https://"}},
		{"issuer with query", Options{IssuerURL: iss + "?a=b"}},
		{"issuer with fragment", Options{IssuerURL: iss + "#f"}},
		{"issuer with user", Options{IssuerURL: "https://u@issuer.example"}},
		{"relative discovery URL", Options{IssuerURL: iss, DiscoveryURL: "/.well-known/openid-configuration"}},
		{"http discovery URL for an https issuer", Options{IssuerURL: iss, DiscoveryURL: "http://issuer.example/config"}},
		{"negative FetchTimeout", Options{IssuerURL: iss, FetchTimeout: -1}},
		{"negative MinRefresh", Options{IssuerURL: iss, MinRefresh: -1}},
		{"negative MaxRefresh", Options{IssuerURL: iss, MaxRefresh: -1}},
		{"negative cooldown", Options{IssuerURL: iss, UnknownKeyCooldown: -1}},
		{"negative MinBackoff", Options{IssuerURL: iss, MinBackoff: -1}},
		{"negative MaxBackoff", Options{IssuerURL: iss, MaxBackoff: -1}},
		{"negative MaxBodyBytes", Options{IssuerURL: iss, MaxBodyBytes: -1}},
		{"MaxRefresh over a day", Options{IssuerURL: iss, MaxRefresh: 25 * time.Hour}},
		{"MinRefresh over MaxRefresh", Options{IssuerURL: iss, MinRefresh: 2 * time.Hour}},
		{"MinBackoff over MaxBackoff", Options{IssuerURL: iss, MinBackoff: 2 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(tt.opts)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.True(t, strings.HasPrefix(err.Error(), "jwks: "), err.Error())
			assert.Equal(t, err, Check(tt.opts), "Check refuses what New refuses")
		})
	}
	t.Run("Check accepts what New accepts", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, Check(Options{IssuerURL: iss, DiscoveryURL: iss + "/config", MinRefresh: time.Minute}))
	})
}

func TestNewDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A client whose requests never leave the bubble: New must not
		// block on it, and Close must stop the fetch it started.
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		})}
		s, err := New(Options{IssuerURL: "https://issuer.example/", Client: client})
		require.NoError(t, err)
		assert.Equal(t, "https://issuer.example/.well-known/openid-configuration", s.discoveryURL)
		assert.Equal(t, DefaultFetchTimeout, s.fetchTimeout)
		assert.Equal(t, DefaultMinRefresh, s.minRefresh)
		assert.Equal(t, DefaultMaxRefresh, s.maxRefresh)
		assert.Equal(t, DefaultUnknownKeyCooldown, s.cooldown)
		assert.Equal(t, DefaultMinBackoff, s.minBackoff)
		assert.Equal(t, DefaultMaxBackoff, s.maxBackoff)
		assert.Equal(t, int64(DefaultMaxBodyBytes), s.maxBody)
		synctest.Wait()
		require.NoError(t, s.Close())

		// Minimums follow a smaller maximum.
		s, err = New(Options{IssuerURL: "https://issuer.example", Client: client,
			MaxRefresh: 30 * time.Second, MaxBackoff: 500 * time.Millisecond,
			DiscoveryURL: "https://elsewhere.example/config"})
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, s.minRefresh)
		assert.Equal(t, 500*time.Millisecond, s.minBackoff)
		assert.Equal(t, "https://elsewhere.example/config", s.discoveryURL)
		require.NoError(t, s.Close())
	})
}

// assertTimes compares instants, ignoring monotonic readings.
func assertTimes(t *testing.T, want, got []time.Time) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.True(t, want[i].Equal(got[i]), "time %d: got %v, want %v", i, got[i], want[i])
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFetch loads every accepted key type over real TLS.
func TestFetch(t *testing.T) {
	t.Parallel()
	p, client := newTLSProvider(t)
	rsaK, ecK, edK, dup := rsaKey(t, "rsa"), ecKey(t, "ec"), edKey(t, "ed"), ecKey(t, "rsa")
	enc := ecKey(t, "enc")
	enc.Use = "enc"
	p.setKeys(rsaK, ecK, edK, dup, enc, jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "hmac"})
	logger, logs := newLogger()
	s := newSet(t, p, client, Options{Logger: logger})

	all, err := s.Keys(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"rsa", "ec", "ed", "rsa"}, kids(all))

	got, err := s.Keys(t.Context(), "rsa")
	require.NoError(t, err)
	require.Len(t, got, 2, "both keys with the kid")
	assert.True(t, rsaK.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(got[0].Public))
	assert.True(t, dup.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(got[1].Public))
	assert.Equal(t, "RS256", got[0].Alg)

	got, err = s.Keys(t.Context(), "ed")
	require.NoError(t, err)
	assert.Equal(t, []string{"ed"}, kids(got))

	// The fetch just happened: an unknown kid is rejected without another.
	_, err = s.Keys(t.Context(), "enc")
	require.ErrorIs(t, err, authn.ErrUnknownKey)
	assert.False(t, authn.IsUnavailable(err))
	assert.Equal(t, 1, p.jwksHits())

	h := s.Health()
	assert.Equal(t, p.url, h.Issuer)
	assert.True(t, h.Ready)
	assert.Equal(t, 4, h.Keys)
	assert.NoError(t, h.LastError)
	assert.False(t, h.LastRefresh.IsZero())
	assert.Equal(t, DefaultMaxRefresh, h.NextRefresh.Sub(h.LastRefresh))

	out := logs.String()
	assert.Contains(t, out, "keys loaded")
	assert.Contains(t, out, "keys skipped")
	assert.Contains(t, out, "hmac")
	assert.Contains(t, out, "issuer="+p.url)
}

// TestFetchHTTPIssuer: an http issuer may have an http jwks_uri.
func TestFetchHTTPIssuer(t *testing.T) {
	t.Parallel()
	p := &provider{jwksPath: "/keys"}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	p.setKeys(ecKey(t, "k1"))
	s := newSet(t, p, srv.Client(), Options{})
	got, err := s.Keys(t.Context(), "k1")
	require.NoError(t, err)
	assert.Equal(t, []string{"k1"}, kids(got))
}

// TestFetchErrors checks each way a fetch fails, over real TLS: the
// first Keys waits for the first attempt and reports it as unavailable.
func TestFetchErrors(t *testing.T) {
	t.Parallel()
	huge := `{"keys":[]` + strings.Repeat(" ", 2048) + `}`
	tests := []struct {
		name    string
		setup   func(p *provider)
		maxBody int64
		want    string
		wantIs  error
	}{
		{name: "discovery issuer mismatch", want: `issuer "https://other.example" does not match`,
			setup: func(p *provider) { p.issuer = "https://other.example" }},
		{name: "discovery issuer differs by a slash", want: "does not match",
			setup: func(p *provider) { p.issuer = p.url + "/" }},
		{name: "no jwks_uri", want: "no jwks_uri",
			setup: func(p *provider) { p.discoBody = []byte(`{"issuer":"` + p.url + `"}`) }},
		{name: "http jwks_uri for an https issuer", want: "not an absolute https URL",
			setup: func(p *provider) {
				p.discoBody = []byte(`{"issuer":"` + p.url + `","jwks_uri":"http://127.0.0.1/keys"}`)
			}},
		{name: "discovery not JSON", want: "discovery",
			setup: func(p *provider) { p.discoBody = []byte("<html>hello</html>") }},
		{name: "discovery status", want: "status 500",
			setup: func(p *provider) { p.down, p.statusBody = 500, []byte(strings.Repeat("x", 10_000)) }},
		{name: "discovery body too large", maxBody: 1024, wantIs: errBodyTooLarge,
			setup: func(p *provider) { p.discoBody = []byte(huge) }},
		{name: "JWKS body too large", maxBody: 1024, wantIs: errBodyTooLarge,
			setup: func(p *provider) { p.jwksBody = []byte(huge) }},
		{name: "JWKS status", want: "JWKS: GET " + "", setup: func(p *provider) { p.jwksStatus = 404 }},
		{name: "JWKS not JSON", want: "JWKS",
			setup: func(p *provider) { p.jwksBody = []byte(`not json`) }},
		{name: "JWKS truncated", want: "JWKS",
			setup: func(p *provider) { p.jwksBody = []byte(`{"keys":[`) }},
		{name: "JWKS keys null", want: "no usable signing key",
			setup: func(p *provider) { p.jwksBody = []byte(`{"keys":null}`) }},
		{name: "JWKS keys not an array", want: "JWKS",
			setup: func(p *provider) { p.jwksBody = []byte(`{"keys":{}}`) }},
		{name: "JWKS an empty object", want: "no usable signing key",
			setup: func(p *provider) { p.jwksBody = []byte(`{}`) }},
		{name: "JWKS an array", want: "JWKS",
			setup: func(p *provider) { p.jwksBody = []byte(`[]`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, client := newTLSProvider(t)
			p.setKeys(ecKey(t, "k1"))
			p.set(tt.setup)
			var errs errorLog
			s := newSet(t, p, client, Options{MaxBodyBytes: tt.maxBody, MinBackoff: time.Hour, MaxBackoff: time.Hour, OnError: errs.add})

			_, err := s.Keys(t.Context(), "k1")
			require.ErrorIs(t, err, authn.ErrUnavailable)
			require.True(t, authn.IsUnavailable(err))
			assert.NotErrorIs(t, err, authn.ErrUnknownKey)
			assert.Contains(t, err.Error(), "jwks: issuer "+p.url+": keys not loaded: ")
			if tt.want != "" {
				assert.Contains(t, err.Error(), tt.want)
			}
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.NotContains(t, err.Error(), strings.Repeat("x", statusBodyBytes+1), "body quoted beyond its prefix")
			assert.Less(t, len(err.Error()), 400)

			h := s.Health()
			assert.False(t, h.Ready)
			require.Error(t, h.LastError)
			assert.Equal(t, time.Hour, h.NextRefresh.Sub(h.LastAttempt))
			reported := errs.all()
			require.Len(t, reported, 1)
			assert.Contains(t, reported[0].Error(), "jwks: issuer "+p.url+": ")
			assert.ErrorIs(t, reported[0], h.LastError)
		})
	}
}

func TestKeysUnknownKIDCooldown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		k1, k2 := ecKey(t, "k1"), ecKey(t, "k2")
		p.setKeys(k1)
		s := newSet(t, p, client, Options{})
		ctx := t.Context()

		_, err := s.Keys(ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, 1, p.jwksHits())

		// Two misses within the cooldown: no fetch.
		p.setKeys(k1, k2)
		for range 2 {
			_, err = s.Keys(ctx, "k2")
			require.ErrorIs(t, err, authn.ErrUnknownKey)
			assert.Contains(t, err.Error(), `jwks: issuer `+p.url+`: kid "k2": `)
		}
		time.Sleep(DefaultUnknownKeyCooldown - time.Second)
		_, err = s.Keys(ctx, "k2")
		require.ErrorIs(t, err, authn.ErrUnknownKey)
		assert.Equal(t, 1, p.jwksHits())

		// After the cooldown: one refetch finds the new key.
		time.Sleep(time.Second)
		got, err := s.Keys(ctx, "k2")
		require.NoError(t, err)
		assert.Equal(t, []string{"k2"}, kids(got))
		assert.Equal(t, 2, p.jwksHits())

		// That refetch restarted the cooldown.
		long := strings.Repeat("k", 300)
		_, err = s.Keys(ctx, long)
		require.ErrorIs(t, err, authn.ErrUnknownKey)
		assert.NotContains(t, err.Error(), long, "kid clipped")
		assert.Contains(t, err.Error(), strings.Repeat("k", 64)+"...")
		assert.Equal(t, 2, p.jwksHits())

		// After the cooldown, a miss refetches once, then is rejected; the
		// next miss is rejected without a fetch.
		time.Sleep(DefaultUnknownKeyCooldown)
		for range 3 {
			_, err = s.Keys(ctx, "k3")
			require.ErrorIs(t, err, authn.ErrUnknownKey)
		}
		assert.Equal(t, 3, p.jwksHits())
		d, _ := p.hits()
		assert.Equal(t, 1, d, "discovery runs once while fetches succeed")
	})
}

func TestRefreshSchedule(t *testing.T) {
	tests := []struct {
		name, cacheControl, age string
		opts                    Options
		want                    time.Duration
	}{
		{name: "max-age", cacheControl: "public, max-age=300", want: 300 * time.Second},
		{name: "max-age below MinRefresh", cacheControl: "max-age=5", want: DefaultMinRefresh},
		{name: "max-age above MaxRefresh", cacheControl: "max-age=86400", want: DefaultMaxRefresh},
		{name: "custom bounds", cacheControl: "max-age=86400", want: 3 * time.Hour,
			opts: Options{MinRefresh: 10 * time.Minute, MaxRefresh: 3 * time.Hour}},
		{name: "custom lower bound", cacheControl: "max-age=60", want: 10 * time.Minute,
			opts: Options{MinRefresh: 10 * time.Minute, MaxRefresh: 3 * time.Hour}},
		{name: "no Cache-Control", want: DefaultMaxRefresh},
		{name: "no-store", cacheControl: "no-store", want: DefaultMinRefresh},
		{name: "no-cache wins over max-age", cacheControl: "max-age=600, no-cache", want: DefaultMinRefresh},
		{name: "Age subtracted", cacheControl: "max-age=600", age: "100", want: 500 * time.Second},
		{name: "bad max-age ignored", cacheControl: "max-age=soon", want: DefaultMaxRefresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, client := newBubbleProvider(t)
				k1, k2 := ecKey(t, "k1"), ecKey(t, "k2")
				p.setKeys(k1)
				p.set(func(p *provider) { p.cacheControl, p.age = tt.cacheControl, tt.age })
				logger, logs := newLogger()
				tt.opts.Logger = logger
				s := newSet(t, p, client, tt.opts)
				ctx := t.Context()

				_, err := s.Keys(ctx, "k1")
				require.NoError(t, err)
				h := s.Health()
				assert.Equal(t, tt.want, h.NextRefresh.Sub(h.LastRefresh))

				// Rotate upstream: k1 keeps verifying until the refresh.
				p.setKeys(k2)
				time.Sleep(tt.want - time.Second)
				_, err = s.Keys(ctx, "k1")
				require.NoError(t, err)
				assert.Equal(t, 1, p.jwksHits())

				time.Sleep(time.Second)
				synctest.Wait()
				assert.Equal(t, 2, p.jwksHits(), "refreshed on schedule, without a caller")
				_, err = s.Keys(ctx, "k1")
				require.ErrorIs(t, err, authn.ErrUnknownKey, "a removed key stops verifying")
				got, err := s.Keys(ctx, "k2")
				require.NoError(t, err)
				assert.Equal(t, []string{"k2"}, kids(got))
				assert.Equal(t, 2, p.jwksHits())
				assert.Contains(t, logs.String(), `msg="keys rotated" issuer=`+p.url+` added=[k2] removed=[k1]`)
			})
		})
	}
}

func TestRefreshFailureKeepsKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		k1 := ecKey(t, "k1")
		p.setKeys(k1)
		p.set(func(p *provider) { p.cacheControl = "max-age=300" })
		var errs errorLog
		logger, logs := newLogger()
		s := newSet(t, p, client, Options{OnError: errs.add, Logger: logger})
		ctx := t.Context()
		_, err := s.Keys(ctx, "k1")
		require.NoError(t, err)
		loadedAt := s.Health().LastRefresh

		// The JWKS breaks: the refresh fails, k1 keeps working.
		p.set(func(p *provider) { p.jwksStatus, p.statusBody = 500, []byte("oops") })
		time.Sleep(300 * time.Second)
		synctest.Wait()
		assert.Equal(t, 2, p.jwksHits())
		h := s.Health()
		assert.True(t, h.Ready)
		assert.Equal(t, 1, h.Keys)
		assertTimes(t, []time.Time{loadedAt}, []time.Time{h.LastRefresh})
		assertTimes(t, []time.Time{time.Now()}, []time.Time{h.LastAttempt})
		require.Error(t, h.LastError)
		assert.Contains(t, h.LastError.Error(), `status 500 Internal Server Error: body "oops"`)
		retry := h.NextRefresh.Sub(h.LastAttempt)
		assert.GreaterOrEqual(t, retry, DefaultMinBackoff, "retried after a backoff")
		assert.LessOrEqual(t, retry, DefaultMinBackoff*12/10, "not after the full period")
		require.Len(t, errs.all(), 1)
		assert.Contains(t, errs.all()[0].Error(), "jwks: issuer "+p.url+": JWKS: GET "+p.url+"/keys: status 500")
		assert.Contains(t, logs.String(), `level=WARN msg="key fetch failed, keeping previous keys"`)

		got, err := s.Keys(ctx, "k1")
		require.NoError(t, err)
		assert.Equal(t, []string{"k1"}, kids(got))
		// An unknown kid while the keys are stale: maybe it exists.
		_, err = s.Keys(ctx, "k9")
		require.ErrorIs(t, err, authn.ErrUnavailable)
		assert.NotErrorIs(t, err, authn.ErrUnknownKey)

		// The JWKS moves: the retry re-runs discovery and finds it.
		p.set(func(p *provider) { p.jwksPath, p.jwksStatus = "/keys2", 0 })
		time.Sleep(retry)
		synctest.Wait()
		h = s.Health()
		require.NoError(t, h.LastError)
		assertTimes(t, []time.Time{time.Now()}, []time.Time{h.LastRefresh})
		assert.Equal(t, 300*time.Second, h.NextRefresh.Sub(h.LastRefresh))
		assertTimes(t, []time.Time{loadedAt, loadedAt.Add(300*time.Second + retry)}, p.times(discoveryPath))
		assert.Len(t, errs.all(), 1)
		_, err = s.Keys(ctx, "k1")
		require.NoError(t, err)
		_, err = s.Keys(ctx, "k9")
		require.ErrorIs(t, err, authn.ErrUnknownKey, "fresh keys again: unknown is unknown")
	})
}

func TestIssuerDownAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		p.setKeys(ecKey(t, "k1"))
		p.set(func(p *provider) { p.down = http.StatusBadGateway })
		s := newSet(t, p, client, Options{})
		ctx := t.Context()

		_, err := s.Keys(ctx, "k1")
		require.ErrorIs(t, err, authn.ErrUnavailable)
		ue, ok := errors.AsType[*authn.UnavailableError](err)
		require.True(t, ok)
		assert.Contains(t, ue.Err.Error(), "jwks: issuer "+p.url+": keys not loaded: discovery: GET "+p.url+discoveryPath+": status 502")

		// Callers do not hammer the provider.
		for range 50 {
			_, err = s.Keys(ctx, "k1")
			require.ErrorIs(t, err, authn.ErrUnavailable)
			_, err = s.Keys(ctx, "")
			require.ErrorIs(t, err, authn.ErrUnavailable)
		}
		d, _ := p.hits()
		assert.Equal(t, 1, d)
		assert.False(t, s.Health().Ready)

		// The provider comes up: the keys arrive through the backoff
		// schedule, without any caller.
		p.set(func(p *provider) { p.down = 0 })
		time.Sleep(DefaultMaxBackoff)
		synctest.Wait()
		h := s.Health()
		require.True(t, h.Ready)
		require.NoError(t, h.LastError)
		d, j := p.hits()
		assert.Equal(t, 2, d)
		assert.Equal(t, 1, j)
		_, err = s.Keys(ctx, "k1")
		require.NoError(t, err)
	})
}

func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		p.set(func(p *provider) { p.down = http.StatusInternalServerError })
		const minB, maxB = time.Second, 30 * time.Second
		s := newSet(t, p, client, Options{MinBackoff: minB, MaxBackoff: maxB})
		time.Sleep(10 * time.Minute)
		synctest.Wait()

		attempts := p.times(discoveryPath)
		require.Greater(t, len(attempts), 20)
		assert.Less(t, len(attempts), 10*60/24+10, "bounded by MaxBackoff")
		base := minB
		for i := 1; i < len(attempts); i++ {
			gap := attempts[i].Sub(attempts[i-1])
			lo, hi := max(base*8/10, minB), min(base*12/10, maxB)
			assert.True(t, gap >= lo && gap <= hi, "attempt %d after %v, want [%v, %v]", i, gap, lo, hi)
			base = min(2*base, maxB)
		}
		h := s.Health()
		assertTimes(t, attempts[len(attempts)-1:], []time.Time{h.LastAttempt})
		assert.Error(t, h.LastError)
		assert.False(t, h.Ready)
	})
}

func TestBackoffRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func() string
		lo, hi     time.Duration
	}{
		{"503 seconds", http.StatusServiceUnavailable, func() string { return "20" }, 20 * time.Second, 20 * time.Second},
		{"429 date", http.StatusTooManyRequests,
			func() string { return time.Now().Add(40 * time.Second).UTC().Format(http.TimeFormat) }, 40 * time.Second, 40 * time.Second},
		{"capped by MaxBackoff", http.StatusServiceUnavailable, func() string { return "3600" }, time.Minute, time.Minute},
		{"ignored on 500", http.StatusInternalServerError, func() string { return "20" }, time.Second, 1200 * time.Millisecond},
		{"garbage ignored", http.StatusServiceUnavailable, func() string { return "soon" }, time.Second, 1200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, client := newBubbleProvider(t)
				p.set(func(p *provider) { p.down, p.retryAfter = tt.status, tt.retryAfter() })
				s := newSet(t, p, client, Options{})
				_, err := s.Keys(t.Context(), "")
				require.ErrorIs(t, err, authn.ErrUnavailable)
				h := s.Health()
				gap := h.NextRefresh.Sub(h.LastAttempt)
				assert.True(t, gap >= tt.lo && gap <= tt.hi, "next attempt after %v, want [%v, %v]", gap, tt.lo, tt.hi)
				time.Sleep(gap)
				synctest.Wait()
				assert.Len(t, p.times(discoveryPath), 2)
			})
		})
	}
}

func TestKeysConcurrentUnknownKID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		k1, k2 := ecKey(t, "k1"), ecKey(t, "k2")
		p.setKeys(k1)
		s := newSet(t, p, client, Options{})
		ctx := t.Context()
		_, err := s.Keys(ctx, "k1")
		require.NoError(t, err)

		p.setKeys(k1, k2)
		time.Sleep(DefaultUnknownKeyCooldown)
		p.block()
		const n = 100
		var wg sync.WaitGroup
		errs := make([]error, n)
		got := make([][]keyload.Key, n)
		for i := range n {
			wg.Go(func() { got[i], errs[i] = s.Keys(ctx, "k2") })
		}
		synctest.Wait() // every caller waits on the one fetch
		assert.Equal(t, 2, p.jwksHits())
		p.unblock()
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, []string{"k2"}, kids(got[i]))
		}
		assert.Equal(t, 2, p.jwksHits())
	})
}

func TestKeysCallerGivesUp(t *testing.T) {
	tests := []struct {
		name    string
		cancel  bool // else the deadline passes
		wantErr error
	}{
		{"cancelled", true, context.Canceled},
		{"deadline", false, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, client := newBubbleProvider(t)
				k1, k2 := ecKey(t, "k1"), ecKey(t, "k2")
				p.setKeys(k1)
				s := newSet(t, p, client, Options{})
				_, err := s.Keys(t.Context(), "k1")
				require.NoError(t, err)

				p.setKeys(k1, k2)
				time.Sleep(DefaultUnknownKeyCooldown)
				p.block()
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				errc := make(chan error, 1)
				go func() {
					_, err := s.Keys(ctx, "k2")
					errc <- err
				}()
				synctest.Wait()
				if tt.cancel {
					cancel()
				}
				err = <-errc
				require.ErrorIs(t, err, authn.ErrUnavailable)
				require.ErrorIs(t, err, tt.wantErr)

				// The shared fetch goes on and completes.
				time.Sleep(DefaultFetchTimeout / 2)
				p.unblock()
				synctest.Wait()
				h := s.Health()
				require.NoError(t, h.LastError)
				assert.Equal(t, 2, h.Keys)
				got, err := s.Keys(t.Context(), "k2")
				require.NoError(t, err)
				assert.Equal(t, []string{"k2"}, kids(got))
				assert.Equal(t, 2, p.jwksHits())
			})
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		p.setKeys(ecKey(t, "k1"))
		p.block()
		s := newSet(t, p, client, Options{FetchTimeout: 5 * time.Second})
		_, err := s.Keys(t.Context(), "k1")
		require.ErrorIs(t, err, authn.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		p.unblock()
	})
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		p.setKeys(ecKey(t, "k1"))
		p.block()
		s, err := New(Options{IssuerURL: p.url, Client: client, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		synctest.Wait() // the first fetch waits in the provider

		// A caller waiting for the first fetch is released by Close.
		errc := make(chan error, 1)
		go func() {
			_, err := s.Keys(t.Context(), "k1")
			errc <- err
		}()
		synctest.Wait()
		require.NoError(t, s.Close())
		err = <-errc
		require.ErrorIs(t, err, authn.ErrUnavailable)
		require.NoError(t, s.Close(), "idempotent")

		// Closed: no fetch any more, no goroutine left (synctest.Test
		// fails if one is).
		p.unblock()
		_, err = s.Keys(t.Context(), "k1")
		require.ErrorIs(t, err, authn.ErrUnavailable)
		assert.ErrorIs(t, err, errClosed)
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.Equal(t, 1, p.jwksHits())
		assert.False(t, s.Health().Ready)
	})
}

// TestCloseLeaksNothing runs over real sockets, with the Set's own client.
func TestCloseLeaksNothing(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last, after the server closes
	p, client := newTLSProvider(t)
	p.setKeys(ecKey(t, "k1"))
	s := newSet(t, p, client, Options{})
	_, err := s.Keys(t.Context(), "k1")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	got, err := s.Keys(t.Context(), "k1")
	require.NoError(t, err, "the last keys keep serving after Close")
	assert.Equal(t, []string{"k1"}, kids(got))

	// The default client: its connections close with the Set.
	own, err := New(Options{IssuerURL: p.url}) // fails: the system roots do not trust the test CA
	require.NoError(t, err)
	_, err = own.Keys(t.Context(), "k1")
	require.ErrorIs(t, err, authn.ErrUnavailable)
	require.NoError(t, own.Close())
}

func TestKeysKnownKIDAllocs(t *testing.T) {
	p, client := newTLSProvider(t)
	p.setKeys(ecKey(t, "k1"), ecKey(t, "k2"))
	s := newSet(t, p, client, Options{})
	ctx := t.Context()
	_, err := s.Keys(ctx, "k1")
	require.NoError(t, err)
	for _, kid := range []string{"k1", ""} {
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := s.Keys(ctx, kid); err != nil {
				panic(err)
			}
		})
		assert.Zero(t, allocs, "kid %q", kid)
	}
}

func BenchmarkKeys(b *testing.B) {
	p, client := newTLSProvider(b)
	var keys []jose.JSONWebKey
	for _, kid := range []string{"a", "b", "c", "d"} {
		keys = append(keys, ecKey(b, kid))
	}
	p.setKeys(keys...)
	s := newSet(b, p, client, Options{})
	_, err := s.Keys(b.Context(), "a")
	require.NoError(b, err)
	for _, kid := range []string{"c", ""} {
		name := "known_kid"
		if kid == "" {
			name = "all"
		}
		b.Run(name, func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = s.Keys(ctx, kid)
			}
		})
	}
	b.Run("known_kid/parallel", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = s.Keys(ctx, "c")
			}
		})
	})
	b.Run("unknown_kid_in_cooldown", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			_, _ = s.Keys(ctx, "zz")
		}
	})
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cc, age string
		want    time.Duration
		ok      bool
	}{
		{"", "", 0, false},
		{"public", "", 0, false},
		{"max-age=60", "", time.Minute, true},
		{"Max-Age = 60 ", "", time.Minute, true},
		{`max-age="60"`, "", time.Minute, true},
		{"max-age=60, max-age=10", "", time.Minute, true},
		{"max-age=-1", "", 0, false},
		{"max-age=60", "90", 0, true},
		{"max-age=60", "x", time.Minute, true},
		{"max-age=99999999999999", "", (1 << 31) * time.Second, true},
		{"private, no-store", "", 0, true},
		{"s-maxage=60", "", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.cc != "" {
			h.Set("Cache-Control", tt.cc)
		}
		if tt.age != "" {
			h.Set("Age", tt.age)
		}
		got, ok := maxAge(h)
		assert.Equal(t, tt.want, got, "%q age %q", tt.cc, tt.age)
		assert.Equal(t, tt.ok, ok, "%q age %q", tt.cc, tt.age)
	}
}

func FuzzMaxAge(f *testing.F) {
	for _, s := range []string{"max-age=60", "no-cache", `max-age="1"`, "a=b,,c", "max-age=99999999999999999999"} {
		f.Add(s, "10")
	}
	f.Fuzz(func(t *testing.T, cc, age string) {
		h := http.Header{"Cache-Control": {cc}, "Age": {age}}
		d, ok := maxAge(h)
		if d < 0 || d > (1<<31)*time.Second || (!ok && d != 0) {
			t.Fatalf("maxAge(%q, %q) = %v, %v", cc, age, d, ok)
		}
		if ra := retryAfter(cc, time.Now()); ra < 0 {
			t.Fatalf("retryAfter(%q) = %v", cc, ra)
		}
	})
}
