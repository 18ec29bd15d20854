package authn

import "time"

// Observer receives what authnkit's components report, for metrics and
// health pages: one optional function per kind of event. A nil *Observer,
// or a nil field, records nothing and costs nothing beyond a nil check;
// the hot paths' allocation counts are the same with and without one.
//
// The functions are called synchronously, on the goroutine that did the
// work (a request's, a watcher's, a key refresher's), so they must be
// cheap (an atomic add, a histogram observation) and safe for concurrent
// use, and must not block. Events are passed by value and hold no
// credential: at most a user name, an issuer, a file path or a hash of a
// configuration. Slices in an event are shared and read-only.
//
// Every component that reports takes the same *Observer in its Options;
// package options passes [Options.Observer] to all of them. A component
// reads the fields once, when it is built: setting a field afterwards
// does not reach it. The Prometheus adapter in
// github.com/authnkit/authnkit/metrics/prometheus (the only package that
// imports the Prometheus client)
// returns one that records Kubernetes' metric names.
//
// [Options.Observer]: https://pkg.go.dev/github.com/authnkit/authnkit/options#Options
type Observer struct {
	// Authentication is called once per request [Middleware] decides.
	Authentication func(AuthenticationEvent)
	// TokenCache is called once per lookup of a token cache
	// (package union).
	TokenCache func(TokenCacheEvent)
	// TokenCacheFetch is called when a token cache's shared upstream call
	// starts (Done false) and when it ends (Done true), and when a caller
	// that missed starts and stops waiting for one (Blocked).
	TokenCacheFetch func(TokenCacheFetchEvent)
	// JWT is called once per verification of a token of a configured
	// issuer (packages oidc and serviceaccount), success or refusal.
	JWT func(JWTEvent)
	// KeySetFetch is called after every fetch of an issuer's JWKS
	// (package oidc).
	KeySetFetch func(KeySetFetchEvent)
	// Reload is called after every attempt to load a watched file, the
	// first included (every file-backed component).
	Reload func(ReloadEvent)
	// ClientCertificate is called once per request whose client
	// certificate package x509auth looks at, before it is verified, as
	// Kubernetes observes it, with its remaining validity.
	ClientCertificate func(ClientCertificateEvent)
	// Webhook is called once per TokenReview request the webhook client
	// sends, each retry included (package webhook).
	Webhook func(WebhookEvent)
	// ChainCheck is called once per client-certificate chain a Verifier
	// checks (package x509auth; requestheader's proxy certificate too),
	// telling whether its cache of verified and failed chains answered.
	ChainCheck func(ChainCheckEvent)
	// UnknownKey is called when a token names a key ID that an issuer's
	// keys lack (package oidc), telling whether a refetch ran or the
	// refetch cooldown held it back.
	UnknownKey func(UnknownKeyEvent)
	// IssuerRemoved is called when a configuration applied drops an
	// issuer (package oidc), so that its series can be removed.
	IssuerRemoved func(IssuerRemovedEvent)
	// ServiceAccountToken is called once per service-account token that
	// one of Kubernetes' service-account token counters counts (package
	// serviceaccount): see [ServiceAccountTokenEvent].
	ServiceAccountToken func(ServiceAccountTokenEvent)
}

// Result labels, as Kubernetes' authentication metrics name outcomes.
const (
	ResultSuccess = "success" // authenticated
	ResultFailure = "failure" // no credential anyone recognised, nobody in; a JWT refused
	ResultError   = "error"   // a credential refused or not checkable
)

// AuthenticationEvent is one request the middleware decided: a metric
// sample, and a decision event an embedding program may route to its
// audit pipeline (see the package documentation). It never holds a
// credential.
type AuthenticationEvent struct {
	// Time is when the middleware started authenticating the request.
	Time time.Time
	// Result is kube-apiserver's label of authentication_attempts
	// (recordAuthenticationMetrics in k8s.io/apiserver's endpoints
	// filters): [ResultError] when an authenticator returned an error,
	// or the response's audiences share none with the server's;
	// [ResultFailure] when nobody authenticated the request and nobody
	// returned an error; [ResultSuccess] otherwise.
	Result string
	// Reason is [Reason] of the refusal ([ReasonNoCredential] for a
	// failure, [ReasonWrongAudience] for unacceptable audiences); empty
	// on success.
	Reason string
	// Authenticators are the authenticators that refused
	// ([Authenticators]); empty on success.
	Authenticators []string
	// Credentials are the kinds of credential presented, in this order:
	// "x509" (a TLS client certificate), one of "bearer", "basic" or
	// "authorization" (another Authorization scheme), and
	// "websocket-bearer" (Kubernetes' WebSocket protocol entry). Empty
	// when none was presented. Shared and read-only.
	Credentials []string
	// User is the authenticated user's name; empty otherwise.
	User string
	// CredentialID is the user's Extra[CredentialIDKey] ("JTI=…",
	// "X509SHA256=…") on success, when the kind has one.
	CredentialID string
	// Duration is how long the authenticator took, from Time to its
	// answer, as kube-apiserver's authentication_duration_seconds.
	Duration time.Duration
}

// TokenCacheEvent is one lookup of a token cache, as Kubernetes'
// authentication_token_cache_request_total and
// …_request_duration_seconds count them.
type TokenCacheEvent struct {
	// Hit: a cached answer was returned; otherwise the lookup missed and
	// Duration includes waiting for the upstream answer.
	Hit bool
	// Duration is how long a miss took, from the lookup to the answer.
	// It is zero for a hit, which reads no clock for it: a hit takes
	// about a microsecond, and Kubernetes records this duration in whole
	// milliseconds, so its hits are zero too.
	Duration time.Duration
}

// TokenCacheFetchEvent reports the shared upstream calls of a token cache
// and the callers waiting for them, as Kubernetes'
// authentication_token_cache_active_fetch_count{status} gauge (in_flight,
// blocked) and …_fetch_total{status} counter (ok, error) follow them.
//
// With Blocked false, it is a shared upstream call starting (Done false:
// in_flight goes up) or ending (Done true: in_flight goes down, and OK
// tells whether it got an answer to cache or pass on, rather than an
// error: fetch_total ok or error). With Blocked true, it is a caller that
// missed starting (Done false) or ending (Done true) its wait for such a
// call: blocked goes up or down; OK is false.
type TokenCacheFetchEvent struct {
	Done    bool
	OK      bool
	Blocked bool
}

// JWTEvent is one verification of a JWT of a configured issuer. Only
// tokens that reach the authenticator are seen: behind a token cache,
// those the cache missed, as Kubernetes'
// apiserver_authentication_jwt_authenticator_latency_seconds records them.
type JWTEvent struct {
	// Authenticator is "oidc" or "serviceaccount".
	Authenticator string
	// Issuer is the issuer URL as configured.
	Issuer string
	// Result is [ResultSuccess] or, for a refusal, [ResultFailure], as
	// Kubernetes labels jwt_authenticator_latency_seconds.
	Result   string
	Duration time.Duration
}

// KeySetFetchEvent is one fetch of an issuer's JWKS. Like Kubernetes'
// jwks_fetch_last_timestamp_seconds, it reports fetches that requested
// the JWKS: a discovery document that could not be read comes before
// any such request and is not reported (the issuer's Health shows it).
type KeySetFetchEvent struct {
	Issuer string
	// OK: the JWKS was fetched and parsed as a JWK Set (which may still
	// hold no usable key); otherwise the previous keys stay in use.
	OK   bool
	Time time.Time
	// Keys is the number of usable keys in use after the fetch.
	Keys int
	// KeySetHash is "sha256:<hex>" of the JWKS response body, as
	// Kubernetes hashes it for jwks_fetch_last_key_set_info; empty when
	// OK is false.
	KeySetHash string
	// NextRefresh is when the next scheduled fetch is due: the refresh
	// after a success, the retry (with backoff) after a failure. A token
	// naming an unknown key may fetch earlier.
	NextRefresh time.Time
}

// ReloadEvent is one attempt to load a watched file: its first load, a
// change noticed (by a notification or the periodic check), a call to
// the owner's Reload, and every check that fails to read the file, also
// when the failure has not changed (it may resolve, as Kubernetes counts
// its configuration's failed reads). A periodic check that finds the
// content unchanged is not an attempt.
type ReloadEvent struct {
	// Component owns the file: "tokenfile", "basicauth", "bootstrap",
	// "serviceaccount", "x509auth" (client CA bundles, including the
	// front proxy's of package requestheader, CRL files and deny lists)
	// or "options: --authentication-config".
	Component string
	Path      string
	// OK: the file loaded and is in use; otherwise the last good content
	// keeps serving and Err says why.
	OK  bool
	Err error
	// First is true for the load at start, in the owner's constructor;
	// when it fails, the constructor returns Err and nothing serves.
	First bool
	Time  time.Time
	// ContentHash is "sha256:<hex>" of the content in use after the
	// attempt; empty when none is.
	ContentHash string
	// Entries is how many entries (tokens, users, keys, certificates,
	// JWT issuers) the content in use holds, or -1 when the kind has no
	// such count or no content is in use.
	Entries int
}

// FileHealth is the state of one watched file ([FileOptions]), for
// readiness checks and status pages; the file-backed components' Health
// methods return one per file.
type FileHealth struct {
	// Component and Path are those of [ReloadEvent].
	Component string
	Path      string
	// LastLoad is when the content in use was loaded.
	LastLoad time.Time
	// LastError is the failure of the last attempt ([ReloadEvent]); nil
	// when it succeeded. The content of LastLoad keeps serving.
	LastError error
	// Entries and ContentHash describe the content in use, as in
	// [ReloadEvent].
	Entries     int
	ContentHash string
	// NextCheck is when the periodic check runs next; zero when there is
	// none (a negative Interval) or after the owner's Close.
	NextCheck time.Time
}

// ClientCertificateEvent is one client certificate presented. Like
// Kubernetes' apiserver_client_certificate_expiration_seconds, it is
// recorded before verification, for certificates that then fail too.
type ClientCertificateEvent struct {
	// Remaining is the time until the leaf's NotAfter: negative for an
	// expired certificate.
	Remaining time.Duration
	// Verified: the chain verified and passed the revocation checks.
	Verified bool
}

// WebhookEvent is one TokenReview request of the webhook client.
type WebhookEvent struct {
	// Code is the HTTP status code as a string, or "<error>" when no
	// answer came, as Kubernetes labels
	// apiserver_delegated_authn_request_total.
	Code     string
	Duration time.Duration
}

// ServiceAccountTokenEvent is one service-account token that moved one of
// Kubernetes' service-account token counters
// (k8s.io/kubernetes/pkg/serviceaccount/metrics.go); each field names
// one, and the event is sent only when one is set.
type ServiceAccountTokenEvent struct {
	// Legacy: a token without "aud" whose signature verified, counted
	// before its other checks, as serviceaccount_legacy_tokens_total.
	Legacy bool
	// Stale: a bound token with "warnafter" that validated after that
	// time (serviceaccount_stale_tokens_total).
	Stale bool
	// Valid: a bound token with "warnafter" that validated before that
	// time (serviceaccount_valid_tokens_total, which counts only tokens
	// with "warnafter").
	Valid bool
	// Invalidated: a legacy token whose Secret carries the invalid-since
	// label (serviceaccount_invalid_legacy_auto_token_uses_total); only
	// with a lookup.
	Invalidated bool
}

// ChainCheckEvent is one check of a presented client-certificate chain.
type ChainCheckEvent struct {
	// Cached: the answer came from the cache of verified or failed
	// chains, without verifying.
	Cached bool
	// OK: the chain verified (revocation is checked after).
	OK bool
}

// UnknownKeyEvent is a token naming a key ID its issuer's keys lack.
type UnknownKeyEvent struct {
	Issuer string
	// Refetch: a key fetch ran (or was joined) to look for the key;
	// otherwise the refetch cooldown held it back.
	Refetch bool
}

// IssuerRemovedEvent is an issuer dropped from the configuration.
type IssuerRemovedEvent struct {
	Issuer string
}
