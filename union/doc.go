// Package union composes authenticators: ordered unions of request
// authenticators ([New]) and of token authenticators ([NewTokens]), and a
// cache in front of a token authenticator ([NewCache]).
//
// # Unions
//
// A union asks its members in order. The first success wins and is
// returned as it is; no opinion moves on to the next member; an error is
// remembered and the next member is asked. When nobody succeeds, the
// members' errors come back joined ([errors.Join]), so [errors.Is] finds
// each member's sentinel and [authn.IsUnavailable] is true only when every
// member that failed was unavailable. [Options.FailFast] returns the first
// error at once instead. A member that returns a mixed shape (a response
// with an error, or success without a response) is held to the three
// shapes of [authn.Authenticator]; see [Requests.AuthenticateRequest].
//
//	a := union.New(x509Auth, authn.BearerToken(union.NewTokens(tokenFile, serviceAccounts, oidcAuth)))
//
// Anonymous access is safe in any union: [authn.Anonymous] is an
// [authn.Fallback], which a union asks last and only when no other member
// had an opinion, so a rejected credential is never let in as
// system:anonymous (kube-apiserver gets the same by putting anonymous
// access behind union.NewFailOnError).
//
//	a = union.New(a, authn.Anonymous())
//
// # Token cache
//
// [Cache] remembers a token authenticator's answers: successes for
// [CacheOptions.SuccessTTL] (but never past [authn.Response.Expiry]),
// failures for [CacheOptions.FailureTTL]. Entries are keyed by HMAC-SHA256
// of the accepted audiences and the token under a random per-Cache key, so
// the cache holds no token and the same token sent for other audiences is
// looked up apart. Concurrent misses for one key make one upstream call,
// on one goroutine of its own, detached from any one caller's
// cancellation and bounded by [CacheOptions.Timeout]; each caller waits only
// as long as its own context allows, and a caller that gives up never
// poisons the entry. A hit takes one keyed hash, a clock read, a read lock
// and a map lookup, and does not allocate.
//
// # Observing
//
// With [CacheOptions.Observer], a Cache reports what Kubernetes' token
// cache metrics count: one [authn.TokenCacheEvent] per lookup, hit or
// miss, with its duration (authentication_token_cache_request_total and
// …_request_duration_seconds); an [authn.TokenCacheFetchEvent] when a
// shared upstream call starts and ends, with whether it got an answer
// (…_active_fetch_count{status="in_flight"} and …_fetch_total), and when
// each caller that missed starts and stops waiting for one
// (…_active_fetch_count{status="blocked"}). A hit reads the clock twice
// more for it, and still does not allocate.
//
// # Kubernetes compatibility
//
// [Requests] and [Tokens] follow k8s.io/apiserver's request and token unions,
// and [Options.FailFast] its union.NewFailOnError.
//
// kube-apiserver puts the union of its token authenticators behind a
// cache with a 10s success TTL and no failure caching; [CacheOptions]'s
// zero value does the same ([DefaultSuccessTTL], [DefaultFailureTTL]). Its
// webhook authenticator has a cache of its own, set by
// --authentication-token-webhook-cache-ttl (default 2m,
// webhook.DefaultCacheTTL), which keeps both successes and "authenticated:
// false" answers that long and never its errors ([CacheOptions.CacheErrors]
// false). The shared upstream call has Kubernetes' 30s timeout
// ([DefaultTimeout]).
//
// # Beyond Kubernetes
//
// Deliberate differences, each for a reason:
//
//   - [authn.Fallback] members (anonymous access) are asked last and only
//     when no other member had an opinion, whatever the order and
//     options, so the obvious union.New(x, authn.Anonymous()) is safe;
//     in Kubernetes only a fail-on-error union is.
//   - The cache is bounded ([CacheOptions.MaxEntries], 32768 by default),
//     so a flood of distinct bad tokens cannot grow memory without limit;
//     Kubernetes' is not.
//   - A success is never kept past the Expiry its authenticator reported.
//   - An error that [authn.IsUnavailable], or that comes from a cancelled
//     or timed-out context, is never cached, whatever FailureTTL and
//     CacheErrors say, so the next request retries a dependency that was
//     down.
//   - No accepted audiences (nil) and an empty list of them are cached
//     apart, because [authn.AudienceAgnostic] answers them differently.
//   - A caller whose context ends while waiting gets an error matching
//     [authn.ErrUnavailable] (so a 503, not a 401), and the shared call
//     goes on for the others; a panic in the wrapped authenticator is
//     recovered and never cached.
//   - The cache key (HMAC-SHA256 under a per-Cache random key, as in
//     Kubernetes) is computed without allocating, and a hit does not
//     allocate.
//
// # Concurrency
//
// Unions are immutable and safe for concurrent use when their members are.
// A [Cache] is safe for concurrent use; [Cache.Close] stops and waits for
// the upstream calls in flight.
//
// # Security
//
// No token appears in an error, a log line or the cache: a [Cache] holds
// only 32-byte keyed digests and the answers. Its HMAC key comes from
// crypto/rand and never leaves the Cache, so digests cannot be precomputed
// or compared across processes, and untrusted tokens cannot be chosen to
// collide in the map.
package union
