package requestheader_test

import (
	"net/http"
	"testing"

	"github.com/authnkit/authnkit/authn/authntest"
)

// BenchmarkAuthenticateRequest measures a request through a trusted proxy
// whose chain x509auth has seen before (the budget's "front proxy, seen
// before"), and a request without a certificate. Each iteration puts the
// identity headers back first (AuthenticateRequest strips them), by map
// assignment from a template, which does not allocate.
func BenchmarkAuthenticateRequest(b *testing.B) {
	p := newPKI(b)
	a := newAuth(b, p, nil)
	tmpl := authntest.NewProxyRequest("jane", []string{"dev", "ops"}, map[string][]string{"scopes/x": {"view"}}).Header
	tmpl.Set("X-Remote-Uid", "1001")
	for _, bc := range []struct {
		name string
		cert *authntest.Cert
	}{{"trusted", p.proxy}, {"no certificate", nil}} {
		newRequest := func() *http.Request {
			r := authntest.NewRequest()
			if bc.cert != nil {
				bc.cert.AddToRequest(r)
			}
			return r
		}
		b.Run(bc.name+"/serial", func(b *testing.B) {
			r := newRequest()
			b.ReportAllocs()
			for b.Loop() {
				for k, v := range tmpl {
					r.Header[k] = v
				}
				_, _, _ = a.AuthenticateRequest(r)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := newRequest()
				for pb.Next() {
					for k, v := range tmpl {
						r.Header[k] = v
					}
					_, _, _ = a.AuthenticateRequest(r)
				}
			})
		})
	}
}
