package union_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

var (
	alice = authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"dev"}, Extra: map[string][]string{"scopes": {"read"}}}
	bob   = authn.UserInfo{Name: "bob", UID: "1002"}

	errA           = fmt.Errorf("member a: %w", authn.ErrBadSignature)
	errB           = fmt.Errorf("member b: %w", authn.ErrExpired)
	errUnavailable = &authn.UnavailableError{Err: errors.New("keys not loaded")}
)

// outcome is what a fake member answers.
type outcome int

const (
	succeedAlice  outcome = iota // (alice, true, nil)
	succeedBob                   // (bob, true, nil)
	noOpinion                    // (nil, false, nil)
	failA                        // (nil, false, errA)
	failB                        // (nil, false, errB)
	unavailable                  // (nil, false, errUnavailable)
	respWithErr                  // (bob, true, errB): mixed shape, counts as errB
	okWithoutResp                // (nil, true, nil): mixed shape, counts as an error
	respWithoutOK                // (bob, false, nil): mixed shape, counts as no opinion
)

func (o outcome) String() string {
	return [...]string{"succeedAlice", "succeedBob", "noOpinion", "failA", "failB", "unavailable", "respWithErr", "okWithoutResp", "respWithoutOK"}[o]
}

func (o outcome) fake() *authntest.Fake {
	switch o {
	case succeedAlice:
		return authntest.Succeed(alice)
	case succeedBob:
		return authntest.Succeed(bob)
	case noOpinion:
		return authntest.NoOpinion()
	case failA:
		return authntest.Fail(errA)
	case failB:
		return authntest.Fail(errB)
	case unavailable:
		return authntest.Fail(errUnavailable)
	case respWithErr:
		return &authntest.Fake{Response: &authn.Response{User: bob}, OK: true, Err: errB}
	case okWithoutResp:
		return &authntest.Fake{OK: true}
	case respWithoutOK:
		return &authntest.Fake{Response: &authn.Response{User: bob}}
	}
	panic("unknown outcome")
}

// model is what a union should answer for these members: the winning
// user, the errors it must carry, and how often each member is asked.
func model(outs []outcome, failFast bool) (user *authn.UserInfo, errs []error, calls []int64) {
	calls = make([]int64, len(outs))
	for i, o := range outs {
		calls[i] = 1
		var err error
		switch o {
		case succeedAlice:
			return &alice, nil, calls
		case succeedBob:
			return &bob, nil, calls
		case noOpinion, respWithoutOK:
			continue
		case failA:
			err = errA
		case failB, respWithErr:
			err = errB
		case unavailable:
			err = errUnavailable
		case okWithoutResp:
			err = union.ErrNoResponse
		}
		errs = append(errs, err)
		if failFast {
			return nil, errs, calls
		}
	}
	return nil, errs, calls
}

// runner builds a union of one kind from fakes and asks it once.
type runner struct {
	name string
	run  func(t *testing.T, opts union.Options, fakes []*authntest.Fake) (*authn.Response, bool, error)
}

var runners = []runner{
	{name: "request", run: func(t *testing.T, opts union.Options, fakes []*authntest.Fake) (*authn.Response, bool, error) {
		members := make([]authn.Authenticator, len(fakes))
		for i, f := range fakes {
			members[i] = f
		}
		return union.NewWith(opts, members...).AuthenticateRequest(authntest.NewRequest())
	}},
	{name: "token", run: func(t *testing.T, opts union.Options, fakes []*authntest.Fake) (*authn.Response, bool, error) {
		members := make([]authn.TokenAuthenticator, len(fakes))
		for i, f := range fakes {
			members[i] = f
		}
		return union.NewTokensWith(opts, members...).AuthenticateToken(t.Context(), "tok")
	}},
}

// check asserts that (resp, ok, err) is the model's answer for outs.
func check(t *testing.T, outs []outcome, failFast bool, fakes []*authntest.Fake, resp *authn.Response, ok bool, err error) {
	t.Helper()
	wantUser, wantErrs, wantCalls := model(outs, failFast)
	msg := fmt.Sprintf("members %v, FailFast %v", outs, failFast)
	if !authntest.CheckOutcome(t, resp, ok, err) {
		t.Errorf("bad shape for %s", msg)
		return
	}
	if wantUser != nil {
		authntest.AssertUser(t, *wantUser, resp, ok, err)
	} else {
		assert.False(t, ok, msg)
	}
	switch len(wantErrs) {
	case 0:
		assert.NoError(t, err, msg)
	case 1:
		assert.Same(t, wantErrs[0], err, "a single error comes back as it is: %s", msg)
	default:
		joined, isJoin := err.(interface{ Unwrap() []error })
		if assert.True(t, isJoin, "several errors are joined: %s", msg) {
			assert.Equal(t, wantErrs, joined.Unwrap(), "member order: %s", msg)
		}
	}
	allUnavailable := len(wantErrs) > 0
	for _, e := range wantErrs {
		assert.ErrorIs(t, err, e, msg)
		allUnavailable = allUnavailable && e == error(errUnavailable)
	}
	assert.Equal(t, allUnavailable, authn.IsUnavailable(err), "IsUnavailable: %s", msg)
	for i, f := range fakes {
		assert.Equal(t, wantCalls[i], f.Calls(), "calls of member %d: %s", i, msg)
	}
}

func TestUnion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failFast bool
		members  []outcome
	}{
		{name: "no members is no opinion"},
		{name: "all no opinion", members: []outcome{noOpinion, noOpinion, noOpinion}},
		{name: "first success wins, later members not asked", members: []outcome{succeedAlice, succeedBob, failA}},
		{name: "third succeeds after no opinion and an error", members: []outcome{noOpinion, failA, succeedBob}},
		{name: "one error comes back as it is", members: []outcome{noOpinion, failA, noOpinion}},
		{name: "errors are joined in member order", members: []outcome{failA, noOpinion, failB}},
		{name: "unavailable alone is unavailable", members: []outcome{unavailable, noOpinion}},
		{name: "unavailable and a rejection is not unavailable", members: []outcome{unavailable, failA}},
		{name: "two unavailable are unavailable", members: []outcome{unavailable, unavailable}},
		{name: "fail fast stops at the first error", failFast: true, members: []outcome{noOpinion, failA, succeedAlice}},
		{name: "fail fast moves past no opinion", failFast: true, members: []outcome{noOpinion, succeedAlice}},
		{name: "fail fast with no errors", failFast: true, members: []outcome{noOpinion, noOpinion}},
		{name: "response with error counts as the error", members: []outcome{respWithErr}},
		{name: "response with error does not stop the union", members: []outcome{respWithErr, succeedAlice}},
		{name: "success without response is an error", members: []outcome{okWithoutResp, noOpinion}},
		{name: "success without response does not stop the union", members: []outcome{okWithoutResp, succeedAlice}},
		{name: "response without success is no opinion", members: []outcome{respWithoutOK, noOpinion}},
		{name: "more errors than the stack array holds", members: []outcome{failA, failB, unavailable, respWithErr, okWithoutResp, failA, noOpinion}},
	}
	for _, tt := range tests {
		for _, r := range runners {
			t.Run(r.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				fakes := make([]*authntest.Fake, len(tt.members))
				for i, o := range tt.members {
					fakes[i] = o.fake()
				}
				resp, ok, err := r.run(t, union.Options{FailFast: tt.failFast}, fakes)
				check(t, tt.members, tt.failFast, fakes, resp, ok, err)
			})
		}
	}
}

// TestUnionEveryCombination checks every sequence of up to three members
// over every outcome against the model.
func TestUnionEveryCombination(t *testing.T) {
	t.Parallel()
	all := []outcome{succeedAlice, noOpinion, failA, failB, unavailable, respWithErr, okWithoutResp, respWithoutOK}
	var seqs [][]outcome
	for n := 0; n <= 3; n++ {
		seqs = append(seqs, sequences(all, n)...)
	}
	for _, r := range runners {
		for _, failFast := range []bool{false, true} {
			for _, outs := range seqs {
				fakes := make([]*authntest.Fake, len(outs))
				for i, o := range outs {
					fakes[i] = o.fake()
				}
				resp, ok, err := r.run(t, union.Options{FailFast: failFast}, fakes)
				check(t, outs, failFast, fakes, resp, ok, err)
			}
		}
	}
}

// TestUnionFallback puts anonymous access at every position of every
// sequence of up to three members: it must answer only when the members
// without it have no opinion, whatever the position and FailFast.
func TestUnionFallback(t *testing.T) {
	t.Parallel()
	all := []outcome{succeedAlice, noOpinion, failA, unavailable, okWithoutResp}
	anon := authn.UserInfo{Name: authn.AnonymousUser, Groups: []string{authn.UnauthenticatedGroup}}
	for n := 0; n <= 3; n++ {
		for _, outs := range sequences(all, n) {
			for _, failFast := range []bool{false, true} {
				opts := union.Options{FailFast: failFast}
				var members []authn.Authenticator
				for _, o := range outs {
					members = append(members, o.fake())
				}
				wantResp, wantOK, wantErr := union.NewWith(opts, members...).AuthenticateRequest(authntest.NewRequest())
				for pos := 0; pos <= len(members); pos++ {
					with := slices.Insert(slices.Clone(members), pos, authn.Anonymous())
					resp, ok, err := union.NewWith(opts, with...).AuthenticateRequest(authntest.NewRequest())
					msg := fmt.Sprintf("members %v, anonymous at %d, FailFast %v", outs, pos, failFast)
					authntest.CheckOutcome(t, resp, ok, err)
					switch {
					case wantOK:
						require.True(t, ok, msg)
						require.Equal(t, wantResp.User, resp.User, msg)
					case wantErr != nil:
						require.False(t, ok, msg)
						require.Equal(t, wantErr.Error(), err.Error(), msg)
					default:
						require.True(t, ok, msg)
						require.Equal(t, anon, resp.User, msg)
					}
				}
			}
		}
	}
}

// sequences returns every sequence of n outcomes drawn from all.
func sequences(all []outcome, n int) [][]outcome {
	if n == 0 {
		return [][]outcome{nil}
	}
	var out [][]outcome
	for _, prefix := range sequences(all, n-1) {
		for _, o := range all {
			out = append(out, append(slices.Clone(prefix), o))
		}
	}
	return out
}

func TestUnionClonesAndCompactsMembers(t *testing.T) {
	t.Parallel()
	t.Run("request", func(t *testing.T) {
		t.Parallel()
		members := []authn.Authenticator{nil, authntest.NoOpinion(), nil, authntest.Succeed(alice)}
		u := union.New(members...)
		members[3] = authntest.Succeed(bob) // must not reach u
		resp, ok, err := u.AuthenticateRequest(authntest.NewRequest())
		authntest.AssertUser(t, alice, resp, ok, err)
	})
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		members := []authn.TokenAuthenticator{authntest.NoOpinion(), nil, authntest.Succeed(alice)}
		u := union.NewTokens(members...)
		members[2] = authntest.Succeed(bob)
		resp, ok, err := u.AuthenticateToken(t.Context(), "tok")
		authntest.AssertUser(t, alice, resp, ok, err)
	})
}

// TestUnionPassesRequestAndToken checks that members see the caller's
// request, context and token unchanged.
func TestUnionPassesRequestAndToken(t *testing.T) {
	t.Parallel()
	t.Run("request", func(t *testing.T) {
		t.Parallel()
		r := authntest.NewBearerRequest("abc")
		var seen []*http.Request
		member := authn.AuthenticatorFunc(func(got *http.Request) (*authn.Response, bool, error) {
			seen = append(seen, got)
			return nil, false, nil
		})
		_, _, _ = union.New(member, member).AuthenticateRequest(r)
		require.Len(t, seen, 2)
		assert.Same(t, r, seen[0])
		assert.Same(t, r, seen[1])
	})
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		ctx := authn.WithAudiences(t.Context(), []string{"api"})
		var tokens []string
		member := authn.TokenAuthenticatorFunc(func(got context.Context, token string) (*authn.Response, bool, error) {
			assert.Equal(t, []string{"api"}, authn.AudiencesFrom(got))
			tokens = append(tokens, token)
			return nil, false, nil
		})
		_, _, _ = union.NewTokens(member, member).AuthenticateToken(ctx, "abc")
		assert.Equal(t, []string{"abc", "abc"}, tokens)
	})
}

func TestUnionSuccessDoesNotAllocate(t *testing.T) {
	for _, first := range []outcome{noOpinion, failA} {
		t.Run(first.String(), func(t *testing.T) {
			r := authntest.NewRequest()
			u := union.New(first.fake(), failB.fake(), succeedAlice.fake())
			allocs := testing.AllocsPerRun(100, func() { _, _, _ = u.AuthenticateRequest(r) })
			assert.Zero(t, allocs, "request union")

			ctx := t.Context()
			tu := union.NewTokens(first.fake(), failB.fake(), succeedAlice.fake())
			allocs = testing.AllocsPerRun(100, func() { _, _, _ = tu.AuthenticateToken(ctx, "tok") })
			assert.Zero(t, allocs, "token union")
		})
	}
}

func TestUnionErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token-value"
	tu := union.NewTokens(failA.fake(), okWithoutResp.fake(), failB.fake())
	_, _, err := tu.AuthenticateToken(t.Context(), token)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	assert.NotContains(t, fmt.Sprintf("%+v", err), token)
}
