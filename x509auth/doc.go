// Package x509auth authenticates requests by their TLS client
// certificate, as kube-apiserver does with --client-ca-file: the chain the
// client sent is verified against a bundle of trusted CAs, and the
// certificate's subject names the user.
//
//	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
//		ClientCAFile: authn.FileOptions{Path: "/etc/kubernetes/pki/ca.crt"},
//	}})
//	if err != nil { … }
//	defer a.Close()
//	srv.TLSConfig = x509auth.TLSConfig(srv.TLSConfig) // ask for client certificates; the authenticator verifies
//	srv.Handler = authn.Middleware(a, authn.MiddlewareOptions{})(mux)
//
// A request without TLS or without a client certificate yields no opinion
// (nil, false, nil), so that a union tries its next authenticator; a
// certificate that verifies and names a user yields that user; any other
// certificate yields an error. The TLS layer must ask for client
// certificates, or clients never send one: Go's default,
// tls.NoClientCert, does not. It should ask without verifying them
// (tls.RequestClientCert, which [TLSConfig] sets), so that one listener
// can accept clients of several CAs (users, a front proxy) and a CA
// reload takes effect without restarting it. An Authenticator that sees
// TLS requests without certificates from a server whose tls.Config never
// asks logs a warning saying so, once.
//
// The [Verifier] underneath is exported for packages that verify
// certificates for other purposes: package requestheader checks a front
// proxy's certificate with one of its own, over the front-proxy CA bundle.
// Authenticators that map the certificates of one CA bundle differently
// can share a Verifier with [NewWithVerifier]; a Verifier is never shared
// between the client CA and the front proxy, whose CAs must be distinct
// ([CommonCAs] finds a CA the two bundles have in common).
//
// # Verification
//
// The first certificate of r.TLS.PeerCertificates is the leaf, the others
// are intermediates the client sent. The leaf must chain through them to
// a CA of the bundle, every certificate of the chain must be valid at the
// current time, and the chain must allow client authentication
// ([x509.ExtKeyUsageClientAuth]; a certificate with no extended key usage
// allows everything, so the version 1 certificates that "openssl x509
// -req" makes without -extfile are accepted, as Kubernetes accepts them).
// Verification is [x509.Certificate.Verify], as in Kubernetes.
//
// Every failure is a [*CertificateError] naming the leaf by serial number
// (hexadecimal, as openssl prints it) and subject — formatted only when
// its Error method is called, so that refusing a certificate costs no
// formatting — and its kind can be told apart with errors.Is and
// errors.As:
//
//	authn.ErrExpired, *authn.ExpiredError        a certificate of the chain has expired (its NotAfter)
//	authn.ErrNotYetValid, *authn.NotYetValidError  a certificate of the chain is not valid yet (its NotBefore)
//	ErrUnknownAuthority                          no chain to a CA of the bundle (also an x509.UnknownAuthorityError)
//	ErrWrongKeyUsage                             not valid for client authentication (a server-only certificate)
//	authn.ErrRevoked, *RevokedError              listed by its issuer's CRL or by the deny list
//	authn.ErrUnavailable                         its issuer's CRL is out of date: revocation cannot be checked (503)
//	ErrInvalidCertificate                        a chain longer than VerifyOptions.MaxIntermediates allows, or anything else crypto/x509 refuses
//	ErrNoCommonName, ErrInvalidUID               the certificate does not name a user ([CommonNameMapping])
//
// crypto/x509 reports expired and not-yet-valid certificates alike; the
// package tells them apart by comparing the time with the validity of the
// certificate that failed, and the message names that certificate when it
// is a CA of the chain.
//
// # Users
//
// [CommonNameMapping], the default, maps the leaf as Kubernetes does
// (CommonNameUserConversion in k8s.io/apiserver/pkg/authentication/request/x509):
//
//   - the subject's common name (CN) is the user name;
//   - each organization (O) is a group, in the order of the subject,
//     duplicates kept ("/CN=jane/O=dev/O=ops" is jane in dev and ops);
//   - the subject attribute 1.3.6.1.4.1.57683.2 ([UIDOID]), when present,
//     is the UID. This is Kubernetes' rule since 1.33 (feature gate
//     AllowParsingUserUIDFromCertAuth, alpha in 1.33, beta and on by
//     default from 1.34; parseUIDFromCert in the same file): at most one
//     such attribute, holding a non-empty string, else the certificate is
//     refused ([ErrInvalidUID]). This package always applies the rule;
//     a custom mapping can ignore the attribute;
//   - Extra["authentication.kubernetes.io/credential-id"] ([authn.CredentialIDKey])
//     is "X509SHA256=" and the certificate's SHA-256 fingerprint in
//     lower-case hexadecimal, as Kubernetes sets it (for audit logs).
//
// Other subject attributes (OU, C, the LDAP uid 0.9.2342.19200300.100.1.1)
// are ignored. Response.Expiry is the earliest NotAfter of the verified
// chain. [Options.UserMapping] replaces the mapping for custom identity
// rules; it receives only verified certificates.
//
// # Revocation
//
// [VerifyOptions.CRLFile] holds one or more certificate revocation lists
// (RFC 5280 section 5), PEM ("X509 CRL" blocks, as "openssl ca -gencrl"
// writes) or DER (back to back). When the file is read, each CRL must
// parse, must be current (nextUpdate, when present, not passed), must have
// no critical extension (delta CRLs, issuing distribution points and
// indirect CRLs are not supported), and, when a CA of the bundle has the
// CRL's issuer name, must be signed by that CA; otherwise the whole file
// is refused and the previous CRLs stay in use. A CRL applies to the
// certificates issued by the CA certificate that signed it — its signature
// is checked with the actual issuer certificate of each certificate of
// the verified chain, and the answer remembered per issuer certificate
// (not per name or key: a root re-issued without the CRL-signing key
// usage cannot hide the CRL of the original root). So a CRL of an
// intermediate that the client sends, or of a CA given as a static pool,
// works too, and a CRL of a rotated-out key of the same name does not
// apply to the new one. Certificates whose issuer signed no CRL in the
// file are not checked. A certificate is revoked when its serial number is
// listed by its issuer's CRLs (several CRLs of one issuer count together;
// a certificate on hold counts as revoked); that holds for the leaf and
// for every intermediate.
//
// Freshness: a CRL that is out of date when read is refused. A CRL that
// goes out of date while serving (its nextUpdate passes and no newer file
// arrives) fails closed: certificates issued by that CA are refused with
// an error matching [authn.ErrUnavailable] (the middleware answers 503,
// clients retry) until a current CRL is installed; a certificate the stale
// CRL lists is still reported as revoked. Keep the CRL file fresh (for
// example regenerate it daily with "openssl ca -gencrl" and a
// default_crl_days of a week) or do not configure one.
//
// [VerifyOptions.DenyFile] is a simpler, immediate tool: one entry per
// line, "#" starting a comment, each line pasted from what one of these
// commands prints for the certificate to refuse:
//
//	# leaked laptop of jane, 2025-03-02:
//	#   openssl x509 -in jane.crt -outform DER | sha256sum
//	d7dfe37dd949decd8675f853655a06bc97a7155c4569107c8e0fa37bb07323e0  -
//	#   openssl x509 -in bob.crt -noout -fingerprint -sha256
//	sha256 Fingerprint=5A:5D:1E:F9:B0:F2:B5:AA:1D:3A:1A:2E:C8:A0:D0:BB:9D:3E:E5:C6:E5:A4:D0:D7:EC:9E:7B:6F:1F:0C:0A:0B
//	#   openssl x509 -in carol.crt -noout -serial
//	serial=6AEC95B308E84BFA00BC19AB37EBD3D7D394FCED
//
// A SHA-256 fingerprint denies exactly one certificate, leaf,
// intermediate or CA. It is written as 64 hexadecimal digits: alone,
// followed by "-" as sha256sum prints it for its standard input, after
// "sha256:", or after "sha256 Fingerprint=" (OpenSSL 3) or "SHA256
// Fingerprint=" (OpenSSL 1.1) as "openssl x509 -noout -fingerprint
// -sha256" prints it. Hash the DER encoding, as above: "sha256sum
// jane.crt" hashes the PEM file, which is not the certificate's
// fingerprint, and a line with a file name after the digits is refused.
//
// A serial number denies every leaf certificate with that serial number,
// whichever CA of the bundle issued it. It is written in hexadecimal,
// alone or after "serial=" as "openssl x509 -noout -serial" prints it, and
// must be one RFC 5280 allows (section 4.1.2.2): positive, at most 20
// octets. Sixty-four digits are therefore never a serial number: they are
// a fingerprint.
//
// In both, digits may come in pairs separated by colons (as "openssl x509
// -noout -text" prints serial numbers), and letters and prefixes are of
// either case. An entry of any other form (a SHA-1 fingerprint as openssl
// prints it, "SHA1 Fingerprint=…", a serial number longer than 20 octets,
// two entries on a line) refuses the whole file, naming it and the line.
// Forty bare hexadecimal digits are a valid serial number, so a SHA-1
// fingerprint pasted without its prefix cannot be told from one: use
// SHA-256 fingerprints. An empty deny list is valid.
//
// Revoked certificates are refused with a [*RevokedError] (matching
// [authn.ErrRevoked]) that says which certificate and which source. The
// CRLs and the deny list are applied on every request, cached chain or
// not, so a revocation takes effect at the first request after the file is
// reloaded.
//
// # Cache
//
// Verifying a chain costs one or more signature checks (tens of
// microseconds); a client sends the same chain on every request. A
// [Verifier] remembers verified chains ([VerifyOptions.CacheSize], default
// [DefaultCacheSize]): the key is the SHA-256 of the presented
// certificates' SHA-256 fingerprints (the leaf's fingerprint alone when
// the client sends only its leaf), so a hit costs about one SHA-256 of the
// certificates, a read lock and a map lookup, and does not allocate. An
// entry is used only with the CA bundle it was verified against (each
// bundle read gets a new generation; a reload also empties the cache), and
// never after the earliest NotAfter of its chain: the current time is
// compared on every hit. When the cache is full, an insertion drops stale
// entries among a few sampled ones, or else one of them at random. The key
// needs no secret: certificates are public, and finding two chains with
// the same key means breaking SHA-256.
//
// Failures are remembered too, in a second map of the same size, so that a
// client repeating a chain that does not verify (on a keep-alive
// connection, say) costs a hash per request rather than a verification:
// the same key (the whole presented chain), the same generation rule, ten
// seconds at most, and, for a certificate that is not valid yet, no later
// than its NotBefore. Every reload (CA bundle, CRLs, deny list) forgets
// them. Each Verifier has its own maps: a chain refused by a front proxy's
// Verifier is remembered there and says nothing to the client-certificate
// Verifier, and the reverse.
//
// Before any of this, a chain longer than the leaf and
// [VerifyOptions.MaxIntermediates] certificates (default
// [DefaultMaxIntermediates]) is refused: crypto/x509 may try every
// certificate the client sent as a parent of every other, so the length
// of the chain bounds the worst case of a verification.
//
// [Authenticator] with the default mapping builds one [authn.Response] per
// cached chain and returns it to every request presenting the chain: the
// response is read-only.
//
// # Reloading
//
// [VerifyOptions.ClientCAFile], CRLFile and DenyFile are each an
// [authn.FileOptions]: the file's Path, its periodic check's Interval (one
// minute by default), its MaxSize ([DefaultMaxSize] by default) and its
// own OnError and OnReload callbacks. They are watched as every
// file-backed authnkit component watches its files: fsnotify on their
// folders (so editors' rename-over, delete and re-create, and Kubernetes'
// ConfigMap and Secret volume updates are all noticed), plus the periodic
// check. A changed file is parsed into a new snapshot that replaces the
// old one at once; requests never wait for a reload and take no lock for
// it. A file that cannot be read or parsed — a CA bundle with no
// certificate, a torn PEM block, a CRL that is out of date or not signed
// by its CA, a malformed deny-list line — keeps the previous snapshot
// serving; the failure is logged at Warn and passed to that file's
// OnError, naming the file and the line or block. [Verifier.Reload] and
// [Authenticator.Reload] read every file at once (on SIGHUP, say) and
// return the failures. A certificate signed by a CA removed from the bundle is
// refused from the first request after the reload. When the CA bundle
// changes, the CRL file is read again, since its signatures are checked
// against the bundle. Write files atomically (write a temporary file, then
// rename it over the old one).
//
// # Observing
//
// [VerifyOptions.Observer] receives an [authn.ReloadEvent] after every
// attempt to load one of the files, the first included (Component
// "x509auth"; Entries the certificates of a CA bundle, the revoked
// certificates of the CRLs, the entries of a deny list), and
// [Verifier.Health] and [Authenticator.Health] report the files' state
// at any time ([authn.FileHealth]). An [Authenticator] reports an
// [authn.ClientCertificateEvent] for every request with a client
// certificate: the leaf's remaining validity, taken before the chain is
// verified as Kubernetes takes it for
// apiserver_client_certificate_expiration_seconds (an expired or unknown
// certificate counts too), and whether it verified. [Verifier.Verify]
// reports no certificate: a front proxy's (package requestheader) is not
// a client's, and Kubernetes does not observe it either. Every chain
// check, a front proxy's included, reports an [authn.ChainCheckEvent]:
// whether the caches of verified and failed chains answered, and whether
// the chain verified.
//
// # Security
//
// The authenticator trusts nothing the TLS layer decided: it ignores
// r.TLS.VerifiedChains and verifies r.TLS.PeerCertificates itself. The
// TLS handshake has already proved that the client holds the leaf's
// private key. Errors and log lines contain serial numbers, subjects and
// fingerprints — public parts of certificates, with control characters
// escaped — and never key material. Files are read with a size limit (16
// MiB). A [Verifier] and an [Authenticator] are safe for concurrent use;
// [Verifier.Close] stops the watchers and is idempotent.
//
// # Beyond Kubernetes
//
// The CA bundle is read as Kubernetes reads --client-ca-file (ParseCertsPEM
// in k8s.io/client-go/util/cert: every PEM CERTIFICATE block without
// headers, other blocks and text ignored, a certificate that does not
// parse refusing the file), the verification is the same
// (x509.Certificate.Verify for client authentication with the
// intermediates the client sent, as in k8s.io/apiserver's request/x509
// Authenticator), and so is the mapping (CommonNameUserConversion). These
// are the deliberate differences, each with its reason:
//
//   - A certificate with an empty common name is an error
//     ([ErrNoCommonName]); Kubernetes answers "no opinion", which lets a
//     later authenticator, or anonymous access, take a request that came
//     with a verified certificate, silently.
//   - One malformed PEM block (cut short by a partial write, bad base64,
//     no END line) refuses the whole CA bundle, and the previous one keeps
//     serving; Kubernetes skips the block and loads the rest, so a torn
//     write quietly drops CAs.
//   - A chain longer than the leaf and [VerifyOptions.MaxIntermediates]
//     certificates (default [DefaultMaxIntermediates]) is refused before
//     it is verified; Kubernetes verifies whatever the client sends, and
//     crypto/x509 may then check up to a hundred signatures per request: a
//     client with a long chain of junk intermediates makes every request
//     cost the server many verifications.
//   - Verified chains are cached, and so are failed ones (ten seconds at
//     most), per Verifier and CA bundle; Kubernetes verifies every request.
//     A client sends the same chain on every request: the first cache
//     makes it cost about a hash; the second does the same for a client
//     that repeats a bad chain, and for an ordinary client certificate,
//     which a front proxy's Verifier refuses on every request before this
//     one accepts it.
//   - Revocation: CRLs ([VerifyOptions.CRLFile], --client-crl-file in
//     package options) and a deny list ([VerifyOptions.DenyFile],
//     --client-cert-deny-file), applied on every request, cached chain or
//     not, with a stale CRL failing closed (503). Kubernetes cannot revoke
//     a client certificate: a leaked admin certificate is stopped only by
//     replacing the CA.
//   - The UID attribute ([UIDOID]) is always read; Kubernetes reads it
//     behind the feature gate AllowParsingUserUIDFromCertAuth (on by
//     default since 1.34). This module has no feature gates, which are
//     process-wide globals; a [Options.UserMapping] can ignore it.
//   - [Options.UserMapping] receives the leaf; Kubernetes' UserConversion
//     receives each verified chain in turn until one maps. The default
//     mapping reads only the leaf in both, so the answers are the same.
//   - Errors are typed and say which kind of failure it was ([errors.Is]
//     with the sentinels above); they name the leaf by serial number in
//     hexadecimal, as openssl prints it and the deny list takes it, and by
//     subject. Kubernetes' are strings naming the decimal serial number
//     and key identifiers.
//   - Responses carry an Expiry, the earliest NotAfter of the verified
//     chain, so that caches never outlive the certificate. Kubernetes
//     only records the leaf's remaining lifetime
//     (apiserver_client_certificate_expiration_seconds), which this
//     package reports to [VerifyOptions.Observer] rather than to a
//     process-wide metric, and with whether the certificate verified.
//   - The files (CA bundle, CRLs, deny list) report every load attempt
//     and their health (see Observing); Kubernetes' dynamic CA file has
//     no such report. Why: an operator must see a reload that failed.
//   - [TLSConfig] and the warning about servers that never ask for client
//     certificates: kube-apiserver sets up its own listener; a library's
//     users set up theirs, and Go's default never asks.
package x509auth
