package authntest_test

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn/authntest"
)

// peerServer starts a TLS server whose handler answers with the common
// names of the client certificates it received, and counts connections.
func peerServer(t *testing.T, clientAuth tls.ClientAuthType) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var names []string
		for _, c := range r.TLS.PeerCertificates {
			names = append(names, c.Subject.CommonName)
		}
		fmt.Fprint(w, strings.Join(names, ","))
	}))
	srv.TLS = &tls.Config{ClientAuth: clientAuth}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(body)
}

func TestClient(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}})
	jane := inter.IssueClient("jane")
	srv, conns := peerServer(t, tls.RequestClientCert)

	c := authntest.Client(srv, jane.TLSCertificate())
	t.Cleanup(c.CloseIdleConnections)
	for range 3 {
		assert.Equal(t, "jane,intermediate", get(t, c, srv.URL), "the leaf, then the intermediate")
	}
	assert.Equal(t, int32(1), conns.Load(), "one kept-alive connection")

	other := authntest.Client(srv, ca.IssueClient("bob").TLSCertificate())
	t.Cleanup(other.CloseIdleConnections)
	assert.Equal(t, "bob", get(t, other, srv.URL), "each client its own certificate")
	assert.Equal(t, "", get(t, srv.Client(), srv.URL), "the server's own client is unchanged")
	assert.Equal(t, "jane,intermediate", get(t, c, srv.URL))
}

func TestClientNotRequested(t *testing.T) {
	t.Parallel()
	srv, _ := peerServer(t, tls.NoClientCert)
	c := authntest.Client(srv, authntest.NewCA().IssueClient("jane").TLSCertificate())
	t.Cleanup(c.CloseIdleConnections)
	assert.Equal(t, "", get(t, c, srv.URL), "a server that does not ask gets no certificate")
}

func TestClientWithoutTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	assert.Panics(t, func() { authntest.Client(srv, tls.Certificate{}) })
}

// A test server that asks for client certificates, and a client that
// presents one.
func ExampleClient() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello,", r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()

	jane := authntest.NewCA().IssueClient("jane", "dev")
	client := authntest.Client(srv, jane.TLSCertificate())
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output: hello, jane
}
