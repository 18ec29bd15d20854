package authn_test

import (
	"testing"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func BenchmarkBearerToken(b *testing.B) {
	a := authn.BearerToken(aliceTokens())
	r := authntest.NewBearerRequest("s3cret")
	v := r.Header["Authorization"]
	b.ReportAllocs()
	for b.Loop() {
		r.Header["Authorization"] = v
		_, _, _ = a.AuthenticateRequest(r)
	}
}
