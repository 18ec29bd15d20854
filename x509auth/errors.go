package x509auth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/authnkit/authnkit/authn"
)

// Sentinel errors of this package. The other failure kinds use authn's
// sentinels: an expired certificate matches [authn.ErrExpired] (and is an
// [*authn.ExpiredError]), one not yet valid [authn.ErrNotYetValid] (an
// [*authn.NotYetValidError]), a revoked one [authn.ErrRevoked] (a
// [*RevokedError]), and one whose revocation status cannot be checked
// because its issuer's CRL is out of date [authn.ErrUnavailable].
var (
	// ErrUnknownAuthority: the chain does not lead to a CA of the current
	// bundle. The error also wraps the [x509.UnknownAuthorityError].
	ErrUnknownAuthority = errors.New("x509auth: certificate signed by unknown authority")
	// ErrWrongKeyUsage: the chain is not valid for client authentication
	// (its extended key usages exclude it). The error also wraps the
	// [x509.CertificateInvalidError].
	ErrWrongKeyUsage = errors.New("x509auth: certificate not valid for client authentication")
	// ErrInvalidCertificate: any other verification failure: no
	// certificate, a CA not allowed to sign, name constraints, too many
	// intermediates, a bad signature. The error also wraps the cause from
	// crypto/x509 when there is one.
	ErrInvalidCertificate = errors.New("x509auth: invalid certificate")
	// ErrNoCommonName: [CommonNameMapping] found an empty subject common
	// name, so there is no user name.
	ErrNoCommonName = errors.New("x509auth: certificate has no common name")
	// ErrInvalidUID: [CommonNameMapping] found a UID attribute
	// ([UIDOID]) that Kubernetes rejects: more than one, not a string, or
	// empty.
	ErrInvalidUID = errors.New("x509auth: invalid UID attribute")
)

// CertificateError reports a client certificate that was rejected, naming
// it by serial number and subject (public parts of the certificate; never a
// key). Err says why and matches the sentinels listed with [ErrUnknownAuthority].
// Every error returned by [Verifier.Verify] and by
// [Authenticator.AuthenticateRequest] is a *CertificateError.
type CertificateError struct {
	// Serial is the leaf's serial number in upper-case hexadecimal, as
	// `openssl x509 -noout -serial` prints it and as a deny list takes it.
	Serial string
	// Subject is the leaf's subject in RFC 2253 form.
	Subject string
	// Err is the reason.
	Err error
}

func (e *CertificateError) Error() string {
	msg := "x509auth: certificate serial=" + e.Serial + " subject=" + quoteSubject(e.Subject)
	if e.Err == nil {
		return msg
	}
	return msg + ": " + strings.TrimPrefix(e.Err.Error(), "x509auth: ")
}

// Unwrap returns Err.
func (e *CertificateError) Unwrap() error { return e.Err }

// RevokedError reports a certificate revoked by the CRL file or listed in
// the deny list. It matches [authn.ErrRevoked].
type RevokedError struct {
	// Serial is the revoked certificate's serial number, in upper-case
	// hexadecimal. The revoked certificate is the leaf or an intermediate
	// (see Leaf).
	Serial string
	// Subject is the revoked certificate's subject, RFC 2253.
	Subject string
	// Fingerprint is the SHA-256 of the revoked certificate's DER.
	Fingerprint [sha256.Size]byte
	// Leaf reports whether the revoked certificate is the leaf (otherwise
	// it is a CA of the chain).
	Leaf bool
	// Source is "crl" (listed by its issuer's CRL), "deny serial" or
	// "deny sha256" (the deny list).
	Source string
}

func (e *RevokedError) Error() string {
	what := "certificate"
	if !e.Leaf {
		what = "CA certificate in the chain"
	}
	return "x509auth: " + what + " serial=" + e.Serial + " subject=" + quoteSubject(e.Subject) +
		" sha256=" + hex.EncodeToString(e.Fingerprint[:]) + " revoked (" + e.Source + ")"
}

// Is reports whether target is [authn.ErrRevoked].
func (e *RevokedError) Is(target error) bool { return target == authn.ErrRevoked }

// serialHex formats a serial number as openssl does: upper-case
// hexadecimal of the magnitude, an even number of digits, "-" for a
// negative one.
func serialHex(n *big.Int) string {
	if n == nil {
		return "none"
	}
	b := n.Bytes()
	s := strings.ToUpper(hex.EncodeToString(b))
	if s == "" {
		s = "00"
	}
	if n.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// serialKey is the map key of a serial number: its magnitude in big-endian
// bytes (no leading zero byte, empty for zero), and for a negative one
// (invalid, but parseable under a GODEBUG setting) a zero byte and the
// magnitude, which no positive serial's key starts with.
func serialKey(n *big.Int) string {
	if n == nil {
		return ""
	}
	if n.Sign() < 0 {
		return "\x00" + string(n.Bytes())
	}
	return string(n.Bytes())
}

// quoteSubject quotes a subject for a message, escaping control
// characters so that a crafted subject cannot forge log lines.
func quoteSubject(s string) string { return strconv.Quote(s) }

// certError wraps err in a CertificateError naming c.
func certError(c *x509.Certificate, err error) error {
	if c == nil {
		return &CertificateError{Serial: "none", Err: err}
	}
	return &CertificateError{Serial: serialHex(c.SerialNumber), Subject: c.Subject.String(), Err: err}
}
