// Package oidc authenticates OpenID Connect ID tokens (JWTs) from any
// number of issuers, with kube-apiserver's semantics: the classic --oidc-*
// flags ([Classic]) and the structured AuthenticationConfiguration file
// ([ParseConfig], [LoadConfig]) configure it, and tokens map to the same
// users, groups, uids and extra values.
//
//	cfg, err := oidc.LoadConfig("/etc/kubernetes/authn.yaml")
//	...
//	a, err := oidc.New(cfg.JWT, oidc.Options{Compiler: compiler}) // compiler from celexpr.New, if expressions are used
//	defer a.Close()
//	resp, ok, err := a.AuthenticateToken(ctx, idToken)
//
// # Verification
//
// A token is attributed to an issuer by its "iss", read once from the
// untrusted payload with one map lookup, so the cost does not grow with the
// number of issuers; a token for an issuer nobody configured gets no
// opinion. The payload is decoded once, strictly (duplicate or case-variant
// member names are refused), and trusted only after the signature has
// verified with the issuer's key for the token's "kid". The claims
// Kubernetes decodes every token into must have their types whatever the
// configuration reads, as there: "sub", "nonce" and "at_hash" strings (or
// null), "aud" a string or an array of strings, "exp" and "iat" numbers,
// "nbf" a number or null, and "_claim_names" and "_claim_sources"
// well-formed; "sub" may be absent unless it makes the username. Then the audience
// ("aud" must contain a configured audience), "exp" (required), "nbf" and
// "iat", the claim validation rules, the claim mappings and the user
// validation rules are applied, in that order.
//
// Algorithms: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA, as
// [Options.SigningAlgorithms] allows (RS256 by default, as
// --oidc-signing-algs); never "none" or HMAC, and a JWK that names its
// "alg" verifies only that algorithm.
//
// # Keys
//
// Each issuer has a key manager that fetches its discovery document
// (Issuer.URL + "/.well-known/openid-configuration", or Issuer.DiscoveryURL)
// and its JWKS in the background, over TLS verified with
// Issuer.CertificateAuthority or the system roots. New never blocks on the
// network: until an issuer's keys arrive, its tokens fail with
// [authn.ErrUnavailable] (the middleware answers 503), and fetching is
// retried with exponential backoff. A token whose "kid" is unknown
// triggers a refetch at most once per [Options.UnknownKeyCooldown] (15 s),
// shared by all callers. Keys are refreshed on the JWKS response's
// Cache-Control max-age, bounded by [Options.MinRefresh] and
// [Options.MaxRefresh] (1 min and 1 h), so a key the provider removed stops
// verifying within that period; when the JWKS endpoint is down or answers
// something that is not a JWK Set, the last good keys keep working.
//
// Only usable keys count: keys whose "use" is not "sig", of an unknown or
// symmetric type, or that no allowed algorithm can use (by type, or by the
// key's "alg") are left out and logged. A JWK Set with no usable key is the
// issuer's current key set, not a failure: publishing one revokes every
// key. The issuer's tokens are then refused with [authn.ErrUnknownKey] (the
// middleware answers 401), the change is logged at Error with the issuer,
// once, [Authenticator.Health] reports zero keys and [Authenticator.Ready]
// fails, saying that the issuer publishes no usable signing key, until it
// publishes one again. [Authenticator.Health] and [Authenticator.Ready]
// report each issuer's state.
//
// # Claim mappings
//
// Username, groups, uid and extra come from claims or from CEL expressions
// over "claims"; user validation rules are CEL expressions over "user".
// Expressions need a [Compiler]: package
// github.com/authnkit/authnkit/oidc/celexpr provides one, kept apart so
// that a program using only claim mappings does not link CEL. As in
// Kubernetes: a username claim of "email" requires "email_verified", when
// present, to be true; the groups claim may be a string or an array of
// strings, and may be a distributed claim ("_claim_names" and
// "_claim_sources", OpenID Connect Core §5.6.2); a token's "jti" becomes
// the extra value authentication.kubernetes.io/credential-id "JTI=<jti>"
// (a "jti" that is empty or not a string gives none, and is no error).
// [Classic.JWT] applies kube-apiserver's username prefix rule for the
// flags: the issuer URL and "#" unless the claim is "email", "-" for none.
//
// # Beyond Kubernetes
//
// Where Kubernetes is slow or unsafe, this package differs, on purpose:
//
//   - A mapped username or group beginning with "system:" is refused
//     ([ErrReservedName]) unless [Options.InsecureAllowSystemNames] is set:
//     an identity provider must not be able to mint system:masters.
//   - Key fetching follows the rules above; go-oidc's remote key set, which
//     Kubernetes uses, refetches on every unknown kid with no cooldown and
//     keeps trusting a removed key until some other token misses.
//   - The payload is decoded once; Kubernetes decodes it three times.
//   - "iat" in the future (beyond the leeway) is refused, as "nbf" is.
//   - An empty mapped username is refused.
//   - Distributed claims must come from an https endpoint, are bounded, and
//     must be JWTs of a configured issuer for this issuer's audiences;
//     Kubernetes runs discovery against whatever issuer the answer names.
//   - EdDSA is supported.
//   - Errors are typed ([ErrClaimValidation], [ErrEmailNotVerified],
//     [ErrMissingClaim], [ErrExpression], [ErrUserValidation],
//     [ErrReservedName], [ErrAlgorithm], and the authn sentinels) and
//     never quote the token or claim values.
//   - On an [Authenticator.Update], issuers whose URL, discovery URL and CA
//     are unchanged keep their keys; kube-apiserver instead waits until a
//     whole new set of authenticators is healthy. A newly added issuer
//     here is unavailable until its keys arrive.
//
// # Concurrency
//
// An [Authenticator] is safe for concurrent use. The configuration is an
// immutable snapshot behind an atomic pointer, replaced whole by Update;
// requests take no lock. Close stops the key managers.
package oidc
