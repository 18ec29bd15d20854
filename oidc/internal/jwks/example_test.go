package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc/internal/jwks"
)

func Example() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &key.PublicKey, KeyID: "2024-01", Algorithm: "ES256", Use: "sig"},
		}})
	})

	set, err := jwks.New(jwks.Options{
		IssuerURL: srv.URL,
		Client:    srv.Client(), // trusts the issuer's CA
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys, err := set.Keys(ctx, "2024-01") // waits for the first fetch
	fmt.Println(len(keys), keys[0].KeyID, keys[0].Alg, err)

	_, err = set.Keys(ctx, "forged")
	fmt.Println(errors.Is(err, authn.ErrUnknownKey))

	h := set.Health()
	fmt.Println(h.Ready, h.Keys, h.NextRefresh.Sub(h.LastRefresh))
	// Output:
	// 1 2024-01 ES256 <nil>
	// true
	// true 1 10m0s
}
