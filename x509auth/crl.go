package x509auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxCRLs bounds the CRLs one file may hold.
const maxCRLs = 1024

// maxIssuerMemo bounds how many issuer certificates a CRL snapshot
// remembers its resolution for. Issuers come from verified chains only,
// so the bound is reached only with an enormous CA population; past it,
// resolution still works but is not remembered.
const maxIssuerMemo = 4096

// crlSet is an immutable snapshot of the CRL file, plus a memo of which
// CRLs apply to which issuing CA (resolved on first use, because the
// issuer may be an intermediate the client sends).
type crlSet struct {
	byIssuer map[string][]*crlInfo // by the CRL's raw issuer name
	count    int                   // CRLs
	revoked  int                   // entries, over all CRLs

	mu   sync.Mutex                                // serializes memo updates
	memo atomic.Pointer[map[issuerKey]*issuerCRLs] // copy on write; nil value: no CRL for that issuer
}

// Entries is the number of revoked certificates the CRLs list, as a
// reload.Counter: for health and reload events.
func (s *crlSet) Entries() int { return s.revoked }

// crlInfo is one parsed CRL.
type crlInfo struct {
	list    *x509.RevocationList
	where   string // "CRL 2 (line 14)" or "CRL 2 (byte 812)", for messages
	revoked map[string]struct{}
}

// issuerCRLs is what the CRL file says about the certificates one CA
// issued: the union of the revoked serial numbers of every CRL it signed,
// and the latest NextUpdate among them (zero if one of them has none).
type issuerCRLs struct {
	revoked    map[string]struct{}
	nextUpdate time.Time
}

// stale reports whether the CA's CRLs are out of date at now.
func (c *issuerCRLs) stale(now time.Time) bool {
	return !c.nextUpdate.IsZero() && now.After(c.nextUpdate)
}

// issuerKey identifies a CA certificate by its SHA-256 fingerprint. It
// keys the memo of which CRLs a CA signed: the certificate itself, not its
// subject and key, because two certificates of one CA (a root re-issued
// without the CRL-signing key usage, say) can get different answers from
// CheckSignatureFrom.
type issuerKey [sha256.Size]byte

func keyOfIssuer(c *x509.Certificate) issuerKey { return sha256.Sum256(c.Raw) }

var (
	errNoCRL          = errors.New("no CRL found")
	errCRLNotFromCA   = errors.New("CRL signature does not verify with the CA of that name in the bundle")
	errCRLOutOfDate   = errors.New("CRL is out of date (its nextUpdate has passed)")
	errCRLCritical    = errors.New("CRL has an unsupported critical extension (delta CRLs, issuing distribution points and indirect CRLs are not supported)")
	errCRLPEMType     = errors.New("PEM block is not an X509 CRL")
	errCRLTooMany     = fmt.Errorf("more than %d CRLs", maxCRLs)
	errCRLTrailingDER = errors.New("data after the last DER CRL is not a CRL")
)

// parseCRLs reads a CRL file: PEM ("X509 CRL" blocks; other block types
// are an error, text between blocks is ignored) or DER (one or more CRLs
// back to back). Each CRL must parse, have no critical extension this
// package does not understand, and be current at now (nextUpdate absent or
// not passed). When bundle lists CAs (a CA file) and one of them has the
// CRL's issuer name, the CRL's signature must verify with one of those
// CAs; a CRL whose issuer is not in the bundle is kept for intermediates of
// that name and checked against the intermediate when a chain through it is
// verified.
func parseCRLs(name string, data []byte, bundle *caBundle, now time.Time) (*crlSet, error) {
	s := &crlSet{byIssuer: map[string][]*crlInfo{}}
	add := func(der []byte, where string) error {
		if s.count >= maxCRLs {
			return fmt.Errorf("%s%w", prefix(name), errCRLTooMany)
		}
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			return fmt.Errorf("%s%s: %w", prefix(name), where, err)
		}
		if err := checkCRL(l, bundle, now); err != nil {
			return fmt.Errorf("%s%s issuer %s: %w", prefix(name), where, quoteSubject(l.Issuer.String()), err)
		}
		info := &crlInfo{list: l, where: where, revoked: make(map[string]struct{}, len(l.RevokedCertificateEntries))}
		for _, e := range l.RevokedCertificateEntries {
			info.revoked[serialKey(e.SerialNumber)] = struct{}{}
		}
		s.byIssuer[string(l.RawIssuer)] = append(s.byIssuer[string(l.RawIssuer)], info)
		s.count++
		s.revoked += len(info.revoked)
		return nil
	}

	if nextBegin(data) >= 0 {
		err := eachPEMBlock(name, data, func(block *pem.Block, line int) error {
			if block.Type != "X509 CRL" {
				return fmt.Errorf("%sline %d: %w", prefix(name), line, errCRLPEMType)
			}
			return add(block.Bytes, fmt.Sprintf("CRL %d (line %d)", s.count+1, line))
		})
		if err != nil {
			return nil, err
		}
	} else {
		in := cryptobyte.String(data)
		for len(in) > 0 {
			offset := len(data) - len(in)
			var der cryptobyte.String
			if !in.ReadASN1Element(&der, cbasn1.SEQUENCE) {
				return nil, fmt.Errorf("%sbyte %d: %w", prefix(name), offset, errCRLTrailingDER)
			}
			if err := add(der, fmt.Sprintf("CRL %d (byte %d)", s.count+1, offset)); err != nil {
				return nil, err
			}
		}
	}
	if s.count == 0 {
		return nil, fmt.Errorf("%s%w", prefix(name), errNoCRL)
	}
	return s, nil
}

// checkCRL applies the load-time checks to one parsed CRL.
func checkCRL(l *x509.RevocationList, bundle *caBundle, now time.Time) error {
	for _, e := range l.Extensions {
		if e.Critical {
			return fmt.Errorf("%w: %s", errCRLCritical, e.Id)
		}
	}
	for _, r := range l.RevokedCertificateEntries {
		for _, e := range r.Extensions {
			if e.Critical {
				return fmt.Errorf("%w: entry extension %s", errCRLCritical, e.Id)
			}
		}
	}
	if !l.NextUpdate.IsZero() && now.After(l.NextUpdate) {
		return fmt.Errorf("%w: nextUpdate %s", errCRLOutOfDate, l.NextUpdate.UTC().Format(time.RFC3339))
	}
	if bundle == nil || bundle.certs == nil {
		return nil
	}
	named := false
	for _, ca := range bundle.certs {
		if !bytes.Equal(ca.RawSubject, l.RawIssuer) {
			continue
		}
		named = true
		if l.CheckSignatureFrom(ca) == nil {
			return nil
		}
	}
	if named {
		return errCRLNotFromCA
	}
	return nil // an intermediate's CRL: checked when the intermediate is seen
}

// forIssuer returns what the CRLs say about certificates issued by ca
// (whose issuerKey is key), or nil when no CRL of the file is signed by
// ca. The answer is remembered per CA certificate: the first call for a
// certificate checks the signatures of the CRLs bearing its name, later
// ones cost a map lookup.
func (s *crlSet) forIssuer(key issuerKey, ca *x509.Certificate) *issuerCRLs {
	if m := s.memo.Load(); m != nil {
		if r, ok := (*m)[key]; ok {
			return r
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.memo.Load()
	if old != nil {
		if r, ok := (*old)[key]; ok {
			return r
		}
	}
	var r *issuerCRLs
	for _, c := range s.byIssuer[string(ca.RawSubject)] {
		if c.list.CheckSignatureFrom(ca) != nil {
			continue // another CA of the same name (a rotated key, say)
		}
		if r == nil {
			r = &issuerCRLs{revoked: map[string]struct{}{}, nextUpdate: c.list.NextUpdate}
		} else if c.list.NextUpdate.IsZero() || (!r.nextUpdate.IsZero() && c.list.NextUpdate.After(r.nextUpdate)) {
			r.nextUpdate = c.list.NextUpdate
		}
		maps.Copy(r.revoked, c.revoked)
	}
	if old == nil || len(*old) < maxIssuerMemo {
		next := make(map[issuerKey]*issuerCRLs, 1+mapLen(old))
		if old != nil {
			maps.Copy(next, *old)
		}
		next[key] = r
		s.memo.Store(&next)
	}
	return r
}

func mapLen[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
