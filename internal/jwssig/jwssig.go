// Package jwssig verifies JWS signatures (RFC 7515) for the asymmetric
// algorithms of RFC 7518 §3 and RFC 8037: RS256/384/512, PS256/384/512,
// ES256/384/512 and EdDSA (Ed25519). There is no "none" and no HMAC: a
// verifier that accepted them would let anyone holding the public key, or
// nobody at all, sign tokens.
//
// It is shared by the JWT authenticators (serviceaccount, oidc), which pick
// the keys; it does no allocation beyond what the crypto packages need.
package jwssig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

var (
	// ErrAlgorithm reports an algorithm that is not one of the asymmetric
	// algorithms above.
	ErrAlgorithm = errors.New("algorithm not supported")
	// ErrKeyMismatch reports a key whose type or curve cannot verify the
	// algorithm.
	ErrKeyMismatch = errors.New("key type does not fit the algorithm")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("signature does not verify")
)

type family uint8

const (
	pkcs1 family = iota + 1
	pss
	ecdsaSig
	eddsa
)

// Alg is a supported signature algorithm. The zero Alg is not valid.
type Alg struct {
	name   string
	hash   crypto.Hash // zero for EdDSA, which signs the message itself
	family family
	curve  elliptic.Curve // ECDSA only
}

// Names lists every supported algorithm name.
var Names = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Lookup returns the algorithm called name ("alg" in a JOSE header), or an
// error matching [ErrAlgorithm].
func Lookup(name string) (Alg, error) {
	switch name {
	case "RS256":
		return Alg{name, crypto.SHA256, pkcs1, nil}, nil
	case "RS384":
		return Alg{name, crypto.SHA384, pkcs1, nil}, nil
	case "RS512":
		return Alg{name, crypto.SHA512, pkcs1, nil}, nil
	case "PS256":
		return Alg{name, crypto.SHA256, pss, nil}, nil
	case "PS384":
		return Alg{name, crypto.SHA384, pss, nil}, nil
	case "PS512":
		return Alg{name, crypto.SHA512, pss, nil}, nil
	case "ES256":
		return Alg{name, crypto.SHA256, ecdsaSig, elliptic.P256()}, nil
	case "ES384":
		return Alg{name, crypto.SHA384, ecdsaSig, elliptic.P384()}, nil
	case "ES512":
		return Alg{name, crypto.SHA512, ecdsaSig, elliptic.P521()}, nil
	case "EdDSA":
		return Alg{name, 0, eddsa, nil}, nil
	}
	return Alg{}, ErrAlgorithm
}

// String returns the algorithm's JOSE name.
func (a Alg) String() string { return a.name }

// Hash returns the hash the algorithm signs, or 0 for EdDSA.
func (a Alg) Hash() crypto.Hash { return a.hash }

// IsRSA reports whether the algorithm takes an RSA key (RS* and PS*).
func (a Alg) IsRSA() bool { return a.family == pkcs1 || a.family == pss }

// Fits reports whether key can verify signatures of this algorithm: an
// *rsa.PublicKey for RS* and PS*, an *ecdsa.PublicKey on the algorithm's
// curve for ES*, an ed25519.PublicKey for EdDSA.
func (a Alg) Fits(key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return a.IsRSA()
	case *ecdsa.PublicKey:
		return a.family == ecdsaSig && k.Curve == a.curve
	case ed25519.PublicKey:
		return a.family == eddsa && len(k) == ed25519.PublicKeySize
	}
	return false
}

// Digest hashes the signing input into buf and returns the digest, or nil
// for EdDSA. The input is copied through a stack buffer, so hashing does
// not allocate a []byte copy of it. Compute it once and pass it to
// [Alg.VerifyDigest] for every candidate key.
func (a Alg) Digest(input string, buf *[64]byte) []byte {
	var st hash.Hash
	switch a.hash {
	case crypto.SHA256:
		// The common case, written out so that the compiler sees the
		// concrete digest and keeps it on the stack: no allocation.
		d := sha256.New()
		var chunk [512]byte
		for len(input) > 0 {
			n := copy(chunk[:], input)
			d.Write(chunk[:n])
			input = input[n:]
		}
		return d.Sum(buf[:0])
	case crypto.SHA384:
		st = sha512.New384()
	case crypto.SHA512:
		st = sha512.New()
	default:
		return nil
	}
	var chunk [512]byte
	for len(input) > 0 {
		n := copy(chunk[:], input)
		_, _ = st.Write(chunk[:n])
		input = input[n:]
	}
	return st.Sum(buf[:0])
}

// Verify checks sig over the signing input with key.
func (a Alg) Verify(key crypto.PublicKey, input string, sig []byte) error {
	var buf [64]byte
	return a.VerifyDigest(key, input, a.Digest(input, &buf), sig)
}

// VerifyDigest checks sig with key, given the signing input and its
// [Alg.Digest]. The error matches [ErrKeyMismatch] or [ErrSignature].
func (a Alg) VerifyDigest(key crypto.PublicKey, input string, dig, sig []byte) error {
	if !a.Fits(key) {
		return ErrKeyMismatch
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		var err error
		if a.family == pss {
			err = rsa.VerifyPSS(k, a.hash, dig, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		} else {
			err = rsa.VerifyPKCS1v15(k, a.hash, dig, sig)
		}
		if err != nil {
			return ErrSignature
		}
		return nil
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("%w: ECDSA signature is %d bytes, want %d", ErrSignature, len(sig), 2*size)
		}
		var der [2*66 + 12]byte
		if !ecdsa.VerifyASN1(k, dig, asn1Sig(der[:0], sig[:size], sig[size:])) {
			return ErrSignature
		}
		return nil
	case ed25519.PublicKey:
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(k, []byte(input), sig) {
			return ErrSignature
		}
		return nil
	}
	return ErrKeyMismatch
}

// asn1Sig appends the DER SEQUENCE { INTEGER r, INTEGER s } of JWS's
// fixed-size big-endian r and s (RFC 7518 §3.4) to b.
func asn1Sig(b, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	rl, sl := intLen(r), intLen(s)
	body := 2 + rl + 2 + sl
	b = append(b, 0x30)
	if body >= 0x80 {
		b = append(b, 0x81)
	}
	b = append(b, byte(body))
	b = appendInt(b, r, rl)
	return appendInt(b, s, sl)
}

func trimZeros(x []byte) []byte {
	for len(x) > 1 && x[0] == 0 {
		x = x[1:]
	}
	return x
}

func intLen(x []byte) int {
	if len(x) > 0 && x[0]&0x80 != 0 {
		return len(x) + 1
	}
	return len(x)
}

func appendInt(b, x []byte, l int) []byte {
	b = append(b, 0x02, byte(l))
	if l > len(x) {
		b = append(b, 0)
	}
	return append(b, x...)
}
