package authconfig

// The configuration types mirror AuthenticationConfiguration
// (apiserver.config.k8s.io/v1) field for field, with the same JSON names
// in their struct tags, which are all that decoding knows of them, so
// that a kube-apiserver --authentication-config file loads unchanged
// ([Parse], [Load]) and is checked by the same rules
// ([AuthenticationConfiguration.ValidateStatic]).

// Kind and the API versions of the AuthenticationConfiguration file that
// [Parse] reads. v1 is current; v1beta1 and v1alpha1 are the older
// versions Kubernetes still reads, with the same JWT fields.
const (
	Kind          = "AuthenticationConfiguration"
	GroupV1       = "apiserver.config.k8s.io/v1"
	GroupV1beta1  = "apiserver.config.k8s.io/v1beta1"
	GroupV1alpha1 = "apiserver.config.k8s.io/v1alpha1"
)

// TypeMeta says what a configuration file is, as the TypeMeta of
// k8s.io/apimachinery does: [Parse] reads it first, and reads nothing else
// of a file whose type it does not know.
type TypeMeta struct {
	// APIVersion is GroupV1, GroupV1beta1 or GroupV1alpha1; required in a
	// file, may be empty in a value built in Go.
	APIVersion string `json:"apiVersion"`
	// Kind is [Kind]; required in a file, may be empty in Go.
	Kind string `json:"kind"`
}

// AuthenticationConfiguration is the file kube-apiserver reads from
// --authentication-config. The zero value is valid and configures nothing.
type AuthenticationConfiguration struct {
	// TypeMeta is inline, as in Kubernetes: "apiVersion" and "kind" are
	// fields of the file's top-level object.
	TypeMeta `json:",inline"`

	// JWT lists the JWT (OIDC) authenticators, at most
	// [MaxJWTAuthenticators], each with its own issuer URL. A token is
	// handed to the one whose issuer URL equals its "iss". Empty is valid:
	// a file may configure only anonymous access.
	JWT []JWT `json:"jwt"`

	// Anonymous configures anonymous access. Nil: the --anonymous-auth
	// flag decides, as in Kubernetes; when set, that flag must not be
	// given too.
	Anonymous *AnonymousConfig `json:"anonymous,omitempty"`
}

// AnonymousConfig is AuthenticationConfiguration's "anonymous" section.
type AnonymousConfig struct {
	// Enabled turns anonymous access on. False (the zero value) turns it
	// off, and then Conditions must be empty.
	Enabled bool `json:"enabled"`
	// Conditions, when not empty, limit anonymous access to requests
	// whose URL path equals one of the listed paths exactly (no prefix
	// match, no wildcard). Empty: every path.
	Conditions []AnonymousCondition `json:"conditions,omitempty"`
}

// AnonymousCondition is one path anonymous requests may reach.
type AnonymousCondition struct {
	// Path is compared with the request's URL path, such as "/livez".
	// Required; unique within Conditions.
	Path string `json:"path"`
}

// JWT configures one issuer: Kubernetes' JWTAuthenticator.
type JWT struct {
	// Issuer says which tokens are this authenticator's and where its
	// keys are. Required.
	Issuer Issuer `json:"issuer"`
	// ClaimValidationRules must all pass for a token to be accepted.
	// Optional. Claims are unique among claim rules, expressions among
	// expression rules.
	ClaimValidationRules []ClaimValidationRule `json:"claimValidationRules,omitempty"`
	// ClaimMappings turns claims into the user. Username is required.
	ClaimMappings ClaimMappings `json:"claimMappings"`
	// UserValidationRules must all pass for the mapped user to be
	// accepted, for example to refuse the "system:" prefix. Optional;
	// expressions unique.
	UserValidationRules []UserValidationRule `json:"userValidationRules,omitempty"`
}

// Issuer says which tokens a [JWT] authenticator owns and how to fetch
// its keys.
type Issuer struct {
	// URL must equal the token's "iss" and the "issuer" of the discovery
	// document (the --oidc-issuer-url flag). Required; https, with a
	// host and no user info, query (not even an empty one) or fragment;
	// unique across authenticators.
	URL string `json:"url"`
	// DiscoveryURL, when set, is where the discovery document is fetched
	// from, exactly as given, instead of URL +
	// "/.well-known/openid-configuration"; the document's "issuer" must
	// still equal URL. Empty: derived from URL. Same rules as URL, must
	// differ from it (trailing slashes ignored) and be unique across
	// authenticators.
	DiscoveryURL string `json:"discoveryURL,omitempty"`
	// CertificateAuthority is PEM: the CAs that verify the TLS connections
	// to the discovery and JWKS endpoints (the content of --oidc-ca-file).
	// Empty: the system roots. When set it must hold at least one
	// CERTIFICATE block, and every such block must parse.
	CertificateAuthority string `json:"certificateAuthority,omitempty"`
	// Audiences the token's "aud" must contain at least one of (the
	// --oidc-client-id flag, as a list). Required; entries non-empty and
	// unique.
	Audiences []string `json:"audiences"`
	// AudienceMatchPolicy is [MatchAny], which is required with more than
	// one audience; with a single audience it may also be empty, which
	// means the same.
	AudienceMatchPolicy AudienceMatchPolicy `json:"audienceMatchPolicy,omitempty"`
	// EgressSelectorType is read for compatibility and must be empty:
	// Kubernetes' values ("controlplane", "cluster") name connections of
	// kube-apiserver's egress selector, which has no counterpart here.
	EgressSelectorType string `json:"egressSelectorType,omitempty"`
}

// AudienceMatchPolicy is Issuer.AudienceMatchPolicy.
type AudienceMatchPolicy string

// MatchAny accepts a token whose "aud" contains any configured audience.
const MatchAny AudienceMatchPolicy = "MatchAny"

// ClaimValidationRule is either Claim + RequiredValue (the claim must be a
// string equal to RequiredValue; an empty RequiredValue requires the claim
// to be present and empty, as --oidc-required-claim does) or a CEL
// Expression over "claims" that must evaluate to true; Message, allowed
// only with Expression, is reported when it does not.
type ClaimValidationRule struct {
	Claim         string `json:"claim,omitempty"`
	RequiredValue string `json:"requiredValue,omitempty"`
	Expression    string `json:"expression,omitempty"`
	Message       string `json:"message,omitempty"`
}

// ClaimMappings turns verified claims into an [authn.UserInfo].
type ClaimMappings struct {
	// Username is required: a claim (with a prefix, possibly "") or an
	// expression. Unlike the --oidc-username-claim flag there is no
	// default claim and no default prefix.
	Username PrefixedClaimOrExpression `json:"username"`
	// Groups is optional: a string or string-list claim (with a prefix,
	// possibly ""), or an expression.
	Groups PrefixedClaimOrExpression `json:"groups,omitempty"`
	// UID is optional: a string claim or an expression.
	UID ClaimOrExpression `json:"uid,omitempty"`
	// Extra is optional; keys are unique.
	Extra []ExtraMapping `json:"extra,omitempty"`
}

// PrefixedClaimOrExpression maps a claim (with a prefix) or a CEL
// expression to a value; Claim and Expression are exclusive. Prefix is
// required with Claim (non-nil; "" means no prefix) and forbidden with
// Expression.
type PrefixedClaimOrExpression struct {
	Claim      string  `json:"claim,omitempty"`
	Prefix     *string `json:"prefix,omitempty"`
	Expression string  `json:"expression,omitempty"`
}

// ClaimOrExpression maps a claim or a CEL expression to a value; Claim and
// Expression are exclusive.
type ClaimOrExpression struct {
	Claim      string `json:"claim,omitempty"`
	Expression string `json:"expression,omitempty"`
}

// ExtraMapping sets UserInfo.Extra[Key] from a CEL expression that yields
// a string or a list of strings ("", [] and null leave the key out). Key is
// required: a lower-case, domain-prefixed path ("example.com/team": an RFC
// 1123 subdomain, "/", then RFC 3986 path characters) outside the domains
// k8s.io and kubernetes.io and their subdomains, which Kubernetes reserves.
// ValueExpression is required.
type ExtraMapping struct {
	Key             string `json:"key"`
	ValueExpression string `json:"valueExpression"`
}

// UserValidationRule is a CEL expression over "user" (the mapped
// UserInfo) that must evaluate to true; Message is reported when it does
// not. Expression is required.
type UserValidationRule struct {
	Expression string `json:"expression"`
	Message    string `json:"message,omitempty"`
}
