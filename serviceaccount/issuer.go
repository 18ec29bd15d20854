package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Token lifetimes, as the TokenRequest API bounds them.
const (
	// DefaultLifetime is the lifetime of a bound token when
	// [BoundToken.Lifetime] is zero (TokenRequest's default
	// expirationSeconds, 3600).
	DefaultLifetime = time.Hour
	// MinLifetime is the shortest lifetime [Issuer.Mint] accepts
	// (TokenRequest's minimum expirationSeconds, 600).
	MinLifetime = 10 * time.Minute
)

// IssuerOptions configures an [Issuer]. The zero value is usable.
type IssuerOptions struct {
	// APIAudiences are the audiences of a bound token minted without any
	// (TokenRequest defaults them to the API server's --api-audiences).
	// Empty means the issuer URL alone, kube-apiserver's default.
	APIAudiences []string
	// Now is the clock for "iat", "nbf" and "exp". Nil means time.Now.
	Now func() time.Time
}

// Issuer mints service-account tokens signed with one RSA or ECDSA key, in
// the layouts Kubernetes uses, so that kube-apiserver accepts them given
// the public key, and an [Authenticator] accepts tokens kube-apiserver
// minted. The JWS header is {"alg", "kid"} with kid = [KeyID] of the
// public key; RSA keys sign RS256, ECDSA keys ES256, ES384 or ES512 by
// curve, as k8s.io/kubernetes/pkg/serviceaccount/jwt.go does. An Issuer is
// immutable and safe for concurrent use.
type Issuer struct {
	url    string
	signer crypto.Signer
	alg    string
	hash   crypto.Hash
	size   int // ECDSA: bytes of r and of s; 0 for RSA
	header string
	auds   []string
	now    func() time.Time
}

// NewIssuer returns an Issuer for issuerURL (the "iss" of bound tokens,
// the first --service-account-issuer) signing with key, an RSA key or an
// ECDSA key on P-256, P-384 or P-521 (any crypto.Signer with such a public
// key, such as a KMS-backed one).
func NewIssuer(issuerURL string, key crypto.Signer, opts IssuerOptions) (*Issuer, error) {
	if issuerURL == "" {
		return nil, errors.New("serviceaccount: empty issuer URL")
	}
	if key == nil {
		return nil, errors.New("serviceaccount: nil signing key")
	}
	pub, err := publicOf(key.Public())
	if err != nil {
		return nil, err
	}
	kid, err := KeyID(pub)
	if err != nil {
		return nil, err
	}
	i := &Issuer{url: issuerURL, signer: key, auds: slices.Clone(opts.APIAudiences), now: opts.Now}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		i.alg, i.hash = "RS256", crypto.SHA256
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			i.alg, i.hash, i.size = "ES256", crypto.SHA256, 32
		case elliptic.P384():
			i.alg, i.hash, i.size = "ES384", crypto.SHA384, 48
		default:
			i.alg, i.hash, i.size = "ES512", crypto.SHA512, 66
		}
	}
	if len(i.auds) == 0 {
		i.auds = []string{issuerURL}
	}
	if i.now == nil {
		i.now = time.Now
	}
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}{i.alg, kid})
	if err != nil {
		return nil, fmt.Errorf("serviceaccount: header: %w", err)
	}
	i.header = base64.RawURLEncoding.EncodeToString(h)
	return i, nil
}

// URL returns the issuer URL bound tokens carry as "iss".
func (i *Issuer) URL() string { return i.url }

// PublicKey returns the public key tokens are verified with.
func (i *Issuer) PublicKey() crypto.PublicKey { return i.signer.Public() }

// ObjectRef names an object a bound token is tied to.
type ObjectRef struct {
	Name string
	UID  string
}

// BoundToken describes a bound token to mint, as a TokenRequest would.
type BoundToken struct {
	// Namespace, Name and UID identify the service account. Required.
	Namespace, Name, UID string
	// Audiences of the token. Empty means [IssuerOptions.APIAudiences].
	Audiences []string
	// Lifetime from now to "exp". Zero means [DefaultLifetime]; less
	// than [MinLifetime] is an error.
	Lifetime time.Duration
	// Pod, Secret and Node bind the token to an object: a token bound to
	// a Secret cannot also be bound to a Pod or a Node; a Pod-bound token
	// may carry its Node (Kubernetes' ServiceAccountTokenPodNodeInfo).
	Pod, Secret, Node *ObjectRef
	// WarnAfter, when set, puts "warnafter" at now + WarnAfter in the
	// token, as Kubernetes does when it extends a token's expiry (a
	// validator then notes use past that time as stale).
	WarnAfter time.Duration
	// ID is the "jti". Empty means a random UUID, as Kubernetes'
	// ServiceAccountTokenJTI.
	ID string
}

// Mint signs a bound token: "iss" the issuer URL, "sub"
// system:serviceaccount:<ns>:<name>, "aud", "exp", "iat", "nbf", "jti" and
// the private "kubernetes.io" claim, as claims.go's Claims builds them.
func (i *Issuer) Mint(t BoundToken) (string, error) {
	switch {
	case t.Namespace == "" || t.Name == "" || t.UID == "":
		return "", errors.New("serviceaccount: mint: namespace, name and UID are required")
	case strings2(t.Namespace, t.Name):
		return "", errors.New("serviceaccount: mint: namespace and name must not contain ':'")
	case t.Secret != nil && (t.Pod != nil || t.Node != nil):
		return "", errors.New("serviceaccount: mint: a token can only be bound to one object type")
	case t.Lifetime != 0 && t.Lifetime < MinLifetime:
		return "", fmt.Errorf("serviceaccount: mint: lifetime %s is shorter than %s", t.Lifetime, MinLifetime)
	case t.WarnAfter < 0:
		return "", errors.New("serviceaccount: mint: negative WarnAfter")
	}
	if slices.Contains(t.Audiences, "") {
		return "", errors.New("serviceaccount: mint: empty audience")
	}
	for _, r := range []*ObjectRef{t.Pod, t.Secret, t.Node} {
		if r != nil && (r.Name == "" || r.UID == "") {
			return "", errors.New("serviceaccount: mint: a bound object needs a name and a UID")
		}
	}
	life := t.Lifetime
	if life == 0 {
		life = DefaultLifetime
	}
	auds := t.Audiences
	if len(auds) == 0 {
		auds = i.auds
	}
	id := t.ID
	if id == "" {
		id = newUUID()
	}
	now := i.now()
	c := boundPayload{
		Issuer:    i.url,
		Subject:   UsernamePrefix + t.Namespace + ":" + t.Name,
		Audience:  audience(auds),
		Expiry:    now.Add(life).Unix(),
		IssuedAt:  now.Unix(),
		NotBefore: now.Unix(),
		ID:        id,
		K8s: k8sClaims{
			Namespace:      t.Namespace,
			ServiceAccount: ref{Name: t.Name, UID: t.UID},
			Pod:            toRef(t.Pod),
			Secret:         toRef(t.Secret),
			Node:           toRef(t.Node),
		},
	}
	if t.WarnAfter != 0 {
		c.K8s.WarnAfter = dateOf(now.Add(t.WarnAfter))
	}
	return i.sign(c)
}

// LegacyToken describes a legacy, secret-based token to mint.
type LegacyToken struct {
	// Namespace, Name and UID identify the service account; SecretName
	// the Secret holding the token. All required.
	Namespace, Name, UID, SecretName string
}

// MintLegacy signs a legacy token, as Kubernetes' token controller wrote
// them into Secrets: "iss" [LegacyIssuer], "sub" and the four
// kubernetes.io/serviceaccount/* claims, no audience and no expiry.
func (i *Issuer) MintLegacy(t LegacyToken) (string, error) {
	if t.Namespace == "" || t.Name == "" || t.UID == "" || t.SecretName == "" {
		return "", errors.New("serviceaccount: mint legacy: namespace, name, UID and secret name are required")
	}
	if strings2(t.Namespace, t.Name) {
		return "", errors.New("serviceaccount: mint legacy: namespace and name must not contain ':'")
	}
	return i.sign(legacyPayload{
		Issuer:     LegacyIssuer,
		Namespace:  t.Namespace,
		SecretName: t.SecretName,
		SAName:     t.Name,
		SAUID:      t.UID,
		Subject:    UsernamePrefix + t.Namespace + ":" + t.Name,
	})
}

type boundPayload struct {
	Audience  audience  `json:"aud"`
	Expiry    int64     `json:"exp"`
	IssuedAt  int64     `json:"iat"`
	Issuer    string    `json:"iss"`
	ID        string    `json:"jti"`
	K8s       k8sClaims `json:"kubernetes.io"`
	NotBefore int64     `json:"nbf"`
	Subject   string    `json:"sub"`
}

type legacyPayload struct {
	Issuer     string `json:"iss"`
	Namespace  string `json:"kubernetes.io/serviceaccount/namespace"`
	SecretName string `json:"kubernetes.io/serviceaccount/secret.name"`
	SAName     string `json:"kubernetes.io/serviceaccount/service-account.name"`
	SAUID      string `json:"kubernetes.io/serviceaccount/service-account.uid"`
	Subject    string `json:"sub"`
}

func (i *Issuer) sign(payload any) (string, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("serviceaccount: mint: %w", err)
	}
	input := i.header + "." + base64.RawURLEncoding.EncodeToString(p)
	h := i.hash.New()
	h.Write([]byte(input))
	sig, err := i.signer.Sign(rand.Reader, h.Sum(nil), i.hash)
	if err != nil {
		return "", fmt.Errorf("serviceaccount: mint: sign: %w", err)
	}
	if i.size > 0 {
		if sig, err = fixedECDSA(sig, i.size); err != nil {
			return "", err
		}
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// fixedECDSA turns an ASN.1 ECDSA signature into JWS's r || s, each size
// bytes (RFC 7518 §3.4).
func fixedECDSA(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil {
		return nil, errors.New("serviceaccount: mint: signer returned a malformed ECDSA signature")
	}
	if rs.R.Sign() < 0 || rs.S.Sign() < 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, errors.New("serviceaccount: mint: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func toRef(r *ObjectRef) *ref {
	if r == nil {
		return nil
	}
	return &ref{Name: r.Name, UID: r.UID}
}

func strings2(ns, name string) bool {
	return containsColon(ns) || containsColon(name)
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// newUUID returns a random (version 4) UUID, as Kubernetes' jti.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}
