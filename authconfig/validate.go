package authconfig

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxJWTAuthenticators is the most JWT authenticators one configuration may
// hold, as in Kubernetes.
const MaxJWTAuthenticators = 64

// ValidateStatic checks c the way kube-apiserver's
// ValidateAuthenticationConfiguration does, with the same field paths and
// messages, except that it does not compile CEL expressions:
// [github.com/authnkit/authnkit/oidc.New] and
// [github.com/authnkit/authnkit/oidc.Authenticator.Prepare] do that with
// their Compiler, and also apply the rule that needs them (claims.email
// in a username expression requires claims.email_verified somewhere). An
// empty JWT list is valid (an anonymous-only configuration), and so is a
// nil c.
//
// Where it differs from Kubernetes (listed, with the reasons, under
// "Beyond Kubernetes" in the package documentation), it masks the password
// of a URL in its messages, and it rejects an issuer or discovery URL
// without a host or with an empty query ("https://example.com?"), an
// egressSelectorType (there is no egress selector outside kube-apiserver),
// an empty or repeated anonymous condition path, and an apiVersion or kind
// that is set to something other than [GroupV1], [GroupV1beta1],
// [GroupV1alpha1] and [Kind] (both may be left empty in a configuration
// built in Go).
//
// It returns nil or a [*ConfigError] (which matches [ErrInvalidConfig]).
// It does not modify c and is safe to call concurrently on the same c.
func (c *AuthenticationConfiguration) ValidateStatic() error {
	if c == nil {
		return nil
	}
	var errs []*FieldError
	if c.APIVersion != "" && c.APIVersion != GroupV1 && c.APIVersion != GroupV1beta1 && c.APIVersion != GroupV1alpha1 {
		errs = append(errs, errNotSupported("apiVersion", c.APIVersion, GroupV1, GroupV1beta1, GroupV1alpha1))
	}
	if c.Kind != "" && c.Kind != Kind {
		errs = append(errs, errNotSupported("kind", c.Kind, Kind))
	}
	if len(c.JWT) > MaxJWTAuthenticators {
		// Kubernetes reports this alone and looks no further.
		return newConfigError(append(errs, errTooMany("jwt", len(c.JWT), MaxJWTAuthenticators)))
	}
	errs = append(errs, validateJWTs(c.JWT)...)
	errs = append(errs, validateAnonymous(c.Anonymous)...)
	return newConfigError(errs)
}

// validateJWTs checks each authenticator (paths "jwt[i]...") and the rules
// that span them: at most [MaxJWTAuthenticators], issuer URLs unique,
// discovery URLs unique.
func validateJWTs(js []JWT) []*FieldError {
	if len(js) > MaxJWTAuthenticators {
		return []*FieldError{errTooMany("jwt", len(js), MaxJWTAuthenticators)}
	}
	var errs []*FieldError
	seenURL := make(map[string]bool, len(js))
	seenDiscovery := make(map[string]bool, len(js))
	for i := range js {
		p := pathIndex("jwt", i)
		j := &js[i]
		errs = append(errs, validateJWT(p, j)...)
		if seenURL[j.Issuer.URL] {
			errs = append(errs, errDuplicate(p+".issuer.url", redactURL(j.Issuer.URL)))
		}
		seenURL[j.Issuer.URL] = true
		if j.Issuer.DiscoveryURL != "" {
			if seenDiscovery[j.Issuer.DiscoveryURL] {
				errs = append(errs, errDuplicate(p+".issuer.discoveryURL", redactURL(j.Issuer.DiscoveryURL)))
			}
			seenDiscovery[j.Issuer.DiscoveryURL] = true
		}
	}
	return errs
}

// validateJWT checks one authenticator on its own, without CEL: issuer,
// claim validation rules, claim mappings, user validation rules. path is
// where j sits ("jwt[0]"); empty means j is the root, so fields read
// "issuer.url". A nil j is reported as required.
func validateJWT(path string, j *JWT) []*FieldError {
	if j == nil {
		if path == "" {
			path = "jwt"
		}
		return []*FieldError{errRequired(path, "")}
	}
	var errs []*FieldError
	errs = append(errs, validateJWTIssuer(pathChild(path, "issuer"), &j.Issuer)...)
	errs = append(errs, validateClaimValidationRules(pathChild(path, "claimValidationRules"), j.ClaimValidationRules)...)
	errs = append(errs, validateClaimMappings(pathChild(path, "claimMappings"), &j.ClaimMappings)...)
	errs = append(errs, validateUserValidationRules(pathChild(path, "userValidationRules"), j.UserValidationRules)...)
	return errs
}

func validateJWTIssuer(path string, is *Issuer) []*FieldError {
	var errs []*FieldError
	urlPath := pathChild(path, "url")
	if is.URL == "" {
		errs = append(errs, errRequired(urlPath, ""))
	} else {
		errs = append(errs, validateJWTURL(urlPath, is.URL)...)
	}
	if is.DiscoveryURL != "" {
		dp := pathChild(path, "discoveryURL")
		if is.URL != "" && strings.TrimRight(is.URL, "/") == strings.TrimRight(is.DiscoveryURL, "/") {
			errs = append(errs, errInvalid(dp, redactURL(is.DiscoveryURL), "discoveryURL must be different from URL"))
		}
		errs = append(errs, validateJWTURL(dp, is.DiscoveryURL)...)
	}
	errs = append(errs, validateAudiences(path, is.Audiences, is.AudienceMatchPolicy)...)
	if is.CertificateAuthority != "" {
		if err := checkCAPEM([]byte(is.CertificateAuthority)); err != nil {
			// The PEM itself is never echoed back.
			errs = append(errs, errInvalid(pathChild(path, "certificateAuthority"), "<omitted>", err.Error()))
		}
	}
	errs = append(errs, validateEgressSelector(pathChild(path, "egressSelectorType"), is.EgressSelectorType)...)
	return errs
}

// validateJWTURL applies Kubernetes' rules for issuer and discovery URLs,
// and two of ours: a host is required, and an empty query ("https://x?")
// is a query. Kubernetes accepts both, and then never fetches the keys: it
// builds the discovery URL by appending to the issuer, and a token's "iss"
// must equal the issuer.
func validateJWTURL(path, raw string) []*FieldError {
	shown := redactURL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = shown
		}
		return []*FieldError{errInvalid(path, shown, err.Error())}
	}
	var errs []*FieldError
	if u.Scheme != "https" {
		errs = append(errs, errInvalid(path, shown, "URL scheme must be https"))
	}
	if u.Host == "" {
		errs = append(errs, errInvalid(path, shown, "URL must contain a host"))
	}
	if u.User != nil {
		errs = append(errs, errInvalid(path, shown, "URL must not contain a username or password"))
	}
	if u.RawQuery != "" || u.ForceQuery {
		errs = append(errs, errInvalid(path, shown, "URL must not contain a query"))
	}
	if u.Fragment != "" {
		errs = append(errs, errInvalid(path, shown, "URL must not contain a fragment"))
	}
	return errs
}

// redactURL masks the password of a URL that has one
// ("https://u:xxxxx@h"), as url.URL.Redacted does, so that errors and logs
// never carry it; Kubernetes prints it as given. It works on the text, so
// that a URL that does not parse is masked too.
func redactURL(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	start := len(raw) - len(rest)
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	colon := strings.Index(authority[:at], ":")
	if colon < 0 {
		return raw
	}
	return raw[:start+colon+1] + "xxxxx" + raw[start+at:]
}

func validateAudiences(issuerPath string, auds []string, policy AudienceMatchPolicy) []*FieldError {
	path := pathChild(issuerPath, "audiences")
	policyPath := pathChild(issuerPath, "audienceMatchPolicy")
	if len(auds) == 0 {
		return []*FieldError{errRequired(path, fmt.Sprintf("at least one %s is required", path))}
	}
	var errs []*FieldError
	seen := make(map[string]bool, len(auds))
	for i, a := range auds {
		p := pathIndex(path, i)
		if a == "" {
			errs = append(errs, errRequired(p, ""))
		}
		if seen[a] {
			errs = append(errs, errDuplicate(p, a))
		}
		seen[a] = true
	}
	// policy keeps its named type so that it prints as JSON, as in
	// Kubernetes.
	switch {
	case len(auds) > 1 && policy != MatchAny:
		errs = append(errs, errInvalid(policyPath, policy, "audienceMatchPolicy must be MatchAny for multiple audiences"))
	case len(auds) == 1 && policy != "" && policy != MatchAny:
		errs = append(errs, errInvalid(policyPath, policy, "audienceMatchPolicy must be empty or MatchAny for single audience"))
	}
	return errs
}

// checkCAPEM accepts data holding at least one PEM CERTIFICATE
// block (without headers) and no such block that fails to parse; other
// blocks are skipped. This is what Kubernetes' cert.NewPoolFromBytes
// accepts, with the same messages.
func checkCAPEM(data []byte) error {
	found := false
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		found = true
	}
	if !found {
		return errors.New("data does not contain any valid RSA or ECDSA certificates")
	}
	return nil
}

// egressSelectorValue is a named string so that the value prints as JSON in
// a FieldError, as Kubernetes' EgressSelectorType does.
type egressSelectorValue string

// validateEgressSelector accepts only the empty string. Kubernetes' own
// values, "controlplane" and "cluster", name connections configured by
// kube-apiserver's --egress-selector-config-file, which has no counterpart
// here: they are Forbidden, and anything else is also NotSupported.
func validateEgressSelector(path, t string) []*FieldError {
	if t == "" {
		return nil
	}
	errs := []*FieldError{errForbidden(path,
		"egress selection is not available outside kube-apiserver: leave egressSelectorType unset")}
	if t != "controlplane" && t != "cluster" {
		errs = append(errs, errNotSupported(path, egressSelectorValue(t), "controlplane", "cluster"))
	}
	return errs
}

func validateClaimValidationRules(path string, rules []ClaimValidationRule) []*FieldError {
	var errs []*FieldError
	seenClaims := make(map[string]bool)
	seenExprs := make(map[string]bool)
	for i := range rules {
		r := &rules[i]
		p := pathIndex(path, i)
		switch {
		case r.Claim != "" && r.Expression != "":
			errs = append(errs, errInvalid(p, r.Claim, "claim and expression can't both be set"))
		case r.Claim == "" && r.Expression == "":
			errs = append(errs, errRequired(p, "claim or expression is required"))
		case r.Claim != "":
			if r.Message != "" {
				errs = append(errs, errInvalid(p+".message", r.Message, "may not be specified when claim is set"))
			}
			if seenClaims[r.Claim] {
				errs = append(errs, errDuplicate(p+".claim", r.Claim))
			}
			seenClaims[r.Claim] = true
		default: // expression
			if r.RequiredValue != "" {
				errs = append(errs, errInvalid(p+".requiredValue", r.RequiredValue, "may not be specified when expression is set"))
			}
			if seenExprs[r.Expression] {
				errs = append(errs, errDuplicate(p+".expression", r.Expression))
			}
			seenExprs[r.Expression] = true
		}
	}
	return errs
}

func validateClaimMappings(path string, m *ClaimMappings) []*FieldError {
	var errs []*FieldError
	errs = append(errs, validatePrefixedMapping(pathChild(path, "username"), &m.Username, true)...)
	errs = append(errs, validatePrefixedMapping(pathChild(path, "groups"), &m.Groups, false)...)
	if m.UID.Claim != "" && m.UID.Expression != "" {
		errs = append(errs, errInvalid(pathChild(path, "uid"), "", "claim and expression can't both be set"))
	}
	errs = append(errs, validateExtraMappings(pathChild(path, "extra"), m.Extra)...)
	return errs
}

// validatePrefixedMapping checks a username (required) or groups mapping: claim
// and expression exclusive, a prefix (possibly "") required with a claim
// and forbidden with an expression.
func validatePrefixedMapping(path string, m *PrefixedClaimOrExpression, required bool) []*FieldError {
	switch {
	case m.Claim != "" && m.Expression != "":
		return []*FieldError{errInvalid(path, "", "claim and expression can't both be set")}
	case m.Claim == "" && m.Expression == "":
		if required {
			return []*FieldError{errRequired(path, "claim or expression is required")}
		}
	case m.Expression != "":
		if m.Prefix != nil {
			return []*FieldError{errInvalid(path+".prefix", *m.Prefix, "may not be specified when expression is set")}
		}
	default: // claim
		if m.Prefix == nil {
			return []*FieldError{errRequired(path+".prefix",
				"prefix is required when claim is set. It can be set to an empty string to disable prefixing")}
		}
	}
	return nil
}

func validateExtraMappings(path string, extra []ExtraMapping) []*FieldError {
	var errs []*FieldError
	seen := make(map[string]bool, len(extra))
	for i := range extra {
		e := &extra[i]
		p := pathIndex(path, i)
		kp := p + ".key"
		// Keys are namespaced by a domain ("example.org/team"), as
		// UserInfo.Extra keys should be.
		errs = append(errs, validateDomainPrefixedPath(kp, e.Key)...)
		if e.Key != strings.ToLower(e.Key) {
			errs = append(errs, errInvalid(kp, e.Key, "must be lowercase"))
		}
		if isKubernetesDomain(e.Key) {
			errs = append(errs, errInvalid(kp, e.Key, "k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use"))
		}
		if seen[e.Key] {
			errs = append(errs, errDuplicate(kp, e.Key))
			continue
		}
		seen[e.Key] = true
		if e.ValueExpression == "" {
			errs = append(errs, errRequired(p+".valueExpression", ""))
		}
	}
	return errs
}

// isKubernetesDomain reports whether the part of key before its first "/"
// is k8s.io, kubernetes.io or a subdomain of either.
func isKubernetesDomain(key string) bool {
	domain, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	return domain == "kubernetes.io" || strings.HasSuffix(domain, ".kubernetes.io") ||
		domain == "k8s.io" || strings.HasSuffix(domain, ".k8s.io")
}

// Messages of Kubernetes' IsDomainPrefixedPath, with the patterns it
// quotes.
const (
	dns1123SubdomainPattern = `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
	dns1123SubdomainMsg     = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + dns1123SubdomainPattern + "')"
	dns1123SubdomainMaxLen  = 253
	httpPathPattern         = `[A-Za-z0-9/\-._~%!$&'()*+,;=:]+`
	httpPathMsg             = "Invalid path (regex used for validation is '" + httpPathPattern + "')"
)

// validateDomainPrefixedPath checks that p is "<RFC 1123 subdomain>/<path>"
// with a non-empty path made of RFC 3986 path characters.
func validateDomainPrefixedPath(field, p string) []*FieldError {
	if p == "" {
		return []*FieldError{errRequired(field, "")}
	}
	host, rest, ok := strings.Cut(p, "/")
	if !ok || host == "" || rest == "" {
		return []*FieldError{errInvalid(field, p, `must be a domain-prefixed path (such as "acme.io/foo")`)}
	}
	var errs []*FieldError
	if len(host) > dns1123SubdomainMaxLen {
		errs = append(errs, errInvalid(field, host, fmt.Sprintf("must be no more than %d characters", dns1123SubdomainMaxLen)))
	}
	if !isDNS1123Subdomain(host) {
		errs = append(errs, errInvalid(field, host, dns1123SubdomainMsg))
	}
	if !isHTTPPathChars(rest) {
		errs = append(errs, errInvalid(field, rest, httpPathMsg))
	}
	return errs
}

// isDNS1123Subdomain matches dns1123SubdomainPattern: dot-separated labels
// of lower-case letters, digits and '-', each starting and ending with a
// letter or digit.
func isDNS1123Subdomain(s string) bool {
	if s == "" {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// isHTTPPathChars matches httpPathPattern.
func isHTTPPathChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune(`/-._~%!$&'()*+,;=:`, rune(c)) {
			return false
		}
	}
	return true
}

func validateUserValidationRules(path string, rules []UserValidationRule) []*FieldError {
	var errs []*FieldError
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		p := pathIndex(path, i) + ".expression"
		expr := rules[i].Expression
		if expr == "" {
			errs = append(errs, errRequired(p, ""))
			continue
		}
		if seen[expr] {
			errs = append(errs, errDuplicate(p, expr))
			continue
		}
		seen[expr] = true
	}
	return errs
}

// validateAnonymous applies Kubernetes' rule (conditions only when
// enabled) and two of ours: each condition names a path, and no path
// twice.
func validateAnonymous(a *AnonymousConfig) []*FieldError {
	if a == nil {
		return nil
	}
	var errs []*FieldError
	if !a.Enabled && len(a.Conditions) > 0 {
		// Kubernetes prints its internal type here, whose JSON field is
		// "Path"; mirror it so the message is the same.
		shown := make([]struct{ Path string }, len(a.Conditions))
		for i, c := range a.Conditions {
			shown[i].Path = c.Path
		}
		errs = append(errs, errInvalid("anonymous.conditions", shown, "enabled should be set to true when conditions are defined"))
	}
	seen := make(map[string]bool, len(a.Conditions))
	for i, c := range a.Conditions {
		p := pathIndex("anonymous.conditions", i) + ".path"
		switch {
		case c.Path == "":
			errs = append(errs, errRequired(p, ""))
		case seen[c.Path]:
			errs = append(errs, errDuplicate(p, c.Path))
		}
		seen[c.Path] = true
	}
	return errs
}
