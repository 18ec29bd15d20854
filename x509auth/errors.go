package x509auth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

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
	// certificate, more certificates than [VerifyOptions.MaxIntermediates]
	// allows (refused before verifying), a CA not allowed to sign, name
	// constraints, a path too long for a CA's path length constraint, a bad
	// signature. The error also wraps the cause from crypto/x509 when there
	// is one.
	ErrInvalidCertificate = errors.New("x509auth: invalid certificate")
	// ErrNoCommonName: [CommonNameMapping] found an empty subject common
	// name, so there is no user name.
	ErrNoCommonName = errors.New("x509auth: certificate has no common name")
	// ErrInvalidUID: [CommonNameMapping] found a UID attribute
	// ([UIDOID]) that Kubernetes rejects: more than one, not a string, or
	// empty.
	ErrInvalidUID = errors.New("x509auth: invalid UID attribute")
)

// CertificateError reports a client certificate that was rejected. Err says
// why and matches the sentinels listed with [ErrUnknownAuthority]. Every
// error returned by [Verifier.Verify] and by
// [Authenticator.AuthenticateRequest] is a *CertificateError.
//
// Its message names the leaf by serial number and subject (public parts of
// the certificate; never a key), formatted only when Error is called, so
// that refusing a certificate costs no formatting.
type CertificateError struct {
	// Certificate is the rejected leaf, read-only; nil when the client
	// presented no certificate.
	Certificate *x509.Certificate
	// Err is the reason.
	Err error
}

// Serial returns the leaf's serial number in upper-case hexadecimal, as
// `openssl x509 -noout -serial` prints it and as a deny list takes it, or
// "none" without a certificate.
func (e *CertificateError) Serial() string {
	if e.Certificate == nil {
		return "none"
	}
	return serialHex(e.Certificate.SerialNumber)
}

// Subject returns the leaf's subject in RFC 2253 form, or "" without a
// certificate.
func (e *CertificateError) Subject() string {
	if e.Certificate == nil {
		return ""
	}
	return e.Certificate.Subject.String()
}

func (e *CertificateError) Error() string {
	msg := "x509auth: certificate serial=" + e.Serial() + " subject=" + quoteSubject(e.Subject())
	if e.Err == nil {
		return msg
	}
	return msg + ": " + strings.TrimPrefix(e.Err.Error(), "x509auth: ")
}

// Unwrap returns Err.
func (e *CertificateError) Unwrap() error { return e.Err }

// RevokedError reports a certificate revoked by the CRL file or listed in
// the deny list. It matches [authn.ErrRevoked]. Like [CertificateError],
// it is formatted only when Error is called.
type RevokedError struct {
	// Certificate is the revoked certificate, read-only: the leaf or a CA
	// of the chain (see Leaf).
	Certificate *x509.Certificate
	// Fingerprint is the SHA-256 of the revoked certificate's DER.
	Fingerprint [sha256.Size]byte
	// Leaf reports whether the revoked certificate is the leaf (otherwise
	// it is a CA of the chain).
	Leaf bool
	// Source is "crl" (listed by its issuer's CRL), "deny serial" or
	// "deny sha256" (the deny list).
	Source string
}

// Serial returns the revoked certificate's serial number in upper-case
// hexadecimal.
func (e *RevokedError) Serial() string { return serialHex(e.Certificate.SerialNumber) }

// Subject returns the revoked certificate's subject, RFC 2253.
func (e *RevokedError) Subject() string { return e.Certificate.Subject.String() }

func (e *RevokedError) Error() string {
	what := "certificate"
	if !e.Leaf {
		what = "CA certificate in the chain"
	}
	return "x509auth: " + what + " serial=" + e.Serial() + " subject=" + quoteSubject(e.Subject()) +
		" sha256=" + hex.EncodeToString(e.Fingerprint[:]) + " revoked (" + e.Source + ")"
}

// Is reports whether target is [authn.ErrRevoked].
func (e *RevokedError) Is(target error) bool { return target == authn.ErrRevoked }

// reasonError is a verification failure of one kind (a sentinel or a
// typed authn error) with crypto/x509's error as its cause. Like every
// error of the package it is formatted only when Error is called:
// crypto/x509's messages name certificates too.
type reasonError struct {
	// ca is the CA certificate of the chain that failed, named in the
	// message; nil when the failure is the leaf's.
	ca *x509.Certificate
	// kindErr holds the kind, then crypto/x509's error: Unwrap returns
	// it without allocating.
	kindErr [2]error
}

func newReason(kind error, ca *x509.Certificate, err error) *reasonError {
	return &reasonError{ca: ca, kindErr: [2]error{kind, err}}
}

func (e *reasonError) Error() string {
	msg := e.kindErr[0].Error()
	if e.ca != nil {
		msg += " (CA certificate serial=" + serialHex(e.ca.SerialNumber) + " subject=" + quoteSubject(e.ca.Subject.String()) + ")"
	}
	return msg + ": " + e.kindErr[1].Error()
}

// Unwrap returns the kind and the cause, for errors.Is and errors.As.
func (e *reasonError) Unwrap() []error { return e.kindErr[:] }

// errNoPeers: Verify was given no certificate.
var errNoPeers = fmt.Errorf("%w: no certificate", ErrInvalidCertificate)

// chainTooLongError: the client sent more certificates than
// VerifyOptions.MaxIntermediates allows. It matches ErrInvalidCertificate.
type chainTooLongError struct{ n, max int }

func (e *chainTooLongError) Error() string {
	return ErrInvalidCertificate.Error() + ": the client sent " + strconv.Itoa(e.n) + " certificates, more than the limit of " +
		strconv.Itoa(e.max) + " (its leaf and " + strconv.Itoa(e.max-1) + " more, VerifyOptions.MaxIntermediates)"
}

func (e *chainTooLongError) Is(target error) bool { return target == ErrInvalidCertificate }

// staleCRLError: the CRLs of a chain's issuer are out of date.
type staleCRLError struct {
	issuer     *x509.Certificate
	nextUpdate time.Time
}

func (e *staleCRLError) Error() string {
	return "CRL of issuer serial=" + serialHex(e.issuer.SerialNumber) + " subject=" + quoteSubject(e.issuer.Subject.String()) +
		" out of date since " + e.nextUpdate.UTC().Format(time.RFC3339) + ", cannot check revocation"
}

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

// certError wraps err in a CertificateError naming c (nil: no
// certificate).
func certError(c *x509.Certificate, err error) error {
	return &CertificateError{Certificate: c, Err: err}
}
