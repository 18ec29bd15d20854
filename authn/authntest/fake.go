package authntest

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
)

// Fake is an authenticator of both kinds (request and token) that returns
// a fixed outcome and counts its calls. Its fields must not change once it
// is in use; it is safe for concurrent use.
type Fake struct {
	// Response, OK and Err are returned as they are, even when they do not
	// form one of the three allowed shapes: that lets tests check how
	// composition copes with a misbehaving member.
	Response *authn.Response
	OK       bool
	Err      error

	calls atomic.Int64
}

var (
	_ authn.Authenticator      = (*Fake)(nil)
	_ authn.TokenAuthenticator = (*Fake)(nil)
)

// Succeed returns a Fake that authenticates everything as u.
func Succeed(u authn.UserInfo) *Fake {
	return &Fake{Response: &authn.Response{User: u}, OK: true}
}

// NoOpinion returns a Fake that has no opinion on anything.
func NoOpinion() *Fake { return &Fake{} }

// Fail returns a Fake that rejects everything with err.
func Fail(err error) *Fake { return &Fake{Err: err} }

// AuthenticateRequest returns f's outcome.
func (f *Fake) AuthenticateRequest(*http.Request) (*authn.Response, bool, error) {
	f.calls.Add(1)
	return f.Response, f.OK, f.Err
}

// AuthenticateToken returns f's outcome.
func (f *Fake) AuthenticateToken(context.Context, string) (*authn.Response, bool, error) {
	f.calls.Add(1)
	return f.Response, f.OK, f.Err
}

// Calls reports how many times f was asked.
func (f *Fake) Calls() int64 { return f.calls.Load() }

// Tokens returns a token authenticator over a fixed table: a token in users
// authenticates as its user, any other token gets no opinion. The map is
// copied. Unlike package tokenfile, it does no parsing and never reloads.
func Tokens(users map[string]authn.UserInfo) authn.TokenAuthenticator {
	table := make(map[string]*authn.Response, len(users))
	for tok, u := range users {
		table[tok] = &authn.Response{User: u.Clone()}
	}
	return authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if r, ok := table[token]; ok {
			return r, true, nil
		}
		return nil, false, nil
	})
}
