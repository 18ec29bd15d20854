package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// Signature algorithms accepted, as Kubernetes' go-jose verification
// accepts them for RSA and ECDSA keys: RS*, PS* and ES* (RFC 7518 §3).
// Never "none", never HMAC.
const (
	algRS256 = "RS256"
	algRS384 = "RS384"
	algRS512 = "RS512"
	algPS256 = "PS256"
	algPS384 = "PS384"
	algPS512 = "PS512"
	algES256 = "ES256"
	algES384 = "ES384"
	algES512 = "ES512"
)

var (
	errAlgNotAllowed = errors.New("algorithm not allowed")
	errKeyMismatch   = errors.New("key type does not fit the algorithm")
	errSigInvalid    = errors.New("signature does not verify")
)

// algHash returns the hash of an allowed algorithm, whether it is RSA, and
// whether it is PSS.
func algHash(alg string) (h crypto.Hash, isRSA, pss bool, err error) {
	switch alg {
	case algRS256:
		return crypto.SHA256, true, false, nil
	case algRS384:
		return crypto.SHA384, true, false, nil
	case algRS512:
		return crypto.SHA512, true, false, nil
	case algPS256:
		return crypto.SHA256, true, true, nil
	case algPS384:
		return crypto.SHA384, true, true, nil
	case algPS512:
		return crypto.SHA512, true, true, nil
	case algES256:
		return crypto.SHA256, false, false, nil
	case algES384:
		return crypto.SHA384, false, false, nil
	case algES512:
		return crypto.SHA512, false, false, nil
	}
	return 0, false, false, errAlgNotAllowed
}

// digest hashes the signing input into buf. The input is copied through a
// stack buffer, so that hashing does not allocate a []byte copy of it.
func digest(h crypto.Hash, input string, buf *[64]byte) []byte {
	var st hash.Hash
	switch h {
	case crypto.SHA256:
		st = sha256.New()
	case crypto.SHA384:
		st = sha512.New384()
	default:
		st = sha512.New()
	}
	var chunk [512]byte
	for len(input) > 0 {
		n := copy(chunk[:], input)
		_, _ = st.Write(chunk[:n])
		input = input[n:]
	}
	return st.Sum(buf[:0])
}

// fits reports whether key can verify alg.
func fits(alg string, isRSA bool, key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return isRSA
	case *ecdsa.PublicKey:
		if isRSA {
			return false
		}
		switch alg {
		case algES256:
			return k.Curve == elliptic.P256()
		case algES384:
			return k.Curve == elliptic.P384()
		case algES512:
			return k.Curve == elliptic.P521()
		}
	}
	return false
}

// verifySig checks sig over dig with key for alg; key fits alg.
func verifySig(alg string, h crypto.Hash, pss bool, key crypto.PublicKey, dig, sig []byte) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		var err error
		if pss {
			err = rsa.VerifyPSS(k, h, dig, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		} else {
			err = rsa.VerifyPKCS1v15(k, h, dig, sig)
		}
		if err != nil {
			return errSigInvalid
		}
		return nil
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("%w: ECDSA signature is %d bytes, want %d", errSigInvalid, len(sig), 2*size)
		}
		var der [2*66 + 12]byte
		if !ecdsa.VerifyASN1(k, dig, asn1Sig(der[:0], sig[:size], sig[size:])) {
			return errSigInvalid
		}
		return nil
	}
	return errKeyMismatch
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
