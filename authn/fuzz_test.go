package authn_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
		r := fuzzRequest(auth, proto)
		resp, ok, err := authn.BearerToken(spy).AuthenticateRequest(r)
		authntest.CheckOutcome(t, resp, ok, err)
		for _, tok := range seen {
			if tok == "" || len(tok) > authn.MaxTokenBytes {
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

// FuzzDecisionLog sends arbitrary Authorization and WebSocket headers
// through the middleware with its decision log at Debug: it must never
// panic, and the log must never hold the secret part of a credential.
func FuzzDecisionLog(f *testing.F) {
	for _, seed := range []struct{ auth, proto string }{
		{"Bearer s3cret-token-value", ""},
		{"Basic czNjcmV0LXVzZXI6cGFzc3dvcmQ=", ""},
		{"Negotiate s3cret-token-value", ""},
		{"Bearer", ""},
		{"", wsProto("s3cret-token-value") + ", v4.channel.k8s.io"},
		{"bearer \tx", "x," + authn.WebSocketProtocolPrefix},
	} {
		f.Add(seed.auth, seed.proto)
	}
	f.Fuzz(func(t *testing.T, auth, proto string) {
		var logs strings.Builder
		tokens := authntest.Tokens(map[string]authn.UserInfo{"s3cret-token-value": {Name: "alice"}})
		h := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{
			Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			LogLimit: -1,
		})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r := fuzzRequest(auth, proto)
		h.ServeHTTP(httptest.NewRecorder(), r)
		out := logs.String()
		if out == "" {
			t.Fatal("no decision logged")
		}
		// The secret part of each credential: what follows the scheme,
		// and each WebSocket bearer entry's payload. Short ones may occur
		// in the log by chance ("GET", a reason word).
		var secrets []string
		if _, v, found := strings.Cut(strings.TrimSpace(auth), " "); found {
			secrets = append(secrets, strings.TrimSpace(v))
		}
		for p := range strings.SplitSeq(proto, ",") {
			if enc, ok := strings.CutPrefix(strings.TrimSpace(p), authn.WebSocketProtocolPrefix); ok {
				secrets = append(secrets, enc)
			}
		}
		for _, s := range secrets {
			if len(s) >= 12 && strings.Contains(out, s) {
				t.Fatalf("the log holds a credential: %q", out)
			}
		}
	})
}

// fuzzRequest is a request with exactly the Authorization value auth and,
// when proto is set, a WebSocket upgrade offering the protocols proto;
// either may be empty.
func fuzzRequest(auth, proto string) *http.Request {
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
	return r
}
