package basicauth_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/basicauth"
)

// exampleParams are cheap argon2id parameters for examples; real files use
// basicauth.DefaultArgon2Params (the zero Argon2Params).
var exampleParams = basicauth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func ExampleNewFromCSV() {
	hash, err := basicauth.HashArgon2id([]byte("s3cret"), exampleParams)
	if err != nil {
		log.Fatal(err)
	}
	var file strings.Builder
	w := csv.NewWriter(&file)
	_ = w.Write([]string{hash, "alice", "1001", "admins,dev"}) // quotes the hash: it has commas
	w.Flush()

	a, err := basicauth.NewFromCSV([]byte(file.String()), basicauth.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("alice", "s3cret")
	resp, ok, err := a.AuthenticateRequest(r)
	fmt.Println(ok, err, resp.User.Name, resp.User.UID, resp.User.Groups)
	// Output: true <nil> alice 1001 [admins dev]
}

// Reload reads the password file at once, for example on SIGHUP, instead
// of when the watcher notices the change.
func ExampleAuthenticator_Reload() {
	dir, err := os.MkdirTemp("", "basicauth")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "basic-auth.csv")
	if err := os.WriteFile(path, []byte("old-password,bob,1002\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	a, err := basicauth.New(basicauth.Options{
		FileOptions: authn.FileOptions{Path: path},
		Logger:      slog.New(slog.DiscardHandler), // plaintext passwords are logged as a warning
	})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	if err := os.WriteFile(path, []byte("new-password,bob,1002\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Reload())
	for _, password := range []string{"old-password", "new-password"} {
		_, ok, _ := a.AuthenticateRequest(authntest.NewBasicRequest("bob", password))
		fmt.Println(password, ok)
	}
	// Output:
	// <nil>
	// old-password false
	// new-password true
}

func ExampleNew() {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost) // use bcrypt.DefaultCost or more
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "basicauth")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "basic-auth.csv")
	if err := os.WriteFile(path, []byte(string(hash)+",bob,1002,\"ops\"\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	a, err := basicauth.New(basicauth.Options{FileOptions: authn.FileOptions{Path: path}})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close() // stops watching the file

	handler := authn.Middleware(a, authn.MiddlewareOptions{Challenges: []authn.Challenge{authn.BasicChallenge}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := authn.UserFrom(r.Context())
			fmt.Fprintf(w, "hello %s %v", u.Name, u.Groups)
		}))

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("bob", "s3cret")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	fmt.Println(rec.Code, rec.Body.String())

	r.SetBasicAuth("bob", "wrong")
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 200 hello bob [ops]
	// 401 Basic realm="authnkit", charset="UTF-8"
}

func ExampleAuthenticator_AuthenticateRequest() {
	hash, err := basicauth.HashArgon2id([]byte("s3cret"), exampleParams)
	if err != nil {
		log.Fatal(err)
	}
	a, err := basicauth.NewFromCSV([]byte(`"`+hash+`",alice,1001`+"\n"), basicauth.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range []struct{ name, authorization string }{
		{"no credentials", ""},
		{"bearer token", "Bearer abc"},
		{"right password", "Basic YWxpY2U6czNjcmV0"},   // alice:s3cret
		{"wrong password", "Basic YWxpY2U6d3Jvbmc="},   // alice:wrong
		{"unknown user", "Basic bWFsbG9yeTpzM2NyZXQ="}, // mallory:s3cret
		{"no colon", "Basic YWxpY2U="},                 // alice
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.authorization != "" {
			r.Header.Set("Authorization", c.authorization)
		}
		resp, ok, err := a.AuthenticateRequest(r)
		switch {
		case ok:
			fmt.Printf("%s: authenticated as %s\n", c.name, resp.User.Name)
		case err == nil:
			fmt.Printf("%s: no opinion\n", c.name)
		default:
			fmt.Printf("%s: invalid=%t malformed=%t\n", c.name,
				errors.Is(err, authn.ErrInvalidCredentials), errors.Is(err, authn.ErrMalformed))
		}
	}
	// Output:
	// no credentials: no opinion
	// bearer token: no opinion
	// right password: authenticated as alice
	// wrong password: invalid=true malformed=false
	// unknown user: invalid=true malformed=false
	// no colon: invalid=true malformed=true
}

func ExampleHashArgon2id() {
	// The zero Argon2Params means DefaultArgon2Params (RFC 9106: 64 MiB, t=3, p=4).
	hash, err := basicauth.HashArgon2id([]byte("s3cret"), basicauth.Argon2Params{})
	if err != nil {
		log.Fatal(err)
	}
	parts := strings.Split(hash, "$") // "", "argon2id", "v=19", params, salt, hash
	fmt.Println(strings.Join(parts[:4], "$"), len(parts[4]), len(parts[5]))

	// A password file row; encoding/csv quotes the hash, which has commas.
	w := csv.NewWriter(os.Stdout)
	_ = w.Write([]string{strings.Join(parts[:4], "$") + "$…", "alice", "1001", "admins,dev"})
	w.Flush()
	// Output:
	// $argon2id$v=19$m=65536,t=3,p=4 22 43
	// "$argon2id$v=19$m=65536,t=3,p=4$…",alice,1001,"admins,dev"
}
