package x509auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload"
)

func TestParseBundle(t *testing.T) {
	a, b := authntest.NewCA(), authntest.NewCA()
	key := "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name      string
		data      string
		wantCerts []*x509.Certificate
		wantErr   string // substring; empty: success
	}{
		{name: "one", data: string(a.CertPEM), wantCerts: []*x509.Certificate{a.Certificate}},
		{name: "two in order", data: string(b.CertPEM) + string(a.CertPEM), wantCerts: []*x509.Certificate{b.Certificate, a.Certificate}},
		{name: "text and other blocks skipped", data: "subject=CN=a\n" + key + string(a.CertPEM) + "trailing\n",
			wantCerts: []*x509.Certificate{a.Certificate}},
		{name: "CRLF", data: strings.ReplaceAll(string(a.CertPEM), "\n", "\r\n"), wantCerts: []*x509.Certificate{a.Certificate}},
		{name: "empty", data: "", wantErr: "no PEM CERTIFICATE block"},
		{name: "only a key", data: key, wantErr: "no PEM CERTIFICATE block"},
		{name: "DER is not PEM", data: string(a.Certificate.Raw), wantErr: "no PEM CERTIFICATE block"},
		{name: "bad base64", data: string(a.CertPEM) + "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n", wantErr: "ca.crt: line " + itoa(1+strings.Count(string(a.CertPEM), "\n")) + ": malformed PEM block"},
		{name: "torn", data: string(a.CertPEM[:len(a.CertPEM)-20]), wantErr: "line 1: malformed PEM block"},
		{name: "torn before a good one", data: string(a.CertPEM[:100]) + "\n" + string(b.CertPEM), wantErr: "line 1: malformed PEM block"},
		{name: "not a certificate", data: "\n\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", wantErr: "line 3: certificate 1: x509:"},
		{name: "headers", data: "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----\n", wantErr: "no PEM CERTIFICATE block"},
		{name: "BEGIN inside a line is text", data: "x-----BEGIN CERTIFICATE-----\n" + string(a.CertPEM), wantCerts: []*x509.Certificate{a.Certificate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, err := parseBundle("ca.crt", []byte(tt.data))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.True(t, strings.HasPrefix(err.Error(), "ca.crt: "), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantCerts, certs)
		})
	}
}

func TestParseDenyList(t *testing.T) {
	hexSum := "5a5d1ef9b0f2b5aa1d3a1a2ec8a0d0bb9d3ee5c6e5a4d0d7ec9e7b6f1f0c0a0b"
	sum1 := mustSum(hexSum)
	sum2 := sha256.Sum256([]byte("cert"))
	pairs := make([]string, len(sum2))
	for i, b := range sum2 {
		pairs[i] = strings.ToUpper(hex.EncodeToString([]byte{b}))
	}
	colonSum := strings.Join(pairs, ":")     // as openssl -fingerprint prints it
	max20 := "7f" + strings.Repeat("ff", 19) // the largest 20-octet serial
	tests := []struct {
		name        string
		data        string
		wantSerials []*big.Int
		wantSums    [][sha256.Size]byte
		wantErr     string
	}{
		{name: "empty", data: ""},
		{name: "comments and blanks", data: "# deny list\n\n   \n\t# indented comment\n"},
		{name: "serials", data: "1\n0A\n0a:1B\n  00ff  \n", wantSerials: []*big.Int{big.NewInt(1), big.NewInt(10), big.NewInt(0x0a1b), big.NewInt(255)}},
		{name: "trailing comment", data: "2A # leaked laptop\n", wantSerials: []*big.Int{big.NewInt(42)}},
		{name: "openssl -serial", data: "serial=0A1B\nSERIAL=0c\n", wantSerials: []*big.Int{big.NewInt(0x0a1b), big.NewInt(12)}},
		{name: "sha256: fingerprints", data: "sha256:" + hexSum + "\nSHA256:" + colonSum + "\r\n", wantSums: [][sha256.Size]byte{sum1, sum2}},
		{name: "bare 64 digits are a fingerprint", data: hexSum + "\n", wantSums: [][sha256.Size]byte{sum1}},
		{name: "bare 64 digits with colons are a fingerprint", data: colonSum + "\n", wantSums: [][sha256.Size]byte{sum2}},
		{name: "sha256sum of standard input", data: hexSum + "  -\n" + strings.ToUpper(hex.EncodeToString(sum2[:])) + " *-\n", wantSums: [][sha256.Size]byte{sum1, sum2}},
		{name: "openssl 3 -fingerprint -sha256", data: "sha256 Fingerprint=" + colonSum + "\n", wantSums: [][sha256.Size]byte{sum2}},
		{name: "openssl 1.1 -fingerprint -sha256", data: "SHA256 Fingerprint=" + colonSum + "\n", wantSums: [][sha256.Size]byte{sum2}},
		{name: "20-octet serial", data: max20 + "\n", wantSerials: []*big.Int{mustHex(max20)}},
		{name: "20-octet serial with leading zeros", data: "0000" + max20 + "\n", wantSerials: []*big.Int{mustHex(max20)}},
		{name: "21-octet serial: high bit of 20 octets", data: "80" + strings.Repeat("00", 19) + "\n", wantErr: "line 1: serial number: longer than the 20 octets"},
		{name: "21-octet serial", data: "01" + strings.Repeat("00", 20) + "\n", wantErr: "line 1: serial number: longer than"},
		{name: "serial= with 64 digits is a serial, too long", data: "serial=" + hexSum + "\n", wantErr: "line 1: serial number: longer than"},
		{name: "zero serial", data: "1\n00\n", wantErr: "line 2: serial number: zero"},
		{name: "serial= without digits", data: "serial=\n", wantErr: "line 1: serial number: want"},
		{name: "negative serial as openssl prints it", data: "serial=-01\n", wantErr: "line 1: serial number: want"},
		{name: "65 digits", data: hexSum + "0\n", wantErr: "line 1: serial number: longer than"},
		{name: "not hex", data: "\nxyz\n", wantErr: "line 2: not a deny-list entry"},
		{name: "bad colons", data: "0:a\n", wantErr: "line 1: not a deny-list entry"},
		{name: "double colon", data: "0a::1b\n", wantErr: "line 1: not a deny-list entry"},
		{name: "short fingerprint", data: "sha256:abcd\n", wantErr: "line 1: fingerprint"},
		{name: "long fingerprint", data: "sha256:" + hexSum + "00\n", wantErr: "line 1: fingerprint"},
		{name: "empty fingerprint", data: "sha256:\n", wantErr: "line 1: fingerprint"},
		{name: "short openssl fingerprint", data: "sha256 Fingerprint=AB:CD\n", wantErr: "line 1: fingerprint"},
		{name: "sha1 fingerprint", data: "sha1:" + hexSum[:40] + "\n", wantErr: "line 1: not a deny-list entry"},
		{name: "openssl sha1 fingerprint", data: "SHA1 Fingerprint=" + colonSum[:59] + "\n", wantErr: "line 1: not a deny-list entry"},
		{name: "sha256sum of a file", data: hexSum + "  cert.pem\n", wantErr: "line 1: fingerprint: a sha256sum of a file"},
		{name: "sha256sum of stdin, short", data: "abcd  -\n", wantErr: "line 1: fingerprint: want 64"},
		{name: "two entries on a line", data: "0a 0b\n", wantErr: "line 1: not a deny-list entry"},
		{name: "the package documentation's example", data: "# leaked laptop of jane, 2025-03-02:\n" +
			"#   openssl x509 -in jane.crt -outform DER | sha256sum\n" +
			"d7dfe37dd949decd8675f853655a06bc97a7155c4569107c8e0fa37bb07323e0  -\n" +
			"#   openssl x509 -in bob.crt -noout -fingerprint -sha256\n" +
			"sha256 Fingerprint=5A:5D:1E:F9:B0:F2:B5:AA:1D:3A:1A:2E:C8:A0:D0:BB:9D:3E:E5:C6:E5:A4:D0:D7:EC:9E:7B:6F:1F:0C:0A:0B\n" +
			"#   openssl x509 -in carol.crt -noout -serial\n" +
			"serial=6AEC95B308E84BFA00BC19AB37EBD3D7D394FCED\n",
			wantSums:    [][sha256.Size]byte{mustSum("d7dfe37dd949decd8675f853655a06bc97a7155c4569107c8e0fa37bb07323e0"), sum1},
			wantSerials: []*big.Int{mustHex("6AEC95B308E84BFA00BC19AB37EBD3D7D394FCED")}},
		{name: "line too long", data: "# " + strings.Repeat("x", maxDenyLine) + "\n", wantErr: "line 1: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := parseDenyList("deny", []byte(tt.data))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "deny: "+tt.wantErr)
				assert.Nil(t, d)
				return
			}
			require.NoError(t, err)
			want := map[string]struct{}{}
			for _, s := range tt.wantSerials {
				want[serialKey(s)] = struct{}{}
			}
			assert.Equal(t, want, d.serials)
			wantSums := map[[sha256.Size]byte]struct{}{}
			for _, s := range tt.wantSums {
				wantSums[s] = struct{}{}
			}
			assert.Equal(t, wantSums, d.sums)
		})
	}
}

func mustSum(s string) [sha256.Size]byte {
	var sum [sha256.Size]byte
	if _, err := hex.Decode(sum[:], []byte(s)); err != nil {
		panic(err)
	}
	return sum
}

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

func TestParseCRLs(t *testing.T) {
	ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}})
	sameName := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}})
	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}})
	bundle := &caBundle{certs: []*x509.Certificate{ca.Certificate}}
	now := time.Now()
	leaf := ca.IssueClient("x")
	one := newCRL(t, ca, crlOptions{revoked: []*x509.Certificate{leaf.Certificate}})
	two := newCRL(t, ca, crlOptions{serials: []*big.Int{big.NewInt(7)}})
	fromInter := newCRL(t, inter, crlOptions{})
	stale := newCRL(t, ca, crlOptions{thisUpdate: now.Add(-2 * time.Hour), nextUpdate: now.Add(-time.Hour)})
	forged := newCRL(t, sameName, crlOptions{})
	critical := newCRL(t, ca, crlOptions{extensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 1}}}})
	certPEM := string(ca.CertPEM)

	tests := []struct {
		name        string
		data        []byte
		bundle      *caBundle
		wantCount   int
		wantRevoked int
		wantErr     error
		wantMsg     string
	}{
		{name: "PEM", data: pemCRL(one), wantCount: 1, wantRevoked: 1},
		{name: "PEM, two, text between", data: append(append(pemCRL(one), "note\n"...), pemCRL(two)...), wantCount: 2, wantRevoked: 2},
		{name: "DER", data: one, wantCount: 1, wantRevoked: 1},
		{name: "DER, two back to back", data: append(append([]byte{}, one...), two...), wantCount: 2, wantRevoked: 2},
		{name: "an intermediate's", data: fromInter, wantCount: 1},
		{name: "static pool: no eager signature check", data: forged, bundle: &caBundle{}, wantCount: 1},
		{name: "empty", data: nil, wantErr: errNoCRL},
		{name: "PEM without CRL", data: []byte("hello\n"), wantErr: errCRLTrailingDER, wantMsg: "byte 0"},
		{name: "certificate block", data: []byte(certPEM), wantErr: errCRLPEMType, wantMsg: "line 1"},
		{name: "DER with trailing garbage", data: append(append([]byte{}, one...), 0x30), wantErr: errCRLTrailingDER, wantMsg: "byte " + itoa(len(one))},
		{name: "stale", data: stale, wantErr: errCRLOutOfDate, wantMsg: `CRL 1 (byte 0) issuer "CN=root"`},
		{name: "signed by another CA of the same name", data: pemCRL(one, forged), wantErr: errCRLNotFromCA, wantMsg: "CRL 2 (line"},
		{name: "critical extension", data: critical, wantErr: errCRLCritical, wantMsg: "2.5.29.27"},
		{name: "bad DER CRL", data: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, wantMsg: "CRL 1 (byte 0): x509:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := bundle
			if tt.bundle != nil {
				b = tt.bundle
			}
			s, err := parseCRLs("ca.crl", tt.data, b, now)
			if tt.wantErr != nil || tt.wantMsg != "" {
				require.Error(t, err)
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
				}
				assert.Contains(t, err.Error(), tt.wantMsg)
				assert.True(t, strings.HasPrefix(err.Error(), "ca.crl: "), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantCount, s.count)
			assert.Equal(t, tt.wantRevoked, s.revoked)
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// TestCRLForIssuer checks which CRLs apply to which CA, and that the
// answer is remembered.
func TestCRLForIssuer(t *testing.T) {
	ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}})
	rotated := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}})
	other := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "other"}})
	now := time.Now()
	data := append(newCRL(t, ca, crlOptions{serials: []*big.Int{big.NewInt(1)}, nextUpdate: now.Add(time.Hour)}),
		newCRL(t, ca, crlOptions{serials: []*big.Int{big.NewInt(2)}, nextUpdate: now.Add(2 * time.Hour)})...)
	data = append(data, newCRL(t, rotated, crlOptions{serials: []*big.Int{big.NewInt(3)}})...)
	s, err := parseCRLs("", data, nil, now)
	require.NoError(t, err)

	r := s.forIssuer(keyOfIssuer(ca.Certificate), ca.Certificate)
	require.NotNil(t, r)
	assert.Equal(t, map[string]struct{}{serialKey(big.NewInt(1)): {}, serialKey(big.NewInt(2)): {}}, r.revoked, "the union of the CA's CRLs")
	assert.WithinDuration(t, now.Add(2*time.Hour), r.nextUpdate, time.Second, "the latest nextUpdate")
	assert.Same(t, r, s.forIssuer(keyOfIssuer(ca.Certificate), ca.Certificate), "remembered")

	r2 := s.forIssuer(keyOfIssuer(rotated.Certificate), rotated.Certificate)
	require.NotNil(t, r2)
	assert.Equal(t, map[string]struct{}{serialKey(big.NewInt(3)): {}}, r2.revoked, "same name, other key: its own CRL only")
	assert.Nil(t, s.forIssuer(keyOfIssuer(other.Certificate), other.Certificate))
	assert.Len(t, *s.memo.Load(), 3)
}

// TestSerialKey: keys of distinct serial numbers differ, whatever their
// bytes (a positive serial starting with 0x2D once collided with a
// negative one, found by FuzzParseDenyList).
func TestSerialKey(t *testing.T) {
	serials := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(-1), big.NewInt(0x2d01), big.NewInt(0x2d), big.NewInt(-0x2d01), big.NewInt(0x0001)}
	seen := map[string]*big.Int{}
	for _, s := range serials {
		k := serialKey(s)
		if prev, ok := seen[k]; ok && prev.Cmp(s) != 0 {
			t.Errorf("serials %v and %v share a key", prev, s)
		}
		seen[k] = s
	}
	assert.Equal(t, "00", serialHex(big.NewInt(0)))
	assert.Equal(t, "2D01", serialHex(big.NewInt(0x2d01)))
	assert.Equal(t, "-01", serialHex(big.NewInt(-1)))
}

// TestReadCABundle: ReadCABundle reads a file as NewVerifier reads
// ClientCAFile, and fails where it fails.
func TestReadCABundle(t *testing.T) {
	a, b := authntest.NewCA(), authntest.NewCA()
	dir := t.TempDir()
	bigFile := filepath.Join(dir, "big.crt")
	require.NoError(t, os.WriteFile(bigFile, nil, 0o600))
	require.NoError(t, os.Truncate(bigFile, DefaultMaxSize+1))
	tests := []struct {
		name      string
		path      string
		wantCerts []*x509.Certificate
		wantErr   error
		wantMsg   string
	}{
		{name: "two in order", path: writeFile(t, dir, "ok.crt", append(append([]byte("# bundle\n"), b.CertPEM...), a.CertPEM...)),
			wantCerts: []*x509.Certificate{b.Certificate, a.Certificate}},
		{name: "missing", path: filepath.Join(dir, "missing.crt"), wantErr: fs.ErrNotExist},
		{name: "directory", path: dir, wantErr: reload.ErrNotRegular},
		{name: "too big", path: bigFile, wantMsg: "more than the limit"},
		{name: "empty", path: writeFile(t, dir, "empty.crt", nil), wantErr: errNoCertificate},
		{name: "torn", path: writeFile(t, dir, "torn.crt", append(append([]byte{}, a.CertPEM...), b.CertPEM[:100]...)),
			wantMsg: "line " + itoa(1+strings.Count(string(a.CertPEM), "\n")) + ": malformed PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, err := ReadCABundle(tt.path)
			if tt.wantCerts != nil {
				require.NoError(t, err)
				assert.Equal(t, tt.wantCerts, certs)
				v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: tt.path}})
				require.NoError(t, err, "NewVerifier agrees")
				require.NoError(t, v.Close())
				return
			}
			require.Error(t, err)
			assert.Nil(t, certs)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.Contains(t, err.Error(), tt.path)
			assert.True(t, strings.HasPrefix(err.Error(), "x509auth: "), err.Error())
			_, err = NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: tt.path}})
			require.Error(t, err, "NewVerifier agrees")
		})
	}
}

func TestCommonCAs(t *testing.T) {
	ca := authntest.NewCA()
	tmpl := *ca.Certificate
	tmpl.SerialNumber = big.NewInt(2)
	tmpl.NotAfter = ca.Certificate.NotAfter.Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, ca.Key.Public(), ca.Key)
	require.NoError(t, err)
	reissued, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	sameName := authntest.NewCA() // another key under the same subject
	require.Equal(t, ca.Certificate.Subject.String(), sameName.Certificate.Subject.String())
	other := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "other"}})

	tests := []struct {
		name string
		a, b []*x509.Certificate
		want []*x509.Certificate
	}{
		{name: "none", a: []*x509.Certificate{ca.Certificate}, b: []*x509.Certificate{sameName.Certificate, other.Certificate}},
		{name: "the same certificate", a: []*x509.Certificate{other.Certificate, ca.Certificate}, b: []*x509.Certificate{ca.Certificate},
			want: []*x509.Certificate{ca.Certificate}},
		{name: "re-issued: same subject and key", a: []*x509.Certificate{ca.Certificate}, b: []*x509.Certificate{other.Certificate, reissued},
			want: []*x509.Certificate{ca.Certificate}},
		{name: "empty", a: nil, b: []*x509.Certificate{ca.Certificate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CommonCAs(tt.a, tt.b))
		})
	}
	// The re-issued certificate does verify what the original signed.
	_, err = ca.IssueClient("jane").Certificate.Verify(x509.VerifyOptions{Roots: poolOf(reissued), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
