package options

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
)

// OIDCOptions holds kube-apiserver's classic --oidc-* flags, which
// configure one OpenID Connect issuer (package oidc). They are exclusive
// with --authentication-config.
type OIDCOptions struct {
	// IssuerURL is --oidc-issuer-url (https only); with ClientID it enables
	// the authenticator.
	IssuerURL string
	// ClientID is --oidc-client-id: the audience tokens must carry.
	ClientID string
	// CAFile is --oidc-ca-file: PEM CAs for the issuer's TLS; empty means
	// the system roots.
	CAFile string
	// UsernameClaim is --oidc-username-claim (default "sub").
	UsernameClaim string
	// UsernamePrefix is --oidc-username-prefix. Empty: the issuer URL and
	// "#" unless the claim is "email"; "-": no prefix.
	UsernamePrefix string
	// GroupsClaim is --oidc-groups-claim: a string or array claim.
	GroupsClaim string
	// GroupsPrefix is --oidc-groups-prefix.
	GroupsPrefix string
	// RequiredClaims is --oidc-required-claim key=value (repeatable).
	RequiredClaims map[string]string
	// SigningAlgs is --oidc-signing-algs (default RS256). With
	// --authentication-config every supported algorithm is accepted, as
	// in kube-apiserver.
	SigningAlgs []string
	// InsecureAllowSystemNames is --oidc-insecure-allow-system-names, an
	// authnkit flag: let OIDC usernames and groups begin with "system:".
	// Applies to --authentication-config too.
	InsecureAllowSystemNames bool

	// FlagsSet records that an --oidc-* flag was given on the command
	// line (AddFlags tracks it), as kube-apiserver tracks it for its
	// exclusivity rules.
	FlagsSet bool
}

// set reports whether any classic flag is in use.
func (o *OIDCOptions) set() bool {
	return o.FlagsSet || o.IssuerURL != "" || o.ClientID != "" || o.CAFile != "" || o.GroupsClaim != "" ||
		o.GroupsPrefix != "" || o.UsernamePrefix != "" || len(o.RequiredClaims) > 0
}

func (o *Options) addOIDCFlags(fs *flag.FlagSet) {
	c := &o.OIDC
	str := func(p *string) flag.Value { return &stringValue{p: p, set: &c.FlagsSet} }
	fs.Var(str(&c.IssuerURL), "oidc-issuer-url",
		stringUsage("The URL of the OpenID issuer, only HTTPS scheme will be accepted. If set, it will be used to verify the OIDC JSON Web Token (JWT)."))
	fs.Var(str(&c.ClientID), "oidc-client-id",
		stringUsage("The client ID for the OpenID Connect client, must be set if oidc-issuer-url is set."))
	fs.Var(str(&c.CAFile), "oidc-ca-file",
		stringUsage("If set, the OpenID server's certificate will be verified by one of the authorities in the oidc-ca-file, otherwise the host's root CA set will be used."))
	fs.Var(str(&c.UsernameClaim), "oidc-username-claim",
		stringUsage("The OpenID claim to use as the user name. Note that claims other than the default ('sub') is not guaranteed to be unique and immutable."))
	fs.Var(str(&c.UsernamePrefix), "oidc-username-prefix",
		stringUsage("If provided, all usernames will be prefixed with this value. If not provided, username claims other than 'email' are prefixed by the issuer URL to avoid clashes. To skip any prefixing, provide the value '-'."))
	fs.Var(str(&c.GroupsClaim), "oidc-groups-claim",
		stringUsage("If provided, the name of a custom OpenID Connect claim for specifying user groups. The claim value is expected to be a string or array of strings."))
	fs.Var(str(&c.GroupsPrefix), "oidc-groups-prefix",
		stringUsage("If provided, all groups will be prefixed with this value to prevent conflicts with other authentication strategies."))
	fs.Var(&stringList{v: &c.SigningAlgs, set: &c.FlagsSet}, "oidc-signing-algs", listUsage(
		"Allowed JOSE asymmetric signing algorithms. JWTs with a supported 'alg' header values are: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512; "+
			"authnkit extension: EdDSA."))
	fs.Var(&keyValueMap{m: &c.RequiredClaims, set: &c.FlagsSet}, "oidc-required-claim",
		"A `key=value` pair that describes a required claim in the ID Token. If set, the claim is verified to be present in the ID Token with a matching value. Repeat this flag to specify multiple claims.")
	fs.BoolVar(&c.InsecureAllowSystemNames, "oidc-insecure-allow-system-names", c.InsecureAllowSystemNames,
		"authnkit extension: allow usernames and groups mapped from OIDC tokens to begin with 'system:' (refused by default, so that an identity provider cannot grant system:masters).")
	fs.StringVar(&o.AuthenticationConfigFile, "authentication-config", o.AuthenticationConfigFile,
		"File with Authentication Configuration to configure the JWT Token authenticator or the anonymous authenticator. "+
			"This flag is mutually exclusive with the --oidc-* flags if the file configures the JWT Token authenticator. "+
			"This flag is mutually exclusive with --anonymous-auth if the file configures the Anonymous authenticator. Reloaded on change.")
}

// validateOIDC adds kube-apiserver's rules for the OIDC flags.
func (o *Options) validateOIDC() []error {
	var errs []error
	c := &o.OIDC
	if o.AuthenticationConfigFile == "" {
		if c.set() && (c.IssuerURL == "" || c.ClientID == "") {
			errs = append(errs, errors.New("options: oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"))
		}
		return errs
	}
	if c.set() {
		errs = append(errs, errors.New("options: authentication-config file and oidc-* flags are mutually exclusive"))
	}
	return errs
}

// oidcFlags names the --oidc-* flag behind each field of the JWT
// authenticator that [authconfig.Classic] builds.
var oidcFlags = []struct{ field, flag string }{
	{"jwt[0].issuer.url", "--oidc-issuer-url"},
	{"jwt[0].issuer.audiences", "--oidc-client-id"},
	{"jwt[0].issuer.certificateAuthority", "--oidc-ca-file"},
	{"jwt[0].claimMappings.username.claim", "--oidc-username-claim"},
	{"jwt[0].claimMappings.username.prefix", "--oidc-username-prefix"},
	{"jwt[0].claimMappings.username", "--oidc-username-claim"},
	{"jwt[0].claimMappings.groups.claim", "--oidc-groups-claim"},
	{"jwt[0].claimMappings.groups.prefix", "--oidc-groups-prefix"},
	{"jwt[0].claimMappings.groups", "--oidc-groups-claim"},
	{"jwt[0].claimValidationRules", "--oidc-required-claim"},
}

// flagErrors rewrites the configuration errors of the JWT authenticator
// built from the --oidc-* flags so that they name the flags, and the CA
// file by its path, instead of fields of a configuration the user never
// wrote. Other errors are returned as they are.
func (o *OIDCOptions) flagErrors(err error) error {
	ce, ok := errors.AsType[*authconfig.ConfigError](err)
	if !ok {
		return fmt.Errorf("--oidc-*: %w", err)
	}
	out := &authconfig.ConfigError{}
	for _, fe := range ce.Errors {
		if fe == nil {
			continue
		}
		c := *fe
		for _, m := range oidcFlags {
			rest, found := strings.CutPrefix(fe.Field, m.field)
			if !found || (rest != "" && rest[0] != '.' && rest[0] != '[') {
				continue
			}
			c.Field = m.flag
			if m.flag == "--oidc-ca-file" {
				c.BadValue = o.CAFile
			}
			break
		}
		out.Errors = append(out.Errors, &c)
	}
	return out
}

// authConfig is what the --authentication-config file holds, parsed,
// validated and prepared: the snapshot that the file watcher stores, and
// the JWT configuration that is applied once it is stored.
type authConfig struct {
	jwt       *oidc.Prepared
	anonymous *authconfig.AnonymousConfig
	issuers   int // JWT authenticators
}

// Entries is the number of JWT authenticators the file configures, as a
// reload.Counter: for health and reload events.
func (c *authConfig) Entries() int { return c.issuers }

// newOIDC builds the JWT authenticator from the classic flags or the
// authentication configuration file, and returns the file's anonymous
// section (nil when there is no file or it has none).
func (o *Options) newOIDC(out *Authenticator, logger *slog.Logger) (*oidc.Authenticator, *authconfig.AnonymousConfig, error) {
	opts := oidc.Options{
		SigningAlgorithms:        o.OIDC.SigningAlgs,
		InsecureAllowSystemNames: o.OIDC.InsecureAllowSystemNames,
		Logger:                   logger,
		OnError:                  o.OnError,
		Observer:                 o.Observer,
	}
	if o.AuthenticationConfigFile == "" {
		c := o.OIDC
		classic := authconfig.Classic{
			IssuerURL: c.IssuerURL, ClientID: c.ClientID,
			UsernameClaim: c.UsernameClaim, UsernamePrefix: c.UsernamePrefix,
			GroupsClaim: c.GroupsClaim, GroupsPrefix: c.GroupsPrefix,
			RequiredClaims: c.RequiredClaims,
		}
		if c.CAFile != "" {
			ca, err := os.ReadFile(c.CAFile)
			if err != nil {
				return nil, nil, fmt.Errorf("options: --oidc-ca-file: %w", err)
			}
			classic.CertificateAuthority = string(ca)
		}
		jwt := classic.JWT()
		if err := o.checkDisallowedIssuers([]authconfig.JWT{jwt}); err != nil {
			return nil, nil, fmt.Errorf("options: %w", o.OIDC.flagErrors(err))
		}
		a, err := oidc.New([]authconfig.JWT{jwt}, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("options: %w", o.OIDC.flagErrors(err))
		}
		out.closers = append(out.closers, a)
		out.OIDC = a
		return a, nil, nil
	}

	// The configuration file: every algorithm, as kube-apiserver allows
	// them all with it, and CEL expressions.
	opts.SigningAlgorithms = oidc.AllSigningAlgorithms()
	compiler, err := celexpr.New(celexpr.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("options: --authentication-config: %w", err)
	}
	opts.Compiler = compiler

	// Parsing a version of the file decodes, validates and prepares it
	// (compiles its expressions) without changing what serves: a file
	// that fails any step keeps the previous configuration, and the
	// watcher reports it through OnError. The prepared configuration is
	// applied once the watcher has stored it (OnReload); the first one
	// after reload.New returns.
	a, err := oidc.New(nil, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("options: --authentication-config: %w", err)
	}
	var first *authConfig // set by the first parse, in reload.New
	parse := func(path string, data []byte) (*authConfig, error) {
		cfg, err := authconfig.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := o.checkDisallowedIssuers(cfg.JWT); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if first != nil && !reflect.DeepEqual(first.anonymous, cfg.Anonymous) {
			return nil, fmt.Errorf("%s: %w", path, &authconfig.ConfigError{Errors: []*authconfig.FieldError{{
				Field: "anonymous", Type: authconfig.FieldValueForbidden, Detail: "changed from initial configuration file"}}})
		}
		prepared, err := a.Prepare(cfg.JWT)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		c := &authConfig{jwt: prepared, anonymous: cfg.Anonymous, issuers: len(cfg.JWT)}
		if first == nil {
			first = c
		}
		return c, nil
	}
	// The watcher may reload before reload.New has returned; then the
	// apply after it picks the newest snapshot up.
	var file atomic.Pointer[reload.File[authConfig]]
	onReload := o.OnAuthenticationConfigReload
	apply := func() {
		if f := file.Load(); f != nil {
			a.Apply(f.Load().jwt)
		}
	}
	ro := reload.OptionsFor("options: --authentication-config", o.file(o.AuthenticationConfigFile), authconfig.MaxConfigSize, logger, o.Observer)
	ro.OnReload = func() {
		apply()
		if onReload != nil {
			onReload()
		}
	}
	f, err := reload.New(o.AuthenticationConfigFile, parse, ro)
	if err != nil {
		_ = a.Close()
		return nil, nil, fmt.Errorf("options: --authentication-config: %w", err)
	}
	file.Store(f)
	apply()
	out.closers = append(out.closers, a, f) // the watcher closes first
	out.files = append(out.files, func() []authn.FileHealth { return []authn.FileHealth{f.Health()} })
	out.OIDC = a
	return a, first.anonymous, nil
}

// checkDisallowedIssuers refuses an OIDC issuer that is also a
// service-account issuer, as kube-apiserver does: its tokens would be
// checked twice, by two different rules.
func (o *Options) checkDisallowedIssuers(jwt []authconfig.JWT) error {
	var errs []*authconfig.FieldError
	for i, j := range jwt {
		if slices.Contains(o.ServiceAccountIssuers, j.Issuer.URL) {
			errs = append(errs, &authconfig.FieldError{Field: fmt.Sprintf("jwt[%d].issuer.url", i), Type: authconfig.FieldValueInvalid, BadValue: j.Issuer.URL,
				Detail: "URL must not overlap with disallowed issuers: [" + strings.Join(o.ServiceAccountIssuers, " ") + "]"})
		}
	}
	if len(errs) > 0 {
		return &authconfig.ConfigError{Errors: errs}
	}
	return nil
}
