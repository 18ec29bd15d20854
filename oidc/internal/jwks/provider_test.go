package jwks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/internal/keyload"
)

const discoveryPath = "/.well-known/openid-configuration"

// provider is a small OpenID provider: discovery plus a JWKS, with knobs
// for failures. Its state is guarded by mu; use set to change it.
type provider struct {
	mu           sync.Mutex
	url          string
	issuer       string // discovery's "issuer"; empty: url
	jwksPath     string // where discovery points and keys are served
	keys         []jose.JSONWebKey
	cacheControl string
	age          string
	down         int    // non-zero: every request gets this status
	retryAfter   string // sent with down
	jwksStatus   int    // non-zero: the JWKS gets this status
	discoBody    []byte // non-nil: the raw discovery body
	jwksBody     []byte // non-nil: the raw JWKS body
	statusBody   []byte // body of error responses
	gate         chan struct{}
	requests     []request
}

type request struct {
	path string
	at   time.Time
}

func (p *provider) set(f func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *provider) setKeys(keys ...jose.JSONWebKey) {
	p.set(func(p *provider) { p.keys = keys })
}

// block makes JWKS requests wait until unblock.
func (p *provider) block() { p.set(func(p *provider) { p.gate = make(chan struct{}) }) }

func (p *provider) unblock() {
	p.set(func(p *provider) {
		if p.gate != nil {
			close(p.gate)
			p.gate = nil
		}
	})
}

// hits counts requests: discovery ones and the others (JWKS).
func (p *provider) hits() (discovery, jwks int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.requests {
		if r.path == discoveryPath {
			discovery++
		} else {
			jwks++
		}
	}
	return discovery, jwks
}

func (p *provider) jwksHits() int { _, n := p.hits(); return n }

// times lists when requests to path arrived.
func (p *provider) times(path string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ts []time.Time
	for _, r := range p.requests {
		if r.path == path {
			ts = append(ts, r.at)
		}
	}
	return ts
}

func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, request{path: r.URL.Path, at: time.Now()})
	if p.down != 0 {
		if p.retryAfter != "" {
			w.Header().Set("Retry-After", p.retryAfter)
		}
		status, body := p.down, p.statusBody
		p.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	switch r.URL.Path {
	case discoveryPath:
		body := p.discoBody
		if body == nil {
			iss := p.issuer
			if iss == "" {
				iss = p.url
			}
			body, _ = json.Marshal(map[string]string{"issuer": iss, "jwks_uri": p.url + p.jwksPath})
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case p.jwksPath:
		gate, status, body := p.gate, p.jwksStatus, p.jwksBody
		if body == nil {
			body, _ = json.Marshal(jose.JSONWebKeySet{Keys: p.keys})
		}
		if status != 0 {
			body = p.statusBody
		}
		if p.cacheControl != "" {
			w.Header().Set("Cache-Control", p.cacheControl)
		}
		if p.age != "" {
			w.Header().Set("Age", p.age)
		}
		p.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if status != 0 {
			w.WriteHeader(status)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	default:
		p.mu.Unlock()
		http.NotFound(w, r)
	}
}

// newTLSProvider serves a provider over real TLS on loopback, for tests
// without timing.
func newTLSProvider(t testing.TB) (*provider, *http.Client) {
	t.Helper()
	p := &provider{jwksPath: "/keys"}
	srv := httptest.NewTLSServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(p.unblock)
	p.url = srv.URL
	return p, srv.Client()
}

// newBubbleProvider serves a provider over TLS on in-memory pipes, for use
// inside a synctest bubble: goroutines blocked on loopback sockets are not
// durably blocked, goroutines blocked on net.Pipe are. The server, its TLS
// and the client transport are the real ones.
func newBubbleProvider(t testing.TB) (*provider, *http.Client) {
	t.Helper()
	p := &provider{jwksPath: "/keys"}
	srv := httptest.NewUnstartedServer(p)
	require.NoError(t, srv.Listener.Close())
	l := &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	srv.Listener = l
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(p.unblock)
	srv.Client().Transport.(*http.Transport).DialContext = l.dial
	p.url = srv.URL
	return p, srv.Client()
}

// pipeListener is a net.Listener whose connections are net.Pipe pairs.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	srv, cli := net.Pipe()
	select {
	case l.conns <- srv:
		return cli, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	srv.Close()
	cli.Close()
	return nil, net.ErrClosed
}

// pipeAddr is the listener's address; the test certificate is valid for
// 127.0.0.1.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "127.0.0.1:443" }

// newSet starts a Set against p, closed at cleanup (before the server).
func newSet(t testing.TB, p *provider, client *http.Client, opts Options) *Set {
	t.Helper()
	opts.IssuerURL = p.url
	opts.Client = client
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// errorLog records OnError calls.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorLog) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *errorLog) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

func ecKey(t testing.TB, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

func rsaKey(t testing.TB, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}
}

func edKey(t testing.TB, kid string) jose.JSONWebKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: "EdDSA", Use: "sig"}
}

// kids lists the key IDs of keys, in order.
func kids(keys []keyload.Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.KeyID)
	}
	return out
}
