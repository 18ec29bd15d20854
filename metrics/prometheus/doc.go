// Package prometheus exports authnkit's events as Prometheus metrics under
// Kubernetes' names: the dashboards and alerts written for
// kube-apiserver's authentication work unchanged on a program that embeds
// authnkit.
//
// [New] registers the metrics with a prometheus.Registerer and returns an
// [authn.Observer] that records into them; pass that Observer to the
// components (options.Options.Observer hands it to all of them). It is a
// package of its own, the only one that imports the Prometheus client:
// the authenticators never do, so a program that does not import this
// package does not build the client. (It is not a module of its own
// because the demo, examples/server, serves /metrics with it.) The
// package shares its name with the client's: import it under another name
// (authnprom, say) next to github.com/prometheus/client_golang/prometheus.
//
// # Kubernetes' metrics
//
// Names, types, help texts, label names and buckets are those of
// k8s.io/apiserver v0.37 and k8s.io/kubernetes v1.37, checked against
// Kubernetes' own collectors by a test in authnkit's benchmarks module.
// Sources are in k8s.io/apiserver unless marked k8s.io/kubernetes.
//
// Requests (pkg/endpoints/filters/metrics.go), from [authn.Observer.Authentication]:
//
//	authentication_attempts{result}                  counter    success, failure (no credential, nobody in), error (refused or uncheckable)
//	authentication_duration_seconds{result}          histogram  buckets 0.001·2^i, i < 15
//	authenticated_user_requests{username}            counter    successes; username guarded (below)
//
// Token cache (pkg/authentication/token/cache/stats.go), from TokenCache and TokenCacheFetch:
//
//	authentication_token_cache_request_total{status}             counter    hit, miss
//	authentication_token_cache_request_duration_seconds{status}  histogram  default buckets; whole milliseconds, as Kubernetes records them
//	authentication_token_cache_fetch_total{status}               counter    ok, error: shared upstream calls that ended
//	authentication_token_cache_active_fetch_count{status}        gauge      in_flight: shared upstream calls running; blocked: callers waiting for one
//
// JWT authenticators (plugin/pkg/authenticator/token/oidc/metrics.go), from JWT and KeySetFetch,
// OIDC issuers only, as Kubernetes' JWT authenticators are OIDC issuers:
//
//	apiserver_authentication_jwt_authenticator_latency_seconds{result,jwt_issuer_hash}                      histogram  success, failure; cache misses
//	apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds{result,jwt_issuer_hash,apiserver_id_hash}  gauge
//	apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info{jwt_issuer_hash,apiserver_id_hash,hash}        gauge, 1
//
// The authentication configuration, --authentication-config
// (pkg/server/options/authenticationconfig/metrics/metrics.go), from
// Reload events of component "options: --authentication-config":
//
//	apiserver_authentication_config_controller_automatic_reloads_total{status,apiserver_id_hash}                  counter  success, failure
//	apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds{status,apiserver_id_hash}  gauge
//	apiserver_authentication_config_controller_last_config_info{apiserver_id_hash,hash}                            gauge, 1
//
// Client certificates (pkg/authentication/request/x509/x509.go), from ClientCertificate:
//
//	apiserver_client_certificate_expiration_seconds  histogram  remaining lifetime of every certificate presented, before verification;
//	                                                            buckets 0, 30m, 1h, 2h, 6h, 12h, 1d, 2d, 4d, 1w, 1mo, 3mo, 6mo, 1y
//
// The webhook (pkg/authentication/authenticatorfactory/metrics.go), from Webhook:
//
//	apiserver_delegated_authn_request_total{code}             counter    HTTP status, or "<error>" when no answer came
//	apiserver_delegated_authn_request_duration_seconds{code}  histogram  buckets 0.25, 0.5, 0.7, 1, 1.5, 3, 5, 10
//
// Service-account tokens (k8s.io/kubernetes pkg/serviceaccount/metrics.go), from ServiceAccountToken:
//
//	serviceaccount_legacy_tokens_total                    counter  tokens without "aud" whose signature verified
//	serviceaccount_stale_tokens_total                     counter  bound tokens with "warnafter", used after it
//	serviceaccount_valid_tokens_total                     counter  bound tokens with "warnafter", used before it
//	serviceaccount_invalid_legacy_auto_token_uses_total   counter  legacy tokens whose Secret carries the invalid-since label
//
// Help texts start with the stability level Kubernetes gives each metric
// ("[ALPHA] ", "[BETA] "), as kube-apiserver's /metrics shows them, so
// that the two expositions are the same line for line (the token cache's
// four have no help text in Kubernetes, hence "[ALPHA] " alone).
// Histograms have Kubernetes' classic buckets, and, with
// [Options.NativeHistograms], a native histogram with kube-apiserver's
// settings as well.
//
// Hashes are Kubernetes': jwt_issuer_hash and apiserver_id_hash are
// "sha256:" and the lower-case hex SHA-256 of the issuer URL and of
// [Options.APIServerID] ("" for an empty one); hash is the event's
// KeySetHash (of the JWKS response body) or ContentHash (of the file's
// content), computed the same way by the component that reports.
//
// The username label keeps admin, client, kube_proxy, kubelet,
// system:serviceaccount:kube-system:default and [Options.KnownUsernames]
// as they are and reports every other user as email_id (a name with an
// "@") or other, as Kubernetes' compressUsername does: the label's values
// are bounded, and no other user name reaches the metrics.
//
// # authnkit's metrics
//
// Where authnkit does what kube-apiserver does not measure, its metrics
// are named authnkit_*, follow the shape of Kubernetes' nearest metric,
// and carry no help-text stability prefix:
//
//	authnkit_authentication_refusals_total{reason}  counter
//	    Refused requests by [authn.Reason]: no_credential, unrecognized,
//	    unavailable (the 503s), expired, not_yet_valid, revoked (a CRL, a
//	    deny list, a deleted Secret or service account), wrong_audience,
//	    wrong_issuer, unknown_key, bad_signature, malformed,
//	    invalid_credentials, invalid. Kubernetes has no reason and no 503.
//	authnkit_jwt_authenticator_latency_seconds{authenticator,result,jwt_issuer_hash}  histogram
//	    Kubernetes' JWT latency, for the JWTs it does not measure:
//	    service-account tokens (authenticator "serviceaccount").
//	authnkit_jwt_authenticator_jwks_fetches_total{result,jwt_issuer_hash,apiserver_id_hash}  counter
//	    Every JWKS fetch, where Kubernetes keeps only the last one's time,
//	    so that a failure rate can be alerted on.
//	authnkit_jwt_authenticator_jwks_keys{jwt_issuer_hash,apiserver_id_hash}  gauge
//	    Usable keys after the last successful fetch: 0 means no token of
//	    the issuer can verify.
//	authnkit_jwt_authenticator_jwks_next_refresh_timestamp_seconds{jwt_issuer_hash,apiserver_id_hash}  gauge
//	    When the next scheduled fetch is due (the refresh after a success,
//	    the retry after a failure): now past it by more than a fetch's
//	    timeout means the issuer's refresher is stuck.
//	authnkit_jwt_authenticator_unknown_key_total{jwt_issuer_hash,refetch}  counter
//	    Tokens naming a key ID the issuer's loaded keys lack: refetch is
//	    "started" when a key fetch ran (or was joined) to look for it,
//	    "cooldown" when the refetch cooldown held one back. A rising
//	    cooldown count is a client with a stale key or a forger.
//	authnkit_client_certificate_chain_checks_total{cache,result}  counter
//	    Client-certificate chains checked (requestheader's proxy chains
//	    too): cache "hit" when the caches of verified and failed chains
//	    answered, "miss" when the chain was verified; result success or
//	    failure.
//	authnkit_file_automatic_reloads_total{component,file,status,apiserver_id_hash}                  counter
//	authnkit_file_automatic_reload_last_timestamp_seconds{component,file,status,apiserver_id_hash}  gauge
//	authnkit_file_last_config_info{component,file,apiserver_id_hash,hash}                            gauge, 1
//	    Kubernetes' three authentication-configuration metrics, for every
//	    other file authnkit reloads: token and password files, CA bundles,
//	    CRLs, deny lists, keys, bootstrap-token Secrets. component is the
//	    Reload event's Component (the owning package, such as
//	    "tokenfile"), file its Path.
//	authnkit_file_entries{component,file}  gauge
//	    Entries (tokens, users, certificates, keys) in the content in use
//	    of every reloaded file whose kind has them, the authentication
//	    configuration included.
//
// # Reloads
//
// As in kube-apiserver, only reloads count: the first load sets
// last_config_info and file entries, and is no reload (when it fails,
// the program does not start). Every later Reload event counts, and
// authnkit's reloaders report what kube-apiserver's controller counts:
// content that changed, whether it loads or not, and every check that
// cannot read the file, which may resolve; content found unchanged is
// not reported. A call to the owner's Reload method is an attempt too.
//
// # Beyond Kubernetes
//
// Deliberate differences, each for a reason:
//
//   - No global state: New registers with the registry it is given, so a
//     program (or a test) can run several, and never touches Prometheus'
//     default registry unless that is the one it is given.
//   - Series whose label values are known in advance (the three results,
//     hit and miss, ok and error, in_flight and blocked, the listed user names,
//     email_id and other) exist at 0 from registration, where Kubernetes
//     creates them on first use: rate() and absent() work from the first
//     scrape, and recording them costs no label lookup.
//   - Native histograms are off unless [Options.NativeHistograms] turns
//     them on; kube-apiserver 1.37 turns them on by default. Observing
//     one costs 1.5 to 3 times a classic histogram, on the token cache's
//     hit path among others, and the text exposition, which Prometheus
//     scrapes unless told otherwise, is the same either way.
//   - The username guard's list can be extended ([Options.KnownUsernames])
//     for a program's own well-known users; Kubernetes' is fixed.
//   - Label values that come from outside (file paths, components, codes)
//     are made valid UTF-8 (invalid bytes become U+FFFD) instead of
//     panicking, as the client library would.
//   - A token-cache hit is observed as 0 s without reading the clock
//     ([authn.TokenCacheEvent]): Kubernetes records this histogram in
//     whole milliseconds, which a hit (about a microsecond) never reaches,
//     and a clock read would be the largest part of what the observer
//     adds to a hit.
//
// Kubernetes metrics not exported: serviceaccount_legacy_auto_token_uses_total
// and serviceaccount_legacy_manual_token_uses_total (they need the service
// account's list of Secrets, which authnkit's SecretLookup does not read).
// An issuer dropped by a configuration reload loses its key-set series
// (the fetch timestamps, the key set's hash, and authnkit's fetch, key,
// next-refresh and unknown-key series), as Kubernetes' DeleteJWKSFetchMetrics does;
// its latency series stay, as Kubernetes' do.
//
// # Concurrency
//
// The Observer's functions are safe for concurrent use and do not block:
// each is a few atomic operations, plus a lookup of the labelled child
// where a label comes from the event (an issuer's hash, a file, a status
// code, a refusal's reason), and a short mutex for the _info series.
package prometheus
