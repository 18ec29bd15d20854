package prometheus_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

// A program registers authnkit's metrics with its own registry, hands
// the Observer to its authenticators and serves /metrics. Here two
// decisions are reported by hand, as the middleware reports them.
func Example() {
	reg := prometheus.NewRegistry()
	obs, err := authnprom.New(reg, authnprom.Options{APIServerID: "apiserver-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a program: options.Options{Observer: obs, ...}, or the Observer
	// field of each component's Options.
	obs.Authentication(authn.AuthenticationEvent{
		Result:   authn.ResultSuccess,
		User:     "alice@example.com",
		Duration: 2 * time.Millisecond,
	})
	obs.Authentication(authn.AuthenticationEvent{
		Result:   authn.ResultError,
		Reason:   authn.ReasonUnavailable,
		Duration: 5 * time.Second,
	})

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

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
	// authentication_attempts{result="failure"} 0
	// authentication_attempts{result="success"} 1
	// authnkit_authentication_refusals_total{reason="unavailable"} 1
}
