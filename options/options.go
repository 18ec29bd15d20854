package options

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/basicauth"
	"github.com/authnkit/authnkit/bootstrap"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/requestheader"
	"github.com/authnkit/authnkit/serviceaccount"
	"github.com/authnkit/authnkit/tokenfile"
	"github.com/authnkit/authnkit/union"
	"github.com/authnkit/authnkit/webhook"
	"github.com/authnkit/authnkit/x509auth"
)

// Options holds kube-apiserver's authentication flags. Create it with
// [NewOptions] to get kube-apiserver's defaults, register the flags with
// [Options.AddFlags], then build the authenticator with [Options.New].
type Options struct {
	// ClientCAFile is --client-ca-file: a PEM bundle of CAs whose client
	// certificates authenticate as their subject (CN = user, O = groups);
	// package x509auth. Reloaded on change. Empty: no client certificates.
	ClientCAFile string
	// ClientCRLFile is --client-crl-file, an authnkit extension: CRLs (PEM
	// or DER) signed by the client CA; listed certificates are rejected.
	ClientCRLFile string
	// ClientCertDenyFile is --client-cert-deny-file, an authnkit
	// extension: serial numbers or sha256:<fingerprint>s of client
	// certificates to reject, one a line.
	ClientCertDenyFile string
	// RequestHeader holds the --requestheader-* flags: the authenticating
	// front proxy (package requestheader).
	RequestHeader RequestHeaderOptions
	// TokenAuthFile is --token-auth-file: a static token CSV
	// (package tokenfile). Empty: no token file.
	TokenAuthFile string
	// BasicAuthFile is --basic-auth-file: a password CSV
	// (package basicauth). Empty: no HTTP Basic.
	BasicAuthFile string
	// ServiceAccountKeyFiles is --service-account-key-file (repeatable):
	// PEM public keys, certificates or private keys (and, beyond
	// Kubernetes, JWKS files) that verify service-account tokens; package
	// serviceaccount. With key files set, legacy secret-based tokens are
	// accepted too, as kube-apiserver does.
	ServiceAccountKeyFiles []string
	// ServiceAccountIssuers is --service-account-issuer (repeatable): the
	// "iss" of bound tokens accepted; the first one mints.
	ServiceAccountIssuers []string
	// ServiceAccountSigningKeyFile is --service-account-signing-key-file:
	// the PEM private key (PKCS #8, PKCS #1 or SEC 1) tokens are minted
	// with ([Authenticator.ServiceAccountIssuer]). Without
	// --service-account-key-file, it is also the verification key file,
	// as in kube-apiserver.
	ServiceAccountSigningKeyFile string
	// ServiceAccountLookup, when set, checks that the objects a
	// service-account token names still exist with the same UID
	// (kube-apiserver's --service-account-lookup, which reads them from
	// etcd). Not a flag.
	ServiceAccountLookup serviceaccount.Lookup
	// EnableBootstrapTokenAuth is --enable-bootstrap-token-auth: accept
	// bootstrap tokens (<id>.<secret>) from BootstrapTokenFile or
	// BootstrapTokenStore; package bootstrap.
	EnableBootstrapTokenAuth bool
	// BootstrapTokenFile is --bootstrap-token-file, an authnkit flag:
	// bootstrap-token Secrets as YAML or JSON (kube-apiserver reads them
	// from etcd instead). Reloaded on change.
	BootstrapTokenFile string
	// BootstrapTokenStore supplies bootstrap-token Secrets from the
	// embedding program instead of BootstrapTokenFile. Not a flag.
	BootstrapTokenStore bootstrap.Store
	// OIDC holds the classic --oidc-* flags: one OpenID Connect issuer
	// (package oidc).
	OIDC OIDCOptions
	// AuthenticationConfigFile is --authentication-config: an
	// AuthenticationConfiguration file (apiserver.config.k8s.io/v1, or
	// v1beta1 or v1alpha1) with JWT issuers and the anonymous section.
	// Exclusive with the --oidc-* flags, and with --anonymous-auth when it
	// configures anonymous access. Reloaded on change; a file that fails
	// to load or validate keeps the previous configuration serving and is
	// reported through OnError.
	AuthenticationConfigFile string

	// WebhookConfigFile is --authentication-token-webhook-config-file: a
	// kubeconfig naming a TokenReview service asked about bearer tokens
	// (package webhook).
	WebhookConfigFile string
	// WebhookVersion is --authentication-token-webhook-version, v1 or
	// v1beta1; kube-apiserver's default, kept here, is v1beta1.
	WebhookVersion string
	// WebhookCacheTTL is --authentication-token-webhook-cache-ttl
	// (default 2m): how long the webhook's answers are cached, successes
	// and rejections alike; zero disables the cache.
	WebhookCacheTTL time.Duration
	// AnonymousAuth is --anonymous-auth (kube-apiserver's default: true):
	// requests that carry no credential any authenticator recognises
	// become system:anonymous. A request whose credential is rejected is
	// never anonymous.
	AnonymousAuth bool
	// AnonymousAuthSet records that --anonymous-auth was given on the
	// command line (AddFlags tracks it): with an anonymous section in
	// --authentication-config that is an error, as in kube-apiserver.
	AnonymousAuthSet bool
	// APIAudiences is --api-audiences: the audiences this server accepts.
	// Audience-aware authenticators check tokens against them;
	// audience-agnostic ones (token and password files) answer only for
	// requests that target one of them ([authn.AudienceAgnostic]).
	APIAudiences []string

	// Logger for the authenticators' lifecycle events (loads, reloads).
	// Nil: slog.Default(). Not a flag.
	Logger *slog.Logger
	// OnError receives background failures such as a file that fails to
	// reload (the previous content keeps serving). Nil: log only. Not a
	// flag.
	OnError func(error)
	// OnAuthenticationConfigReload, when set, is called after the
	// --authentication-config file has been reloaded and applied. Not a
	// flag.
	OnAuthenticationConfigReload func()
}

// RequestHeaderOptions holds kube-apiserver's --requestheader-* flags. The
// front proxy is enabled by ClientCAFile; kube-apiserver gives the header
// flags no defaults (kubeadm sets X-Remote-User, X-Remote-Group and
// X-Remote-Extra-), and neither does authnkit.
type RequestHeaderOptions struct {
	// ClientCAFile is --requestheader-client-ca-file: the CA bundle that
	// signs the front proxy's client certificate. It must not be the
	// client CA.
	ClientCAFile string
	// AllowedNames is --requestheader-allowed-names: the common names the
	// proxy's certificate may have; empty allows any it signs.
	AllowedNames []string
	// UsernameHeaders is --requestheader-username-headers; required with
	// ClientCAFile.
	UsernameHeaders []string
	// UIDHeaders is --requestheader-uid-headers.
	UIDHeaders []string
	// GroupHeaders is --requestheader-group-headers.
	GroupHeaders []string
	// ExtraHeadersPrefix is --requestheader-extra-headers-prefix.
	ExtraHeadersPrefix []string
}

// NewOptions returns Options with kube-apiserver's defaults.
func NewOptions() *Options {
	return &Options{
		AnonymousAuth:   true,
		WebhookVersion:  webhook.V1beta1,
		WebhookCacheTTL: union.WebhookDefaultTTL,
		OIDC:            OIDCOptions{UsernameClaim: "sub", SigningAlgs: []string{oidc.DefaultSigningAlgorithm}},
	}
}

// AddFlags registers the options on fs under kube-apiserver's names, with
// its defaults taken from o's current values. The standard flag package
// accepts both -name and --name, and --name=value.
func (o *Options) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.ClientCAFile, "client-ca-file", o.ClientCAFile,
		"If set, any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate.")
	fs.StringVar(&o.ClientCRLFile, "client-crl-file", o.ClientCRLFile,
		"authnkit extension: certificate revocation lists (PEM or DER) signed by a --client-ca-file authority; listed client certificates are rejected. Reloaded on change.")
	fs.StringVar(&o.ClientCertDenyFile, "client-cert-deny-file", o.ClientCertDenyFile,
		"authnkit extension: client certificates to reject, one per line, by serial number (hex) or sha256:<fingerprint>; # starts a comment. Reloaded on change.")
	rh := &o.RequestHeader
	fs.StringVar(&rh.ClientCAFile, "requestheader-client-ca-file", rh.ClientCAFile,
		"Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers. "+
			"WARNING: generally do not depend on authorization being already done for incoming requests.")
	fs.Var(&stringList{v: &rh.AllowedNames}, "requestheader-allowed-names",
		"List of client certificate common names to allow to provide usernames in headers specified by --requestheader-username-headers. If empty, any client certificate validated by the authorities in --requestheader-client-ca-file is allowed.")
	fs.Var(&stringList{v: &rh.UsernameHeaders}, "requestheader-username-headers",
		"List of request headers to inspect for usernames. X-Remote-User is common.")
	fs.Var(&stringList{v: &rh.UIDHeaders}, "requestheader-uid-headers",
		"List of request headers to inspect for UIDs. X-Remote-Uid is suggested.")
	fs.Var(&stringList{v: &rh.GroupHeaders}, "requestheader-group-headers",
		"List of request headers to inspect for groups. X-Remote-Group is suggested.")
	fs.Var(&stringList{v: &rh.ExtraHeadersPrefix}, "requestheader-extra-headers-prefix",
		"List of request header prefixes to inspect. X-Remote-Extra- is suggested.")
	fs.StringVar(&o.TokenAuthFile, "token-auth-file", o.TokenAuthFile,
		"If set, the file that will be used to secure the secure port of the API server via token authentication.")
	fs.StringVar(&o.BasicAuthFile, "basic-auth-file", o.BasicAuthFile,
		"If set, the file that will be used to admit requests to the secure port of the API server via http basic authentication. "+
			"authnkit extension: the password column may hold a bcrypt or argon2id hash.")
	fs.Var(&stringList{v: &o.ServiceAccountKeyFiles}, "service-account-key-file",
		"File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens. The specified file can contain multiple keys, and the flag can be specified multiple times with different files. "+
			"authnkit extension: JWKS files are accepted too.")
	fs.Var(&stringList{v: &o.ServiceAccountIssuers}, "service-account-issuer",
		"Identifier of the service account token issuer. The issuer will assert this identifier in \"iss\" claim of issued tokens. When this flag is specified multiple times, the first is used to generate tokens and all are used to determine which issuers are accepted.")
	fs.StringVar(&o.ServiceAccountSigningKeyFile, "service-account-signing-key-file", o.ServiceAccountSigningKeyFile,
		"Path to the file that contains the current private key of the service account token issuer. The issuer will sign issued ID tokens with this private key.")
	fs.BoolVar(&o.EnableBootstrapTokenAuth, "enable-bootstrap-token-auth", o.EnableBootstrapTokenAuth,
		"Enable to allow secrets of type 'bootstrap.kubernetes.io/token' in the 'kube-system' namespace to be used for TLS bootstrapping authentication. "+
			"authnkit reads them from --bootstrap-token-file.")
	fs.StringVar(&o.BootstrapTokenFile, "bootstrap-token-file", o.BootstrapTokenFile,
		"authnkit extension: a YAML or JSON file of bootstrap-token Secrets (a List, a JSON array or multi-document YAML), used with --enable-bootstrap-token-auth. Reloaded on change.")
	fs.StringVar(&o.WebhookConfigFile, "authentication-token-webhook-config-file", o.WebhookConfigFile,
		"File with webhook configuration for token authentication in kubeconfig format. The API server will query the remote service to determine authentication for bearer tokens.")
	fs.StringVar(&o.WebhookVersion, "authentication-token-webhook-version", o.WebhookVersion,
		"The API version of the authentication.k8s.io TokenReview to send to and expect from the webhook.")
	fs.DurationVar(&o.WebhookCacheTTL, "authentication-token-webhook-cache-ttl", o.WebhookCacheTTL,
		"The duration to cache responses from the webhook token authenticator.")
	o.addOIDCFlags(fs)
	fs.Var(&tracked{Value: boolValue{&o.AnonymousAuth}, set: &o.AnonymousAuthSet}, "anonymous-auth",
		"Enables anonymous requests to the secure port of the API server. Requests that are not rejected by another authentication method are treated as anonymous requests. "+
			"Anonymous requests have a username of system:anonymous, and a group name of system:unauthenticated.")
	fs.Var(&stringList{v: &o.APIAudiences}, "api-audiences",
		"Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences. "+
			"Comma-separated; may be repeated.")
}

// Validate reports every problem with o, joined; nil if there is none. It
// does not read files: [Options.New] does.
func (o *Options) Validate() error {
	var errs []error
	rh := o.RequestHeader
	if rh.ClientCAFile != "" && len(rh.UsernameHeaders) == 0 {
		errs = append(errs, errors.New("options: --requestheader-username-headers is required with --requestheader-client-ca-file"))
	}
	if rh.ClientCAFile == "" && (len(rh.AllowedNames) > 0 || len(rh.UsernameHeaders) > 0 || len(rh.UIDHeaders) > 0 || len(rh.GroupHeaders) > 0 || len(rh.ExtraHeadersPrefix) > 0) {
		errs = append(errs, errors.New("options: --requestheader-* flags need --requestheader-client-ca-file"))
	}
	if rh.ClientCAFile != "" && rh.ClientCAFile == o.ClientCAFile {
		errs = append(errs, errors.New("options: --requestheader-client-ca-file must not be --client-ca-file: every client could then assert any identity"))
	}
	if o.ClientCAFile == "" && (o.ClientCRLFile != "" || o.ClientCertDenyFile != "") {
		errs = append(errs, errors.New("options: --client-crl-file and --client-cert-deny-file need --client-ca-file"))
	}
	if o.ServiceAccountSigningKeyFile != "" && len(o.ServiceAccountIssuers) == 0 {
		errs = append(errs, errors.New("options: --service-account-signing-key-file needs --service-account-issuer"))
	}
	if len(o.ServiceAccountIssuers) > 0 && len(o.ServiceAccountKeyFiles) == 0 && o.ServiceAccountSigningKeyFile == "" {
		errs = append(errs, errors.New("options: --service-account-issuer needs --service-account-key-file or --service-account-signing-key-file"))
	}
	switch {
	case o.EnableBootstrapTokenAuth && o.BootstrapTokenFile == "" && o.BootstrapTokenStore == nil:
		errs = append(errs, errors.New("options: --enable-bootstrap-token-auth needs --bootstrap-token-file (or a BootstrapTokenStore)"))
	case o.BootstrapTokenFile != "" && o.BootstrapTokenStore != nil:
		errs = append(errs, errors.New("options: --bootstrap-token-file and BootstrapTokenStore are exclusive"))
	case !o.EnableBootstrapTokenAuth && (o.BootstrapTokenFile != "" || o.BootstrapTokenStore != nil):
		errs = append(errs, errors.New("options: --bootstrap-token-file needs --enable-bootstrap-token-auth"))
	}
	if o.WebhookConfigFile != "" && o.WebhookVersion != webhook.V1 && o.WebhookVersion != webhook.V1beta1 {
		errs = append(errs, fmt.Errorf("options: --authentication-token-webhook-version %q: want v1 or v1beta1", o.WebhookVersion))
	}
	errs = append(errs, o.validateOIDC()...)
	if o.WebhookCacheTTL < 0 {
		errs = append(errs, errors.New("options: --authentication-token-webhook-cache-ttl must not be negative"))
	}
	for i, a := range o.APIAudiences {
		if a == "" {
			errs = append(errs, fmt.Errorf("options: --api-audiences[%d] is empty", i))
		}
		if slices.Contains(o.APIAudiences[:i], a) {
			errs = append(errs, fmt.Errorf("options: --api-audiences lists %q twice", a))
		}
	}
	return errors.Join(errs...)
}

// Authenticator is the request authenticator built from [Options], with
// what a server needs around it. It is safe for concurrent use; Close stops
// the file watchers.
type Authenticator struct {
	authn.Authenticator

	// Token authenticates bare tokens the way a bearer token would be
	// (used to answer TokenReview); nil when no token authenticator is
	// configured. It includes the authenticated-group adder.
	Token authn.TokenAuthenticator
	// Challenges for 401 answers: Bearer when tokens are accepted, Basic
	// when --basic-auth-file is set. Pass them to
	// [authn.MiddlewareOptions].
	Challenges []authn.Challenge
	// Audiences is a copy of --api-audiences, for
	// [authn.MiddlewareOptions]; when unset, the --service-account-issuer
	// values, as kube-apiserver defaults it.
	Audiences []string
	// ServiceAccountIssuer mints service-account tokens with
	// --service-account-signing-key-file as the first
	// --service-account-issuer; nil unless both are set.
	ServiceAccountIssuer *serviceaccount.Issuer
	// OIDC is the OpenID Connect authenticator (from --oidc-* or
	// --authentication-config), for its Health and Ready; nil when none
	// is configured.
	OIDC *oidc.Authenticator

	closers []io.Closer
}

// Close stops every background watcher, the most recently created first
// (a cache before the authenticators it calls). It is idempotent.
func (a *Authenticator) Close() error {
	var errs []error
	for _, c := range slices.Backward(a.closers) {
		errs = append(errs, c.Close())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// New validates o, loads every configured file and returns one
// authenticator, composed as kube-apiserver composes it:
//
//  1. the authenticating front proxy (--requestheader-*), audience-agnostic;
//  2. HTTP Basic (--basic-auth-file), audience-agnostic, where old
//     kube-apiserver releases had it;
//  3. client certificates (--client-ca-file);
//  4. bearer tokens (Authorization and the WebSocket protocol form) from
//     the union of the token authenticators: the token file first (it is a
//     map lookup: not cached), then bootstrap tokens (and, as they arrive,
//     the signature-checking ones) behind the token cache with
//     kube-apiserver's TTLs (10s success, failures not cached), and last
//     the TokenReview webhook behind its own cache
//     (--authentication-token-webhook-cache-ttl);
//
// then every success gets system:authenticated, and when --anonymous-auth
// is on, a request with no credential anyone recognised becomes
// system:anonymous (a rejected credential stays rejected). On error
// nothing is left running.
func (o *Options) New() (*Authenticator, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	apiAudiences := slices.Clone(o.APIAudiences)
	if len(apiAudiences) == 0 {
		// kube-apiserver's ToAuthenticationConfig: every issuer.
		apiAudiences = slices.Clone(o.ServiceAccountIssuers)
	}
	out := &Authenticator{Audiences: apiAudiences}
	fail := func(err error) (*Authenticator, error) {
		_ = out.Close()
		return nil, err
	}

	var members []authn.Authenticator
	if rh := o.RequestHeader; rh.ClientCAFile != "" {
		p, err := requestheader.New(requestheader.Options{
			ClientCAFile:        rh.ClientCAFile,
			AllowedNames:        rh.AllowedNames,
			UsernameHeaders:     rh.UsernameHeaders,
			UIDHeaders:          rh.UIDHeaders,
			GroupHeaders:        rh.GroupHeaders,
			ExtraHeaderPrefixes: rh.ExtraHeadersPrefix,
			Logger:              logger,
			OnError:             o.OnError,
		})
		if err != nil {
			return fail(fmt.Errorf("options: --requestheader-client-ca-file: %w", err))
		}
		out.closers = append(out.closers, p)
		members = append(members, authn.AudienceAgnosticRequest(apiAudiences, p))
	}
	if o.BasicAuthFile != "" {
		b, err := basicauth.New(o.BasicAuthFile, basicauth.Options{Logger: logger, OnError: o.OnError})
		if err != nil {
			return fail(fmt.Errorf("options: --basic-auth-file: %w", err))
		}
		out.closers = append(out.closers, b)
		members = append(members, authn.AudienceAgnosticRequest(apiAudiences, b))
		out.Challenges = append(out.Challenges, authn.BasicChallenge)
	}

	if o.ClientCAFile != "" {
		c, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
			ClientCAFile: o.ClientCAFile,
			CRLFile:      o.ClientCRLFile,
			DenyFile:     o.ClientCertDenyFile,
			Logger:       logger,
			OnError:      o.OnError,
		}})
		if err != nil {
			return fail(fmt.Errorf("options: --client-ca-file: %w", err))
		}
		out.closers = append(out.closers, c)
		members = append(members, c)
	}

	var tokens []authn.TokenAuthenticator
	if o.TokenAuthFile != "" {
		t, err := tokenfile.New(o.TokenAuthFile, tokenfile.Options{Logger: logger, OnError: o.OnError})
		if err != nil {
			return fail(fmt.Errorf("options: --token-auth-file: %w", err))
		}
		out.closers = append(out.closers, t)
		tokens = append(tokens, authn.AudienceAgnostic(apiAudiences, t))
	}
	// Signature-checking and store-backed token authenticators sit behind
	// the token cache, with kube-apiserver's TTLs.
	var cached []authn.TokenAuthenticator
	if len(o.ServiceAccountKeyFiles) > 0 || len(o.ServiceAccountIssuers) > 0 {
		sa, err := o.newServiceAccounts(out, apiAudiences, logger)
		if err != nil {
			return fail(err)
		}
		cached = append(cached, sa)
	}
	if o.EnableBootstrapTokenAuth {
		store := o.BootstrapTokenStore
		if store == nil {
			fs, err := bootstrap.NewFileStore(o.BootstrapTokenFile, bootstrap.FileStoreOptions{Logger: logger, OnError: o.OnError})
			if err != nil {
				return fail(fmt.Errorf("options: --bootstrap-token-file: %w", err))
			}
			out.closers = append(out.closers, fs)
			store = fs
		}
		b, err := bootstrap.New(store, bootstrap.Options{})
		if err != nil {
			return fail(fmt.Errorf("options: --enable-bootstrap-token-auth: %w", err))
		}
		cached = append(cached, authn.AudienceAgnostic(apiAudiences, b))
	}
	anonymous := &oidc.AnonymousConfig{Enabled: o.AnonymousAuth}
	if (o.OIDC.IssuerURL != "" && o.OIDC.ClientID != "") || o.AuthenticationConfigFile != "" {
		jwt, anon, err := o.newOIDC(out, logger)
		if err != nil {
			return fail(err)
		}
		if anon != nil {
			if o.AnonymousAuthSet {
				return fail(fmt.Errorf("options: --authentication-config: %w", &oidc.ConfigError{Errors: []*oidc.FieldError{{
					Field: "anonymous", Type: oidc.FieldValueForbidden,
					Detail: "--anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file"}}}))
			}
			anonymous = anon
		}
		// After the service accounts, as in kube-apiserver: both verify
		// JWTs, and the OIDC authenticator may fetch keys on a miss.
		cached = append(cached, authn.AudienceAgnostic(apiAudiences, jwt))
	}
	if len(cached) > 0 {
		c, err := union.NewCache(oneOrUnion(cached), union.CacheOptions{Logger: logger})
		if err != nil {
			return fail(fmt.Errorf("options: token cache: %w", err))
		}
		out.closers = append(out.closers, c)
		tokens = append(tokens, c)
	}
	if o.WebhookConfigFile != "" {
		w, err := o.newWebhook(apiAudiences, logger)
		if err != nil {
			return fail(err)
		}
		out.closers = append(out.closers, w)
		tokens = append(tokens, w)
	}
	if len(tokens) > 0 {
		tok := oneOrUnion(tokens)
		bearer := authn.BearerToken(tok)
		members = append(members, bearer)
		out.Challenges = append([]authn.Challenge{authn.BearerChallenge}, out.Challenges...)
		out.Token = tokenReviewer(authn.AddAuthenticatedGroup(authn.BearerTokenWith(tok, authn.BearerOptions{DisableWebSocket: true})))
	}

	a := authn.AddAuthenticatedGroup(union.New(members...))
	if anonymous.Enabled {
		var paths []string
		for _, c := range anonymous.Conditions {
			paths = append(paths, c.Path)
		}
		a = union.NewWith(union.Options{FailFast: true}, a, authn.AnonymousFor(paths...))
	}
	out.Authenticator = a
	if out.Challenges == nil {
		out.Challenges = []authn.Challenge{authn.BearerChallenge}
	}
	return out, nil
}

// oneOrUnion returns the only member as it is, or the union of several.
func oneOrUnion(members []authn.TokenAuthenticator) authn.TokenAuthenticator {
	if len(members) == 1 {
		return members[0]
	}
	return union.NewTokens(members...)
}
