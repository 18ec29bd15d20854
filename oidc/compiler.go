package oidc

import (
	"context"

	"github.com/authnkit/authnkit/authn"
)

// Env names the variables an expression may use.
type Env int

const (
	// ClaimsEnv expressions see "claims", the token's verified payload as
	// a map(string, dyn): claimValidationRules, claimMappings.
	ClaimsEnv Env = iota
	// UserEnv expressions see "user", the mapped identity, with the fields
	// username, uid, groups and extra: userValidationRules.
	UserEnv
)

// ResultType is the type an expression must produce, checked when it is
// compiled.
type ResultType int

const (
	// String: username and uid mappings. The program returns a string.
	String ResultType = iota
	// StringOrList: groups and extra mappings. The program returns a
	// []string (a single string becomes a one-element slice; null or an
	// empty list becomes nil).
	StringOrList
	// Bool: validation rules. The program returns a bool.
	Bool
)

// Input is what a [Program] evaluates against. Claims holds the payload
// decoded once, as encoding/json decodes into an interface: JSON objects
// as map[string]any, arrays as []any, strings, bools, nil, and every number
// as float64 — a CEL double, as in Kubernetes. A Program must also accept
// int64 numbers. User is set for [UserEnv] programs.
type Input struct {
	Claims map[string]any
	User   *authn.UserInfo
}

// Compiler compiles the CEL expressions of a configuration. The package
// github.com/authnkit/authnkit/oidc/celexpr provides one; it lives apart so
// that a program whose configuration uses only claim mappings does not
// link a CEL implementation. A Compiler must be safe for concurrent use.
type Compiler interface {
	// Compile type-checks expr in env against want. Its error is the
	// compiler's message, without the expression.
	Compile(expr string, env Env, want ResultType) (Program, error)
}

// Program is a compiled expression. It is immutable and safe for
// concurrent use.
type Program interface {
	// Eval runs the program with a bounded cost. The result's Go type is
	// fixed by the ResultType it was compiled for: string, []string or
	// bool.
	Eval(ctx context.Context, in Input) (any, error)
	// UsesClaim reports whether the expression reads claims.<name> (or
	// claims["<name>"]): Kubernetes requires claims.email_verified to be
	// read wherever claims.email makes the username.
	UsesClaim(name string) bool
}
