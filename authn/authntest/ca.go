package authntest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"slices"
	"time"
)

// KeyType selects the key algorithm of a generated certificate.
type KeyType int

// Key types. The zero value, ECDSAP256, is the fastest to generate.
const (
	ECDSAP256 KeyType = iota
	ECDSAP384
	RSA2048
	RSA3072
	Ed25519
)

// CertOptions describes a certificate to issue. Zero values give a usable
// client certificate valid from an hour ago to a day from now.
type CertOptions struct {
	// Subject of the certificate. For Kubernetes client certificates the
	// CommonName is the user and each Organization a group.
	Subject pkix.Name
	// KeyType of the new key; zero: ECDSA P-256.
	KeyType KeyType
	// NotBefore and NotAfter bound the validity; zero: an hour ago and 24
	// hours from now.
	NotBefore, NotAfter time.Time
	// KeyUsage; zero: digital signature (plus key encipherment for RSA),
	// and certificate signing for CAs.
	KeyUsage x509.KeyUsage
	// ExtKeyUsage; nil: client auth for leaf certificates, none (any) for
	// CAs. Use an empty non-nil slice for none.
	ExtKeyUsage []x509.ExtKeyUsage
	// DNSNames and IPAddresses are the subject alternative names, for
	// server certificates.
	DNSNames    []string
	IPAddresses []net.IP
}

// CA is a throwaway certificate authority. Its fields are read-only. A CA
// is safe for concurrent use.
type CA struct {
	// Certificate is the CA's own certificate.
	Certificate *x509.Certificate
	// Key is the CA's private key.
	Key crypto.Signer
	// CertPEM is Certificate in PEM, as a --client-ca-file holds it.
	CertPEM []byte
	// chain holds the intermediates between this CA and the root,
	// nearest first (empty for a root).
	chain []*x509.Certificate
	root  *x509.Certificate
}

// Cert is an issued certificate with its key. Its fields are read-only.
type Cert struct {
	// Certificate is the leaf.
	Certificate *x509.Certificate
	// Key is the leaf's private key.
	Key crypto.Signer
	// Intermediates between the leaf and the root, nearest first, as a
	// client sends them after the leaf.
	Intermediates []*x509.Certificate
	// CertPEM holds the leaf followed by the intermediates; KeyPEM the
	// key in PKCS #8.
	CertPEM, KeyPEM []byte
	root            *x509.Certificate
}

// NewCA returns a new self-signed root CA with an ECDSA P-256 key and the
// common name "authntest CA". It panics if key generation fails.
func NewCA() *CA {
	return NewCAWith(CertOptions{Subject: pkix.Name{CommonName: "authntest CA"}})
}

// NewCAWith returns a new self-signed root CA described by opts.
func NewCAWith(opts CertOptions) *CA {
	key := newKey(opts.KeyType)
	tmpl := template(opts, true, key)
	cert := sign(tmpl, tmpl, key.Public(), key)
	return &CA{Certificate: cert, Key: key, CertPEM: pemCert(cert), root: cert}
}

// Intermediate returns a new CA signed by ca.
func (ca *CA) Intermediate(opts CertOptions) *CA {
	key := newKey(opts.KeyType)
	cert := sign(template(opts, true, key), ca.Certificate, key.Public(), ca.Key)
	return &CA{Certificate: cert, Key: key, CertPEM: pemCert(cert), chain: ca.toRoot(), root: ca.root}
}

// toRoot returns the certificates a holder of a certificate signed by ca
// sends after its own: ca and the intermediates above it, not the root.
func (ca *CA) toRoot() []*x509.Certificate {
	if ca.Certificate == ca.root {
		return nil
	}
	return append([]*x509.Certificate{ca.Certificate}, ca.chain...)
}

// Pool returns a new pool holding the root CA, for verification.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// Issue returns a new certificate described by opts, signed by ca.
func (ca *CA) Issue(opts CertOptions) *Cert {
	key := newKey(opts.KeyType)
	cert := sign(template(opts, false, key), ca.Certificate, key.Public(), ca.Key)
	inter := ca.toRoot()
	certPEM := pemCert(cert)
	for _, c := range inter {
		certPEM = append(certPEM, pemCert(c)...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic("authntest: marshal key: " + err.Error())
	}
	return &Cert{
		Certificate:   cert,
		Key:           key,
		Intermediates: inter,
		CertPEM:       certPEM,
		KeyPEM:        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		root:          ca.root,
	}
}

// IssueClient returns a client certificate for user name in groups: the
// subject's CommonName is name and each group an Organization, which is how
// Kubernetes maps client certificates to users.
func (ca *CA) IssueClient(name string, groups ...string) *Cert {
	return ca.Issue(CertOptions{Subject: pkix.Name{CommonName: name, Organization: slices.Clone(groups)}})
}

// IssueServer returns a server certificate for hosts: each is an IP
// address or a DNS name.
func (ca *CA) IssueServer(hosts ...string) *Cert {
	opts := CertOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			opts.IPAddresses = append(opts.IPAddresses, ip)
		} else {
			opts.DNSNames = append(opts.DNSNames, h)
		}
	}
	if len(hosts) > 0 {
		opts.Subject.CommonName = hosts[0]
	}
	return ca.Issue(opts)
}

// TLSCertificate returns c for a tls.Config's Certificates (server side) or
// a client's GetClientCertificate: the leaf, the intermediates, the key.
func (c *Cert) TLSCertificate() tls.Certificate {
	chain := [][]byte{c.Certificate.Raw}
	for _, i := range c.Intermediates {
		chain = append(chain, i.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: c.Key, Leaf: c.Certificate}
}

// AddToRequest sets r.TLS as net/http does after a handshake in which the
// client presented c: PeerCertificates holds the leaf and intermediates,
// and VerifiedChains holds the chain to the root when c verifies for
// client auth at the current time (as with tls.VerifyClientCertIfGiven),
// and is empty otherwise. It returns r.
func (c *Cert) AddToRequest(r *http.Request) *http.Request {
	peers := append([]*x509.Certificate{c.Certificate}, c.Intermediates...)
	state := tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: r.Host, PeerCertificates: peers}
	roots := x509.NewCertPool()
	roots.AddCert(c.root)
	inter := x509.NewCertPool()
	for _, i := range c.Intermediates {
		inter.AddCert(i)
	}
	if chains, err := c.Certificate.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		state.VerifiedChains = chains
	}
	r.TLS = &state
	return r
}

// NewRequest returns [NewRequest] carrying c as the TLS peer certificate
// (see [Cert.AddToRequest]).
func (c *Cert) NewRequest() *http.Request { return c.AddToRequest(NewRequest()) }

func newKey(kt KeyType) crypto.Signer {
	var (
		key crypto.Signer
		err error
	)
	switch kt {
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case Ed25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		panic("authntest: generate key: " + err.Error())
	}
	return key
}

func template(opts CertOptions, isCA bool, key crypto.Signer) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("authntest: serial: " + err.Error())
	}
	now := time.Now()
	t := &x509.Certificate{
		SerialNumber: serial,
		Subject:      opts.Subject,
		NotBefore:    opts.NotBefore,
		NotAfter:     opts.NotAfter,
		KeyUsage:     opts.KeyUsage,
		ExtKeyUsage:  slices.Clone(opts.ExtKeyUsage),
		DNSNames:     slices.Clone(opts.DNSNames),
		IPAddresses:  slices.Clone(opts.IPAddresses),
	}
	if t.NotBefore.IsZero() {
		t.NotBefore = now.Add(-time.Hour)
	}
	if t.NotAfter.IsZero() {
		t.NotAfter = now.Add(24 * time.Hour)
	}
	if t.KeyUsage == 0 {
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if _, ok := key.(*rsa.PrivateKey); ok {
			t.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		if isCA {
			t.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
	}
	if isCA {
		t.IsCA = true
		t.BasicConstraintsValid = true
	} else if opts.ExtKeyUsage == nil {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return t
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		panic("authntest: create certificate: " + err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic("authntest: parse certificate: " + err.Error())
	}
	return cert
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
