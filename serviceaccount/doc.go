// Package serviceaccount authenticates Kubernetes service-account tokens
// and mints them: the JWTs kube-apiserver issues to pods, in the bound
// (TokenRequest) layout and the legacy, secret-based one.
//
// An [Authenticator] validates tokens as kube-apiserver does with
// --service-account-key-file, --service-account-issuer, --api-audiences
// and --service-account-lookup (see [Options]). An [Issuer] mints tokens
// as kube-apiserver's TokenRequest API and token controller do, and
// [DiscoveryHandler] publishes the issuer's keys at the paths
// kube-apiserver serves them, so that OIDC relying parties can verify
// them.
//
// # Token layouts
//
// Bound tokens carry "iss" (one of the issuers), "sub"
// ("system:serviceaccount:<namespace>:<name>"), "aud", "exp", "iat",
// "nbf", "jti" and a private "kubernetes.io" claim: "namespace",
// "serviceaccount" {"name", "uid"} and optionally "pod", "secret" and
// "node" {"name", "uid"} and "warnafter". Legacy tokens carry "iss"
// "kubernetes/serviceaccount", "sub" and the claims
// "kubernetes.io/serviceaccount/namespace", ".../secret.name",
// ".../service-account.name" and ".../service-account.uid"; they have no
// audience and no expiry.
//
// # Kubernetes compatibility
//
// The rules are those of k8s.io/kubernetes/pkg/serviceaccount (jwt.go,
// claims.go, legacy.go) and k8s.io/apiserver/pkg/authentication/serviceaccount
// (util.go):
//
//   - A token whose "iss" is not ours gets no opinion, so that another
//     authenticator (OIDC) can try it. The issuer is read before the
//     signature is checked; it decides only which validator runs.
//   - Keys are chosen by "kid" when the token has one (a kid naming no key
//     fails, even if another key would verify), else every key is tried in
//     order. The kid of a key is [KeyID]: base64url(SHA-256(PKIX DER)).
//   - Algorithms: RS256/384/512, PS256/384/512 and ES256/384/512 with a key
//     of the matching type and curve, as go-jose verifies them for
//     Kubernetes. Never "none", never HMAC.
//   - Audiences: a token without "aud" (legacy) counts as having the API
//     audiences; the accepted audiences are those of the request context
//     ([authn.WithAudiences]) or else the API audiences, which default to
//     the issuers as kube-apiserver defaults them when --api-audiences is
//     unset; the
//     intersection must not be empty and is reported in
//     [authn.Response.Audiences].
//   - Times (bound tokens only; Kubernetes does not check legacy tokens'):
//     "nbf" and "iat" may be up to the leeway in the future and "exp" up to
//     the leeway in the past; the leeway is go-jose's jwt.DefaultLeeway,
//     one minute, unless [Options.Leeway] says otherwise. "exp" is not
//     required, as in Kubernetes.
//   - Result: user "system:serviceaccount:<ns>:<name>", UID the service
//     account's, groups "system:serviceaccounts" and
//     "system:serviceaccounts:<ns>", and Extra: pod-name and pod-uid when
//     the token names a pod with both, node-name (and node-uid) when it
//     names a node, and credential-id "JTI=<jti>" when it has a jti, under
//     the authentication.kubernetes.io/ keys ([ExtraPodName] …).
//   - Lookup ([Lookup]): the service account, and the secret, pod or node
//     a bound token names, must exist with the token's UIDs; a node is
//     looked up only for a token bound to a node alone (a pod-bound token
//     just carries its node). For a legacy token, the secret must exist and
//     the service account must have the token's UID.
//
// Beyond Kubernetes, and stricter than it:
//
//   - Key files may also be JWKS (or single JWK) JSON documents; a key is
//     then found under both its derived kid and its JWK "kid".
//   - A token with one of our issuers that Kubernetes would silently skip
//     (a header it cannot parse) is an error here ([authn.ErrMalformed]),
//     as are duplicate member names (compared ignoring case), member names
//     that differ from a known claim only in case, a JWE or nested-JWT
//     header, "crit" extensions, and a bound token without namespace,
//     service-account name or UID.
//   - Tokens longer than [MaxTokenSize], not three base64url segments, or
//     whose payload is not JSON are no opinion, found before any signature
//     work.
//   - Legacy lookups do not compare the token with the one stored in the
//     Secret, nor honour the kubernetes.io/legacy-token-invalid-since
//     label: a [Lookup] that wants that should report such secrets as not
//     found.
//   - Kubernetes' audit annotations and metrics (stale "warnafter" tokens,
//     legacy token use) are not produced.
//
// # Errors
//
// Errors match the authn sentinels: [authn.ErrMalformed],
// [authn.ErrUnknownKey], [authn.ErrBadSignature], [authn.ErrWrongAudience],
// [authn.ErrExpired] ([authn.ExpiredError]), [authn.ErrNotYetValid]
// ([authn.NotYetValidError]), [authn.ErrRevoked], and
// [authn.ErrUnavailable] when a [Lookup] fails. They name the issuer, the
// kid and the objects looked up, never the token.
//
// # Reloading
//
// Each key file is watched (fsnotify on its directory, plus a periodic
// check) through internal/reload. A changed file is parsed into a new,
// immutable key set that replaces the old one atomically; a file that
// fails to read or parse keeps its previous keys, and the failure is
// logged and passed to [Options.OnError]. Validation takes no lock.
//
// # Security
//
// The token's length and shape are checked before anything is decoded;
// its header and payload are decoded once, by a strict, reflection-free
// JSON reader that bounds nesting and member counts; the algorithm comes
// from an allow-list and must fit the key; symmetric keys are refused in
// key files. Minting uses only the given crypto.Signer (which may be
// backed by a KMS); private keys in key files are reduced to their public
// halves when loaded.
package serviceaccount
