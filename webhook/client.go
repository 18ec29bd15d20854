package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/audience"
)

// Defaults of [Options], kube-apiserver's.
const (
	// DefaultTimeout is kube-apiserver's webhook request timeout
	// (k8s.io/apiserver/pkg/util/webhook: defaultRequestTimeout).
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseBytes bounds a TokenReview answer.
	DefaultMaxResponseBytes = 1 << 20
)

// DefaultCacheTTL is kube-apiserver's default for
// --authentication-token-webhook-cache-ttl: 2m (WithWebHook in
// k8s.io/kubernetes/pkg/kubeapiserver/options/authentication.go).
// Kubernetes caches the webhook's successes and its "authenticated: false"
// answers for this long, in a cache of its own in front of the webhook
// (newWebhookTokenAuthenticator in
// k8s.io/kubernetes/pkg/kubeapiserver/authenticator/config.go), and does
// not cache its errors. The [Authenticator] does not cache: to match, put
// it behind a union.Cache with this as both SuccessTTL and FailureTTL and
// CacheErrors false.
const DefaultCacheTTL = 2 * time.Minute

// DefaultRetry is kube-apiserver's token-webhook retry backoff
// (k8s.io/apiserver/pkg/server/options: DefaultAuthWebhookRetryBackoff,
// shaped by k8s.io/apiserver/pkg/util/webhook:
// DefaultRetryBackoffWithInitialDelay): 500ms, growing by 1.5, jitter 0.2,
// at most 5 attempts.
func DefaultRetry() Backoff {
	return Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5}
}

// ErrBadResponse: the TokenReview server answered something that is not a
// TokenReview of the configured version (not JSON, truncated, too large,
// another kind or version) or with an HTTP status that is neither success
// (200 to 206) nor retried (429, 5xx): 3xx, 401, 403, 404 and the like.
// Errors that match it never match [authn.ErrUnavailable].
var ErrBadResponse = errors.New("webhook: bad response from TokenReview server")

// Backoff is a retry schedule, as k8s.io/apimachinery's wait.Backoff:
// the first wait is Duration, each next one Factor times the previous,
// each lengthened by a random part of up to Jitter times itself; Steps is
// the number of attempts in all.
type Backoff struct {
	Duration time.Duration
	Factor   float64
	Jitter   float64
	Steps    int
}

// Options configures an [Authenticator]. Exactly one of ConfigFile and
// Config is required.
type Options struct {
	// ConfigFile is a kubeconfig-format file, as kube-apiserver's
	// --authentication-token-webhook-config-file (see [LoadConfig]).
	ConfigFile string
	// Config is the same, as a Go value.
	Config *Config
	// Version is the TokenReview API version sent, "v1" (default) or
	// "v1beta1" (--authentication-token-webhook-version).
	Version string
	// Timeout bounds one AuthenticateToken call, retries included; the
	// caller's context may end it sooner. Zero: DefaultTimeout.
	Timeout time.Duration
	// Retry is the backoff for connection errors (other than a server
	// certificate that does not verify), 429 and 5xx answers; other
	// answers are not retried. Zero: DefaultRetry(). Steps 1 disables
	// retries.
	Retry Backoff
	// MaxResponseBytes bounds the response body. Zero:
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// ImplicitAudiences are the audiences the server is taken to have
	// checked when it answers without status.audiences, as kube-apiserver
	// passes its --api-audiences. Empty: such an answer matches no
	// requested audience.
	ImplicitAudiences []string
	// InsecureAllowHTTP lets the server be a plain http URL. Without it
	// New refuses one: the token under review, and the kubeconfig's own
	// bearer token, would cross the network unencrypted. kube-apiserver
	// has no such check.
	InsecureAllowHTTP bool
	// Logger receives Debug lines about retries (never a token). Nil:
	// slog.Default().
	Logger *slog.Logger
	// Observer receives an [authn.WebhookEvent] per TokenReview request
	// sent, each retry included: the HTTP status code, or "<error>" when
	// no answer came, and how long the request took, as Kubernetes'
	// apiserver_delegated_authn_request_total and
	// …_request_duration_seconds label them. Nil: nothing is recorded.
	Observer *authn.Observer
}

// Authenticator is a [authn.TokenAuthenticator] that asks a remote
// TokenReview server, as kube-apiserver's webhook token authenticator does.
// It does not cache: put it behind union's token cache. Safe for concurrent
// use.
//
// Its outcomes ([Authenticator.AuthenticateToken] has the details):
// (resp, true, nil) when the server authenticates the token; (nil, false,
// nil) when it answers authenticated false without status.error; an error
// matching [authn.ErrInvalidToken] when it answers with status.error; an
// error matching [authn.ErrUnavailable] when it cannot be reached, times
// out, or answers 5xx or 429; an error matching [ErrBadResponse], and not
// ErrUnavailable, for any other unexpected answer (401, 404, a redirect, a
// body that is not a TokenReview of the configured version); an error
// matching [authn.ErrWrongAudience] when it accepts the token for none of
// the requested audiences. A cache should keep the first two and none of
// the errors.
type Authenticator struct {
	url        string // where TokenReviews are POSTed
	name       string // url without its password, for errors and logs
	apiVersion string
	token      string
	client     *http.Client
	transport  *http.Transport
	timeout    time.Duration
	retry      Backoff
	max        int64
	implicit   []string
	logger     *slog.Logger
	onRequest  func(authn.WebhookEvent) // nil: not observed
}

var _ authn.TokenAuthenticator = (*Authenticator)(nil)

// New validates opts, reads the config file and the files it names, and
// returns an Authenticator. It does no network I/O. Close releases idle
// connections.
//
// The server must be an absolute https URL, or http with
// Options.InsecureAllowHTTP; the error for another one names the
// kubeconfig file (or Config) and the server, without its password.
func New(opts Options) (*Authenticator, error) {
	var cfg *Config
	where := "Config"
	switch {
	case opts.ConfigFile != "" && opts.Config != nil:
		return nil, errors.New("webhook: ConfigFile and Config are mutually exclusive")
	case opts.ConfigFile != "":
		c, err := LoadConfig(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		cfg, where = c, opts.ConfigFile
	case opts.Config != nil:
		c := *opts.Config
		cfg = &c
	default:
		return nil, errors.New("webhook: ConfigFile or Config is required")
	}
	a := &Authenticator{timeout: opts.Timeout, retry: opts.Retry, max: opts.MaxResponseBytes, implicit: append([]string(nil), opts.ImplicitAudiences...), logger: opts.Logger, token: cfg.Token}
	switch opts.Version {
	case "", V1:
		a.apiVersion = groupName + "/" + V1
	case V1beta1:
		a.apiVersion = groupName + "/" + V1beta1
	default:
		return nil, fmt.Errorf("webhook: unsupported TokenReview version %q (want %q or %q)", opts.Version, V1, V1beta1)
	}
	if a.timeout <= 0 {
		a.timeout = DefaultTimeout
	}
	if a.retry == (Backoff{}) {
		a.retry = DefaultRetry()
	}
	if a.retry.Steps < 1 || a.retry.Duration < 0 || a.retry.Factor < 0 || a.retry.Jitter < 0 {
		return nil, fmt.Errorf("webhook: invalid Retry %+v", a.retry)
	}
	if a.max <= 0 {
		a.max = DefaultMaxResponseBytes
	}
	a.logger = cmp.Or(a.logger, slog.Default()).With("authenticator", "webhook")
	if opts.Observer != nil {
		a.onRequest = opts.Observer.Webhook
	}
	u, err := parseServer(cfg.Server, opts.InsecureAllowHTTP)
	if err != nil {
		return nil, fmt.Errorf("webhook: %s: %w", where, err)
	}
	a.url, a.name = u.String(), u.Redacted()
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TLSServerName, InsecureSkipVerify: cfg.InsecureSkipTLSVerify}
	if len(cfg.CAData) > 0 {
		if cfg.InsecureSkipTLSVerify {
			return nil, errors.New("webhook: certificate-authority and insecure-skip-tls-verify are mutually exclusive")
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAData) {
			return nil, errors.New("webhook: certificate-authority: no PEM certificates")
		}
		tc.RootCAs = pool
	}
	if len(cfg.ClientCertData) > 0 || len(cfg.ClientKeyData) > 0 {
		cert, err := tls.X509KeyPair(cfg.ClientCertData, cfg.ClientKeyData)
		if err != nil {
			return nil, fmt.Errorf("webhook: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	a.transport = &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     tc,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	a.client = &http.Client{
		Transport:     a.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a, nil
}

// parseServer parses server, which must be an absolute https URL, or http
// if allowHTTP. Its errors quote server without its password.
func parseServer(server string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(server)
	if err != nil {
		// url.Error quotes the whole server, password included: keep
		// only its cause.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("server is not a URL: %w", err)
	}
	switch {
	case u.Scheme == "http" && !allowHTTP:
		return nil, fmt.Errorf("server %q is plain http, which would send tokens unencrypted: use https (or set Options.InsecureAllowHTTP)", u.Redacted())
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return nil, fmt.Errorf("server %q: want an absolute https URL", u.Redacted())
	}
	return u, nil
}

// Close closes idle connections. The Authenticator stays usable.
func (a *Authenticator) Close() error {
	a.transport.CloseIdleConnections()
	return nil
}

// AuthenticateToken POSTs a TokenReview with token and the context's
// audiences ([authn.AudiencesFrom]) and reads the answer as kube-apiserver
// does. Its outcomes, exactly:
//
//   - (resp, true, nil): status.authenticated is true; resp.User is
//     status.user (status.error is ignored, as kube-apiserver ignores it).
//     resp.Audiences is empty when the context asks for no audiences,
//     whatever status.audiences says; otherwise it holds the requested
//     audiences that status.audiences names (or, when status.audiences is
//     empty, that Options.ImplicitAudiences names), and naming none is
//     an error matching [authn.ErrWrongAudience].
//   - (nil, false, nil): status.authenticated is false and status.error
//     is empty: the server does not know the token.
//   - (nil, false, err), err matching [authn.ErrInvalidToken]:
//     status.authenticated is false and status.error is set; err carries
//     the server's text, as kube-apiserver's error does.
//   - (nil, false, err), err matching [authn.ErrUnavailable]: the server
//     could not be reached, its certificate did not verify, the call timed
//     out or ctx ended, or it answered 5xx or 429 (after Options.Retry's
//     attempts: connection errors, 429 and 5xx are retried, a certificate
//     that does not verify is not).
//   - (nil, false, err), err matching [ErrBadResponse] and not
//     [authn.ErrUnavailable]: any other answer: an HTTP status outside
//     200-206 other than 429 and 5xx (a redirect, 401, 403, 404, ...; not
//     retried), or a body that is not a TokenReview of the configured
//     version (other kind or version, not JSON, over MaxResponseBytes).
//
// The answer's apiVersion and kind may be left out, as kube-apiserver's
// decoder fills them in; an answer of the other version than Options.Version
// is refused, as kube-apiserver refuses it. Safe for concurrent use; resp
// is the caller's.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	wantAuds := authn.AudiencesFrom(ctx)
	body, err := json.Marshal(&TokenReview{APIVersion: a.apiVersion, Kind: kindTokenReview,
		Spec: TokenReviewSpec{Token: token, Audiences: wantAuds}})
	if err != nil {
		return nil, false, fmt.Errorf("webhook: encoding TokenReview: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	tr, err := a.post(ctx, body)
	if err != nil {
		return nil, false, err
	}
	st := tr.Status
	if !st.Authenticated {
		if st.Error != "" {
			return nil, false, remoteRefusal(st.Error)
		}
		return nil, false, nil
	}
	var auds []string
	if len(wantAuds) > 0 {
		got := st.Audiences
		if len(got) == 0 {
			got = a.implicit
		}
		auds = audience.Intersect(wantAuds, got)
		if len(auds) == 0 {
			return nil, false, fmt.Errorf("webhook: server accepted the token for %q, none of %q: %w", got, wantAuds, authn.ErrWrongAudience)
		}
	}
	return &authn.Response{User: toUser(st.User), Audiences: auds}, true, nil
}

// post sends body, retrying as Options.Retry says.
func (a *Authenticator) post(ctx context.Context, body []byte) (*TokenReview, error) {
	wait := a.retry.Duration
	var last error
	for attempt := 1; ; attempt++ {
		tr, retry, err := a.once(ctx, body)
		if err == nil {
			return tr, nil
		}
		if !retry {
			return nil, err
		}
		last = err
		if ctx.Err() != nil {
			return nil, &authn.UnavailableError{Err: fmt.Errorf("webhook: %s: %w", a.name, context.Cause(ctx))}
		}
		if attempt >= a.retry.Steps {
			return nil, &authn.UnavailableError{Err: fmt.Errorf("webhook: %d attempts: %w", attempt, last)}
		}
		d := wait
		if a.retry.Jitter > 0 {
			d += time.Duration(rand.Float64() * a.retry.Jitter * float64(wait))
		}
		if a.logger.Enabled(ctx, slog.LevelDebug) {
			a.logger.DebugContext(ctx, "retrying TokenReview", "attempt", attempt, "wait", d, "err", err)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &authn.UnavailableError{Err: fmt.Errorf("webhook: %w (after %w)", context.Cause(ctx), last)}
		case <-t.C:
		}
		if a.retry.Factor > 0 {
			wait = time.Duration(float64(wait) * a.retry.Factor)
		}
	}
}

// once makes one attempt; retry says whether its failure may be retried.
func (a *Authenticator) once(ctx context.Context, body []byte) (tr *TokenReview, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("webhook: %w", err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	if a.token != "" {
		h.Set("Authorization", "Bearer "+a.token)
	}
	var start time.Time
	if a.onRequest != nil {
		start = time.Now()
	}
	res, err := a.client.Do(req)
	if err != nil {
		a.observe(start, errorCode)
		// *url.Error names the URL and the cause, never the body or headers.
		if ctx.Err() != nil {
			return nil, true, err
		}
		var ce *tls.CertificateVerificationError
		if errors.As(err, &ce) {
			// Retrying will not change the server's certificate.
			return nil, false, &authn.UnavailableError{Err: fmt.Errorf("webhook: %w", err)}
		}
		return nil, true, fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(res.Body, a.max+1))
	if a.onRequest != nil {
		a.observe(start, strconv.Itoa(res.StatusCode))
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, true, fmt.Errorf("webhook: %s answered %s", a.name, res.Status)
	case res.StatusCode < 200 || res.StatusCode > 206:
		// client-go's REST client takes 200 to 206 as success.
		return nil, false, fmt.Errorf("webhook: %s answered %s: %w", a.name, res.Status, ErrBadResponse)
	}
	if rerr != nil {
		return nil, true, fmt.Errorf("webhook: reading answer of %s: %w", a.name, rerr)
	}
	if int64(len(b)) > a.max {
		return nil, false, fmt.Errorf("webhook: answer of %s is larger than %d bytes: %w", a.name, a.max, ErrBadResponse)
	}
	tr, err = decodeResponse(b, a.apiVersion)
	if err != nil {
		return nil, false, fmt.Errorf("webhook: answer of %s: %w", a.name, err)
	}
	return tr, false, nil
}

// errorCode is [authn.WebhookEvent.Code] for a request that got no
// answer, as Kubernetes labels it.
const errorCode = "<error>"

// observe reports one request, sent at start, that got code.
func (a *Authenticator) observe(start time.Time, code string) {
	if a.onRequest != nil {
		a.onRequest(authn.WebhookEvent{Code: code, Duration: time.Since(start)})
	}
}

// decodeResponse parses a TokenReview answer of apiVersion (group/version).
// Like kube-apiserver's decoder (k8s.io/apimachinery's json serializer,
// decoding into the configured version's TokenReview), it fills in a
// missing kind, a missing apiVersion, or a missing version after the group
// ("authentication.k8s.io/"), and refuses any other kind or apiVersion:
// Kubernetes has no conversion between the TokenReview versions of a
// client.
func decodeResponse(b []byte, apiVersion string) (*TokenReview, error) {
	tr, err := decodeTokenReview(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if !isTokenReview(tr.APIVersion, tr.Kind, apiVersion) {
		return nil, fmt.Errorf("%w: kind %q of apiVersion %q, want TokenReview of %s", ErrBadResponse, tr.Kind, tr.APIVersion, apiVersion)
	}
	return tr, nil
}

// isTokenReview reports whether an object of apiVersion and kind, decoded
// where a TokenReview of want is expected, is one once Kubernetes has
// filled in what is missing: kind, the whole apiVersion ("" or "/"), or the
// version after the group.
func isTokenReview(apiVersion, kind, want string) bool {
	if kind != "" && kind != kindTokenReview {
		return false
	}
	switch apiVersion {
	case "", "/", groupName + "/", want:
		return true
	}
	return false
}

// maxRemoteErrorLen bounds how much of a webhook's status.error an error
// repeats.
const maxRemoteErrorLen = 256

// remoteRefusal is the error for a refusal with status.error msg: it
// matches [authn.ErrInvalidToken] and quotes msg, cut to
// maxRemoteErrorLen bytes, unless msg only says that again (as
// authnkit's own handler does).
func remoteRefusal(msg string) error {
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, authn.ErrInvalidToken.Error()), ": ")
	if msg == "" {
		return fmt.Errorf("webhook: %w", authn.ErrInvalidToken)
	}
	if len(msg) > maxRemoteErrorLen {
		msg = strings.ToValidUTF8(msg[:maxRemoteErrorLen], "") + "…"
	}
	return fmt.Errorf("webhook: %w: %s", authn.ErrInvalidToken, msg)
}
