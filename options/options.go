package options

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/basicauth"
	"github.com/authnkit/authnkit/bootstrap"
	"github.com/authnkit/authnkit/internal/jwtverify"
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
	// etcd). Key files also enable legacy (Secret-based) tokens, so it
	// must then implement [serviceaccount.SecretLookup] (the Secret must
	// still hold the token), or New fails. Not a flag.
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
	// TokenSuccessCacheTTL and TokenFailureCacheTTL are how long the
	// token cache in front of the service-account, bootstrap, OIDC and
	// custom token authenticators keeps successes and failures, as
	// kube-apiserver's fields of the same names (not flags there either).
	// NewOptions sets kube-apiserver's defaults, 10s and 0; both zero
	// means no cache. Not flags.
	TokenSuccessCacheTTL, TokenFailureCacheTTL time.Duration
	// WebhookInsecureAllowHTTP lets the webhook kubeconfig name an
	// http:// server, which is refused by default (the token would cross
	// the network in clear; kube-apiserver allows it). Not a flag.
	WebhookInsecureAllowHTTP bool
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
	// Observer receives what every component New builds reports: the
	// middleware's decisions ([Authenticator.MiddlewareOptions] carries
	// it), the token caches' lookups and fetches, JWT verifications and
	// JWKS fetches, file loads, client certificates, webhook calls and
	// service-account token counts; see [authn.Observer]. Nil: nothing is
	// recorded. Not a flag.
	Observer *authn.Observer

	// CustomTokens are the embedding program's own token authenticators,
	// asked for bearer tokens (and TokenReview) behind the token cache,
	// after the OIDC issuers and before the webhook. Not a flag.
	CustomTokens []CustomToken
	// CustomRequests are the embedding program's own request
	// authenticators, asked after client certificates and before bearer
	// tokens. Not a flag.
	CustomRequests []CustomRequest
}

// RequestHeaderOptions holds kube-apiserver's --requestheader-* flags. The
// front proxy is enabled by ClientCAFile; kube-apiserver gives the header
// flags no defaults (kubeadm sets X-Remote-User, X-Remote-Group and
// X-Remote-Extra-), and neither does authnkit.
type RequestHeaderOptions struct {
	// ClientCAFile is --requestheader-client-ca-file: the CA bundle that
	// signs the front proxy's client certificate. It must share no CA
	// with --client-ca-file (checked by content at New, whatever the
	// paths).
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
	// ExtraHeaderPrefixes is --requestheader-extra-headers-prefix: the
	// prefixes of the headers that carry extra attributes.
	ExtraHeaderPrefixes []string
}

// NewOptions returns Options with kube-apiserver's defaults.
func NewOptions() *Options {
	return &Options{
		AnonymousAuth:        true,
		WebhookVersion:       webhook.V1beta1,
		WebhookCacheTTL:      webhook.DefaultCacheTTL,
		TokenSuccessCacheTTL: union.DefaultSuccessTTL,
		OIDC:                 OIDCOptions{UsernameClaim: "sub", SigningAlgs: []string{oidc.DefaultSigningAlgorithm}},
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
		listUsage("List of client certificate common names to allow to provide usernames in headers specified by --requestheader-username-headers. If empty, any client certificate validated by the authorities in --requestheader-client-ca-file is allowed."))
	fs.Var(&stringList{v: &rh.UsernameHeaders}, "requestheader-username-headers",
		listUsage("List of request headers to inspect for usernames. X-Remote-User is common."))
	fs.Var(&stringList{v: &rh.UIDHeaders}, "requestheader-uid-headers",
		listUsage("List of request headers to inspect for UIDs. X-Remote-Uid is suggested."))
	fs.Var(&stringList{v: &rh.GroupHeaders}, "requestheader-group-headers",
		listUsage("List of request headers to inspect for groups. X-Remote-Group is suggested."))
	fs.Var(&stringList{v: &rh.ExtraHeaderPrefixes}, "requestheader-extra-headers-prefix",
		listUsage("List of request header prefixes to inspect. X-Remote-Extra- is suggested."))
	fs.StringVar(&o.TokenAuthFile, "token-auth-file", o.TokenAuthFile,
		"If set, the file that will be used to secure the secure port of the API server via token authentication.")
	fs.StringVar(&o.BasicAuthFile, "basic-auth-file", o.BasicAuthFile,
		"If set, the file that will be used to admit requests to the secure port of the API server via http basic authentication. "+
			"authnkit extension: the password column may hold a bcrypt or argon2id hash.")
	fs.Var(&stringList{v: &o.ServiceAccountKeyFiles}, "service-account-key-file", listUsage(
		"File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens. The specified file can contain multiple keys, and the flag can be specified multiple times with different files. "+
			"authnkit extension: JWKS files are accepted too."))
	fs.Var(&stringList{v: &o.ServiceAccountIssuers}, "service-account-issuer",
		listUsage("Identifier of the service account token issuer. The issuer will assert this identifier in \"iss\" claim of issued tokens. When this flag is specified multiple times, the first is used to generate tokens and all are used to determine which issuers are accepted."))
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
	fs.Var(&boolValue{p: &o.AnonymousAuth, set: &o.AnonymousAuthSet}, "anonymous-auth",
		"Enables anonymous requests to the secure port of the API server. Requests that are not rejected by another authentication method are treated as anonymous requests. "+
			"Anonymous requests have a username of system:anonymous, and a group name of system:unauthenticated.")
	fs.Var(&stringList{v: &o.APIAudiences}, "api-audiences",
		listUsage("Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences."))
}

// Validate reports every problem with o, joined; nil if there is none. It
// does not read files: [Options.New] does.
func (o *Options) Validate() error {
	var errs []error
	rh := o.RequestHeader
	if rh.ClientCAFile != "" && len(rh.UsernameHeaders) == 0 {
		errs = append(errs, errors.New("options: --requestheader-username-headers is required with --requestheader-client-ca-file"))
	}
	if rh.ClientCAFile == "" && (len(rh.AllowedNames) > 0 || len(rh.UsernameHeaders) > 0 || len(rh.UIDHeaders) > 0 || len(rh.GroupHeaders) > 0 || len(rh.ExtraHeaderPrefixes) > 0) {
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
	errs = append(errs, o.validateCustom()...)
	if o.WebhookCacheTTL < 0 {
		errs = append(errs, errors.New("options: --authentication-token-webhook-cache-ttl must not be negative"))
	}
	switch {
	case o.TokenSuccessCacheTTL < 0 || o.TokenFailureCacheTTL < 0:
		errs = append(errs, errors.New("options: TokenSuccessCacheTTL and TokenFailureCacheTTL must not be negative"))
	case o.TokenSuccessCacheTTL == 0 && o.TokenFailureCacheTTL > 0:
		errs = append(errs, errors.New("options: TokenFailureCacheTTL needs TokenSuccessCacheTTL"))
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

	// Token authenticates bare tokens exactly as a bearer token would be
	// (the same union, cache and checks, the authenticated group added),
	// for answering TokenReview; nil when no token authenticator is
	// configured.
	Token authn.TokenAuthenticator
	// Challenges for 401 answers: Bearer when tokens are accepted, Basic
	// when --basic-auth-file is set.
	Challenges []authn.Challenge
	// Audiences is a copy of --api-audiences; when unset, the
	// --service-account-issuer values, as kube-apiserver defaults it.
	Audiences []string
	// ServiceAccountIssuer mints service-account tokens with
	// --service-account-signing-key-file as the first
	// --service-account-issuer; nil unless both are set.
	ServiceAccountIssuer *serviceaccount.Issuer
	// OIDC is the OpenID Connect authenticator (from --oidc-* or
	// --authentication-config), for its Health and Ready; nil when none
	// is configured.
	OIDC *oidc.Authenticator

	logger   *slog.Logger
	observer *authn.Observer
	closers  []io.Closer
	files    []func() []authn.FileHealth // the Health of each file-backed component, in build order
}

// Health is the state of what an [Authenticator] keeps current, for
// readiness checks and status pages: every file it watches and every
// OIDC issuer's keys.
type Health struct {
	// Files holds one [authn.FileHealth] per watched file, in the order
	// New loads them: --requestheader-client-ca-file,
	// --basic-auth-file, --client-ca-file, --client-crl-file,
	// --client-cert-deny-file, --token-auth-file, the
	// --service-account-key-file files, --bootstrap-token-file and
	// --authentication-config.
	Files []authn.FileHealth
	// Issuers is [oidc.Authenticator.Health]: each OIDC issuer's keys;
	// nil without OIDC.
	Issuers []oidc.Health
}

// MiddlewareOptions returns what [authn.Middleware] needs from a: the
// accepted audiences, the challenges, the logger and [Options.Observer].
// Set more fields (OnFailure, RetryAfter, LogLimit) on the result as
// needed.
func (a *Authenticator) MiddlewareOptions() authn.MiddlewareOptions {
	return authn.MiddlewareOptions{
		Audiences:  slices.Clone(a.Audiences),
		Challenges: slices.Clone(a.Challenges),
		Logger:     a.logger,
		Observer:   a.observer,
	}
}

// Health reports the state of every file a watches and of every OIDC
// issuer's keys, gathered from the components' Health methods, for a
// readiness check. It does no I/O. A file whose last reload failed keeps
// its previous content serving (LastError says why), and an issuer whose
// last fetch failed keeps its keys: whether that makes the server not
// ready is the caller's choice; [oidc.Authenticator.Ready] gives
// kube-apiserver's answer for the issuers.
func (a *Authenticator) Health() Health {
	var h Health
	for _, files := range a.files {
		h.Files = append(h.Files, files()...)
	}
	if a.OIDC != nil {
		h.Issuers = a.OIDC.Health()
	}
	return h
}

// Middleware is authn.Middleware(a, a.MiddlewareOptions()): the one call
// that puts a in front of a handler.
//
//	srv.Handler = a.Middleware()(mux)
func (a *Authenticator) Middleware() func(http.Handler) http.Handler {
	return authn.Middleware(a, a.MiddlewareOptions())
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

// CustomToken is one of the embedding program's own token authenticators
// (API keys from a database, say), for [Options.CustomTokens].
type CustomToken struct {
	// Name identifies it in the decision log and in errors
	// ([authn.AuthenticatorError]). Required; unique among all
	// authenticators (the built-in ones are named requestheader,
	// basicauth, x509, tokenfile, serviceaccount, bootstrap, oidc and
	// webhook).
	Name string
	// Authenticator is required. It follows the three outcomes of
	// [authn.TokenAuthenticator]: no opinion for a token it does not
	// know, an error for one of its own that is wrong, an error matching
	// [authn.ErrUnavailable] when it cannot check (its store is down),
	// which becomes a 503 like a built-in's.
	Authenticator authn.TokenAuthenticator
	// AudienceAware says that Authenticator checks the accepted audiences
	// ([authn.AudiencesFrom]) itself and reports them in
	// [authn.Response.Audiences]. Otherwise it is audience-agnostic, like
	// the token file: asked only when the request's accepted audiences
	// intersect --api-audiences ([authn.AudienceAgnostic]).
	AudienceAware bool
}

// CustomRequest is one of the embedding program's own request
// authenticators (a session cookie, say), for [Options.CustomRequests].
// Its fields mean what [CustomToken]'s do.
type CustomRequest struct {
	Name          string
	Authenticator authn.Authenticator
	AudienceAware bool
}

// Names of the built-in authenticators, as [authn.AuthenticatorError]
// and the decision log give them.
const (
	NameRequestHeader  = "requestheader"
	NameBasicAuth      = "basicauth"
	NameX509           = "x509"
	NameTokenFile      = "tokenfile"
	NameServiceAccount = "serviceaccount"
	NameBootstrap      = "bootstrap"
	NameOIDC           = "oidc"
	NameWebhook        = "webhook"
)

var builtinNames = []string{NameRequestHeader, NameBasicAuth, NameX509, NameTokenFile, NameServiceAccount, NameBootstrap, NameOIDC, NameWebhook}

// validateCustom checks the custom authenticators' names and values.
func (o *Options) validateCustom() []error {
	var errs []error
	seen := slices.Clone(builtinNames)
	check := func(kind string, i int, name string, missing bool) {
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("options: %s[%d]: Name is required", kind, i))
		case slices.Contains(seen, name):
			errs = append(errs, fmt.Errorf("options: %s[%d]: Name %q is already used", kind, i, name))
		}
		if missing {
			errs = append(errs, fmt.Errorf("options: %s[%d] (%s): Authenticator is required", kind, i, name))
		}
		seen = append(seen, name)
	}
	for i, c := range o.CustomTokens {
		check("CustomTokens", i, c.Name, c.Authenticator == nil)
	}
	for i, c := range o.CustomRequests {
		check("CustomRequests", i, c.Name, c.Authenticator == nil)
	}
	return errs
}

// builder assembles an [Authenticator] from [Options].
type builder struct {
	o        *Options
	out      *Authenticator
	logger   *slog.Logger
	auds     []string                   // --api-audiences, or its default
	requests []authn.Authenticator      // request authenticators, in order
	tokens   []authn.TokenAuthenticator // token authenticators not behind the cache
	cached   []authn.TokenAuthenticator // token authenticators behind the cache
	jwt      []jwtverify.Member         // JWT authenticators, behind the cache, first
}

// own records a value whose background work Close stops.
func (b *builder) own(c io.Closer) { b.out.closers = append(b.out.closers, c) }

// watches records the Health method of a component that watches files.
func (b *builder) watches(health func() []authn.FileHealth) {
	b.out.files = append(b.out.files, health)
}

// file configures a file given by a flag: path (empty for a file that is
// not set), the default checks and limits, failures reported to OnError.
func (o *Options) file(path string) authn.FileOptions {
	return authn.FileOptions{Path: path, OnError: o.OnError}
}

// agnostic wraps an audience-agnostic token authenticator.
func (b *builder) agnostic(t authn.TokenAuthenticator) authn.TokenAuthenticator {
	return authn.AudienceAgnostic(b.auds, t)
}

// New validates o, loads every configured file and returns one
// authenticator, composed as kube-apiserver composes it. The request
// authenticators are asked in this order:
//
//  1. the authenticating front proxy (--requestheader-*), audience-agnostic;
//  2. HTTP Basic (--basic-auth-file), audience-agnostic, where old
//     kube-apiserver releases had it;
//  3. client certificates (--client-ca-file);
//  4. [Options.CustomRequests], in order;
//  5. bearer tokens (Authorization and the WebSocket protocol form) from
//     the union of the token authenticators, in this order: the token
//     file (a map lookup: not cached); then behind the token cache, with
//     kube-apiserver's TTLs (10s success, failures not cached), service
//     accounts, bootstrap tokens, OIDC issuers and then
//     [Options.CustomTokens]; last the TokenReview webhook behind its own
//     cache (--authentication-token-webhook-cache-ttl).
//
// Every success gets system:authenticated. With --anonymous-auth, a
// request that carries no credential anyone recognised becomes
// system:anonymous; a rejected credential stays rejected, and a
// credential that could not be checked (a custom or built-in
// authenticator answering [authn.ErrUnavailable]) gives 503. Every
// member is [authn.Named], so refusals say which one decided. When
// nothing at all is configured, New logs a warning. On error nothing is
// left running.
func (o *Options) New() (*Authenticator, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	logger := cmp.Or(o.Logger, slog.Default())
	auds := slices.Clone(o.APIAudiences)
	if len(auds) == 0 {
		// kube-apiserver's ToAuthenticationConfig: every issuer.
		auds = slices.Clone(o.ServiceAccountIssuers)
	}
	b := &builder{o: o, out: &Authenticator{Audiences: auds, logger: logger, observer: o.Observer}, logger: logger, auds: auds}
	out, err := b.build()
	if err != nil {
		_ = b.out.Close()
		return nil, err
	}
	return out, nil
}

// build runs every step of New in kube-apiserver's order.
func (b *builder) build() (*Authenticator, error) {
	for _, step := range []func() error{
		b.separateCAs, b.requestHeader, b.basicAuth, b.clientCerts, b.customRequests,
		b.tokenFile, b.serviceAccounts, b.bootstrap,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	anonymous, err := b.oidc()
	if err != nil {
		return nil, err
	}
	for _, step := range []func() error{b.customTokens, b.tokenCache, b.webhook} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	out := b.out
	if len(b.tokens) > 0 {
		tok := oneOrUnion(b.tokens)
		b.requests = append(b.requests, authn.BearerToken(tok))
		out.Challenges = append([]authn.Challenge{authn.BearerChallenge}, out.Challenges...)
		out.Token = authn.AddTokenAuthenticatedGroup(authn.AsBearer(tok))
	}
	if out.Challenges == nil {
		out.Challenges = []authn.Challenge{authn.BearerChallenge}
	}
	var a authn.Authenticator = union.New(b.requests...)
	a = authn.AddAuthenticatedGroup(a)
	if anonymous.Enabled {
		var paths []string
		for _, c := range anonymous.Conditions {
			paths = append(paths, c.Path)
		}
		a = union.New(a, authn.AnonymousFor(paths...))
	}
	b.warnIfEmpty(anonymous.Enabled)
	out.Authenticator = a
	return out, nil
}

// warnIfEmpty says so when no credential of any kind is accepted.
func (b *builder) warnIfEmpty(anonymous bool) {
	if len(b.requests) > 0 {
		return
	}
	if anonymous {
		b.logger.Warn("options: no authenticator is configured: every request is anonymous (system:anonymous)")
		return
	}
	b.logger.Warn("options: no authenticator is configured and --anonymous-auth is false: every request will be refused (401); set --token-auth-file, --client-ca-file, --oidc-issuer-url or another credential flag")
}

// separateCAs refuses a front-proxy CA bundle that shares a CA with the
// client CA bundle, whatever the paths: every holder of a client
// certificate from a shared CA could then assert any identity through the
// X-Remote-* headers.
func (b *builder) separateCAs() error {
	o := b.o
	if o.ClientCAFile == "" || o.RequestHeader.ClientCAFile == "" {
		return nil
	}
	clients, err := x509auth.ReadCABundle(o.ClientCAFile)
	if err != nil {
		return fmt.Errorf("options: --client-ca-file: %w", err)
	}
	proxies, err := x509auth.ReadCABundle(o.RequestHeader.ClientCAFile)
	if err != nil {
		return fmt.Errorf("options: --requestheader-client-ca-file: %w", err)
	}
	if shared := x509auth.CommonCAs(proxies, clients); len(shared) > 0 {
		return fmt.Errorf("options: --requestheader-client-ca-file %s and --client-ca-file %s share the CA %q: "+
			"every client could then assert any identity through the front-proxy headers; give the front proxy a CA of its own",
			o.RequestHeader.ClientCAFile, o.ClientCAFile, shared[0].Subject.String())
	}
	return nil
}

func (b *builder) requestHeader() error {
	rh := b.o.RequestHeader
	if rh.ClientCAFile == "" {
		return nil
	}
	p, err := requestheader.New(requestheader.Options{
		ClientCAFile:        b.o.file(rh.ClientCAFile),
		AllowedNames:        rh.AllowedNames,
		UsernameHeaders:     rh.UsernameHeaders,
		UIDHeaders:          rh.UIDHeaders,
		GroupHeaders:        rh.GroupHeaders,
		ExtraHeaderPrefixes: rh.ExtraHeaderPrefixes,
		Logger:              b.logger,
		Observer:            b.o.Observer,
	})
	if err != nil {
		return fmt.Errorf("options: --requestheader-client-ca-file: %w", err)
	}
	b.own(p)
	b.watches(p.Health)
	b.requests = append(b.requests, authn.Named(NameRequestHeader, authn.AudienceAgnosticRequest(b.auds, p)))
	return nil
}

func (b *builder) basicAuth() error {
	if b.o.BasicAuthFile == "" {
		return nil
	}
	p, err := basicauth.New(basicauth.Options{FileOptions: b.o.file(b.o.BasicAuthFile), Logger: b.logger, Observer: b.o.Observer})
	if err != nil {
		return fmt.Errorf("options: --basic-auth-file: %w", err)
	}
	b.own(p)
	b.watches(p.Health)
	b.requests = append(b.requests, authn.Named(NameBasicAuth, authn.AudienceAgnosticRequest(b.auds, p)))
	b.out.Challenges = append(b.out.Challenges, authn.BasicChallenge)
	return nil
}

func (b *builder) clientCerts() error {
	if b.o.ClientCAFile == "" {
		return nil
	}
	c, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
		ClientCAFile: b.o.file(b.o.ClientCAFile),
		CRLFile:      b.o.file(b.o.ClientCRLFile),
		DenyFile:     b.o.file(b.o.ClientCertDenyFile),
		Logger:       b.logger,
		Observer:     b.o.Observer,
	}})
	if err != nil {
		return fmt.Errorf("options: --client-ca-file: %w", err)
	}
	b.own(c)
	b.watches(c.Health)
	b.requests = append(b.requests, authn.Named(NameX509, c))
	return nil
}

func (b *builder) customRequests() error {
	for _, c := range b.o.CustomRequests {
		a := c.Authenticator
		if !c.AudienceAware {
			a = authn.AudienceAgnosticRequest(b.auds, a)
		}
		b.requests = append(b.requests, authn.Named(c.Name, a))
	}
	return nil
}

func (b *builder) tokenFile() error {
	if b.o.TokenAuthFile == "" {
		return nil
	}
	t, err := tokenfile.New(tokenfile.Options{FileOptions: b.o.file(b.o.TokenAuthFile), Logger: b.logger, Observer: b.o.Observer})
	if err != nil {
		return fmt.Errorf("options: --token-auth-file: %w", err)
	}
	b.own(t)
	b.watches(t.Health)
	b.tokens = append(b.tokens, authn.NamedToken(NameTokenFile, b.agnostic(t)))
	return nil
}

func (b *builder) serviceAccounts() error {
	o := b.o
	if len(o.ServiceAccountKeyFiles) == 0 && len(o.ServiceAccountIssuers) == 0 {
		return nil
	}
	sa, err := o.newServiceAccounts(b.out, b.auds, b.logger)
	if err != nil {
		return err
	}
	b.watches(sa.Health)
	b.jwt = append(b.jwt, sa)
	return nil
}

func (b *builder) bootstrap() error {
	o := b.o
	if !o.EnableBootstrapTokenAuth {
		return nil
	}
	store := o.BootstrapTokenStore
	if store == nil {
		fs, err := bootstrap.NewFileStore(bootstrap.FileStoreOptions{FileOptions: b.o.file(o.BootstrapTokenFile), Logger: b.logger, Observer: b.o.Observer})
		if err != nil {
			return fmt.Errorf("options: --bootstrap-token-file: %w", err)
		}
		b.own(fs)
		b.watches(fs.Health)
		store = fs
	}
	t, err := bootstrap.New(store, bootstrap.Options{})
	if err != nil {
		return fmt.Errorf("options: --enable-bootstrap-token-auth: %w", err)
	}
	b.cached = append(b.cached, authn.NamedToken(NameBootstrap, b.agnostic(t)))
	return nil
}

// oidc adds the OIDC issuers, after the service accounts as in
// kube-apiserver (both verify JWTs, and OIDC may fetch keys on a miss),
// and returns the anonymous configuration: --anonymous-auth, or the
// --authentication-config file's anonymous section.
func (b *builder) oidc() (*authconfig.AnonymousConfig, error) {
	o := b.o
	anonymous := &authconfig.AnonymousConfig{Enabled: o.AnonymousAuth}
	if (o.OIDC.IssuerURL == "" || o.OIDC.ClientID == "") && o.AuthenticationConfigFile == "" {
		return anonymous, nil
	}
	jwt, anon, err := o.newOIDC(b.out, b.logger)
	if err != nil {
		return nil, err
	}
	if anon != nil {
		if o.AnonymousAuthSet {
			return nil, fmt.Errorf("options: --authentication-config %s: %w", o.AuthenticationConfigFile, &authconfig.ConfigError{Errors: []*authconfig.FieldError{{
				Field: "anonymous", Type: authconfig.FieldValueForbidden,
				Detail: "--anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file"}}})
		}
		anonymous = anon
	}
	b.jwt = append(b.jwt, jwtverify.AudienceAgnostic(b.auds, jwt))
	return anonymous, nil
}

func (b *builder) customTokens() error {
	for _, c := range b.o.CustomTokens {
		t := c.Authenticator
		if !c.AudienceAware {
			t = b.agnostic(t)
		}
		b.cached = append(b.cached, authn.NamedToken(c.Name, t))
	}
	return nil
}

// tokenCache puts the cached token authenticators behind one cache.
//
// The JWT authenticators come first, behind one dispatch that reads a
// bearer token's "iss" once and hands the token to the authenticator of
// that issuer (the service accounts' or an OIDC issuer's), however many
// are configured; their errors name them themselves.
func (b *builder) tokenCache() error {
	if len(b.jwt) > 0 {
		b.cached = append([]authn.TokenAuthenticator{jwtverify.Dispatch(b.jwt...)}, b.cached...)
	}
	if len(b.cached) == 0 {
		return nil
	}
	o := b.o
	if o.TokenSuccessCacheTTL == 0 && o.TokenFailureCacheTTL == 0 {
		b.tokens = append(b.tokens, b.cached...)
		return nil
	}
	c, err := union.NewCache(oneOrUnion(b.cached), union.CacheOptions{
		SuccessTTL: o.TokenSuccessCacheTTL, FailureTTL: o.TokenFailureCacheTTL, CacheErrors: true, Logger: b.logger, Observer: o.Observer,
	})
	if err != nil {
		return fmt.Errorf("options: token cache: %w", err)
	}
	b.own(c)
	b.tokens = append(b.tokens, c)
	return nil
}

func (b *builder) webhook() error {
	if b.o.WebhookConfigFile == "" {
		return nil
	}
	w, err := b.o.newWebhook(b.auds, b.logger)
	if err != nil {
		return err
	}
	b.own(w)
	b.tokens = append(b.tokens, authn.NamedToken(NameWebhook, w))
	return nil
}

// oneOrUnion returns the only member as it is, or the union of several.
func oneOrUnion(members []authn.TokenAuthenticator) authn.TokenAuthenticator {
	if len(members) == 1 {
		return members[0]
	}
	return union.NewTokens(members...)
}
