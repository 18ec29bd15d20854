package x509auth

import (
	"crypto/tls"
	"net/http"
)

// TLSConfig returns a clone of base (a new config when base is nil) that
// asks clients for certificates: ClientAuth is raised to
// tls.RequestClientCert when base leaves it at tls.NoClientCert, the
// default, with which clients never send one and an [Authenticator] never
// sees one. A stricter setting base chose (tls.RequireAnyClientCert, or a
// Verify* mode with ClientCAs) is kept. When base has GetConfigForClient,
// the configs it returns get the same treatment (cloned when raised).
// base is not changed.
//
// The TLS layer only requests certificates: the authenticators verify
// them, which is why tls.RequestClientCert and not
// tls.VerifyClientCertIfGiven is the default here. A CA bundle that is
// reloaded ([VerifyOptions.ClientCAFile]) takes effect without
// restarting the listener, while the ClientCAs of a tls.Config are fixed
// when it is built; one listener can accept client certificates of
// several CAs (the client CA, and a front proxy's CA that must not be
// trusted for users, see package requestheader), which one pool of
// ClientCAs would mix; and a certificate that does not verify gets an
// HTTP 401 that says why (or another authenticator's chance, in a
// union), not a failed handshake.
//
//	srv := &http.Server{Handler: h, TLSConfig: x509auth.TLSConfig(&tls.Config{MinVersion: tls.VersionTLS12})}
func TLSConfig(base *tls.Config) *tls.Config {
	c := base.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	raise(c)
	if get := c.GetConfigForClient; get != nil {
		c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			cfg, err := get(hello)
			if cfg != nil && cfg.ClientAuth == tls.NoClientCert {
				cfg = cfg.Clone()
				raise(cfg)
			}
			return cfg, err
		}
	}
	return c
}

// raise sets c to request client certificates unless it already does.
func raise(c *tls.Config) {
	if c.ClientAuth == tls.NoClientCert {
		c.ClientAuth = tls.RequestClientCert
	}
}

// checkServerConfig warns, once per Authenticator, when the net/http
// server that received r (a TLS request without client certificates) is
// configured so that clients are never asked for one. It stays silent
// when the configuration cannot be seen: a request not from net/http, a
// GetConfigForClient that may decide otherwise, and an
// http.Server.TLSConfig without a certificate, which is not what served
// the connection as it is (net/http fills in an empty one for HTTP/2 when
// a server is given a ready-made TLS listener, as httptest does, and
// ServeTLS adds the certificate files to a copy).
func (a *Authenticator) checkServerConfig(r *http.Request) {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil || a.checkedServer.Swap(true) {
		return
	}
	c := srv.TLSConfig
	if c != nil && c.ClientAuth == tls.NoClientCert && c.GetConfigForClient == nil && (len(c.Certificates) > 0 || c.GetCertificate != nil) {
		a.v.logger.WarnContext(r.Context(), "client certificates are never requested: the server's tls.Config has ClientAuth tls.NoClientCert, "+
			"so clients send none and no request authenticates by certificate; "+
			"set http.Server.TLSConfig to x509auth.TLSConfig(config), or ClientAuth to tls.RequestClientCert",
			"addr", srv.Addr)
	}
}
