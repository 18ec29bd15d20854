package authconfig_test

import (
	"errors"
	"fmt"

	"github.com/authnkit/authnkit/authconfig"
)

// Parse decodes and validates; problems are reported as kube-apiserver
// reports them, each naming its field.
func ExampleParse() {
	c, err := authconfig.Parse([]byte(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: https://issuer.example.com
    audiences: [my-app]
  claimMappings:
    username:
      claim: sub
      prefix: "oidc:"
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.JWT[0].Issuer.URL, *c.JWT[0].ClaimMappings.Username.Prefix)

	_, err = authconfig.Parse([]byte(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: http://issuer.example.com
  claimMappings:
    username:
      claim: sub
`))
	fmt.Println(errors.Is(err, authconfig.ErrInvalidConfig))
	if ce, ok := errors.AsType[*authconfig.ConfigError](err); ok {
		for _, fe := range ce.Errors {
			fmt.Println(fe)
		}
	}

	// A file that does not decode: each problem with its line.
	_, err = authconfig.Parse([]byte(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: https://issuer.example.com
    audience: my-app
`))
	fmt.Println(err)
	// Output:
	// https://issuer.example.com oidc:
	// true
	// jwt[0].issuer.url: Invalid value: "http://issuer.example.com": URL scheme must be https
	// jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required
	// jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing
	// authconfig: invalid configuration: line 7: unknown field "jwt[0].issuer.audience"
}

// Load reads a file; errors name it.
func ExampleLoad() {
	c, err := authconfig.Load("testdata/config/anonymous.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(c.JWT), c.Anonymous.Enabled, c.Anonymous.Conditions)
	// Output:
	// 0 true [{/livez} {/readyz} {/healthz}]
}

// The classic --oidc-* flags, as the JWT authenticator kube-apiserver
// builds from them.
func ExampleClassic_JWT() {
	j := authconfig.Classic{
		IssuerURL:      "https://issuer.example.com",
		ClientID:       "kubernetes",
		GroupsClaim:    "groups",
		GroupsPrefix:   "oidc:",
		RequiredClaims: map[string]string{"hd": "example.com"},
	}.JWT()
	fmt.Println(j.Issuer.URL, j.Issuer.Audiences)
	fmt.Println(j.ClaimMappings.Username.Claim, *j.ClaimMappings.Username.Prefix)
	fmt.Println(j.ClaimMappings.Groups.Claim, *j.ClaimMappings.Groups.Prefix)
	fmt.Println(j.ClaimValidationRules)
	fmt.Println((&authconfig.AuthenticationConfiguration{JWT: []authconfig.JWT{j}}).ValidateStatic())
	// Output:
	// https://issuer.example.com [kubernetes]
	// sub https://issuer.example.com#
	// groups oidc:
	// [{hd example.com  }]
	// <nil>
}
