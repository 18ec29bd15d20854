package prometheus_test

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

// FuzzObserver feeds events whose strings are anything (a file name may
// hold any bytes; a user name is whatever a credential claims): recording
// never panics, every scrape succeeds, and no user name but the listed
// ones reaches the username label.
func FuzzObserver(f *testing.F) {
	f.Add("tokenfile", "/etc/tokens.csv", kubeHash("x"), "alice@example.com", authn.ReasonRevoked, "200", "https://issuer.example", authn.ResultSuccess)
	f.Add("options: --authentication-config", "/etc/authn.yaml", "", "kubelet", "", "<error>", "", authn.ResultError)
	f.Add("\xff", "/etc/\xfe\xfftokens", "sha256:\xff", "other", "no_credential\xff", "\x00", "\xff", "\xff")
	f.Add("", "", "", "email_id", "", "", "", authn.ResultFailure)
	f.Fuzz(func(t *testing.T, component, path, contentHash, user, reason, code, issuer, result string) {
		reg := prometheus.NewPedanticRegistry()
		obs, err := authnprom.New(reg, authnprom.Options{APIServerID: issuer})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		obs.Authentication(authn.AuthenticationEvent{Result: result, Reason: reason, User: user})
		obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultSuccess, User: user})
		obs.Reload(authn.ReloadEvent{Component: component, Path: path, OK: true, ContentHash: contentHash, Entries: len(path), Time: now})
		obs.Reload(authn.ReloadEvent{Component: component, Path: path, OK: false, Time: now})
		obs.Webhook(authn.WebhookEvent{Code: code})
		obs.JWT(authn.JWTEvent{Authenticator: component, Issuer: issuer, Result: result})
		obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: issuer, OK: true, KeySetHash: contentHash, Time: now})
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		allowed := []string{"admin", "client", "kube_proxy", "kubelet", "system:serviceaccount:kube-system:default", "email_id", "other"}
		for _, mf := range mfs {
			if mf.GetName() != "authenticated_user_requests" {
				continue
			}
			for _, m := range mf.GetMetric() {
				if v := m.GetLabel()[0].GetValue(); !slices.Contains(allowed, v) {
					t.Fatalf("username label %q", v)
				}
			}
		}
	})
}
