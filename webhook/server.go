package webhook

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/audience"
)

// DefaultMaxBodyBytes is the request body limit of [NewHandler] when
// [HandlerOptions].MaxBodyBytes is zero. A TokenReview holds one token
// (at most [authn.MaxTokenBytes]) and a few audiences.
const DefaultMaxBodyBytes = 1 << 20

// HandlerOptions configures [NewHandler]. The zero value is usable.
type HandlerOptions struct {
	// APIAudiences are the audiences a token is checked against when the
	// TokenReview's spec.audiences is empty (kube-apiserver's
	// --api-audiences). Empty: no audiences are put in the context.
	APIAudiences []string
	// MaxBodyBytes bounds the request body. Zero: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger receives why a token was refused, which the answer does not
	// say: a Debug line per rejection, a Warn line when the token could
	// not be checked ([authn.ErrUnavailable]) or when an authenticator
	// accepts a token for none of the requested audiences. Lines carry
	// the error (authnkit errors never contain a credential), never the
	// token. Nil: slog.Default().
	Logger *slog.Logger
}

type handler struct {
	t      authn.TokenAuthenticator
	auds   []string
	max    int64
	logger *slog.Logger
}

// NewHandler returns an http.Handler that answers TokenReview POSTs of
// authentication.k8s.io/v1 and v1beta1 as kube-apiserver's tokenreviews
// resource does: it runs t on spec.token with spec.audiences (or
// opts.APIAudiences) in the context ([authn.WithAudiences]) and answers 201
// with the TokenReview, in the request's apiVersion, carrying status.
//
//   - authenticated: status.authenticated, status.user and
//     status.audiences (the response's audiences).
//   - t has no opinion: status.authenticated false, no status.error
//     (kube-apiserver writes "invalid bearer token" there; see the package
//     doc).
//   - t fails, whatever the reason (a rejected token, or one that could not
//     be checked): status.authenticated false and status.error
//     "authn: invalid bearer token". The cause goes to opts.Logger only:
//     kube-apiserver writes err.Error() there, which tells a caller things
//     such as "this bootstrap token ID exists, its secret is wrong".
//
// When audiences were asked for and t accepts a token whose
// Response.Audiences do not intersect them, it answers 500 InternalError
// "error validating audiences", as kube-apiserver does; wrap an
// audience-unaware authenticator with [authn.AudienceAgnostic].
//
// Unlike kube-apiserver, the answer does not echo spec.token back: the
// response carries no credential.
//
// The request is decoded as Kubernetes decodes it (see [TokenReview]:
// member names are case-sensitive, unknown members are ignored), but it
// must name its apiVersion and kind: the handler is not tied to a URL
// that would say which.
//
// Failures get a Kubernetes Status body ([authn.WriteStatus]): a method
// other than POST 405 MethodNotAllowed, a content type other than
// application/json 415 UnsupportedMediaType, a body over MaxBodyBytes 413
// RequestEntityTooLarge, and malformed JSON, a kind other than TokenReview,
// an unknown apiVersion or an empty token 400 BadRequest.
//
// The handler does not authenticate its own caller; protect it with
// [authn.Middleware] when it is reachable by untrusted clients. It is safe
// for concurrent use.
func NewHandler(t authn.TokenAuthenticator, opts HandlerOptions) http.Handler {
	h := &handler{t: t, auds: append([]string(nil), opts.APIAudiences...), max: opts.MaxBodyBytes, logger: opts.Logger}
	if h.max <= 0 {
		h.max = DefaultMaxBodyBytes
	}
	h.logger = cmp.Or(h.logger, slog.Default()).With("authenticator", "webhook")
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		authn.WriteStatus(w, authn.NewStatus(http.StatusMethodNotAllowed, "MethodNotAllowed",
			fmt.Sprintf("the server does not allow this method on the requested resource: %s", r.Method)))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		authn.WriteStatus(w, authn.NewStatus(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			"the body of the request was in an unknown format - accepted media types include: application/json"))
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			authn.WriteStatus(w, authn.NewStatus(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				fmt.Sprintf("request body too large, limit is %d bytes", h.max)))
			return
		}
		badRequest(w, "reading TokenReview: "+err.Error())
		return
	}
	tr, err := decodeTokenReview(b)
	if err != nil {
		badRequest(w, "decoding TokenReview: "+err.Error())
		return
	}
	if tr.Kind != kindTokenReview || (tr.APIVersion != groupName+"/"+V1 && tr.APIVersion != groupName+"/"+V1beta1) {
		badRequest(w, fmt.Sprintf("expected kind TokenReview of apiVersion %s/%s or %s/%s, got kind %q of apiVersion %q",
			groupName, V1, groupName, V1beta1, tr.Kind, tr.APIVersion))
		return
	}
	if tr.Spec.Token == "" {
		badRequest(w, "token is required for TokenReview in authentication")
		return
	}
	token := tr.Spec.Token
	tr.Spec.Token = ""
	auds := tr.Spec.Audiences
	if len(auds) == 0 {
		auds = h.auds
	}
	ctx := r.Context()
	if len(auds) > 0 {
		ctx = authn.WithAudiences(ctx, auds)
	}
	resp, ok, err := h.t.AuthenticateToken(ctx, token)
	tr.Status = TokenReviewStatus{}
	switch {
	case err != nil:
		// Every failure gets the same text, which says that the token
		// was not accepted and nothing about why.
		h.logFailure(ctx, err)
		tr.Status.Error = authn.ErrInvalidToken.Error()
	case ok && resp != nil:
		if len(auds) > 0 && len(audience.Intersect(resp.Audiences, auds)) == 0 {
			h.logger.WarnContext(ctx, "authenticator accepted a token for none of the requested audiences", "user", resp.User.Name)
			authn.WriteStatus(w, authn.NewStatus(http.StatusInternalServerError, "InternalError",
				"Internal error occurred: error validating audiences"))
			return
		}
		tr.Status.Authenticated = true
		tr.Status.User = fromUser(resp.User)
		tr.Status.Audiences = resp.Audiences
	}
	body, err := json.Marshal(tr)
	if err != nil { // cannot happen with these types
		authn.WriteStatus(w, authn.NewStatus(http.StatusInternalServerError, "InternalError", "encoding TokenReview"))
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(append(body, '\n'))
}

// logFailure records why a token was refused, which the answer does not
// say.
func (h *handler) logFailure(ctx context.Context, err error) {
	if authn.IsUnavailable(err) {
		h.logger.WarnContext(ctx, "token could not be checked", "err", err)
		return
	}
	if h.logger.Enabled(ctx, slog.LevelDebug) {
		h.logger.DebugContext(ctx, "token refused", "err", err)
	}
}

func badRequest(w http.ResponseWriter, msg string) {
	authn.WriteStatus(w, authn.NewStatus(http.StatusBadRequest, "BadRequest", msg))
}

func fromUser(u authn.UserInfo) UserInfo {
	return UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}

func toUser(u UserInfo) authn.UserInfo {
	return authn.UserInfo{Name: u.Username, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}
