// Command customtoken shows custom identity logic as a
// [authn.TokenAuthenticator] — here, tokens of the form
// "<team>.<user>.<hmac>" signed with a shared key — embedded in an HTTP
// server with authnkit's middleware. Its unit test (main_test.go) shows how
// to test such logic with package authntest.
//
//	go run ./examples/customtoken
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/authnkit/authnkit/authn"
)

// teamTokens authenticates "<team>.<user>.<hex hmac-sha256 of team.user>".
// Tokens without two dots are not ours: no opinion. Ours with a bad MAC
// are rejected.
type teamTokens struct{ key []byte }

var _ authn.TokenAuthenticator = teamTokens{}

func (t teamTokens) sign(team, user string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(team + "." + user))
	return team + "." + user + "." + hex.EncodeToString(m.Sum(nil))
}

func (t teamTokens) AuthenticateToken(_ context.Context, token string) (*authn.Response, bool, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false, nil
	}
	team, user := parts[0], parts[1]
	if team == "" || user == "" {
		return nil, false, fmt.Errorf("teamtokens: %w: empty team or user", authn.ErrMalformed)
	}
	if !hmac.Equal([]byte(t.sign(team, user)), []byte(token)) {
		return nil, false, fmt.Errorf("teamtokens: %w", authn.ErrBadSignature)
	}
	return &authn.Response{User: authn.UserInfo{Name: user, Groups: []string{"team:" + team}}}, true, nil
}

func newHandler(t teamTokens) http.Handler {
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		fmt.Fprintf(w, "%s %v\n", u.Name, u.Groups)
	})
	return authn.Middleware(authn.AddAuthenticatedGroup(authn.BearerToken(t)), authn.MiddlewareOptions{})(whoami)
}

func main() {
	t := teamTokens{key: []byte("demo key: use a real secret")}
	srv := httptest.NewServer(newHandler(t))
	defer srv.Close()
	for _, token := range []string{t.sign("blue", "alice"), "blue.alice.forged"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		buf := make([]byte, 512)
		n, _ := res.Body.Read(buf)
		res.Body.Close()
		fmt.Printf("%d %s", res.StatusCode, buf[:n]) // both bodies end in a newline
	}
}
