package bootstrap_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/bootstrap"
)

// A bootstrap token file in the Kubernetes Secret shape, as the
// --bootstrap-token-file flag takes it.
func ExampleNewFileStore() {
	dir, err := os.MkdirTemp("", "bootstrap-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bootstrap-tokens.yaml")
	err = os.WriteFile(path, []byte(`apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-07401b
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: 07401b
  token-secret: f395accd246ae52d
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:kubeadm:default-node-token
`), 0o600)
	if err != nil {
		panic(err)
	}

	store, err := bootstrap.NewFileStore(bootstrap.FileStoreOptions{FileOptions: authn.FileOptions{Path: path}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	tokens, err := bootstrap.New(store, bootstrap.Options{})
	if err != nil {
		panic(err)
	}

	resp, ok, err := tokens.AuthenticateToken(context.Background(), "07401b.f395accd246ae52d")
	fmt.Println(ok, err, resp.User.Name, resp.User.Groups)
	_, ok, err = tokens.AuthenticateToken(context.Background(), "07401b.0000000000000000")
	fmt.Println(ok, errors.Is(err, bootstrap.ErrWrongSecret))
	_, ok, err = tokens.AuthenticateToken(context.Background(), "some-other-token")
	fmt.Println(ok, err)
	// Output:
	// true <nil> system:bootstrap:07401b [system:bootstrappers system:bootstrappers:kubeadm:default-node-token]
	// false true
	// false <nil>
}

func ExampleNew() {
	store, err := bootstrap.NewStaticStore(bootstrap.Secret{
		Namespace: bootstrap.Namespace,
		Name:      bootstrap.SecretPrefix + "abcdef",
		Type:      bootstrap.SecretType,
		Data: map[string]string{
			bootstrap.TokenIDKey:             "abcdef",
			bootstrap.TokenSecretKey:         "0123456789abcdef",
			bootstrap.UsageAuthenticationKey: "true",
			bootstrap.ExpirationKey:          "2030-01-01T00:00:00Z",
		},
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC)
	tokens, err := bootstrap.New(store, bootstrap.Options{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}

	resp, ok, _ := tokens.AuthenticateToken(context.Background(), "abcdef.0123456789abcdef")
	fmt.Println(ok, resp.User.Name, resp.Expiry)

	now = now.AddDate(0, 0, 2)
	_, ok, err = tokens.AuthenticateToken(context.Background(), "abcdef.0123456789abcdef")
	fmt.Println(ok, errors.Is(err, authn.ErrExpired))
	// Output:
	// true system:bootstrap:abcdef 2030-01-01 00:00:00 +0000 UTC
	// false true
}

// A Store over whatever holds the Secrets, here a map; a program talking to
// a Kubernetes API server would wrap a kube-system Secret lister.
func ExampleStoreFunc() {
	secrets := map[string]*bootstrap.Secret{}
	store := bootstrap.StoreFunc(func(_ context.Context, tokenID string) (*bootstrap.Secret, error) {
		return secrets[tokenID], nil // nil, nil: no such Secret
	})
	tokens, err := bootstrap.New(store, bootstrap.Options{})
	if err != nil {
		panic(err)
	}
	_, ok, err := tokens.AuthenticateToken(context.Background(), "abcdef.0123456789abcdef")
	fmt.Println(ok, err)
	// Output: false <nil>
}

func ExampleParseToken() {
	id, _, ok := bootstrap.ParseToken("abcdef.0123456789abcdef")
	fmt.Println(id, ok)
	_, _, ok = bootstrap.ParseToken("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	fmt.Println(ok)
	// Output:
	// abcdef true
	// false
}

func ExampleGroups() {
	groups, err := bootstrap.Groups("system:bootstrappers:b,system:bootstrappers:a,system:bootstrappers:b")
	fmt.Println(groups, err)
	// Output: [system:bootstrappers system:bootstrappers:a system:bootstrappers:b] <nil>
}
