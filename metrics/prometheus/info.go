package prometheus

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// infoSet is a collector of an "_info" gauge: one series of value 1 per
// key, with the label values last set for that key. It is what
// Kubernetes' custom collectors for configuration and key-set hashes
// export (k8s.io/apiserver pkg/util/configmetrics and
// plugin/pkg/authenticator/token/oidc/metrics.go): a new hash replaces
// the old series instead of adding one. Safe for concurrent use.
type infoSet struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	series map[string][]string // key → label values, in desc's order
}

func newInfoSet(name, help string, labels ...string) *infoSet {
	return &infoSet{
		desc:   prometheus.NewDesc(name, help, labels, nil),
		series: make(map[string][]string),
	}
}

// set makes values the labels of key's series. values are valid UTF-8,
// one per label of the desc.
func (s *infoSet) set(key string, values ...string) {
	s.mu.Lock()
	s.series[key] = values
	s.mu.Unlock()
}

// delete drops key's series.
func (s *infoSet) delete(key string) {
	s.mu.Lock()
	delete(s.series, key)
	s.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (s *infoSet) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect implements prometheus.Collector.
func (s *infoSet) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	all := make([][]string, 0, len(s.series))
	for _, values := range s.series {
		all = append(all, values) // never changed once set
	}
	s.mu.Unlock()
	for _, values := range all {
		m, err := prometheus.NewConstMetric(s.desc, prometheus.GaugeValue, 1, values...)
		if err != nil {
			m = prometheus.NewInvalidMetric(s.desc, err)
		}
		ch <- m
	}
}
