package serviceaccount_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/serviceaccount"
)

// Mint a bound token for a pod and validate it, as kube-apiserver would.
func Example() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	const issuer = "https://kubernetes.default.svc.cluster.local"
	iss, err := serviceaccount.NewIssuer(issuer, key, serviceaccount.IssuerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	token, err := iss.Mint(serviceaccount.BoundToken{
		Namespace: "default", Name: "demo", UID: "5b7c1e2a-0000-4000-8000-000000000001",
		Pod: &serviceaccount.ObjectRef{Name: "demo-0", UID: "5b7c1e2a-0000-4000-8000-000000000002"},
		ID:  "d1b2c3",
	})
	if err != nil {
		log.Fatal(err)
	}

	a, err := serviceaccount.New(serviceaccount.Options{
		Keys:    []crypto.PublicKey{key.Public()},
		Issuers: []string{issuer},
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	resp, ok, err := a.AuthenticateToken(context.Background(), token)
	fmt.Println(ok, err)
	fmt.Println(resp.User.Name, resp.User.UID)
	fmt.Println(resp.User.Groups)
	fmt.Println(resp.User.Extra[serviceaccount.ExtraPodName], resp.User.Extra[authn.CredentialIDKey])
	fmt.Println(resp.Audiences)

	// A token meant for another audience is rejected.
	vault, _ := iss.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "x", Audiences: []string{"vault"}})
	_, _, err = a.AuthenticateToken(context.Background(), vault)
	fmt.Println(errors.Is(err, authn.ErrWrongAudience))
	// Output:
	// true <nil>
	// system:serviceaccount:default:demo 5b7c1e2a-0000-4000-8000-000000000001
	// [system:serviceaccounts system:serviceaccounts:default]
	// [demo-0] [JTI=d1b2c3]
	// [https://kubernetes.default.svc.cluster.local]
	// true
}

// Legacy tokens are accepted only when Options.Legacy is set.
func ExampleIssuer_MintLegacy() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := serviceaccount.NewIssuer("https://issuer.example", key, serviceaccount.IssuerOptions{})
	token, _ := iss.MintLegacy(serviceaccount.LegacyToken{Namespace: "kube-system", Name: "old", UID: "u-1", SecretName: "old-token-x7k2p"})

	for _, legacy := range []bool{false, true} {
		a, _ := serviceaccount.New(serviceaccount.Options{
			Keys: []crypto.PublicKey{key.Public()}, Issuers: []string{"https://issuer.example"},
			Legacy: legacy, Logger: slog.New(slog.DiscardHandler),
		})
		resp, ok, err := a.AuthenticateToken(context.Background(), token)
		if ok {
			fmt.Println("legacy on:", resp.User.Name, resp.Audiences)
		} else {
			fmt.Println("legacy off: no opinion:", err == nil)
		}
		a.Close()
	}
	// Output:
	// legacy off: no opinion: true
	// legacy on: system:serviceaccount:kube-system:old [https://issuer.example]
}

// Publish the issuer's keys for OIDC relying parties.
func ExampleDiscoveryHandler() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h, err := serviceaccount.DiscoveryHandler("https://issuer.example", []crypto.PublicKey{key.Public()}, serviceaccount.DiscoveryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", serviceaccount.OpenIDConfigPath, nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// application/json
	// {"issuer":"https://issuer.example","jwks_uri":"https://issuer.example/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256"]}
}

// Revocation: the embedding program answers from its informers.
func ExampleLookup() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := serviceaccount.NewIssuer("https://issuer.example", key, serviceaccount.IssuerOptions{})
	token, _ := iss.Mint(serviceaccount.BoundToken{Namespace: "ns", Name: "app", UID: "old-uid"})

	live := map[string]string{"ns/app": "new-uid"} // the service account was recreated
	a, _ := serviceaccount.New(serviceaccount.Options{
		Keys: []crypto.PublicKey{key.Public()}, Issuers: []string{"https://issuer.example"},
		Logger: slog.New(slog.DiscardHandler),
		Lookup: serviceaccount.LookupFunc(func(_ context.Context, kind serviceaccount.Kind, ns, name string) (string, bool, error) {
			uid, ok := live[ns+"/"+name]
			return uid, ok, nil
		}),
	})
	defer a.Close()
	_, _, err := a.AuthenticateToken(context.Background(), token)
	fmt.Println(errors.Is(err, authn.ErrRevoked))
	// Output:
	// true
}

// secrets is a SecretLookup over in-memory objects; a real one answers
// from a Kubernetes client's listers (informers).
type secrets struct {
	uids    map[string]string                // "Kind/namespace/name" → UID
	secrets map[string]serviceaccount.Secret // "namespace/name"
}

func (s secrets) UID(_ context.Context, kind serviceaccount.Kind, ns, name string) (string, bool, error) {
	uid, ok := s.uids[string(kind)+"/"+ns+"/"+name]
	return uid, ok, nil
}

func (s secrets) Secret(_ context.Context, ns, name string) (serviceaccount.Secret, bool, error) {
	secret, ok := s.secrets[ns+"/"+name]
	return secret, ok, nil
}

// Legacy tokens with a lookup: the Secret must still hold the token and
// must not be labelled kubernetes.io/legacy-token-invalid-since.
func ExampleSecretLookup() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := serviceaccount.NewIssuer("https://issuer.example", key, serviceaccount.IssuerOptions{})
	token, _ := iss.MintLegacy(serviceaccount.LegacyToken{Namespace: "ns", Name: "ci", UID: "ci-uid", SecretName: "ci-token"})

	objs := secrets{
		uids:    map[string]string{"ServiceAccount/ns/ci": "ci-uid"},
		secrets: map[string]serviceaccount.Secret{"ns/ci-token": {Token: []byte(token)}},
	}
	a, err := serviceaccount.New(serviceaccount.Options{
		Keys: []crypto.PublicKey{key.Public()}, Issuers: []string{"https://issuer.example"},
		Legacy: true, Lookup: objs, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	resp, ok, _ := a.AuthenticateToken(context.Background(), token)
	fmt.Println(ok, resp.User.Name)

	objs.secrets["ns/ci-token"] = serviceaccount.Secret{
		Token:  []byte(token),
		Labels: map[string]string{serviceaccount.InvalidSinceLabel: "2026-01-31"},
	}
	_, _, err = a.AuthenticateToken(context.Background(), token)
	revoked, _ := errors.AsType[*serviceaccount.RevokedError](err)
	fmt.Println(errors.Is(err, authn.ErrRevoked), revoked.Name, revoked.Reason == serviceaccount.RevokedInvalidated)
	// Output:
	// true system:serviceaccount:ns:ci
	// true ci-token true
}
