package x509auth

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn/authntest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// peersOf returns what a client presenting c sends: leaf, intermediates.
func peersOf(c *authntest.Cert) []*x509.Certificate {
	return append([]*x509.Certificate{c.Certificate}, c.Intermediates...)
}

// requestWith returns a request whose TLS peer certificates are peers.
func requestWith(peers ...*x509.Certificate) *http.Request {
	r := authntest.NewRequest()
	r.TLS.PeerCertificates = peers
	return r
}

// writeFile writes content to name in dir and returns the path.
func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, content, 0o600))
	return p
}

// newStatic returns a Verifier trusting ca's pool, closed at cleanup.
func newStatic(t testing.TB, ca *authntest.CA, opts VerifyOptions) *Verifier {
	t.Helper()
	opts.ClientCA = ca.Pool()
	v, err := NewVerifier(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })
	return v
}

// crlOptions describe a test CRL.
type crlOptions struct {
	revoked    []*x509.Certificate
	serials    []*big.Int
	thisUpdate time.Time
	nextUpdate time.Time
	extensions []pkix.Extension
}

// newCRL returns a DER CRL signed by ca.
func newCRL(t testing.TB, ca *authntest.CA, o crlOptions) []byte {
	t.Helper()
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number:          big.NewInt(now.UnixNano()),
		ThisUpdate:      o.thisUpdate,
		NextUpdate:      o.nextUpdate,
		ExtraExtensions: o.extensions,
	}
	if tmpl.ThisUpdate.IsZero() {
		tmpl.ThisUpdate = now.Add(-time.Minute)
	}
	if tmpl.NextUpdate.IsZero() {
		tmpl.NextUpdate = now.Add(24 * time.Hour)
	}
	for _, c := range o.revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-time.Minute)})
	}
	for _, s := range o.serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Certificate, ca.Key)
	require.NoError(t, err)
	return der
}

func pemCRL(der ...[]byte) []byte {
	var out []byte
	for _, d := range der {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: d})...)
	}
	return out
}

func pemCerts(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}
