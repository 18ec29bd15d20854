// Package jwks fetches and refreshes the signing keys of one OpenID
// Connect issuer: discovery (OpenID Connect Discovery 1.0 section 4), then
// the JSON Web Key Set at its jwks_uri (RFC 7517 section 5), kept current
// in the background. It is the per-issuer key manager of package oidc.
//
// # Fetching
//
// [New] does no network I/O; it starts one goroutine that fetches at
// once, retries with backoff until keys load, then refreshes on schedule.
// Every fetch, scheduled or triggered by [Set.Keys], goes through one
// singleflight: at most one is in flight, and all waiters share it. A
// fetch runs under context.WithoutCancel of its starter's context plus
// Options.FetchTimeout per request, so a caller that gives up never
// cancels it; [Set.Close] does.
//
// Discovery runs on the first fetch and again on every fetch after a
// failure (the jwks_uri may have moved). The document must come with 200
// OK, parse as JSON, carry an "issuer" equal to Options.IssuerURL byte for
// byte, and a "jwks_uri" that is an absolute https URL (http only when the
// issuer itself is http). The JWKS must come with 200 OK and be a JWK Set:
// a JSON object whose "keys" member is an array (RFC 7517 section 5).
// Bodies are bounded by Options.MaxBodyBytes. A non-200 answer is an error
// naming the URL and status, quoting at most 64 bytes of the body.
//
// # Usable keys
//
// The set holds the usable signing keys of the JWKS: keys for another use
// than "sig", and keys that are not accepted verification keys (unknown
// "kty", symmetric keys, unknown curves, short RSA moduli; see
// [keyload.JWKS]) are left out, and so are keys that none of
// Options.Algorithms can use (an "alg" not among them, or a key type that
// none of them fits). Left-out keys are logged once per change: at Warn,
// or in the Error below when no key is left.
//
// A JWK Set with no usable key is not a failure: it is the provider's
// current key set, and an empty one. It replaces the loaded set, so that a
// provider can revoke every key by publishing none: every token is then
// rejected with [authn.ErrUnknownKey], an error that says the issuer
// publishes no usable signing key, and [Health] reports Ready with zero
// Keys. The change is logged at Error, once, and each later refresh looks
// again; any kid also refetches, at most once per cooldown.
//
// # Refreshing
//
// After a successful fetch, the next one is scheduled at Cache-Control
// max-age (minus Age) clamped to [Options.MinRefresh, Options.MaxRefresh]
// (defaults 1 min and 1 h); "no-cache", "no-store" and max-age=0 mean
// MinRefresh; no max-age means MaxRefresh. The new set replaces the old
// one: a key removed upstream stops verifying at the next refresh. Added
// and removed key IDs are logged at Info.
//
// A failed fetch (network error, non-200, bad discovery, a JWKS that is
// not JSON or not a JWK Set) keeps the last good set serving, is recorded in
// [Set.Health], logged at Warn and passed to Options.OnError, and is
// retried after a backoff: Options.MinBackoff doubled per consecutive
// failure with ±20 % jitter, up to Options.MaxBackoff (defaults 1 s and
// 1 min), and no sooner than a Retry-After sent with 429 or 503 (itself
// capped by MaxBackoff).
//
// # Unknown key IDs
//
// A kid that is not loaded triggers a refetch only if the last fetch of
// any kind started at least Options.UnknownKeyCooldown (default 15 s) ago;
// concurrent callers share it. A flood of tokens with made-up kids thus
// costs the provider at most one request per cooldown. The kid is then
// rejected with [authn.ErrUnknownKey] if the latest fetch succeeded, or
// reported as [authn.ErrUnavailable] if it failed, since the key might
// exist. Before any key set is loaded, [Set.Keys] waits for a running
// fetch (bounded by its context) and otherwise answers ErrUnavailable; it
// starts no fetch beyond the backoff schedule, save one per cooldown.
//
// # Observing
//
// [Set.Health] reports the last refresh, the last attempt and its error,
// the usable keys and the next fetch. [Options.Observer] receives an
// [authn.KeySetFetchEvent] after every fetch that requested the JWKS,
// with the SHA-256 of its body on success, as Kubernetes records
// jwks_fetch_last_timestamp_seconds and jwks_fetch_last_key_set_info
// from its JWKS requests only: a fetch that fails at discovery, or that
// Close cuts short, is not reported.
//
// # Compared with go-oidc
//
// go-oidc's RemoteKeySet fetches on demand only: every token with an
// unknown kid triggers a refetch, with no cooldown, so a flood of forged
// kids becomes a flood of requests to the provider; and a key removed
// upstream stays trusted until some other miss happens to refetch. It
// does not honor Cache-Control, back off, re-run discovery, or bound
// bodies. This package refreshes on a schedule, replaces removed keys,
// throttles unknown-kid refetches, backs off on failures and serves the
// last good keys meanwhile.
//
// # Concurrency
//
// The loaded key set is an immutable snapshot behind an atomic pointer:
// [Set.Keys] for a known kid takes no lock and allocates nothing.
package jwks
