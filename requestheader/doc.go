// Package requestheader authenticates requests forwarded by an
// authenticating front proxy, as kube-apiserver's --requestheader-* flags
// do: the proxy proves itself with its own TLS client certificate, signed
// by a front-proxy CA, and passes the user it authenticated in headers.
//
//	opts := requestheader.DefaultHeaders() // X-Remote-User, -Uid, -Group, -Extra-
//	opts.ClientCAFile = authn.FileOptions{Path: "/etc/kubernetes/pki/front-proxy-ca.crt"}
//	opts.AllowedNames = []string{"front-proxy-client"}
//	proxy, err := requestheader.New(opts)
//	if err != nil { … }
//	defer proxy.Close()
//	a := union.New(proxy, clientCerts, authn.BearerToken(tokens)) // kube-apiserver's order
//
// The server must ask for client certificates without verifying them
// itself (x509auth.TLSConfig sets tls.RequestClientCert): the
// Authenticator verifies r.TLS.PeerCertificates with an x509auth.Verifier,
// so the CA bundle can reload and the verified chain is cached.
//
// The CA bundle file is an [authn.FileOptions] ([Options.ClientCAFile]):
// its Path, the periodic check's Interval, MaxSize and the OnError and
// OnReload callbacks, as for every file-backed authnkit authenticator. It
// is watched and reloaded as x509auth reloads --client-ca-file: a bundle
// that fails to load keeps the previous one serving, and
// [Authenticator.Reload] reads it at once and returns the failure.
//
// # Headers
//
// A request is trusted when its TLS peer certificate chain (the leaf, then
// the intermediates the client sent) verifies for client auth, now,
// against the front-proxy CA, and the leaf's common name is one of
// [Options.AllowedNames] (any, if that is empty). The identity of a trusted
// request is read from its headers, with kube-apiserver's rules:
//
//   - Name: the first value of the first header in
//     [Options.UsernameHeaders] whose first value is non-empty. None: no
//     opinion, (nil, false, nil).
//   - UID: the same, over [Options.UIDHeaders].
//   - Groups: every non-empty value of every header in
//     [Options.GroupHeaders], headers in the order configured. A value is
//     one group, commas and all ("a,b" is one group named "a,b").
//   - Extra: every header whose name starts with one of
//     [Options.ExtraHeaderPrefixes], compared case-insensitively. The key is
//     the rest of the header name, lower-cased and then percent-decoded
//     (url.PathUnescape); when the decoding fails (a "%" not followed by
//     two hexadecimal digits) the lower-cased text is the key as it is.
//     All values are kept, empty ones included, as given. So
//     "X-Remote-Extra-Scopes%2Fview: a" gives "scopes/view": ["a"], and
//     "X-Remote-Extra-Bad%zz: b" gives "bad%zz": ["b"]. Keys are lower-case
//     unless an escape spells an upper-case letter ("%41" gives "A"):
//     Kubernetes decodes after lower-casing, and so does this package
//     (client-go documents that extra keys must be lower-case to survive
//     the trip through a proxy). Several headers that give the same key add
//     their values in the order of the prefixes, then of the header names
//     (Kubernetes' order among header names is random).
//
// Header names are matched case-insensitively, the way http.Header.Get
// does: net/http stores received header names in canonical form. (In a
// hand-built request whose header map holds a non-canonical key for a user,
// UID or group header, that key is not read, as in Kubernetes, but it is
// still stripped.) A value is never trimmed or split. The response's Expiry
// is the earliest NotAfter of the proxy's verified chain: the headers are
// only as good as the proxy's certificate.
//
// # Outcomes
//
// No client certificate gives no opinion. A certificate that does not
// verify against the front-proxy CA is an error (wrapping x509auth's, which
// matches an authn sentinel such as [authn.ErrExpired]), and so is a
// verified certificate with a common name that is not allowed
// ([*NotAllowedError]): a union remembers the error and asks its next
// member, so an ordinary client certificate signed by the client CA still
// authenticates through x509auth after this authenticator. Use a plain
// union (not fail-fast) for that, as kube-apiserver does; a fail-fast
// union with anonymous access may wrap it.
//
// # Stripping
//
// Every identity header (each name in UsernameHeaders, UIDHeaders and
// GroupHeaders, in any letter case, and every header under an extra
// prefix) is deleted from r.Header on every request, whatever the outcome:
// trusted or not, success, no opinion or error. Headers a client sends
// without a trusted proxy certificate thus never become an identity and
// never reach the wrapped handler, nor a later member of a union. Put the
// Authenticator first in the union, so that it sees every request.
//
// So is every header that spells one of those names, or starts with an
// extra prefix, when '_' is read as '-' (ASCII letters in any case):
// X_Remote_User, x_remote_group, X_Remote_Extra_foo, X-Remote_Uid. Such a
// header is never read, but a handler behind a CGI-style gateway, or one
// that reads headers through environment-variable names (HTTP_X_REMOTE_USER
// stands for both spellings), could take it for the real one.
//
// Because it strips what it does not trust, two Authenticators that read
// the same headers cannot be chained for two proxies with different CAs:
// the first one would strip the second one's headers. Put both CAs in one
// bundle and both names in AllowedNames instead, which is also all
// kube-apiserver supports.
//
// # Observing
//
// With [Options.ClientCAFile], [Options.Observer] receives an
// [authn.ReloadEvent] after every attempt to load the bundle, reported
// by x509auth (Component "x509auth"), and [Authenticator.Health] gives
// its state ([authn.FileHealth]). Requests report nothing of their own,
// and the proxy's certificate is not a client certificate
// (apiserver_client_certificate_expiration_seconds does not count it in
// Kubernetes either): the middleware counts requests and outcomes.
//
// # Concurrency
//
// AuthenticateRequest is safe for concurrent use and takes no lock of its
// own; verification, with its cache of verified chains, is x509auth's. It
// changes the request only by deleting identity headers, and returns a new
// response each time.
//
// # Beyond Kubernetes
//
// Verification, the allowed-names check, header reading and extra-key
// decoding follow k8s.io/apiserver's request/x509 Verifier and
// request/headerrequest, including the outcomes above and header names
// trimmed of white space. These are the deliberate differences, each with
// its reason:
//
//   - Identity headers are stripped on every outcome. Kubernetes deletes
//     them in the authenticator only when it succeeds (and its
//     authentication filter deletes the standard and configured ones after
//     any success); a request that fails there never reaches a handler,
//     but behind a union whose later member succeeds, or with a custom
//     failure handler, the headers of an untrusted client could. Here they
//     never do.
//   - Stripping matches names in any letter case, in the keys of the header
//     map as they are; Kubernetes deletes the canonical key only
//     (http.Header.Del), so a non-canonical key in a hand-built request
//     stays.
//   - Headers that spell an identity header with '_' for '-'
//     (X_Remote_User) are stripped too, and never read; Kubernetes neither
//     reads nor strips them, and they reach the handler, where a
//     CGI-style gateway or a framework that reads headers through
//     environment-variable names would take them for the real ones.
//   - The proxy's certificate is verified by an x509auth.Verifier, with
//     its differences from Kubernetes: a chain longer than the leaf and
//     four intermediates (x509auth.DefaultMaxIntermediates) is refused
//     before it is verified, so junk intermediates cannot make each request
//     cost many signature checks; verified chains are cached, and failed
//     ones for ten seconds, so that an ordinary client certificate, which
//     fails here on every request of a server that also takes client
//     certificates, costs about a hash; a CA bundle with one malformed
//     PEM block is refused, not loaded in part; a Verifier given as
//     [Options.Verifier] adds CRL and deny-list revocation of proxy
//     certificates, which Kubernetes cannot revoke. Failures are
//     x509auth's typed errors, formatted only when read; a disallowed name
//     is a [*NotAllowedError]. Kubernetes' are strings.
//   - Bounds: the identity headers of one request may hold at most
//     [Options.MaxValues] values and [Options.MaxBytes] bytes (names and
//     values); beyond that a trusted request is an error matching
//     [authn.ErrMalformed]. Kubernetes has no bounds but the HTTP server's
//     header limit, so a proxy bug can make it build identities of
//     thousands of groups that every later component has to carry.
//   - Configuration errors: an empty UsernameHeaders, a header name that is
//     not an HTTP token, or an empty allowed name is an error from [New];
//     Kubernetes starts with a front proxy that can never authenticate
//     anyone in the first case and never matches in the second.
//   - A nil certificate in a hand-built request's chain is an error
//     matching [authn.ErrMalformed]; Kubernetes would panic adding it to a
//     pool.
//   - Responses carry an Expiry, the earliest NotAfter of the proxy's
//     chain, so that caches never outlive the proxy's certificate; the
//     order of extra values from different headers with the same key is
//     deterministic (Kubernetes' follows map order).
//
// The front-proxy CA bundle must not share a CA with the client CA bundle
// (--client-ca-file), or every holder of a client certificate from that CA
// could assert any identity (with AllowedNames, any holder of an allowed
// name). x509auth.CommonCAs finds the CAs two bundles share: the same
// subject and key, so a re-issued CA certificate counts, where
// kube-apiserver's check compares identical certificates, and only when
// --requestheader-allowed-names is empty.
package requestheader
