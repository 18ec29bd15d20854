package authn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxTokenBytes bounds the bearer tokens [BearerToken] passes on, in bytes.
// A longer token is rejected as [ErrMalformed] before any authenticator
// sees it. It leaves room for ID tokens with large group claims.
const MaxTokenBytes = 64 << 10

// WebSocketProtocolPrefix is the Sec-WebSocket-Protocol entry prefix
// Kubernetes accepts for a bearer token from browsers, which cannot set
// Authorization on a WebSocket: the entry is the prefix followed by the
// token in unpadded base64url.
const WebSocketProtocolPrefix = "base64url.bearer.authorization.k8s.io."

// BearerOptions configures [BearerTokenWith]. The zero value is what
// [BearerToken] uses.
type BearerOptions struct {
	// KeepCredential leaves the Authorization header (or the WebSocket
	// protocol entry) on the request after a token is accepted. By default
	// it is removed, as Kubernetes does, so no handler is ever tempted to
	// reuse the caller's credential.
	KeepCredential bool
	// DisableWebSocket ignores the Sec-WebSocket-Protocol form.
	DisableWebSocket bool
	// Binding checks sender-constrained tokens: a token whose response has
	// a [Confirmation] (RFC 8705 certificate-bound, RFC 9449 DPoP-bound),
	// and every token presented with one of Binding.Schemes() ("DPoP").
	// Nil: such a token is refused with a [*BindingError], never accepted
	// as a bearer token, and only the Bearer scheme is read.
	Binding BindingChecker
}

// BearerToken returns an authenticator that reads a bearer token from the
// request and hands it to t, as kube-apiserver does:
//
//   - Authorization: Bearer <token>, the scheme in any case (RFC 6750
//     section 2.1), surrounding white space ignored;
//   - for a WebSocket upgrade without such a header, a Sec-WebSocket-Protocol
//     entry [WebSocketProtocolPrefix]<base64url token>, which needs at least
//     one other protocol to echo back.
//
// No token, or an Authorization header of another scheme, is no opinion.
// "Bearer" with an empty, too long, or space-separated value, or a
// WebSocket entry that does not decode, is an error matching [ErrMalformed]
// and [ErrInvalidToken]. A token t rejects is an error matching
// [ErrInvalidToken] and t's own error kind (t's error as it is when it
// already matches ErrInvalidToken, so messages do not repeat it); a token t
// has no opinion on is an error matching [ErrInvalidToken] and
// [ErrUnrecognized], which [IsUnavailable] skips, so that in a union of
// several BearerToken members one member's "no opinion" cannot hide
// another's outage; a failure of kind [ErrUnavailable] is passed on as it
// is. On success the credential is
// removed from the request: this is the one change an authenticator makes
// to a request. Use [BearerTokenWith] to keep it.
func BearerToken(t TokenAuthenticator) Authenticator {
	return &bearer{t: t}
}

// BearerTokenWith is [BearerToken] with options.
func BearerTokenWith(t TokenAuthenticator, opts BearerOptions) Authenticator {
	b := &bearer{t: t, opts: opts}
	if opts.Binding != nil {
		for _, s := range opts.Binding.Schemes() {
			b.dpop = b.dpop || strings.EqualFold(s, "DPoP")
		}
	}
	return b
}

type bearer struct {
	t    TokenAuthenticator
	opts BearerOptions
	// dpop is true when opts.Binding reads the DPoP scheme.
	dpop bool
}

var (
	errEmptyToken     = fmt.Errorf("%w: %w: empty bearer token", ErrInvalidToken, ErrMalformed)
	errTokenTooLong   = fmt.Errorf("%w: %w: bearer token longer than %d bytes", ErrInvalidToken, ErrMalformed, MaxTokenBytes)
	errTokenSpaces    = fmt.Errorf("%w: %w: bearer token contains white space", ErrInvalidToken, ErrMalformed)
	errTokenControl   = fmt.Errorf("%w: %w: bearer token contains control characters", ErrInvalidToken, ErrMalformed)
	errWSEncoding     = fmt.Errorf("%w: %w: websocket bearer protocol is not base64url", ErrInvalidToken, ErrMalformed)
	errWSMultiple     = fmt.Errorf("%w: %w: more than one websocket bearer protocol", ErrInvalidToken, ErrMalformed)
	errWSNoOther      = fmt.Errorf("%w: %w: websocket bearer protocol needs another subprotocol", ErrInvalidToken, ErrMalformed)
	errWSInvalidUTF8  = fmt.Errorf("%w: %w: websocket bearer token is not UTF-8", ErrInvalidToken, ErrMalformed)
	errWSProtocolSize = fmt.Errorf("%w: %w: websocket protocol header too long", ErrInvalidToken, ErrMalformed)
)

func (b *bearer) AuthenticateRequest(r *http.Request) (*Response, bool, error) {
	// Direct map access: "Authorization" is already canonical, and
	// Header.Get would canonicalise it again on every request.
	var auth string
	if v := r.Header["Authorization"]; len(v) > 0 {
		auth = v[0]
	}
	scheme := "Bearer"
	token, found, err := ParseBearer(auth)
	if !found && err == nil && b.dpop {
		scheme = "DPoP"
		token, found, err = parseScheme(auth, "dpop")
	}
	if err != nil {
		return nil, false, err
	}
	if found {
		resp, ok, err := b.check(r, scheme, token)
		if ok && !b.opts.KeepCredential {
			delete(r.Header, "Authorization")
		}
		return resp, ok, err
	}
	if b.opts.DisableWebSocket || !isWebSocket(r) {
		return nil, false, nil
	}
	token, others, err := webSocketToken(r.Header.Values("Sec-WebSocket-Protocol"))
	if err != nil || token == "" {
		return nil, false, err
	}
	resp, ok, err := b.check(r, "Bearer", token)
	if ok && !b.opts.KeepCredential {
		r.Header.Set("Sec-WebSocket-Protocol", strings.Join(others, ","))
	}
	return resp, ok, err
}

func (b *bearer) check(r *http.Request, scheme, token string) (*Response, bool, error) {
	resp, ok, err := b.t.AuthenticateToken(r.Context(), token)
	if ok && b.opts.Binding != nil && (resp.Confirmation != nil || scheme != "Bearer") {
		if err := b.opts.Binding.CheckBinding(r, scheme, token, resp.Confirmation); err != nil {
			return nil, false, bindingRefusal(err)
		}
		return resp, true, nil
	}
	return bearerVerdict(resp, ok, err)
}

// bindingRefusal makes a binding checker's error one of BearerToken's: an
// outage as it is, anything else matching [ErrInvalidToken].
func bindingRefusal(err error) error {
	if IsUnavailable(err) || errors.Is(err, ErrInvalidToken) {
		return err
	}
	return &invalidTokenError{err: err}
}

// bearerVerdict turns a token authenticator's answer into BearerToken's.
func bearerVerdict(resp *Response, ok bool, err error) (*Response, bool, error) {
	switch {
	case ok && resp.Confirmation != nil:
		return nil, false, errBindingUnchecked
	case ok:
		return resp, true, nil
	case err == nil:
		return nil, false, errTokenUnrecognized
	case IsUnavailable(err) || errors.Is(err, ErrInvalidToken):
		return nil, false, err
	default:
		return nil, false, &invalidTokenError{err: err}
	}
}

// AsBearer returns a token authenticator that treats each token as
// [BearerToken] treats the token of an Authorization header, for tokens
// that arrive without a request, such as a TokenReview's: a token that is
// empty, longer than [MaxTokenBytes], or holds white space or control
// characters is refused as [ErrMalformed] before t sees it, and t's
// answers become BearerToken's (no opinion becomes an error matching
// [ErrInvalidToken] and [ErrUnrecognized]).
func AsBearer(t TokenAuthenticator) TokenAuthenticator {
	return TokenAuthenticatorFunc(func(ctx context.Context, token string) (*Response, bool, error) {
		if err := checkToken(token); err != nil {
			return nil, false, err
		}
		return bearerVerdict(t.AuthenticateToken(ctx, token))
	})
}

// errTokenUnrecognized is BearerToken's error for a token its token
// authenticator had no opinion on: a refusal, but no verdict.
var errTokenUnrecognized error = &invalidTokenError{err: ErrUnrecognized, msg: ErrInvalidToken.Error()}

// invalidTokenError marks a token authenticator's failure as an invalid
// bearer token without changing what kind of failure it is: it matches
// [ErrInvalidToken] and unwraps to the original error, so [IsUnavailable]
// and [Reason] judge the original.
type invalidTokenError struct {
	err error
	msg string // replaces the generated text when set
}

func (e *invalidTokenError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return ErrInvalidToken.Error() + ": " + e.err.Error()
}

func (e *invalidTokenError) Is(target error) bool { return target == ErrInvalidToken }

func (e *invalidTokenError) Unwrap() error { return e.err }

// ParseBearer extracts the token from an Authorization header value. It
// reports found=false with no error when the value is empty or of another
// scheme; an error (matching [ErrMalformed] and [ErrInvalidToken]) when the
// scheme is Bearer, in any case, but the token is empty, longer than
// [MaxTokenBytes], or contains white space or control characters.
// Surrounding white space is ignored. It does not allocate.
func ParseBearer(header string) (token string, found bool, err error) {
	return parseScheme(header, "bearer")
}

// parseScheme is [ParseBearer] for the lower-case auth-scheme scheme
// ("bearer", "dpop"), whose credential is a token68 as Bearer's is.
func parseScheme(header, scheme string) (token string, found bool, err error) {
	h := strings.TrimSpace(header)
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false, nil
	}
	rest := h[len(scheme):]
	if rest == "" {
		return "", false, errEmptyToken
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", false, nil // another scheme that starts with this one, e.g. "BearerX"
	}
	token = strings.TrimLeft(rest, " \t")
	if err := checkToken(token); err != nil {
		return "", false, err
	}
	return token, true, nil
}

// checkToken refuses a bearer token that is empty, too long, or holds
// white space or control characters.
func checkToken(token string) error {
	switch {
	case token == "":
		return errEmptyToken
	case len(token) > MaxTokenBytes:
		return errTokenTooLong
	}
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case c == ' ' || c == '\t':
			return errTokenSpaces
		case c < 0x20 || c == 0x7f:
			return errTokenControl
		}
	}
	return nil
}

// isWebSocket reports whether r asks for a WebSocket upgrade, by the rule
// Kubernetes uses: "upgrade" among the Connection tokens and Upgrade:
// websocket.
func isWebSocket(r *http.Request) bool {
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// webSocketToken finds the bearer entry among the Sec-WebSocket-Protocol
// values (RFC 6455 section 11.3.4: repeated headers are one list) and
// returns its decoded token and the other protocols. No entry: "", nil.
func webSocketToken(values []string) (token string, others []string, err error) {
	total := 0
	for _, v := range values {
		total += len(v)
	}
	if total > 2*MaxTokenBytes {
		return "", nil, errWSProtocolSize
	}
	seen := false
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.TrimSpace(p)
			enc, ok := strings.CutPrefix(p, WebSocketProtocolPrefix)
			if !ok {
				if p != "" {
					others = append(others, p)
				}
				continue
			}
			if seen {
				return "", nil, errWSMultiple
			}
			seen = true
			raw, derr := base64.RawURLEncoding.DecodeString(enc)
			switch {
			case derr != nil:
				return "", nil, errWSEncoding
			case !utf8.Valid(raw):
				return "", nil, errWSInvalidUTF8
			case len(raw) > MaxTokenBytes:
				return "", nil, errTokenTooLong
			}
			token = string(raw)
		}
	}
	if seen && token == "" {
		return "", nil, errEmptyToken
	}
	if token != "" && len(others) == 0 {
		return "", nil, errWSNoOther
	}
	return token, others, nil
}
