package jwks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/keyload"
)

// result is what one successful fetch found.
type result struct {
	keys      []keyload.Key
	skipped   []error
	jwksURL   string
	maxAge    time.Duration // freshness left per Cache-Control max-age and Age
	hasMaxAge bool
	// hash is "sha256:<hex>" of the JWKS body, as Kubernetes hashes it;
	// computed only for an observer.
	hash string
}

// statusError is a response other than 200 OK.
type statusError struct {
	what       string // "discovery" or "JWKS"
	url        string
	status     string
	body       string        // a clipped prefix of the body
	retryAfter time.Duration // from Retry-After on 429 and 503
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("%s: GET %s: status %s", e.what, e.url, e.status)
	if e.body != "" {
		msg += fmt.Sprintf(": body %q", e.body)
	}
	return msg
}

// statusBodyBytes is how much of an error response's body an error quotes.
const statusBodyBytes = 64

// load runs discovery when jwksURL is empty, then fetches and parses the
// JWKS. requested reports whether the JWKS was requested, which a
// failed discovery prevents.
func (s *Set) load(ctx context.Context, jwksURL string) (res *result, requested bool, err error) {
	if jwksURL == "" {
		u, err := s.discover(ctx)
		if err != nil {
			return nil, false, err
		}
		jwksURL = u
	}
	body, hdr, err := s.get(ctx, "JWKS", jwksURL)
	if err != nil {
		return nil, true, err
	}
	keys, skipped, err := s.parse(body)
	if err != nil {
		return nil, true, fmt.Errorf("JWKS %s: %w", jwksURL, err)
	}
	res = &result{keys: keys, skipped: skipped, jwksURL: jwksURL}
	res.maxAge, res.hasMaxAge = maxAge(hdr)
	if s.onFetch != nil {
		sum := sha256.Sum256(body)
		res.hash = "sha256:" + hex.EncodeToString(sum[:])
	}
	return res, true, nil
}

// parse reads a JWKS body into the usable keys, with one error per key
// left out. A JWK Set that holds no usable key is no error: it is the
// provider's answer, an empty set. A body that does not parse, or is not
// a JWK Set, is.
func (s *Set) parse(body []byte) ([]keyload.Key, []error, error) {
	keys, skipped, err := keyload.JWKS(body)
	if err == nil {
		keys, skipped = s.usable(keys, skipped)
		if len(keys) == 0 {
			err = fmt.Errorf("no usable signing key: %w", errors.Join(skipped...))
		}
	}
	// keyload.JWKS fails when the JSON does not parse or no usable key is
	// left; only the second is possible for a body that is a JWK Set.
	if err != nil {
		if !isKeySet(body) {
			return nil, nil, err
		}
		return nil, skipped, nil
	}
	return keys, skipped, nil
}

// isKeySet reports whether body is a JWK Set: a JSON object whose "keys"
// member is an array (RFC 7517 section 5), possibly empty.
func isKeySet(body []byte) bool {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	return json.Unmarshal(body, &set) == nil && set.Keys != nil
}

// usable keeps the keys that one of Options.Algorithms can use, by key
// type and by the key's "alg" when it names one, and adds one skipped
// error per other key.
func (s *Set) usable(keys []keyload.Key, skipped []error) ([]keyload.Key, []error) {
	if len(s.algs) == 0 {
		return keys, skipped
	}
	kept := keys[:0:0]
	for _, k := range keys {
		if slices.ContainsFunc(s.algs, func(a jwssig.Alg) bool {
			return (k.Alg == "" || k.Alg == a.String()) && a.Fits(k.Public)
		}) {
			kept = append(kept, k)
			continue
		}
		skipped = append(skipped, fmt.Errorf("JWK (kid %q): no allowed algorithm fits a %T with alg %q", clip(k.KeyID), k.Public, clip(k.Alg)))
	}
	return kept, skipped
}

// discover reads the provider configuration and returns its checked
// jwks_uri.
func (s *Set) discover(ctx context.Context) (string, error) {
	body, _, err := s.get(ctx, "discovery", s.discoveryURL)
	if err != nil {
		return "", err
	}
	// go-oidc's ProviderConfig is the discovery document (OpenID Connect
	// Discovery 1.0 §3); only issuer and jwks_uri matter here.
	var doc gooidc.ProviderConfig
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("discovery %s: %w", s.discoveryURL, err)
	}
	if doc.IssuerURL != s.issuer {
		return "", fmt.Errorf("discovery %s: issuer %q does not match %q", s.discoveryURL, clip(doc.IssuerURL), s.issuer)
	}
	if doc.JWKSURL == "" {
		return "", fmt.Errorf("discovery %s: no jwks_uri", s.discoveryURL)
	}
	if !s.fetchable(doc.JWKSURL) {
		return "", fmt.Errorf("discovery %s: jwks_uri %q is not an absolute https URL", s.discoveryURL, clip(doc.JWKSURL))
	}
	return doc.JWKSURL, nil
}

// get fetches u under FetchTimeout and returns a body of at most
// MaxBodyBytes from a 200 response.
func (s *Set) get(ctx context.Context, what, u string) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, s.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		prefix, _ := io.ReadAll(io.LimitReader(resp.Body, statusBodyBytes+1))
		body := string(prefix)
		if len(prefix) > statusBodyBytes {
			body = string(prefix[:statusBodyBytes]) + "..."
		}
		se := &statusError{what: what, url: u, status: resp.Status, body: body}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, nil, se
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: GET %s: reading body: %w", what, u, err)
	}
	if int64(len(body)) > s.maxBody {
		return nil, nil, fmt.Errorf("%s: GET %s: %w (%d bytes)", what, u, errBodyTooLarge, s.maxBody)
	}
	return body, resp.Header, nil
}

var errBodyTooLarge = errors.New("body exceeds the size limit")

// maxAge reads the freshness lifetime left (RFC 9111 section 5.2.2.1
// max-age, minus section 5.1 Age). "no-cache" and "no-store" count as
// max-age=0. Expires is ignored.
func maxAge(h http.Header) (time.Duration, bool) {
	var d time.Duration
	found := false
	for _, v := range h.Values("Cache-Control") {
		for dir := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				return 0, true
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
				if err == nil && n >= 0 && !found {
					d, found = seconds(n), true
				}
			}
		}
	}
	if !found {
		return 0, false
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && n > 0 {
		d = max(d-seconds(n), 0)
	}
	return d, true
}

// retryAfter reads a Retry-After value (RFC 9110 section 10.2.3): seconds
// or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return seconds(max(n, 0))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// seconds converts n seconds, capped at 2^31 as RFC 9111 section 1.2.2
// allows, to a Duration.
func seconds(n int64) time.Duration {
	return time.Duration(min(n, 1<<31)) * time.Second
}
