// Package celexpr compiles the CEL expressions of a Kubernetes
// AuthenticationConfiguration (claimMappings, claimValidationRules,
// userValidationRules) with github.com/google/cel-go. It provides the
// [oidc.Compiler] that package oidc needs only when a configuration uses
// expressions; a program that imports oidc but not celexpr does not link
// cel-go.
//
//	compiler, err := celexpr.New(celexpr.Options{})
//	if err != nil { … }
//	prog, err := compiler.Compile(`claims.sub + "@example.com"`, oidc.ClaimsEnv, oidc.String)
//	if err != nil { … }
//	name, err := prog.Eval(ctx, oidc.Input{Claims: claims}) // name.(string)
//
// # Environments
//
// A [oidc.ClaimsEnv] expression sees one variable, claims, of type
// map(string, dyn): the token's payload. A [oidc.UserEnv] expression sees
// user, of the object type kubernetes.UserInfo with the fields username
// (string), uid (string), groups (list(string)) and extra
// (map(string, list(string))), so that user.username is a string and
// user.usrname a compile error.
//
// Claims are read as JSON decodes them: objects, arrays, strings, bools,
// null, and numbers as int or double; CEL compares int and double values
// with each other (claims.exp > 0, claims.n == 1 both work for 1 and 1.0).
// As in Kubernetes, a key may be written with the escapes of
// Kubernetes' property names: claims.foo__dot__bar reads the claim
// "foo.bar" (also __dash__, __slash__, __underscores__ and __<keyword>__);
// claims["foo.bar"] works too.
//
// # Kubernetes compatibility
//
// The language settings are those of kube-apiserver's base environment for
// stored expressions: homogeneous aggregate literals, UTC as the default
// time zone, cross-type numeric comparisons, optional types (claims.?x,
// orValue), and literal validation of durations, timestamps and regular
// expressions. The libraries are the ones cel-go provides among those
// Kubernetes enables:
//
//   - the standard library (size, contains, startsWith, endsWith, matches,
//     has, all, exists, exists_one, map, filter, timestamps, durations, …);
//   - strings extension version 2 (charAt, indexOf, lastIndexOf, lowerAscii,
//     upperAscii, replace, split, join, substring, trim, format, quote);
//   - sets (sets.contains, sets.equivalent, sets.intersects);
//   - lists extension version 3 (slice, flatten, distinct, lists.range,
//     reverse, sort, sortBy);
//   - two-variable comprehensions (all, exists, existsOne,
//     transformList, transformMap, transformMapEntry);
//   - network (ip, cidr, isIP, isCIDR and their member functions), which
//     cel-go models on Kubernetes' IP and CIDR libraries.
//
// Kubernetes' own libraries that live in k8s.io/apiserver are not
// available: url, the regex functions find and findAll, its lists
// functions (isSorted, sum, min, max, indexOf, lastIndexOf), quantity,
// semver, format (named formats) and the authorizer library. An expression
// that uses one fails to compile with "undeclared reference".
//
// Iterating over claims (all, exists, map, filter…) visits its member
// names, as over any CEL map. kube-apiserver compiles such expressions,
// but its lazily decoded claims value yields the members' values when
// iterated, so they fail or mislead there: here they are a superset.
//
// Compile checks result types earlier than Kubernetes: a claim mapping whose
// type can never be a string (or a list of strings) is refused when it is
// compiled, where kube-apiserver would accept the configuration and fail
// every token. Validation rules must be bool, as in Kubernetes.
//
// # Results
//
// Eval normalises results the way kube-apiserver's OIDC authenticator does,
// and returns a Go value of the type fixed by the [oidc.ResultType]:
//
//   - String: a string, possibly empty (the caller decides whether that is
//     allowed; Kubernetes refuses an empty username). Anything else fails
//     with [ErrResultType]: "expression must return a string, got int".
//   - StringOrList: a []string. A string becomes a one-element slice; a list
//     must hold only strings, and its empty strings are dropped; null, "",
//     an empty list and a list of empty strings give a nil []string.
//   - Bool: a bool.
//
// A ClaimsEnv program reads [oidc.Input].Claims (nil is an empty map); a
// UserEnv program reads [oidc.Input].User, which must not be nil. Eval never
// modifies its input.
//
// [oidc.Program.UsesClaim] detects claims.<name> and claims.?<name> as
// Kubernetes' check for claims.email_verified does, and also
// claims["<name>"], which Kubernetes' check does not see.
//
// # Cost
//
// Each evaluation is limited to [DefaultCostLimit] (Kubernetes'
// PerCallLimit, about 0.1 s) or [Options.CostLimit]; exceeding it fails
// with [ErrCostLimitExceeded] instead of running on. Eval returns at once
// with an error matching ctx.Err() when ctx is already done, and programs
// with comprehensions check ctx every 100 steps. Costs are cel-go's: the
// strings extension at version 2 charges a flat cost per call, where
// Kubernetes' own estimator charges by size; claims are bounded by the
// token size, so the difference stays small. As in Kubernetes, no cost is estimated at compile
// time: the size of the claims is unknown then.
//
// # Concurrency
//
// A [Compiler] and the programs it returns are immutable and safe for
// concurrent use; no package-level state is kept.
//
// # Security
//
// Errors never contain the expression (Compile reports line:column; a
// syntax error may quote the offending token) nor a result value (Eval
// names the type: "expression must return a string, got int"). cel-go's
// own runtime messages quote the operands of failed conversions, such as
// int("…") or timestamp("…"), and name missing keys; Eval replaces every
// double- or back-quoted part of such a message by "…", and a missing key
// by "…" unless the expression spells it out.
package celexpr
