package prometheus_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

// A program registers authnkit's metrics with its own registry, hands
// the Observer to its authenticators (here the middleware's; with
// package options, options.Options.Observer reaches every component) and
// serves /metrics next to its API.
func Example() {
	reg := prometheus.NewRegistry()
	obs, err := authnprom.New(reg, authnprom.Options{APIServerID: "apiserver-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	tokens := authntest.Tokens(map[string]authn.UserInfo{"s3cret": {Name: "alice@example.com"}})
	api := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{
		Observer: obs,
		Logger:   slog.New(slog.DiscardHandler),
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, authz := range []string{"Bearer s3cret", "Bearer wrong", ""} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/pods", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}

	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "authentication_attempts") ||
			strings.HasPrefix(line, "authnkit_authentication_refusals_total") ||
			strings.Contains(line, `username="email_id"`) {
			fmt.Println(line)
		}
	}
	// Output:
	// authenticated_user_requests{username="email_id"} 1
	// authentication_attempts{result="error"} 1
	// authentication_attempts{result="failure"} 1
	// authentication_attempts{result="success"} 1
	// authnkit_authentication_refusals_total{reason="no_credential"} 1
	// authnkit_authentication_refusals_total{reason="unrecognized"} 1
}
