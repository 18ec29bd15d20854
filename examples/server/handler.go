package main

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/serviceaccount"
	"github.com/authnkit/authnkit/webhook"
)

// kubeMinor is the Kubernetes minor version /version reports. kubectl
// clients (and the dispatcher in front of them on some machines) choose
// their behaviour by it; SelfSubjectReview is GA since 1.28.
const kubeMinor = "33"

// maxBodyBytes bounds SelfSubjectReview request bodies (TokenReview bodies
// are bounded by webhook.NewHandler).
const maxBodyBytes = 1 << 20

// requestLog collects what the access log line says about one request.
type requestLog struct {
	user   string
	reason string
}

type logKey struct{}

// newHandler returns the server's handler: access logging around
// authentication around the routes.
// metrics serves /metrics; it is behind authentication like every other
// path (the demo's configuration lets anonymous requests read it).
func newHandler(auth *options.Authenticator, metrics http.Handler, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", serveVersion)
	mux.HandleFunc("GET /livez", serveHealth("livez", []healthCheck{pingCheck}, logger))
	ready := readyChecks(auth)
	mux.HandleFunc("GET /readyz", serveHealth("readyz", ready, logger))
	mux.HandleFunc("GET /healthz", serveHealth("healthz", ready, logger))
	mux.Handle("GET /metrics", metrics)
	for _, v := range []string{"v1", "v1beta1"} {
		mux.HandleFunc("POST /apis/authentication.k8s.io/"+v+"/selfsubjectreviews", serveSelfSubjectReview(v))
	}
	reviewer := auth.Token
	if reviewer == nil { // no token authenticator: every token is unknown
		reviewer = authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) { return nil, false, nil })
	}
	tokenReviews := mayCreateTokenReviews(webhook.NewHandler(reviewer, webhook.HandlerOptions{APIAudiences: auth.Audiences, Logger: logger}))
	for _, v := range []string{"v1", "v1beta1"} {
		mux.Handle("POST /apis/authentication.k8s.io/"+v+"/tokenreviews", tokenReviews)
	}
	if iss := auth.ServiceAccountIssuer; iss != nil {
		// The issuer's discovery document and keys, as kube-apiserver
		// serves them to authenticated callers.
		if disc, err := serviceaccount.DiscoveryHandler(iss.URL(), []crypto.PublicKey{iss.PublicKey()}, serviceaccount.DiscoveryOptions{}); err == nil {
			mux.Handle("GET "+serviceaccount.OpenIDConfigPath, disc)
			mux.Handle("GET "+serviceaccount.JWKSPath, disc)
		} else {
			logger.Warn("service-account discovery disabled", "err", err)
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		authn.WriteStatus(w, authn.NewStatus(http.StatusNotFound, "NotFound", "the server could not find the requested resource"))
	})

	// The middleware logs each refusal with its reason (the decision
	// log); the access log line repeats the reason's kind.
	opts := auth.MiddlewareOptions()
	fail := authn.DefaultFailureHandler(opts.Challenges, 0)
	opts.OnFailure = func(w http.ResponseWriter, r *http.Request, err error) {
		if l, ok := r.Context().Value(logKey{}).(*requestLog); ok {
			l.reason = authn.Reason(err)
		}
		fail(w, r, err)
	}
	authenticated := authn.Middleware(auth, opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := r.Context().Value(logKey{}).(*requestLog); ok {
			u, _ := authn.UserFrom(r.Context())
			l.user = u.Name
		}
		mux.ServeHTTP(w, r)
	}))

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := &requestLog{}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		authenticated.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logKey{}, l)))
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.code}
		if l.user != "" {
			attrs = append(attrs, "user", l.user)
		} else {
			attrs = append(attrs, "reason", l.reason)
		}
		logger.InfoContext(r.Context(), "request", attrs...)
	})
}

// tokenReviewerGroups may create TokenReviews, as RBAC lets them in a
// cluster: system:masters may do anything, and kube-apiserver's
// system:auth-delegator ClusterRole, which grants "create tokenreviews",
// is by convention bound to a group of that name for delegating servers.
var tokenReviewerGroups = []string{authn.MastersGroup, "system:auth-delegator"}

// mayCreateTokenReviews lets only tokenReviewerGroups reach next; anyone
// else gets 403 with kube-apiserver's message, so that an ordinary
// authenticated caller cannot test other people's tokens.
func mayCreateTokenReviews(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		for _, g := range u.Groups {
			if slices.Contains(tokenReviewerGroups, g) {
				next.ServeHTTP(w, r)
				return
			}
		}
		authn.WriteStatus(w, authn.NewStatus(http.StatusForbidden, "Forbidden", fmt.Sprintf(
			"tokenreviews.authentication.k8s.io is forbidden: User %q cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope", u.Name)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// serveVersion answers like kube-apiserver's /version.
func serveVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"major":        "1",
		"minor":        kubeMinor,
		"gitVersion":   "v1." + kubeMinor + ".0-authnkit",
		"gitCommit":    "",
		"gitTreeState": "clean",
		"buildDate":    "",
		"goVersion":    runtime.Version(),
		"compiler":     runtime.Compiler,
		"platform":     runtime.GOOS + "/" + runtime.GOARCH,
	})
}

// userInfo is authentication.k8s.io's UserInfo.
type userInfo struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

func toUserInfo(u authn.UserInfo) userInfo {
	return userInfo{Username: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}

type objectMeta struct {
	CreationTimestamp *time.Time `json:"creationTimestamp"`
}

// serveSelfSubjectReview answers with the caller's identity. The request
// body (JSON, or protobuf from kubectl) carries nothing the answer needs:
// it is drained, bounded, and ignored.
func serveSelfSubjectReview(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBodyBytes))
		u, _ := authn.UserFrom(r.Context())
		now := time.Now().UTC().Truncate(time.Second)
		writeJSON(w, http.StatusCreated, map[string]any{
			"kind":       "SelfSubjectReview",
			"apiVersion": "authentication.k8s.io/" + version,
			"metadata":   objectMeta{CreationTimestamp: &now},
			"status":     map[string]any{"userInfo": toUserInfo(u)},
		})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		authn.WriteStatus(w, authn.NewStatus(http.StatusInternalServerError, "InternalError", "encoding response"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
