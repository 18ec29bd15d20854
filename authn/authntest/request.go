package authntest

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Default front-proxy header names, as kube-apiserver's --requestheader-*
// flags are usually set (kubeadm's defaults).
const (
	ProxyUserHeader        = "X-Remote-User"
	ProxyUIDHeader         = "X-Remote-Uid"
	ProxyGroupHeader       = "X-Remote-Group"
	ProxyExtraHeaderPrefix = "X-Remote-Extra-"
)

// NewRequest returns a GET request for https://authnkit.test/ with no
// credential, as httptest.NewRequest builds it (r.TLS is set, with no peer
// certificates).
func NewRequest() *http.Request {
	return httptest.NewRequest(http.MethodGet, "https://authnkit.test/", nil)
}

// NewBearerRequest returns [NewRequest] with "Authorization: Bearer token".
func NewBearerRequest(token string) *http.Request {
	r := NewRequest()
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// NewBasicRequest returns [NewRequest] with HTTP Basic credentials
// (RFC 7617): "Authorization: Basic base64(user:password)".
func NewBasicRequest(user, password string) *http.Request {
	r := NewRequest()
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	return r
}

// NewProxyRequest returns [NewRequest] with the identity headers an
// authenticating front proxy sends: X-Remote-User, one X-Remote-Group per
// group, and X-Remote-Extra-<key> per extra value, the key percent-encoded
// as Kubernetes expects (url.PathEscape). An empty user sets no user header.
// The request has no proxy client certificate: add one with
// [Cert.AddToRequest] to make the headers trustworthy.
func NewProxyRequest(user string, groups []string, extra map[string][]string) *http.Request {
	r := NewRequest()
	if user != "" {
		r.Header.Set(ProxyUserHeader, user)
	}
	for _, g := range groups {
		r.Header.Add(ProxyGroupHeader, g)
	}
	for k, vs := range extra {
		for _, v := range vs {
			r.Header.Add(ProxyExtraHeaderPrefix+url.PathEscape(k), v)
		}
	}
	return r
}
