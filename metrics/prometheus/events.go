package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authnkit/authnkit/authn"
)

// authentication records a request the middleware decided, as
// Kubernetes' recordAuthenticationMetrics does, and a refusal's reason.
func (m *metrics) authentication(e authn.AuthenticationEvent) {
	var o outcome
	switch e.Result {
	case authn.ResultSuccess:
		o = m.success
		m.username(e.User).Inc()
	case authn.ResultFailure:
		o = m.failure
	case authn.ResultError:
		o = m.errored
	default:
		o = m.outcome(e.Result)
	}
	if e.Result != authn.ResultSuccess {
		m.refusals.WithLabelValues(label(e.Reason)).Inc()
	}
	o.count.Inc()
	o.duration.Observe(e.Duration.Seconds())
}

// tokenCache records a lookup as Kubernetes' statsCollector.authenticating
// does, the duration cut to whole milliseconds as there.
func (m *metrics) tokenCache(e authn.TokenCacheEvent) {
	o := m.miss
	if e.Hit {
		o = m.hit
	}
	o.count.Inc()
	o.duration.Observe(float64(e.Duration.Milliseconds()) / 1000)
}

// tokenCacheFetch records a shared upstream call, or a caller's wait for
// one, starting and ending, as Kubernetes' statsCollector.fetching and
// statsCollector.blocking do.
func (m *metrics) tokenCacheFetch(e authn.TokenCacheFetchEvent) {
	switch {
	case e.Blocked && e.Done:
		m.blocked.Dec()
	case e.Blocked:
		m.blocked.Inc()
	case !e.Done:
		m.inFlight.Inc()
	default:
		if e.OK {
			m.fetchOK.Inc()
		} else {
			m.fetchError.Inc()
		}
		m.inFlight.Dec()
	}
}

// jwt records a verification: Kubernetes' metric for OIDC issuers (its
// JWT authenticators), authnkit's for the others.
func (m *metrics) jwt(e authn.JWTEvent) {
	result := statusFailure
	if e.Result == authn.ResultSuccess {
		result = statusSuccess
	}
	if e.Authenticator == oidcAuthenticator {
		m.jwtLatency.WithLabelValues(result, m.issuers.of(e.Issuer)).Observe(e.Duration.Seconds())
		return
	}
	m.otherJWT.WithLabelValues(label(e.Authenticator), result, m.issuers.of(e.Issuer)).Observe(e.Duration.Seconds())
}

// keySetFetch records a fetch of an issuer's keys, as Kubernetes'
// recordJWKSFetchKeySetSuccess and recordJWKSFetchKeySetFailure do; a
// failure leaves the last key set's hash and count in place.
func (m *metrics) keySetFetch(e authn.KeySetFetchEvent) {
	issuer := m.issuers.of(e.Issuer)
	result := statusFailure
	if e.OK {
		result = statusSuccess
	}
	m.jwksTimestamp.WithLabelValues(result, issuer, m.apiServerIDHash).Set(unixSeconds(e.Time))
	m.jwksFetches.WithLabelValues(result, issuer, m.apiServerIDHash).Inc()
	if !e.NextRefresh.IsZero() {
		m.jwksNext.WithLabelValues(issuer, m.apiServerIDHash).Set(unixSeconds(e.NextRefresh))
	}
	if !e.OK {
		return
	}
	m.jwksKeys.WithLabelValues(issuer, m.apiServerIDHash).Set(float64(e.Keys))
	if e.KeySetHash != "" {
		m.jwksKeySet.set(issuer, issuer, m.apiServerIDHash, label(e.KeySetHash))
	}
}

// reload records an attempt to load a watched file: under Kubernetes'
// names for the authentication configuration, as kube-apiserver's
// authentication config controller does, and under authnkit's for every
// other file. The first load is no reload: it only sets the content's
// hash, as kube-apiserver's start does (and a first load that fails is
// its component's constructor's error, so the program does not run).
func (m *metrics) reload(e authn.ReloadEvent) {
	component, file := label(e.Component), label(e.Path)
	status := statusFailure
	if e.OK {
		status = statusSuccess
	}
	if e.OK && e.Entries >= 0 {
		m.fileEntries.WithLabelValues(component, file).Set(float64(e.Entries))
	}
	if e.Component == authenticationConfigComponent {
		if !e.First {
			m.configReloads.WithLabelValues(status, m.apiServerIDHash).Inc()
			m.configReloadTime.WithLabelValues(status, m.apiServerIDHash).Set(unixSeconds(e.Time))
		}
		if e.OK && e.ContentHash != "" {
			m.configInfo.set("", m.apiServerIDHash, label(e.ContentHash))
		}
		return
	}
	if !e.First {
		m.fileReloads.WithLabelValues(component, file, status, m.apiServerIDHash).Inc()
		m.fileReloadTime.WithLabelValues(component, file, status, m.apiServerIDHash).Set(unixSeconds(e.Time))
	}
	if e.OK && e.ContentHash != "" {
		m.fileInfo.set(component+"\x00"+file, component, file, m.apiServerIDHash, label(e.ContentHash))
	}
}

// clientCertificate records a presented client certificate's remaining
// lifetime, verified or not, as Kubernetes does.
func (m *metrics) clientCertificate(e authn.ClientCertificateEvent) {
	m.certExpiration.Observe(e.Remaining.Seconds())
}

// webhook records a TokenReview request, as Kubernetes' webhook token
// authenticator does with the delegated-authentication metrics.
func (m *metrics) webhook(e authn.WebhookEvent) {
	code := label(e.Code)
	m.webhookTotal.WithLabelValues(code).Inc()
	m.webhookDuration.WithLabelValues(code).Observe(e.Duration.Seconds())
}

// serviceAccountToken records a service-account token into the counters
// its fields name.
func (m *metrics) serviceAccountToken(e authn.ServiceAccountTokenEvent) {
	if e.Legacy {
		m.saLegacy.Inc()
	}
	if e.Stale {
		m.saStale.Inc()
	}
	if e.Valid {
		m.saValid.Inc()
	}
	if e.Invalidated {
		m.saInvalidated.Inc()
	}
}

// chainCheck counts a client-certificate chain check.
func (m *metrics) chainCheck(e authn.ChainCheckEvent) {
	cache, result := "miss", statusFailure
	if e.Cached {
		cache = "hit"
	}
	if e.OK {
		result = statusSuccess
	}
	m.chainChecks.WithLabelValues(cache, result).Inc()
}

// unknownKey counts a token naming a key ID its issuer lacks.
func (m *metrics) unknownKey(e authn.UnknownKeyEvent) {
	refetch := "cooldown"
	if e.Refetch {
		refetch = "started"
	}
	m.unknownKeys.WithLabelValues(m.issuers.of(e.Issuer), refetch).Inc()
}

// issuerRemoved deletes a dropped issuer's key-set series, as Kubernetes'
// DeleteJWKSFetchMetrics does, and authnkit's for it. The latency
// histogram keeps its series, as Kubernetes' does: its counts stay true.
func (m *metrics) issuerRemoved(e authn.IssuerRemovedEvent) {
	issuer := m.issuers.of(e.Issuer)
	match := prometheus.Labels{"jwt_issuer_hash": issuer}
	m.jwksTimestamp.DeletePartialMatch(match)
	m.jwksKeySet.delete(issuer)
	m.jwksFetches.DeletePartialMatch(match)
	m.jwksKeys.DeletePartialMatch(match)
	m.jwksNext.DeletePartialMatch(match)
	m.unknownKeys.DeletePartialMatch(match)
}
