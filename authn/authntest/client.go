package authntest

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
)

// Client returns an *http.Client for srv, an httptest server started with
// TLS, that trusts srv's certificate (as srv.Client does) and presents
// cert as its TLS client certificate: the leaf and intermediates of
// [Cert.TLSCertificate], or a pair loaded with tls.LoadX509KeyPair.
//
// The client sends cert only when the server asks for a certificate, so
// srv's TLS configuration must request one (ClientAuth
// tls.RequestClientCert or stricter); with the default, tls.NoClientCert,
// requests reach the handler without it. Each call returns a client with
// its own connections, kept alive between requests as real clients keep
// them; they close when srv closes, or with the client's
// CloseIdleConnections. It panics if srv was not started with TLS.
func Client(srv *httptest.Server, cert tls.Certificate) *http.Client {
	tr, ok := srv.Client().Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil {
		panic("authntest: Client needs a server started with TLS")
	}
	tr = tr.Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	return &http.Client{Transport: tr}
}
