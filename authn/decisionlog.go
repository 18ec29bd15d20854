package authn

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultLogLimit is how many refusal lines per second [Middleware] writes
// when [MiddlewareOptions.LogLimit] is zero.
const DefaultLogLimit = 20

// fingerprintLen is how many bytes of the keyed hash a fingerprint shows:
// enough to tell credentials apart in one process's log, too few to test
// guesses against, and keyed so that nothing can be precomputed.
const fingerprintLen = 6

// decisionLog writes the middleware's decision log. It is safe for
// concurrent use.
type decisionLog struct {
	logger *slog.Logger
	key    [32]byte // HMAC key of the fingerprints; never leaves the process
	limit  int      // lines per second; negative: no limit

	mu      sync.Mutex
	second  int64 // Unix second of the current window
	written int   // lines written in it
	dropped int   // lines dropped since the last line written
}

func newDecisionLog(logger *slog.Logger, limit int) *decisionLog {
	d := &decisionLog{logger: cmp.Or(logger, slog.Default()), limit: cmp.Or(limit, DefaultLogLimit)}
	_, _ = rand.Read(d.key[:]) // crypto/rand.Read never fails (Go 1.24)
	return d
}

// refused writes one line for a refused request, within the rate limit.
func (d *decisionLog) refused(r *http.Request, err error) {
	ctx := r.Context()
	level, status := slog.LevelInfo, http.StatusUnauthorized
	if IsUnavailable(err) {
		level, status = slog.LevelWarn, http.StatusServiceUnavailable
	}
	if !d.logger.Enabled(ctx, level) {
		return
	}
	ok, dropped := d.allow(time.Now())
	if !ok {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("reason", Reason(err)),
		slog.Int("status", status),
		slog.String("credential", d.credentials(r)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("remote", r.RemoteAddr),
	)
	if names := Authenticators(err); len(names) > 0 {
		attrs = append(attrs, slog.String("authenticator", strings.Join(names, ",")))
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	if dropped > 0 {
		attrs = append(attrs, slog.Int("dropped", dropped))
	}
	d.logger.LogAttrs(ctx, level, "authentication refused", attrs...)
}

// debug reports whether successes are logged.
func (d *decisionLog) debug(ctx context.Context) bool {
	return d.logger.Enabled(ctx, slog.LevelDebug)
}

// accepted writes one Debug line for an authenticated request that
// presented creds ([decisionLog.credentials], taken before authenticating).
func (d *decisionLog) accepted(r *http.Request, resp *Response, creds string) {
	d.logger.LogAttrs(r.Context(), slog.LevelDebug, "authenticated",
		slog.String("user", resp.User.Name),
		slog.String("credential", creds),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	)
}

// allow reports whether a line may be written now and, if so, how many
// were dropped before it.
func (d *decisionLog) allow(now time.Time) (bool, int) {
	if d.limit < 0 {
		return true, 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if sec := now.Unix(); sec != d.second {
		d.second, d.written = sec, 0
	}
	if d.written >= d.limit {
		d.dropped++
		return false, 0
	}
	d.written++
	dropped := d.dropped
	d.dropped = 0
	return true, dropped
}

// credentials lists the kinds of credential r presents, each with its
// fingerprint ("x509:1f2e3d4c5b6a bearer:0a1b2c3d4e5f"), or "none".
func (d *decisionLog) credentials(r *http.Request) string {
	var b strings.Builder
	add := func(kind string, secret []byte) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kind)
		b.WriteByte(':')
		b.WriteString(d.fingerprint(secret))
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		add("x509", r.TLS.PeerCertificates[0].Raw)
	}
	if v := r.Header["Authorization"]; len(v) > 0 {
		kind, secret := authorizationKind(v[0])
		add(kind, []byte(secret))
	}
	for _, v := range r.Header["Sec-Websocket-Protocol"] {
		for p := range strings.SplitSeq(v, ",") {
			if enc, ok := strings.CutPrefix(strings.TrimSpace(p), WebSocketProtocolPrefix); ok {
				add("websocket-bearer", []byte(enc))
			}
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// fingerprint is a short keyed hash of a credential, in hexadecimal.
func (d *decisionLog) fingerprint(secret []byte) string {
	m := hmac.New(sha256.New, d.key[:])
	m.Write(secret)
	return hex.EncodeToString(m.Sum(nil)[:fingerprintLen])
}

// authorizationKind names the kind of credential an Authorization header
// value holds, "bearer", "basic" or "authorization" (another scheme), and
// returns the credential: the value after the scheme, or the whole value
// for another scheme.
func authorizationKind(v string) (kind, secret string) {
	scheme, value, _ := strings.Cut(strings.TrimSpace(v), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return "bearer", strings.TrimSpace(value)
	case strings.EqualFold(scheme, "Basic"):
		return "basic", strings.TrimSpace(value)
	}
	return "authorization", v
}

// hasWebSocketBearer reports whether r carries a WebSocket bearer
// protocol entry.
func hasWebSocketBearer(r *http.Request) bool {
	for _, v := range r.Header["Sec-Websocket-Protocol"] {
		for p := range strings.SplitSeq(v, ",") {
			if strings.HasPrefix(strings.TrimSpace(p), WebSocketProtocolPrefix) {
				return true
			}
		}
	}
	return false
}
