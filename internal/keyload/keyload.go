// Package keyload reads public verification keys from PEM and from JSON Web
// Keys (RFC 7517). It is shared by the JWT authenticators: serviceaccount
// reads --service-account-key-file with it, oidc reads providers' JWKS.
//
// Accepted key types: RSA (at least 1024 bits, crypto/rsa's own floor),
// ECDSA on P-256, P-384 or
// P-521, and Ed25519. Symmetric keys are never verification keys.
package keyload

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus accepted: crypto/rsa refuses
// shorter keys anyway, and the error is clearer here.
const MinRSABits = 1024

// Key is one public verification key.
type Key struct {
	// Public is an *rsa.PublicKey, an *ecdsa.PublicKey or an
	// ed25519.PublicKey.
	Public crypto.PublicKey
	// KeyID is the JWK's "kid"; empty for PEM keys.
	KeyID string
	// Alg is the JWK's "alg", when the key names one.
	Alg string
}

// Public returns the public key of key, which may be a public key or a
// private key (anything with a Public method), after checking that it is
// an accepted type.
func Public(key any) (crypto.PublicKey, error) {
	if p, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = p.Public()
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, errors.New("empty RSA key")
		}
		if k.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("RSA key of %d bits is shorter than %d", k.N.BitLen(), MinRSABits)
		}
		return k, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return nil, errors.New("empty ECDSA key")
		}
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return k, nil
		}
		return nil, fmt.Errorf("ECDSA curve %s is not P-256, P-384 or P-521", k.Curve.Params().Name)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, errors.New("malformed Ed25519 key")
		}
		return k, nil
	}
	return nil, fmt.Errorf("key type %T is not RSA, ECDSA or Ed25519", key)
}

// PEM reads keys from PEM blocks: public keys ("PUBLIC KEY", "RSA PUBLIC
// KEY"), certificates, and private keys ("RSA PRIVATE KEY", "EC PRIVATE
// KEY", "PRIVATE KEY"), as Kubernetes' keyutil reads them. Other blocks
// are skipped. A block that does not parse, or holds an unaccepted key, is
// an error naming the block; so is finding no key at all.
func PEM(data []byte) ([]Key, error) {
	var keys []Key
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		var key any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				key = cert.PublicKey
			}
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			continue
		}
		if err == nil {
			key, err = Public(key)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = append(keys, Key{Public: key})
	}
	if len(keys) == 0 {
		return nil, errors.New("no public key found")
	}
	return keys, nil
}

// IsJSON reports whether data looks like a JWK or JWKS rather than PEM.
func IsJSON(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{'
}

// JWKS reads a JWK Set ({"keys": [...]}) or a single JWK. Keys marked for
// another use than "sig", and keys that are not accepted verification keys
// (symmetric "oct" keys, unknown types or curves, short RSA moduli,
// private-key material is reduced to its public half), are left out and
// reported in skipped, one error per key naming its index and kid: a
// provider publishing one odd key must not break the others. err is set
// when the JSON does not parse or no key is left.
func JWKS(data []byte) (keys []Key, skipped []error, err error) {
	var probe struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, nil, fmt.Errorf("JWKS: %w", err)
	}
	raw := probe.Keys
	if probe.Keys == nil {
		raw = []json.RawMessage{data}
	}
	for i, r := range raw {
		var meta struct {
			Kid string `json:"kid"`
			Use string `json:"use"`
			Kty string `json:"kty"`
		}
		if err := json.Unmarshal(r, &meta); err != nil {
			skipped = append(skipped, fmt.Errorf("JWK %d: %w", i, err))
			continue
		}
		if meta.Use != "" && meta.Use != "sig" {
			continue
		}
		if meta.Kty == "oct" {
			skipped = append(skipped, fmt.Errorf("JWK %d (kid %q): symmetric key", i, clip(meta.Kid)))
			continue
		}
		var j jose.JSONWebKey
		if err := j.UnmarshalJSON(r); err != nil {
			skipped = append(skipped, fmt.Errorf("JWK %d (kid %q): %w", i, clip(meta.Kid), err))
			continue
		}
		pub, err := Public(j.Key)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("JWK %d (kid %q): %w", i, clip(j.KeyID), err))
			continue
		}
		keys = append(keys, Key{Public: pub, KeyID: j.KeyID, Alg: j.Algorithm})
	}
	if len(keys) == 0 {
		if len(skipped) > 0 {
			return nil, skipped, fmt.Errorf("no usable signing key: %w", errors.Join(skipped...))
		}
		return nil, nil, errors.New("no signing key")
	}
	return keys, skipped, nil
}

// clip bounds a key ID quoted in an error.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
