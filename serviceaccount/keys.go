package serviceaccount

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/authnkit/authnkit/internal/jwtverify"
	"github.com/authnkit/authnkit/internal/keyload"
)

// KeyID returns the key ID Kubernetes derives for a public key (or for the
// public half of a private key): the unpadded base64url SHA-256 of its
// PKIX DER encoding, as keyIDFromPublicKey in
// k8s.io/kubernetes/pkg/serviceaccount/jwt.go. Tokens minted by an
// [Issuer] carry it as "kid"; the JWKS served by [DiscoveryHandler] lists
// keys under it.
func KeyID(key crypto.PublicKey) (string, error) {
	pub, err := publicOf(key)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("serviceaccount: key ID: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// publicOf returns the RSA or ECDSA public key of key, which may be a
// public key or a private key (anything with Public). Kubernetes verifies
// service-account tokens with RSA and ECDSA keys only.
func publicOf(key any) (crypto.PublicKey, error) {
	pub, err := keyload.Public(key)
	if err != nil {
		return nil, fmt.Errorf("serviceaccount: %w", err)
	}
	if _, ok := pub.(ed25519.PublicKey); ok {
		return nil, errors.New("serviceaccount: key type ed25519.PublicKey is not RSA or ECDSA")
	}
	return pub, nil
}

// publicKey is a verification key with its derived ID and, from a JWKS,
// the ID it was published under and the algorithm it is bound to.
type publicKey struct {
	key      crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	kid      string           // derived (KeyID)
	jwkKeyID string           // "kid" of the JWK it came from, if any
	alg      string           // "alg" of the JWK it came from: the only one it verifies; "" for any
}

// newPublicKey checks key and derives its kid. A non-empty jwkAlg (a
// JWK's "alg", RFC 7517 §4.4) must be an allowed algorithm that fits the
// key; the key then verifies that algorithm only.
func newPublicKey(key any, jwkKeyID, jwkAlg string) (publicKey, error) {
	pub, err := publicOf(key)
	if err != nil {
		return publicKey{}, err
	}
	if jwkAlg != "" {
		alg, err := allowedAlg(jwkAlg)
		if err != nil {
			return publicKey{}, fmt.Errorf("alg %q: %w", jwtverify.Clip(jwkAlg), err)
		}
		if !alg.Fits(pub) {
			return publicKey{}, fmt.Errorf("alg %q does not fit a %T", jwkAlg, pub)
		}
	}
	kid, err := KeyID(pub)
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{key: pub, kid: kid, jwkKeyID: jwkKeyID, alg: jwkAlg}, nil
}

// newKeySet is the immutable snapshot of all verification keys: each
// listed under the kid derived from it and, from a JWKS, the kid it was
// published under, bound to its JWK's "alg" if it had one.
func newKeySet(groups ...[]publicKey) *jwtverify.Static {
	s := jwtverify.NewStatic()
	for _, g := range groups {
		for _, k := range g {
			s.Add(keyload.Key{Public: k.key, KeyID: k.jwkKeyID, Alg: k.alg}, k.kid, k.jwkKeyID)
		}
	}
	return s
}

// parseKeys reads the keys of one --service-account-key-file: PEM blocks
// of RSA or ECDSA public keys ("PUBLIC KEY", "RSA PUBLIC KEY"),
// certificates, or private keys ("RSA PRIVATE KEY", "EC PRIVATE KEY",
// "PRIVATE KEY"), as Kubernetes' keyutil reads them; or, beyond
// Kubernetes, a JWKS or a single JWK in JSON, where a key's "alg", if
// any, must be allowed and fit the key, and binds it to that algorithm.
// Other PEM blocks are skipped; a file with no usable key, or with a key
// that is not RSA or ECDSA, is an error. Errors name the block or JWK.
func parseKeys(data []byte) ([]publicKey, error) {
	var loaded []keyload.Key
	if keyload.IsJSON(data) {
		var skipped []error
		var err error
		loaded, skipped, err = keyload.JWKS(data)
		if err != nil {
			return nil, err
		}
		if len(skipped) > 0 { // a key file is ours: every key in it must load
			return nil, skipped[0]
		}
	} else {
		var err error
		if loaded, err = keyload.PEM(data); err != nil {
			return nil, err
		}
	}
	keys := make([]publicKey, 0, len(loaded))
	for i, k := range loaded {
		pk, err := newPublicKey(k.Public, k.KeyID, k.Alg)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		keys = append(keys, pk)
	}
	return keys, nil
}
