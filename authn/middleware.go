package authn

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authnkit/authnkit/internal/audience"
)

// Challenge is an authentication scheme advertised in the WWW-Authenticate
// header of a 401 answer (RFC 9110 section 11.6.1).
type Challenge struct {
	// Scheme is the auth-scheme, such as "Bearer" or "Basic".
	Scheme string
	// Realm is the protection space. Empty: no realm parameter, except for
	// Basic, which requires one (RFC 7617) and gets "authnkit".
	Realm string
}

// BearerChallenge and BasicChallenge are the challenges for the schemes
// authnkit authenticators read.
var (
	BearerChallenge = Challenge{Scheme: "Bearer"}
	BasicChallenge  = Challenge{Scheme: "Basic", Realm: "authnkit"}
)

// FailureHandler answers a request that failed authentication. err is nil
// when the request carried no credential anyone recognised; otherwise it is
// the authenticator's error (several joined, for a union). The handler must
// not put err's text into the response if it may reach untrusted callers
// and must never log a credential (authnkit's errors contain none).
type FailureHandler func(w http.ResponseWriter, r *http.Request, err error)

// MiddlewareOptions configures [Middleware]. The zero value is usable.
type MiddlewareOptions struct {
	// Audiences this server accepts (--api-audiences). When set, they are
	// put in the request context ([WithAudiences]) for audience-aware
	// authenticators, and a response whose Audiences are set but share
	// none with them is refused with [ErrWrongAudience], as kube-apiserver
	// does.
	Audiences []string
	// Challenges sent on 401 answers by the default failure handler. Nil:
	// [BearerChallenge] alone. A Bearer challenge gets error="invalid_token"
	// (RFC 6750 section 3.1) when the failure matches [ErrInvalidToken].
	Challenges []Challenge
	// RetryAfter is the delay advertised on 503 answers, which the default
	// handler sends when every failure is [ErrUnavailable]. Zero: 1s.
	RetryAfter time.Duration
	// OnFailure replaces the default failure handler ([DefaultFailureHandler]
	// built from Challenges and RetryAfter).
	OnFailure FailureHandler
	// KeepCredential leaves the Authorization header and the WebSocket
	// bearer protocol entry on a request that authenticated. By default
	// both are removed after any success, whichever authenticator
	// succeeded (a client certificate, the front proxy, HTTP Basic or a
	// bearer token), as kube-apiserver does, so that no handler sees the
	// caller's credential.
	KeepCredential bool
	// Logger receives the decision log: one Info line per refused request
	// ("authentication refused") with the reason ([Reason]), the
	// authenticators that refused ([Authenticators]), the kinds of
	// credential presented and a short keyed fingerprint of each — never
	// a credential — and, at Debug, one line per success. Nil:
	// slog.Default(), resolved once. Use slog.New(slog.DiscardHandler) to
	// log nothing.
	Logger *slog.Logger
	// LogLimit bounds the refusal lines per second, so that a flood of bad
	// credentials cannot flood the log: lines over it are dropped and
	// counted, and the next line written says how many were dropped
	// ("dropped"). Zero: [DefaultLogLimit]; negative: no limit.
	LogLimit int
	// Observer, when its Authentication function is set, receives one
	// [AuthenticationEvent] per request: every decision, unlike the
	// rate-limited log, for metrics and audit pipelines. Nil: nothing is
	// recorded, and nothing is paid for it.
	Observer *Observer
}

// Middleware returns HTTP middleware that authenticates each request with
// a. On success it removes the credential headers (see
// [MiddlewareOptions.KeepCredential]), stores the [Response] in the
// request's context ([ResponseFrom], [UserFrom]) and calls the next
// handler. Every refusal is logged ([MiddlewareOptions.Logger]), and every
// decision is reported to [MiddlewareOptions.Observer]. Otherwise it calls
// opts.OnFailure, by default [DefaultFailureHandler]: 401 with a Kubernetes
// Status body and WWW-Authenticate challenges, or 503 with Retry-After
// when the credential could not be checked at all. The returned middleware
// is safe for concurrent use.
func Middleware(a Authenticator, opts MiddlewareOptions) func(http.Handler) http.Handler {
	auds := slices.Clone(opts.Audiences)
	fail := opts.OnFailure
	if fail == nil {
		fail = DefaultFailureHandler(opts.Challenges, opts.RetryAfter)
	}
	log := newDecisionLog(opts.Logger, opts.LogLimit)
	var observe func(AuthenticationEvent)
	var kinds *credentialKinds
	if opts.Observer != nil && opts.Observer.Authentication != nil {
		observe, kinds = opts.Observer.Authentication, newCredentialKinds()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(auds) > 0 {
				r = r.WithContext(WithAudiences(r.Context(), auds))
			}
			// The credentials are named before authenticating, which
			// may remove them, and only when a success will be logged
			// or an event sent.
			var creds string
			if log.debug(r.Context()) {
				creds = log.credentials(r)
			}
			var ev AuthenticationEvent
			if observe != nil {
				ev.Time, ev.Credentials = time.Now(), kinds.of(r)
			}
			resp, ok, err := a.AuthenticateRequest(r)
			if observe != nil {
				ev.Duration = time.Since(ev.Time)
			}
			if !ok || err != nil || resp == nil {
				log.refused(r, err)
				if observe != nil {
					ev.Result, ev.Reason, ev.Authenticators = ResultFailure, Reason(err), Authenticators(err)
					if err != nil {
						ev.Result = ResultError
					}
					observe(ev)
				}
				fail(w, r, err)
				return
			}
			if len(auds) > 0 && len(resp.Audiences) > 0 && len(audience.Intersect(auds, resp.Audiences)) == 0 {
				log.refused(r, ErrWrongAudience)
				if observe != nil {
					ev.Result, ev.Reason = ResultError, ReasonWrongAudience
					observe(ev)
				}
				fail(w, r, ErrWrongAudience)
				return
			}
			if creds != "" {
				log.accepted(r, resp, creds)
			}
			if observe != nil {
				ev.Result, ev.User = ResultSuccess, resp.User.Name
				if id := resp.User.Extra[CredentialIDKey]; len(id) > 0 {
					ev.CredentialID = id[0]
				}
				observe(ev)
			}
			if !opts.KeepCredential {
				removeCredentials(r)
			}
			next.ServeHTTP(w, r.WithContext(WithResponse(r.Context(), resp)))
		})
	}
}

// removeCredentials deletes the Authorization header and the WebSocket
// bearer protocol entry from r. It does not allocate when neither is
// there.
func removeCredentials(r *http.Request) {
	delete(r.Header, "Authorization")
	protos, ok := r.Header["Sec-Websocket-Protocol"]
	if !ok {
		return
	}
	var kept []string
	found := false
	for _, v := range protos {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.TrimSpace(p)
			switch {
			case strings.HasPrefix(p, WebSocketProtocolPrefix):
				found = true
			case p != "":
				kept = append(kept, p)
			}
		}
	}
	if found {
		r.Header.Set("Sec-Websocket-Protocol", strings.Join(kept, ","))
	}
}

// DefaultFailureHandler returns the failure handler [Middleware] uses by
// default. When err [IsUnavailable], it answers 503 with Retry-After
// (retryAfter rounded up to seconds; zero means one second) and a Status of
// reason ServiceUnavailable. Otherwise it answers 401 with a Status of
// reason Unauthorized and message "Unauthorized", exactly as kube-apiserver
// does, plus one WWW-Authenticate header per challenge (nil: Bearer), and
// then whatever the first [Challenger] in err's tree adds.
func DefaultFailureHandler(challenges []Challenge, retryAfter time.Duration) FailureHandler {
	if challenges == nil {
		challenges = []Challenge{BearerChallenge}
	}
	secs := int64((retryAfter + time.Second - 1) / time.Second)
	if secs <= 0 {
		secs = 1
	}
	// Everything an answer holds is the same every time: build it once,
	// so that a refusal costs a flood of bad credentials no encoding.
	retry := strconv.FormatInt(secs, 10)
	unavailable := statusBody(NewStatus(http.StatusServiceUnavailable, "ServiceUnavailable", "authentication is temporarily unavailable"))
	unauthorized := statusBody(NewStatus(http.StatusUnauthorized, "Unauthorized", "Unauthorized"))
	var plain, invalid []string
	for _, c := range challenges {
		plain = append(plain, c.header(false))
		invalid = append(invalid, c.header(true))
	}
	return func(w http.ResponseWriter, _ *http.Request, err error) {
		h := w.Header()
		if IsUnavailable(err) {
			h["Retry-After"] = []string{retry}
			writeStatusBody(w, http.StatusServiceUnavailable, unavailable)
			return
		}
		values := plain
		if errors.Is(err, ErrInvalidToken) {
			values = invalid
		}
		if len(values) > 0 {
			h["Www-Authenticate"] = append(slices.Clip(h["Www-Authenticate"]), values...)
		}
		if c, ok := errors.AsType[Challenger](err); ok {
			c.Challenge(h)
		}
		writeStatusBody(w, http.StatusUnauthorized, unauthorized)
	}
}

func (c Challenge) header(invalidToken bool) string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	var params []string
	realm := c.Realm
	if realm == "" && strings.EqualFold(c.Scheme, "Basic") {
		realm = "authnkit"
	}
	if realm != "" {
		params = append(params, "realm="+strconv.Quote(realm))
	}
	if strings.EqualFold(c.Scheme, "Basic") {
		params = append(params, `charset="UTF-8"`)
	}
	if invalidToken && strings.EqualFold(c.Scheme, "Bearer") {
		params = append(params, `error="invalid_token"`)
	}
	if len(params) > 0 {
		b.WriteByte(' ')
		b.WriteString(strings.Join(params, ", "))
	}
	return b.String()
}

// credentialKinds holds [AuthenticationEvent.Credentials] for every
// combination of credentials a request can present: a client
// certificate or not, each kind of Authorization header or none, a
// WebSocket bearer entry or not. It is built once per [Middleware], so
// that naming a request's credentials does not allocate. Immutable.
type credentialKinds [2][4][2][]string

// authorizationKinds are the kinds of Authorization header, indexed as
// the second dimension of credentialKinds; "" is none.
var authorizationKinds = [4]string{"", "bearer", "basic", "authorization"}

func newCredentialKinds() *credentialKinds {
	var k credentialKinds
	for x := range 2 {
		for a, auth := range authorizationKinds {
			for ws := range 2 {
				var list []string
				if x == 1 {
					list = append(list, "x509")
				}
				if auth != "" {
					list = append(list, auth)
				}
				if ws == 1 {
					list = append(list, "websocket-bearer")
				}
				k[x][a][ws] = slices.Clip(list)
			}
		}
	}
	return &k
}

// of returns the kinds of credential r presents.
func (k *credentialKinds) of(r *http.Request) []string {
	var x, a, ws int
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		x = 1
	}
	if v := r.Header["Authorization"]; len(v) > 0 {
		kind, _ := authorizationKind(v[0])
		a = slices.Index(authorizationKinds[:], kind)
	}
	if hasWebSocketBearer(r) {
		ws = 1
	}
	return k[x][a][ws]
}
