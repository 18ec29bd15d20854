package options_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
)

// Kube-apiserver's flags on a standard FlagSet, turned into one
// authenticator.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	tokens := filepath.Join(dir, "tokens.csv")
	_ = os.WriteFile(tokens, []byte("s3cret,alice,1001,\"dev,ops\"\n"), 0o600)

	o := options.NewOptions()
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	o.AddFlags(fs)
	_ = fs.Parse([]string{"--token-auth-file=" + tokens, "--anonymous-auth=false"})
	o.Logger = slog.New(slog.DiscardHandler)

	a, err := o.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	resp, ok, _ := a.AuthenticateRequest(authntest.NewBearerRequest("s3cret"))
	fmt.Println(resp.User.Name, resp.User.Groups, ok)
	// Output: alice [dev ops system:authenticated] true
}

// The embedding program's own API keys beside the flags: bearer tokens
// reach them behind the token cache, and a store outage is a 503.
func ExampleOptions_customTokens() {
	keys := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if !strings.HasPrefix(token, "ak_") {
			return nil, false, nil // not an API key: no opinion
		}
		if token != "ak_ci" {
			return nil, false, errors.New("apikeys: unknown key")
		}
		return &authn.Response{User: authn.UserInfo{Name: "ci-bot", Groups: []string{"bots"}}}, true, nil
	})
	o := options.NewOptions()
	o.AnonymousAuth = false
	o.CustomTokens = []options.CustomToken{{Name: "apikeys", Authenticator: keys}}
	o.Logger = slog.New(slog.DiscardHandler)
	a, err := o.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	h := a.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		fmt.Fprintln(w, u.Name, u.Groups, r.Header.Get("Authorization") == "")
	}))
	for _, tok := range []string{"ak_ci", "ak_other"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authntest.NewBearerRequest(tok))
		if rec.Code != http.StatusOK {
			fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
			continue
		}
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 ci-bot [bots system:authenticated] true
	// 401 Bearer error="invalid_token"
}

// A readiness check built on Health: every watched file, with what it
// serves and whether its last reload failed, and every OIDC issuer's keys.
func ExampleAuthenticator_Health() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	tokens := filepath.Join(dir, "tokens.csv")
	_ = os.WriteFile(tokens, []byte("s3cret,alice,1001\nt0ken,bob,1002\n"), 0o600)
	passwords := filepath.Join(dir, "passwords.csv")
	_ = os.WriteFile(passwords, []byte("pw,carol,1003\n"), 0o600)

	o := options.NewOptions()
	o.TokenAuthFile, o.BasicAuthFile = tokens, passwords
	o.Logger = slog.New(slog.DiscardHandler)
	a, err := o.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()

	h := a.Health()
	for _, f := range h.Files {
		fmt.Printf("%s %s: %d entries, last error %v\n", f.Component, filepath.Base(f.Path), f.Entries, f.LastError)
	}
	fmt.Println("OIDC issuers:", len(h.Issuers))
	// Output:
	// basicauth passwords.csv: 1 entries, last error <nil>
	// tokenfile tokens.csv: 2 entries, last error <nil>
	// OIDC issuers: 0
}
