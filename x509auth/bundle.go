package x509auth

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/authnkit/authnkit/internal/reload"
)

// caBundle is an immutable snapshot of the trusted CAs.
type caBundle struct {
	roots *x509.CertPool
	// certs are the bundle's certificates, in file order; nil for a static
	// pool (a CertPool cannot list its certificates).
	certs []*x509.Certificate
	// gen identifies this snapshot: cache entries verified against another
	// generation are not used.
	gen uint64
}

// Entries is the number of certificates in a bundle read from a file, as
// a reload.Counter: for health and reload events.
func (b *caBundle) Entries() int { return len(b.certs) }

// errNoCertificate: a CA bundle with no CERTIFICATE block.
var errNoCertificate = errors.New("no PEM CERTIFICATE block found")

// pemBegin starts every PEM block, at the start of the data or of a line
// (pemLineBegin).
var (
	pemBegin     = []byte("-----BEGIN ")
	pemLineBegin = []byte("\n-----BEGIN ")
)

// parseBundle reads a PEM CA bundle as Kubernetes reads --client-ca-file
// (ParseCertsPEM in k8s.io/client-go/util/cert): every "CERTIFICATE" block
// without PEM headers is a trusted CA, in file order; other blocks (a key
// someone pasted, a CRL), CERTIFICATE blocks with headers, and text
// between blocks are skipped. A CERTIFICATE block that does not parse is
// an error naming its line, and so is a bundle without certificates.
//
// Unlike Kubernetes, a malformed PEM block (cut short, bad base64, no END
// line) is an error here: Kubernetes skips it, so a bundle torn by a
// partial write would quietly lose CAs. name prefixes messages.
func parseBundle(name string, data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	err := eachPEMBlock(name, data, func(block *pem.Block, line int) error {
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			return nil
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return fmt.Errorf("%sline %d: certificate %d: %w", prefix(name), line, len(certs)+1, err)
		}
		certs = append(certs, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s%w", prefix(name), errNoCertificate)
	}
	return certs, nil
}

// eachPEMBlock calls f with every PEM block in data and the line its BEGIN
// is on, in order, stopping at f's first error. A malformed block (cut
// short, bad base64, no END line) is an error naming its line.
func eachPEMBlock(name string, data []byte, f func(block *pem.Block, line int) error) error {
	rest := data
	for {
		start := nextBegin(rest)
		if start < 0 {
			return nil
		}
		line := lineOf(data, len(data)-len(rest)+start)
		block, next, ok := decodeAt(rest[start:])
		if !ok {
			return fmt.Errorf("%sline %d: malformed PEM block", prefix(name), line)
		}
		rest = next
		if err := f(block, line); err != nil {
			return err
		}
	}
}

// nextBegin returns the offset of the first PEM BEGIN line in data (at
// its start or after a newline, where encoding/pem looks), or -1.
func nextBegin(data []byte) int {
	if bytes.HasPrefix(data, pemBegin) {
		return 0
	}
	i := bytes.Index(data, pemLineBegin)
	if i < 0 {
		return -1
	}
	return i + 1
}

// decodeAt decodes the PEM block that data starts with. It reports false
// when that block is malformed (truncated, bad base64, no END line), where
// pem.Decode would silently skip it and return a later block: Kubernetes
// then ignores the broken block, but a bundle or CRL file cut short by a
// partial write must not quietly lose entries, so callers treat it as an
// error.
func decodeAt(data []byte) (*pem.Block, []byte, bool) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, data, false
	}
	consumed := len(data) - len(rest)
	if bytes.Contains(data[:consumed], pemLineBegin) {
		return nil, data, false // the block returned is a later one
	}
	return block, rest, true
}

// lineOf returns the 1-based line number of offset in data.
func lineOf(data []byte, offset int) int {
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

func prefix(name string) string {
	if name == "" {
		return ""
	}
	return name + ": "
}

// ReadCABundle reads and parses a PEM CA bundle file exactly as
// [NewVerifier] reads [VerifyOptions.ClientCAFile]: at most
// [DefaultMaxSize] bytes, a
// regular file, every CERTIFICATE block without PEM headers a CA, other
// blocks and text between them ignored, a malformed block or certificate
// an error naming its line, and no certificate at all an error. A missing
// file matches [io/fs.ErrNotExist]. It returns the certificates in file
// order; they are the caller's.
//
// It serves checks across configurations, such as refusing a front-proxy
// CA bundle that shares a CA with the client CA bundle (see [CommonCAs]).
func ReadCABundle(path string) ([]*x509.Certificate, error) {
	data, err := reload.ReadFile("x509auth", path, DefaultMaxSize)
	if err != nil {
		return nil, err
	}
	return parseBundle("x509auth: "+path, data)
}

// CommonCAs returns the certificates of a that act as the same CA as a
// certificate of b: the same subject and the same public key. Other fields
// do not matter: a CA certificate re-issued with another validity period,
// serial number or extensions verifies the same certificates as the
// original, so two bundles holding one each trust the same clients. The
// result is in the order of a, nil when there is none.
//
// Use it to refuse a front-proxy CA bundle (--requestheader-client-ca-file)
// that shares a CA with the client CA bundle (--client-ca-file), whatever
// the paths: every holder of a client certificate from a shared CA could
// otherwise assert any identity through the front-proxy headers.
func CommonCAs(a, b []*x509.Certificate) []*x509.Certificate {
	var common []*x509.Certificate
	for _, x := range a {
		for _, y := range b {
			if bytes.Equal(x.RawSubject, y.RawSubject) && bytes.Equal(x.RawSubjectPublicKeyInfo, y.RawSubjectPublicKeyInfo) {
				common = append(common, x)
				break
			}
		}
	}
	return common
}
