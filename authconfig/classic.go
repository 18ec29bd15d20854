package authconfig

import (
	"maps"
	"slices"
)

// Classic holds the values of kube-apiserver's classic --oidc-* flags,
// which configure one issuer. [Classic.JWT] turns them into the [JWT]
// kube-apiserver builds from them; --oidc-signing-algs goes in the
// authenticator's options
// ([github.com/authnkit/authnkit/oidc.Options].SigningAlgorithms).
type Classic struct {
	IssuerURL string // --oidc-issuer-url
	ClientID  string // --oidc-client-id: the one audience
	// CertificateAuthority is the PEM content of --oidc-ca-file.
	CertificateAuthority string
	UsernameClaim        string            // --oidc-username-claim; empty means "sub"
	UsernamePrefix       string            // --oidc-username-prefix; see JWT
	GroupsClaim          string            // --oidc-groups-claim
	GroupsPrefix         string            // --oidc-groups-prefix
	RequiredClaims       map[string]string // --oidc-required-claim key=value, repeated
}

// JWT returns the authenticator configuration kube-apiserver derives from
// the flags. The username prefix follows its rule: an empty prefix means
// IssuerURL + "#" unless the username claim is "email", and "-" means no
// prefix. Required claims become claim validation rules, sorted by claim
// name so that errors come in a stable order.
func (c Classic) JWT() JWT {
	claim := c.UsernameClaim
	if claim == "" {
		claim = "sub"
	}
	prefix := c.UsernamePrefix
	if prefix == "" && claim != "email" {
		prefix = c.IssuerURL + "#"
	}
	if prefix == "-" {
		prefix = ""
	}
	j := JWT{
		Issuer: Issuer{
			URL:                  c.IssuerURL,
			Audiences:            []string{c.ClientID},
			CertificateAuthority: c.CertificateAuthority,
		},
		ClaimMappings: ClaimMappings{
			Username: PrefixedClaimOrExpression{Claim: claim, Prefix: &prefix},
		},
	}
	if c.GroupsClaim != "" {
		gp := c.GroupsPrefix
		j.ClaimMappings.Groups = PrefixedClaimOrExpression{Claim: c.GroupsClaim, Prefix: &gp}
	}
	for _, k := range slices.Sorted(maps.Keys(c.RequiredClaims)) {
		j.ClaimValidationRules = append(j.ClaimValidationRules, ClaimValidationRule{Claim: k, RequiredValue: c.RequiredClaims[k]})
	}
	return j
}
