// Command customtoken shows a program's own identity logic — API keys
// from its own store — composed with kube-apiserver's credential kinds
// through package options: the keys sit in the token union behind the
// token cache, beside the token file, client certificates and OIDC that
// the flags configure; a wrong key is a 401, never anonymous; the store
// being down is a 503; and TokenReview answers for the keys too. Its unit
// test (main_test.go) shows how to test such logic with package authntest.
//
//	go run ./examples/customtoken
//	go run ./examples/customtoken --token-auth-file=tokens.csv --client-ca-file=ca.crt
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/webhook"
)

// keyPrefix marks the program's API keys; other tokens are not its
// business.
const keyPrefix = "ak_"

// apiKeys authenticates API keys against a table of their SHA-256 digests
// (the program never stores a key itself). Keys without keyPrefix get no
// opinion, so the other token authenticators are asked; a key with the
// prefix that is not in the table is rejected; while the store is down
// every key of ours gets authn.ErrUnavailable.
type apiKeys struct {
	byDigest map[[sha256.Size]byte]authn.UserInfo
	down     atomic.Bool // stands in for a database that cannot be reached
}

var _ authn.TokenAuthenticator = (*apiKeys)(nil)

// errUnknownKey is the rejection of a key of ours that is not in the table.
var errUnknownKey = fmt.Errorf("apikeys: %w: unknown API key", authn.ErrInvalidToken)

func newAPIKeys(keys map[string]authn.UserInfo) *apiKeys {
	k := &apiKeys{byDigest: make(map[[sha256.Size]byte]authn.UserInfo, len(keys))}
	for key, u := range keys {
		k.byDigest[sha256.Sum256([]byte(key))] = u
	}
	return k
}

func (k *apiKeys) AuthenticateToken(_ context.Context, token string) (*authn.Response, bool, error) {
	if !strings.HasPrefix(token, keyPrefix) {
		return nil, false, nil
	}
	if k.down.Load() {
		return nil, false, &authn.UnavailableError{Err: errors.New("apikeys: key store unreachable")}
	}
	u, ok := k.byDigest[sha256.Sum256([]byte(token))]
	if !ok {
		return nil, false, errUnknownKey
	}
	return &authn.Response{User: u}, true, nil
}

// newAuthenticator builds the authenticator from the command line with
// the API keys added, as a server would.
func newAuthenticator(args []string, keys *apiKeys, logger *slog.Logger) (*options.Authenticator, error) {
	o := options.NewOptions()
	fs := flag.NewFlagSet("customtoken", flag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.Logger = logger
	o.CustomTokens = []options.CustomToken{{Name: "apikeys", Authenticator: keys}}
	return o.New()
}

// newHandler serves whoami behind a's middleware and TokenReview at
// /tokenreviews, both seeing the API keys.
func newHandler(a *options.Authenticator) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		fmt.Fprintf(w, "%s %v\n", u.Name, u.Groups)
	})
	protected := a.Middleware()(mux)
	reviews := webhook.NewHandler(a.Token, webhook.HandlerOptions{APIAudiences: a.Audiences})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tokenreviews" { // unauthenticated here for brevity: see examples/server
			reviews.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run starts the server on a loopback port and shows what each kind of
// request gets.
func run(args []string, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "customtoken-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if len(args) == 0 { // a token file beside the keys, so both kinds show
		tokens := filepath.Join(dir, "tokens.csv")
		if err := os.WriteFile(tokens, []byte("file-token,alice,1001,dev\n"), 0o600); err != nil {
			return err
		}
		args = []string{"--token-auth-file=" + tokens, "--anonymous-auth=false"}
	}
	keys := newAPIKeys(map[string]authn.UserInfo{"ak_ci_0123": {Name: "ci-bot", UID: "key-1", Groups: []string{"bots"}}})
	a, err := newAuthenticator(args, keys, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	srv := httptest.NewServer(newHandler(a))
	defer srv.Close()

	show := func(label, token string) error {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.Client().Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		if res.StatusCode != http.StatusOK {
			body = []byte(res.Status + "\n")
		}
		fmt.Fprintf(stdout, "%-22s %s", label+":", body)
		return nil
	}
	steps := []struct{ label, token string }{
		{"API key", "ak_ci_0123"},
		{"token file", "file-token"},
		{"unknown API key", "ak_nope"},
		{"unknown token", "nope"},
	}
	for _, s := range steps {
		if err := show(s.label, s.token); err != nil {
			return err
		}
	}
	keys.down.Store(true)
	if err := show("key store down", "ak_ci_9999"); err != nil {
		return err
	}
	keys.down.Store(false)

	res, err := srv.Client().Post(srv.URL+"/tokenreviews", "application/json",
		strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"ak_ci_0123"}}`))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	fmt.Fprintf(stdout, "%-22s %s", "TokenReview:", body)
	return nil
}
