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

// FingerprintPrefix starts a deny-list entry that names a certificate by
// the SHA-256 of its DER encoding (case-insensitive).
const FingerprintPrefix = "sha256:"

// Prefixes of the other deny-list forms, compared case-insensitively: what
// "openssl x509 -noout -fingerprint -sha256" prints ("sha256
// Fingerprint=" from OpenSSL 3, "SHA256 Fingerprint=" before) and what
// "openssl x509 -noout -serial" prints.
const (
	opensslFingerprintPrefix = "sha256 fingerprint="
	opensslSerialPrefix      = "serial="
)

const (
	// maxSerialOctets is the longest serial number RFC 5280 (section
	// 4.1.2.2) allows: 20 octets of DER INTEGER content.
	maxSerialOctets = 20
	// maxDenyLine bounds one line of the deny list.
	maxDenyLine = 1024
)

// denyList is an immutable snapshot of the deny file.
type denyList struct {
	serials map[string]struct{}            // serialKey of leaf serial numbers
	sums    map[[sha256.Size]byte]struct{} // certificate fingerprints
}

// Entries is the number of entries in d, for the "loaded" line and, as a
// reload.Counter, for health and reload events.
func (d *denyList) Entries() int { return len(d.serials) + len(d.sums) }

var (
	errDenyEntry = errors.New("not a deny-list entry: want a SHA-256 fingerprint (64 hexadecimal digits, " +
		`"sha256:" and 64 digits, or "sha256 Fingerprint=" as openssl prints it) or a serial number in hexadecimal ("serial=" allowed); ` +
		"colons between digit pairs allowed")
	errDenyFingerprint = errors.New("fingerprint: want 64 hexadecimal digits (colons between digit pairs allowed)")
	errDenySerial      = errors.New("serial number: want hexadecimal digits (colons between digit pairs allowed)")
	errDenySerialZero  = errors.New("serial number: zero, RFC 5280 serial numbers are positive")
	errDenySerialLong  = fmt.Errorf("serial number: longer than the %d octets RFC 5280 allows; deny the certificate by its SHA-256 fingerprint", maxSerialOctets)
	errDenySum         = errors.New(`fingerprint: a sha256sum of a file is not a certificate's fingerprint; use "openssl x509 -outform DER | sha256sum", whose output ends in "-"`)
)

// parseDenyList reads a deny list: one entry per line, "#" starting a
// comment that runs to the end of the line, blank lines and white space
// around entries ignored, letters in either case. An entry is one of
//
//   - a SHA-256 fingerprint: 64 hexadecimal digits, alone or followed by
//     white space and "-" (what "sha256sum" prints for its standard
//     input), "sha256:" and 64 digits, or "sha256 Fingerprint=" and 64
//     digits (what "openssl x509 -noout -fingerprint -sha256" prints);
//   - a serial number: hexadecimal digits, optionally after "serial="
//     (what "openssl x509 -noout -serial" prints), of a positive number of
//     at most 20 octets, as RFC 5280 allows (so 64 digits are always a
//     fingerprint).
//
// Digits may come in pairs separated by colons ("0A:1B"). An empty list is
// valid. Errors name the line, never its content.
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
		if err := d.add(entry); err != nil {
			return nil, fmt.Errorf("%sline %d: %w", prefix(name), n, err)
		}
	}
	return d, nil
}

// add parses one entry (trimmed, not empty) into d.
func (d *denyList) add(entry string) error {
	if rest, ok := cutPrefixFold(entry, FingerprintPrefix); ok {
		return d.addFingerprint(rest)
	}
	if rest, ok := cutPrefixFold(entry, opensslFingerprintPrefix); ok {
		return d.addFingerprint(rest)
	}
	if rest, ok := cutPrefixFold(entry, opensslSerialPrefix); ok {
		return d.addSerial(rest)
	}
	fields := strings.Fields(entry)
	switch {
	case len(fields) == 2 && (fields[1] == "-" || fields[1] == "*-"): // sha256sum, text or binary mode
		return d.addFingerprint(fields[0])
	case len(fields) == 2 && isHex(fields[0]) && len(fields[0]) == 2*sha256.Size:
		return errDenySum
	case len(fields) != 1:
		return errDenyEntry
	}
	digits, ok := hexDigits(entry)
	if !ok {
		return errDenyEntry
	}
	if len(digits) == 2*sha256.Size {
		return d.addFingerprint(entry)
	}
	return d.addSerial(entry)
}

func (d *denyList) addFingerprint(s string) error {
	digits, ok := hexDigits(s)
	if !ok || len(digits) != 2*sha256.Size {
		return errDenyFingerprint
	}
	var sum [sha256.Size]byte
	if _, err := hex.Decode(sum[:], []byte(digits)); err != nil {
		return errDenyFingerprint
	}
	d.sums[sum] = struct{}{}
	return nil
}

func (d *denyList) addSerial(s string) error {
	digits, ok := hexDigits(s)
	if !ok {
		return errDenySerial
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return errDenySerialZero
	}
	// The DER content of a positive INTEGER is its magnitude, with a
	// leading zero octet when the high bit is set.
	octets := (len(digits) + 1) / 2
	if len(digits)%2 == 0 && digits[0] >= '8' {
		octets++
	}
	if octets > maxSerialOctets {
		return errDenySerialLong
	}
	serial, ok := new(big.Int).SetString(digits, 16)
	if !ok {
		return errDenySerial
	}
	d.serials[serialKey(serial)] = struct{}{}
	return nil
}

// cutPrefixFold is strings.CutPrefix, ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
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
	if !isHex(s) {
		return "", false
	}
	return s, true
}

// isHex reports whether s is made of hexadecimal digits only.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
