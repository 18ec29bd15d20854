package authn_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// FuzzBearerHeaders feeds arbitrary Authorization and WebSocket headers to
// BearerToken over a table that knows one token. It must never panic,
// always answer in one of the three shapes, pass on only well-formed
// tokens, and authenticate only the known token.
func FuzzBearerHeaders(f *testing.F) {
	for _, seed := range []struct{ auth, proto string }{
		{"Bearer s3cret", ""},
		{"bearer   s3cret  ", ""},
		{"Bearer", ""},
		{"Bearer a b", ""},
		{"Basic YTpi", ""},
		{"BearerX s3cret", ""},
		{"Bearer \x00", ""},
		{"", wsProto("s3cret") + ", v4.channel.k8s.io"},
		{"", authn.WebSocketProtocolPrefix + "!!,x"},
		{"", wsProto("s3cret") + "," + wsProto("s3cret") + ",x"},
	} {
		f.Add(seed.auth, seed.proto)
	}
	const known = "s3cret"
	f.Fuzz(func(t *testing.T, auth, proto string) {
		var seen []string
		tokens := authntest.Tokens(map[string]authn.UserInfo{known: {Name: "alice"}})
		spy := authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
			seen = append(seen, token)
			return tokens.AuthenticateToken(ctx, token)
		})
		r := authntest.NewRequest()
		r.Header = http.Header{}
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		if proto != "" {
			r.Header["Connection"] = []string{"Upgrade"}
			r.Header["Upgrade"] = []string{"websocket"}
			r.Header["Sec-Websocket-Protocol"] = []string{proto}
		}
		resp, ok, err := authn.BearerToken(spy).AuthenticateRequest(r)
		authntest.CheckOutcome(t, resp, ok, err)
		for _, tok := range seen {
			if tok == "" || len(tok) > authn.MaxTokenLength {
				t.Fatalf("passed on a token of length %d", len(tok))
			}
			if auth != "" && strings.ContainsAny(tok, " \t") {
				t.Fatalf("passed on a token with white space")
			}
			if proto != "" && auth == "" && !utf8.ValidString(tok) {
				t.Fatalf("passed on a websocket token that is not UTF-8")
			}
		}
		if ok && (len(seen) != 1 || seen[0] != known) {
			t.Fatalf("authenticated without the known token")
		}
		if err != nil && strings.Contains(err.Error(), known) {
			t.Fatalf("error contains the token")
		}
	})
}
