package celexpr_test

import (
	"strings"
	"testing"

	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
)

// FuzzCompileEval compiles arbitrary expressions in every environment and
// result type and evaluates those that compile: nothing panics, compile
// errors carry no source snippet, and results have the promised Go type.
func FuzzCompileEval(f *testing.F) {
	for _, s := range []string{
		`claims.sub + "@example.com"`,
		`claims.groups.map(g, 'oidc:' + g)`,
		`claims.roles.split(',')`,
		`'admins' in claims.groups`,
		`sets.equivalent(claims.aud, ['a', 'b'])`,
		`claims.exp > 0 && claims.f == 1`,
		`has(claims.nested.inner.x__dot__y)`,
		`claims.objs.exists(o, o.k__dot__v == 'in list')`,
		`claims.?nickname.orValue(claims.sub)`,
		`claims[?"email"].orValue('')`,
		`user.username + ':' + user.uid`,
		`user.extra.example__dot__org__slash__team`,
		`claims.nothing`,
		`claims[claims.secret]`,
		`int(claims.secret) > 0`,
		`claims.mixed`,
		`null`,
		`[]`,
	} {
		f.Add(s)
	}
	c, err := celexpr.New(celexpr.Options{CostLimit: 10_000})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		in := oidc.Input{Claims: testClaims(), User: testUser()}
		for _, env := range []oidc.Env{oidc.ClaimsEnv, oidc.UserEnv} {
			for _, rt := range []oidc.ResultType{oidc.String, oidc.StringOrList, oidc.Bool} {
				prog, err := c.Compile(expr, env, rt)
				if err != nil {
					if strings.Contains(err.Error(), "\n") {
						t.Fatalf("compile error with a snippet: %v", err)
					}
					continue
				}
				v, err := prog.Eval(t.Context(), in)
				if err != nil {
					if strings.Contains(err.Error(), "hunter2") && !strings.Contains(expr, "hunter") {
						t.Fatalf("%q: claim value in error: %v", expr, err)
					}
					continue
				}
				var ok bool
				switch rt {
				case oidc.String:
					_, ok = v.(string)
				case oidc.StringOrList:
					_, ok = v.([]string)
				case oidc.Bool:
					_, ok = v.(bool)
				}
				if !ok {
					t.Fatalf("%q: result %T for result type %d", expr, v, rt)
				}
			}
		}
	})
}
