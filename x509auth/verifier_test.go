package x509auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestNewVerifierOptions(t *testing.T) {
	ca := authntest.NewCA()
	dir := t.TempDir()
	caFile := writeFile(t, dir, "ca.crt", ca.CertPEM)
	tests := []struct {
		name    string
		opts    VerifyOptions
		wantMsg string
	}{
		{name: "no CA", opts: VerifyOptions{}},
		{name: "CA file options without a path", opts: VerifyOptions{ClientCAFile: authn.FileOptions{Interval: -1}}, wantMsg: "one of ClientCA and ClientCAFile"},
		{name: "both CAs", opts: VerifyOptions{ClientCA: ca.Pool(), ClientCAFile: authn.FileOptions{Path: caFile}}},
		{name: "negative cache", opts: VerifyOptions{ClientCA: ca.Pool(), CacheSize: -1}},
		{name: "missing CA file", opts: VerifyOptions{ClientCAFile: authn.FileOptions{Path: dir + "/nope"}}},
		{name: "missing CRL file", opts: VerifyOptions{ClientCAFile: authn.FileOptions{Path: caFile}, CRLFile: authn.FileOptions{Path: dir + "/nope"}}},
		{name: "missing deny file", opts: VerifyOptions{ClientCA: ca.Pool(), DenyFile: authn.FileOptions{Path: dir + "/nope"}}},
		{name: "empty CA file", opts: VerifyOptions{ClientCAFile: authn.FileOptions{Path: writeFile(t, dir, "empty.crt", nil)}}},
		{name: "CA file over its MaxSize", opts: VerifyOptions{ClientCAFile: authn.FileOptions{Path: caFile, MaxSize: 10}}, wantMsg: "limit of 10"},
		{name: "negative CRL MaxSize", opts: VerifyOptions{ClientCA: ca.Pool(), CRLFile: authn.FileOptions{Path: caFile, MaxSize: -1}},
			wantMsg: "x509auth: CRLFile: negative MaxSize"},
		{name: "negative deny MaxSize", opts: VerifyOptions{ClientCA: ca.Pool(), DenyFile: authn.FileOptions{Path: caFile, MaxSize: -1}},
			wantMsg: "x509auth: DenyFile: negative MaxSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.opts)
			require.Error(t, err)
			assert.Nil(t, v)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

// TestVerify checks each outcome of Verify with Go-made chains.
func TestVerify(t *testing.T) {
	now := time.Now()
	root := authntest.NewCA()
	inter := root.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate CA"}})
	expiredInter := root.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "old intermediate"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)})
	other := authntest.NewCA()
	edCA := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "ed25519 CA"}, KeyType: authntest.Ed25519})

	pool := root.Pool()
	pool.AddCert(edCA.Certificate)
	v, err := NewVerifier(VerifyOptions{ClientCA: pool})
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })

	ok := root.IssueClient("jane", "dev")
	rsa := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "rsa"}, KeyType: authntest.RSA2048})
	ed := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "ed"}, KeyType: authntest.Ed25519})
	edChain := edCA.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "ed-by-ed"}, KeyType: authntest.Ed25519})
	viaInter := inter.IssueClient("via-intermediate")
	expired := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "expired"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)})
	notYet := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "future"},
		NotBefore: now.Add(time.Hour), NotAfter: now.Add(48 * time.Hour)})
	viaExpired := expiredInter.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "via-old"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour)})
	foreign := other.IssueClient("mallory", "system:masters")
	server := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "server"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	noEKU := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "no-eku"}, ExtKeyUsage: []x509.ExtKeyUsage{}})
	anyEKU := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "any"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	leafAsCA := root.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "leaf-signer"}})

	tests := []struct {
		name      string
		peers     []*x509.Certificate
		wantChain []*x509.Certificate // nil: an error is wanted
		wantErr   error
		wantAs    func(t *testing.T, err error)
	}{
		{name: "ecdsa leaf", peers: peersOf(ok), wantChain: []*x509.Certificate{ok.Certificate, root.Certificate}},
		{name: "rsa leaf", peers: peersOf(rsa), wantChain: []*x509.Certificate{rsa.Certificate, root.Certificate}},
		{name: "ed25519 leaf", peers: peersOf(ed), wantChain: []*x509.Certificate{ed.Certificate, root.Certificate}},
		{name: "ed25519 CA and leaf", peers: peersOf(edChain), wantChain: []*x509.Certificate{edChain.Certificate, edCA.Certificate}},
		{name: "intermediate sent by the client", peers: peersOf(viaInter),
			wantChain: []*x509.Certificate{viaInter.Certificate, inter.Certificate, root.Certificate}},
		{name: "leaf without extended key usage", peers: peersOf(noEKU),
			wantChain: []*x509.Certificate{noEKU.Certificate, root.Certificate}},
		{name: "leaf with any extended key usage", peers: peersOf(anyEKU),
			wantChain: []*x509.Certificate{anyEKU.Certificate, root.Certificate}},
		{name: "intermediate not sent", peers: []*x509.Certificate{viaInter.Certificate}, wantErr: ErrUnknownAuthority},
		{name: "other CA", peers: peersOf(foreign), wantErr: ErrUnknownAuthority,
			wantAs: func(t *testing.T, err error) {
				_, ok := errors.AsType[x509.UnknownAuthorityError](err)
				assert.True(t, ok, "wraps x509.UnknownAuthorityError")
			}},
		{name: "extra certificate ignored", peers: []*x509.Certificate{leafAsCA.Certificate, ok.Certificate}, wantChain: []*x509.Certificate{leafAsCA.Certificate, root.Certificate}}, // the extra certificate is not needed
		{name: "expired", peers: peersOf(expired), wantErr: authn.ErrExpired,
			wantAs: func(t *testing.T, err error) {
				e, ok := errors.AsType[*authn.ExpiredError](err)
				require.True(t, ok)
				assert.Equal(t, expired.Certificate.NotAfter, e.Expiry)
				_, ok = errors.AsType[x509.CertificateInvalidError](err)
				assert.True(t, ok, "wraps x509.CertificateInvalidError")
				assert.NotErrorIs(t, err, authn.ErrNotYetValid)
			}},
		{name: "not yet valid", peers: peersOf(notYet), wantErr: authn.ErrNotYetValid,
			wantAs: func(t *testing.T, err error) {
				e, ok := errors.AsType[*authn.NotYetValidError](err)
				require.True(t, ok)
				assert.Equal(t, notYet.Certificate.NotBefore, e.NotBefore)
				assert.NotErrorIs(t, err, authn.ErrExpired)
			}},
		{name: "expired intermediate", peers: peersOf(viaExpired), wantErr: authn.ErrExpired,
			wantAs: func(t *testing.T, err error) {
				e, ok := errors.AsType[*authn.ExpiredError](err)
				require.True(t, ok)
				assert.Equal(t, expiredInter.Certificate.NotAfter, e.Expiry)
				assert.Contains(t, err.Error(), `subject="CN=old intermediate"`)
			}},
		{name: "server auth only", peers: peersOf(server), wantErr: ErrWrongKeyUsage},
		{name: "no certificate", peers: nil, wantErr: ErrInvalidCertificate},
		{name: "nil certificate", peers: []*x509.Certificate{nil}, wantErr: ErrInvalidCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // first sight, then from the cache
				chains, expiry, err := v.Verify(tt.peers)
				if tt.wantChain != nil {
					require.NoError(t, err)
					require.NotEmpty(t, chains)
					assert.Equal(t, tt.wantChain, chains[0])
					assert.Equal(t, earliest(tt.wantChain), expiry)
					continue
				}
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, chains)
				assert.True(t, expiry.IsZero())
				ce, ok := errors.AsType[*CertificateError](err)
				require.True(t, ok, "a *CertificateError")
				if len(tt.peers) > 0 && tt.peers[0] != nil {
					assert.Equal(t, serialHex(tt.peers[0].SerialNumber), ce.Serial())
					assert.Equal(t, tt.peers[0].Subject.String(), ce.Subject())
					assert.Contains(t, err.Error(), "serial="+ce.Serial())
				}
				assert.False(t, authn.IsUnavailable(err))
				for _, other := range []error{authn.ErrExpired, authn.ErrNotYetValid, ErrUnknownAuthority, ErrWrongKeyUsage, ErrInvalidCertificate, authn.ErrRevoked} {
					if other != tt.wantErr {
						assert.NotErrorIs(t, err, other, "one kind per failure")
					}
				}
				if tt.wantAs != nil {
					tt.wantAs(t, err)
				}
			}
		})
	}
}

// earliest returns the earliest NotAfter of chain.
func earliest(chain []*x509.Certificate) time.Time {
	t := chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotAfter.Before(t) {
			t = c.NotAfter
		}
	}
	return t
}
