package union

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// Defaults of [CacheOptions], and the values kube-apiserver uses.
const (
	// DefaultSuccessTTL is how long a success is kept when
	// [CacheOptions.SuccessTTL] is zero: 10s, kube-apiserver's
	// TokenSuccessCacheTTL (NewBuiltInAuthenticationOptions in
	// k8s.io/kubernetes/pkg/kubeapiserver/options/authentication.go), which
	// it applies to the union of all its token authenticators.
	DefaultSuccessTTL = 10 * time.Second
	// DefaultFailureTTL is how long a failure is kept when
	// [CacheOptions.FailureTTL] is zero: 0, failures are not cached, as
	// kube-apiserver's TokenFailureCacheTTL (same file).
	DefaultFailureTTL time.Duration = 0
	// DefaultMaxEntries bounds the cache when [CacheOptions.MaxEntries] is
	// zero: 32768 entries, a few MiB. Kubernetes' token cache has no bound;
	// 32k entries is the size a comment in its source calls a 2x safety
	// margin over the 5k nodes and 10k namespaces Kubernetes supports
	// (k8s.io/apiserver/pkg/authentication/token/cache/cached_token_authenticator.go).
	DefaultMaxEntries = 32 << 10
	// DefaultTimeout bounds the shared upstream call of a cache miss when
	// [CacheOptions.Timeout] is zero: 30s, Kubernetes' sharedLookupTimeout
	// (k8s.io/apiserver/pkg/authentication/token/cache/cached_token_authenticator.go).
	DefaultTimeout = 30 * time.Second
)

// CacheOptions configures [NewCache]. The zero value caches successes for
// [DefaultSuccessTTL], does not cache failures, and holds at most
// [DefaultMaxEntries] entries: kube-apiserver's token cache, bounded.
// Negative values are refused by NewCache.
type CacheOptions struct {
	// SuccessTTL is how long (resp, true, nil) is kept, and never past
	// resp.Expiry when that is set. Zero: [DefaultSuccessTTL]. To cache no
	// successes, use the token authenticator directly.
	SuccessTTL time.Duration
	// FailureTTL is how long no opinion (nil, false, nil) is kept, and
	// errors (nil, false, err) too with CacheErrors. Zero:
	// [DefaultFailureTTL], which caches no failures.
	FailureTTL time.Duration
	// CacheErrors keeps errors for FailureTTL as well, as kube-apiserver's
	// outer token cache does (cacheErrs true). False, the default, keeps
	// only successes and no opinion, as kube-apiserver's webhook cache does:
	// a transient failure (a 404 during a rolling deploy, "backend timeout")
	// is asked again on the next request. Errors that are
	// [authn.IsUnavailable], or that match context.Canceled or
	// context.DeadlineExceeded, are never kept either way.
	CacheErrors bool
	// MaxEntries bounds the number of cached answers. When the cache is
	// full, an insert first drops expired entries and otherwise the entry
	// closest to expiry, both among a few picked at random, so inserting
	// stays O(1). Zero: [DefaultMaxEntries].
	MaxEntries int
	// Timeout bounds the upstream call a miss makes on behalf of all
	// concurrent callers of the same token. Zero: [DefaultTimeout].
	Timeout time.Duration
	// Logger receives lifecycle events (the cache filling up, a panic in
	// the wrapped authenticator); never a token. Nil: slog.Default(),
	// resolved once in NewCache.
	Logger *slog.Logger
	// Observer receives one [authn.TokenCacheEvent] per lookup (hit or
	// miss, and how long it took) and [authn.TokenCacheFetchEvent]s for
	// the shared upstream calls and the callers waiting for them, as
	// Kubernetes' token cache metrics count them. Nil, or nil fields:
	// nothing is recorded, and a hit reads no clock for it.
	Observer *authn.Observer
}

// Cache is an [authn.TokenAuthenticator] that remembers the answers of
// another one, as kube-apiserver's token cache does. Create it with
// [NewCache]. It is safe for concurrent use.
//
// Answers are keyed by HMAC-SHA256, under a random 32-byte key of this
// Cache, of the accepted audiences ([authn.AudiencesFrom]) and the token:
// the cache never holds a token, and the same token presented for other
// audiences is a different entry. A hit does not allocate: it costs one
// such hash, a clock read, a read lock and a map lookup.
//
// Concurrent misses for the same key make one upstream call, which runs
// under the first caller's context values without its cancellation, bounded
// by [CacheOptions.Timeout]. Each caller waits only as long as its own
// context allows: one whose context ends first gets an error matching
// [authn.ErrUnavailable] and its context's error, and the shared call goes
// on for the others. An answer cut short by that timeout or by Close is
// passed on, never cached.
//
// The wrapped authenticator's answers are held to the three shapes as in
// [Requests.AuthenticateRequest]; responses are returned shared and read-only,
// errors as they are. A panic (or runtime.Goexit) in it is recovered,
// logged without the token, and returned as an error to every waiter;
// it is never cached.
//
// An expired entry counts as a miss and is dropped lazily, when its key is
// stored again or an insert into the full cache needs room: the Cache runs
// no background goroutine. Only a miss starts one, for its shared call,
// and it ends with the call; Close cancels the calls in flight and waits
// for them.
type Cache struct {
	t          authn.TokenAuthenticator
	successTTL time.Duration
	failureTTL time.Duration
	keepErrors bool
	timeout    time.Duration
	maxEntries int
	logger     *slog.Logger
	onLookup   func(authn.TokenCacheEvent)      // nil: not observed
	onFetch    func(authn.TokenCacheFetchEvent) // nil: not observed

	keys *hasher

	mu       sync.RWMutex
	entries  map[[sha256.Size]byte]entry
	warnFull bool // guarded by mu: the "cache full" warning was logged

	flightMu sync.Mutex // guards flights and closed, and running.Add
	flights  map[[sha256.Size]byte]*flight
	closed   bool
	running  sync.WaitGroup // one per flight, done when its goroutine returns
}

var (
	_ authn.TokenAuthenticator = (*Cache)(nil)
	_ io.Closer                = (*Cache)(nil)
)

// entry is one cached answer, in one of the three shapes.
type entry struct {
	resp *authn.Response
	err  error
	// expires always carries a monotonic clock reading, so that a hit can
	// check it with time.Until, which reads only the monotonic clock.
	expires time.Time
	ok      bool
}

var (
	errClosed   = errors.New("union: token cache closed")
	errPanicked = errors.New("union: token authenticator panicked or called runtime.Goexit")
)

// NewCache returns a Cache in front of t. It fails, with an error that
// matches no authn sentinel, if t is nil or an option is negative. It makes
// no call to t and starts no goroutine.
func NewCache(t authn.TokenAuthenticator, opts CacheOptions) (*Cache, error) {
	switch {
	case t == nil:
		return nil, errors.New("union: token cache needs a token authenticator")
	case opts.SuccessTTL < 0:
		return nil, fmt.Errorf("union: negative SuccessTTL %v", opts.SuccessTTL)
	case opts.FailureTTL < 0:
		return nil, fmt.Errorf("union: negative FailureTTL %v", opts.FailureTTL)
	case opts.MaxEntries < 0:
		return nil, fmt.Errorf("union: negative MaxEntries %d", opts.MaxEntries)
	case opts.Timeout < 0:
		return nil, fmt.Errorf("union: negative Timeout %v", opts.Timeout)
	}
	c := &Cache{
		t:          t,
		successTTL: cmp.Or(opts.SuccessTTL, DefaultSuccessTTL),
		failureTTL: cmp.Or(opts.FailureTTL, DefaultFailureTTL),
		keepErrors: opts.CacheErrors,
		timeout:    cmp.Or(opts.Timeout, DefaultTimeout),
		maxEntries: cmp.Or(opts.MaxEntries, DefaultMaxEntries),
		logger:     cmp.Or(opts.Logger, slog.Default()),
		entries:    make(map[[sha256.Size]byte]entry),
		flights:    make(map[[sha256.Size]byte]*flight),
	}
	c.logger = c.logger.With("authenticator", "tokencache")
	if o := opts.Observer; o != nil {
		c.onLookup, c.onFetch = o.TokenCache, o.TokenCacheFetch
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("union: token cache key: %w", err)
	}
	var err error
	if c.keys, err = newHasher(key[:]); err != nil {
		return nil, fmt.Errorf("union: token cache key: %w", err)
	}
	return c, nil
}

// AuthenticateToken returns the cached answer for token and ctx's
// audiences, or asks the wrapped authenticator once for all concurrent
// callers and caches its answer: successes for SuccessTTL but never past
// resp.Expiry (an already expired success is returned, not cached);
// no opinion for FailureTTL, and errors too with CacheErrors, except
// unavailable and cancellation errors, which are never cached.
//
// When ctx ends before the answer arrives, or after Close on a miss, the
// error matches [authn.ErrUnavailable] (and, for ctx, context.Canceled or
// context.DeadlineExceeded). Other errors are the wrapped authenticator's.
func (c *Cache) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	auds := authn.AudiencesFrom(ctx)
	key := c.keys.key(auds, token)
	e, ok := c.lookup(key)
	if ok {
		if c.onLookup != nil {
			// No clock read for a hit (see authn.TokenCacheEvent): an
			// observer costs a hit one function call and its counters.
			c.onLookup(authn.TokenCacheEvent{Hit: true})
		}
		return e.resp, e.ok, e.err
	}
	if !c.keys.known(auds) {
		// Later keys for these audiences start from a saved state. Failing
		// to save one only costs speed.
		_ = c.keys.remember(auds)
	}
	var start time.Time
	if c.onLookup != nil {
		start = time.Now() // a miss's duration starts after the lookup
	}
	resp, ok, err := c.miss(ctx, key, token)
	if c.onLookup != nil {
		c.onLookup(authn.TokenCacheEvent{Duration: time.Since(start)})
	}
	return resp, ok, err
}

// Len reports the number of cached answers, counting expired ones that
// have not been dropped yet. It is at most [CacheOptions.MaxEntries].
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Close cancels the upstream calls in flight, waits for them to return and
// reports nil. Afterwards cached answers are still served, and a miss
// returns an error matching [authn.ErrUnavailable]. Close is idempotent and
// safe to call concurrently with AuthenticateToken.
func (c *Cache) Close() error {
	c.flightMu.Lock()
	c.closed = true
	for _, f := range c.flights {
		f.cancel()
	}
	c.flightMu.Unlock()
	c.running.Wait()
	return nil
}

// lookup returns the live entry for key, if any. It reads only the
// monotonic clock (time.Until on a monotonic reading), one clock read where
// time.Now takes two: on a hit the clock is a tenth of the work besides
// the keyed hash.
func (c *Cache) lookup(key [sha256.Size]byte) (entry, bool) {
	c.mu.RLock()
	e, found := c.entries[key]
	c.mu.RUnlock()
	return e, found && time.Until(e.expires) > 0
}

// flight is the one upstream call for a key that missed, shared by every
// caller that misses on the key while it runs.
type flight struct {
	done   chan struct{} // closed once e is set
	e      entry
	cancel context.CancelFunc // cancels the call's context, for Close
}

// miss runs, or joins, the one upstream call for key and waits for it as
// long as ctx allows.
func (c *Cache) miss(ctx context.Context, key [sha256.Size]byte, token string) (*authn.Response, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, &authn.UnavailableError{Err: context.Cause(ctx)}
	}
	c.flightMu.Lock()
	if c.closed {
		c.flightMu.Unlock()
		return nil, false, &authn.UnavailableError{Err: errClosed}
	}
	f, joined := c.flights[key]
	if !joined {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		f = &flight{done: make(chan struct{}), cancel: cancel}
		c.flights[key] = f
		c.running.Add(1)
		go c.fly(sctx, key, token, f)
	}
	c.flightMu.Unlock()
	if c.onFetch != nil {
		c.onFetch(authn.TokenCacheFetchEvent{Blocked: true})
		defer c.onFetch(authn.TokenCacheFetchEvent{Blocked: true, Done: true})
	}
	select {
	case <-f.done:
		return f.e.resp, f.e.ok, f.e.err
	case <-ctx.Done():
		return nil, false, &authn.UnavailableError{Err: context.Cause(ctx)}
	}
}

// fly runs the shared upstream call of f on a goroutine of its own, under
// the first caller's context values but not its cancellation, then hands
// the answer to every waiter and ends the flight. A panic or
// runtime.Goexit in the wrapped authenticator is caught by the deferred
// function on this same goroutine: it is logged and answered as
// errPanicked, never cached, and the waiters are released either way.
// (golang.org/x/sync/singleflight's DoChan would need a second goroutine
// for that: it crashes the process on a panic in its function and leaves
// the waiters blocked on a Goexit.)
func (c *Cache) fly(ctx context.Context, key [sha256.Size]byte, token string, f *flight) {
	if c.onFetch != nil {
		c.onFetch(authn.TokenCacheFetchEvent{})
	}
	returned := false
	defer func() {
		if !returned {
			// The panic value may hold anything, the token included: log
			// its type and the stack only.
			r := recover()
			c.logger.ErrorContext(ctx, "token authenticator panicked or exited its goroutine",
				"panic_type", fmt.Sprintf("%T", r), "stack", string(debug.Stack()))
			f.e = entry{err: errPanicked} // a bug, not an answer: never cached
		}
		f.cancel()
		if c.onFetch != nil {
			c.onFetch(authn.TokenCacheFetchEvent{Done: true, OK: f.e.err == nil})
		}
		c.flightMu.Lock()
		delete(c.flights, key) // after fetch stored the answer: a later miss finds it
		c.flightMu.Unlock()
		close(f.done)
		c.running.Done()
	}()
	f.e = c.fetch(ctx, key, token)
	returned = true
}

// fetch asks the wrapped authenticator for token and caches its answer
// when it may be cached.
func (c *Cache) fetch(ctx context.Context, key [sha256.Size]byte, token string) entry {
	// An earlier flight for key may have finished between our lookup and
	// the start of this one.
	if e, ok := c.lookup(key); ok {
		return e
	}
	resp, ok, err := normalize(c.t.AuthenticateToken(ctx, token))
	e := entry{resp: resp, ok: ok, err: err}
	if !ok && (ctx.Err() != nil || !c.cacheable(err)) {
		return e // cut short, or could not check: the next call retries
	}
	now := time.Now()
	if ok {
		e.expires = now.Add(c.successTTL)
		if !resp.Expiry.IsZero() && resp.Expiry.Before(e.expires) {
			// Expiry is a wall-clock time; keep the monotonic reading.
			e.expires = now.Add(resp.Expiry.Sub(now))
		}
	} else {
		e.expires = now.Add(c.failureTTL)
	}
	if now.Before(e.expires) {
		c.store(ctx, key, e, now)
	}
	return e
}

// cacheable reports whether a failure may be cached: no opinion always;
// an error only with CacheErrors, and never one that says the token could
// not be checked, which the next call must retry.
func (c *Cache) cacheable(err error) bool {
	if err == nil {
		return true
	}
	return c.keepErrors && !authn.IsUnavailable(err) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// evictionSample is how many entries an insert into a full cache looks at.
const evictionSample = 8

// store inserts e under key, making room first when the cache is full.
func (c *Cache) store(ctx context.Context, key [sha256.Size]byte, e entry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.maxEntries {
		if !c.warnFull {
			c.warnFull = true
			c.logger.WarnContext(ctx, "token cache full, evicting entries", "max_entries", c.maxEntries)
		}
		c.evictLocked(now)
	}
	c.entries[key] = e
}

// evictLocked drops the expired entries among a few picked at random
// (map iteration starts at a random place) or, if none has expired, the
// one of them closest to expiry. c.mu must be held for writing.
func (c *Cache) evictLocked(now time.Time) {
	var (
		victim    [sha256.Size]byte
		victimExp time.Time
		haveLive  bool
		dropped   bool
		seen      int
	)
	for k, e := range c.entries {
		switch {
		case !now.Before(e.expires):
			delete(c.entries, k)
			dropped = true
		case !haveLive || e.expires.Before(victimExp):
			victim, victimExp, haveLive = k, e.expires, true
		}
		if seen++; seen == evictionSample {
			break
		}
	}
	if !dropped && haveLive {
		delete(c.entries, victim)
	}
}
