package benchmarks

import (
	"context"
	"net/http"
	"testing"

	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8srequestunion "k8s.io/apiserver/pkg/authentication/request/union"
	k8stokenunion "k8s.io/apiserver/pkg/authentication/token/union"
	k8suser "k8s.io/apiserver/pkg/authentication/user"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/union"
)

// The members of the union benchmarks, the same on both sides: funcs that
// have no opinion, or return a prebuilt response.
var (
	unionK8sResp = &k8sauthenticator.Response{User: &k8suser.DefaultInfo{
		Name: "alice", UID: "1001", Groups: []string{"dev", "system:authenticated"},
	}}
	unionOurResp = &authn.Response{User: authn.UserInfo{
		Name: "alice", UID: "1001", Groups: []string{"dev", "system:authenticated"},
	}}

	k8sTokenNoOpinion = k8sauthenticator.TokenFunc(func(context.Context, string) (*k8sauthenticator.Response, bool, error) {
		return nil, false, nil
	})
	k8sTokenSucceed = k8sauthenticator.TokenFunc(func(context.Context, string) (*k8sauthenticator.Response, bool, error) {
		return unionK8sResp, true, nil
	})
	ourTokenNoOpinion = authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		return nil, false, nil
	})
	ourTokenSucceed = authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		return unionOurResp, true, nil
	})

	k8sRequestNoOpinion = k8sauthenticator.RequestFunc(func(*http.Request) (*k8sauthenticator.Response, bool, error) {
		return nil, false, nil
	})
	k8sRequestSucceed = k8sauthenticator.RequestFunc(func(*http.Request) (*k8sauthenticator.Response, bool, error) {
		return unionK8sResp, true, nil
	})
	ourRequestNoOpinion = authn.AuthenticatorFunc(func(*http.Request) (*authn.Response, bool, error) {
		return nil, false, nil
	})
	ourRequestSucceed = authn.AuthenticatorFunc(func(*http.Request) (*authn.Response, bool, error) {
		return unionOurResp, true, nil
	})
)

// BenchmarkUnionTokens runs an ordered union of three token authenticators:
// k8s.io/apiserver's token/union.New against authnkit's union.NewTokens.
// case=third-succeeds: the first two have no opinion, the third succeeds
// (DESIGN.md's budget); case=none: all three have no opinion.
func BenchmarkUnionTokens(b *testing.B) {
	const token = "31ada4fd-adec-460c-809a-9e56ceb75269"
	b.Run("case=third-succeeds", func(b *testing.B) {
		runModes(b,
			tokenImpl(implK8s, k8stokenunion.New(k8sTokenNoOpinion, k8sTokenNoOpinion, k8sTokenSucceed), token, true),
			tokenImpl(implAuthnkit, union.NewTokens(ourTokenNoOpinion, ourTokenNoOpinion, ourTokenSucceed), token, true),
		)
	})
	b.Run("case=none", func(b *testing.B) {
		runModes(b,
			tokenImpl(implK8s, k8stokenunion.New(k8sTokenNoOpinion, k8sTokenNoOpinion, k8sTokenNoOpinion), token, false),
			tokenImpl(implAuthnkit, union.NewTokens(ourTokenNoOpinion, ourTokenNoOpinion, ourTokenNoOpinion), token, false),
		)
	})
}

// BenchmarkUnionRequests is BenchmarkUnionTokens for request
// authenticators: k8s.io/apiserver's request/union.New against authnkit's
// union.New.
func BenchmarkUnionRequests(b *testing.B) {
	b.Run("case=third-succeeds", func(b *testing.B) {
		runModes(b,
			requestImpl(implK8s, k8srequestunion.New(k8sRequestNoOpinion, k8sRequestNoOpinion, k8sRequestSucceed), newRequest, nil, true),
			requestImpl(implAuthnkit, union.New(ourRequestNoOpinion, ourRequestNoOpinion, ourRequestSucceed), newRequest, nil, true),
		)
	})
	b.Run("case=none", func(b *testing.B) {
		runModes(b,
			requestImpl(implK8s, k8srequestunion.New(k8sRequestNoOpinion, k8sRequestNoOpinion, k8sRequestNoOpinion), newRequest, nil, false),
			requestImpl(implAuthnkit, union.New(ourRequestNoOpinion, ourRequestNoOpinion, ourRequestNoOpinion), newRequest, nil, false),
		)
	})
}
