package tokenfile_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/tokenfile"
)

// A token file is read, watched, and reloaded when it changes.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "tokenfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(path, []byte("31ada4fd-adec-460c,alice,1001,\"system:masters,dev\"\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	tokens, err := tokenfile.New(tokenfile.Options{
		FileOptions: authn.FileOptions{Path: path},
		Logger:      slog.New(slog.DiscardHandler), // keep the example's output clean
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()

	resp, ok, err := tokens.AuthenticateToken(context.Background(), "31ada4fd-adec-460c")
	fmt.Println(resp.User.Name, resp.User.UID, resp.User.Groups, ok, err)

	// A new file replaces the table; Reload applies it at once instead of
	// when the watcher notices.
	if err := os.WriteFile(path, []byte("8c6b2f0e-93a1-4c47,bob,1002\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	if err := tokens.Reload(); err != nil {
		log.Fatal(err)
	}
	_, ok, _ = tokens.AuthenticateToken(context.Background(), "31ada4fd-adec-460c")
	fmt.Println("old token:", ok)
	resp, ok, _ = tokens.AuthenticateToken(context.Background(), "8c6b2f0e-93a1-4c47")
	fmt.Println("new token:", resp.User.Name, ok)
	// Output:
	// alice 1001 [system:masters dev] true <nil>
	// old token: false
	// new token: bob true
}

// A fixed table from memory; rows may hold the SHA-256 of a token instead
// of the token.
func ExampleNewFromCSV() {
	sum := sha256.Sum256([]byte("ci-token-7f3a9d"))
	csv := "admin-token-b41c,admin,1,system:masters\n" +
		"sha256:" + hex.EncodeToString(sum[:]) + ",ci,2,\"ci,deployers\"\n"

	tokens, err := tokenfile.NewFromCSV(strings.NewReader(csv))
	if err != nil {
		log.Fatal(err)
	}
	for _, token := range []string{"admin-token-b41c", "ci-token-7f3a9d", "guess"} {
		resp, ok, err := tokens.AuthenticateToken(context.Background(), token)
		if !ok {
			fmt.Printf("%s: no opinion (err %v)\n", token, err)
			continue
		}
		fmt.Printf("%s: %s %v\n", token, resp.User.Name, resp.User.Groups)
	}
	// Output:
	// admin-token-b41c: admin [system:masters]
	// ci-token-7f3a9d: ci [ci deployers]
	// guess: no opinion (err <nil>)
}

// Errors name the line and never the token.
func ExampleNewFromCSV_error() {
	_, err := tokenfile.NewFromCSV(strings.NewReader("t0ken-1,alice,1001\nt0ken-2,bob\n"))
	fmt.Println(err)
	// Output:
	// tokenfile: line 2: need at least 3 columns (token,user,uid), got 2
}

// An unknown token is no opinion, so a request with it falls through to the
// next authenticator (here: none, so 401).
func ExampleAuthenticator_AuthenticateToken() {
	tokens, err := tokenfile.NewFromCSV(strings.NewReader("s3cret-token,alice,1001,dev\n"))
	if err != nil {
		log.Fatal(err)
	}
	h := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := authn.UserFrom(r.Context())
			fmt.Fprintf(w, "hello %s %v", u.Name, u.Groups)
		}))
	for _, token := range []string{"s3cret-token", "wrong"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.SplitN(w.Body.String(), ",", 2)[0])
	}
	// Output:
	// 200 hello alice [dev]
	// 401 {"kind":"Status"
}
