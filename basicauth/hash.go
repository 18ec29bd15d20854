package basicauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2Params are the argon2id parameters [HashArgon2id] uses. A zero
// field takes its value from [DefaultArgon2Params].
type Argon2Params struct {
	// Memory is the memory cost in KiB (the "m" parameter). It must be at
	// least 8 × Threads and at most [MaxArgon2Memory].
	Memory uint32
	// Time is the number of passes over memory (the "t" parameter), 1 to
	// [MaxArgon2Time].
	Time uint32
	// Threads is the degree of parallelism (the "p" parameter), at least 1.
	Threads uint8
	// SaltLength is the length of the random salt in bytes, 8 to 64.
	SaltLength uint32
	// KeyLength is the length of the derived hash in bytes, 16 to 64.
	KeyLength uint32
}

// Bounds on the argon2id parameters accepted in a password file and by
// [HashArgon2id]. They guard against a typo (or a hostile file) that would
// make each password check take minutes or gigabytes; every set of
// parameters that RFC 9106 recommends is inside them.
const (
	// MaxArgon2Memory is the largest memory cost accepted, in KiB (2 GiB,
	// RFC 9106's first recommended option). Each check running at once
	// allocates this much.
	MaxArgon2Memory = 2 << 20
	// MaxArgon2Time is the largest number of passes accepted.
	MaxArgon2Time = 64
)

const (
	minSaltLength = 8
	maxSaltLength = 64
	minKeyLength  = 16
	maxKeyLength  = 64

	// bcryptMaxPassword is the number of password bytes bcrypt uses; it
	// ignores the rest.
	bcryptMaxPassword = 72
	bcryptHashLength  = 60
)

// DefaultArgon2Params returns the parameters of RFC 9106 section 4's second
// recommended option, for when memory is scarce: 64 MiB of memory, 3
// passes, 4 lanes, a 16-byte salt and a 32-byte hash. One check takes
// roughly 50–100 ms on current server CPUs, on up to 4 threads.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 64 << 10, Time: 3, Threads: 4, SaltLength: 16, KeyLength: 32}
}

// withDefaults fills zero fields from DefaultArgon2Params.
func (p Argon2Params) withDefaults() Argon2Params {
	d := DefaultArgon2Params()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.SaltLength == 0 {
		p.SaltLength = d.SaltLength
	}
	if p.KeyLength == 0 {
		p.KeyLength = d.KeyLength
	}
	return p
}

// check validates p against the bounds documented on Argon2Params.
func (p Argon2Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2id parallelism must be at least 1")
	case p.Time < 1 || p.Time > MaxArgon2Time:
		return fmt.Errorf("argon2id time cost %d out of range 1..%d", p.Time, MaxArgon2Time)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxArgon2Memory:
		return fmt.Errorf("argon2id memory cost %d KiB out of range %d..%d", p.Memory, 8*uint32(p.Threads), MaxArgon2Memory)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("argon2id salt length %d out of range %d..%d", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("argon2id hash length %d out of range %d..%d", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// HashArgon2id hashes password with argon2id under a fresh random salt and
// returns it in the PHC string format that a password file accepts:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// with salt and hash in unpadded standard base64. Zero fields of p take the
// values of [DefaultArgon2Params]. The string contains commas, so a CSV
// writer quotes it (encoding/csv does). The error, for parameters out of
// range, never contains the password. Safe for concurrent use.
func HashArgon2id(password []byte, p Argon2Params) (string, error) {
	p = p.withDefaults()
	if err := p.check(); err != nil {
		return "", fmt.Errorf("basicauth: %w", err)
	}
	salt := make([]byte, p.SaltLength)
	_, _ = rand.Read(salt) // never fails (crypto/rand.Read crashes the program instead)
	key := argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	return formatArgon2id(p, salt, key), nil
}

func formatArgon2id(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// kind is how a row's password column is stored.
type kind uint8

const (
	kindPlain kind = iota
	kindBcrypt
	kindArgon2id
)

func (k kind) String() string {
	switch k {
	case kindBcrypt:
		return "bcrypt"
	case kindArgon2id:
		return "argon2id"
	default:
		return "plaintext"
	}
}

// credential is one row's stored password, in a form ready to verify.
// Immutable once built.
type credential struct {
	kind   kind
	digest [sha256.Size]byte // kindPlain: SHA-256 of the password
	bcrypt []byte            // kindBcrypt: the 60-byte modular crypt string
	salt   []byte            // kindArgon2id
	key    []byte            // kindArgon2id
	spec   spec              // cost parameters (all kinds), to pick a dummy
}

// spec is a credential's kind and cost parameters. Two credentials with
// equal specs take the same time to verify.
type spec struct {
	kind       kind
	bcryptCost int
	argon2     Argon2Params // with SaltLength and KeyLength set
}

// expensive reports whether verifying takes a slow hash (and so a slot
// among Options.MaxConcurrentChecks, and a place in the cache).
func (c *credential) expensive() bool { return c.kind != kindPlain }

// verify reports whether password matches c. Plaintext rows compare
// SHA-256 digests in constant time, so that neither content nor length
// leaks; bcrypt and argon2id use their own comparison. A bcrypt row never
// matches a password longer than 72 bytes (bcrypt would ignore the rest),
// but the hash is still computed so that the time taken is the same.
func (c *credential) verify(password []byte) bool {
	switch c.kind {
	case kindBcrypt:
		ok := bcrypt.CompareHashAndPassword(c.bcrypt, password) == nil
		return ok && len(password) <= bcryptMaxPassword
	case kindArgon2id:
		p := c.spec.argon2
		got := argon2.IDKey(password, c.salt, p.Time, p.Memory, p.Threads, uint32(len(c.key)))
		return subtle.ConstantTimeCompare(got, c.key) == 1
	default:
		d := sha256.Sum256(password)
		return subtle.ConstantTimeCompare(d[:], c.digest[:]) == 1
	}
}

// bcryptAlphabet is bcrypt's own base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// parseCredential turns a password column into a credential. A value that
// looks like a modular-crypt or PHC hash ("$id$…") must be a valid bcrypt
// ($2a$, $2b$, $2y$) or argon2id hash; anything else is a plaintext
// password. Errors never contain the value.
func parseCredential(value string) (*credential, error) {
	id, isHash := hashID(value)
	switch {
	case value == "":
		return nil, errors.New("empty password")
	case !isHash:
		if err := checkText(value); err != nil {
			return nil, fmt.Errorf("plaintext password %w", err)
		}
		return &credential{kind: kindPlain, digest: sha256.Sum256([]byte(value)), spec: spec{kind: kindPlain}}, nil
	case id == "2a" || id == "2b" || id == "2y":
		return parseBcrypt(value)
	case id == "argon2id":
		return parseArgon2id(value)
	default:
		// The identifier is not quoted: it could be the start of a
		// plaintext password.
		return nil, errors.New("unsupported password hash: a password starting with $<id>$ must be a bcrypt ($2a$, $2b$, $2y$) or argon2id hash")
	}
}

// hashID reports the identifier of a value shaped like a modular-crypt or
// PHC string: "$" followed by 1 to 32 of [a-z0-9-] and "$".
func hashID(value string) (string, bool) {
	if !strings.HasPrefix(value, "$") {
		return "", false
	}
	end := strings.IndexByte(value[1:], '$')
	if end < 1 || end > 32 {
		return "", false
	}
	id := value[1 : 1+end]
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return "", false
		}
	}
	return id, true
}

// parseBcrypt validates a bcrypt hash fully (length, version, cost,
// alphabet), so that a broken one fails at load and not at each login.
func parseBcrypt(value string) (*credential, error) {
	if len(value) != bcryptHashLength {
		return nil, fmt.Errorf("bcrypt hash is %d bytes long, want %d", len(value), bcryptHashLength)
	}
	if value[6] != '$' || !isDigit(value[4]) || !isDigit(value[5]) {
		return nil, errors.New("bcrypt hash has no two-digit cost")
	}
	for i := 7; i < len(value); i++ {
		if strings.IndexByte(bcryptAlphabet, value[i]) < 0 {
			return nil, errors.New("bcrypt hash has a character outside its alphabet")
		}
	}
	cost := int(value[4]-'0')*10 + int(value[5]-'0')
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return &credential{kind: kindBcrypt, bcrypt: []byte(value), spec: spec{kind: kindBcrypt, bcryptCost: cost}}, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseArgon2id validates an argon2id PHC string:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, parameters in
// that order, salt and hash in unpadded standard base64 (canonical).
func parseArgon2id(value string) (*credential, error) {
	parts := strings.Split(value, "$")
	if len(parts) != 6 {
		return nil, errors.New("argon2id hash is not $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[2] != "v=19" {
		return nil, errors.New("argon2id hash version is not v=19")
	}
	var p Argon2Params
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return nil, errors.New("argon2id parameters are not m=…,t=…,p=…")
	}
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return nil, errors.New("argon2id parameters are not m=…,t=…,p=…")
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil || (len(v) > 1 && v[0] == '0') {
			return nil, fmt.Errorf("argon2id parameter %s is not a number in range", name)
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		default:
			p.Threads = uint8(n)
		}
	}
	enc := base64.RawStdEncoding.Strict()
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return nil, errors.New("argon2id salt is not unpadded standard base64")
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil {
		return nil, errors.New("argon2id hash is not unpadded standard base64")
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return nil, err
	}
	return &credential{kind: kindArgon2id, salt: salt, key: key, spec: spec{kind: kindArgon2id, argon2: p}}, nil
}

// dummyCredential returns a credential of the given spec that no password
// matches: it has random salt and hash. Verifying against it takes as long
// as verifying against a real row of the same spec, which is what unknown
// user names are checked against.
func dummyCredential(s spec) *credential {
	c := &credential{kind: s.kind, spec: s}
	switch s.kind {
	case kindBcrypt:
		enc := base64.NewEncoding(bcryptAlphabet).WithPadding(base64.NoPadding)
		raw := make([]byte, 16+23)
		_, _ = rand.Read(raw)
		c.bcrypt = fmt.Appendf(nil, "$2b$%02d$%s%s", s.bcryptCost, enc.EncodeToString(raw[:16]), enc.EncodeToString(raw[16:]))
	case kindArgon2id:
		c.salt = make([]byte, s.argon2.SaltLength)
		c.key = make([]byte, s.argon2.KeyLength)
		_, _ = rand.Read(c.salt)
		_, _ = rand.Read(c.key)
	default:
		_, _ = rand.Read(c.digest[:])
	}
	return c
}

// checkText reports why s cannot appear in a Basic credential: invalid
// UTF-8, or an ASCII control character (RFC 7617 section 2 forbids them).
// The error is errNotUTF8 or errControlChar.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errNotUTF8
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return errControlChar
		}
	}
	return nil
}

var (
	errNotUTF8     = errors.New("is not valid UTF-8")
	errControlChar = errors.New("contains a control character")
)
