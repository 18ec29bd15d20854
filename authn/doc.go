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
//     protocol form) and hands the token to a [TokenAuthenticator].
//   - [Anonymous] accepts everyone as system:anonymous; put it last in a
//     union (package union).
//   - [AddAuthenticatedGroup] gives authenticated users system:authenticated.
//   - [Middleware] wraps an http.Handler: it authenticates, stores the
//     [Response] in the context ([ResponseFrom], [UserFrom]), and answers
//     failures with a Kubernetes Status body.
//
// # Errors
//
// Failures match sentinels such as [ErrInvalidToken], [ErrExpired] or
// [ErrWrongAudience] through [errors.Is]. [ErrUnavailable] is special: the
// credential could not be checked because something it depends on is down.
// The middleware answers 503 with Retry-After when every failure is of that
// kind ([IsUnavailable]) and 401 otherwise. No error, log line or panic in
// authnkit contains a token, password or private key.
//
// # Audiences
//
// The audiences a server accepts travel in the request context
// ([WithAudiences], [AudiencesFrom]); audience-aware token authenticators
// check tokens against them and report the matches in
// [Response.Audiences], as kube-apiserver does.
//
// # Kubernetes compatibility, and where authnkit goes beyond it
//
// The 401 body, the user and group names, and the bearer-token and
// WebSocket-protocol parsing follow kube-apiserver. Differences: a
// "Bearer" header with an empty or space-separated value is an error here
// (Kubernetes quietly ignores it); tokens longer than [MaxTokenLength] are
// refused before any authenticator runs; 401 answers carry RFC 6750
// WWW-Authenticate challenges; and an unavailable dependency yields 503
// instead of 401, so clients retry instead of asking users to log in again.
package authn
