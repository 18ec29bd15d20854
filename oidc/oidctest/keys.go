package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // hashes used by the RS, PS and ES algorithms
	_ "crypto/sha512"
	"encoding/base64"
	"math/big"
	"strconv"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms returns the JWS algorithms (RFC 7518 section 3.1, RFC 8037
// section 3.1) that [Options.Algorithm] and [Provider.AddKey] accept, in a
// fixed order, as a new slice the caller owns. RSA keys are 2048 bits;
// ES256, ES384 and ES512 use P-256, P-384 and P-521; EdDSA uses Ed25519.
func Algorithms() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// signingKey is one key of a Provider: immutable once made.
type signingKey struct {
	kid  string
	alg  string
	priv crypto.Signer
	hash crypto.Hash // zero for EdDSA, which signs the message itself
}

// newSigningKey generates a key for alg. It panics on an unknown alg or a
// failed key generation; neither message holds key material.
func newSigningKey(alg string) *signingKey {
	var (
		priv crypto.Signer
		hash crypto.Hash
		err  error
	)
	switch alg {
	case "RS256", "PS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
		hash = crypto.SHA256
	case "RS384", "PS384":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
		hash = crypto.SHA384
	case "RS512", "PS512":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
		hash = crypto.SHA512
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		hash = crypto.SHA256
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		hash = crypto.SHA384
	case "ES512":
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		hash = crypto.SHA512
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		panic("oidctest: unsupported algorithm " + strconv.Quote(alg))
	}
	if err != nil {
		panic("oidctest: generate " + alg + " key: " + err.Error())
	}
	jwk := jose.JSONWebKey{Key: priv.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		panic("oidctest: thumbprint of " + alg + " key: " + err.Error())
	}
	// The kid is the RFC 7638 thumbprint, truncated: derived from the
	// public key only, so unique for fresh keys and safe to print.
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(tp)[:16], alg: alg, priv: priv, hash: hash}
}

// sign returns the JWS signature (RFC 7515 section 5.1) of input: RSA
// PKCS #1 v1.5 or PSS with a salt as long as the hash, ECDSA as the
// fixed-size r||s of RFC 7518 section 3.4, or Ed25519.
func (k *signingKey) sign(input []byte) []byte {
	if k.hash == 0 {
		return ed25519.Sign(k.priv.(ed25519.PrivateKey), input)
	}
	h := k.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	var (
		sig []byte
		err error
	)
	switch priv := k.priv.(type) {
	case *rsa.PrivateKey:
		if k.alg[0] == 'P' {
			sig, err = rsa.SignPSS(rand.Reader, priv, k.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, k.hash, digest)
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, priv, digest); err == nil {
			size := (priv.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	}
	if err != nil {
		panic("oidctest: sign with kid " + strconv.Quote(k.kid) + ": " + err.Error())
	}
	return sig
}

// jwk returns the public JWK of k as the JWKS publishes it.
func (k *signingKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: k.alg, Use: "sig"}
}
