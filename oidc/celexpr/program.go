package celexpr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"

	"github.com/authnkit/authnkit/oidc"
)

// program is a compiled expression. It implements [oidc.Program]; every
// field is set by Compile and never changed.
type program struct {
	prg       cel.Program
	env       oidc.Env
	want      oidc.ResultType
	adapter   types.Adapter
	json      *jsonAdapter
	userType  *types.Type
	claims    []string // sorted names of the claims read directly
	literals  []string // sorted field names and string literals of the source
	loops     bool     // has a comprehension: evaluate with the context
	costLimit uint64
}

var _ oidc.Program = (*program)(nil)

// Eval runs the program against in and returns a string, a []string
// (possibly nil) or a bool, as its ResultType says:
//
//   - String: the string, which may be empty (the caller decides whether
//     that is allowed; Kubernetes refuses an empty username).
//   - StringOrList: a string becomes a one-element slice; a list must hold
//     only strings, and its empty strings are dropped; null, "", an empty
//     list or a list of empty strings give a nil []string.
//   - Bool: the bool.
//
// ClaimsEnv programs read in.Claims (nil is an empty map); UserEnv programs
// read in.User, which must not be nil. Eval never modifies in.
//
// Eval stops with an error matching [ErrCostLimitExceeded] when the cost
// limit is reached, and with one matching ctx.Err() when ctx is done
// before or during the evaluation (comprehensions check it every 100
// steps). A result of the wrong type matches [ErrResultType] and names the
// type, never the value. Other errors are CEL's, with quoted strings and
// missing keys that the expression does not spell out replaced by "…", so
// that they do not carry claim values.
func (p *program) Eval(ctx context.Context, in oidc.Input) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("celexpr: evaluation cancelled: %w", err)
	}
	act := &activation{}
	switch p.env {
	case oidc.ClaimsEnv:
		act.name, act.val = claimsVar, &jsonObject{m: in.Claims, adapter: p.json}
	default:
		if in.User == nil {
			return nil, errors.New("celexpr: no user to evaluate against")
		}
		act.name, act.val = userVar, &userValue{u: in.User, adapter: p.adapter, typ: p.userType}
	}

	var (
		out ref.Val
		err error
	)
	if p.loops && ctx.Done() != nil {
		out, _, err = p.prg.ContextEval(ctx, act)
	} else {
		out, _, err = p.prg.Eval(act)
	}
	if err != nil {
		return nil, p.evalError(ctx, err)
	}
	return p.result(out)
}

// UsesClaim reports whether the expression reads claims.<name>,
// claims.?<name>, claims["<name>"] or claims[?"<name>"] anywhere, even
// where a comprehension variable shadows claims, as Kubernetes' check does.
// It is false for every name in a UserEnv program.
func (p *program) UsesClaim(name string) bool {
	_, found := slices.BinarySearch(p.claims, name)
	return found
}

// evalError turns a cel-go evaluation error into one of ours.
func (p *program) evalError(ctx context.Context, err error) error {
	if ce, ok := errors.AsType[interpreter.EvalCancelledError](err); ok && ce.Cause == interpreter.CostLimitExceeded {
		return fmt.Errorf("%w (limit %d)", ErrCostLimitExceeded, p.costLimit)
	}
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, ctxErr) || errors.Is(err, interpreter.InterruptError{})) {
		return fmt.Errorf("celexpr: evaluation cancelled: %w", ctxErr)
	}
	msg := redactQuoted(err.Error())
	if key, ok := strings.CutPrefix(msg, "no such key: "); ok {
		if _, written := slices.BinarySearch(p.literals, key); !written {
			msg = "no such key: …" // computed at run time, perhaps from a claim value
		}
	}
	return &evalError{msg: "celexpr: evaluation failed: " + msg, err: err}
}

// result converts a CEL result to the Go type of p.want.
func (p *program) result(out ref.Val) (any, error) {
	switch p.want {
	case oidc.String:
		if s, ok := out.(types.String); ok {
			return string(s), nil
		}
		return nil, fmt.Errorf("%w: expression must return a string, got %s", ErrResultType, typeName(out))
	case oidc.StringOrList:
		return stringList(out)
	default:
		if b, ok := out.(types.Bool); ok {
			return bool(b), nil
		}
		return nil, fmt.Errorf("%w: expression must return a boolean, got %s", ErrResultType, typeName(out))
	}
}

// stringList follows Kubernetes' convertCELValueToStringList.
func stringList(out ref.Val) (any, error) {
	switch v := out.(type) {
	case types.String:
		if v == "" {
			return []string(nil), nil
		}
		return []string{string(v)}, nil
	case types.Null:
		return []string(nil), nil
	case traits.Lister:
		n, ok := v.Size().(types.Int)
		if !ok {
			break
		}
		var list []string
		for i := range n {
			elem := v.Get(i)
			s, ok := elem.(types.String)
			if !ok {
				return nil, fmt.Errorf("%w: expression must return a string or a list of strings, got a list holding %s", ErrResultType, typeName(elem))
			}
			if s != "" {
				if list == nil {
					list = make([]string, 0, n)
				}
				list = append(list, string(s))
			}
		}
		return list, nil
	}
	return nil, fmt.Errorf("%w: expression must return a string or a list of strings, got %s", ErrResultType, typeName(out))
}

// typeName names the CEL type of v ("int", "map", "null_type").
func typeName(v ref.Val) string {
	if v == nil {
		return "nothing"
	}
	return v.Type().TypeName()
}

// evalError is a CEL evaluation error whose text has its quoted strings
// redacted; Unwrap gives the original.
type evalError struct {
	msg string
	err error
}

func (e *evalError) Error() string { return e.msg }
func (e *evalError) Unwrap() error { return e.err }

// redactQuoted replaces every "double-quoted" (with Go escapes) and
// `back-quoted` part of s by "…": cel-go quotes the operands of failed
// conversions and regular expressions that way, and those may be claim
// values. Single quotes, which cel-go uses for type and function names,
// are kept.
func redactQuoted(s string) string {
	if !strings.ContainsAny(s, "\"`") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		q := s[i]
		if q != '"' && q != '`' {
			b.WriteByte(q)
			continue
		}
		b.WriteByte(q)
		b.WriteString("…")
		j := i + 1
		for j < len(s) && s[j] != q {
			if q == '"' && s[j] == '\\' {
				j++
			}
			j++
		}
		if j < len(s) {
			b.WriteByte(q)
		}
		i = j
	}
	return b.String()
}

// activation binds the one variable of an environment.
type activation struct {
	name string
	val  ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	if name == a.name {
		return a.val, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
