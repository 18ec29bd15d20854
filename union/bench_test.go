package union_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

// BenchmarkUnion is DESIGN.md's "union of three, third succeeds".
func BenchmarkUnion(b *testing.B) {
	for _, first := range []outcome{noOpinion, failA} {
		b.Run("three_third_succeeds/first_"+first.String()+"/request", func(b *testing.B) {
			u := union.New(first.fake(), failB.fake(), succeedAlice.fake())
			r := authntest.NewRequest()
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = u.AuthenticateRequest(r)
			}
		})
		b.Run("three_third_succeeds/first_"+first.String()+"/token", func(b *testing.B) {
			u := union.NewTokens(first.fake(), failB.fake(), succeedAlice.fake())
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = u.AuthenticateToken(ctx, token600)
			}
		})
	}
	b.Run("three_all_fail/token", func(b *testing.B) {
		u := union.NewTokens(failA.fake(), failB.fake(), unavailable.fake())
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = u.AuthenticateToken(ctx, token600)
		}
	})
}

// BenchmarkHMACSHA256 is the reference for the cache-hit budget: one keyed
// hash of the 600-byte token with crypto/hmac, reused across iterations.
func BenchmarkHMACSHA256(b *testing.B) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	m := hmac.New(sha256.New, key)
	tok := []byte(token600)
	sum := make([]byte, 0, sha256.Size)
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(tok)
		sum = m.Sum(sum[:0])
	}
}

func BenchmarkCache(b *testing.B) {
	// Caches are filled here, outside the timed sub-benchmarks.
	quiet := slog.New(slog.DiscardHandler)
	auds := []string{"https://kubernetes.default.svc"}
	ctx := authn.WithAudiences(b.Context(), auds)
	hits := newCache(b, authntest.Succeed(alice), union.CacheOptions{Logger: quiet})
	_, _, _ = hits.AuthenticateToken(ctx, token600)
	_, _, _ = hits.AuthenticateToken(b.Context(), token600)
	tokens := benchTokens(1000)
	for _, tok := range tokens {
		_, _, _ = hits.AuthenticateToken(ctx, tok)
	}
	misses := newCache(b, authntest.NoOpinion(), union.CacheOptions{Logger: quiet})
	_, _, _ = misses.AuthenticateToken(ctx, token600)
	evicting := newCache(b, authntest.Succeed(alice), union.CacheOptions{MaxEntries: 1024, SuccessTTL: time.Hour, Logger: quiet})
	fresh := benchTokens(1 << 16)

	b.Run("hit/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = hits.AuthenticateToken(ctx, token600)
		}
	})
	b.Run("hit_no_audiences/serial", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = hits.AuthenticateToken(ctx, token600)
		}
	})
	b.Run("hit/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _, _ = hits.AuthenticateToken(ctx, token600)
			}
		})
	})
	b.Run("hit_1000_tokens/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_, _, _ = hits.AuthenticateToken(ctx, tokens[i%len(tokens)])
				i++
			}
		})
	})
	// A miss whose answer is not cached (no opinion, FailureTTL 0): lookup,
	// single flight, upstream call on its own goroutine.
	b.Run("miss/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = misses.AuthenticateToken(ctx, token600)
		}
	})
	b.Run("miss/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _, _ = misses.AuthenticateToken(ctx, token600)
			}
		})
	})
	// A miss that inserts into a full cache, evicting: every token is new.
	b.Run("miss_insert_evict/serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, _, _ = evicting.AuthenticateToken(ctx, fresh[i%len(fresh)])
			i++
		}
	})
}

// benchTokens returns n distinct 600-byte tokens.
func benchTokens(n int) []string {
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("%08d", i) + token600[8:]
	}
	return tokens
}
