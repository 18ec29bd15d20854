// Package authn is the core of authnkit: the contract every authenticator
// implements, and the pieces that put it to work on HTTP.
//
// An [Authenticator] looks at an *http.Request; a [TokenAuthenticator]
// looks at a bearer token. Both answer in one of exactly three ways:
//
//	resp, true, nil   authenticated: resp.User says who (read-only)
//	nil, false, nil   no credential of my kind here: no opinion
//	nil, false, err   a credential of my kind that is wrong or uncheckable
//
// These are the semantics of k8s.io/apiserver's authenticator package,
// kept so that Kubernetes knowledge carries over, and enforced across
// authnkit by one shared test check (authntest.CheckOutcome).
//
// # Building blocks
//
//   - [AuthenticatorFunc] and [TokenAuthenticatorFunc] turn a function into
//     an authenticator, for custom identity logic.
//   - [BearerToken] reads "Authorization: Bearer" (and Kubernetes' WebSocket
//     protocol form) and hands the token to a [TokenAuthenticator];
//     [AsBearer] applies the same checks to a token that arrives without a
//     request (TokenReview).
//   - [Anonymous] accepts everyone as system:anonymous. It is a
//     [Fallback]: a union (package union) asks it last, and only when no
//     other member had an opinion, so a rejected credential never becomes
//     anonymous.
//   - [AddAuthenticatedGroup] and [AddGroups] add groups to every success;
//     [AddTokenAuthenticatedGroup] and [AddTokenGroups] do the same for
//     token authenticators.
//   - [Named] and [NamedToken] attribute an authenticator's errors to it
//     ([AuthenticatorError], [Authenticators]), so that a refusal says who
//     decided; [Reason] names its kind in one word.
//   - [Middleware] wraps an http.Handler: it authenticates, removes the
//     credential headers after a success, stores the [Response] in the
//     context ([ResponseFrom], [UserFrom]), answers failures with a
//     Kubernetes Status body, and logs each refusal (the decision log).
//
// # Shared shapes
//
//   - [FileOptions] configures every file an authnkit authenticator reads
//     and keeps current (token and password files, CA bundles, CRLs, deny
//     lists, bootstrap-token Secrets): the Path, the periodic check's
//     Interval, the MaxSize limit, and the OnError and OnReload callbacks,
//     documented there once. Every file-backed type has a Reload method
//     that reads its files at once and returns what failed, the previous
//     content still serving.
//   - [CredentialIDKey] is the [UserInfo.Extra] key that records which
//     credential authenticated a user, as Kubernetes' audit logs show it.
//
// # Errors
//
// Failures match sentinels such as [ErrInvalidToken], [ErrExpired] or
// [ErrWrongAudience] through [errors.Is]. [ErrUnavailable] is special: the
// credential could not be checked because something it depends on is down.
// The middleware answers 503 with Retry-After when every failure is of that
// kind ([IsUnavailable]) and 401 otherwise. [ErrUnrecognized] (a
// credential no authenticator knew) is a refusal but no verdict, so it
// never turns another authenticator's outage into a 401. No error, log line
// or panic in authnkit contains a token, password or private key.
//
// # Decision log
//
// [Middleware] writes one line per refused request to
// [MiddlewareOptions.Logger] ("authentication refused", Info; Warn for a
// 503): the reason ([Reason]), the status, the authenticators that
// refused ([Authenticators]), the credentials presented as kind and short
// fingerprint ("bearer:3f9a0c1d2e4b", an HMAC under a key that never
// leaves the middleware), the method, the path (never the query), the
// remote address and the error text. Successes get a Debug line with the
// user. At most [MiddlewareOptions.LogLimit] refusal lines are written a
// second; the next line written says how many were dropped.
//
// # Observing: metrics and decision events
//
// Every authnkit component takes an optional *[Observer] in its Options:
// a struct of functions, one per kind of event (a request decided, a
// token cache lookup, a JWT verified, an issuer's keys fetched, a file
// loaded, a client certificate presented, a webhook call, a
// service-account token counted), each called on the goroutine that did
// the work. Nil costs nothing. Package options passes one Observer to
// everything it builds, and a metrics adapter turns the events into
// Kubernetes' metric names. The file-backed components also answer a
// Health method with one [FileHealth] per file, for readiness checks.
//
// [Middleware] reports one [AuthenticationEvent] per request to
// [MiddlewareOptions.Observer]. It is the decision event, meant for an
// audit pipeline as much as for metrics: unlike the decision log it is
// neither rate-limited nor text, and it carries the time, the result
// (success, failure or error, as kube-apiserver counts
// authentication_attempts), the reason and the authenticators that
// refused, the kinds of credential presented, and on success the user
// name and the credential ID ([CredentialIDKey]: "JTI=…",
// "X509SHA256=…"). It never holds a credential. To route it, set
// [Observer.Authentication] to a function that hands the event over
// without blocking the request: a send on a buffered channel that the
// pipeline's own goroutine drains, dropping (and counting) events when the
// pipeline falls behind, as the Observer example does; or a log handler
// that writes asynchronously. The function runs before the handler, or
// the failure handler, is called.
//
// # Sender-constrained tokens
//
// A token bound to a key (RFC 7800 "cnf": a client certificate's
// "x5t#S256", a DPoP key's "jkt") is worth nothing without that key.
// The JWT authenticators read the claim under a [BindingPolicy] and put it
// in [Response.Confirmation]; [BearerTokenWith] with a [BindingChecker]
// (package binding) makes the request prove possession, on every request,
// cached or not. Refusals match [ErrProofOfPossession] ([*BindingError]);
// a refusal that needs its own challenge (DPoP's use_dpop_nonce) is a
// [Challenger], which [DefaultFailureHandler] honours.
//
// # Audiences
//
// The audiences a server accepts travel in the request context
// ([WithAudiences], [AudiencesFrom]); audience-aware token authenticators
// check tokens against them and report the matches in
// [Response.Audiences], as kube-apiserver does.
//
// # Kubernetes compatibility
//
// The 401 body, the user and group names, the group adders (every group
// appended, duplicates included), the bearer-token and WebSocket-protocol
// parsing, the refusal of a response whose audiences miss the server's,
// and the removal of Authorization after any success follow
// kube-apiserver.
//
// # Beyond Kubernetes
//
// Deliberate differences, each for a reason:
//
//   - A "Bearer" header with an empty, space-separated or control-character
//     value is an error (401). Kubernetes ignores an empty one (and may let
//     the request in as anonymous) and reads only the first word of a
//     space-separated one: a client that meant to send a token should hear
//     that it was malformed, not act as nobody or as half a token.
//   - Tokens longer than [MaxTokenBytes] are refused before any
//     authenticator runs, so no authenticator parses or hashes megabytes
//     for an unauthenticated caller.
//   - 401 answers carry RFC 6750 WWW-Authenticate challenges
//     (error="invalid_token" for a rejected token), so standard clients
//     know what failed.
//   - An unavailable dependency yields 503 with Retry-After instead of
//     401, so clients retry instead of asking users to log in again; a
//     credential nobody recognised does not hide such an outage.
//   - Anonymous access is a [Fallback]: safe in any union and at any
//     position. Kubernetes gets the same only by putting it behind a
//     fail-on-error union.
//   - The WebSocket bearer protocol entry is removed after any success,
//     like Authorization, not only after a WebSocket-token success.
//   - Refusals are logged once each, rate-limited, with a reason and a
//     keyed fingerprint; Kubernetes logs every failure, unbounded, with
//     its error only. A flood of bad tokens cannot flood the log.
//   - The default failure handler builds its answers once: a refusal
//     costs an attacker's flood no encoding work.
//   - Each decision is also an [AuthenticationEvent] with its reason,
//     the authenticators that refused and the kinds of credential
//     presented, for an audit pipeline; kube-apiserver only counts
//     results (with the same labels) and leaves the rest to its audit
//     log, which authnkit, having no audit log, does not reproduce.
//   - Sender-constrained tokens: a JWT authenticator reports a token's
//     "cnf" claim in [Response.Confirmation], and [BearerTokenWith] asks
//     its [BearerOptions.Binding] to check the proof (the client
//     certificate of RFC 8705, the DPoP proof of RFC 9449, read with the
//     DPoP scheme). Without a checker, a bound token is refused, and so is
//     it by [AsBearer] (a token review cannot see the proof). Kubernetes
//     ignores "cnf", so a stolen bound token works there as a bearer token.
package authn
