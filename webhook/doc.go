// Package webhook authenticates bearer tokens by asking a remote TokenReview
// server, and answers TokenReviews for other programs, wire-compatible with
// Kubernetes on both sides.
//
// [New] returns an [Authenticator], an [authn.TokenAuthenticator] configured
// like kube-apiserver's --authentication-token-webhook-config-file: it POSTs
// a TokenReview with the token and the context's audiences and reads back
// the user. [NewHandler] returns an http.Handler that answers such requests
// by running any authn.TokenAuthenticator, so a Go service can be the
// authentication webhook of a Kubernetes cluster or of another authnkit
// program.
//
// The Authenticator does not cache. kube-apiserver caches webhook answers
// for two minutes (--authentication-token-webhook-cache-ttl,
// [DefaultCacheTTL]); put the Authenticator behind union's token cache to
// do the same. Its outcomes are
// listed under [Authenticator.AuthenticateToken]: a success, no opinion
// (the server does not know the token), and errors that say whether the
// server refused the token ([authn.ErrInvalidToken]), could not be asked
// ([authn.ErrUnavailable]) or answered nonsense ([ErrBadResponse]).
//
// # Kubernetes compatibility
//
// The configuration file is a kubeconfig as kube-apiserver reads it for the
// webhook: the cluster and user of current-context (without one, the first
// cluster and the first user), server, tls-server-name,
// certificate-authority(-data), insecure-skip-tls-verify,
// client-certificate(-data), client-key(-data), token and tokenFile (which
// wins over token, as in client-go); a relative file name is resolved
// against the file's folder.
//
// Requests and answers are TokenReview objects of authentication.k8s.io/v1
// (the default) or v1beta1, as in the Kubernetes API reference, decoded as
// kube-apiserver decodes them: member names are case-sensitive, unknown
// members are ignored, an answer may leave out apiVersion and kind (they
// default to the configured version's TokenReview), and an answer of
// another kind, or of the other version, is refused. HTTP statuses 200 to
// 206 are success. When the context carries no audiences, the response has
// none, whatever the server's status.audiences says; when it does, the
// response holds those the server names, or, if it names none, those of
// Options.ImplicitAudiences (kube-apiserver's --api-audiences). Timeouts and
// retries follow kube-apiserver (k8s.io/apiserver/pkg/util/webhook and
// pkg/server/options) where the list below does not say otherwise: 30
// seconds, retries starting after 500ms, growing by 1.5 with 0.2 jitter,
// five attempts in all.
//
// The handler answers like kube-apiserver's tokenreviews resource: 201 with
// the TokenReview in the request's version, Status bodies for bad requests
// (an empty token is 400 "token is required for TokenReview in
// authentication"), spec.audiences or else HandlerOptions.APIAudiences
// handed to the authenticator, and 500 "error validating audiences" when
// the authenticator accepts a token for none of them.
//
// # Observing
//
// [Options.Observer] receives an [authn.WebhookEvent] per TokenReview
// request the client sends, each retry included: the HTTP status code as
// a string, or "<error>" when no answer came (a connection refused, a
// timeout, a certificate that does not verify), and how long the request
// took — the labels and timing of Kubernetes'
// apiserver_delegated_authn_request_total and
// apiserver_delegated_authn_request_duration_seconds, which Kubernetes
// records for its delegating authenticator (kube-apiserver's own webhook
// records none). The handler reports nothing: put [authn.Middleware] in
// front of it to count its callers.
//
// # Security
//
// The server must be an https URL (http only with Options.InsecureAllowHTTP)
// and its certificate is verified against certificate-authority or the
// system roots; a verification failure is not retried. Redirects are not
// followed, so the token and the bearer credential of the kubeconfig are
// sent to the configured server only. Answers are bounded
// (MaxResponseBytes, 1 MiB by default) and so are request bodies
// (HandlerOptions.MaxBodyBytes); malformed input is an error, never a
// panic. Errors, logs and answers never contain the token under review,
// the kubeconfig's credentials or the password of the server URL; an error
// may carry the text of the remote server's status.error, which that
// server controls.
//
// The handler does not authenticate its own callers: anyone who can reach it
// can test tokens against it. Protect it with client certificates or a
// token, for example with [authn.Middleware], as the package example shows.
// What it tells them is little: whether the token was accepted, and for
// whom, never why it was not.
//
// # Beyond Kubernetes
//
// Deliberate differences from kube-apiserver, each with its reason.
//
// The client ([Authenticator]):
//
//   - An answer that authenticates the token for no audience in common with
//     the requested ones (status.audiences, or ImplicitAudiences when it is
//     empty) is an error matching [authn.ErrWrongAudience]; kube-apiserver
//     treats it as no opinion. The token is of this kind and not valid here:
//     saying so tells the operator why, rather than letting it fall silently
//     to the next authenticator.
//   - An unauthenticated answer is taken as it is: with status.error it is
//     an error, without one no opinion, whatever status.audiences says.
//     kube-apiserver checks audiences first, so a refusal naming no common
//     audience becomes no opinion there. The server refused the token; its
//     audiences do not change that.
//   - A server that cannot be reached, whose certificate does not verify,
//     that times out, or that answers 5xx or 429 gives an error matching
//     [authn.ErrUnavailable], so authn's middleware answers 503 with
//     Retry-After; kube-apiserver answers 401. The token was not judged: the
//     client should retry it, not drop it.
//   - An http:// server is refused unless Options.InsecureAllowHTTP is set;
//     kube-apiserver accepts it. Plain http would carry every token under
//     review, and the kubeconfig's own credential, unencrypted.
//   - The server must be an absolute URL with its scheme; kube-apiserver
//     takes a bare host and picks https or http from the TLS settings. The
//     scheme is never guessed, so plain http never happens by accident.
//   - Redirects are not followed (a 3xx is an error matching
//     [ErrBadResponse]); kube-apiserver follows up to ten, and a 307 or 308
//     sends the token along. Tokens go to the configured server only.
//   - Connection errors (refused, reset, closed), 429 and every 5xx are
//     retried with Options.Retry, and Retry-After is not read.
//     kube-apiserver retries connection resets, 429, and the 5xx answers
//     its client reads as an internal error or a timeout, which leaves out
//     a refused connection, a closed one, and 503 unless it carries
//     Retry-After (whose seconds it then waits, up to ten times). One rule,
//     bounded by Options.Timeout, covers the case retries exist for: a
//     webhook that is restarting.
//   - Options.Timeout bounds a whole call, retries included; kube-apiserver's
//     30 seconds bound each attempt. The request waiting for the answer has
//     a known worst case.
//   - Answers are bounded by MaxResponseBytes; kube-apiserver reads them
//     whole. A server cannot make the client hold an unbounded body.
//   - Answers are JSON only; kube-apiserver's decoder also takes YAML and
//     Kubernetes protobuf, which no TokenReview webhook is documented to
//     send. Of metadata only the name is read, so a malformed
//     creationTimestamp, an error in kube-apiserver, is ignored. One small
//     decoder is less to attack.
//   - The request goes to the server URL as written; kube-apiserver's
//     client adds "?timeout=30s" to it. Nothing in the TokenReview contract
//     needs it.
//   - The kubeconfig and the files it names are read once, by New;
//     kube-apiserver re-reads tokenFile every minute. exec and
//     auth-provider plugins and proxy-url are not supported (the proxy
//     comes from the environment, HTTPS_PROXY and NO_PROXY). A client has
//     one fixed identity, and reloading it belongs to the program that
//     builds it.
//
// The handler ([NewHandler]):
//
//   - The answer does not echo spec.token; kube-apiserver's does. The answer
//     then carries no credential, wherever it is logged or cached.
//   - When the authenticator fails, status.error is always "authn: invalid
//     bearer token", and the cause goes to HandlerOptions.Logger only;
//     kube-apiserver writes err.Error(). Errors can say more than a caller
//     should learn: a bootstrap-token authenticator's "wrong token secret"
//     tells that the token ID exists, letting a caller enumerate IDs. A
//     token that could not be checked ([authn.ErrUnavailable]) gets the same
//     answer, as in kube-apiserver, which does not tell them apart either.
//   - When the authenticator has no opinion, status.error is empty;
//     kube-apiserver's bearer-token layer writes "invalid bearer token"
//     there. The TokenReview API can say "unknown token", and clients
//     (authnkit's and Kubernetes') then answer no opinion, as the
//     authenticator did.
//   - The handler is not tied to a URL: a request must name its apiVersion
//     and kind (kube-apiserver defaults them from the URL), either version
//     is accepted at any path (kube-apiserver refuses a body whose version
//     differs from the URL's) and the answer is in the request's version.
//     Requests are JSON only (415 otherwise; kube-apiserver also takes YAML
//     and protobuf) and bounded by MaxBodyBytes (413).
package webhook
