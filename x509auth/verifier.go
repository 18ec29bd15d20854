package x509auth

import (
	"cmp"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload"
)

// DefaultMaxIntermediates is how many certificates a client may send
// after its leaf when [VerifyOptions.MaxIntermediates] is zero: enough for
// a leaf, two levels of intermediate CAs and the root, which real client
// PKIs stay within, and few enough that a client sending a long chain of
// junk certificates cannot make a verification expensive.
const DefaultMaxIntermediates = 4

// maxIntermediatesLimit bounds [VerifyOptions.MaxIntermediates].
const maxIntermediatesLimit = 15

// DefaultMaxSize is the largest CA bundle, CRL file or deny list read, in
// bytes, when its [authn.FileOptions.MaxSize] is zero, and the limit
// [ReadCABundle] applies: 16 MiB.
const DefaultMaxSize = 16 << 20

// VerifyOptions configures a [Verifier]. Exactly one of ClientCA and
// ClientCAFile is required; everything else is optional, and zero values
// are the defaults described with each field.
//
// Each file is an [authn.FileOptions]: its Path, how often it is checked
// besides file-system notifications (Interval), its size limit (MaxSize,
// zero meaning [DefaultMaxSize]) and its own OnError and OnReload
// callbacks. A file whose Path is empty is not used. A file that fails to
// reload keeps its previous content serving; see the package
// documentation.
type VerifyOptions struct {
	// ClientCA is a static set of trusted CAs. NewVerifier keeps a copy,
	// so later changes to the pool have no effect.
	ClientCA *x509.CertPool
	// ClientCAFile is a PEM bundle of trusted CAs, kube-apiserver's
	// --client-ca-file. It is read by [NewVerifier] and reloaded when it
	// changes; a version that cannot be read or parsed, or holds no
	// certificate, keeps the previous bundle serving and is reported
	// through Logger and its OnError. A new bundle also reloads CRLFile,
	// whose signatures are checked against it.
	ClientCAFile authn.FileOptions
	// CRLFile optionally holds certificate revocation lists (PEM "X509
	// CRL" blocks, or DER), each signed by a CA that issues client
	// certificates. A certificate listed by its issuer's CRL is rejected
	// with a [*RevokedError]. Reloaded like ClientCAFile. An authnkit
	// extension (--client-crl-file); Kubernetes has no CRL support.
	CRLFile authn.FileOptions
	// DenyFile optionally holds a deny list: one entry per line, "#"
	// comments; an entry is a certificate's SHA-256 fingerprint (64
	// hexadecimal digits, as sha256sum or "openssl x509 -fingerprint
	// -sha256" print it) or a leaf's serial number (as "openssl x509
	// -serial" prints it). See the package documentation for the forms.
	// A listed certificate is rejected with a [*RevokedError]. Reloaded
	// like ClientCAFile. An authnkit extension (--client-cert-deny-file).
	DenyFile authn.FileOptions
	// MaxIntermediates bounds how many certificates a client may send
	// after its leaf (intermediates, and the root when the client sends it
	// too). A longer chain is refused before any signature is checked,
	// with an error matching [ErrInvalidCertificate] that gives the count.
	// Zero means [DefaultMaxIntermediates]; a negative value allows none
	// (clients must send their leaf alone); more than 15 is an error from
	// NewVerifier.
	MaxIntermediates int
	// CacheSize bounds how many verified chains are remembered, and
	// separately how many failed ones. Zero means [DefaultCacheSize]; a
	// negative value is an error from NewVerifier.
	CacheSize int
	// Logger receives lifecycle events (files loaded, reload failures);
	// never a request outcome. Nil means [slog.Default], resolved once in
	// NewVerifier; it is tagged authenticator=x509auth.
	Logger *slog.Logger
	// Observer receives an [authn.ReloadEvent] (Component "x509auth";
	// Entries the certificates of a CA bundle, the revoked certificates
	// of the CRLs, the entries of a deny list) after every attempt to
	// load one of the files, the first included; and, through an
	// [Authenticator], an [authn.ClientCertificateEvent] per request with
	// a client certificate. Nil: nothing is recorded.
	Observer *authn.Observer
}

// Verifier verifies client certificate chains for client authentication
// against a CA bundle, applies the CRLs and the deny list, and remembers
// verified chains. It is what [Authenticator] and the requestheader
// package build on. Create it with [NewVerifier]; the zero value is not
// usable. It is safe for concurrent use; a cache hit takes only the
// cache's read lock, and reloads never block Verify.
type Verifier struct {
	static *caBundle // set when ClientCA is
	ca     *reload.File[caBundle]
	crl    *reload.File[crlSet]
	deny   *reload.File[denyList]
	cache  *chainCache[*entry]   // verified chains
	failed *chainCache[*failure] // chains that failed verification

	// crlForCA is crl, for caReloaded, which may run on the CA file's
	// watcher before NewVerifier has set crl.
	crlForCA atomic.Pointer[reload.File[crlSet]]
	// reloading counts the Reload calls between their CA bundle reload
	// and their CRL reload: caReloaded leaves the CRLs to them, so that
	// one Reload reads (and reports) the CRL file once.
	reloading atomic.Int32

	gen       atomic.Uint64 // last CA bundle generation handed out
	maxPeers  int           // 1 + MaxIntermediates
	keyUsages []x509.ExtKeyUsage
	logger    *slog.Logger
	// onCertificate is the Observer's ClientCertificate, which the
	// Authenticators of this Verifier call; nil: not observed.
	onCertificate func(authn.ClientCertificateEvent)
	// onChain is the Observer's ChainCheck; nil when not observed.
	onChain func(authn.ChainCheckEvent)

	// verifications counts calls to x509.Certificate.Verify (tests).
	verifications atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

var _ io.Closer = (*Verifier)(nil)

// NewVerifier validates opts, reads the files it names, and returns a
// Verifier that keeps them current. It fails, naming the file and the
// line or block, when a file cannot be read or parsed, when neither or
// both of ClientCA and ClientCAFile are set, or when CacheSize or a
// file's MaxSize is negative or MaxIntermediates more than 15. A missing
// file matches [io/fs.ErrNotExist].
//
// With files it owns watcher goroutines until [Verifier.Close].
func NewVerifier(opts VerifyOptions) (*Verifier, error) {
	switch {
	case opts.ClientCA == nil && opts.ClientCAFile.Path == "":
		return nil, errors.New("x509auth: one of ClientCA and ClientCAFile is required")
	case opts.ClientCA != nil && opts.ClientCAFile.Path != "":
		return nil, errors.New("x509auth: ClientCA and ClientCAFile are mutually exclusive")
	case opts.CacheSize < 0:
		return nil, fmt.Errorf("x509auth: negative CacheSize %d", opts.CacheSize)
	case opts.MaxIntermediates > maxIntermediatesLimit:
		return nil, fmt.Errorf("x509auth: MaxIntermediates %d, more than %d", opts.MaxIntermediates, maxIntermediatesLimit)
	}
	for _, f := range []struct {
		name string
		fo   authn.FileOptions
	}{{"ClientCAFile", opts.ClientCAFile}, {"CRLFile", opts.CRLFile}, {"DenyFile", opts.DenyFile}} {
		if f.fo.MaxSize < 0 {
			return nil, fmt.Errorf("x509auth: %s: negative MaxSize %d", f.name, f.fo.MaxSize)
		}
	}
	logger := cmp.Or(opts.Logger, slog.Default()).With("authenticator", "x509auth")
	v := &Verifier{
		maxPeers:  1 + max(0, cmp.Or(opts.MaxIntermediates, DefaultMaxIntermediates)),
		keyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		logger:    logger,
	}
	if opts.Observer != nil {
		v.onCertificate = opts.Observer.ClientCertificate
		v.onChain = opts.Observer.ChainCheck
	}
	size := cmp.Or(opts.CacheSize, DefaultCacheSize)
	v.cache = newChainCache[*entry](size)
	v.failed = newChainCache[*failure](size)
	// ropts returns the reload options of the file fo, whose new content
	// is put to use by reloaded before fo.OnReload is called.
	ropts := func(fo authn.FileOptions, reloaded func()) reload.Options {
		ro := reload.OptionsFor("x509auth", fo, DefaultMaxSize, logger, opts.Observer)
		ro.OnReload = func() {
			reloaded()
			if fo.OnReload != nil {
				fo.OnReload()
			}
		}
		return ro
	}

	if opts.ClientCA != nil {
		v.static = &caBundle{roots: opts.ClientCA.Clone(), gen: v.gen.Add(1)}
	} else {
		f, err := reload.New(opts.ClientCAFile.Path, v.parseBundleFile, ropts(opts.ClientCAFile, v.caReloaded))
		if err != nil {
			return nil, err
		}
		v.ca = f
	}
	if opts.CRLFile.Path != "" {
		f, err := reload.New(opts.CRLFile.Path, v.parseCRLFile, ropts(opts.CRLFile, v.failed.clear))
		if err != nil {
			v.Close()
			return nil, err
		}
		v.crl = f
		v.crlForCA.Store(f)
	}
	if opts.DenyFile.Path != "" {
		f, err := reload.New(opts.DenyFile.Path, v.parseDenyFile, ropts(opts.DenyFile, v.failed.clear))
		if err != nil {
			v.Close()
			return nil, err
		}
		v.deny = f
	}
	return v, nil
}

func (v *Verifier) parseBundleFile(path string, data []byte) (*caBundle, error) {
	certs, err := parseBundle("x509auth: "+path, data)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
		if !c.IsCA {
			v.logger.Warn("CA bundle holds a certificate that is not a CA", "path", path,
				"serial", serialHex(c.SerialNumber), "subject", c.Subject.String())
		}
	}
	b := &caBundle{roots: roots, certs: certs, gen: v.gen.Add(1)}
	v.logger.Info("CA bundle loaded", "path", path, "certificates", len(certs))
	return b, nil
}

// caReloaded runs after a new CA bundle is in use: the cached chains and
// failures of the old one are dropped (they would never be used again),
// and the CRLs are parsed again, because their signatures are checked
// against the bundle.
func (v *Verifier) caReloaded() {
	v.cache.clear()
	v.failed.clear()
	if f := v.crlForCA.Load(); f != nil && v.reloading.Load() == 0 {
		_ = f.Reload() // failures are logged and reported by reload
	}
}

func (v *Verifier) parseCRLFile(path string, data []byte) (*crlSet, error) {
	s, err := parseCRLs("x509auth: "+path, data, v.bundle(), time.Now())
	if err != nil {
		return nil, err
	}
	v.logger.Info("CRLs loaded", "path", path, "crls", s.count, "revoked", s.revoked)
	return s, nil
}

func (v *Verifier) parseDenyFile(path string, data []byte) (*denyList, error) {
	d, err := parseDenyList("x509auth: "+path, data)
	if err != nil {
		return nil, err
	}
	v.logger.Info("deny list loaded", "path", path, "entries", d.Entries())
	return d, nil
}

// bundle returns the current CA bundle; nil only while NewVerifier loads
// the CA file.
func (v *Verifier) bundle() *caBundle {
	if v.static != nil {
		return v.static
	}
	if v.ca == nil {
		return nil
	}
	return v.ca.Load()
}

// Verify verifies peers — the leaf first, then the intermediates the
// client sent, as in [crypto/tls.ConnectionState.PeerCertificates] — for
// client authentication ([x509.ExtKeyUsageClientAuth]; a leaf without
// extended key usages is accepted, as crypto/x509 does) at the current
// time against the current CA bundle. A chain longer than the leaf and
// [VerifyOptions.MaxIntermediates] certificates is refused without
// verifying it. A chain verified before against the same bundle and still
// within its validity is not verified again, and a chain that failed
// within the last ten seconds gets the same error again (see the package
// documentation). The deny list and the CRLs are applied on every call,
// cached or not, so that a revocation takes effect at the next request
// after the file is reloaded.
//
// On success it returns the verified chains (each from the leaf to a CA
// of the bundle) and the earliest NotAfter of the first chain, the one a
// caller should use. The chains are shared: callers must not modify them.
//
// Every error is a [*CertificateError] naming the leaf by serial number
// and subject, wrapping the reason: [authn.ErrExpired] (an
// [*authn.ExpiredError]), [authn.ErrNotYetValid] (an
// [*authn.NotYetValidError]), [ErrUnknownAuthority], [ErrWrongKeyUsage],
// [authn.ErrRevoked] (a [*RevokedError]), [authn.ErrUnavailable] (the
// issuer's CRL is out of date), or [ErrInvalidCertificate] for the rest
// (including no certificate at all and a chain that is too long).
func (v *Verifier) Verify(peers []*x509.Certificate) (chains [][]*x509.Certificate, expiry time.Time, err error) {
	e, err := v.verify(peers, time.Now())
	if err != nil {
		return nil, time.Time{}, err
	}
	return e.chains, e.expiry, nil
}

// chainChecked reports a chain check to the observer, if any.
func (v *Verifier) chainChecked(cached, ok bool) {
	if v.onChain != nil {
		v.onChain(authn.ChainCheckEvent{Cached: cached, OK: ok})
	}
}

// verify is Verify returning the cache entry.
func (v *Verifier) verify(peers []*x509.Certificate, now time.Time) (*entry, error) {
	switch {
	case len(peers) == 0:
		return nil, certError(nil, errNoPeers)
	case len(peers) > v.maxPeers:
		return nil, certError(peers[0], &chainTooLongError{n: len(peers), max: v.maxPeers})
	}
	for i, c := range peers {
		if c == nil {
			return nil, certError(nil, fmt.Errorf("%w: certificate %d is nil", ErrInvalidCertificate, i))
		}
	}
	ca := v.bundle()
	var p presented
	key := keyOf(peers, &p)
	if e, ok := v.cache.get(key, ca.gen, now); ok {
		v.chainChecked(true, true)
		return e, v.checkRevocation(e, now)
	}
	if f, ok := v.failed.get(key, ca.gen, now); ok {
		v.chainChecked(true, false)
		return nil, f.err
	}
	opts := x509.VerifyOptions{Roots: ca.roots, CurrentTime: now, KeyUsages: v.keyUsages}
	if len(peers) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range peers[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	v.verifications.Add(1)
	chains, err := peers[0].Verify(opts)
	v.chainChecked(false, err == nil)
	if err != nil {
		err = certError(peers[0], classify(err, now))
		v.failed.put(key, newFailure(err, ca.gen, now), now, ca.gen)
		return nil, err
	}
	// Issuer links serve only CRL checks.
	e := newEntry(chains, ca.gen, &p, peers, v.crl != nil)
	v.cache.put(key, e, now, ca.gen)
	return e, v.checkRevocation(e, now)
}

// classify turns an error of x509.Certificate.Verify into this package's
// kinds, keeping the original in the tree. Nothing is formatted until the
// error's Error method is called.
func classify(err error, now time.Time) error {
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return newReason(ErrUnknownAuthority, nil, err)
	}
	if ie, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		switch ie.Reason {
		case x509.Expired:
			c := ie.Cert
			if c == nil {
				return newReason(ErrInvalidCertificate, nil, err)
			}
			var ca *x509.Certificate
			if c.IsCA {
				ca = c
			}
			if now.Before(c.NotBefore) {
				return newReason(&authn.NotYetValidError{NotBefore: c.NotBefore}, ca, err)
			}
			return newReason(&authn.ExpiredError{Expiry: c.NotAfter}, ca, err)
		case x509.IncompatibleUsage:
			return newReason(ErrWrongKeyUsage, nil, err)
		}
	}
	return newReason(ErrInvalidCertificate, nil, err)
}

// checkRevocation applies the deny list and the CRLs to a verified chain.
func (v *Verifier) checkRevocation(e *entry, now time.Time) error {
	if v.deny != nil {
		d := v.deny.Load()
		if len(d.sums) > 0 {
			for i := range e.certs {
				if _, ok := d.sums[e.certs[i].sum]; ok {
					return certError(e.leaf, revoked(e.certs[i].cert, e.certs[i].sum, e.certs[i].leaf, "deny sha256"))
				}
			}
		}
		if _, ok := d.serials[e.leafSerial]; ok {
			return certError(e.leaf, revoked(e.leaf, e.certs[0].sum, true, "deny serial"))
		}
	}
	if v.crl == nil {
		return nil
	}
	s := v.crl.Load()
	var stale *link
	var staleCRLs *issuerCRLs
	for i := range e.links {
		l := &e.links[i]
		r := s.forIssuer(l.issuerKey, l.issuer)
		if r == nil {
			continue
		}
		if _, ok := r.revoked[l.serial]; ok {
			return certError(e.leaf, revoked(l.cert, e.sumOf(l.cert), l.leaf, "crl"))
		}
		if stale == nil && r.stale(now) {
			stale, staleCRLs = l, r
		}
	}
	if stale != nil {
		return certError(e.leaf, &authn.UnavailableError{Err: &staleCRLError{issuer: stale.issuer, nextUpdate: staleCRLs.nextUpdate}})
	}
	return nil
}

// sumOf returns the fingerprint of c, one of e's certificates.
func (e *entry) sumOf(c *x509.Certificate) [32]byte {
	if i := e.indexOf(c); i >= 0 {
		return e.certs[i].sum
	}
	return sha256.Sum256(c.Raw)
}

func revoked(c *x509.Certificate, sum [32]byte, leaf bool, source string) *RevokedError {
	return &RevokedError{Certificate: c, Fingerprint: sum, Leaf: leaf, Source: source}
}

// Reload reads and parses the Verifier's files now, on the calling
// goroutine, as the watchers do when a file changes: the deny list, the CA
// bundle, then the CRLs (whose signatures are checked against the bundle),
// each once. A file that fails keeps its previous content serving; each
// failure is logged, passed to that file's OnError, and returned, all of
// them joined, naming the files. With ClientCA and no file it does nothing
// and returns nil. Reload still works after Close. It is safe to call
// concurrently with Verify.
func (v *Verifier) Reload() error {
	var errs []error
	if v.deny != nil {
		errs = append(errs, v.deny.Reload())
	}
	// The CRLs are read after the bundle, and once: a CA reload on a
	// watcher meanwhile leaves them to the CRL reload below, which sees
	// its bundle.
	v.reloading.Add(1)
	if v.ca != nil {
		errs = append(errs, v.ca.Reload())
	}
	v.reloading.Add(-1)
	if v.crl != nil {
		errs = append(errs, v.crl.Reload())
	}
	return errors.Join(errs...)
}

// Health reports the state of the Verifier's files ([authn.FileHealth]),
// in the order CA bundle, CRL file, deny list, leaving out those it does
// not have; nil with ClientCA and no file. It does no I/O.
func (v *Verifier) Health() []authn.FileHealth {
	var out []authn.FileHealth
	if v.ca != nil {
		out = append(out, v.ca.Health())
	}
	if v.crl != nil {
		out = append(out, v.crl.Health())
	}
	if v.deny != nil {
		out = append(out, v.deny.Health())
	}
	return out
}

// Close stops watching the files and waits for the watcher goroutines to
// return. The last bundle, CRLs and deny list loaded stay in use. Close is
// idempotent and returns the same error each time.
func (v *Verifier) Close() error {
	v.closeOnce.Do(func() {
		var errs []error
		for _, c := range []io.Closer{closer(v.ca), closer(v.crl), closer(v.deny)} {
			if c != nil {
				errs = append(errs, c.Close())
			}
		}
		v.closeErr = errors.Join(errs...)
	})
	return v.closeErr
}

// closer returns f as an io.Closer, or nil for a nil f (avoiding a non-nil
// interface holding a nil pointer).
func closer[T any](f *reload.File[T]) io.Closer {
	if f == nil {
		return nil
	}
	return f
}
