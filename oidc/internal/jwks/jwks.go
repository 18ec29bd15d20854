package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/keyload"
)

// Defaults applied by [New] to zero [Options] fields.
const (
	DefaultFetchTimeout       = 10 * time.Second
	DefaultMinRefresh         = time.Minute
	DefaultMaxRefresh         = time.Hour
	DefaultUnknownKeyCooldown = 15 * time.Second
	DefaultMinBackoff         = time.Second
	DefaultMaxBackoff         = time.Minute
	DefaultMaxBodyBytes       = 1 << 20

	// LimitMaxRefresh is the largest MaxRefresh [New] accepts: a key
	// removed upstream must stop verifying within a day.
	LimitMaxRefresh = 24 * time.Hour
)

// Options configures a [Set]. Zero values take the defaults above unless
// marked Required.
type Options struct {
	// IssuerURL is Required: an absolute https (or http) URL without
	// query, fragment or user information. The discovery document's
	// "issuer" must equal it exactly.
	IssuerURL string
	// DiscoveryURL is where the OpenID Provider configuration is read.
	// Empty: IssuerURL, trailing "/" trimmed, + "/.well-known/openid-configuration".
	// Otherwise used exactly as given: an absolute https URL (http only
	// when IssuerURL is http, the rule for the discovered jwks_uri too).
	DiscoveryURL string
	// Client makes every request. The caller builds it with the issuer's
	// CA. Nil: a client of the Set's own (clone of
	// [http.DefaultTransport], system roots, FetchTimeout as its
	// timeout), whose idle connections Close closes.
	Client *http.Client
	// FetchTimeout bounds each request (discovery or JWKS). Fetches are
	// shared, so they run under context.WithoutCancel(ctx) plus this
	// timeout, and are cancelled by Close. Zero: [DefaultFetchTimeout].
	FetchTimeout time.Duration
	// MinRefresh and MaxRefresh bound the refresh interval taken from
	// the JWKS response's Cache-Control max-age (minus Age). No max-age:
	// MaxRefresh; "no-cache", "no-store" or max-age=0: MinRefresh.
	// Zero MaxRefresh: [DefaultMaxRefresh]; it may not exceed
	// [LimitMaxRefresh]. Zero MinRefresh: [DefaultMinRefresh], or
	// MaxRefresh if that is smaller.
	MinRefresh, MaxRefresh time.Duration
	// UnknownKeyCooldown is the minimum interval between the start of the
	// last fetch (of any kind) and a refetch triggered by a key ID that is
	// not loaded. Zero: [DefaultUnknownKeyCooldown].
	UnknownKeyCooldown time.Duration
	// MinBackoff and MaxBackoff bound the retry delay after a failed
	// fetch: MinBackoff doubled per consecutive failure, ±20 % jitter,
	// clamped to [MinBackoff, MaxBackoff]. Zero MaxBackoff:
	// [DefaultMaxBackoff]. Zero MinBackoff: [DefaultMinBackoff], or
	// MaxBackoff if that is smaller.
	MinBackoff, MaxBackoff time.Duration
	// MaxBodyBytes bounds discovery and JWKS bodies; a longer body is a
	// failed fetch. Zero: [DefaultMaxBodyBytes].
	MaxBodyBytes int64
	// Algorithms are the signature algorithms tokens may use. A key that
	// none of them can use — by the key's type, and by its "alg" when it
	// names one — is left out of the set and reported as skipped, so that
	// the set, [Health.Keys] and an empty set count usable keys only.
	// Empty: every key the JWKS parser accepts is kept.
	Algorithms []jwssig.Alg
	// Logger receives lifecycle events: keys loaded and rotated (Info),
	// fetch failures and skipped keys (Warn). Nil: [slog.Default]. It is
	// tagged with "issuer".
	Logger *slog.Logger
	// OnError, when set, is called with every failed fetch after it has
	// been logged, on the goroutine that fetched. It must not call
	// [Set.Close]. Nil: log only.
	OnError func(error)
	// Observer, when its KeySetFetch function is set, receives an
	// [authn.KeySetFetchEvent] after every fetch that requested the JWKS
	// (not one that failed at discovery, nor one that Close cut short),
	// on the goroutine that fetched, with the SHA-256 of the JWKS body as
	// Kubernetes hashes it. Nil: nothing is recorded.
	Observer *authn.Observer
}

// Set holds the keys of one issuer and keeps them current. Create it with
// [New]; the zero value is not usable. All methods are safe for concurrent
// use.
type Set struct {
	cur atomic.Pointer[snapshot] // nil until the first successful fetch

	issuer       string
	discoveryURL string
	allowHTTP    bool // jwks_uri may be http: the issuer is
	client       *http.Client
	ownTransport *http.Transport // closed by Close when the client is ours
	fetchTimeout time.Duration
	minRefresh   time.Duration
	maxRefresh   time.Duration
	cooldown     time.Duration
	minBackoff   time.Duration
	maxBackoff   time.Duration
	maxBody      int64
	algs         []jwssig.Alg
	logger       *slog.Logger
	onError      func(error)
	onFetch      func(authn.KeySetFetchEvent) // nil: not observed
	onUnknownKey func(authn.UnknownKeyEvent)  // nil: not observed

	life   context.Context // cancelled by Close: stops the loop and aborts fetches
	cancel context.CancelFunc
	done   chan struct{} // closed when the loop has returned
	kick   chan struct{} // the schedule changed (buffered, 1)
	sf     singleflight.Group
	fetchs sync.WaitGroup // running fetches

	mu          sync.Mutex // guards the fields below
	closed      bool
	fetching    bool      // a fetch is running
	lastStart   time.Time // start of the last fetch of any kind
	jwksURL     string    // from discovery; empty: discover first
	failures    int       // consecutive failed fetches
	lastAttempt time.Time
	lastRefresh time.Time
	lastErr     error
	nextRefresh time.Time
	skippedMsg  string // last skipped-keys report, to log changes only

	closeOnce sync.Once
}

// snapshot is an immutable key set: built, stored, never changed. It may
// hold no key: an issuer that publishes none revokes them all.
type snapshot struct {
	all   []keyload.Key
	byKID map[string][]keyload.Key
}

// Health is a point-in-time view of a [Set], for readiness checks and
// status pages.
type Health struct {
	Issuer string
	// Ready: a key set is loaded. It may hold no key (Keys is 0) when the
	// issuer publishes none that is usable.
	Ready       bool
	Keys        int // usable keys in the loaded set
	LastRefresh time.Time
	// LastAttempt is when the last fetch attempt ended.
	LastAttempt time.Time
	// LastError is the failure of the last attempt, nil after a success.
	// It does not name the issuer (Issuer does).
	LastError   error
	NextRefresh time.Time
}

var errClosed = errors.New("key set closed")

const fetchKey = "fetch"

// New validates opts and returns a Set. It does no network I/O itself: it
// starts one goroutine that fetches discovery and keys at once, retries
// with backoff until keys load, then refreshes on schedule. Close stops
// it.
func New(opts Options) (*Set, error) {
	s, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	if s.client == nil {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			s.ownTransport = t.Clone()
		} else {
			s.ownTransport = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
		}
		s.client = &http.Client{Transport: s.ownTransport, Timeout: s.fetchTimeout}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s.logger = logger.With("issuer", s.issuer)
	s.life, s.cancel = context.WithCancel(context.Background())
	s.done = make(chan struct{})
	s.kick = make(chan struct{}, 1)
	go s.run()
	return s, nil
}

// Check returns the error [New] would return for opts, without creating
// anything: when it returns nil, New(opts) succeeds.
func Check(opts Options) error {
	_, err := checkOptions(opts)
	return err
}

// checkOptions validates opts and returns a Set holding them, with defaults
// applied, and nothing started or allocated beyond the Set itself.
func checkOptions(opts Options) (*Set, error) {
	iss, err := url.Parse(opts.IssuerURL)
	switch {
	case opts.IssuerURL == "":
		return nil, errors.New("jwks: IssuerURL is required")
	case err != nil:
		return nil, fmt.Errorf("jwks: IssuerURL: %w", err)
	case iss.Scheme != "https" && iss.Scheme != "http":
		return nil, fmt.Errorf("jwks: IssuerURL %q: scheme is not https or http", opts.IssuerURL)
	case iss.Host == "":
		return nil, fmt.Errorf("jwks: IssuerURL %q: no host", opts.IssuerURL)
	case iss.User != nil || iss.RawQuery != "" || iss.Fragment != "" || iss.ForceQuery:
		return nil, fmt.Errorf("jwks: IssuerURL %q: has user information, a query or a fragment", opts.IssuerURL)
	}
	s := &Set{
		issuer:       opts.IssuerURL,
		discoveryURL: opts.DiscoveryURL,
		allowHTTP:    iss.Scheme == "http",
		client:       opts.Client,
		fetchTimeout: opts.FetchTimeout,
		minRefresh:   opts.MinRefresh,
		maxRefresh:   opts.MaxRefresh,
		cooldown:     opts.UnknownKeyCooldown,
		minBackoff:   opts.MinBackoff,
		maxBackoff:   opts.MaxBackoff,
		maxBody:      opts.MaxBodyBytes,
		algs:         slices.Clone(opts.Algorithms),
		onError:      opts.OnError,
	}
	if opts.Observer != nil {
		s.onFetch = opts.Observer.KeySetFetch
		s.onUnknownKey = opts.Observer.UnknownKey
	}
	if s.discoveryURL == "" {
		s.discoveryURL = trimSlash(opts.IssuerURL) + "/.well-known/openid-configuration"
	} else if !s.fetchable(s.discoveryURL) {
		return nil, fmt.Errorf("jwks: DiscoveryURL %q is not an absolute https URL", s.discoveryURL)
	}
	// In order: a minimum's default depends on the maximum.
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  func() time.Duration
	}{
		{"FetchTimeout", &s.fetchTimeout, func() time.Duration { return DefaultFetchTimeout }},
		{"MaxRefresh", &s.maxRefresh, func() time.Duration { return DefaultMaxRefresh }},
		{"MinRefresh", &s.minRefresh, func() time.Duration { return min(DefaultMinRefresh, s.maxRefresh) }},
		{"UnknownKeyCooldown", &s.cooldown, func() time.Duration { return DefaultUnknownKeyCooldown }},
		{"MaxBackoff", &s.maxBackoff, func() time.Duration { return DefaultMaxBackoff }},
		{"MinBackoff", &s.minBackoff, func() time.Duration { return min(DefaultMinBackoff, s.maxBackoff) }},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("jwks: negative %s %v", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def()
		}
	}
	switch {
	case s.maxRefresh > LimitMaxRefresh:
		return nil, fmt.Errorf("jwks: MaxRefresh %v exceeds %v", s.maxRefresh, LimitMaxRefresh)
	case s.minRefresh > s.maxRefresh:
		return nil, fmt.Errorf("jwks: MinRefresh %v exceeds MaxRefresh %v", s.minRefresh, s.maxRefresh)
	case s.minBackoff > s.maxBackoff:
		return nil, fmt.Errorf("jwks: MinBackoff %v exceeds MaxBackoff %v", s.minBackoff, s.maxBackoff)
	case s.maxBody < 0:
		return nil, fmt.Errorf("jwks: negative MaxBodyBytes %d", s.maxBody)
	case s.maxBody == 0:
		s.maxBody = DefaultMaxBodyBytes
	}
	return s, nil
}

// Keys returns the keys to check a signature made with key ID kid; the
// caller tries each. The slice is shared and read-only.
//
//   - kid "": every key.
//   - a loaded kid: the keys with that kid, from an atomic snapshot,
//     without locking or allocating.
//   - an unknown kid, or any kid while the loaded set is empty: if the
//     last fetch of any kind started at least UnknownKeyCooldown ago, a
//     refetch shared by all concurrent callers, then a second look. A
//     caller waits for a running fetch as long as its ctx allows;
//     cancelling ctx never cancels the fetch.
//
// On success the result is never empty. Errors: keys never loaded
// (waiting for the first fetch if it is running), or a kid still unknown
// while the latest fetch failed, give an [*authn.UnavailableError]
// (matching [authn.ErrUnavailable]) wrapping the cause, as does a ctx
// that ends while waiting; the key might exist. A kid still unknown after a
// successful fetch, or within the cooldown after one, matches
// [authn.ErrUnknownKey]; so does every kid while the issuer publishes no
// usable key, and the error says so. Errors name the issuer and the kid
// (clipped to 64 bytes). After Close, Keys serves the last loaded set and
// never fetches.
func (s *Set) Keys(ctx context.Context, kid string) ([]keyload.Key, error) {
	if ks := s.cur.Load(); ks != nil {
		if k := ks.lookup(kid); len(k) > 0 {
			return k, nil
		}
	}
	return s.keysSlow(ctx, kid)
}

// lookup returns the keys for kid: all of them for "", none for an
// unknown kid.
func (ks *snapshot) lookup(kid string) []keyload.Key {
	if kid == "" {
		return ks.all
	}
	return ks.byKID[kid]
}

func (s *Set) keysSlow(ctx context.Context, kid string) ([]keyload.Key, error) {
	var ch <-chan singleflight.Result
	s.mu.Lock()
	if !s.closed && (s.fetching || s.lastStart.IsZero() || time.Since(s.lastStart) >= s.cooldown) {
		// Joins the running fetch, or starts one that later callers join.
		ch = s.sf.DoChan(fetchKey, func() (any, error) { return nil, s.fetch(ctx) })
	}
	s.mu.Unlock()
	if s.onUnknownKey != nil && kid != "" && s.cur.Load() != nil {
		s.onUnknownKey(authn.UnknownKeyEvent{Issuer: s.issuer, Refetch: ch != nil})
	}
	var fetchErr error
	if ch != nil {
		select {
		case r := <-ch:
			fetchErr = r.Err
		case <-ctx.Done():
			if ks := s.cur.Load(); ks == nil {
				return nil, s.unavailable("keys not loaded", ctx.Err())
			}
			return nil, s.unavailable(fmt.Sprintf("kid %q: key refetch", clip(kid)), ctx.Err())
		}
	}
	ks := s.cur.Load()
	if ks != nil {
		if k := ks.lookup(kid); len(k) > 0 {
			return k, nil
		}
	}
	s.mu.Lock()
	lastErr, closed := s.lastErr, s.closed
	s.mu.Unlock()
	cause := lastErr
	if cause == nil {
		cause = fetchErr
	}
	if cause == nil && closed {
		cause = errClosed
	}
	if ks == nil {
		if cause == nil {
			cause = errors.New("no fetch has completed")
		}
		return nil, s.unavailable("keys not loaded", cause)
	}
	if lastErr != nil {
		return nil, s.unavailable(fmt.Sprintf("kid %q not loaded and the latest key fetch failed", clip(kid)), lastErr)
	}
	if len(ks.all) == 0 {
		return nil, fmt.Errorf("jwks: issuer %s: kid %q: %w: %w", s.issuer, clip(kid), authn.ErrUnknownKey, errNoUsableKey)
	}
	return nil, fmt.Errorf("jwks: issuer %s: kid %q: %w", s.issuer, clip(kid), authn.ErrUnknownKey)
}

// errNoUsableKey says that the loaded key set is empty: the issuer
// publishes no key that can verify a token, which revokes every token.
var errNoUsableKey = errors.New("the issuer publishes no usable signing key")

func (s *Set) unavailable(what string, cause error) error {
	return &authn.UnavailableError{Err: fmt.Errorf("jwks: issuer %s: %s: %w", s.issuer, what, cause)}
}

// Health reports the Set's state. It does no I/O.
func (s *Set) Health() Health {
	h := Health{Issuer: s.issuer}
	if ks := s.cur.Load(); ks != nil {
		h.Ready, h.Keys = true, len(ks.all)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h.LastRefresh, h.LastAttempt, h.LastError, h.NextRefresh = s.lastRefresh, s.lastAttempt, s.lastErr, s.nextRefresh
	return h
}

// Close stops the background goroutine, cancels a running fetch and waits
// for both to finish, and closes idle connections of a client the Set
// created. It is idempotent and returns nil. Keys keeps serving the last
// loaded set.
func (s *Set) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		<-s.done
		s.fetchs.Wait()
		if s.ownTransport != nil {
			s.ownTransport.CloseIdleConnections()
		}
	})
	return nil
}

// run is the background goroutine: it fetches when nextRefresh is due.
func (s *Set) run() {
	defer close(s.done)
	timer := time.NewTimer(0) // the first fetch, at once
	defer timer.Stop()
	for {
		select {
		case <-s.life.Done():
			return
		case <-s.kick:
		case <-timer.C:
			s.mu.Lock()
			var ch <-chan singleflight.Result
			if s.nextRefresh.IsZero() || !time.Now().Before(s.nextRefresh) {
				ch = s.sf.DoChan(fetchKey, func() (any, error) { return nil, s.fetch(s.life) })
			}
			s.mu.Unlock()
			if ch != nil {
				select {
				case <-ch:
				case <-s.life.Done():
					return
				}
			}
		}
		s.mu.Lock()
		next := s.nextRefresh
		s.mu.Unlock()
		if next.IsZero() {
			continue // a fetch is still due and its outcome will kick
		}
		timer.Reset(time.Until(next))
	}
}

// fetch runs one discovery (when needed) and JWKS fetch, under the
// singleflight; ctx is the starter's, used for its values only.
func (s *Set) fetch(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.fetchs.Add(1)
	defer s.fetchs.Done()
	s.fetching = true
	s.lastStart = time.Now()
	jwksURL := s.jwksURL
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()

	res, requested, err := s.load(ctx, jwksURL)
	now := time.Now()
	if err != nil && s.life.Err() != nil {
		err = errClosed // Close interrupted it: not a provider failure
		s.mu.Lock()
		s.fetching = false
		s.mu.Unlock()
		return err
	}

	s.mu.Lock()
	s.fetching = false
	s.lastAttempt = now
	old := s.cur.Load()
	var retryIn time.Duration
	var skippedMsg string
	logSkipped := false
	if err != nil {
		s.jwksURL = "" // it may have moved: discover again
		s.failures++
		s.lastErr = err
		retryIn = s.backoff(s.failures, err)
	} else {
		s.jwksURL = res.jwksURL
		s.failures = 0
		s.lastErr = nil
		s.lastRefresh = now
		retryIn = s.refreshInterval(res)
		s.cur.Store(newSnapshot(res.keys))
		if len(res.skipped) > 0 {
			skippedMsg = errors.Join(res.skipped...).Error()
		}
		logSkipped = skippedMsg != s.skippedMsg && skippedMsg != ""
		s.skippedMsg = skippedMsg
	}
	s.nextRefresh = now.Add(retryIn)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	if s.onFetch != nil && requested {
		ev := authn.KeySetFetchEvent{Issuer: s.issuer, OK: err == nil, Time: now, NextRefresh: now.Add(retryIn)}
		if err == nil {
			ev.Keys, ev.KeySetHash = len(res.keys), res.hash
		} else if old != nil {
			ev.Keys = len(old.all)
		}
		s.onFetch(ev)
	}

	if err != nil {
		if old != nil {
			s.logger.WarnContext(ctx, "key fetch failed, keeping previous keys", "err", err, "retry_in", retryIn)
		} else {
			s.logger.WarnContext(ctx, "key fetch failed, no keys loaded", "err", err, "retry_in", retryIn)
		}
		if s.onError != nil {
			s.onError(fmt.Errorf("jwks: issuer %s: %w", s.issuer, err))
		}
		return err
	}
	if len(res.keys) == 0 {
		// A well-formed set with no usable key is the provider's current
		// answer, not a failure: it revokes every key. Said loudly, once
		// per change.
		if old == nil || len(old.all) > 0 {
			s.logger.ErrorContext(ctx, "issuer publishes no usable signing key: every token of this issuer is refused until it publishes one",
				"jwks_uri", res.jwksURL, "skipped", skippedMsg, "refresh_in", retryIn)
		} else {
			s.logger.DebugContext(ctx, "keys refreshed, still no usable signing key", "refresh_in", retryIn)
		}
		return nil
	}
	if logSkipped {
		s.logger.WarnContext(ctx, "keys skipped", "err", skippedMsg)
	}
	s.logRotation(ctx, old, res.keys, retryIn)
	return nil
}

func (s *Set) logRotation(ctx context.Context, old *snapshot, keys []keyload.Key, next time.Duration) {
	kids := func(ks []keyload.Key) []string {
		out := make([]string, 0, len(ks))
		for _, k := range ks {
			out = append(out, clip(k.KeyID))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	now := kids(keys)
	if old == nil || len(old.all) == 0 {
		s.logger.InfoContext(ctx, "keys loaded", "keys", len(keys), "kids", now, "refresh_in", next)
		return
	}
	before := kids(old.all)
	var added, removed []string
	for _, k := range now {
		if _, ok := slices.BinarySearch(before, k); !ok {
			added = append(added, k)
		}
	}
	for _, k := range before {
		if _, ok := slices.BinarySearch(now, k); !ok {
			removed = append(removed, k)
		}
	}
	if len(added) > 0 || len(removed) > 0 {
		s.logger.InfoContext(ctx, "keys rotated", "added", added, "removed", removed, "keys", len(keys), "refresh_in", next)
		return
	}
	s.logger.DebugContext(ctx, "keys refreshed", "keys", len(keys), "refresh_in", next)
}

func newSnapshot(keys []keyload.Key) *snapshot {
	ks := &snapshot{all: slices.Clip(slices.Clone(keys)), byKID: make(map[string][]keyload.Key)}
	for _, k := range ks.all {
		ks.byKID[k.KeyID] = append(ks.byKID[k.KeyID], k)
	}
	for kid, v := range ks.byKID {
		ks.byKID[kid] = slices.Clip(v) // an append by a caller must not write into the set
	}
	return ks
}

// refreshInterval is clamp(max-age - Age, MinRefresh, MaxRefresh), or
// MaxRefresh without max-age.
func (s *Set) refreshInterval(res *result) time.Duration {
	if !res.hasMaxAge {
		return s.maxRefresh
	}
	return min(max(res.maxAge, s.minRefresh), s.maxRefresh)
}

// backoff is the delay after failures consecutive failures: MinBackoff
// doubled per failure, ±20 % jitter, at least a Retry-After the provider
// sent, clamped to [MinBackoff, MaxBackoff].
func (s *Set) backoff(failures int, err error) time.Duration {
	d := s.minBackoff
	for i := 1; i < failures && d < s.maxBackoff; i++ {
		if d > s.maxBackoff/2 {
			d = s.maxBackoff
			break
		}
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	if se, ok := errors.AsType[*statusError](err); ok && se.retryAfter > d {
		d = se.retryAfter
	}
	return min(max(d, s.minBackoff), s.maxBackoff)
}

// fetchable reports whether u is an absolute URL the Set may fetch:
// https, or http when the issuer is http.
func (s *Set) fetchable(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Host != "" && (p.Scheme == "https" || (p.Scheme == "http" && s.allowHTTP))
}

// clip bounds a key ID quoted in errors and logs.
func clip(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
