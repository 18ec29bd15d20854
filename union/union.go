package union

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/authnkit/authnkit/authn"
)

// Options configures [NewWith] and [NewTokensWith]. The zero value is what
// [New] and [NewTokens] use: try every member in order.
type Options struct {
	// FailFast stops at the first member that returns an error and returns
	// that error, instead of remembering it and trying the next member.
	// It is Kubernetes' union.NewFailOnError. No opinion still moves on to
	// the next member.
	FailFast bool
}

// Requests is an ordered union of request authenticators, as Kubernetes'
// k8s.io/apiserver/pkg/authentication/request/union. Create it with [New]
// or [NewWith]. It is immutable and safe for concurrent use if its members
// are.
type Requests struct {
	members   []authn.Authenticator
	fallbacks []authn.Authenticator // asked last, only when nobody had an opinion
	failFast  bool
}

// Tokens is an ordered union of token authenticators, as Kubernetes'
// k8s.io/apiserver/pkg/authentication/token/union. Create it with
// [NewTokens] or [NewTokensWith]. It is immutable and safe for concurrent
// use if its members are.
type Tokens struct {
	members  []authn.TokenAuthenticator
	failFast bool
}

var (
	_ authn.Authenticator      = (*Requests)(nil)
	_ authn.TokenAuthenticator = (*Tokens)(nil)
)

// errNoResponse replaces a member's success that carries no response.
var errNoResponse = errors.New("union: authenticator reported success without a response")

// New returns the ordered union of members with default [Options]. The
// slice is cloned; nil members are dropped; [authn.Fallback] members (such
// as [authn.Anonymous]) are moved after the others, keeping their order.
// See [Requests.AuthenticateRequest] for how the members' answers combine.
func New(members ...authn.Authenticator) *Requests {
	return NewWith(Options{}, members...)
}

// NewWith is [New] with options.
func NewWith(opts Options, members ...authn.Authenticator) *Requests {
	u := &Requests{failFast: opts.FailFast}
	for _, m := range compact(members) {
		if authn.IsFallback(m) {
			u.fallbacks = append(u.fallbacks, m)
		} else {
			u.members = append(u.members, m)
		}
	}
	return u
}

// NewTokens returns the ordered union of token authenticators with default
// [Options]. The slice is cloned; nil members are dropped. See
// [Tokens.AuthenticateToken] for how the members' answers combine.
func NewTokens(members ...authn.TokenAuthenticator) *Tokens {
	return NewTokensWith(Options{}, members...)
}

// NewTokensWith is [NewTokens] with options.
func NewTokensWith(opts Options, members ...authn.TokenAuthenticator) *Tokens {
	return &Tokens{members: compact(members), failFast: opts.FailFast}
}

// compact returns a copy of members without nil interfaces.
func compact[T comparable](members []T) []T {
	var zero T
	return slices.DeleteFunc(slices.Clone(members), func(m T) bool { return m == zero })
}

// AuthenticateRequest asks the members in order and combines their
// answers:
//
//   - the first (resp, true, nil) wins and is returned as it is; later
//     members are not asked;
//   - (nil, false, nil), no opinion, moves on to the next member;
//   - (nil, false, err) is remembered and the next member is asked, or,
//     with [Options.FailFast], err is returned at once.
//
// When no member succeeds, the result is (nil, false, nil) if no member
// returned an error, the error itself if exactly one did, and otherwise all
// of them joined with [errors.Join], in member order, so that [errors.Is],
// [errors.As] and [authn.IsUnavailable] see every member's error.
//
// [authn.Fallback] members (anonymous access) are asked after all the
// others, and only when every one of them had no opinion: a request whose
// credential was rejected or could not be checked never reaches them, with
// or without FailFast.
//
// A member that breaks the three-shape contract is held to it: a success
// with an error counts as that error, a success without a response counts
// as an error (it matches no authn sentinel), and a response without
// success is no opinion.
//
// The success path does not allocate; only combining several errors does.
func (u *Requests) AuthenticateRequest(r *http.Request) (*authn.Response, bool, error) {
	for i, m := range u.members {
		resp, ok, err := normalize(m.AuthenticateRequest(r))
		if ok {
			return resp, true, nil
		}
		if err != nil {
			if u.failFast {
				return nil, false, err
			}
			return u.afterError(r, u.members[i+1:], err)
		}
	}
	for _, m := range u.fallbacks {
		resp, ok, err := normalize(m.AuthenticateRequest(r))
		if ok || err != nil {
			return resp, ok, err
		}
	}
	return nil, false, nil
}

// afterError asks the remaining members once one has failed with first.
// It is apart so that the path without errors carries no error list.
func (u *Requests) afterError(r *http.Request, rest []authn.Authenticator, first error) (*authn.Response, bool, error) {
	var errs errList
	errs.add(first)
	for _, m := range rest {
		resp, ok, err := normalize(m.AuthenticateRequest(r))
		if ok {
			return resp, true, nil
		}
		if err != nil {
			errs.add(err) // FailFast never gets here
		}
	}
	return nil, false, errs.err()
}

// AuthenticateToken asks the members in order, passing ctx and token on
// unchanged, and combines their answers exactly as
// [Requests.AuthenticateRequest] does. The success path does not allocate.
func (t *Tokens) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	for i, m := range t.members {
		resp, ok, err := normalize(m.AuthenticateToken(ctx, token))
		if ok {
			return resp, true, nil
		}
		if err != nil {
			if t.failFast {
				return nil, false, err
			}
			return t.afterError(ctx, token, t.members[i+1:], err)
		}
	}
	return nil, false, nil
}

// afterError is [Requests.afterError] for tokens.
func (t *Tokens) afterError(ctx context.Context, token string, rest []authn.TokenAuthenticator, first error) (*authn.Response, bool, error) {
	var errs errList
	errs.add(first)
	for _, m := range rest {
		resp, ok, err := normalize(m.AuthenticateToken(ctx, token))
		if ok {
			return resp, true, nil
		}
		if err != nil {
			errs.add(err)
		}
	}
	return nil, false, errs.err()
}

// normalize holds an answer to the three allowed shapes: an error wins over
// success, success needs a response, and a response without success is
// dropped.
func normalize(resp *authn.Response, ok bool, err error) (*authn.Response, bool, error) {
	switch {
	case err != nil:
		return nil, false, err
	case ok && resp == nil:
		return nil, false, errNoResponse
	case ok:
		return resp, true, nil
	default:
		return nil, false, nil
	}
}

// errList collects member errors without allocating for the first few: it
// lives on the caller's stack, and only joining allocates.
type errList struct {
	n     int
	small [4]error
	more  []error
}

func (l *errList) add(err error) {
	if l.n < len(l.small) {
		l.small[l.n] = err
	} else {
		l.more = append(l.more, err)
	}
	l.n++
}

// err returns nil, the one error, or all of them joined.
func (l *errList) err() error {
	switch l.n {
	case 0:
		return nil
	case 1:
		return l.small[0]
	}
	all := l.small[:min(l.n, len(l.small))]
	if len(l.more) > 0 {
		all = append(slices.Clip(all), l.more...)
	}
	return errors.Join(all...)
}
