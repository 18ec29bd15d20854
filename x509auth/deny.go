package x509auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Deny-list syntax limits.
const (
	// FingerprintPrefix starts a deny-list entry that names a certificate
	// by the SHA-256 of its DER encoding (case-insensitive).
	FingerprintPrefix = "sha256:"
	// maxSerialDigits bounds a serial number in the deny list: RFC 5280
	// allows 20 octets; twice that leaves room for odd CAs.
	maxSerialDigits = 80
	// maxDenyLine bounds one line of the deny list.
	maxDenyLine = 1024
)

// denyList is an immutable snapshot of the deny file.
type denyList struct {
	serials map[string]struct{}            // serialKey of leaf serial numbers
	sums    map[[sha256.Size]byte]struct{} // certificate fingerprints
}

func (d *denyList) len() int { return len(d.serials) + len(d.sums) }

var errBadDenyEntry = errors.New("want a serial number in hexadecimal or sha256: and 64 hexadecimal digits (colons between digit pairs allowed)")

// parseDenyList reads a deny list: one entry per line, a serial number in
// hexadecimal or "sha256:" and a fingerprint of 64 hexadecimal digits, either
// with optional colons between digit pairs ("0A:1B" as openssl prints
// them); letters in either case; "#" starts a comment that runs to the end
// of the line; blank lines and white space around entries are ignored. An
// empty list is valid. Errors name the line, never its content.
func parseDenyList(name string, data []byte) (*denyList, error) {
	d := &denyList{serials: map[string]struct{}{}, sums: map[[sha256.Size]byte]struct{}{}}
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		if len(line) > maxDenyLine {
			return nil, fmt.Errorf("%sline %d: longer than %d bytes", prefix(name), n, maxDenyLine)
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		entry := strings.TrimSpace(string(line))
		if entry == "" {
			continue
		}
		if len(entry) >= len(FingerprintPrefix) && strings.EqualFold(entry[:len(FingerprintPrefix)], FingerprintPrefix) {
			digits, ok := hexDigits(entry[len(FingerprintPrefix):])
			if !ok || len(digits) != 2*sha256.Size {
				return nil, fmt.Errorf("%sline %d: fingerprint: %w", prefix(name), n, errBadDenyEntry)
			}
			var sum [sha256.Size]byte
			if _, err := hex.Decode(sum[:], []byte(digits)); err != nil {
				return nil, fmt.Errorf("%sline %d: fingerprint: %w", prefix(name), n, errBadDenyEntry)
			}
			d.sums[sum] = struct{}{}
			continue
		}
		digits, ok := hexDigits(entry)
		if !ok || len(digits) > maxSerialDigits {
			return nil, fmt.Errorf("%sline %d: %w", prefix(name), n, errBadDenyEntry)
		}
		serial, ok := new(big.Int).SetString(digits, 16)
		if !ok {
			return nil, fmt.Errorf("%sline %d: %w", prefix(name), n, errBadDenyEntry)
		}
		d.serials[serialKey(serial)] = struct{}{}
	}
	return d, nil
}

// hexDigits returns s without the colons that separate digit pairs, and
// whether s is hexadecimal: either digits only, or pairs of digits
// separated by single colons.
func hexDigits(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if strings.IndexByte(s, ':') >= 0 {
		var b strings.Builder
		for part := range strings.SplitSeq(s, ":") {
			if len(part) != 2 {
				return "", false
			}
			b.WriteString(part)
		}
		s = b.String()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	return s, true
}
