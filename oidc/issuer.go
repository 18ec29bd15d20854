package oidc

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtverify"
	"github.com/authnkit/authnkit/oidc/internal/jwks"
)

// googleIssuer is the one issuer whose tokens may carry "iss" without the
// scheme: go-oidc accepts "accounts.google.com" for it, and so do we.
const (
	googleIssuer         = "https://accounts.google.com"
	googleIssuerNoScheme = "accounts.google.com"
)

// fetchTimeout bounds each request of a default per-issuer client.
const fetchTimeout = 10 * time.Second

// mapping is a compiled claim-or-expression mapping.
type mapping struct {
	claim  string
	prefix string
	prog   Program
	expr   string
}

type extraMapping struct {
	key  string
	prog Program
	expr string
}

type claimRule struct {
	claim, value string
	prog         Program
	expr, msg    string
}

type userRule struct {
	prog      Program
	expr, msg string
}

// issuer is one compiled [authconfig.JWT]: immutable once built, except for its key
// set, which refreshes itself.
type issuer struct {
	url    string
	auds   []string
	algs   []jwssig.Alg
	keys   *jwks.Set        // nil when the keys are the program's ([Options.KeySets])
	static jwtverify.KeySet // the program's keys, when set
	keyID  keySetID
	client *http.Client
	// ownClient: client was made here, and its idle connections are
	// closed with the key set.
	ownClient bool
	username  mapping
	groups    mapping
	uid       mapping
	extra     []extraMapping
	claims    []claimRule
	users     []userRule
	// usesExpressions is set when any expression needs every claim.
	usesExpressions bool
	// claimNames are the claims the mappings and rules read by name.
	claimNames []string
}

// keySetID identifies what a key set fetches, so that an update keeps an
// unchanged issuer's keys instead of fetching them again.
type keySetID struct {
	url, discoveryURL, ca string
	client                *http.Client
}

// compile builds the runtime form of j, found at path ("jwt[0]"). It
// reports expression and CA failures as field errors. The key set is
// created by the caller.
func compile(path string, j *authconfig.JWT, algs []jwssig.Alg, opts *Options) (*issuer, []*authconfig.FieldError) {
	var errs []*authconfig.FieldError
	is := &issuer{
		url:  j.Issuer.URL,
		auds: slices.Clone(j.Issuer.Audiences),
		algs: algs,
	}
	is.keyID = keySetID{url: j.Issuer.URL, discoveryURL: j.Issuer.DiscoveryURL, ca: j.Issuer.CertificateAuthority, client: opts.HTTPClient}

	if opts.HTTPClient != nil {
		if j.Issuer.CertificateAuthority != "" {
			errs = append(errs, &authconfig.FieldError{Field: path + ".issuer.certificateAuthority", Type: authconfig.FieldValueForbidden,
				Detail: "must be empty when Options.HTTPClient is set"})
		}
		is.client = opts.HTTPClient
	} else {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if ca := j.Issuer.CertificateAuthority; ca != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(ca)) {
				errs = append(errs, &authconfig.FieldError{Field: path + ".issuer.certificateAuthority", Type: authconfig.FieldValueInvalid,
					BadValue: "<omitted>", Detail: "no PEM certificate found"})
			}
			tc.RootCAs = pool
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		is.client = &http.Client{Transport: tr, Timeout: fetchTimeout, CheckRedirect: noDowngrade}
		is.ownClient = true
	}

	compileExpr := func(field, expr string, env Env, want ResultType) Program {
		if opts.Compiler == nil {
			errs = append(errs, &authconfig.FieldError{Field: field, Type: authconfig.FieldValueInvalid, BadValue: expr,
				Detail: "expressions need a CEL compiler (oidc.Options.Compiler, for example celexpr.New)"})
			return nil
		}
		p, err := opts.Compiler.Compile(expr, env, want)
		if err != nil {
			errs = append(errs, &authconfig.FieldError{Field: field, Type: authconfig.FieldValueInvalid, BadValue: expr,
				Detail: "compilation failed: " + err.Error()})
			return nil
		}
		is.usesExpressions = true
		return p
	}
	addName := func(name string) {
		if name != "" && !slices.Contains(is.claimNames, name) {
			is.claimNames = append(is.claimNames, name)
		}
	}

	cm := &j.ClaimMappings
	mp := path + ".claimMappings"
	is.username = mapping{claim: cm.Username.Claim, prefix: deref(cm.Username.Prefix), expr: cm.Username.Expression}
	if e := cm.Username.Expression; e != "" {
		is.username.prog = compileExpr(mp+".username.expression", e, ClaimsEnv, String)
	}
	is.groups = mapping{claim: cm.Groups.Claim, prefix: deref(cm.Groups.Prefix), expr: cm.Groups.Expression}
	if e := cm.Groups.Expression; e != "" {
		is.groups.prog = compileExpr(mp+".groups.expression", e, ClaimsEnv, StringOrList)
	}
	is.uid = mapping{claim: cm.UID.Claim, expr: cm.UID.Expression}
	if e := cm.UID.Expression; e != "" {
		is.uid.prog = compileExpr(mp+".uid.expression", e, ClaimsEnv, String)
	}
	for i, x := range cm.Extra {
		is.extra = append(is.extra, extraMapping{key: x.Key, expr: x.ValueExpression,
			prog: compileExpr(fmt.Sprintf("%s.extra[%d].valueExpression", mp, i), x.ValueExpression, ClaimsEnv, StringOrList)})
	}
	for i, r := range j.ClaimValidationRules {
		cr := claimRule{claim: r.Claim, value: r.RequiredValue, expr: r.Expression, msg: r.Message}
		if r.Expression != "" {
			cr.prog = compileExpr(fmt.Sprintf("%s.claimValidationRules[%d].expression", path, i), r.Expression, ClaimsEnv, Bool)
		}
		is.claims = append(is.claims, cr)
		addName(r.Claim)
	}
	for i, r := range j.UserValidationRules {
		is.users = append(is.users, userRule{expr: r.Expression, msg: r.Message,
			prog: compileExpr(fmt.Sprintf("%s.userValidationRules[%d].expression", path, i), r.Expression, UserEnv, Bool)})
	}
	addName(is.username.claim)
	addName(is.groups.claim)
	addName(is.uid.claim)
	if is.username.claim == "email" {
		addName("email_verified")
	}
	if is.groups.claim != "" {
		addName(claimNamesKey)
		addName(claimSourcesKey)
	}

	// Kubernetes: an expression that makes the username from claims.email
	// must be accompanied by a check of claims.email_verified.
	if p := is.username.prog; p != nil && p.UsesClaim("email") && !usesEmailVerified(is) {
		errs = append(errs, &authconfig.FieldError{Field: mp + ".username.expression", Type: authconfig.FieldValueInvalid, BadValue: cm.Username.Expression,
			Detail: "claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression"})
	}
	return is, errs
}

// noDowngrade refuses redirects away from https, and long chains.
func noDowngrade(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a %s URL refused", req.URL.Scheme)
	}
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	return nil
}

// keySet is what verifies is's tokens: the program's keys, or the key
// manager's.
func (is *issuer) keySet() jwtverify.KeySet {
	if is.static != nil {
		return is.static
	}
	return is.keys
}

// close stops the key set and drops the idle connections of a client
// made for it.
func (is *issuer) close() error {
	var err error
	if is.keys != nil {
		err = is.keys.Close()
	}
	if is.ownClient {
		is.client.CloseIdleConnections()
	}
	return err
}

func usesEmailVerified(is *issuer) bool {
	if is.username.prog.UsesClaim("email_verified") {
		return true
	}
	for _, x := range is.extra {
		if x.prog != nil && x.prog.UsesClaim("email_verified") {
			return true
		}
	}
	for _, r := range is.claims {
		if r.prog != nil && r.prog.UsesClaim("email_verified") {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// allowedAlgs resolves Options.SigningAlgorithms.
func allowedAlgs(names []string) ([]jwssig.Alg, error) {
	if len(names) == 0 {
		names = []string{DefaultSigningAlgorithm}
	}
	var algs []jwssig.Alg
	for _, n := range names {
		a, err := jwssig.Lookup(n)
		if err != nil {
			return nil, fmt.Errorf("oidc: signing algorithm %q: %w (supported: %s)", n, err, strings.Join(jwssig.Names, ", "))
		}
		if !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	return algs, nil
}

// alg returns the allowed algorithm called name.
func (is *issuer) alg(name string) (jwssig.Alg, bool) {
	for _, a := range is.algs {
		if a.String() == name {
			return a, true
		}
	}
	return jwssig.Alg{}, false
}
