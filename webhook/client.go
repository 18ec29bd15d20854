package webhook

import (
	"bytes"
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
	"time"

	"github.com/authnkit/authnkit/authn"
)

// Defaults of [Options], kube-apiserver's.
const (
	// DefaultTimeout is kube-apiserver's webhook request timeout
	// (k8s.io/apiserver/pkg/util/webhook: defaultRequestTimeout).
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseBytes bounds a TokenReview answer.
	DefaultMaxResponseBytes = 1 << 20
)

// DefaultRetry is kube-apiserver's token-webhook retry backoff
// (k8s.io/apiserver/pkg/server/options: DefaultAuthWebhookRetryBackoff,
// shaped by k8s.io/apiserver/pkg/util/webhook:
// DefaultRetryBackoffWithInitialDelay): 500ms, growing by 1.5, jitter 0.2,
// at most 5 attempts.
func DefaultRetry() Backoff {
	return Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5}
}

// ErrBadResponse: the TokenReview server answered something that is not a
// TokenReview (not JSON, truncated, too large, wrong kind) or an unexpected
// HTTP status. Errors that match it never match [authn.ErrUnavailable],
// except when they are the last of retried failures.
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
	// Retry is the backoff for connection errors, 429 and 5xx. Zero:
	// DefaultRetry(). Steps 1 disables retries.
	Retry Backoff
	// MaxResponseBytes bounds the response body. Zero:
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// ImplicitAudiences are the audiences the server is taken to have
	// checked when it answers without status.audiences, as kube-apiserver
	// passes its --api-audiences. Empty: such an answer matches no
	// requested audience.
	ImplicitAudiences []string
	// Logger receives Debug lines about retries (never a token). Nil:
	// slog.Default().
	Logger *slog.Logger
}

// Authenticator is a [authn.TokenAuthenticator] that asks a remote
// TokenReview server, as kube-apiserver's webhook token authenticator does.
// It does not cache: put it behind union's token cache. Safe for concurrent
// use.
type Authenticator struct {
	url        string
	apiVersion string
	token      string
	client     *http.Client
	transport  *http.Transport
	timeout    time.Duration
	retry      Backoff
	max        int64
	implicit   []string
	logger     *slog.Logger
}

var _ authn.TokenAuthenticator = (*Authenticator)(nil)

// New validates opts, reads the config file and the files it names, and
// returns an Authenticator. It does no network I/O. Close releases idle
// connections.
func New(opts Options) (*Authenticator, error) {
	var cfg *Config
	switch {
	case opts.ConfigFile != "" && opts.Config != nil:
		return nil, errors.New("webhook: ConfigFile and Config are mutually exclusive")
	case opts.ConfigFile != "":
		c, err := LoadConfig(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		cfg = c
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
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.logger = a.logger.With("authenticator", "webhook")
	u, err := url.Parse(cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("webhook: server: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("webhook: server %q: want an https URL", cfg.Server)
	}
	a.url = u.String()
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

// Close closes idle connections. The Authenticator stays usable.
func (a *Authenticator) Close() error {
	a.transport.CloseIdleConnections()
	return nil
}

// AuthenticateToken POSTs a TokenReview with token and the context's
// audiences ([authn.AudiencesFrom]) and reads the answer as kube-apiserver
// does:
//
//   - status.authenticated true: (resp, true, nil) with status.user; when
//     audiences were asked for, resp.Audiences are the ones status.audiences
//     (or, if it is empty, Options.ImplicitAudiences) shares with them, and
//     none is an error matching [authn.ErrWrongAudience] (kube-apiserver
//     answers "no opinion" instead).
//   - false with status.error: an error matching [authn.ErrInvalidToken]
//     that carries the server's message.
//   - false without: (nil, false, nil).
//
// Connection errors, 429 and 5xx are retried with Options.Retry; other
// answers are not. If the server cannot be reached, times out, or still
// fails after the retries, the error matches [authn.ErrUnavailable]. Any
// other unexpected answer matches [ErrBadResponse].
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
			return nil, false, fmt.Errorf("webhook: %w: %s", authn.ErrInvalidToken, st.Error)
		}
		return nil, false, nil
	}
	auds := st.Audiences
	if len(wantAuds) > 0 {
		got := st.Audiences
		if len(got) == 0 {
			got = a.implicit
		}
		auds = authn.Intersect(wantAuds, got)
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
			return nil, &authn.UnavailableError{Err: fmt.Errorf("webhook: %s: %w", a.url, context.Cause(ctx))}
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
	res, err := a.client.Do(req)
	if err != nil {
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
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, true, fmt.Errorf("webhook: %s answered %s", a.url, res.Status)
	case res.StatusCode < 200 || res.StatusCode > 299:
		return nil, false, fmt.Errorf("webhook: %s answered %s: %w", a.url, res.Status, ErrBadResponse)
	}
	if rerr != nil {
		return nil, true, fmt.Errorf("webhook: reading answer of %s: %w", a.url, rerr)
	}
	if int64(len(b)) > a.max {
		return nil, false, fmt.Errorf("webhook: answer of %s is larger than %d bytes: %w", a.url, a.max, ErrBadResponse)
	}
	tr, err = decodeResponse(b)
	if err != nil {
		return nil, false, fmt.Errorf("webhook: answer of %s: %w", a.url, err)
	}
	return tr, false, nil
}

// decodeResponse parses a TokenReview answer of either version.
func decodeResponse(b []byte) (*TokenReview, error) {
	var tr TokenReview
	// Unmarshal also rejects trailing data after the object.
	if err := json.Unmarshal(b, &tr); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if tr.Kind != kindTokenReview || (tr.APIVersion != groupName+"/"+V1 && tr.APIVersion != groupName+"/"+V1beta1) {
		return nil, fmt.Errorf("%w: kind %q of apiVersion %q, want TokenReview", ErrBadResponse, tr.Kind, tr.APIVersion)
	}
	return &tr, nil
}
