package x509auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

// TestCABundleSwapWhileServing replaces the --client-ca-file of a serving
// server: the old CA's clients are refused from the next request on, the
// new CA's accepted; broken bundles keep the last good one.
func TestCABundleSwapWhileServing(t *testing.T) {
	caA, caB := authntest.NewCA(), authntest.NewCA()
	dir := t.TempDir()
	path := writeFile(t, dir, "ca.crt", caA.CertPEM)
	ev := reloadtest.NewEvents()
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCAFile: authn.FileOptions{Path: path, OnReload: ev.OnReload, OnError: ev.OnError}}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	srv := newTLSServer(t, a)
	alice := newTLSClient(t, srv, caA.IssueClient("alice", "dev").TLSCertificate())
	bob := newTLSClient(t, srv, caB.IssueClient("bob", "ops").TLSCertificate())

	alice.wantUser(t, "alice")
	alice.wantUser(t, "alice") // cached
	bob.wantStatus(t, http.StatusUnauthorized)

	reloadtest.Replace(t, path, string(caB.CertPEM))
	ev.WaitReload(t)
	alice.wantStatus(t, http.StatusUnauthorized)
	bob.wantUser(t, "bob")

	for name, content := range map[string]string{
		"bad base64":     "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
		"not a cert":     "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"only a key":     "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"empty":          "",
		"truncated":      string(caA.CertPEM[:len(caA.CertPEM)/2]),
		"good then torn": string(caA.CertPEM) + string(caB.CertPEM[:len(caB.CertPEM)-30]),
	} {
		reloadtest.Replace(t, path, content)
		err := ev.WaitError(t)
		assert.Contains(t, err.Error(), path, name)
		bob.wantUser(t, "bob")
		alice.wantStatus(t, http.StatusUnauthorized)
	}

	reloadtest.Replace(t, path, string(caA.CertPEM)+string(caB.CertPEM))
	ev.WaitReload(t)
	alice.wantUser(t, "alice")
	bob.wantUser(t, "bob")
}

// TestRevocationWhileServing revokes certificates through the CRL file
// and through the deny list while a server is serving them from a warm
// cache: each is refused from the next request on.
func TestRevocationWhileServing(t *testing.T) {
	ca := authntest.NewCA()
	dir := t.TempDir()
	caPath := writeFile(t, dir, "ca.crt", ca.CertPEM)
	crlPath := writeFile(t, dir, "ca.crl", pemCRL(newCRL(t, ca, crlOptions{})))
	denyPath := writeFile(t, dir, "deny", []byte("# nothing denied yet\n"))
	ev := reloadtest.NewEvents()
	v, err := NewVerifier(VerifyOptions{
		ClientCAFile: authn.FileOptions{Path: caPath, OnReload: ev.OnReload, OnError: ev.OnError},
		CRLFile:      authn.FileOptions{Path: crlPath, OnReload: ev.OnReload, OnError: ev.OnError},
		DenyFile:     authn.FileOptions{Path: denyPath, OnReload: ev.OnReload, OnError: ev.OnError},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })
	a := NewWithVerifier(v, nil)
	srv := newTLSServer(t, a)

	jane := ca.IssueClient("jane", "dev")
	bob := ca.IssueClient("bob")
	carol := ca.IssueClient("carol")
	clients := map[string]*tlsClient{}
	for name, c := range map[string]*authntest.Cert{"jane": jane, "bob": bob, "carol": carol} {
		clients[name] = newTLSClient(t, srv, c.TLSCertificate())
		for range 3 {
			clients[name].wantUser(t, name)
		}
	}
	warm := v.verifications.Load()
	require.Equal(t, uint64(3), warm, "one verification per chain, then cache hits")

	// The CRL file: jane revoked.
	reloadtest.Replace(t, crlPath, string(pemCRL(newCRL(t, ca, crlOptions{revoked: []*x509.Certificate{jane.Certificate}}))))
	ev.WaitReload(t)
	clients["jane"].wantStatus(t, http.StatusUnauthorized)
	clients["bob"].wantUser(t, "bob")
	_, _, err = a.AuthenticateRequest(jane.NewRequest())
	require.ErrorIs(t, err, authn.ErrRevoked)
	re, ok := errors.AsType[*RevokedError](err)
	require.True(t, ok)
	assert.Equal(t, RevokedError{Certificate: jane.Certificate,
		Fingerprint: sha256.Sum256(jane.Certificate.Raw), Leaf: true, Source: "crl"}, *re)
	assert.Equal(t, serialHex(jane.Certificate.SerialNumber), re.Serial())
	assert.Equal(t, "CN=jane,O=dev", re.Subject())
	assert.Contains(t, err.Error(), `subject="CN=jane,O=dev"`)

	// The deny list: bob by fingerprint, carol by serial (colon form).
	sum := sha256.Sum256(bob.Certificate.Raw)
	serial := serialHex(carol.Certificate.SerialNumber)
	var colons []byte
	for i := 0; i < len(serial); i += 2 {
		if i > 0 {
			colons = append(colons, ':')
		}
		colons = append(colons, serial[i:i+2]...)
	}
	reloadtest.Replace(t, denyPath, "sha256:"+hex.EncodeToString(sum[:])+"\n"+string(colons)+" # carol\n")
	ev.WaitReload(t)
	clients["bob"].wantStatus(t, http.StatusUnauthorized)
	clients["carol"].wantStatus(t, http.StatusUnauthorized)
	clients["jane"].wantStatus(t, http.StatusUnauthorized)
	assert.Equal(t, warm, v.verifications.Load(), "revocations applied to cached chains, without verifying again")

	// A broken CRL file keeps the previous CRL: jane stays revoked.
	reloadtest.Replace(t, crlPath, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
	require.Error(t, ev.WaitError(t))
	clients["jane"].wantStatus(t, http.StatusUnauthorized)

	// Emptying the deny list lets bob and carol back in.
	reloadtest.Replace(t, denyPath, "")
	ev.WaitReload(t)
	clients["bob"].wantUser(t, "bob")
	clients["carol"].wantUser(t, "carol")
}

// TestCARotationRereadsCRL: a CRL from a new CA that shares the old one's
// name is refused until the CA bundle holds the new CA; the CA reload then
// reads the CRL file again.
func TestCARotationRereadsCRL(t *testing.T) {
	oldCA, newCA := authntest.NewCA(), authntest.NewCA() // same subject name
	require.Equal(t, oldCA.Certificate.Subject.String(), newCA.Certificate.Subject.String())
	dir := t.TempDir()
	caPath := writeFile(t, dir, "ca.crt", oldCA.CertPEM)
	crlPath := writeFile(t, dir, "ca.crl", newCRL(t, oldCA, crlOptions{}))
	ev := reloadtest.NewEvents()
	v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: caPath, OnReload: ev.OnReload, OnError: ev.OnError}, CRLFile: authn.FileOptions{Path: crlPath, OnReload: ev.OnReload, OnError: ev.OnError}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })

	revoked := newCA.IssueClient("revoked")
	reloadtest.Replace(t, crlPath, string(newCRL(t, newCA, crlOptions{revoked: []*x509.Certificate{revoked.Certificate}})))
	err = ev.WaitError(t)
	require.ErrorIs(t, err, errCRLNotFromCA)

	reloadtest.Replace(t, caPath, string(newCA.CertPEM))
	ev.WaitReload(t) // the CA bundle
	ev.WaitReload(t) // the CRL, read again
	_, _, err = v.Verify(peersOf(revoked))
	require.ErrorIs(t, err, authn.ErrRevoked)
	_, _, err = v.Verify(peersOf(newCA.IssueClient("fine")))
	require.NoError(t, err)
}

// TestCRLOfReissuedRoot: a root re-issued with the same subject and key
// but without the CRL-signing key usage, listed first in the bundle, does
// not hide the CRL of the original root, which has it: the leaf the CRL
// revokes is refused, whichever root its chains go through.
func TestCRLOfReissuedRoot(t *testing.T) {
	root := authntest.NewCA()
	require.NotZero(t, root.Certificate.KeyUsage&x509.KeyUsageCRLSign)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: root.Certificate.Subject,
		NotBefore: root.Certificate.NotBefore, NotAfter: root.Certificate.NotAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, // no CRL signing
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, root.Key.Public(), root.Key)
	require.NoError(t, err)
	reissued, err := x509.ParseCertificate(der)
	require.NoError(t, err)

	revokedLeaf := root.IssueClient("revoked")
	dir := t.TempDir()
	caPath := writeFile(t, dir, "ca.crt", pemCerts(reissued, root.Certificate))
	crlPath := writeFile(t, dir, "ca.crl", pemCRL(newCRL(t, root, crlOptions{revoked: []*x509.Certificate{revokedLeaf.Certificate}})))
	v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: caPath}, CRLFile: authn.FileOptions{Path: crlPath}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })

	_, err = v.verify(peersOf(revokedLeaf), time.Now())
	require.ErrorIs(t, err, authn.ErrRevoked)
	re, ok := errors.AsType[*RevokedError](err)
	require.True(t, ok)
	assert.Equal(t, "crl", re.Source)
	assert.Same(t, revokedLeaf.Certificate, re.Certificate)

	chains, _, err := v.Verify(peersOf(root.IssueClient("fine")))
	require.NoError(t, err)
	issuers := map[*x509.Certificate]bool{}
	for _, c := range chains {
		issuers[c[1]] = true
	}
	assert.Len(t, issuers, 2, "the leaf chains to both roots: the test covers both")
}

// TestStaleCRL: a CRL whose nextUpdate passes while serving makes the
// certificates of its issuer uncheckable (ErrUnavailable, a 503), not
// accepted; a certificate it lists stays revoked. Certificates of other
// issuers are not affected.
func TestStaleCRL(t *testing.T) {
	long := authntest.CertOptions{NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	root := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}, NotAfter: long.NotAfter})
	inter := root.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}, NotAfter: long.NotAfter})
	dir := t.TempDir()
	caPath := writeFile(t, dir, "ca.crt", root.CertPEM)
	good := inter.Issue(authntest.CertOptions{NotAfter: long.NotAfter})
	bad := inter.Issue(authntest.CertOptions{NotAfter: long.NotAfter})
	direct := root.Issue(authntest.CertOptions{NotAfter: long.NotAfter})
	next := time.Now().Add(time.Hour)
	crlPath := writeFile(t, dir, "ca.crl", pemCRL(newCRL(t, inter, crlOptions{nextUpdate: next, revoked: []*x509.Certificate{bad.Certificate}})))
	v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: caPath}, CRLFile: authn.FileOptions{Path: crlPath}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })

	now := time.Now()
	_, err = v.verify(peersOf(good), now)
	require.NoError(t, err)
	_, err = v.verify(peersOf(bad), now)
	require.ErrorIs(t, err, authn.ErrRevoked, "an intermediate's CRL applies to chains through it")

	later := next.Add(time.Second)
	_, err = v.verify(peersOf(good), later)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	assert.True(t, authn.IsUnavailable(err))
	assert.Contains(t, err.Error(), "out of date")
	_, err = v.verify(peersOf(bad), later)
	require.ErrorIs(t, err, authn.ErrRevoked)
	assert.False(t, authn.IsUnavailable(err))
	_, err = v.verify(peersOf(direct), later)
	require.NoError(t, err, "the root has no CRL in the file")

	// A CRL that is already out of date is refused at load.
	stale := writeFile(t, dir, "stale.crl", pemCRL(newCRL(t, root, crlOptions{thisUpdate: now.Add(-2 * time.Hour), nextUpdate: now.Add(-time.Hour)})))
	_, err = NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: caPath}, CRLFile: authn.FileOptions{Path: stale}})
	require.ErrorIs(t, err, errCRLOutOfDate)
}

// TestReload: Reload reads every file at once, so that a revocation is in
// force when it returns; a file that fails keeps its previous content,
// and its failure goes to that file's OnError and comes back from Reload,
// joined with the others.
func TestReload(t *testing.T) {
	ca := authntest.NewCA()
	dir := t.TempDir()
	caPath := writeFile(t, dir, "ca.crt", ca.CertPEM)
	crlPath := writeFile(t, dir, "ca.crl", newCRL(t, ca, crlOptions{}))
	denyPath := writeFile(t, dir, "deny", nil)
	reported := map[string][]error{}
	var mu sync.Mutex
	file := func(path string) authn.FileOptions {
		return authn.FileOptions{Path: path, Interval: -1, OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			reported[path] = append(reported[path], err)
		}}
	}
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCAFile: file(caPath), CRLFile: file(crlPath), DenyFile: file(denyPath)}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	jane, bob := ca.IssueClient("jane"), ca.IssueClient("bob")
	for _, c := range []*authntest.Cert{jane, bob} {
		resp, ok, err := a.AuthenticateRequest(c.NewRequest())
		authntest.AssertUser(t, authn.UserInfo{Name: c.Certificate.Subject.CommonName, Extra: credentialID(c.Certificate)}, resp, ok, err)
	}

	sum := sha256.Sum256(jane.Certificate.Raw)
	require.NoError(t, os.WriteFile(denyPath, []byte(hex.EncodeToString(sum[:])+"\n"), 0o600))
	require.NoError(t, os.WriteFile(crlPath, newCRL(t, ca, crlOptions{revoked: []*x509.Certificate{bob.Certificate}}), 0o600))
	require.NoError(t, a.Reload())
	for _, c := range []*authntest.Cert{jane, bob} {
		_, _, err = a.AuthenticateRequest(c.NewRequest())
		require.ErrorIs(t, err, authn.ErrRevoked, "revoked when Reload returns")
	}

	require.NoError(t, os.WriteFile(denyPath, []byte("not an entry\n"), 0o600))
	require.NoError(t, os.WriteFile(crlPath, []byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), 0o600))
	err = a.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), denyPath)
	assert.Contains(t, err.Error(), crlPath)
	mu.Lock()
	assert.Len(t, reported[denyPath], 1, "each file's own OnError")
	assert.Len(t, reported[crlPath], 1)
	assert.Empty(t, reported[caPath])
	mu.Unlock()
	for _, c := range []*authntest.Cert{jane, bob} {
		_, _, err = a.AuthenticateRequest(c.NewRequest())
		require.ErrorIs(t, err, authn.ErrRevoked, "the previous deny list and CRL keep serving")
	}

	assert.NoError(t, NewWithVerifier(a.v, nil).Reload(), "a shared Verifier is its owner's to reload")
	static, err := NewVerifier(VerifyOptions{ClientCA: ca.Pool()})
	require.NoError(t, err)
	assert.NoError(t, static.Reload(), "no file, nothing to reload")
}

// TestCloseStopsWatchers: Close ends every watcher goroutine, is
// idempotent, and leaves the last snapshots in use.
func TestCloseStopsWatchers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ca := authntest.NewCA()
	dir := t.TempDir()
	v, err := NewVerifier(VerifyOptions{
		ClientCAFile: authn.FileOptions{Path: writeFile(t, dir, "ca.crt", ca.CertPEM), Interval: time.Millisecond},
		CRLFile:      authn.FileOptions{Path: writeFile(t, dir, "ca.crl", newCRL(t, ca, crlOptions{})), Interval: time.Millisecond},
		DenyFile:     authn.FileOptions{Path: writeFile(t, dir, "deny", nil), Interval: time.Millisecond},
	})
	require.NoError(t, err)
	require.NoError(t, v.Close())
	require.NoError(t, v.Close())
	_, _, err = v.Verify(peersOf(ca.IssueClient("jane")))
	require.NoError(t, err)

	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCAFile: authn.FileOptions{Path: writeFile(t, dir, "ca2.crt", ca.CertPEM)}}})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
}
