package celexpr_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
)

func Example() {
	compiler, err := celexpr.New(celexpr.Options{})
	if err != nil {
		panic(err)
	}
	// The payload as package oidc decodes it.
	in := oidc.Input{Claims: map[string]any{
		"sub":    "alice",
		"groups": []any{"admins", "dev"},
		"exp":    int64(1893456000),
	}}

	for _, e := range []struct {
		expr string
		want oidc.ResultType
	}{
		{`claims.sub + "@example.com"`, oidc.String},               // claimMappings.username
		{`claims.groups.map(g, "oidc:" + g)`, oidc.StringOrList},   // claimMappings.groups
		{`'admins' in claims.groups && claims.exp > 0`, oidc.Bool}, // claimValidationRules
	} {
		prog, err := compiler.Compile(e.expr, oidc.ClaimsEnv, e.want)
		if err != nil {
			panic(err)
		}
		v, err := prog.Eval(context.Background(), in)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%#v\n", v)
	}

	// userValidationRules see the mapped user.
	rule, err := compiler.Compile(`!user.username.startsWith('system:')`, oidc.UserEnv, oidc.Bool)
	if err != nil {
		panic(err)
	}
	ok, err := rule.Eval(context.Background(), oidc.Input{User: &authn.UserInfo{Name: "system:admin"}})
	fmt.Println(ok, err)

	// A type that can never fit is refused at compile time.
	_, err = compiler.Compile(`claims.exp`, oidc.ClaimsEnv, oidc.Bool)
	fmt.Println(err)
	// Output:
	// "alice@example.com"
	// []string{"oidc:admins", "oidc:dev"}
	// true
	// false <nil>
	// celexpr: wrong result type: must evaluate to bool, got dyn
}

// Kubernetes requires claims.email_verified to be read wherever
// claims.email makes the username; UsesClaim is how a caller checks it.
func ExampleCompiler_Compile() {
	compiler, err := celexpr.New(celexpr.Options{})
	if err != nil {
		panic(err)
	}
	username, err := compiler.Compile(`claims.email`, oidc.ClaimsEnv, oidc.String)
	if err != nil {
		panic(err)
	}
	rule, err := compiler.Compile(`claims.?email_verified.orValue(false) == true`, oidc.ClaimsEnv, oidc.Bool)
	if err != nil {
		panic(err)
	}
	fmt.Println(username.UsesClaim("email"), username.UsesClaim("email_verified"), rule.UsesClaim("email_verified"))

	// Errors give positions, not the expression.
	_, err = compiler.Compile(`claims.email +`, oidc.ClaimsEnv, oidc.String)
	fmt.Println(err != nil && !strings.Contains(err.Error(), "claims.email"))
	// Output:
	// true false true
	// true
}
