package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/authnkit/authnkit/options"
)

// healthCheck is one named check of /livez or /readyz.
type healthCheck struct {
	name  string
	check func() error
}

var pingCheck = healthCheck{name: "ping", check: func() error { return nil }}

// readyChecks are /readyz's checks: ping, and with an OIDC authenticator
// "oidc-keys", which fails until every issuer's keys have been loaded
// once, and while an issuer publishes no usable signing key (all its
// tokens are refused). An identity provider that goes down later does not
// fail it: its last good keys keep verifying, so the server stays ready.
func readyChecks(auth *options.Authenticator) []healthCheck {
	checks := []healthCheck{pingCheck}
	if auth.OIDC != nil {
		checks = append(checks, healthCheck{name: "oidc-keys", check: auth.OIDC.Ready})
	}
	return checks
}

// serveHealth answers as kube-apiserver's /livez, /readyz and /healthz do
// (name is "livez", "readyz" or "healthz"): "ok" when every check passes,
// each check listed as "[+]name ok" with ?verbose; 500 listing them, a
// failed one as "[-]name failed: reason withheld", when one fails. The
// reasons go to the log only, since the caller may be anonymous.
func serveHealth(name string, checks []healthCheck, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var list strings.Builder
		var failed []any
		for _, c := range checks {
			if err := c.check(); err != nil {
				fmt.Fprintf(&list, "[-]%s failed: reason withheld\n", c.name)
				failed = append(failed, slog.String(c.name, err.Error()))
				continue
			}
			fmt.Fprintf(&list, "[+]%s ok\n", c.name)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if len(failed) > 0 {
			logger.InfoContext(r.Context(), name+" check failed", failed...)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "%s%s check failed\n", list.String(), name)
			return
		}
		if _, verbose := r.URL.Query()["verbose"]; !verbose {
			_, _ = io.WriteString(w, "ok")
			return
		}
		fmt.Fprintf(w, "%s%s check passed\n", list.String(), name)
	}
}
