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
// configuration.
//
// Every component that reports takes the same *Observer in its Options;
// package options passes [Options.Observer] to all of them. The Prometheus
// adapter in github.com/authnkit/authnkit/metrics/prometheus (a module of
// its own) returns one that records Kubernetes' metric names.
type Observer struct {
	// Authentication is called once per request [Middleware] decides.
	Authentication func(AuthenticationEvent)
	// TokenCache is called once per lookup of a token cache
	// (package union).
	TokenCache func(TokenCacheEvent)
	// TokenCacheFetch is called when a token cache's shared upstream call
	// starts (Done false) and when it ends (Done true).
	TokenCacheFetch func(TokenCacheFetchEvent)
	// JWT is called once per verification of a token of a configured
	// issuer (packages oidc and serviceaccount), success or refusal.
	JWT func(JWTEvent)
	// KeySetFetch is called after every fetch of an issuer's keys
	// (package oidc).
	KeySetFetch func(KeySetFetchEvent)
	// Reload is called after every attempt to load a watched file, the
	// first included (every file-backed component).
	Reload func(ReloadEvent)
	// ClientCertificate is called once per client certificate that
	// verifies (package x509auth), with its remaining validity.
	ClientCertificate func(ClientCertificateEvent)
	// Webhook is called once per TokenReview request the webhook client
	// sends (package webhook).
	Webhook func(WebhookEvent)
	// ServiceAccountToken is called once per service-account token that
	// validates (package serviceaccount).
	ServiceAccountToken func(ServiceAccountTokenEvent)
}

// Result labels, as Kubernetes' authentication metrics name outcomes.
const (
	ResultSuccess = "success" // authenticated
	ResultFailure = "failure" // no credential anyone recognised, nobody in
	ResultError   = "error"   // a credential refused or not checkable
)

// AuthenticationEvent is one request the middleware decided: a metric
// sample, and a decision event an embedding program may route to its
// audit pipeline. It never holds a credential.
type AuthenticationEvent struct {
	// Time is when the request arrived.
	Time time.Time
	// Result is [ResultSuccess], [ResultFailure] or [ResultError], as
	// kube-apiserver labels authentication_attempts.
	Result string
	// Reason is [Reason] of the refusal; empty on success.
	Reason string
	// Authenticators are the authenticators that refused
	// ([Authenticators]); empty on success.
	Authenticators []string
	// Credentials are the kinds of credential presented ("x509",
	// "bearer", "basic", "websocket-bearer", "authorization").
	Credentials []string
	// User is the authenticated user's name; empty otherwise.
	User string
	// CredentialID is the user's Extra[CredentialIDKey] ("JTI=…",
	// "X509SHA256=…") on success, when the kind has one.
	CredentialID string
	// Duration is how long authenticating took.
	Duration time.Duration
}

// TokenCacheEvent is one lookup of a token cache.
type TokenCacheEvent struct {
	Hit      bool
	Duration time.Duration
}

// TokenCacheFetchEvent is a token cache's shared upstream call starting
// (Done false) or ending (Done true, with OK telling whether it got an
// answer to cache or pass on, rather than an error).
type TokenCacheFetchEvent struct {
	Done bool
	OK   bool
}

// JWTEvent is one verification of a JWT of a configured issuer.
type JWTEvent struct {
	// Authenticator is "oidc" or "serviceaccount".
	Authenticator string
	// Issuer is the issuer URL as configured.
	Issuer string
	// Result is [ResultSuccess] or [ResultError].
	Result   string
	Duration time.Duration
}

// KeySetFetchEvent is one fetch of an issuer's keys.
type KeySetFetchEvent struct {
	Issuer string
	// OK: the fetch succeeded (the key set may still have no usable key).
	OK   bool
	Time time.Time
	// Keys is the number of usable keys now in use.
	Keys int
	// KeySetHash is "sha256:<hex>" of the key set fetched, empty on
	// failure.
	KeySetHash string
}

// ReloadEvent is one attempt to load a watched file.
type ReloadEvent struct {
	// Component owns the file, such as "tokenfile" or
	// "options: --authentication-config".
	Component string
	Path      string
	// OK: the file loaded and is in use; otherwise the last good content
	// keeps serving and Err says why.
	OK  bool
	Err error
	// First is true for the load at start.
	First bool
	Time  time.Time
	// ContentHash is "sha256:<hex>" of the content in use after the
	// attempt.
	ContentHash string
	// Entries is how many entries (tokens, users, keys, CAs) the content
	// in use holds, or -1 when the kind has no such count.
	Entries int
}

// ClientCertificateEvent is one client certificate that verified.
type ClientCertificateEvent struct {
	// Remaining is the time until the leaf's NotAfter.
	Remaining time.Duration
}

// WebhookEvent is one TokenReview request of the webhook client.
type WebhookEvent struct {
	// Code is the HTTP status code as a string, or "<error>" when no
	// answer came, as Kubernetes labels it.
	Code     string
	Duration time.Duration
}

// ServiceAccountTokenEvent is one service-account token that validated.
type ServiceAccountTokenEvent struct {
	// Legacy: a Secret-based token.
	Legacy bool
	// Stale: a bound token used past its "warnafter".
	Stale bool
}
