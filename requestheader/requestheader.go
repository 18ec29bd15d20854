package requestheader

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/x509auth"
)

// The conventional identity header names: what kube-apiserver's
// aggregation layer sends to aggregated API servers (client-go's
// SetAuthProxyHeaders), what kubeadm configures kube-apiserver with (all
// but the UID header), and the defaults of servers that delegate
// authentication to kube-apiserver (k8s.io/apiserver's
// NewDelegatingAuthenticationOptions, lower-cased, without the UID
// header). Header names are case-insensitive. See [DefaultHeaders].
const (
	// UsernameHeader carries the user name (--requestheader-username-headers).
	UsernameHeader = "X-Remote-User"
	// UIDHeader carries the user's UID (--requestheader-uid-headers,
	// Kubernetes 1.32 and later; sent by the aggregation layer from 1.33).
	UIDHeader = "X-Remote-Uid"
	// GroupHeader carries one group per value; the header may repeat
	// (--requestheader-group-headers).
	GroupHeader = "X-Remote-Group"
	// ExtraHeaderPrefix starts the headers that carry extra attributes:
	// "X-Remote-Extra-Scopes: view" gives extra key "scopes"
	// (--requestheader-extra-headers-prefix).
	ExtraHeaderPrefix = "X-Remote-Extra-"
)

// Bounds on what one request may assert, used when [Options.MaxValues]
// and [Options.MaxBytes] are zero. Kubernetes has no such bounds; these are
// far above what real identities carry (hundreds of groups at most).
const (
	// DefaultMaxValues is the most values the identity headers of one
	// request may hold together.
	DefaultMaxValues = 1024
	// DefaultMaxBytes is the most bytes the identity headers of one request
	// may hold together, names and values counted.
	DefaultMaxBytes = 128 << 10
)

// Options configures an [Authenticator]; the fields mirror kube-apiserver's
// --requestheader-* flags. Exactly one of ClientCAFile, ClientCA and
// Verifier must be set, and UsernameHeaders must name at least one header:
// the zero value is not usable. Start from [DefaultHeaders] for the
// conventional X-Remote-* names.
//
// kube-apiserver gives the header flags no defaults (a server configured
// only with --requestheader-client-ca-file authenticates nobody through
// headers; kubeadm sets X-Remote-User, X-Remote-Group and X-Remote-Extra-),
// while servers that delegate to kube-apiserver default to x-remote-user,
// x-remote-group and x-remote-extra-. Here an empty UsernameHeaders is an
// error from [New] rather than a silent no-op, and the other header lists
// may be empty (no UID, no groups, no extra).
//
// Header names are trimmed of surrounding white space, as Kubernetes does,
// and must then be non-empty HTTP field names (RFC 9110 section 5.1); they
// are matched case-insensitively.
type Options struct {
	// ClientCAFile is the PEM bundle of the CAs that sign front-proxy
	// client certificates (--requestheader-client-ca-file): its Path, and
	// how it is kept current (Interval, MaxSize, OnError, OnReload; see
	// [authn.FileOptions]), as x509auth does for --client-ca-file
	// (x509auth.VerifyOptions.ClientCAFile, whose size limit,
	// x509auth.DefaultMaxSize, applies). A bundle that fails to reload
	// keeps the previous one serving. It must not be the client CA
	// (--client-ca-file): every holder of a client certificate from it
	// could otherwise assert any identity. Empty Path: no file.
	ClientCAFile authn.FileOptions
	// ClientCA is a static pool of front-proxy CAs, instead of
	// ClientCAFile.
	ClientCA *x509.CertPool
	// Verifier verifies front-proxy certificates, instead of ClientCAFile
	// or ClientCA; the Authenticator neither reloads nor closes it. Use it
	// for revocation (x509auth.VerifyOptions.CRLFile and DenyFile) or to
	// tune the chain caches. It must be a Verifier of the front-proxy CA bundle
	// alone, never the client CA's (x509auth.CommonCAs finds a CA two
	// bundles share).
	Verifier *x509auth.Verifier
	// AllowedNames are the common names a front-proxy certificate may
	// have (--requestheader-allowed-names), compared exactly. Empty: any
	// certificate that verifies against the front-proxy CA. An empty or
	// all-white-space name is an error.
	AllowedNames []string
	// UsernameHeaders are searched in order for the user name
	// (--requestheader-username-headers); the first header whose first
	// value is non-empty wins. Required.
	UsernameHeaders []string
	// UIDHeaders are searched in order for the UID, the same way
	// (--requestheader-uid-headers). Empty: responses carry no UID.
	UIDHeaders []string
	// GroupHeaders give the groups: every non-empty value of every header,
	// in the order of this list and then of the values
	// (--requestheader-group-headers). Values are not split on commas.
	// Empty: no groups.
	GroupHeaders []string
	// ExtraHeaderPrefixes select the headers that give extra attributes
	// (--requestheader-extra-headers-prefix); see the package
	// documentation for how keys are decoded. Empty: no extra.
	ExtraHeaderPrefixes []string
	// MaxValues bounds the number of values the identity headers of one
	// request may hold together; a trusted request with more is an error
	// matching [authn.ErrMalformed]. Zero means [DefaultMaxValues];
	// negative is an error from [New].
	MaxValues int
	// MaxBytes bounds the bytes (names and values) of the identity headers
	// of one request, the same way. Zero means [DefaultMaxBytes]; negative
	// is an error from [New].
	MaxBytes int
	// Logger receives per-request Debug lines about headers stripped from
	// untrusted requests (counts only, never names or values), tagged
	// authenticator=requestheader, and, when the Authenticator creates the
	// verifier, the CA bundle's lifecycle events, which x509auth tags
	// authenticator=x509auth (plus role=front-proxy). Nil means
	// [slog.Default], resolved once in New.
	Logger *slog.Logger
	// Observer receives, when the Authenticator creates the verifier for
	// ClientCAFile, an [authn.ReloadEvent] after every attempt to load
	// the bundle, the first included (Component "x509auth", as x509auth
	// reports its files; the Path tells the bundles apart). Front-proxy
	// certificates are not reported as client certificates. Nil: nothing
	// is recorded.
	Observer *authn.Observer
}

// DefaultHeaders returns Options with the conventional header names set:
// UsernameHeaders [UsernameHeader], UIDHeaders [UIDHeader], GroupHeaders
// [GroupHeader] and ExtraHeaderPrefixes [ExtraHeaderPrefix]; set the CA
// source and AllowedNames before calling [New]. (kubeadm does not set a UID
// header; kube-apiserver's aggregation layer sends one from Kubernetes
// 1.33.) Each call returns new slices.
func DefaultHeaders() Options {
	return Options{
		UsernameHeaders:     []string{UsernameHeader},
		UIDHeaders:          []string{UIDHeader},
		GroupHeaders:        []string{GroupHeader},
		ExtraHeaderPrefixes: []string{ExtraHeaderPrefix},
	}
}

// NotAllowedError reports a front-proxy certificate that verifies against
// the front-proxy CA but whose common name is not in
// [Options.AllowedNames]. CommonName is the certificate's.
type NotAllowedError struct{ CommonName string }

// Error names the common name; it holds no header value.
func (e *NotAllowedError) Error() string {
	return "requestheader: front-proxy certificate common name " + strconv.Quote(e.CommonName) + " is not in the allowed names"
}

// proxyError is a front-proxy certificate that x509auth refused. It is
// formatted only when Error is called: on a server that also takes
// client certificates, every request with one fails here before it
// authenticates as a client, and that must cost no formatting (x509auth
// remembers the failure and formats lazily too).
type proxyError struct{ err error }

func (e *proxyError) Error() string { return "requestheader: front proxy: " + e.err.Error() }

func (e *proxyError) Unwrap() error { return e.err }

// chainVerifier is what the Authenticator needs of an [x509auth.Verifier].
type chainVerifier interface {
	Verify(peers []*x509.Certificate) ([][]*x509.Certificate, time.Time, error)
}

// Authenticator authenticates requests that come through an
// authenticating front proxy: it trusts the identity headers only when the
// request carries a TLS client certificate that verifies against the
// front-proxy CA and has an allowed common name. See the package
// documentation. It is safe for concurrent use; create it with [New].
type Authenticator struct {
	verifier chainVerifier
	owned    *x509auth.Verifier // created by New, closed by Close
	allowed  []string
	h        headers
	logger   *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

var _ authn.Authenticator = (*Authenticator)(nil)

// New validates opts and returns an Authenticator. With ClientCAFile it
// reads the bundle (an unreadable file or one without certificates is an
// error) and watches it until [Authenticator.Close]; with ClientCA or
// Verifier it owns no goroutine. Errors name the offending option.
func New(opts Options) (*Authenticator, error) {
	base := cmp.Or(opts.Logger, slog.Default())
	h, allowed, err := validate(opts)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{allowed: allowed, h: h, logger: base.With("authenticator", "requestheader")}
	if opts.Verifier != nil {
		a.verifier = opts.Verifier
		return a, nil
	}
	v, err := x509auth.NewVerifier(x509auth.VerifyOptions{
		ClientCA:     opts.ClientCA,
		ClientCAFile: opts.ClientCAFile,
		Logger:       base.With("role", "front-proxy"), // x509auth tags its lines authenticator=x509auth
		Observer:     opts.Observer,
	})
	if err != nil {
		return nil, fmt.Errorf("requestheader: front-proxy CA: %w", err)
	}
	a.verifier, a.owned = v, v
	return a, nil
}

// validate checks opts and builds the header configuration and the
// allowed names.
func validate(opts Options) (headers, []string, error) {
	sources := 0
	for _, set := range []bool{opts.ClientCAFile.Path != "", opts.ClientCA != nil, opts.Verifier != nil} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return headers{}, nil, errors.New("requestheader: set exactly one of ClientCAFile, ClientCA and Verifier")
	}
	for i, n := range opts.AllowedNames {
		if strings.TrimSpace(n) == "" {
			return headers{}, nil, fmt.Errorf("requestheader: AllowedNames[%d]: empty name", i)
		}
	}
	if opts.MaxValues < 0 || opts.MaxBytes < 0 {
		return headers{}, nil, errors.New("requestheader: MaxValues and MaxBytes must not be negative")
	}
	h, err := newHeaders(opts)
	if err != nil {
		return headers{}, nil, err
	}
	return h, slices.Clone(opts.AllowedNames), nil
}

// AuthenticateRequest authenticates a request forwarded by a front proxy.
//
//   - No TLS client certificate: (nil, false, nil), no opinion.
//   - A certificate that does not verify against the front-proxy CA for
//     client auth now: an error wrapping x509auth's [*x509auth.CertificateError]
//     (naming the certificate by serial and subject), which matches the
//     kind of failure: [x509auth.ErrUnknownAuthority] for a certificate of
//     another CA, [authn.ErrExpired], [authn.ErrRevoked] and so on. A union
//     goes on to its next member, which may accept the same certificate as
//     a client certificate. This is Kubernetes' behaviour.
//   - A verified certificate whose common name is not allowed: a
//     [*NotAllowedError].
//   - A verified, allowed certificate and identity headers beyond
//     [Options.MaxValues] or [Options.MaxBytes]: an error matching
//     [authn.ErrMalformed].
//   - Otherwise, no user name in the headers: (nil, false, nil).
//   - Otherwise (resp, true, nil): the user the headers give, with
//     Expiry set to the earliest NotAfter of the proxy's verified chain.
//
// Whatever the outcome, every identity header, and every header that
// spells one with '_' for '-', is then deleted from r.Header, so that none
// reaches the handler; this is the only change made to r. It is safe for concurrent use (on different requests); resp is
// the caller's.
func (a *Authenticator) AuthenticateRequest(r *http.Request) (*authn.Response, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		a.stripUntrusted(r, "no client certificate")
		return nil, false, nil
	}
	peers := r.TLS.PeerCertificates
	if slices.Contains(peers, nil) {
		a.stripUntrusted(r, "malformed client certificate chain")
		return nil, false, fmt.Errorf("requestheader: nil certificate in the peer chain: %w", authn.ErrMalformed)
	}
	_, expiry, err := a.verifier.Verify(peers)
	if err != nil {
		a.stripUntrusted(r, "unverified client certificate")
		return nil, false, &proxyError{err: err}
	}
	if cn := peers[0].Subject.CommonName; len(a.allowed) > 0 && !slices.Contains(a.allowed, cn) {
		a.stripUntrusted(r, "client certificate name not allowed")
		return nil, false, &NotAllowedError{CommonName: cn}
	}
	u, ok, err := a.h.read(r.Header)
	a.h.strip(r.Header)
	if !ok || err != nil {
		return nil, false, err
	}
	return &authn.Response{User: u, Expiry: expiry}, true, nil
}

// stripUntrusted deletes the identity headers of a request whose headers
// are not trusted, logging at Debug how many there were.
func (a *Authenticator) stripUntrusted(r *http.Request, why string) {
	if n := a.h.strip(r.Header); n > 0 {
		if ctx := r.Context(); a.logger.Enabled(ctx, slog.LevelDebug) {
			a.logger.DebugContext(ctx, "removed identity headers from an untrusted request", "headers", n, "reason", why)
		}
	}
}

// Reload reads the CA bundle of [Options.ClientCAFile] now, on the calling
// goroutine, as its watcher does when the file changes. On failure the
// previous bundle keeps serving and the error, naming the file, is logged,
// passed to ClientCAFile.OnError and returned. With ClientCA, or with a
// shared Verifier (which its owner reloads), it does nothing and returns
// nil. Reload still works after Close.
func (a *Authenticator) Reload() error {
	if a.owned == nil {
		return nil
	}
	return a.owned.Reload()
}

// Health reports the state of the CA bundle of [Options.ClientCAFile]
// ([authn.FileHealth]), one element; nil with ClientCA, or with a shared
// Verifier, whose owner reports it. It does no I/O.
func (a *Authenticator) Health() []authn.FileHealth {
	if a.owned == nil {
		return nil
	}
	return a.owned.Health()
}

// Close stops the CA bundle watcher that [New] started for
// [Options.ClientCAFile] and waits for it; it does nothing when the
// Authenticator was given ClientCA or a shared Verifier. It is idempotent
// and returns the first Close's error.
func (a *Authenticator) Close() error {
	if a.owned == nil {
		return nil
	}
	a.closeOnce.Do(func() { a.closeErr = a.owned.Close() })
	return a.closeErr
}
