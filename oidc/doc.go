// Package oidc authenticates OpenID Connect ID tokens (JWTs) from any
// number of issuers, with kube-apiserver's semantics. It is configured by
// the "jwt" list of an AuthenticationConfiguration, which package
// github.com/authnkit/authnkit/authconfig reads and validates
// ([authconfig.Load], [authconfig.Parse]) and builds from the classic
// --oidc-* flags ([authconfig.Classic]); tokens map to the same users,
// groups, uids and extra values as in Kubernetes. Where it deliberately
// differs, the last section, "Beyond Kubernetes", says so and why.
//
//	cfg, err := authconfig.Load("/etc/kubernetes/authn.yaml")
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
// opinion. The payload is decoded once, strictly (duplicate member names,
// and names that differ from a registered claim's only in case, are
// refused), and trusted only after the signature has
// verified with the issuer's key for the token's "kid" (every key when it
// has none).
//
// The claims Kubernetes decodes every token into must have their types,
// whatever the configuration reads, as there: "sub", "nonce" and "at_hash"
// strings or null, "aud" a string or an array of strings, "exp" and "iat"
// numbers, "nbf" a number or null, and "_claim_names" and "_claim_sources"
// well-formed (each name maps to a source that exists). "sub" may be
// absent unless it makes the username. Then the audience ("aud" must
// contain a configured audience), "exp" (required; the token is valid up to
// that second), "nbf" and "iat" (up to [NotBeforeLeeway], one minute, in
// the future), the claim validation rules, the claim mappings and the user
// validation rules are applied, in that order. Dates are whole seconds, a
// fraction truncated, as in Kubernetes.
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
// verifying within that period; when the JWKS endpoint is down, or answers
// something that is not a JWK Set, the last good keys keep working.
//
// Only usable keys count: keys whose "use" is not "sig", of an unknown or
// symmetric type, or that no allowed algorithm can use (by type, or by the
// key's "alg") are left out and logged. A JWK Set with no usable key is the
// issuer's current key set, not a failure: publishing one revokes every
// key. The issuer's tokens are then refused with [authn.ErrUnknownKey] (the
// middleware answers 401), the change is logged once at Error with the
// issuer, [Authenticator.Health] reports zero keys and [Authenticator.Ready]
// fails, saying that the issuer publishes no usable signing key, until it
// publishes one again. [Authenticator.Health] and [Authenticator.Ready]
// report each issuer's state; Health also says when its keys are fetched
// next.
//
// # Observing
//
// [Options.Observer] receives what Kubernetes' JWT authenticator metrics
// record: an [authn.JWTEvent] per verification of a token of a
// configured issuer (Authenticator "oidc", the issuer URL, success or
// failure, the duration; behind a token cache only misses reach the
// authenticator, which is what
// apiserver_authentication_jwt_authenticator_latency_seconds counts), none
// for a token of another issuer; and an [authn.KeySetFetchEvent] after
// every fetch of an issuer's JWKS, with the usable keys in use and, on
// success, "sha256:<hex>" of the JWKS body as Kubernetes hashes it for
// jwks_fetch_last_key_set_info. A fetch that fails at discovery never
// requests the JWKS and is not reported, as in Kubernetes; Health shows
// its error. Beyond Kubernetes' metrics, a token naming a key ID its
// issuer's loaded keys lack reports an [authn.UnknownKeyEvent] (whether a
// refetch ran or the cooldown held it back), and [Authenticator.Apply]
// reports an [authn.IssuerRemovedEvent] for every issuer the new
// configuration drops, so that its series can be deleted as Kubernetes
// deletes them.
//
// # Claim mappings
//
// Username, groups, uid and extra come from claims or from CEL expressions
// over "claims"; user validation rules are CEL expressions over "user".
// Expressions need a [Compiler]: package
// github.com/authnkit/authnkit/oidc/celexpr provides one, kept apart so
// that a program using only claim mappings does not link CEL. As in
// Kubernetes: a username claim of "email" requires "email_verified", when
// present, to be true, and a username expression that reads claims.email
// must be accompanied by one that reads claims.email_verified; a null
// string claim reads as ""; the groups claim may be a string or an array of
// strings, and may be a distributed claim ("_claim_names" and
// "_claim_sources", OpenID Connect Core §5.6.2); a token's "jti" becomes
// the extra value authentication.kubernetes.io/credential-id "JTI=<jti>"
// (a "jti" that is empty or not a string gives none, and is no error).
// [authconfig.Classic.JWT] applies kube-apiserver's username prefix rule
// for the flags: the issuer URL and "#" unless the claim is "email", "-"
// for none.
//
// # Concurrency
//
// An [Authenticator] is safe for concurrent use. The configuration is an
// immutable snapshot behind an atomic pointer; requests take no lock.
// Changing it takes two steps: [Authenticator.Prepare] validates and
// compiles a new configuration without touching the one serving, and may
// fail; [Authenticator.Apply] swaps it in whole, and cannot fail. A
// configuration file reloader prepares each new version as it parses it,
// so that a bad file changes nothing, and applies what it stored. Close
// stops the key managers.
//
// # Beyond Kubernetes
//
// This package differs from kube-apiserver's OIDC authenticator
// (k8s.io/apiserver plugin/pkg/authenticator/token/oidc, which verifies
// tokens with go-oidc v2) on purpose, and only here. Each difference is
// stricter, or safer, or an addition that is off by default; none makes a
// token valid that Kubernetes refuses, except where said.
//
// Tokens and claims:
//
//   - A mapped username or group beginning with "system:" is refused
//     ([ErrReservedName]) unless [Options.InsecureAllowSystemNames] is set:
//     an identity provider must not be able to mint system:masters.
//     Kubernetes has no such guard.
//   - An empty or null username claim is refused ([ErrMissingClaim]), even
//     with a prefix; Kubernetes accepts it and names the user with the bare
//     prefix (or ""), an identity nobody meant. An empty username from an
//     expression is refused in both.
//   - A null inside the groups claim's array is refused ([ErrMissingClaim]);
//     Kubernetes turns it into an empty group name (or the bare prefix).
//   - "exp", "nbf" and "iat" must be JSON numbers within ±2^40 seconds of
//     the epoch ([authn.ErrMalformed]): RFC 7519 §2 makes them numbers, and
//     Kubernetes also accepts a string such as "1700000000" (encoding/json
//     reads one into json.Number) and converts out-of-range numbers with
//     overflow, so a huge "nbf" becomes a date in the past. A token without
//     "exp" is malformed here, expired there: refused in both.
//   - "iat" in the future, beyond the leeway, is refused as "nbf" is
//     ([authn.ErrNotYetValid]); Kubernetes checks only its type. A token
//     from the future is a clock or an issuer gone wrong.
//   - Duplicate member names (compared ignoring case, anywhere in the
//     payload), and top-level members whose name differs from one of the
//     claims above only in case ("Sub", "EXP"), are refused
//     ([authn.ErrMalformed]): Kubernetes' parsers disagree on them
//     (encoding/json keeps the last duplicate and reads "SUB" as "sub" into
//     its ID token, while the claim mappings look names up exactly), so a
//     token could mean two things.
//   - A token whose payload names a configured issuer is that issuer's even
//     when it is not a compact JWS: more than three segments (a JWE-shaped
//     token) or longer than [Options.MaxTokenBytes] (64 KiB) fails with
//     [authn.ErrMalformed], where Kubernetes gives no opinion to anything
//     that is not three segments and has no size limit. A token of a
//     configured issuer with an unreadable JWS header is an error in both.
//   - Claim validation rules (and --oidc-required-claim) run before the
//     claim mappings; Kubernetes maps first and validates after. Every
//     step must pass in both, so the same tokens are accepted; when a rule
//     and a mapping both fail, this package reports the rule, with its
//     message, and no mapping expression runs on claims a rule refused.
//   - Errors are typed ([ErrClaimValidation], [ErrEmailNotVerified],
//     [ErrMissingClaim], [ErrExpression], [ErrUserValidation],
//     [ErrReservedName], [ErrAlgorithm], and the authn sentinels) and never
//     quote the token or claim values; Kubernetes' errors are strings and
//     quote, for example, a required claim's value.
//   - [Options.ClockSkew] widens the time checks; zero keeps Kubernetes'
//     rules.
//
// Keys and signatures:
//
//   - A JWK's "alg" binds it: the key verifies only tokens of that
//     algorithm. Keys whose "use" is not "sig", and keys that no allowed
//     algorithm can use, are left out. Kubernetes (go-jose v2) verifies
//     with any key of the token's kid, whatever its "use" and "alg".
//   - EdDSA is supported (and listed by [AllSigningAlgorithms]).
//   - A JWK Set with no usable key revokes every key: the issuer's tokens
//     are refused with [authn.ErrUnknownKey], [Authenticator.Ready] fails
//     and the change is logged at Error (see Keys above). Kubernetes keeps
//     verifying with the keys it cached until a token that none of them
//     verifies makes it refetch, and its health check stays good. A fetch
//     that fails still keeps the last good keys, here as there.
//   - Keys are fetched as described under Keys: refreshed on a schedule
//     that honours Cache-Control, so a removed key stops verifying; a
//     refetch for an unknown kid at most once per cooldown; backoff and
//     fresh discovery after failures; bodies bounded (1 MiB); each request
//     bounded by 10 s (Kubernetes: 30 s); with the default client,
//     redirects followed only to https, at most four. Kubernetes' go-oidc
//     refetches on demand only, for a token that no cached key verifies
//     once its cache has expired, with no cooldown, and keeps trusting a
//     removed key until then.
//   - Until an issuer's keys arrive, its tokens fail with
//     [authn.ErrUnavailable] (503 with Retry-After): they could not be
//     checked. Kubernetes answers 401 ("authenticator not initialized").
//     Discovery is retried with exponential backoff from 1 s to 1 min;
//     Kubernetes polls every 10 s.
//   - [Authenticator.Health] and [Authenticator.Ready] report each issuer:
//     keys not loaded (with the last fetch error) or no usable key.
//     Kubernetes' health check only says whether discovery has succeeded
//     once. There are no Prometheus metrics; lifecycle events are logged.
//
// Distributed claims:
//
//   - The endpoint must be https, its answer is bounded (64 KiB), and the
//     answer must be a JWT of a configured issuer, for this issuer's
//     audiences, verified like an ID token. Kubernetes fetches any URL,
//     reads the whole answer, and runs discovery against whatever issuer
//     the answer names, which lets a token make the server fetch from
//     anywhere.
//   - An endpoint that cannot be reached or answers a failure status makes
//     the token [authn.ErrUnavailable] (503): its groups could not be
//     checked. Kubernetes answers 401.
//
// Expressions ([Compiler], package celexpr; its documentation details its
// differences from Kubernetes' CEL environment):
//
//   - Expressions may iterate over the members of claims (all, exists,
//     map, filter...) and see member names, as over any CEL map: a
//     superset of what works in kube-apiserver, which compiles such
//     expressions but, over its lazily decoded claims, iterates the values
//     instead, so they fail or mislead there.
//   - The rule that claims.email in a username expression needs
//     claims.email_verified somewhere also counts the index forms
//     claims["email"] and claims["email_verified"]; Kubernetes recognises
//     only claims.email and claims.?email, so claims["email"] escapes its
//     rule and claims["email_verified"] does not satisfy it.
//   - celexpr checks result types when it compiles (a username expression
//     that can never be a string is a configuration error, not a failure
//     of every token); Kubernetes' url, regex, lists, quantity, semver,
//     format and authorizer libraries are not available; costs are
//     cel-go's.
//
// Configuration changes and cost (the configuration's own validation
// and decoding differ from Kubernetes as package authconfig describes):
//
//   - On an [Authenticator.Apply], issuers whose URL, discovery URL and CA
//     are unchanged keep their keys; a newly added issuer is unavailable
//     until its keys arrive. Kubernetes instead builds a whole new set of
//     authenticators and swaps it in once all are healthy.
//   - The payload is decoded once, whatever the number of issuers;
//     Kubernetes decodes it three times and tries each issuer in turn.
package oidc
