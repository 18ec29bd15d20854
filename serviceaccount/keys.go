package serviceaccount

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
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
// public key or a private key (anything with Public).
func publicOf(key any) (crypto.PublicKey, error) {
	if p, ok := key.(interface{ Public() crypto.PublicKey }); ok { // a private key or signer
		key = p.Public()
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, errors.New("serviceaccount: empty RSA key")
		}
		return k, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return nil, errors.New("serviceaccount: empty ECDSA key")
		}
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return k, nil
		}
		return nil, fmt.Errorf("serviceaccount: ECDSA curve %s is not P-256, P-384 or P-521", k.Curve.Params().Name)
	}
	return nil, fmt.Errorf("serviceaccount: key type %T is not RSA or ECDSA", key)
}

// publicKey is a verification key with its derived ID and, from a JWKS,
// the ID it was published under.
type publicKey struct {
	key      crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	kid      string           // derived (KeyID)
	jwkKeyID string           // "kid" of the JWK it came from, if any
}

func newPublicKey(key any, jwkKeyID string) (publicKey, error) {
	pub, err := publicOf(key)
	if err != nil {
		return publicKey{}, err
	}
	kid, err := KeyID(pub)
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{key: pub, kid: kid, jwkKeyID: jwkKeyID}, nil
}

// keySet is an immutable snapshot of all verification keys.
type keySet struct {
	all   []*publicKey
	byKID map[string][]*publicKey
}

func newKeySet(groups ...[]publicKey) *keySet {
	s := &keySet{byKID: make(map[string][]*publicKey)}
	for _, g := range groups {
		for i := range g {
			k := &g[i]
			s.all = append(s.all, k)
			s.byKID[k.kid] = append(s.byKID[k.kid], k)
			if k.jwkKeyID != "" && k.jwkKeyID != k.kid {
				s.byKID[k.jwkKeyID] = append(s.byKID[k.jwkKeyID], k)
			}
		}
	}
	return s
}

// parseKeys reads the keys of one --service-account-key-file: PEM blocks
// of RSA or ECDSA public keys ("PUBLIC KEY", "RSA PUBLIC KEY"),
// certificates, or private keys ("RSA PRIVATE KEY", "EC PRIVATE KEY",
// "PRIVATE KEY"), as Kubernetes' keyutil reads them; or, beyond
// Kubernetes, a JWKS or a single JWK in JSON. Other PEM blocks are
// skipped; a file with no usable key is an error. Errors name the block.
func parseKeys(data []byte) ([]publicKey, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		return parseJWKS(trimmed)
	}
	var keys []publicKey
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
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		k, err := newPublicKey(key, "")
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no RSA or ECDSA key found")
	}
	return keys, nil
}

// parseJWKS reads a JWKS ({"keys": [...]}) or one JWK. Only RSA and ECDSA
// keys are accepted: a symmetric ("oct") key is an error, never a
// verification key.
func parseJWKS(data []byte) ([]publicKey, error) {
	var probe struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	var jwks []jose.JSONWebKey
	if probe.Keys != nil {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(data, &set); err != nil {
			return nil, fmt.Errorf("JWKS: %w", err)
		}
		jwks = set.Keys
	} else {
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil {
			return nil, fmt.Errorf("JWK: %w", err)
		}
		jwks = []jose.JSONWebKey{k}
	}
	var keys []publicKey
	for i, j := range jwks {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		k, err := newPublicKey(j.Key, j.KeyID)
		if err != nil {
			return nil, fmt.Errorf("JWK %d (kid %q): %w", i, j.KeyID, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no RSA or ECDSA signing key found")
	}
	return keys, nil
}
