package oidctest

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// discoverySuffix is appended to the issuer to find its discovery document
// (OpenID Connect Discovery 1.0, section 4).
const discoverySuffix = "/.well-known/openid-configuration"

// Options configures a Provider. The zero value gives one RS256 key and an
// issuer equal to the server's URL, with no Cache-Control on the JWKS.
type Options struct {
	// Algorithm is the alg of the first key, one of [Algorithms].
	// "": RS256.
	Algorithm string
	// IssuerPath is appended to the server URL to form the issuer, e.g.
	// "/tenant-a". It must be empty or start with "/", and hold no query
	// or fragment. "": the issuer is the server URL.
	IssuerPath string
	// MaxAge is sent as "Cache-Control: max-age=N" (whole seconds) on
	// JWKS responses. Zero or negative: no Cache-Control header.
	MaxAge time.Duration
	// InMemory serves over in-memory connections (net.Pipe) instead of a
	// socket, so that a Provider created inside a testing/synctest bubble
	// lets the bubble's clock advance. Only [Provider.Client] and
	// [Provider.DialContext] reach such a Provider, and only from the
	// bubble it was created in; the issuer keeps the usual
	// "https://127.0.0.1:port" form, but nothing listens on that port.
	// False: a real socket on 127.0.0.1.
	InMemory bool
}

// Provider is an in-process OpenID Connect provider on an
// httptest.NewTLSServer: it serves a discovery document and a JWKS, and
// signs ID tokens with its keys. Tests change it at will: add, rotate and
// unpublish keys, take it down, count fetches, sign malformed tokens.
//
// Every method is safe for concurrent use, also with requests being
// served. Methods that take a kid panic when the Provider never had that
// key, and methods that sign panic when the header or claims do not
// marshal to JSON: both are bugs in the test. No panic message holds key
// material.
type Provider struct {
	srv                     *httptest.Server
	transport               *http.Transport
	pipes                   *pipeListener // nil unless Options.InMemory
	mux                     *http.ServeMux
	issuer                  string
	base                    string // issuer without a trailing slash
	discoveryPath, jwksPath string // request paths of the two endpoints
	closeOnce               sync.Once
	unreachable             atomic.Bool // refuse new connections

	mu               sync.Mutex
	keys             map[string]*signingKey // every key ever made, published or not
	published        []string               // kids in the JWKS, in order
	current          *signingKey
	down, jwksDown   bool
	maxAge           time.Duration
	discoveryFetches int
	jwksFetches      int
	discoveryFields  map[string]json.RawMessage // nil value: member removed
	jwksBody         []byte                     // non-nil: served instead of the keys
}

// NewProvider starts a Provider described by opts on a new TLS server
// listening on 127.0.0.1 (or in memory, see [Options.InMemory]). The
// caller must call [Provider.Close].
//
// It panics, as httptest.NewTLSServer does, when it cannot listen or
// generate a key, and when opts.Algorithm or opts.IssuerPath is invalid.
//
// NewProvider starts no goroutine besides the server's. For use under
// testing/synctest, see the package documentation.
func NewProvider(opts Options) *Provider {
	if ip := opts.IssuerPath; ip != "" {
		if _, err := url.Parse("https://127.0.0.1" + ip); err != nil || ip[0] != '/' || strings.ContainsAny(ip, "?#") {
			panic("oidctest: invalid IssuerPath " + strconv.Quote(ip) + `: want "" or an absolute path`)
		}
	}
	first := newSigningKey(cmp.Or(opts.Algorithm, "RS256"))
	p := &Provider{
		mux:       http.NewServeMux(),
		keys:      map[string]*signingKey{first.kid: first},
		published: []string{first.kid},
		current:   first,
		maxAge:    opts.MaxAge,
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serveHTTP))
	p.srv.Config.ErrorLog = log.New(quietHandshakes{os.Stderr}, "", log.LstdFlags)
	if opts.InMemory {
		p.pipes = &pipeListener{addr: p.srv.Listener.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
		_ = p.srv.Listener.Close()
		p.srv.Listener = p.pipes
	}
	p.srv.Listener = gateListener{Listener: p.srv.Listener, refuse: &p.unreachable}
	p.issuer = "https://" + p.srv.Listener.Addr().String() + opts.IssuerPath
	p.base = strings.TrimSuffix(p.issuer, "/")
	u, err := url.Parse(p.base)
	if err != nil {
		p.srv.Close()
		panic("oidctest: issuer " + strconv.Quote(p.issuer) + ": " + err.Error())
	}
	p.discoveryPath = u.Path + discoverySuffix
	p.jwksPath = u.Path + "/keys"
	p.srv.StartTLS()
	p.transport = p.srv.Client().Transport.(*http.Transport).Clone()
	p.transport.DisableKeepAlives = true
	if p.pipes != nil {
		p.transport.DialContext = p.DialContext
	}
	return p
}

// DialContext connects to the server whatever the address, for the
// DialContext of an http.Transport that code under test builds itself
// (e.g. from [Provider.CAPEM]). With [Options.InMemory] it returns one
// end of a net.Pipe; otherwise it dials the server's socket.
func (p *Provider) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	_ = addr // always the server
	if p.pipes != nil {
		return p.pipes.dial(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, p.srv.Listener.Addr().String())
}

// Close stops the server and waits for the requests in flight. It is
// idempotent. Signing still works after Close.
func (p *Provider) Close() {
	p.closeOnce.Do(func() {
		p.srv.Close()
		p.transport.CloseIdleConnections()
	})
}

// Issuer returns the issuer URL: the server URL ("https://127.0.0.1:port")
// followed by [Options.IssuerPath]. It is the "iss" of [Provider.Claims]
// and the "issuer" of the discovery document.
func (p *Provider) Issuer() string { return p.issuer }

// URL returns the server's base URL, "https://127.0.0.1:port", under which
// routes added with [Provider.HandleFunc] are reached.
func (p *Provider) URL() string { return p.srv.URL }

// DiscoveryURL returns the URL of the discovery document: the issuer
// without a trailing slash, followed by "/.well-known/openid-configuration".
func (p *Provider) DiscoveryURL() string { return p.base + discoverySuffix }

// JWKSURL returns the URL of the JWKS, the discovery document's
// "jwks_uri": the issuer without a trailing slash, followed by "/keys".
func (p *Provider) JWKSURL() string { return p.base + "/keys" }

// CAPEM returns the server's certificate in PEM, as --oidc-ca-file or a
// JWT authenticator's certificateAuthority holds it. The certificate is
// valid for 127.0.0.1, ::1 and example.com. The caller owns the slice.
func (p *Provider) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
}

// Client returns a new client that trusts the server's certificate. Its
// transport, shared by every client Client returns, does not keep idle
// connections, so that no connection outlives a request: goleak stays
// quiet and a testing/synctest bubble can advance its clock. Close closes
// the transport's connections. With [Options.InMemory] the client reaches
// this Provider whatever the URL's host.
func (p *Provider) Client() *http.Client { return &http.Client{Transport: p.transport} }

// KeyID returns the kid of the current signing key, the one [Provider.Sign]
// uses.
func (p *Provider) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current.kid
}

// Keys returns the kids the JWKS publishes, in order, as a new slice.
func (p *Provider) Keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.published)
}

// AddKey generates a key for alg (one of [Algorithms]), publishes it at
// the end of the JWKS and returns its kid. The current key does not
// change. It panics on an unsupported alg.
func (p *Provider) AddKey(alg string) string {
	k := newSigningKey(alg) // outside the lock: RSA generation is slow
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addLocked(k)
	return k.kid
}

// Rotate generates a key with the current key's alg, publishes it at the
// end of the JWKS, makes it current and returns its kid. The old keys stay
// published until [Provider.RemoveKey].
func (p *Provider) Rotate() string {
	p.mu.Lock()
	alg := p.current.alg
	p.mu.Unlock()
	k := newSigningKey(alg)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addLocked(k)
	p.current = k
	return k.kid
}

func (p *Provider) addLocked(k *signingKey) {
	if _, dup := p.keys[k.kid]; dup {
		panic("oidctest: duplicate kid " + strconv.Quote(k.kid))
	}
	p.keys[k.kid] = k
	p.published = append(p.published, k.kid)
}

// RemoveKey stops publishing kid; removing an unpublished key does
// nothing. The key still signs through [Provider.SignWith] and
// [Provider.SignRaw], and stays current if it was, which makes tokens
// with a kid the JWKS does not hold. [Provider.PublishKey] undoes it.
func (p *Provider) RemoveKey(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keyLocked(kid)
	p.published = slices.DeleteFunc(p.published, func(k string) bool { return k == kid })
}

// PublishKey publishes kid again, at the end of the JWKS, after
// [Provider.RemoveKey]; publishing a published key does nothing.
func (p *Provider) PublishKey(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keyLocked(kid)
	if !slices.Contains(p.published, kid) {
		p.published = append(p.published, kid)
	}
}

// SetCurrent makes kid, published or not, the key [Provider.Sign] uses.
func (p *Provider) SetCurrent(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current = p.keyLocked(kid)
}

// PublicKey returns the public key of kid: *rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey.
func (p *Provider) PublicKey(kid string) crypto.PublicKey { return p.key(kid).priv.Public() }

// Algorithm returns the alg of kid, the one its signatures are made with.
func (p *Provider) Algorithm(kid string) string { return p.key(kid).alg }

func (p *Provider) key(kid string) *signingKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyLocked(kid)
}

func (p *Provider) keyLocked(kid string) *signingKey {
	k, ok := p.keys[kid]
	if !ok {
		panic("oidctest: unknown kid " + strconv.Quote(kid))
	}
	return k
}

// Claims returns new ID token claims for sub: "iss" is [Provider.Issuer],
// "iat" is time.Now() and "exp" an hour later, both in Unix seconds. "aud"
// is a string for one audience, an array for several, and absent for none.
// The caller owns the map and may change it before signing.
func (p *Provider) Claims(sub string, aud ...string) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": p.issuer, "sub": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	switch len(aud) {
	case 0:
	case 1:
		c["aud"] = aud[0]
	default:
		c["aud"] = slices.Clone(aud)
	}
	return c
}

// Sign returns claims as a compact JWS (a JWT) signed with the current key,
// with the protected header {"alg":…,"kid":…,"typ":"JWT"}.
func (p *Provider) Sign(claims map[string]any) string {
	p.mu.Lock()
	k := p.current
	p.mu.Unlock()
	return signJSON(k, nil, claims)
}

// SignWith returns claims as a compact JWS signed with key kid, published
// or not. Members of header are added to the protected header
// {"alg":…,"kid":…,"typ":"JWT"}, replacing those of the same name; a nil
// value removes the member (header {"kid": nil} signs without a kid). The
// signature is always made with kid's own algorithm, whatever "alg" says.
func (p *Provider) SignWith(kid string, header, claims map[string]any) string {
	return signJSON(p.key(kid), header, claims)
}

// SignRaw returns the compact JWS of exactly header and payload, which
// need not be valid JSON, signed with key kid's algorithm.
func (p *Provider) SignRaw(header, payload []byte, kid string) string {
	return signCompact(p.key(kid), header, payload)
}

func signJSON(k *signingKey, header, claims map[string]any) string {
	h := map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"}
	for name, v := range header {
		if v == nil {
			delete(h, name)
		} else {
			h[name] = v
		}
	}
	return signCompact(k, mustJSON("header", h), mustJSON("claims", claims))
}

func signCompact(k *signingKey, header, payload []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	return input + "." + enc.EncodeToString(k.sign([]byte(input)))
}

func mustJSON(what string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("oidctest: marshal " + what + ": " + err.Error())
	}
	return b
}

// SetDown makes every endpoint, including routes added with
// [Provider.HandleFunc], answer 503 Service Unavailable while down is
// true. Requests are still counted by [Provider.Fetches].
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// SetUnreachable makes the Provider unreachable while unreachable is true,
// as a host that is down or a port nothing listens on: it closes the
// connections open at the call, and closes every new one as soon as it is
// accepted, before the TLS handshake. Clients then fail in the transport
// (a reset or EOF), before any HTTP exchange, and [Provider.Fetches]
// counts nothing. [Provider.SetDown] is the HTTP-level outage instead.
func (p *Provider) SetUnreachable(unreachable bool) {
	p.unreachable.Store(unreachable)
	if unreachable {
		p.srv.CloseClientConnections()
	}
}

// SetJWKSDown makes the JWKS endpoint alone answer 503 Service Unavailable
// while down is true.
func (p *Provider) SetJWKSDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwksDown = down
}

// SetMaxAge changes [Options.MaxAge] for the JWKS responses that follow.
func (p *Provider) SetMaxAge(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maxAge = d
}

// SetDiscoveryFields changes the discovery document served from now on:
// each member of fields replaces or adds the member of that name, and a
// nil value removes it, e.g. {"issuer": "https://elsewhere"} for an
// issuer mismatch or {"jwks_uri": nil} for a broken document. Each call
// replaces the previous changes; nil restores the normal document. It
// panics when a value does not marshal to JSON.
func (p *Provider) SetDiscoveryFields(fields map[string]any) {
	var raw map[string]json.RawMessage
	for name, v := range fields {
		if raw == nil {
			raw = make(map[string]json.RawMessage, len(fields))
		}
		if v == nil {
			raw[name] = nil
		} else {
			raw[name] = mustJSON("discovery field "+strconv.Quote(name), v)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.discoveryFields = raw
}

// SetJWKSBody makes the JWKS endpoint serve body, exactly, from now on,
// instead of the published keys: for example a JWK Set of keys a verifier
// cannot use (an unknown "kty", "use": "enc", an odd "alg"), or a body
// that is not a JWK Set at all. The status, headers and fetch count are
// the usual ones. nil serves the published keys again. The Provider keeps
// its own copy of body.
func (p *Provider) SetJWKSBody(body []byte) {
	body = bytes.Clone(body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwksBody = body
}

// Fetches reports how many requests the discovery and JWKS endpoints have
// received, whatever their outcome (503s included).
func (p *Provider) Fetches() (discovery, jwks int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discoveryFetches, p.jwksFetches
}

// HandleFunc adds a route to the server, as http.ServeMux.HandleFunc
// does, e.g. for a distributed claims endpoint; reach it under
// [Provider.URL]. The discovery and JWKS paths always go to the Provider
// itself. It panics on an invalid or conflicting pattern.
func (p *Provider) HandleFunc(pattern string, h http.HandlerFunc) { p.mux.HandleFunc(pattern, h) }

func (p *Provider) serveHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		body   []byte
		maxAge time.Duration
	)
	p.mu.Lock()
	unavailable := p.down
	switch r.URL.Path {
	case p.discoveryPath:
		p.discoveryFetches++
		if !unavailable {
			body = p.discoveryLocked()
		}
	case p.jwksPath:
		p.jwksFetches++
		unavailable = unavailable || p.jwksDown
		if !unavailable {
			body, maxAge = p.jwksLocked(), p.maxAge
		}
	}
	p.mu.Unlock()
	switch {
	case unavailable:
		http.Error(w, "oidctest: provider down", http.StatusServiceUnavailable)
	case body == nil:
		p.mux.ServeHTTP(w, r)
	default:
		w.Header().Set("Content-Type", "application/json")
		if maxAge > 0 {
			w.Header().Set("Cache-Control", "max-age="+strconv.FormatInt(int64(maxAge/time.Second), 10))
		}
		_, _ = w.Write(body)
	}
}

func (p *Provider) discoveryLocked() []byte {
	algs := []string{}
	for _, kid := range p.published {
		if alg := p.keys[kid].alg; !slices.Contains(algs, alg) {
			algs = append(algs, alg)
		}
	}
	doc := map[string]any{
		"issuer":                                p.issuer,
		"jwks_uri":                              p.base + "/keys",
		"authorization_endpoint":                p.base + "/authorize",
		"token_endpoint":                        p.base + "/token",
		"response_types_supported":              []string{"code", "id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": algs,
	}
	for name, v := range p.discoveryFields {
		if v == nil {
			delete(doc, name)
		} else {
			doc[name] = v
		}
	}
	return mustJSON("discovery document", doc)
}

func (p *Provider) jwksLocked() []byte {
	if p.jwksBody != nil {
		return p.jwksBody
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(p.published))}
	for _, kid := range p.published {
		set.Keys = append(set.Keys, p.keys[kid].jwk())
	}
	return mustJSON("JWKS", set)
}

// quietHandshakes drops the server's "TLS handshake error" lines, which
// every test of an untrusted CA provokes, and passes the rest to w.
type quietHandshakes struct{ w io.Writer }

func (q quietHandshakes) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("http: TLS handshake error")) {
		return len(b), nil
	}
	return q.w.Write(b)
}

// gateListener closes the connections it accepts while refuse is set, for
// SetUnreachable.
type gateListener struct {
	net.Listener
	refuse *atomic.Bool
}

func (l gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.refuse.Load() {
			return c, err
		}
		_ = c.Close()
	}
}

// pipeListener is a net.Listener whose connections come from dial, one
// net.Pipe each, for Options.InMemory. Accept and dial block on channels
// only, which a synctest bubble counts as durably blocked.
type pipeListener struct {
	addr      net.Addr
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

func (l *pipeListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	var err error
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		err = net.ErrClosed
	case <-ctx.Done():
		err = ctx.Err()
	}
	_ = client.Close()
	_ = server.Close()
	return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: l.addr, Err: err}
}
