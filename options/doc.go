// Package options turns kube-apiserver's authentication flags into one
// ready [authn.Authenticator]. It is the only package that wires
// authenticators together.
//
//	o := options.NewOptions()        // kube-apiserver's defaults
//	o.AddFlags(flag.CommandLine)     // --token-auth-file, --anonymous-auth, …
//	flag.Parse()
//	o.CustomTokens = []options.CustomToken{{Name: "apikeys", Authenticator: myKeys}} // optional
//	a, err := o.New()                // validate, load files, compose
//	defer a.Close()
//	handler = a.Middleware()(handler) // audiences, challenges, decision log
//
// # Flags
//
// Names, defaults and meanings are kube-apiserver's: --client-ca-file,
// --requestheader-client-ca-file, --requestheader-allowed-names,
// --requestheader-{username,uid,group}-headers,
// --requestheader-extra-headers-prefix, --token-auth-file,
// --basic-auth-file, --service-account-key-file,
// --service-account-issuer, --service-account-signing-key-file,
// --enable-bootstrap-token-auth, the --oidc-* flags (--oidc-issuer-url,
// --oidc-client-id, --oidc-ca-file, --oidc-username-claim,
// --oidc-username-prefix, --oidc-groups-claim, --oidc-groups-prefix,
// --oidc-required-claim, --oidc-signing-algs), --authentication-config,
// the --authentication-token-webhook-* flags, --anonymous-auth and
// --api-audiences. authnkit adds --client-crl-file,
// --client-cert-deny-file, --bootstrap-token-file and
// --oidc-insecure-allow-system-names, and says so in their help.
// The standard flag package accepts -name and --name, and --name=value;
// list flags take comma-separated values and may be repeated, as pflag's
// string slices do.
//
// # Composition
//
// [Options.New] builds what kube-apiserver builds: a union of the request
// authenticators in kube-apiserver's order (front proxy, HTTP Basic,
// client certificates, then bearer tokens read from Authorization or the
// WebSocket protocol), each success given
// system:authenticated, and — with --anonymous-auth — anonymous access for
// requests that carry no credential anyone recognised. A credential that
// is presented and rejected is never turned into anonymous access, and
// one that could not be checked gives 503. Audience-agnostic
// authenticators (token and password files) answer only for requests
// whose accepted audiences intersect --api-audiences
// ([authn.AudienceAgnostic]). [Options.New] lists the order in full.
//
// # Your own identity logic
//
// [Options.CustomTokens] and [Options.CustomRequests] put the embedding
// program's own authenticators where kube-apiserver would put a built-in
// of the same kind: custom token authenticators in the token union,
// behind the token cache, after the OIDC issuers and before the webhook —
// so bearer tokens and TokenReview both reach them, and the authenticated
// group is added; custom request authenticators after client certificates
// and before bearer tokens. Each has a name, given to its errors
// ([authn.AuthenticatorError]) so that the decision log says who refused.
// A custom member follows the three outcomes: no opinion for what it does
// not know, an error for a credential of its own that is wrong (401), and
// an error matching [authn.ErrUnavailable] when its store is down (503,
// exactly as for a built-in).
//
// [Authenticator.Middleware] puts the result in front of a handler in one
// call, with the audiences, the challenges and the logger (the decision
// log: one line per refusal, see [authn.MiddlewareOptions]).
//
// # Observing
//
// [Options.Observer] is given to every component New builds, so that one
// [authn.Observer] sees everything: the middleware's decisions (through
// [Authenticator.MiddlewareOptions]), both token caches (the one in front
// of the service-account, bootstrap, OIDC and custom token
// authenticators, and the webhook's), JWT verifications and JWKS
// fetches, every load of every watched file, client certificates,
// webhook calls and service-account token counts. [Authenticator.Health]
// gathers the state of every watched file and of every OIDC issuer's
// keys, for a readiness check.
//
// # OpenID Connect
//
// The --oidc-* flags configure one issuer, --authentication-config any
// number (package oidc); the two are exclusive, as in kube-apiserver, and
// so are --anonymous-auth and the file's anonymous section. With the file,
// every supported signing algorithm is accepted, CEL expressions are
// compiled with package oidc/celexpr, and the file is reloaded on change:
// a file that fails to load or validate, or changes the anonymous
// section, is reported through OnError and the previous configuration
// keeps serving. An OIDC issuer may not also be a --service-account-issuer.
// The OIDC authenticator sits after the service accounts, behind the token
// cache, and is audience-agnostic for --api-audiences, as in
// kube-apiserver. Mapped usernames and groups beginning with "system:"
// are refused unless --oidc-insecure-allow-system-names.
//
// # Kubernetes compatibility
//
// Flag names, defaults, exclusivity rules and the order of the
// authenticators are kube-apiserver's. As in kube-apiserver,
// --api-audiences defaults to the --service-account-issuer values,
// --service-account-key-file to the signing key file, and the union of
// token authenticators sits behind a cache with a 10s success TTL and no
// failure caching (Options.TokenSuccessCacheTTL and TokenFailureCacheTTL,
// kube-apiserver's fields, set by NewOptions), while the webhook has its own cache
// (--authentication-token-webhook-cache-ttl) for successes and plain
// rejections, never for errors.
//
// # Beyond Kubernetes
//
// Deliberate differences, each for a reason:
//
//   - Extension flags, each saying so in its help: --client-crl-file and
//     --client-cert-deny-file (revoking a client certificate without
//     replacing the CA), --bootstrap-token-file (bootstrap-token Secrets
//     without etcd), --oidc-insecure-allow-system-names (see below).
//   - [Options.CustomTokens] and [Options.CustomRequests] take the
//     embedding program's own authenticators; kube-apiserver has no such
//     hook.
//   - The token file is not behind the token cache: a map lookup is
//     cheaper than a cache lookup.
//   - OIDC user names and groups that begin with "system:" are refused
//     unless --oidc-insecure-allow-system-names, so that an identity
//     provider cannot grant system:masters.
//   - Every member is [authn.Named]: a refusal says which authenticator
//     decided, and the middleware logs it once, rate-limited.
//   - A --requestheader-client-ca-file that shares a CA with
//     --client-ca-file is refused, compared by content (subject and key)
//     whatever the paths; kube-apiserver refuses only an identical
//     certificate, and only with empty --requestheader-allowed-names.
//     Every client certificate of a shared CA could otherwise assert any
//     identity through the front-proxy headers. The check runs at New; a
//     later edit of either file is not checked again.
//   - New warns when nothing is configured (every request anonymous, or
//     every request refused); kube-apiserver starts silently.
//   - Problems with the --oidc-* flags name the flags and the CA file's
//     path; kube-apiserver reports them as fields of the configuration it
//     builds from them (jwt[0].issuer.url), which the user never wrote.
//   - The flags live on a standard flag.FlagSet, which accepts -name as
//     well as --name; list flags take commas and may be repeated, as
//     pflag's string slices do.
package options
