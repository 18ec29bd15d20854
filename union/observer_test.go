package union_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

// gauges replays TokenCacheFetchEvents into Kubernetes' metrics:
// active_fetch_count{in_flight}, {blocked} and fetch_total{ok}, {error}.
type gauges struct{ inFlight, blocked, ok, failed int }

func replay(events []authn.TokenCacheFetchEvent) gauges {
	var g gauges
	for _, e := range events {
		step := 1
		if e.Done {
			step = -1
		}
		switch {
		case e.Blocked:
			g.blocked += step
		default:
			g.inFlight += step
			if e.Done && e.OK {
				g.ok++
			} else if e.Done {
				g.failed++
			}
		}
	}
	return g
}

func hits(events []authn.TokenCacheEvent) (hit, miss int) {
	for _, e := range events {
		if e.Hit {
			hit++
		} else {
			miss++
		}
	}
	return hit, miss
}

func TestCacheObserver(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		up := &counting{answer: func(_ context.Context, token string) (*authn.Response, bool, error) {
			if token == "broken" {
				return nil, false, errors.New("upstream: broken")
			}
			<-release
			return &authn.Response{User: alice}, true, nil
		}}
		rec := authntest.NewRecorder()
		c := newCache(t, up, union.CacheOptions{Observer: rec.Observer()})

		const callers = 5
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() { _, _, _ = c.AuthenticateToken(t.Context(), token600) })
		}
		impatient, cancel := context.WithCancel(t.Context())
		wg.Go(func() {
			_, _, err := c.AuthenticateToken(impatient, token600)
			assert.ErrorIs(t, err, authn.ErrUnavailable)
		})
		synctest.Wait() // every caller waits on the one call
		assert.Equal(t, gauges{inFlight: 1, blocked: callers + 1}, replay(rec.TokenCacheFetch()))
		assert.Empty(t, rec.TokenCache(), "a miss is reported when its wait ends")

		cancel()
		synctest.Wait()
		assert.Equal(t, gauges{inFlight: 1, blocked: callers}, replay(rec.TokenCacheFetch()), "a caller that gave up no longer waits")
		_, miss := hits(rec.TokenCache())
		assert.Equal(t, 1, miss)

		close(release)
		wg.Wait()
		assert.Equal(t, gauges{ok: 1}, replay(rec.TokenCacheFetch()), "one shared call, which got an answer")
		hit, miss := hits(rec.TokenCache())
		assert.Equal(t, [2]int{0, callers + 1}, [2]int{hit, miss})

		resp, ok, err := c.AuthenticateToken(t.Context(), token600)
		authntest.AssertUser(t, alice, resp, ok, err)
		hit, miss = hits(rec.TokenCache())
		assert.Equal(t, [2]int{1, callers + 1}, [2]int{hit, miss}, "the next lookup hits")

		_, _, err = c.AuthenticateToken(t.Context(), "broken")
		require.Error(t, err)
		assert.Equal(t, gauges{ok: 1, failed: 1}, replay(rec.TokenCacheFetch()), "an upstream error is a failed fetch")
	})
}

// A hit costs no allocation with an observer either.
func TestCacheHitWithObserverDoesNotAllocate(t *testing.T) {
	var hitsSeen atomic.Int64
	obs := &authn.Observer{TokenCache: func(e authn.TokenCacheEvent) {
		if e.Hit {
			hitsSeen.Add(1)
		}
	}}
	c := newCache(t, authntest.Succeed(alice), union.CacheOptions{Observer: obs})
	ctx := authn.WithAudiences(t.Context(), []string{"https://kubernetes.default.svc"})
	_, ok, err := c.AuthenticateToken(ctx, token600)
	require.True(t, ok)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() { _, _, _ = c.AuthenticateToken(ctx, token600) })
	assert.Zero(t, allocs)
	assert.Positive(t, hitsSeen.Load())
}
