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
// for two minutes (--authentication-token-webhook-cache-ttl); put the
// Authenticator behind union's token cache to do the same.
//
// # Kubernetes compatibility
//
// The configuration file is a kubeconfig as kube-apiserver reads it for the
// webhook: the cluster and user of current-context (without one, the first
// cluster and the first user), server, tls-server-name,
// certificate-authority(-data), insecure-skip-tls-verify,
// client-certificate(-data), client-key(-data), token and tokenFile; a
// relative file name is resolved against the file's folder. Files are read
// once, by New (kube-apiserver re-reads tokenFile every minute). Other
// kubeconfig fields (exec and auth-provider plugins, proxy-url) are ignored.
//
// Requests and answers are TokenReview objects of authentication.k8s.io/v1
// (the default) or v1beta1, as in the Kubernetes API reference. Timeouts and
// retries follow kube-apiserver (k8s.io/apiserver/pkg/util/webhook and
// pkg/server/options): 30 seconds per call, retries of connection errors,
// 429 and 5xx answers starting after 500ms, growing by 1.5 with 0.2 jitter,
// five attempts in all; other answers are not retried. Differences:
//
//   - Failures to reach the server, timeouts and 5xx or 429 answers after the
//     retries match [authn.ErrUnavailable], so authn's middleware answers 503
//     and clients retry, where Kubernetes answers 401.
//   - When audiences were requested and the server's status.audiences share
//     none of them, the error matches [authn.ErrWrongAudience] rather than
//     being silently unauthenticated.
//   - The Timeout bounds a whole call, retries included, not each attempt.
//
// The handler answers like kube-apiserver's tokenreviews resource: 201 with
// the TokenReview in the request's version, Status bodies for bad requests,
// and 500 "error validating audiences" when the authenticator accepts a token
// for none of the requested audiences. Unlike kube-apiserver it does not echo
// spec.token in its answer.
//
// # Security
//
// The server certificate is verified against certificate-authority or the
// system roots; a verification failure is not retried. Redirects are not
// followed, so the token and the bearer credential of the kubeconfig are
// sent to the configured server only. Answers are bounded
// (MaxResponseBytes, 1 MiB by default) and so are request bodies
// (HandlerOptions.MaxBodyBytes); malformed input is an error, never a
// panic. Errors, logs and answers never contain the token under review or
// the kubeconfig's credentials; an error may carry the text of the remote
// server's status.error, which that server controls.
//
// The handler does not authenticate its own callers: anyone who can reach it
// can test tokens against it. Protect it with client certificates or a
// token, for example with [authn.Middleware], as the package example shows.
package webhook
