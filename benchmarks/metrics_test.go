package benchmarks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8sauthenticatorfactory "k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	k8sx509 "k8s.io/apiserver/pkg/authentication/request/x509"
	k8scache "k8s.io/apiserver/pkg/authentication/token/cache"
	k8suser "k8s.io/apiserver/pkg/authentication/user"
	k8sfilters "k8s.io/apiserver/pkg/endpoints/filters"
	k8sauthnconfigmetrics "k8s.io/apiserver/pkg/server/options/authenticationconfig/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	k8ssa "k8s.io/kubernetes/pkg/serviceaccount"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

// metricsAPIServerID is the server identity both sides hash into
// apiserver_id_hash.
const metricsAPIServerID = "apiserver-0c3f7a"

// kubeMetricsNotExported are the metrics of the families authnkit
// exports that it leaves out, and why (metrics/prometheus's doc.go says
// the same).
var kubeMetricsNotExported = map[string]string{
	"serviceaccount_legacy_auto_token_uses_total":   "needs the service account's list of Secrets",
	"serviceaccount_legacy_manual_token_uses_total": "needs the service account's list of Secrets",
}

// inKubeFamilies reports whether a Kubernetes metric belongs to the
// families metrics/prometheus exports (authorization's, in the same
// files, do not).
func inKubeFamilies(name string) bool {
	for _, p := range []string{
		"authentication_", "authenticated_user_requests", "apiserver_authentication_",
		"apiserver_client_certificate_", "apiserver_delegated_authn_", "serviceaccount_",
	} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TestMetricsMatchKubernetes compares metrics/prometheus's metrics with
// Kubernetes' own collectors, registered in k8s.io/component-base's
// legacy registry as kube-apiserver registers them and moved by real
// calls into k8s.io/apiserver (the authentication filter, the token
// cache, the x509 authenticator, an OIDC authenticator fetching a JWKS
// from a provider on 127.0.0.1) and by its exported recorders.
//
//   - Registering each of authnkit's collectors under a Kubernetes name
//     into Kubernetes' registry must fail as a duplicate of Kubernetes'
//     own collector, which the registry accepts only when the name, help
//     text and label names are the same; the descriptions must then be
//     equal, label order included.
//   - Every family both sides export must have the same type, help
//     text, label names and histogram buckets; every Kubernetes family of
//     these files must be exported by authnkit or listed in
//     kubeMetricsNotExported; the hashes in the labels must be
//     Kubernetes' for the same issuer and server identity.
func TestMetricsMatchKubernetes(t *testing.T) {
	kube := kubeFamilies(t)

	capture := &capturingRegisterer{}
	obs, err := authnprom.New(capture, authnprom.Options{APIServerID: metricsAPIServerID})
	if err != nil {
		t.Fatal(err)
	}
	ours := gatherOurs(t, capture.collectors, obs, kube.issuer)

	t.Run("descriptions", func(t *testing.T) {
		n := 0
		for _, c := range capture.collectors {
			name, desc := describe(c)
			if strings.HasPrefix(name, "authnkit_") {
				continue
			}
			n++
			err := legacyregistry.Registerer().Register(c)
			dup, ok := errors.AsType[prometheus.AlreadyRegisteredError](err)
			if !ok {
				t.Errorf("%s: registering next to Kubernetes' collector: %v (want a duplicate of it)", name, err)
				continue
			}
			if _, kdesc := describe(dup.ExistingCollector); kdesc != desc {
				t.Errorf("%s:\n ours %s\n k8s  %s", name, desc, kdesc)
			}
		}
		if n != 20 {
			t.Errorf("%d collectors under Kubernetes' names, want 20", n)
		}
	})

	t.Run("families", func(t *testing.T) {
		compared := 0
		for name, k := range kube.families {
			if !inKubeFamilies(name) {
				continue
			}
			o, ok := ours[name]
			if !ok {
				if _, skipped := kubeMetricsNotExported[name]; !skipped {
					t.Errorf("%s: Kubernetes exports it, authnkit does not", name)
				}
				continue
			}
			compared++
			if k.GetType() != o.GetType() {
				t.Errorf("%s: type %v, Kubernetes' %v", name, o.GetType(), k.GetType())
			}
			if k.GetHelp() != o.GetHelp() {
				t.Errorf("%s: help %q, Kubernetes' %q", name, o.GetHelp(), k.GetHelp())
			}
			if kl, ol := labelNames(k), labelNames(o); !slices.Equal(kl, ol) {
				t.Errorf("%s: labels %v, Kubernetes' %v", name, ol, kl)
			}
			if kb, ob := buckets(k), buckets(o); !slices.Equal(kb, ob) {
				t.Errorf("%s: buckets %v, Kubernetes' %v", name, ob, kb)
			}
		}
		if compared != 20 {
			t.Errorf("%d families compared, want all 20 of authnkit's under Kubernetes' names", compared)
		}
		for name := range ours {
			if _, ok := kube.families[name]; !ok && !strings.HasPrefix(name, "authnkit_") {
				t.Errorf("%s: authnkit exports it under no Kubernetes name", name)
			}
		}
	})

	t.Run("hashes", func(t *testing.T) {
		// Kubernetes' registry is the process's: other tests' issuers may
		// be in it too.
		for _, c := range []struct{ name, label string }{
			{"apiserver_authentication_jwt_authenticator_latency_seconds", "jwt_issuer_hash"},
			{"apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds", "jwt_issuer_hash"},
			{"apiserver_authentication_config_controller_automatic_reloads_total", "apiserver_id_hash"},
		} {
			kv, ov := labelValues(kube.families[c.name], c.label), labelValues(ours[c.name], c.label)
			if len(ov) != 1 || !slices.Contains(kv, ov[0]) {
				t.Errorf("%s{%s}: %q, not one of Kubernetes' %q", c.name, c.label, ov, kv)
			}
		}
	})
}

// kubeObserved is what Kubernetes' collectors hold after kubeFamilies.
type kubeObserved struct {
	families map[string]*dto.MetricFamily
	issuer   string // of the OIDC provider
}

// kubeFamilies registers Kubernetes' authentication metrics, moves each
// one, and gathers them.
func kubeFamilies(t *testing.T) kubeObserved {
	t.Helper()
	ctx := t.Context()
	k8sauthnconfigmetrics.RegisterMetrics()
	k8sauthenticatorfactory.RegisterMetrics()
	k8ssa.RegisterMetrics()

	// The authentication filter (it registers its metrics): a success,
	// no opinion, an error.
	user := &k8suser.DefaultInfo{Name: "alice@example.com"}
	auth := k8sauthenticator.RequestFunc(func(r *http.Request) (*k8sauthenticator.Response, bool, error) {
		switch r.Header.Get("Authorization") {
		case "Bearer good":
			return &k8sauthenticator.Response{User: user}, true, nil
		case "Bearer bad":
			return nil, false, errors.New("bad token")
		}
		return nil, false, nil
	})
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	failed := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	filter := k8sfilters.WithAuthentication(ok, auth, failed, nil, nil)
	for _, authz := range []string{"Bearer good", "", "Bearer bad"} {
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api", nil)
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		filter.ServeHTTP(httptest.NewRecorder(), r)
	}

	// The token cache: a miss (one shared upstream call), then a hit.
	cache := k8scache.New(k8sauthenticator.TokenFunc(func(context.Context, string) (*k8sauthenticator.Response, bool, error) {
		return &k8sauthenticator.Response{User: user}, true, nil
	}), false, time.Minute, 0)
	for range 2 {
		if _, ok, err := cache.AuthenticateToken(ctx, "t0ken"); !ok || err != nil {
			t.Fatalf("token cache: %v, %v", ok, err)
		}
	}

	// A client certificate.
	f := clientCerts("p256", authntest.ECDSAP256, "leaf")
	x := k8sx509.New(k8sClientVerifyOptions(f.roots), k8sx509.CommonNameUserConversion)
	if _, ok, err := x.AuthenticateRequest(certRequest(f.certs[0])); !ok || err != nil {
		t.Fatalf("x509: %v, %v", ok, err)
	}

	// An OIDC issuer: the first token fetches the JWKS.
	p := newOIDCProvider(t, "ES256", "")
	a := newK8sOIDCAuthenticators(t, "ES256", p)[0]
	if _, ok, err := a.AuthenticateToken(ctx, oidcToken(p)); !ok || err != nil {
		t.Fatalf("oidc: %v, %v", ok, err)
	}

	// What kube-apiserver records through exported functions.
	k8sauthnconfigmetrics.RecordAuthenticationConfigAutomaticReloadFailure(metricsAPIServerID)
	k8sauthnconfigmetrics.RecordAuthenticationConfigAutomaticReloadSuccess(metricsAPIServerID, "apiVersion: apiserver.config.k8s.io/v1\n")
	k8sauthenticatorfactory.RecordRequestTotal(ctx, "200")
	k8sauthenticatorfactory.RecordRequestLatency(ctx, "200", 0.2)

	mfs, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return kubeObserved{families: byName(mfs), issuer: p.Issuer()}
}

// gatherOurs feeds obs the events of what kubeFamilies did and gathers
// cs.
func gatherOurs(t *testing.T, cs []prometheus.Collector, obs *authn.Observer, issuer string) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		reg.MustRegister(c)
	}
	now := time.Now()
	obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultSuccess, User: "alice@example.com"})
	obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential})
	obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonInvalid})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: true})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Blocked: true, Done: true})
	obs.TokenCache(authn.TokenCacheEvent{})
	obs.TokenCache(authn.TokenCacheEvent{Hit: true})
	obs.ClientCertificate(authn.ClientCertificateEvent{Remaining: time.Hour})
	obs.JWT(authn.JWTEvent{Authenticator: "oidc", Issuer: issuer, Result: authn.ResultSuccess})
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: issuer, OK: true, Time: now, Keys: 1, KeySetHash: "sha256:00"})
	cfg := authn.ReloadEvent{Component: "options: --authentication-config", Path: "/etc/authn.yaml", Time: now, Entries: -1}
	obs.Reload(cfg)
	cfg.OK, cfg.ContentHash = true, "sha256:00"
	obs.Reload(cfg)
	obs.Webhook(authn.WebhookEvent{Code: "200", Duration: 200 * time.Millisecond})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Valid: true})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return byName(mfs)
}

// capturingRegisterer keeps what is registered with it.
type capturingRegisterer struct{ collectors []prometheus.Collector }

func (r *capturingRegisterer) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *capturingRegisterer) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
}

func (r *capturingRegisterer) Unregister(prometheus.Collector) bool { return false }

// describe is a collector's one description: its metric's name, and the
// description as text (name, help, constant and variable labels, in
// order).
func describe(c prometheus.Collector) (name, desc string) {
	ch := make(chan *prometheus.Desc, 4)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	var all []string
	for d := range ch {
		all = append(all, d.String())
	}
	if len(all) != 1 {
		return "", strings.Join(all, ", ")
	}
	desc = all[0]
	name, _, _ = strings.Cut(strings.TrimPrefix(desc, `Desc{fqName: "`), `"`)
	return name, desc
}

func byName(mfs []*dto.MetricFamily) map[string]*dto.MetricFamily {
	m := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		m[mf.GetName()] = mf
	}
	return m
}

// labelNames are the label names of a family's first series.
func labelNames(mf *dto.MetricFamily) []string {
	var out []string
	if ms := mf.GetMetric(); len(ms) > 0 {
		for _, lp := range ms[0].GetLabel() {
			out = append(out, lp.GetName())
		}
	}
	return out
}

// labelValues are the values label takes in a family, sorted, without
// duplicates.
func labelValues(mf *dto.MetricFamily, label string) []string {
	var out []string
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				out = append(out, lp.GetValue())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// buckets are the upper bounds of a histogram family's first series.
func buckets(mf *dto.MetricFamily) []float64 {
	var out []float64
	if ms := mf.GetMetric(); len(ms) > 0 {
		for _, b := range ms[0].GetHistogram().GetBucket() {
			out = append(out, b.GetUpperBound())
		}
	}
	return out
}
