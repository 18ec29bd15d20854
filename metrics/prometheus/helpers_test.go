package prometheus_test

import (
	"crypto/sha256"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// kubeHash is Kubernetes' getHash, written as Kubernetes writes it
// (k8s.io/apiserver plugin/pkg/authenticator/token/oidc/metrics.go).
func kubeHash(data string) string {
	if len(data) > 0 {
		return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(data)))
	}
	return ""
}

// target is a registry with an Observer recording into it, served on
// 127.0.0.1 as a program serves /metrics.
type target struct {
	reg *prometheus.Registry
	obs *authn.Observer
	url string
	c   *http.Client
}

func newTarget(t *testing.T, opts authnprom.Options) *target {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	obs, err := authnprom.New(reg, opts)
	require.NoError(t, err)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	t.Cleanup(srv.Close)
	return &target{reg: reg, obs: obs, url: srv.URL, c: srv.Client()}
}

// scrape GETs the metrics as Prometheus does (text format) and parses
// them.
func (tg *target) scrape(t *testing.T) scraped {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tg.url+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := tg.c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return mfs
}

// scraped is one scrape's metric families by name.
type scraped map[string]*dto.MetricFamily

// family returns the family name, which must be there with type typ.
func (s scraped) family(t *testing.T, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	mf, ok := s[name]
	require.True(t, ok, "metric %s not exported", name)
	require.Equal(t, typ, mf.GetType(), "type of %s", name)
	return mf
}

// find returns the series of mf whose labels are exactly labels, or nil.
func find(mf *dto.MetricFamily, labels map[string]string) *dto.Metric {
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
				match = false
				break
			}
		}
		if match {
			return m
		}
	}
	return nil
}

// value is the value of the series of name with exactly labels: a
// counter's or gauge's value, a histogram's sample count. The series must
// exist.
func (s scraped) value(t *testing.T, name string, typ dto.MetricType, labels map[string]string) float64 {
	t.Helper()
	m := find(s.family(t, name, typ), labels)
	require.NotNil(t, m, "%s%v not exported", name, labels)
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM:
		return float64(m.GetHistogram().GetSampleCount())
	}
	t.Fatalf("type %v", typ)
	return 0
}

// histogram is the histogram series of name with exactly labels.
func (s scraped) histogram(t *testing.T, name string, labels map[string]string) *dto.Histogram {
	t.Helper()
	m := find(s.family(t, name, dto.MetricType_HISTOGRAM), labels)
	require.NotNil(t, m, "%s%v not exported", name, labels)
	return m.GetHistogram()
}

// labelValues are the values label takes in family name (absent: none).
func (s scraped) labelValues(name, label string) []string {
	var out []string
	for _, m := range s[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				out = append(out, lp.GetValue())
			}
		}
	}
	slices.Sort(out)
	return out
}

// bounds are a histogram's classic bucket upper bounds, without the
// +Inf bucket every histogram has: the buckets it was configured with.
func bounds(h *dto.Histogram) []float64 {
	var out []float64
	for _, b := range h.GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			out = append(out, b.GetUpperBound())
		}
	}
	return out
}
