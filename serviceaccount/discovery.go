package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Paths kube-apiserver serves the service-account issuer's discovery at
// (k8s.io/kubernetes/pkg/serviceaccount/openidmetadata.go).
const (
	// OpenIDConfigPath serves the OpenID Provider Configuration
	// (OpenID Connect Discovery 1.0 §4).
	OpenIDConfigPath = "/.well-known/openid-configuration"
	// JWKSPath serves the JWK Set (RFC 7517 §5) of the verification keys.
	JWKSPath = "/openid/v1/jwks"
)

// DiscoveryOptions configures [DiscoveryHandler]. The zero value is usable.
type DiscoveryOptions struct {
	// JWKSURI is "jwks_uri" in the configuration document
	// (--service-account-jwks-uri). Empty means the issuer URL's scheme and
	// host with [JWKSPath], as kube-apiserver derives it from its external
	// address.
	JWKSURI string
	// MaxAge is the Cache-Control max-age in seconds. Zero means 3600,
	// kube-apiserver's value.
	MaxAge int
}

// DiscoveryHandler returns an http.Handler serving the service-account
// issuer's OpenID discovery as kube-apiserver does, so that OIDC relying
// parties (including this module's oidc package) can verify the tokens
// an [Issuer] mints:
//
//   - GET [OpenIDConfigPath]: {"issuer", "jwks_uri",
//     "response_types_supported": ["id_token"], "subject_types_supported":
//     ["public"], "id_token_signing_alg_values_supported": the sorted
//     algorithms of keys}, as application/json;
//   - GET [JWKSPath]: {"keys": [...]}, each key public with "use": "sig",
//     "kid" = [KeyID] and "alg" RS256 (RSA) or ES256/ES384/ES512 (by
//     curve), as application/jwk-set+json.
//
// Both carry "Cache-Control: public, max-age=3600". Other paths are 404,
// other methods 405. issuerURL must be an https URL without query or
// fragment, as Kubernetes requires for discovery. keys are public keys (or
// private keys, whose public halves are published), for example
// [Authenticator.PublicKeys] or [Issuer.PublicKey]; there must be at least
// one. The documents are rendered once: the handler is immutable and safe
// for concurrent use.
func DiscoveryHandler(issuerURL string, keys []crypto.PublicKey, opts DiscoveryOptions) (http.Handler, error) {
	u, err := url.Parse(issuerURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("serviceaccount: discovery: issuer URL: %w", err)
	case u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("serviceaccount: discovery: issuer URL %q is not an https URL", issuerURL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("serviceaccount: discovery: issuer URL %q has a query or fragment", issuerURL)
	case len(keys) == 0:
		return nil, errors.New("serviceaccount: discovery: no keys")
	}
	jwksURI := opts.JWKSURI
	if jwksURI == "" {
		jwksURI = (&url.URL{Scheme: "https", Host: u.Host, Path: JWKSPath}).String()
	} else if j, err := url.Parse(jwksURI); err != nil || j.Scheme != "https" {
		return nil, fmt.Errorf("serviceaccount: discovery: JWKS URI %q is not an https URL", jwksURI)
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = 3600
	}
	var set jose.JSONWebKeySet
	var algs []string
	for i, k := range keys {
		pub, err := publicOf(k)
		if err != nil {
			return nil, fmt.Errorf("serviceaccount: discovery: key %d: %w", i, err)
		}
		kid, err := KeyID(pub)
		if err != nil {
			return nil, err
		}
		alg := "RS256"
		if ec, ok := pub.(*ecdsa.PublicKey); ok {
			alg = "ES" + map[int]string{256: "256", 384: "384", 521: "512"}[ec.Curve.Params().BitSize]
		} else if _, ok := pub.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("serviceaccount: discovery: key %d: unsupported type %T", i, pub)
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"})
		if !slices.Contains(algs, alg) {
			algs = append(algs, alg)
		}
	}
	slices.Sort(algs)
	config, err := json.Marshal(struct {
		Issuer        string   `json:"issuer"`
		JWKSURI       string   `json:"jwks_uri"`
		ResponseTypes []string `json:"response_types_supported"`
		SubjectTypes  []string `json:"subject_types_supported"`
		SigningAlgs   []string `json:"id_token_signing_alg_values_supported"`
	}{issuerURL, jwksURI, []string{"id_token"}, []string{"public"}, algs})
	if err != nil {
		return nil, fmt.Errorf("serviceaccount: discovery: %w", err)
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("serviceaccount: discovery: %w", err)
	}
	cache := fmt.Sprintf("public, max-age=%d", maxAge)
	serve := func(body []byte, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", cache)
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(OpenIDConfigPath, serve(config, "application/json"))
	mux.Handle(JWKSPath, serve(jwks, "application/jwk-set+json"))
	// The issuer may have a path: serve discovery under it too.
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		mux.Handle(p+OpenIDConfigPath, serve(config, "application/json"))
	}
	return mux, nil
}
