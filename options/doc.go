// Package options turns kube-apiserver's authentication flags into one
// ready [authn.Authenticator]. It is the only package that wires
// authenticators together.
//
//	o := options.NewOptions()        // kube-apiserver's defaults
//	o.AddFlags(flag.CommandLine)     // --token-auth-file, --anonymous-auth, …
//	flag.Parse()
//	a, err := o.New()                // validate, load files, compose
//	defer a.Close()
//	handler = authn.Middleware(a, authn.MiddlewareOptions{
//		Audiences: a.Audiences, Challenges: a.Challenges})(handler)
//
// # Flags
//
// Names, defaults and meanings are kube-apiserver's. This version knows
// --token-auth-file, --basic-auth-file, --anonymous-auth and
// --api-audiences; the other credential kinds add theirs as they arrive.
// The standard flag package accepts -name and --name, and --name=value;
// list flags take comma-separated values and may be repeated, as pflag's
// string slices do.
//
// # Composition
//
// [Options.New] builds what kube-apiserver builds: a union of the request
// authenticators in kube-apiserver's order (HTTP Basic, then bearer tokens
// read from Authorization or the WebSocket protocol), each success given
// system:authenticated, and — with --anonymous-auth — anonymous access for
// requests that carry no credential anyone recognised. A credential that
// is presented and rejected is never turned into anonymous access.
// Audience-agnostic authenticators (token and password files) answer only
// for requests whose accepted audiences intersect --api-audiences
// ([authn.AudienceAgnostic]).
//
// # Kubernetes compatibility
//
// kube-apiserver also caches all token authenticators for 10 seconds.
// authnkit does not cache the token file: a map lookup is cheaper than a
// cache lookup. Remote and signature-checking token authenticators, when
// configured, sit behind union's token cache.
package options
