package celexpr

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"

	"github.com/authnkit/authnkit/oidc"
)

// DefaultCostLimit is the runtime cost one evaluation may spend when
// [Options.CostLimit] is zero. It is Kubernetes' PerCallLimit
// (k8s.io/apiserver/pkg/apis/cel), roughly 0.1 s of evaluation.
const DefaultCostLimit uint64 = 1_000_000

// interruptCheckFrequency is the number of comprehension iterations between
// two checks of the context, Kubernetes' CheckFrequency.
const interruptCheckFrequency = 100

// Variable names, as in Kubernetes.
const (
	claimsVar = "claims"
	userVar   = "user"
)

// Errors. Compile and Eval errors that are neither of these are CEL's own
// messages (syntax, undeclared names, missing keys, failed conversions).
var (
	// ErrResultType matches the errors of an expression whose type does not
	// fit the [oidc.ResultType] it is compiled for: at compile time when the
	// checked type already rules it out, at run time when a dyn result has
	// the wrong type.
	ErrResultType = errors.New("celexpr: wrong result type")
	// ErrCostLimitExceeded matches the error of an evaluation stopped because
	// it exceeded the cost limit.
	ErrCostLimitExceeded = errors.New("celexpr: cost limit exceeded")
)

// Options configures a [Compiler]. The zero value is Kubernetes' setup.
type Options struct {
	// CostLimit bounds the runtime cost of one evaluation in CEL cost units
	// (about one unit per operation and per comprehension step, more for
	// standard string and list operations in proportion to their size). An
	// evaluation that exceeds it fails with [ErrCostLimitExceeded]. Zero
	// means [DefaultCostLimit].
	CostLimit uint64
}

// Compiler compiles the CEL expressions of an authentication configuration.
// It implements [oidc.Compiler]. It is immutable after [New] and safe for
// concurrent use.
type Compiler struct {
	claims    *cel.Env
	user      *cel.Env
	userType  *types.Type
	progOpts  []cel.ProgramOption
	costLimit uint64
}

var _ oidc.Compiler = (*Compiler)(nil)

// New builds the two CEL environments, one declaring claims and one
// declaring user. It does the expensive setup once, so share one Compiler
// between configurations and reloads. Its error means a broken CEL library
// and should not happen.
func New(opts Options) (*Compiler, error) {
	limit := opts.CostLimit
	if limit == 0 {
		limit = DefaultCostLimit
	}

	claimsEnv, err := cel.NewEnv(append(envOptions(),
		cel.Variable(claimsVar, cel.MapType(cel.StringType, cel.DynType)))...)
	if err != nil {
		return nil, fmt.Errorf("celexpr: build claims environment: %w", err)
	}

	userType := types.NewObjectType(userTypeName)
	userOpts := append([]cel.EnvOption{withUserType(userType)}, envOptions()...)
	userEnv, err := cel.NewEnv(append(userOpts, cel.Variable(userVar, userType))...)
	if err != nil {
		return nil, fmt.Errorf("celexpr: build user environment: %w", err)
	}

	return &Compiler{
		claims:   claimsEnv,
		user:     userEnv,
		userType: userType,
		progOpts: []cel.ProgramOption{
			cel.EvalOptions(cel.OptOptimize),
			cel.CostLimit(limit),
			cel.CostTrackerOptions(interpreter.PresenceTestHasCost(false)),
			cel.InterruptCheckFrequency(interruptCheckFrequency),
		},
		costLimit: limit,
	}, nil
}

// envOptions are the language settings and libraries Kubernetes' base
// environment (k8s.io/apiserver/pkg/cel/environment) enables for stored
// expressions, as far as cel-go provides them.
func envOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		cel.ASTValidators(
			cel.ValidateDurationLiterals(),
			cel.ValidateTimestampLiterals(),
			cel.ValidateRegexLiterals(),
			cel.ValidateHomogeneousAggregateLiterals(),
		),
		cel.CostEstimatorOptions(checker.PresenceTestHasCost(false)),
		ext.Strings(ext.StringsVersion(2)),
		ext.Sets(),
		ext.TwoVarComprehensions(),
		ext.Lists(ext.ListsVersion(3)),
		ext.Network(),
	}
}

// Compile parses and type-checks expr in env and checks that its type can
// produce want: [oidc.String] needs string or dyn, [oidc.StringOrList]
// string, list(string), list(dyn), null or dyn, and [oidc.Bool] needs bool
// (as in Kubernetes, a dyn such as claims.email_verified is refused: write
// claims.email_verified == true). A type that does not fit is an error
// matching [ErrResultType]; dyn is checked when the program runs.
//
// The error never repeats expr: it gives line:column positions (a syntax
// error may quote the offending token), and the caller adds the field
// path. The returned Program is immutable and safe for concurrent use.
func (c *Compiler) Compile(expr string, env oidc.Env, want oidc.ResultType) (oidc.Program, error) {
	var e *cel.Env
	switch env {
	case oidc.ClaimsEnv:
		e = c.claims
	case oidc.UserEnv:
		e = c.user
	default:
		return nil, fmt.Errorf("celexpr: unknown environment %d", env)
	}
	if want < oidc.String || want > oidc.Bool {
		return nil, fmt.Errorf("celexpr: unknown result type %d", want)
	}

	ast, iss := e.Compile(expr)
	if err := iss.Err(); err != nil {
		// Not wrapped: err's text carries the source snippet.
		return nil, fmt.Errorf("celexpr: compilation failed: %s", issuesText(iss))
	}
	if err := checkResultType(ast.OutputType(), want); err != nil {
		return nil, err
	}
	prg, err := e.Program(ast, c.progOpts...)
	if err != nil {
		return nil, fmt.Errorf("celexpr: program instantiation failed: %w", err)
	}

	p := &program{
		prg:       prg,
		env:       env,
		want:      want,
		adapter:   e.CELTypeAdapter(),
		json:      &jsonAdapter{e.CELTypeAdapter()},
		userType:  c.userType,
		costLimit: c.costLimit,
	}
	p.claims, p.literals, p.loops = inspect(ast.NativeRep())
	return p, nil
}

// issuesText formats compile issues on one line as "line:column: message",
// without the source snippet cel-go adds. Line breaks inside a message
// (syntax errors quote the offending token) are escaped.
func issuesText(iss *cel.Issues) string {
	oneLine := strings.NewReplacer("\n", `\n`, "\r", `\r`)
	var b strings.Builder
	for i, e := range iss.Errors() {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d:%d: %s", e.Location.Line(), e.Location.Column()+1, oneLine.Replace(e.Message))
	}
	return b.String()
}

// checkResultType refuses a checked type that cannot produce want. The
// wording follows Kubernetes' "must evaluate to ...".
func checkResultType(t *types.Type, want oidc.ResultType) error {
	switch want {
	case oidc.String:
		if isDyn(t) || t.Kind() == types.StringKind {
			return nil
		}
		return fmt.Errorf("%w: must evaluate to string, got %s", ErrResultType, t)
	case oidc.StringOrList:
		switch {
		case isDyn(t), t.Kind() == types.StringKind, t.Kind() == types.NullTypeKind:
			return nil
		case t.Kind() == types.ListKind:
			if elem := t.Parameters(); len(elem) == 1 && (isDyn(elem[0]) || elem[0].Kind() == types.StringKind) {
				return nil
			}
		}
		return fmt.Errorf("%w: must evaluate to one of [string list(string)], got %s", ErrResultType, t)
	default:
		if t.Kind() == types.BoolKind {
			return nil
		}
		return fmt.Errorf("%w: must evaluate to bool, got %s", ErrResultType, t)
	}
}

// isDyn reports whether a value of type t is only known at run time.
func isDyn(t *types.Type) bool {
	switch t.Kind() {
	case types.DynKind, types.AnyKind, types.TypeParamKind:
		return true
	}
	return false
}

// inspect walks a checked expression once. claims lists, sorted, the names
// read as claims.<name>, claims.?<name>, claims["<name>"] or
// claims[?"<name>"]; literals lists, sorted, every field name and string
// literal written in the expression, which error messages may repeat;
// loops reports whether it has a comprehension, the only construct that
// can run long enough to be worth interrupting.
func inspect(a *celast.AST) (claims, literals []string, loops bool) {
	add := func(list []string, s string) []string {
		if slices.Contains(list, s) {
			return list
		}
		return append(list, s)
	}
	celast.MatchDescendants(celast.NavigateAST(a), func(e celast.NavigableExpr) bool {
		switch e.Kind() {
		case celast.ComprehensionKind:
			loops = true
		case celast.SelectKind:
			literals = add(literals, e.AsSelect().FieldName())
		case celast.LiteralKind:
			if s, ok := e.AsLiteral().(types.String); ok {
				literals = add(literals, string(s))
			}
		}
		if name, ok := claimRead(e); ok {
			claims = add(claims, name)
		}
		return false
	})
	slices.Sort(claims)
	slices.Sort(literals)
	return claims, literals, loops
}

// claimRead reports the claim name e reads directly from the claims
// variable. Kubernetes (validation.go, hasSelectExp) matches claims.<name>
// and claims.?<name>; the index forms are matched too, so that
// claims["email"] counts as reading email.
func claimRead(e celast.Expr) (string, bool) {
	switch e.Kind() {
	case celast.SelectKind:
		s := e.AsSelect()
		if isIdent(s.Operand(), claimsVar) {
			return s.FieldName(), true
		}
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() || len(call.Args()) != 2 {
			return "", false
		}
		switch call.FunctionName() {
		case operators.OptSelect, operators.Index, operators.OptIndex:
		default:
			return "", false
		}
		args := call.Args()
		if !isIdent(args[0], claimsVar) || args[1].Kind() != celast.LiteralKind {
			return "", false
		}
		if s, ok := args[1].AsLiteral().(types.String); ok {
			return string(s), true
		}
	}
	return "", false
}

func isIdent(e celast.Expr, name string) bool {
	return e.Kind() == celast.IdentKind && e.AsIdent() == name
}
