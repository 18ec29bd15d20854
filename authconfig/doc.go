// Package authconfig reads and checks kube-apiserver's authentication
// configuration: the AuthenticationConfiguration file of
// --authentication-config (apiserver.config.k8s.io v1, v1beta1 and
// v1alpha1), with its JWT issuers, their claim validation rules, claim
// mappings and user validation rules, and its anonymous section; and the
// classic --oidc-* flags, which [Classic] turns into the same [JWT]
// configuration, as kube-apiserver does.
//
// It decodes and validates; it authenticates nothing. Package
// github.com/authnkit/authnkit/oidc verifies tokens for the [JWT] list
// (and compiles its CEL expressions); package
// github.com/authnkit/authnkit/options reads the file from the
// --authentication-config flag, reloads it, and applies its anonymous
// section.
//
//	cfg, err := authconfig.Load("/etc/kubernetes/authn.yaml")
//	if err != nil {
//		return err // matches authconfig.ErrInvalidConfig, names lines and fields
//	}
//	a, err := oidc.New(cfg.JWT, oidc.Options{Compiler: compiler})
//
// # Format
//
// [Parse] reads YAML, or JSON when the input starts with "{", as
// kube-apiserver does and with the libraries it uses: sigs.k8s.io/yaml
// turns YAML into JSON with YAML 1.1 scalars (an unquoted yes, no, on or
// off is a boolean), and sigs.k8s.io/json decodes the JSON strictly: field
// names are the struct tags of the types in this package, compared
// case-sensitively; unknown fields, fields given twice and values of the
// wrong type are errors; null leaves the zero value. apiVersion and kind
// are read first, and nothing else of a file whose type is not known.
//
// # Errors
//
// Every error about the configuration itself matches [ErrInvalidConfig].
// A file that cannot be decoded gets an error that lists each problem (up
// to ten) with its line and field path:
//
//	line 4: jwt[0].issuer.url: expected a string, got the number 1
//	line 9: jwt[0].claimValidationRules[0].requiredValue: expected a string, got the boolean yes (Kubernetes reads YAML 1.1, where it is a boolean: quote it)
//
// A decoded file that breaks a rule gets a [*ConfigError] holding one
// [*FieldError] per problem, with Kubernetes' field paths and messages:
//
//	jwt[0].issuer.url: Invalid value: "http://example.com": URL scheme must be https
//
// # Kubernetes compatibility
//
// The types mirror apiserver.config.k8s.io/v1 field for field, with the
// same JSON names, so a file written for kube-apiserver loads unchanged.
// [AuthenticationConfiguration.ValidateStatic] applies the rules of
// kube-apiserver's ValidateAuthenticationConfiguration that need nothing
// but the file; the others need more and are applied where that is known:
// CEL expressions are compiled by the authenticator
// (github.com/authnkit/authnkit/oidc.New, with its Compiler, which also
// applies the rule that a username expression reading claims.email must
// read claims.email_verified), and package options refuses an issuer that
// is also a service-account issuer, and an anonymous section together with
// --anonymous-auth or changed by a reload.
//
// # Beyond Kubernetes
//
// This package differs from kube-apiserver on purpose, and only here;
// each difference refuses something Kubernetes accepts, or says more.
//
// Decoding:
//
//   - A problem is reported with its line and field path, and up to ten
//     at once; Kubernetes reports only the first value of a wrong type,
//     without a line or list indices ("Go struct field Issuer.jwt.issuer.url").
//     A YAML 1.1 boolean where a string belongs gets a hint to quote it.
//   - Input over [MaxConfigSize] (1 MiB) is refused, and so is YAML whose
//     aliases expand to more than 262144 values or 4 MiB of text, or that
//     nests deeper than 64 levels: Kubernetes reads a file of any size and
//     bounds aliases only by the ratio go.yaml.in/yaml/v2 allows.
//   - YAML merge keys ("<<"), keys that are aliases, and tags other than
//     YAML's standard ones (such as !!binary, or an application's own
//     !tag) are refused: a merged field could not be traced to a line,
//     and the others have no meaning in this file. go.yaml.in/yaml/v2
//     merges, decodes !!binary and ignores unknown tags.
//   - Keys that a YAML 1.2 parser reads as different but that become the
//     same JSON name (such as 1 and "1") are refused as repeated;
//     Kubernetes keeps one of them.
//
// Validation ([AuthenticationConfiguration.ValidateStatic]):
//
//   - An issuer or discovery URL without a host, or with an empty query
//     ("https://example.com?"), is refused: Kubernetes accepts both and
//     then never fetches keys or never matches a token's "iss".
//   - Messages mask the password of a URL; Kubernetes prints it.
//   - egressSelectorType must be empty: there is no egress selector
//     outside kube-apiserver.
//   - An anonymous condition path may not be empty or repeated.
//   - apiVersion and kind, when set, must be the known ones (both may be
//     left empty in a configuration built in Go).
package authconfig
