package benchmarks

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8ssa "k8s.io/kubernetes/pkg/serviceaccount"

	"github.com/authnkit/authnkit/serviceaccount"
)

// Service-account token setup, the same on every side: kubeadm's issuer
// and API audience, one bound token for default:builder.
const (
	saIssuer    = "https://kubernetes.default.svc.cluster.local"
	saAudience  = "https://kubernetes.default.svc.cluster.local"
	saNamespace = "default"
	saName      = "builder"
	saUID       = "6f1c6b2e-3f0c-4b7a-9a52-3c1d2e4f5a6b"
)

// saAlgs are the signing algorithms measured, with the key each signs
// with: RSA-2048 (RS256) and ECDSA P-256 (ES256), made once per process.
var saAlgs = []struct {
	name string
	key  func() crypto.Signer
}{
	{"RS256", sync.OnceValue(func() crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})},
	{"ES256", sync.OnceValue(func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})},
}

// saToken mints a bound token for default:builder with authnkit's issuer
// (kid derived from the key as Kubernetes derives it, a random jti, valid
// for a day: longer than any run).
func saToken(tb testing.TB, key crypto.Signer) string {
	tb.Helper()
	iss, err := serviceaccount.NewIssuer(saIssuer, key, serviceaccount.IssuerOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := iss.Mint(serviceaccount.BoundToken{
		Namespace: saNamespace, Name: saName, UID: saUID,
		Audiences: []string{saAudience},
		Lifetime:  24 * time.Hour,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// newSAAuthenticator is authnkit's validator as a server with
// --service-account-key-file, --service-account-issuer and --api-audiences
// builds it (static keys rather than files: a file only adds a watcher),
// without lookup and without a token cache.
func newSAAuthenticator(tb testing.TB, pub crypto.PublicKey) *serviceaccount.Authenticator {
	tb.Helper()
	a, err := serviceaccount.New(serviceaccount.Options{
		Keys:         []crypto.PublicKey{pub},
		Issuers:      []string{saIssuer},
		APIAudiences: []string{saAudience},
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	return a
}

// saGetter is the ServiceAccountTokenGetter kube-apiserver's bound-token
// validator always consults (an informer-backed lister there, whatever
// --service-account-lookup says): here a prebuilt ServiceAccount with the
// token's UID, and nothing else, so the lookup costs a method call.
type saGetter struct{ sa *corev1.ServiceAccount }

var errSANotFound = errors.New("not found")

func (g saGetter) GetServiceAccount(_ context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	if namespace != g.sa.Namespace || name != g.sa.Name {
		return nil, errSANotFound
	}
	return g.sa, nil
}
func (saGetter) GetPod(context.Context, string, string) (*corev1.Pod, error) {
	return nil, errSANotFound
}
func (saGetter) GetSecret(context.Context, string, string) (*corev1.Secret, error) {
	return nil, errSANotFound
}
func (saGetter) GetNode(context.Context, string) (*corev1.Node, error) { return nil, errSANotFound }
func (saGetter) GetValidatingWebhookConfiguration(context.Context, string) (*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	return nil, errSANotFound
}
func (saGetter) GetMutatingWebhookConfiguration(context.Context, string) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	return nil, errSANotFound
}

// newK8sSAAuthenticator is k8s.io/kubernetes/pkg/serviceaccount's bound-token
// authenticator as kube-apiserver builds it (newServiceAccountAuthenticator
// in pkg/kubeapiserver/authenticator/config.go): JWTTokenAuthenticator over
// a static key getter, the API audiences and NewValidator(getter).
func newK8sSAAuthenticator(tb testing.TB, pub crypto.PublicKey) k8sauthenticator.Token {
	tb.Helper()
	keys, err := k8ssa.StaticPublicKeysGetter([]any{pub})
	if err != nil {
		tb.Fatal(err)
	}
	getter := saGetter{&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Namespace: saNamespace, Name: saName, UID: types.UID(saUID),
	}}}
	return k8ssa.JWTTokenAuthenticator([]string{saIssuer}, keys, k8sauthenticator.Audiences{saAudience}, k8ssa.NewValidator(getter))
}

// rawJWTVerify returns one bare signature check of token as a JWT verifier
// must do it, and nothing else: SHA-256 of the signing input (header.payload)
// and rsa.VerifyPKCS1v15 (RS256) or ecdsa.VerifyASN1 (ES256). Splitting
// the token, decoding the signature and converting ES256's r‖s to ASN.1
// happen once, here, not per call.
func rawJWTVerify(tb testing.TB, token string, pub crypto.PublicKey) func() error {
	tb.Helper()
	i := strings.LastIndexByte(token, '.')
	input := []byte(token[:i])
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		tb.Fatal(err)
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return func() error {
			h := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
		}
	case *ecdsa.PublicKey:
		der := asn1ECDSASignature(sig)
		return func() error {
			h := sha256.Sum256(input)
			if !ecdsa.VerifyASN1(pub, h[:], der) {
				return errors.New("ecdsa: verification error")
			}
			return nil
		}
	}
	tb.Fatalf("unsupported key %T", pub)
	return nil
}

// refVerify is the ref-verify column of the JWT benchmarks: rawJWTVerify
// of token with pub, which must succeed.
func refVerify(tb testing.TB, token string, pub crypto.PublicKey) impl {
	tb.Helper()
	verify := rawJWTVerify(tb, token, pub)
	return refImpl("verify", func() {
		if err := verify(); err != nil {
			panic(err)
		}
	})
}

// asn1ECDSASignature converts a JWS ECDSA signature (r‖s, fixed size) to
// the ASN.1 SEQUENCE { r INTEGER, s INTEGER } ecdsa.VerifyASN1 takes.
func asn1ECDSASignature(sig []byte) []byte {
	integer := func(b []byte) []byte {
		v := new(big.Int).SetBytes(b).Bytes()
		if len(v) == 0 || v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		return append([]byte{0x02, byte(len(v))}, v...)
	}
	n := len(sig) / 2
	body := append(integer(sig[:n]), integer(sig[n:])...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// BenchmarkServiceAccountJWT validates a bound service-account token,
// uncached: k8s.io/kubernetes/pkg/serviceaccount's JWTTokenAuthenticator
// (kube-apiserver's own validator, v1.37.2) against authnkit's
// serviceaccount.New, both with one static key, one issuer and one API
// audience, on the same token minted by authnkit's Issuer. ref-verify is
// the bare signature check of the same token (SHA-256 of the signing input
// and one RSA-2048 PKCS #1 v1.5 / ECDSA P-256 verify), the reference of
// DESIGN.md's budget (≤ 1.4 ×, ≤ 60 allocations).
func BenchmarkServiceAccountJWT(b *testing.B) {
	for _, alg := range saAlgs {
		b.Run("alg="+alg.name, func(b *testing.B) {
			key := alg.key()
			token := saToken(b, key)
			k8s := newK8sSAAuthenticator(b, key.Public())
			ours := newSAAuthenticator(b, key.Public())
			runModes(b,
				tokenImpl(implK8s, k8s, token, true),
				tokenImpl(implAuthnkit, ours, token, true),
				refVerify(b, token, key.Public()),
			)
		})
	}
}
