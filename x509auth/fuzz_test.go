package x509auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Fuzz fixtures are derived from fixed seeds, so that every fuzzing
// process (the coordinator and its workers) has the same CA and the same
// seed CRLs: Ed25519 signatures are deterministic.
var fuzzNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

type fuzzCA struct {
	cert *x509.Certificate
	key  ed25519.PrivateKey
}

func newFuzzCA(tb testing.TB, seed byte, name string) fuzzCA {
	tb.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(seed)), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return fuzzCA{cert: c, key: key}
}

func (ca fuzzCA) crl(tb testing.TB, next time.Time, serials ...int64) []byte {
	tb.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: fuzzNow.Add(-time.Hour), NextUpdate: next}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: fuzzNow.Add(-time.Hour)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// k8sParseCertsPEM is Kubernetes' ParseCertsPEM
// (k8s.io/client-go/util/cert/pem.go), the model parseBundle is held to.
func k8sParseCertsPEM(data []byte) ([]*x509.Certificate, bool) {
	var certs []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, false
		}
		certs = append(certs, c)
	}
	return certs, len(certs) > 0
}

// FuzzParseBundle: parseBundle never panics; whatever it accepts,
// Kubernetes accepts too, with the same certificates in the same order;
// errors carry the file name.
func FuzzParseBundle(f *testing.F) {
	a, b := newFuzzCA(f, 1, "a"), newFuzzCA(f, 2, "b")
	pa := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw})
	pb := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.cert.Raw})
	for _, seed := range [][]byte{
		pa, append(append([]byte("text\n"), pa...), pb...), nil, a.cert.Raw,
		pa[:len(pa)/2], []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		[]byte("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----\n"),
		bytes.ReplaceAll(pa, []byte("\n"), []byte("\r\n")),
		append([]byte("x-----BEGIN CERTIFICATE-----\n"), pb...),
		append(append([]byte{}, pa[:60]...), pb...),
		[]byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseBundle("ca.crt", data)
		if err != nil {
			if certs != nil || !strings.HasPrefix(err.Error(), "ca.crt: ") {
				t.Fatalf("bad failure: %v, %d certs", err, len(certs))
			}
			return
		}
		want, ok := k8sParseCertsPEM(data)
		if !ok {
			t.Fatalf("accepted %d certificates Kubernetes refuses", len(certs))
		}
		if len(want) != len(certs) {
			t.Fatalf("got %d certificates, Kubernetes %d", len(certs), len(want))
		}
		for i := range certs {
			if !certs[i].Equal(want[i]) {
				t.Fatalf("certificate %d differs from Kubernetes'", i)
			}
		}
	})
}

// FuzzParseCRL: parseCRLs never panics; it never accepts a CRL in the
// name of a bundle CA that the CA did not sign, an out-of-date CRL or one
// with a critical extension; and what it accepts is exactly what the CRLs
// list for the CA that signed them.
func FuzzParseCRL(f *testing.F) {
	ca := newFuzzCA(f, 1, "fuzz CA")
	sameName := newFuzzCA(f, 3, "fuzz CA")
	other := newFuzzCA(f, 2, "other CA")
	bundle := &caBundle{certs: []*x509.Certificate{ca.cert}}
	good := ca.crl(f, fuzzNow.Add(time.Hour), 1, 2, 0x7fffffff)
	for _, seed := range [][]byte{
		good, pemCRL(good), append(append([]byte{}, good...), other.crl(f, fuzzNow.Add(24*time.Hour), 3)...),
		pemCRL(good, sameName.crl(f, fuzzNow.Add(time.Hour), 9)), ca.crl(f, fuzzNow.Add(-time.Minute)),
		nil, []byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), good[:len(good)-1],
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseCRLs("ca.crl", data, bundle, fuzzNow)
		if err != nil {
			if s != nil || !strings.HasPrefix(err.Error(), "ca.crl: ") {
				t.Fatalf("bad failure: %v", err)
			}
			return
		}
		if s.count == 0 {
			t.Fatal("accepted a file without CRLs")
		}
		want := map[string]struct{}{}
		signed := false
		for _, infos := range s.byIssuer {
			for _, c := range infos {
				l := c.list
				if !l.NextUpdate.IsZero() && fuzzNow.After(l.NextUpdate) {
					t.Fatal("accepted an out-of-date CRL")
				}
				for _, e := range l.Extensions {
					if e.Critical {
						t.Fatal("accepted a critical extension")
					}
				}
				verifies := l.CheckSignatureFrom(ca.cert) == nil
				if bytes.Equal(l.RawIssuer, ca.cert.RawSubject) && !verifies {
					t.Fatal("accepted a CRL in the CA's name that the CA did not sign")
				}
				if verifies {
					signed = true
					for _, e := range l.RevokedCertificateEntries {
						want[serialKey(e.SerialNumber)] = struct{}{}
					}
				}
			}
		}
		r := s.forIssuer(keyOfIssuer(ca.cert), ca.cert)
		if signed != (r != nil) {
			t.Fatalf("forIssuer: got %v, want a CRL: %v", r != nil, signed)
		}
		if r != nil && len(r.revoked) != len(want) {
			t.Fatalf("forIssuer: %d revoked, want %d", len(r.revoked), len(want))
		}
	})
}

// asciiCase maps ASCII letters of b with f.
func asciiCase(b []byte, upper bool) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		switch {
		case upper && 'a' <= c && c <= 'z':
			out[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			out[i] = c - 'A' + 'a'
		}
	}
	return out
}

// FuzzParseDenyList: parseDenyList never panics; errors name the file; the
// list does not depend on letter case; every serial number it accepts is
// one RFC 5280 allows; every accepted entry, written back in the canonical
// form, parses to the same list.
func FuzzParseDenyList(f *testing.F) {
	sum := sha256.Sum256([]byte("x"))
	hexSum := hex.EncodeToString(sum[:])
	colons := strings.ToUpper(hexSum[:2])
	for i := 2; i < len(hexSum); i += 2 {
		colons += ":" + strings.ToUpper(hexSum[i:i+2])
	}
	for _, seed := range []string{
		"", "# c\n", "1\n0a:1B\n", "sha256:" + hexSum + "\n", "SHA256:" + strings.ToUpper(hexSum),
		"2A # laptop\r\n", "0:a\n", "sha256:abcd\n", "serial=0A\n", strings.Repeat("f", 80), strings.Repeat("f", 81),
		"\xff\xfe\n", "  \t00ff  \n\n#", hexSum + "\n", hexSum + "  -\n", hexSum + " *-\n", hexSum + "  ca.crt\n",
		"sha256 Fingerprint=" + colons + "\n", "SHA256 Fingerprint=" + colons + "\n", "SHA1 Fingerprint=AB:CD\n",
		"serial=" + hexSum + "\n", "7f" + strings.Repeat("ff", 19), "80" + strings.Repeat("00", 19), "00\n", "serial=-01\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseDenyList("deny", data)
		if err != nil {
			if d != nil || !strings.HasPrefix(err.Error(), "deny: line ") {
				t.Fatalf("bad failure: %v", err)
			}
			if _, err2 := parseDenyList("deny", asciiCase(data, true)); err2 == nil {
				t.Fatal("upper case accepted what lower case refused")
			}
			return
		}
		for _, upper := range []bool{true, false} {
			d2, err := parseDenyList("deny", asciiCase(data, upper))
			if err != nil {
				t.Fatalf("case changed the outcome: %v", err)
			}
			if !sameDeny(d, d2) {
				t.Fatal("case changed the list")
			}
		}
		var canon strings.Builder
		for k := range d.serials {
			if k == "" || strings.HasPrefix(k, "\x00") {
				t.Fatal("zero or negative serial from a deny list")
			}
			if der := len(k) + int(k[0]>>7); der > maxSerialOctets {
				t.Fatalf("serial of %d octets accepted", der)
			}
			canon.WriteString(serialHex(new(big.Int).SetBytes([]byte(k))) + "\n")
		}
		for s := range d.sums {
			canon.WriteString(FingerprintPrefix + hex.EncodeToString(s[:]) + "\n")
		}
		d3, err := parseDenyList("deny", []byte(canon.String()))
		if err != nil || !sameDeny(d, d3) {
			t.Fatalf("canonical form does not round-trip: %v", err)
		}
	})
}

func sameDeny(a, b *denyList) bool {
	if len(a.serials) != len(b.serials) || len(a.sums) != len(b.sums) {
		return false
	}
	for k := range a.serials {
		if _, ok := b.serials[k]; !ok {
			return false
		}
	}
	for k := range a.sums {
		if _, ok := b.sums[k]; !ok {
			return false
		}
	}
	return true
}
