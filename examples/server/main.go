// Command server is authnkit's demo and a kube-apiserver authentication
// front end.
//
// With no flags it runs a self-contained demo on 127.0.0.1: it creates a
// throwaway CA, a serving certificate, a token file and a password file in
// a temporary folder, and prints ready curl and kubectl commands:
//
//	go run ./examples/server
//	go run ./examples/server --secure-port=6444   # when 6443 is taken
//
// With only the serving flags (--secure-port, --bind-address) it is still
// the demo; --secure-port=0 picks a free port.
//
// With flags it is an authentication front end configured with
// kube-apiserver's flag names (see package options), plus --bind-address,
// --secure-port, --tls-cert-file and --tls-private-key-file:
//
//	go run ./examples/server --token-auth-file=tokens.csv --anonymous-auth=false
//
// It serves, behind authentication:
//
//   - GET /version: a Kubernetes version info (kubectl asks it first);
//   - POST /apis/authentication.k8s.io/{v1,v1beta1}/selfsubjectreviews:
//     the caller's identity, so `kubectl auth whoami` works;
//   - POST /apis/authentication.k8s.io/v1/tokenreviews: a TokenReview
//     answered as kube-apiserver answers it, for callers in system:masters
//     or system:auth-delegator (the demo's bob), as RBAC would allow;
//     others get 403;
//   - GET /livez, /readyz and /healthz, answered as kube-apiserver answers
//     them ("ok", each check with ?verbose, 500 with the failed checks and
//     no reasons); /readyz and /healthz fail until every OIDC issuer's keys
//     have been loaded once;
//   - GET /metrics: Kubernetes' authentication metrics (package
//     metrics/prometheus), to authenticated callers, and to anonymous ones
//     only where the authentication configuration lists /metrics among its
//     anonymous conditions.
//
// The demo's AuthenticationConfiguration lets anonymous requests reach
// /livez, /readyz, /healthz and /metrics and nothing else. Everything that
// fails gets a Kubernetes Status body. Each request is
// logged on one line: method, path, status, and user or the kind of
// failure; each refusal also gets the middleware's decision-log line
// (reason, authenticator, credential kind and fingerprint) — never a
// credential. SIGINT or SIGTERM shut it down gracefully.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
