package main

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clientWithCert is ts's client presenting the demo certificate name.
func (ts *testServer) clientWithCert(t *testing.T, name string) *http.Client {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(ts.demo.path(name+".crt"), ts.demo.path(name+".key"))
	require.NoError(t, err)
	base := ts.client.Transport.(*http.Transport).TLSClientConfig
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: base.RootCAs, Certificates: []tls.Certificate{cert}}}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func decodeWhoami(t *testing.T, res *http.Response) whoamiResult {
	t.Helper()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	var got whoamiResult
	require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	return got
}

func TestDemoClientCertificate(t *testing.T) {
	ts := startDemo(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.url+ssrPath, nil)
	require.NoError(t, err)
	res, err := ts.clientWithCert(t, "admin").Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	got := decodeWhoami(t, res)
	assert.Equal(t, "admin", got.Status.UserInfo.Username)
	assert.Equal(t, []string{"system:masters", "system:authenticated"}, got.Status.UserInfo.Groups)
}

// A real reverse proxy holding the front-proxy certificate authenticates
// users its own way and passes them on in X-Remote-* headers.
func TestDemoFrontProxy(t *testing.T) {
	ts := startDemo(t)
	backend, err := url.Parse(ts.url)
	require.NoError(t, err)
	proxyClient := ts.clientWithCert(t, "front-proxy-client")
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backend)
			// The proxy's own authentication decided this user.
			pr.Out.Header.Set("X-Remote-User", "dave")
			pr.Out.Header.Set("X-Remote-Uid", "4004")
			pr.Out.Header.Add("X-Remote-Group", "devs")
			pr.Out.Header.Add("X-Remote-Group", "ops")
			pr.Out.Header.Set("X-Remote-Extra-Scopes%2Fcluster", "read")
		},
		Transport: proxyClient.Transport,
	}
	front := httptest.NewServer(rp)
	t.Cleanup(front.Close)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, front.URL+ssrPath, nil)
	require.NoError(t, err)
	res, err := front.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	got := decodeWhoami(t, res)
	assert.Equal(t, "dave", got.Status.UserInfo.Username)
	assert.Equal(t, "4004", got.Status.UserInfo.UID)
	assert.Equal(t, []string{"devs", "ops", "system:authenticated"}, got.Status.UserInfo.Groups)
	assert.Equal(t, map[string][]string{"scopes/cluster": {"read"}}, got.Status.UserInfo.Extra)
}

// The same headers sent by a client without the proxy's certificate are
// ignored: they are no identity, and they do not change another one.
func TestDemoSpoofedProxyHeaders(t *testing.T) {
	ts := startDemo(t)
	spoof := func(r *http.Request) {
		r.Header.Set("X-Remote-User", "mallory")
		r.Header.Set("X-Remote-Group", "system:masters")
	}
	res := ts.do(t, http.MethodPost, ssrPath, nil, spoof)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "headers alone are no identity")

	res = ts.do(t, http.MethodPost, ssrPath, nil, func(r *http.Request) { spoof(r); bearer(ts.demo.aliceToken)(r) })
	got := decodeWhoami(t, res)
	assert.Equal(t, "alice", got.Status.UserInfo.Username)
	assert.NotContains(t, got.Status.UserInfo.Groups, "system:masters")

	// A certificate from the client CA is not a proxy certificate.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.url+ssrPath, nil)
	require.NoError(t, err)
	spoof(req)
	res, err = ts.clientWithCert(t, "admin").Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, "admin", decodeWhoami(t, res).Status.UserInfo.Username)
}

func TestKubectlClientCertificate(t *testing.T) {
	ts := startDemo(t)
	out, errOut, err := kubectl(t, ts, "--context", "admin", "auth", "whoami", "-o", "json")
	require.NoError(t, err, "kubectl stderr: %s", errOut)
	var got whoamiResult
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "admin", got.Status.UserInfo.Username)
	assert.Equal(t, []string{"system:masters", "system:authenticated"}, got.Status.UserInfo.Groups)
}
