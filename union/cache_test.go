package union_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

// token600 is a bearer token of a typical service-account JWT's size.
var token600 = strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 30)[:600]

// newCache returns a Cache closed when the test ends, logging nowhere
// unless opts says otherwise.
func newCache(t testing.TB, upstream authn.TokenAuthenticator, opts union.CacheOptions) *union.Cache {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := union.NewCache(upstream, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// counting is a token authenticator whose answer depends on the token and
// which counts its calls.
type counting struct {
	calls  atomic.Int64
	answer func(ctx context.Context, token string) (*authn.Response, bool, error)
}

func (c *counting) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	c.calls.Add(1)
	return c.answer(ctx, token)
}

func TestNewCacheRefusesBadOptions(t *testing.T) {
	t.Parallel()
	ok := authntest.NoOpinion()
	tests := []struct {
		name     string
		upstream authn.TokenAuthenticator
		opts     union.CacheOptions
	}{
		{name: "nil authenticator", opts: union.CacheOptions{}},
		{name: "negative SuccessTTL", upstream: ok, opts: union.CacheOptions{SuccessTTL: -time.Second}},
		{name: "negative FailureTTL", upstream: ok, opts: union.CacheOptions{FailureTTL: -time.Second}},
		{name: "negative MaxEntries", upstream: ok, opts: union.CacheOptions{MaxEntries: -1}},
		{name: "negative Timeout", upstream: ok, opts: union.CacheOptions{Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := union.NewCache(tt.upstream, tt.opts)
			require.Error(t, err)
			assert.Nil(t, c)
		})
	}
}

func TestCacheHitAndMiss(t *testing.T) {
	t.Parallel()
	up := authntest.Succeed(alice)
	c := newCache(t, up, union.CacheOptions{})
	ctx := t.Context()

	resp, ok, err := c.AuthenticateToken(ctx, token600)
	authntest.AssertUser(t, alice, resp, ok, err)
	assert.EqualValues(t, 1, up.Calls(), "a miss asks upstream")

	resp2, ok, err := c.AuthenticateToken(ctx, token600)
	authntest.AssertUser(t, alice, resp2, ok, err)
	assert.Same(t, resp, resp2, "a hit returns the cached response")
	assert.EqualValues(t, 1, up.Calls(), "a hit does not ask upstream")

	_, _, _ = c.AuthenticateToken(ctx, token600+"x")
	assert.EqualValues(t, 2, up.Calls(), "another token is another entry")
	assert.Equal(t, 2, c.Len())
}

func TestCacheSuccessTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts union.CacheOptions
		ttl  time.Duration
	}{
		{name: "zero is the default", opts: union.CacheOptions{}, ttl: union.DefaultSuccessTTL},
		{name: "explicit", opts: union.CacheOptions{SuccessTTL: time.Minute}, ttl: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				up := authntest.Succeed(alice)
				c := newCache(t, up, tt.opts)
				ask := func() {
					t.Helper()
					resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
					authntest.AssertUser(t, alice, resp, ok, err)
				}
				ask()
				time.Sleep(tt.ttl - time.Nanosecond)
				ask()
				assert.EqualValues(t, 1, up.Calls(), "still cached just before the TTL")
				time.Sleep(time.Nanosecond)
				ask()
				assert.EqualValues(t, 2, up.Calls(), "expired at the TTL")
				ask()
				assert.EqualValues(t, 2, up.Calls(), "cached again")
			})
		})
	}
}

func TestCacheNeverOutlivesExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setExpiry   bool
		expiresIn   time.Duration // Expiry relative to the first call
		cachedUntil time.Duration // 0: not cached at all
	}{
		{name: "no expiry: the TTL", cachedUntil: union.DefaultSuccessTTL},
		{name: "expiry before the TTL", setExpiry: true, expiresIn: 3 * time.Second, cachedUntil: 3 * time.Second},
		{name: "expiry after the TTL", setExpiry: true, expiresIn: time.Hour, cachedUntil: union.DefaultSuccessTTL},
		{name: "already expired: not cached", setExpiry: true, expiresIn: -time.Second},
		{name: "expiring now: not cached", setExpiry: true, expiresIn: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				resp := &authn.Response{User: alice}
				if tt.setExpiry {
					resp.Expiry = time.Now().Add(tt.expiresIn)
				}
				up := &authntest.Fake{Response: resp, OK: true}
				c := newCache(t, up, union.CacheOptions{})
				ask := func() {
					t.Helper()
					got, ok, err := c.AuthenticateToken(t.Context(), "tok")
					authntest.AssertUser(t, alice, got, ok, err)
				}
				ask()
				if tt.cachedUntil == 0 {
					ask()
					assert.EqualValues(t, 2, up.Calls(), "an expired success is returned but not cached")
					assert.Zero(t, c.Len())
					return
				}
				time.Sleep(tt.cachedUntil - time.Nanosecond)
				ask()
				assert.EqualValues(t, 1, up.Calls(), "cached until just before %v", tt.cachedUntil)
				time.Sleep(time.Nanosecond)
				ask()
				assert.EqualValues(t, 2, up.Calls(), "expired at %v", tt.cachedUntil)
			})
		})
	}
}

func TestCacheFailureTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		upstream   func() *authntest.Fake
		failureTTL time.Duration
		errors     bool // CacheErrors
		cached     bool
	}{
		{name: "no opinion, default: not cached", upstream: authntest.NoOpinion},
		{name: "error, default: not cached", upstream: func() *authntest.Fake { return authntest.Fail(errA) }},
		{name: "no opinion cached for FailureTTL", upstream: authntest.NoOpinion, failureTTL: time.Minute, cached: true},
		{name: "error not cached by default, even with FailureTTL", upstream: func() *authntest.Fake { return authntest.Fail(errA) }, failureTTL: time.Minute},
		{name: "error cached for FailureTTL with CacheErrors", upstream: func() *authntest.Fake { return authntest.Fail(errA) }, failureTTL: time.Minute, errors: true, cached: true},
		{name: "success without response cached as an error", upstream: func() *authntest.Fake { return &authntest.Fake{OK: true} }, failureTTL: time.Minute, errors: true, cached: true},
		{name: "unavailable never cached", upstream: func() *authntest.Fake { return authntest.Fail(errUnavailable) }, failureTTL: time.Minute, errors: true},
		{name: "joined unavailable never cached", upstream: func() *authntest.Fake {
			return authntest.Fail(errors.Join(errUnavailable, &authn.UnavailableError{}))
		}, failureTTL: time.Minute, errors: true},
		{name: "deadline exceeded never cached", upstream: func() *authntest.Fake {
			return authntest.Fail(fmt.Errorf("webhook: %w", context.DeadlineExceeded))
		}, failureTTL: time.Minute, errors: true},
		{name: "canceled never cached", upstream: func() *authntest.Fake { return authntest.Fail(context.Canceled) }, failureTTL: time.Minute, errors: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				up := tt.upstream()
				wantErr := up.Err
				c := newCache(t, up, union.CacheOptions{FailureTTL: tt.failureTTL, CacheErrors: tt.errors})
				ask := func() {
					t.Helper()
					resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
					authntest.CheckOutcome(t, resp, ok, err)
					assert.False(t, ok)
					if wantErr != nil {
						assert.ErrorIs(t, err, wantErr)
					} else if up.OK {
						assert.ErrorIs(t, err, union.ErrNoResponse)
					} else {
						assert.NoError(t, err)
					}
				}
				ask()
				ask()
				if !tt.cached {
					assert.EqualValues(t, 2, up.Calls(), "not cached")
					assert.Zero(t, c.Len())
					return
				}
				assert.EqualValues(t, 1, up.Calls(), "cached")
				time.Sleep(tt.failureTTL - time.Nanosecond)
				ask()
				assert.EqualValues(t, 1, up.Calls(), "cached until just before FailureTTL")
				time.Sleep(time.Nanosecond)
				ask()
				assert.EqualValues(t, 2, up.Calls(), "expired at FailureTTL")
			})
		})
	}
}

func TestCacheKeysOnAudiences(t *testing.T) {
	t.Parallel()
	up := &counting{answer: func(ctx context.Context, _ string) (*authn.Response, bool, error) {
		return &authn.Response{User: alice, Audiences: authn.AudiencesFrom(ctx)}, true, nil
	}}
	c := newCache(t, up, union.CacheOptions{})
	ctxs := []context.Context{
		t.Context(),
		authn.WithAudiences(t.Context(), []string{"a"}),
		authn.WithAudiences(t.Context(), []string{"b"}),
		authn.WithAudiences(t.Context(), []string{"a", "b"}),
		authn.WithAudiences(t.Context(), []string{"ab"}),
	}
	for round := range 2 {
		for i, ctx := range ctxs {
			resp, ok, err := c.AuthenticateToken(ctx, "same-token")
			authntest.AssertUser(t, alice, resp, ok, err)
			assert.Equal(t, authn.AudiencesFrom(ctx), resp.Audiences, "round %d, context %d gets its own answer", round, i)
		}
	}
	assert.EqualValues(t, len(ctxs), up.calls.Load(), "one upstream call per audience set")
}

// An AudienceAgnostic member answers differently for no accepted audiences
// (any token) and an empty list of them (none matches): the cache must
// not hand one's answer to the other.
func TestCacheTellsNilFromEmptyAudiences(t *testing.T) {
	t.Parallel()
	up := &counting{answer: func(context.Context, string) (*authn.Response, bool, error) {
		return &authn.Response{User: alice}, true, nil
	}}
	c := newCache(t, authn.AudienceAgnostic([]string{"api"}, up), union.CacheOptions{FailureTTL: time.Minute})
	resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
	authntest.AssertUser(t, alice, resp, ok, err)
	for range 2 {
		resp, ok, err = c.AuthenticateToken(authn.WithAudiences(t.Context(), []string{}), "tok")
		authntest.CheckOutcome(t, resp, ok, err)
		require.NoError(t, err)
		require.False(t, ok, "an empty audience list matches nothing, cached or not")
	}
	assert.EqualValues(t, 1, up.calls.Load())
}

func TestCacheConcurrentMissesShareOneCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		up := &counting{answer: func(context.Context, string) (*authn.Response, bool, error) {
			<-release
			return &authn.Response{User: alice}, true, nil
		}}
		c := newCache(t, up, union.CacheOptions{})
		const callers = 1000
		var wg sync.WaitGroup
		var succeeded atomic.Int64
		for range callers {
			wg.Go(func() {
				resp, ok, err := c.AuthenticateToken(t.Context(), token600)
				if authntest.AssertUser(t, alice, resp, ok, err) {
					succeeded.Add(1)
				}
			})
		}
		synctest.Wait() // every caller is waiting on the one call
		close(release)
		wg.Wait()
		assert.EqualValues(t, 1, up.calls.Load(), "one upstream call for all callers")
		assert.EqualValues(t, callers, succeeded.Load())
	})
}

func TestCacheCancelledCallerDoesNotPoison(t *testing.T) {
	t.Parallel()
	for _, leaderCancels := range []bool{true, false} {
		t.Run(fmt.Sprintf("leader cancels %v", leaderCancels), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				var upstreamCtxErr error
				up := &counting{answer: func(ctx context.Context, _ string) (*authn.Response, bool, error) {
					<-release
					upstreamCtxErr = ctx.Err()
					return &authn.Response{User: alice}, true, nil
				}}
				c := newCache(t, up, union.CacheOptions{})

				cancelCtx, cancel := context.WithCancel(t.Context())
				first, second := cancelCtx, t.Context()
				if !leaderCancels {
					first, second = second, first
				}
				type answer struct {
					resp *authn.Response
					ok   bool
					err  error
				}
				ask := func(ctx context.Context) <-chan answer {
					ch := make(chan answer, 1)
					go func() {
						resp, ok, err := c.AuthenticateToken(ctx, "tok")
						ch <- answer{resp, ok, err}
					}()
					synctest.Wait()
					return ch
				}
				firstCh := ask(first) // starts the upstream call
				secondCh := ask(second)
				cancelledCh, waitingCh := firstCh, secondCh
				if !leaderCancels {
					cancelledCh, waitingCh = secondCh, firstCh
				}

				cancel()
				got := <-cancelledCh
				authntest.CheckOutcome(t, got.resp, got.ok, got.err)
				require.ErrorIs(t, got.err, context.Canceled)
				assert.True(t, authn.IsUnavailable(got.err), "a caller that gives up could not check, it was not rejected")

				close(release)
				got = <-waitingCh
				authntest.AssertUser(t, alice, got.resp, got.ok, got.err)
				assert.NoError(t, upstreamCtxErr, "the shared call is not cancelled with its first caller")

				resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
				authntest.AssertUser(t, alice, resp, ok, err)
				assert.EqualValues(t, 1, up.calls.Load(), "the answer was cached")
			})
		})
	}
}

func TestCacheCallerDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		up := &counting{answer: func(ctx context.Context, _ string) (*authn.Response, bool, error) {
			time.Sleep(time.Second)
			return &authn.Response{User: alice}, true, nil
		}}
		c := newCache(t, up, union.CacheOptions{})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		resp, ok, err := c.AuthenticateToken(ctx, "tok")
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, authn.ErrUnavailable)

		time.Sleep(time.Second) // the shared call goes on, finishes and is cached
		synctest.Wait()
		resp, ok, err = c.AuthenticateToken(t.Context(), "tok")
		authntest.AssertUser(t, alice, resp, ok, err)
		assert.EqualValues(t, 1, up.calls.Load())
	})
}

func TestCacheDoneContextDoesNotCallUpstream(t *testing.T) {
	t.Parallel()
	up := authntest.Succeed(alice)
	c := newCache(t, up, union.CacheOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	resp, ok, err := c.AuthenticateToken(ctx, "tok")
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, authn.IsUnavailable(err))
	assert.Zero(t, up.Calls())
}

func TestCacheSharedCallTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    union.CacheOptions
		timeout time.Duration
	}{
		{name: "default", opts: union.CacheOptions{FailureTTL: time.Minute}, timeout: union.DefaultTimeout},
		{name: "explicit", opts: union.CacheOptions{Timeout: 5 * time.Second, FailureTTL: time.Minute}, timeout: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var waited time.Duration
				up := &counting{answer: func(ctx context.Context, _ string) (*authn.Response, bool, error) {
					start := time.Now()
					<-ctx.Done()
					waited = time.Since(start)
					// An authenticator that reports its own timeout as a plain
					// rejection: still not cached, the shared call was cut short.
					return nil, false, errA
				}}
				c := newCache(t, up, tt.opts)
				_, _, err := c.AuthenticateToken(t.Context(), "tok")
				require.ErrorIs(t, err, errA)
				assert.Equal(t, tt.timeout, waited, "the shared call's own timeout (fake time)")
				_, _, _ = c.AuthenticateToken(t.Context(), "tok")
				assert.EqualValues(t, 2, up.calls.Load(), "an answer cut short by the timeout is not cached")
			})
		})
	}
}

func TestCacheNoOpinionAfterTimeoutIsNotCached(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		up := &counting{answer: func(ctx context.Context, _ string) (*authn.Response, bool, error) {
			<-ctx.Done()
			return nil, false, nil
		}}
		c := newCache(t, up, union.CacheOptions{FailureTTL: time.Hour, Timeout: time.Second})
		for range 2 {
			resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
			authntest.CheckOutcome(t, resp, ok, err)
			require.False(t, ok)
			require.NoError(t, err)
		}
		assert.EqualValues(t, 2, up.calls.Load())
	})
}

func TestCacheUpstreamGoexit(t *testing.T) {
	t.Parallel()
	up := &counting{answer: func(context.Context, string) (*authn.Response, bool, error) {
		runtime.Goexit()
		return nil, false, nil
	}}
	c := newCache(t, up, union.CacheOptions{FailureTTL: time.Hour})
	for range 2 {
		resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
		authntest.CheckOutcome(t, resp, ok, err)
		require.Error(t, err)
	}
	assert.EqualValues(t, 2, up.calls.Load(), "not cached")
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		upstream authn.TokenAuthenticator
		opts     union.CacheOptions
		max      int
	}{
		{name: "flood of bad tokens", upstream: authntest.Fail(errA), opts: union.CacheOptions{FailureTTL: time.Hour, CacheErrors: true, MaxEntries: 100}, max: 100},
		{name: "flood of good tokens", upstream: authntest.Succeed(alice), opts: union.CacheOptions{MaxEntries: 100}, max: 100},
		{name: "default bound", upstream: authntest.Fail(errA), opts: union.CacheOptions{FailureTTL: time.Hour, CacheErrors: true}, max: union.DefaultMaxEntries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t, tt.upstream, tt.opts)
			ctx := t.Context()
			for i := range tt.max + 2000 {
				_, _, _ = c.AuthenticateToken(ctx, fmt.Sprintf("bad-token-%d", i))
				if c.Len() > tt.max {
					t.Fatalf("%d entries after %d tokens, want at most %d", c.Len(), i+1, tt.max)
				}
			}
			assert.Equal(t, tt.max, c.Len())
		})
	}
}

// TestCacheEviction uses a cache of 8 entries, no more than one eviction
// sample, so that which entry goes is deterministic.
func TestCacheEviction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sleep time.Duration // after filling the cache
	}{
		{name: "expired entries go first", sleep: 2 * time.Minute},
		{name: "then the one closest to expiry", sleep: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				up := &counting{answer: func(_ context.Context, token string) (*authn.Response, bool, error) {
					if token == "good" {
						return &authn.Response{User: alice}, true, nil
					}
					return nil, false, errA
				}}
				c := newCache(t, up, union.CacheOptions{SuccessTTL: time.Hour, FailureTTL: time.Minute, CacheErrors: true, MaxEntries: 8})
				ctx := t.Context()
				_, _, _ = c.AuthenticateToken(ctx, "good")
				for i := range 7 {
					time.Sleep(time.Second)
					_, _, _ = c.AuthenticateToken(ctx, fmt.Sprintf("bad-%d", i))
				}
				require.Equal(t, 8, c.Len())
				time.Sleep(tt.sleep)
				_, _, _ = c.AuthenticateToken(ctx, "bad-new")
				if tt.sleep > 0 {
					assert.Equal(t, 2, c.Len(), "every expired entry went: only good and bad-new are left")
				} else {
					assert.Equal(t, 8, c.Len(), "one entry made room")
				}
				calls := up.calls.Load()
				resp, ok, err := c.AuthenticateToken(ctx, "good")
				authntest.AssertUser(t, alice, resp, ok, err)
				assert.Equal(t, calls, up.calls.Load(), "the long-lived success stayed cached")
				if tt.sleep == 0 {
					_, _, _ = c.AuthenticateToken(ctx, "bad-0")
					assert.Equal(t, calls+1, up.calls.Load(), "the entry closest to expiry was evicted")
					_, _, _ = c.AuthenticateToken(ctx, "bad-6")
					assert.Equal(t, calls+1, up.calls.Load(), "the others stayed")
				}
			})
		})
	}
}

func TestCacheHoldsToShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		upstream *authntest.Fake
		wantErr  error
	}{
		{name: "success with error is the error", upstream: &authntest.Fake{Response: &authn.Response{User: bob}, OK: true, Err: errB}, wantErr: errB},
		{name: "success without response is an error", upstream: &authntest.Fake{OK: true}, wantErr: union.ErrNoResponse},
		{name: "response without success is no opinion", upstream: &authntest.Fake{Response: &authn.Response{User: bob}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t, tt.upstream, union.CacheOptions{FailureTTL: time.Minute, CacheErrors: true})
			for range 2 { // miss, then hit
				resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
				authntest.CheckOutcome(t, resp, ok, err)
				assert.False(t, ok)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				} else {
					assert.NoError(t, err)
				}
			}
			assert.EqualValues(t, 1, tt.upstream.Calls())
		})
	}
}

func TestCacheCrashReleasesEveryWaiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		crash func()
	}{
		{name: "panic", crash: func() { panic("boom") }},
		{name: "Goexit", crash: runtime.Goexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				up := &counting{answer: func(context.Context, string) (*authn.Response, bool, error) {
					<-release
					tt.crash()
					return &authn.Response{User: alice}, true, nil
				}}
				c := newCache(t, up, union.CacheOptions{FailureTTL: time.Hour, CacheErrors: true})
				const callers = 3
				errs := make(chan error, callers)
				for range callers {
					go func() {
						resp, ok, err := c.AuthenticateToken(t.Context(), "tok")
						authntest.CheckOutcome(t, resp, ok, err)
						errs <- err
					}()
				}
				synctest.Wait() // every caller waits on the one call
				close(release)
				for range callers {
					err := <-errs
					require.Error(t, err)
					assert.False(t, authn.IsUnavailable(err), "a crash is a bug, not an outage")
				}
				assert.EqualValues(t, 1, up.calls.Load(), "one call for all the waiters")
			})
		})
	}
}

func TestCachePanicIsRecoveredWithoutToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token-in-panic"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	up := &counting{answer: func(_ context.Context, token string) (*authn.Response, bool, error) {
		panic("bad token " + token)
	}}
	c := newCache(t, up, union.CacheOptions{Logger: logger, FailureTTL: time.Minute})
	for range 2 {
		resp, ok, err := c.AuthenticateToken(t.Context(), token)
		authntest.CheckOutcome(t, resp, ok, err)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), token)
	}
	assert.EqualValues(t, 2, up.calls.Load(), "a panic is not cached")
	assert.Contains(t, logs.String(), "token authenticator panicked")
	assert.Contains(t, logs.String(), "panic_type=string")
	assert.NotContains(t, logs.String(), token)
}

func TestCacheClose(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var upstreamErr error
		up := &counting{answer: func(ctx context.Context, token string) (*authn.Response, bool, error) {
			if token == "cached" {
				return &authn.Response{User: alice}, true, nil
			}
			<-ctx.Done()
			upstreamErr = ctx.Err()
			return nil, false, &authn.UnavailableError{Err: ctx.Err()}
		}}
		c, err := union.NewCache(up, union.CacheOptions{})
		require.NoError(t, err)
		_, _, _ = c.AuthenticateToken(t.Context(), "cached")

		done := make(chan error, 1)
		go func() {
			_, _, err := c.AuthenticateToken(t.Context(), "slow")
			done <- err
		}()
		synctest.Wait() // the slow call is in flight
		require.NoError(t, c.Close())
		assert.ErrorIs(t, upstreamErr, context.Canceled, "Close cancelled the call in flight and waited for it")
		assert.True(t, authn.IsUnavailable(<-done))

		resp, ok, err := c.AuthenticateToken(t.Context(), "cached")
		authntest.AssertUser(t, alice, resp, ok, err)
		_, _, err = c.AuthenticateToken(t.Context(), "new")
		assert.True(t, authn.IsUnavailable(err), "a miss after Close is unavailable")
		assert.EqualValues(t, 2, up.calls.Load())
		require.NoError(t, c.Close(), "Close is idempotent")
	})
}

func TestCacheLogsWhenFull(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c := newCache(t, authntest.Succeed(alice), union.CacheOptions{MaxEntries: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 5 {
		_, _, _ = c.AuthenticateToken(t.Context(), fmt.Sprintf("secret-%d", i))
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "token cache full"), "logged once")
	assert.NotContains(t, logs.String(), "secret-")
}

func TestCacheHitDoesNotAllocate(t *testing.T) {
	c := newCache(t, authntest.Succeed(alice), union.CacheOptions{})
	ctx := authn.WithAudiences(t.Context(), []string{"https://kubernetes.default.svc"})
	_, ok, err := c.AuthenticateToken(ctx, token600)
	require.True(t, ok)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() { _, _, _ = c.AuthenticateToken(ctx, token600) })
	assert.Zero(t, allocs)
}
