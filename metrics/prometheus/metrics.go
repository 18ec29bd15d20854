package prometheus

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authnkit/authnkit/authn"
)

// Kubernetes' help texts start with the metric's stability level
// (k8s.io/component-base metrics: annotateStabilityLevel).
const (
	alpha = "[ALPHA] "
	beta  = "[BETA] "
)

// outcome is a counter and a duration histogram of one label value,
// resolved once.
type outcome struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// metrics holds the collectors New registers, and the children of label
// values known at registration, resolved once so that recording them is
// only atomic operations.
type metrics struct {
	apiServerIDHash string

	// Requests (k8s.io/apiserver pkg/endpoints/filters/metrics.go).
	attempts                  *prometheus.CounterVec
	duration                  *prometheus.HistogramVec
	success, failure, errored outcome
	userRequests              *prometheus.CounterVec
	users                     map[string]prometheus.Counter // known name → child; read-only
	emailUsers, otherUsers    prometheus.Counter
	refusals                  *prometheus.CounterVec // authnkit

	// Token cache (k8s.io/apiserver pkg/authentication/token/cache/stats.go).
	cacheRequests       *prometheus.CounterVec
	cacheDuration       *prometheus.HistogramVec
	hit, miss           outcome
	fetches             *prometheus.CounterVec
	fetchOK, fetchError prometheus.Counter
	activeFetches       *prometheus.GaugeVec
	inFlight, blocked   prometheus.Gauge

	// JWT issuers (k8s.io/apiserver plugin/pkg/authenticator/token/oidc/metrics.go).
	issuers       issuerHashes
	jwtLatency    *prometheus.HistogramVec
	jwksTimestamp *prometheus.GaugeVec
	jwksKeySet    *infoSet
	otherJWT      *prometheus.HistogramVec // authnkit
	jwksFetches   *prometheus.CounterVec   // authnkit
	jwksKeys      *prometheus.GaugeVec     // authnkit
	jwksNext      *prometheus.GaugeVec     // authnkit
	unknownKeys   *prometheus.CounterVec   // authnkit

	// Client-certificate chain checks (authnkit's verified- and
	// failed-chain caches).
	chainChecks *prometheus.CounterVec // authnkit

	// The authentication configuration (k8s.io/apiserver
	// pkg/server/options/authenticationconfig/metrics/metrics.go), and
	// authnkit's other files.
	configReloads    *prometheus.CounterVec
	configReloadTime *prometheus.GaugeVec
	configInfo       *infoSet
	fileReloads      *prometheus.CounterVec // authnkit
	fileReloadTime   *prometheus.GaugeVec   // authnkit
	fileInfo         *infoSet               // authnkit
	fileEntries      *prometheus.GaugeVec   // authnkit

	// Client certificates (k8s.io/apiserver pkg/authentication/request/x509/x509.go).
	certExpiration prometheus.Histogram

	// The webhook (k8s.io/apiserver pkg/authentication/authenticatorfactory/metrics.go).
	webhookTotal    *prometheus.CounterVec
	webhookDuration *prometheus.HistogramVec

	// Service-account tokens (k8s.io/kubernetes pkg/serviceaccount/metrics.go).
	saLegacy, saStale, saValid, saInvalidated prometheus.Counter
}

// newMetrics builds the collectors. known are the user names the username
// label keeps; native adds Kubernetes' native histogram settings to every
// histogram.
func newMetrics(known map[string]struct{}, apiServerIDHash string, native bool) *metrics {
	hist := func(o prometheus.HistogramOpts) prometheus.HistogramOpts {
		if native {
			o.NativeHistogramBucketFactor = nativeBucketFactor
			o.NativeHistogramMaxBucketNumber = nativeMaxBucketNumber
		}
		return o
	}
	jwtBuckets := []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

	m := &metrics{
		apiServerIDHash: apiServerIDHash,

		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authentication_attempts",
			Help: alpha + "Counter of authenticated attempts.",
		}, []string{"result"}),
		duration: prometheus.NewHistogramVec(hist(prometheus.HistogramOpts{
			Name:    "authentication_duration_seconds",
			Help:    alpha + "Authentication duration in seconds broken out by result.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}), []string{"result"}),
		userRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authenticated_user_requests",
			Help: alpha + "Counter of authenticated requests broken out by username.",
		}, []string{"username"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authnkit_authentication_refusals_total",
			Help: "Requests refused, by reason: no_credential (a 401 when anonymous access is off), unavailable (a 503), or the kind of the rejection.",
		}, []string{"reason"}),

		cacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authentication", Subsystem: "token_cache", Name: "request_total",
			Help: alpha,
		}, []string{"status"}),
		cacheDuration: prometheus.NewHistogramVec(hist(prometheus.HistogramOpts{
			Namespace: "authentication", Subsystem: "token_cache", Name: "request_duration_seconds",
			Help:    alpha,
			Buckets: prometheus.DefBuckets,
		}), []string{"status"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authentication", Subsystem: "token_cache", Name: "fetch_total",
			Help: alpha,
		}, []string{"status"}),
		activeFetches: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "authentication", Subsystem: "token_cache", Name: "active_fetch_count",
			Help: alpha,
		}, []string{"status"}),

		jwtLatency: prometheus.NewHistogramVec(hist(prometheus.HistogramOpts{
			Namespace: "apiserver", Subsystem: "authentication", Name: "jwt_authenticator_latency_seconds",
			Help:    alpha + "Latency of jwt authentication operations in seconds. This is the time spent authenticating a token for cache miss only (i.e. when the token is not found in the cache).",
			Buckets: jwtBuckets,
		}), []string{"result", "jwt_issuer_hash"}),
		jwksTimestamp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "apiserver", Subsystem: "authentication", Name: "jwt_authenticator_jwks_fetch_last_timestamp_seconds",
			Help: alpha + "Timestamp of the last successful or failed JWKS fetch split by result, api server identity and jwt issuer for the JWT authenticator.",
		}, []string{"result", "jwt_issuer_hash", "apiserver_id_hash"}),
		jwksKeySet: newInfoSet("apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info",
			alpha+"Information about the last JWKS fetched by the JWT authenticator with hash as label, split by api server identity and jwt issuer.",
			"jwt_issuer_hash", "apiserver_id_hash", "hash"),
		otherJWT: prometheus.NewHistogramVec(hist(prometheus.HistogramOpts{
			Name:    "authnkit_jwt_authenticator_latency_seconds",
			Help:    "Latency in seconds of the verifications of JWTs that are not OIDC ID tokens (service-account tokens), split by authenticator, result and issuer; cache misses only, as apiserver_authentication_jwt_authenticator_latency_seconds.",
			Buckets: jwtBuckets,
		}), []string{"authenticator", "result", "jwt_issuer_hash"}),
		jwksFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authnkit_jwt_authenticator_jwks_fetches_total",
			Help: "JWKS fetches of the OIDC authenticator, split by result, jwt issuer and api server identity.",
		}, []string{"result", "jwt_issuer_hash", "apiserver_id_hash"}),
		jwksKeys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "authnkit_jwt_authenticator_jwks_keys",
			Help: "Usable keys in the key set of the OIDC authenticator after its last successful JWKS fetch, split by jwt issuer and api server identity.",
		}, []string{"jwt_issuer_hash", "apiserver_id_hash"}),
		jwksNext: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "authnkit_jwt_authenticator_jwks_next_refresh_timestamp_seconds",
			Help: "When the OIDC authenticator's next scheduled JWKS fetch is due, in seconds since the epoch, split by jwt issuer and api server identity.",
		}, []string{"jwt_issuer_hash", "apiserver_id_hash"}),
		unknownKeys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authnkit_jwt_authenticator_unknown_key_total",
			Help: "Tokens naming a key ID the issuer's loaded keys lack, split by jwt issuer and by refetch: started (a JWKS fetch ran or was joined) or cooldown (the refetch cooldown held it back).",
		}, []string{"jwt_issuer_hash", "refetch"}),
		chainChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authnkit_client_certificate_chain_checks_total",
			Help: "Client-certificate chains checked, split by cache (hit: answered from the caches of verified and failed chains; miss: verified now) and result (success, failure).",
		}, []string{"cache", "result"}),

		configReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "apiserver", Subsystem: "authentication_config_controller", Name: "automatic_reloads_total",
			Help: beta + "Total number of automatic reloads of authentication configuration split by status and apiserver identity.",
		}, []string{"status", "apiserver_id_hash"}),
		configReloadTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "apiserver", Subsystem: "authentication_config_controller", Name: "automatic_reload_last_timestamp_seconds",
			Help: beta + "Timestamp of the last automatic reload of authentication configuration split by status and apiserver identity.",
		}, []string{"status", "apiserver_id_hash"}),
		configInfo: newInfoSet("apiserver_authentication_config_controller_last_config_info",
			alpha+"Information about the last applied authentication configuration with hash as label, split by apiserver identity.",
			"apiserver_id_hash", "hash"),
		fileReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authnkit_file_automatic_reloads_total",
			Help: "Total number of automatic reloads of the files authenticators read (other than the authentication configuration) split by component, file, status and apiserver identity.",
		}, []string{"component", "file", "status", "apiserver_id_hash"}),
		fileReloadTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "authnkit_file_automatic_reload_last_timestamp_seconds",
			Help: "Timestamp of the last automatic reload of the files authenticators read (other than the authentication configuration) split by component, file, status and apiserver identity.",
		}, []string{"component", "file", "status", "apiserver_id_hash"}),
		fileInfo: newInfoSet("authnkit_file_last_config_info",
			"Information about the content in use of the files authenticators read (other than the authentication configuration) with hash as label, split by component, file and apiserver identity.",
			"component", "file", "apiserver_id_hash", "hash"),
		fileEntries: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "authnkit_file_entries",
			Help: "Entries (tokens, users, certificates, keys) in the content in use of each file authenticators read, for the kinds of file that have entries, split by component and file.",
		}, []string{"component", "file"}),

		certExpiration: prometheus.NewHistogram(hist(prometheus.HistogramOpts{
			Namespace: "apiserver", Subsystem: "client", Name: "certificate_expiration_seconds",
			Help: alpha + "Distribution of the remaining lifetime on the certificate used to authenticate a request.",
			Buckets: []float64{
				0,
				1800,     // 30 minutes
				3600,     // 1 hour
				7200,     // 2 hours
				21600,    // 6 hours
				43200,    // 12 hours
				86400,    // 1 day
				172800,   // 2 days
				345600,   // 4 days
				604800,   // 1 week
				2592000,  // 1 month
				7776000,  // 3 months
				15552000, // 6 months
				31104000, // 1 year
			},
		})),

		webhookTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_delegated_authn_request_total",
			Help: alpha + "Number of HTTP requests partitioned by status code.",
		}, []string{"code"}),
		webhookDuration: prometheus.NewHistogramVec(hist(prometheus.HistogramOpts{
			Name:    "apiserver_delegated_authn_request_duration_seconds",
			Help:    alpha + "Request latency in seconds. Broken down by status code.",
			Buckets: []float64{0.25, 0.5, 0.7, 1, 1.5, 3, 5, 10},
		}), []string{"code"}),

		saLegacy: prometheus.NewCounter(prometheus.CounterOpts{
			Subsystem: "serviceaccount", Name: "legacy_tokens_total",
			Help: beta + "Cumulative legacy service account tokens used",
		}),
		saStale: prometheus.NewCounter(prometheus.CounterOpts{
			Subsystem: "serviceaccount", Name: "stale_tokens_total",
			Help: beta + "Cumulative stale projected service account tokens used",
		}),
		saValid: prometheus.NewCounter(prometheus.CounterOpts{
			Subsystem: "serviceaccount", Name: "valid_tokens_total",
			Help: beta + "Cumulative valid projected service account tokens used",
		}),
		saInvalidated: prometheus.NewCounter(prometheus.CounterOpts{
			Subsystem: "serviceaccount", Name: "invalid_legacy_auto_token_uses_total",
			Help: alpha + "Cumulative invalid auto-generated legacy tokens used",
		}),
	}

	m.success = m.outcome(authn.ResultSuccess)
	m.failure = m.outcome(authn.ResultFailure)
	m.errored = m.outcome(authn.ResultError)
	m.users = make(map[string]prometheus.Counter, len(known))
	for name := range known {
		m.users[name] = m.userRequests.WithLabelValues(name)
	}
	m.emailUsers = m.userRequests.WithLabelValues(usernameEmail)
	m.otherUsers = m.userRequests.WithLabelValues(usernameOther)
	m.hit = outcome{m.cacheRequests.WithLabelValues(cacheHit), m.cacheDuration.WithLabelValues(cacheHit)}
	m.miss = outcome{m.cacheRequests.WithLabelValues(cacheMiss), m.cacheDuration.WithLabelValues(cacheMiss)}
	m.fetchOK = m.fetches.WithLabelValues(fetchOK)
	m.fetchError = m.fetches.WithLabelValues(fetchError)
	m.inFlight = m.activeFetches.WithLabelValues(fetchInFlight)
	m.blocked = m.activeFetches.WithLabelValues(fetchBlocked)
	return m
}

// collectors are what New registers, in the order of the package
// documentation.
func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.attempts, m.duration, m.userRequests, m.refusals,
		m.cacheRequests, m.cacheDuration, m.fetches, m.activeFetches,
		m.jwtLatency, m.jwksTimestamp, m.jwksKeySet, m.otherJWT, m.jwksFetches, m.jwksKeys, m.jwksNext, m.unknownKeys, m.chainChecks,
		m.configReloads, m.configReloadTime, m.configInfo,
		m.fileReloads, m.fileReloadTime, m.fileInfo, m.fileEntries,
		m.certExpiration,
		m.webhookTotal, m.webhookDuration,
		m.saLegacy, m.saStale, m.saValid, m.saInvalidated,
	}
}

// outcome resolves the children of a result label value.
func (m *metrics) outcome(result string) outcome {
	result = label(result)
	return outcome{m.attempts.WithLabelValues(result), m.duration.WithLabelValues(result)}
}

// username is the username label of name, as Kubernetes' compressUsername
// computes it, with Options.KnownUsernames added to its list.
func (m *metrics) username(name string) prometheus.Counter {
	if c, ok := m.users[name]; ok {
		return c
	}
	if strings.Contains(name, "@") {
		return m.emailUsers
	}
	return m.otherUsers
}
