package x509auth

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Client certificates sent over real TLS are reported before they are
// verified, as Kubernetes observes them, with their remaining validity.
func TestObserverClientCertificates(t *testing.T) {
	ca, stranger := authntest.NewCA(), authntest.NewCA()
	dir := t.TempDir()
	crlPath := writeFile(t, dir, "ca.crl", pemCRL(newCRL(t, ca, crlOptions{})))
	rec := authntest.NewRecorder()
	a, err := New(Options{VerifyOptions: VerifyOptions{
		ClientCAFile: authn.FileOptions{Path: writeFile(t, dir, "ca.crt", ca.CertPEM), Interval: -1},
		CRLFile:      authn.FileOptions{Path: crlPath, Interval: -1},
		Logger:       slog.New(slog.DiscardHandler),
		Observer:     rec.Observer(),
	}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	srv := newTLSServer(t, a)

	now := time.Now()
	valid := ca.IssueClient("jane", "dev")
	expired := ca.Issue(authntest.CertOptions{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)})
	unknown := stranger.IssueClient("mallory")
	tests := []struct {
		name         string
		cert         *authntest.Cert
		wantStatus   int
		wantVerified bool
	}{
		{"valid", valid, http.StatusOK, true},
		{"valid again, from the chain cache", valid, http.StatusOK, true},
		{"expired", expired, http.StatusUnauthorized, false},
		{"unknown authority", unknown, http.StatusUnauthorized, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.ClientCertificate())
			start := time.Now()
			status, _ := newTLSClient(t, srv, tt.cert.TLSCertificate()).get(t)
			end := time.Now()
			require.Equal(t, tt.wantStatus, status)
			events := rec.ClientCertificate()
			require.Len(t, events, before+1, "one event per request")
			got := events[before]
			assert.Equal(t, tt.wantVerified, got.Verified)
			notAfter := tt.cert.Certificate.NotAfter
			assert.True(t, got.Remaining <= notAfter.Sub(start) && got.Remaining >= notAfter.Sub(end),
				"Remaining %v is NotAfter minus the time of the request", got.Remaining)
		})
	}
	assert.Negative(t, rec.ClientCertificate()[2].Remaining, "an expired certificate has negative validity left")

	// A request without a client certificate reports nothing.
	before := len(rec.ClientCertificate())
	res, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Len(t, rec.ClientCertificate(), before)

	// The files: one load each, and their health.
	events := rec.Reload()
	require.Len(t, events, 2)
	assert.Equal(t, []string{"x509auth", "x509auth"}, []string{events[0].Component, events[1].Component})
	assert.Equal(t, 1, events[0].Entries, "one CA certificate")
	assert.Equal(t, 0, events[1].Entries, "no certificate revoked")
	health := a.Health()
	require.Len(t, health, 2)
	assert.Equal(t, crlPath, health[1].Path)
	assert.Equal(t, events[1].ContentHash, health[1].ContentHash)
}

// A deny list reports its entries; an Authenticator sharing a Verifier
// leaves the files' health to its owner but reports certificates.
func TestObserverDenyListAndSharedVerifier(t *testing.T) {
	ca := authntest.NewCA()
	jane := ca.IssueClient("jane")
	deny := writeFile(t, t.TempDir(), "deny", fmt.Appendf(nil, "# jane\n%x\nserial=01\n", jane.Certificate.SerialNumber))
	var certs atomic.Int64
	rec := authntest.NewRecorder()
	obs := rec.Observer()
	obs.ClientCertificate = func(e authn.ClientCertificateEvent) {
		if !e.Verified {
			certs.Add(1)
		}
	}
	v := newStatic(t, ca, VerifyOptions{DenyFile: authn.FileOptions{Path: deny, Interval: -1}, Logger: slog.New(slog.DiscardHandler), Observer: obs})
	events := rec.Reload()
	require.Len(t, events, 1)
	assert.Equal(t, 2, events[0].Entries)
	assert.Equal(t, []authn.FileHealth{v.deny.Health()}, v.Health())

	a := NewWithVerifier(v, nil)
	assert.Nil(t, a.Health(), "the owner of the Verifier reports its files")
	_, _, err := a.AuthenticateRequest(jane.NewRequest())
	require.ErrorIs(t, err, authn.ErrRevoked)
	assert.EqualValues(t, 1, certs.Load(), "a denied certificate is reported, not verified")

	// A chain without a leaf is refused, and there is nothing to report.
	_, _, err = a.AuthenticateRequest(requestWith(nil))
	require.ErrorIs(t, err, ErrInvalidCertificate)
	assert.EqualValues(t, 1, certs.Load())
}

// A client certificate seen before costs no allocation with an observer
// either.
func TestObserverCachedCertificateDoesNotAllocate(t *testing.T) {
	ca := authntest.NewCA()
	var remaining atomic.Int64
	obs := &authn.Observer{ClientCertificate: func(e authn.ClientCertificateEvent) { remaining.Store(int64(e.Remaining)) }}
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool(), Observer: obs}})
	require.NoError(t, err)
	defer a.Close()
	c := ca.IssueClient("jane", "dev")
	_, ok, err := a.AuthenticateRequest(c.NewRequest())
	require.True(t, ok)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = a.AuthenticateRequest(c.NewRequest()) })
	reqAllocs := testing.AllocsPerRun(100, func() { _ = c.NewRequest() })
	assert.Zero(t, allocs-reqAllocs)
	assert.Positive(t, remaining.Load())
}

// Chain checks say whether the caches of verified and failed chains
// answered, over real TLS.
func TestObserverChainChecks(t *testing.T) {
	ca, stranger := authntest.NewCA(), authntest.NewCA()
	rec := authntest.NewRecorder()
	a, err := New(Options{VerifyOptions: VerifyOptions{
		ClientCAFile: authn.FileOptions{Path: writeFile(t, t.TempDir(), "ca.crt", ca.CertPEM), Interval: -1},
		Logger:       slog.New(slog.DiscardHandler),
		Observer:     rec.Observer(),
	}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	srv := newTLSServer(t, a)
	valid, unknown := ca.IssueClient("jane"), stranger.IssueClient("mallory")
	for _, c := range []*authntest.Cert{valid, valid, unknown, unknown} {
		newTLSClient(t, srv, c.TLSCertificate()).get(t)
	}
	assert.Equal(t, []authn.ChainCheckEvent{
		{Cached: false, OK: true}, {Cached: true, OK: true},
		{Cached: false, OK: false}, {Cached: true, OK: false},
	}, rec.ChainCheck())
}
