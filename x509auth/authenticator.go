package x509auth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// UIDOID returns the object identifier of the subject attribute that holds
// a user's UID: 1.3.6.1.4.1.57683.2, Kubernetes' (asn1util.X509UID in
// k8s.io/apiserver, read by CommonNameUserConversion when the feature gate
// AllowParsingUserUIDFromCertAuth is on: alpha in 1.33, beta and on by
// default since 1.34). It returns a new slice on each call.
//
// openssl needs a name for the attribute before "-subj" accepts it (it
// skips unknown ones with a warning); with a configuration file holding
//
//	oid_section = new_oids
//	[ new_oids ]
//	kubernetesUID = 1.3.6.1.4.1.57683.2
//	[ req ]
//	distinguished_name = dn
//	[ dn ]
//
// the request is made with
//
//	openssl req -new -config uid.cnf -key jane.key -subj "/CN=jane/O=dev/kubernetesUID=1001" -out jane.csr
func UIDOID() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57683, 2} }

// Options configures an [Authenticator] made by [New]: how to verify
// (see [VerifyOptions]) and how to turn a verified certificate into a user.
type Options struct {
	VerifyOptions
	// UserMapping maps the leaf of a verified chain to a user. It must be
	// safe for concurrent use and return an error (naming no secret) when
	// the certificate does not identify a user; the Authenticator wraps it
	// in a [*CertificateError]. Nil means [CommonNameMapping], whose
	// result is computed once per verified chain and shared.
	UserMapping func(leaf *x509.Certificate) (authn.UserInfo, error)
}

// Authenticator authenticates requests by their TLS client certificate,
// as kube-apiserver's --client-ca-file does. Create it with [New] or
// [NewWithVerifier]; the zero value is not usable. It is safe for
// concurrent use.
type Authenticator struct {
	v       *Verifier
	owned   bool // Close closes v
	mapping func(*x509.Certificate) (authn.UserInfo, error)
	// checkedServer is set once the configuration of a server that sent
	// a request without client certificates has been looked at.
	checkedServer atomic.Bool
}

var (
	_ authn.Authenticator = (*Authenticator)(nil)
	_ io.Closer           = (*Authenticator)(nil)
)

// New returns an Authenticator with its own [Verifier] (see
// [NewVerifier] for what it checks and how it fails). It owns the
// Verifier's watcher goroutines until [Authenticator.Close].
func New(opts Options) (*Authenticator, error) {
	v, err := NewVerifier(opts.VerifyOptions)
	if err != nil {
		return nil, err
	}
	return &Authenticator{v: v, owned: true, mapping: opts.UserMapping}, nil
}

// NewWithVerifier returns an Authenticator that uses v, which it does not
// own: [Authenticator.Close] leaves v open, and several authenticators
// that map the client certificates of v's CA bundle differently may share
// it, its cache included. (A front proxy's certificates are verified by a
// Verifier of their own, over a CA bundle that must share no CA with
// this one: see package requestheader.) A nil mapping means
// [CommonNameMapping]. It panics if v is nil.
func NewWithVerifier(v *Verifier, mapping func(*x509.Certificate) (authn.UserInfo, error)) *Authenticator {
	if v == nil {
		panic("x509auth: NewWithVerifier with a nil Verifier")
	}
	return &Authenticator{v: v, mapping: mapping}
}

// AuthenticateRequest authenticates r by r.TLS.PeerCertificates: the leaf,
// then the intermediates the client sent. Its three outcomes:
//
//   - no TLS, or no client certificate: (nil, false, nil), no opinion;
//   - a certificate that verifies ([Verifier.Verify]) and maps to a user:
//     (resp, true, nil), with resp.Expiry the earliest NotAfter of the
//     verified chain and resp shared and read-only;
//   - otherwise (nil, false, err), err a [*CertificateError] matching the
//     kinds listed with [Verifier.Verify], or the mapping's error (for
//     [CommonNameMapping]: [ErrNoCommonName], [ErrInvalidUID]).
//
// It does not look at r.TLS.VerifiedChains: the TLS layer need not verify
// client certificates (tls.RequestClientCert is enough, see [TLSConfig]),
// and it should not when the server also accepts a front proxy's
// certificates from another CA. The first TLS request without a client
// certificate from a net/http server whose tls.Config never asks for one
// (ClientAuth tls.NoClientCert, no GetConfigForClient) logs a warning,
// once per Authenticator: only the first server is looked at, and later
// requests cost one atomic load for it.
func (a *Authenticator) AuthenticateRequest(r *http.Request) (*authn.Response, bool, error) {
	if r.TLS == nil {
		return nil, false, nil
	}
	if len(r.TLS.PeerCertificates) == 0 {
		if !a.checkedServer.Load() {
			a.checkServerConfig(r)
		}
		return nil, false, nil
	}
	now := time.Now()
	e, err := a.v.verify(r.TLS.PeerCertificates, now)
	if leaf := r.TLS.PeerCertificates[0]; a.v.onCertificate != nil && leaf != nil {
		a.v.onCertificate(authn.ClientCertificateEvent{Remaining: leaf.NotAfter.Sub(now), Verified: err == nil})
	}
	if err != nil {
		return nil, false, err
	}
	if a.mapping == nil {
		if resp := e.resp.Load(); resp != nil {
			return resp, true, nil
		}
	}
	mapping := a.mapping
	if mapping == nil {
		mapping = CommonNameMapping
	}
	u, err := mapping(e.leaf)
	if err != nil {
		return nil, false, certError(e.leaf, err)
	}
	resp := &authn.Response{User: u, Expiry: e.expiry}
	if a.mapping == nil && !e.resp.CompareAndSwap(nil, resp) {
		resp = e.resp.Load() // a concurrent request built it first
	}
	return resp, true, nil
}

// Reload reads the files of a Verifier made by [New] now, as
// [Verifier.Reload] does, and returns the failures; for one given to
// [NewWithVerifier], which its owner reloads, it does nothing and returns
// nil.
func (a *Authenticator) Reload() error {
	if !a.owned {
		return nil
	}
	return a.v.Reload()
}

// Health reports the files of a Verifier made by [New], as
// [Verifier.Health] does; for one given to [NewWithVerifier], whose owner
// reports them, it returns nil.
func (a *Authenticator) Health() []authn.FileHealth {
	if !a.owned {
		return nil
	}
	return a.v.Health()
}

// Close stops the watchers of a Verifier made by [New]; for one given to
// [NewWithVerifier] it does nothing. It is idempotent.
func (a *Authenticator) Close() error {
	if !a.owned {
		return nil
	}
	return a.v.Close()
}

// CommonNameMapping maps a client certificate to a user as Kubernetes does
// (CommonNameUserConversion in k8s.io/apiserver/pkg/authentication/request/x509):
//
//   - Name is the subject's common name; an empty one is [ErrNoCommonName]
//     (Kubernetes answers "no opinion" instead, see the package
//     documentation);
//   - Groups are the subject's organizations (O), in order, duplicates kept;
//   - UID is the value of the subject attribute [UIDOID], if present; more
//     than one such attribute, a value that is not a string, or an empty
//     value is [ErrInvalidUID];
//   - Extra holds [authn.CredentialIDKey]: "X509SHA256=" and the
//     lower-case hexadecimal SHA-256 of the certificate's DER encoding.
//
// The result is the caller's: its slices and map are not shared.
func CommonNameMapping(leaf *x509.Certificate) (authn.UserInfo, error) {
	if leaf.Subject.CommonName == "" {
		return authn.UserInfo{}, ErrNoCommonName
	}
	uid, err := uidOf(leaf)
	if err != nil {
		return authn.UserInfo{}, err
	}
	sum := sha256.Sum256(leaf.Raw)
	return authn.UserInfo{
		Name:   leaf.Subject.CommonName,
		UID:    uid,
		Groups: slices.Clone(leaf.Subject.Organization),
		Extra:  map[string][]string{authn.CredentialIDKey: {"X509SHA256=" + hex.EncodeToString(sum[:])}},
	}, nil
}

// uidOf applies Kubernetes' rule (parseUIDFromCert): zero UID attributes
// give "", exactly one gives its value, which must be a non-empty string.
func uidOf(c *x509.Certificate) (string, error) {
	oid := UIDOID()
	var uid string
	n := 0
	for _, name := range c.Subject.Names {
		if !name.Type.Equal(oid) {
			continue
		}
		s, ok := name.Value.(string)
		if !ok {
			return "", fmt.Errorf("%w: value is not a string", ErrInvalidUID)
		}
		uid = s
		n++
	}
	switch {
	case n > 1:
		return "", fmt.Errorf("%w: %d UID attributes, want at most 1", ErrInvalidUID, n)
	case n == 1 && uid == "":
		return "", fmt.Errorf("%w: empty", ErrInvalidUID)
	}
	return uid, nil
}
