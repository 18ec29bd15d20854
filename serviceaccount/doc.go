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
//   - Claims are decoded as Kubernetes' go-jose v2 decodes them: names
//     match case-sensitively; "exp", "nbf" and "iat" must be JSON numbers
//     (a string, even "1700000000", is refused; a fraction is truncated);
//     "aud" is a string or an array of strings, and null is refused.
//   - Audiences: a token without "aud" (legacy) counts as having the API
//     audiences; the accepted audiences are those of the request context
//     ([authn.WithAudiences]) or else the API audiences, which default to
//     the issuers as kube-apiserver defaults them when --api-audiences is
//     unset. The intersection must not be empty; it is reported in
//     [authn.Response.Audiences] in the order the audiences were
//     requested, as Kubernetes' Audiences(token).Intersect(requested)
//     gives it.
//   - Times (bound tokens only; Kubernetes does not check legacy tokens'):
//     "nbf" and "iat" may be up to the leeway in the future and "exp" up to
//     the leeway in the past; the leeway is go-jose's jwt.DefaultLeeway,
//     one minute, unless [Options.ClockSkew] says otherwise. "exp" is not
//     required, as in Kubernetes.
//   - Legacy tokens need "sub" and the four legacy claims, agreeing; the
//     namespace must be a DNS-1123 label and the name a DNS-1123
//     subdomain (SplitUsername).
//   - Result: user "system:serviceaccount:<ns>:<name>", UID the service
//     account's, groups "system:serviceaccounts" and
//     "system:serviceaccounts:<ns>", and Extra: pod-name and pod-uid when
//     the token names a pod with both, node-name (and node-uid) when it
//     names a node, and credential-id "JTI=<jti>" when it has a jti, under
//     the authentication.kubernetes.io/ keys ([ExtraPodName] …).
//   - A token bound to a validating or mutating webhook configuration
//     (Kubernetes 1.37's alpha APIServerWebhookAuthenticationToken, off by
//     default) is refused, as kube-apiserver refuses it with the feature
//     off.
//
// # Lookup
//
// With [Options.Lookup] (--service-account-lookup), a token is accepted
// only while the objects it names back it, checked in Kubernetes' order:
//
//   - Bound tokens: the service account, and the Secret, Pod or Node the
//     token names, must exist ([Lookup.UID]) with the token's UIDs; a node
//     is looked up only for a token bound to a node alone (a pod-bound
//     token just carries its node).
//   - Legacy tokens need a [SecretLookup]: the Secret named in the token
//     must exist, not be being deleted, and hold exactly this token
//     (compared in constant time with crypto/subtle); then the service
//     account must exist with the token's UID; then the Secret must not
//     carry the [InvalidSinceLabel] label with a non-empty value (the
//     value, a date, is not compared with today: Kubernetes rejects the
//     token as soon as the label is there, and accepts it again when the
//     label is removed). [New] refuses a Lookup that cannot read Secrets
//     when [Options.Legacy] is set, as Kubernetes' legacy validator
//     refuses to start without its getter.
//
// A token whose objects are gone, recreated (another UID), or (legacy)
// whose Secret changed, is being deleted or is marked invalid is rejected
// with a [*RevokedError], which matches [authn.ErrRevoked] and names the
// object and the [RevokedReason]. A lookup that fails (its cache not
// synced, its backend unreachable) rejects the token with
// [authn.ErrUnavailable], so that the middleware answers 503, not 401.
//
// # Errors
//
// Errors match the authn sentinels: [authn.ErrMalformed],
// [authn.ErrUnknownKey], [authn.ErrBadSignature], [authn.ErrWrongAudience],
// [authn.ErrExpired] ([authn.ExpiredError]), [authn.ErrNotYetValid]
// ([authn.NotYetValidError]), [authn.ErrRevoked] ([RevokedError]), and
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
// # Observing
//
// [Options.Observer] receives:
//
//   - an [authn.JWTEvent] per validation of a token of one of our issuers
//     (Authenticator "serviceaccount", the token's issuer, success or
//     failure, the duration), never for another issuer's token; behind a
//     token cache only misses reach it;
//   - an [authn.ServiceAccountTokenEvent] for each token that one of
//     Kubernetes' service-account counters counts, where it counts it: a
//     token without "aud" whose signature verified (Legacy,
//     serviceaccount_legacy_tokens_total); a bound token with
//     "warnafter" that validated, used after it (Stale) or before it
//     (Valid); a legacy token whose Secret carries [InvalidSinceLabel]
//     (Invalidated, with a [SecretLookup]);
//   - an [authn.ReloadEvent] (Component "serviceaccount", Entries the
//     number of keys) after every attempt to load a key file, the first
//     included; [Authenticator.Health] reports each key file's state.
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
//
// # Beyond Kubernetes
//
// Where this package differs from kube-apiserver, it does so on purpose:
//
//   - Key files may also be JWKS (or single JWK) JSON documents, so that a
//     key set published by another issuer or a KMS can be used as is; a
//     key is then found under both its derived kid and its JWK "kid", and
//     a JWK whose "use" is not "sig" is left out.
//   - A JWK's "alg" binds its key (RFC 7517 §4.4): the key verifies that
//     algorithm only, so an RS256 key is never tried for PS256; an "alg"
//     outside the allow-list, or that does not fit the key, fails the
//     file. This closes algorithm confusion for keys that say what they
//     are for.
//   - PEM key files are read by block type. PKCS #1 "RSA PUBLIC KEY" blocks
//     and PKCS #8 ECDSA private keys are accepted (Kubernetes' keyutil
//     skips them); a key block that does not parse, or holds a key that
//     cannot verify (Ed25519, RSA under 1024 bits, a curve other than
//     P-256, P-384 or P-521), fails the file where keyutil would skip it
//     silently, so that a wrong key file shows at start-up and not when
//     tokens start failing.
//   - Key files are reloaded on change (kube-apiserver reads them once),
//     so that keys rotate without a restart; [Options.Keys] add static
//     keys. Kubernetes' external signer (--service-account-signing-endpoint)
//     is not supported.
//   - Errors are typed and match the authn sentinels, where Kubernetes
//     returns generic errors; in particular a [Lookup] that fails gives
//     [authn.ErrUnavailable] (503), where kube-apiserver answers 401 ("token
//     has been invalidated" when its Secret getter fails), so that an
//     outage is not mistaken for a revoked token; and a revoked token gives
//     a [*RevokedError] with the object and the reason.
//   - Bound tokens are looked up only when [Options.Lookup] is set:
//     kube-apiserver always reads their objects from its informers
//     (--service-account-lookup governs legacy tokens alone), but a
//     library has no API server to ask; without a Lookup, a bound token is
//     not revoked before it expires.
//   - [Lookup.UID] applies the deletion leeway to every kind, so a legacy
//     token's service account that began deleting less than the leeway
//     ago still counts; Kubernetes refuses it at once for legacy tokens
//     (it does for the Secret here too: [Secret.Deleting]).
//   - Nothing is written to the API server: Kubernetes labels a used
//     legacy token's Secret kubernetes.io/legacy-token-last-used once a
//     day, which the legacy token cleaner reads before it adds
//     [InvalidSinceLabel]; a program that runs the cleaner must do that
//     labelling itself. Audit annotations and warnings (auto-generated
//     legacy token) are not produced either, nor the counters of
//     auto-generated and manually created legacy tokens, which need the
//     service account's list of Secrets that a [Lookup] does not give;
//     the legacy, stale, valid and invalidated counts are reported (see
//     Observing).
//   - Stricter parsing, so that two readers of a token cannot disagree: a
//     token with one of our issuers that Kubernetes would silently skip (a
//     header it cannot parse) is an error here ([authn.ErrMalformed]), as
//     are duplicate member names compared ignoring case (go-jose refuses
//     exact duplicates only), member names that differ from a known claim
//     only in case (go-jose ignores them), a JWE or nested-JWT header,
//     "crit" extensions, a bound token without namespace, service-account
//     name or UID, and "exp", "nbf" or "iat" beyond ±2^53 seconds (go-jose
//     converts them to int64 with overflow: a huge "nbf" would read as the
//     distant past).
//   - Tokens longer than [DefaultMaxTokenBytes], not three strictly base64url
//     segments (no padding, no line breaks, which Go's decoder would skip)
//     or whose payload is not JSON get no opinion, found before any
//     signature work, so that junk costs little.
//   - Duplicates in the requested audiences are reported once in
//     [authn.Response.Audiences] (Kubernetes repeats them): the
//     intersection is a set operation shared by every package.
//   - There is no "any audience": [New] fails when no API audience can be
//     derived (no issuer, no [Options.APIAudiences]), where Kubernetes
//     would skip the audience check.
//   - The leeway is configurable ([Options.ClockSkew]); Kubernetes fixes it
//     at one minute.
//   - [authn.Response.Expiry] is "exp", so that caches never outlive a
//     token; Kubernetes' response has no expiry.
//   - [DiscoveryHandler] derives the default "jwks_uri" from the issuer
//     URL's host; kube-apiserver uses its external address, which a
//     library does not know ([DiscoveryOptions.JWKSURI] sets it).
//   - An [Issuer] neither caps lifetimes
//     (--service-account-max-token-expiration) nor extends them
//     (--service-account-extend-token-expiration): the caller chooses
//     [BoundToken.Lifetime] and [BoundToken.WarnAfter].
package serviceaccount
