package celexpr_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/celexpr"
)

func newCompiler(t testing.TB, opts celexpr.Options) *celexpr.Compiler {
	t.Helper()
	c, err := celexpr.New(opts)
	require.NoError(t, err)
	return c
}

// testClaims is a payload as package oidc decodes it: integral numbers are
// int64, others float64.
func testClaims() map[string]any {
	return map[string]any{
		"sub":            "alice",
		"email":          "alice@example.com",
		"email_verified": true,
		"groups":         []any{"admins", "dev"},
		"aud":            []any{"b", "a"},
		"roles":          "r1,r2",
		"exp":            int64(1893456000),
		"n":              int64(1),
		"f":              1.0,
		"half":           0.5,
		"nothing":        nil,
		"empty":          "",
		"emptyList":      []any{},
		"withEmpty":      []any{"", "x", ""},
		"mixed":          []any{"a", int64(1)},
		"secret":         "hunter2",
		"foo.bar":        "dotted",
		"nested":         map[string]any{"a-b": "dashed", "inner": map[string]any{"x.y": "deep"}},
		"objs":           []any{map[string]any{"k.v": "in list"}},
	}
}

func testUser() *authn.UserInfo {
	return &authn.UserInfo{
		Name:   "alice",
		UID:    "1001",
		Groups: []string{"admins", "dev"},
		Extra:  map[string][]string{"example.org/team": {"a"}},
	}
}

type evalCase struct {
	name       string
	expr       string
	want       any   // the result when no error is expected
	compileErr bool  // Compile fails
	evalErr    bool  // Eval fails
	errIs      error // the failing step's error matches this, if set
}

// runCases compiles and evaluates each case against in.
func runCases(t *testing.T, c *celexpr.Compiler, env oidc.Env, rt oidc.ResultType, in oidc.Input, cases []evalCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prog, err := c.Compile(tt.expr, env, rt)
			if tt.compileErr {
				require.Error(t, err)
				if tt.errIs != nil {
					require.ErrorIs(t, err, tt.errIs)
				}
				assert.NotContains(t, err.Error(), "\n", "no source snippet")
				return
			}
			require.NoError(t, err)
			got, err := prog.Eval(t.Context(), in)
			if tt.evalErr {
				require.Error(t, err)
				if tt.errIs != nil {
					require.ErrorIs(t, err, tt.errIs)
				}
				assert.NotContains(t, err.Error(), "hunter2", "no claim values in errors")
				assert.NotContains(t, err.Error(), "alice", "no claim values in errors")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestClaimsString(t *testing.T) {
	t.Parallel()
	runCases(t, newCompiler(t, celexpr.Options{}), oidc.ClaimsEnv, oidc.String, oidc.Input{Claims: testClaims()}, []evalCase{
		{name: "claim", expr: `claims.sub`, want: "alice"},
		{name: "concat", expr: `claims.sub + "@example.com"`, want: "alice@example.com"},
		{name: "index", expr: `claims["sub"]`, want: "alice"},
		{name: "split", expr: `claims.email.split('@')[0]`, want: "alice"},
		{name: "int to string", expr: `'n' + string(claims.n)`, want: "n1"},
		{name: "double to string", expr: `string(claims.half)`, want: "0.5"},
		{name: "optional fallback", expr: `claims.?nickname.orValue(claims.sub)`, want: "alice"},
		{name: "conditional", expr: `claims.email_verified == true ? claims.email : ''`, want: "alice@example.com"},
		{name: "empty string is returned", expr: `claims.empty`, want: ""},
		{name: "escaped dot", expr: `claims.foo__dot__bar`, want: "dotted"},
		{name: "dotted key by index", expr: `claims["foo.bar"]`, want: "dotted"},
		{name: "escaped dash nested", expr: `claims.nested.a__dash__b`, want: "dashed"},
		{name: "escaped nested twice", expr: `claims.nested.inner.x__dot__y`, want: "deep"},
		{name: "escaped in list element", expr: `claims.objs[0].k__dot__v`, want: "in list"},
		{name: "lowerAscii", expr: `claims.sub.upperAscii().lowerAscii()`, want: "alice"},
		{name: "format", expr: `'%s:%d'.format([claims.sub, claims.n])`, want: "alice:1"},
		{name: "runtime int", expr: `claims.n`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "runtime null", expr: `claims.nothing`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "runtime list", expr: `claims.groups`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "missing claim", expr: `claims.missing`, evalErr: true},
		{name: "int conversion error is redacted", expr: `string(int(claims.secret))`, evalErr: true},
		{name: "timestamp error is redacted", expr: `string(timestamp(claims.sub))`, evalErr: true},
		{name: "compile int", expr: `1`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile bool", expr: `claims.sub == 'a'`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile list", expr: `claims.groups.map(g, g)`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile optional", expr: `claims.?sub`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "syntax error", expr: `claims.sub +`, compileErr: true},
		{name: "user is undeclared", expr: `user.username`, compileErr: true},
		{name: "kubernetes-only library", expr: `url(claims.sub).getHost()`, compileErr: true},
		{name: "empty expression", expr: ``, compileErr: true},
	})
}

func TestClaimsStringOrList(t *testing.T) {
	t.Parallel()
	runCases(t, newCompiler(t, celexpr.Options{}), oidc.ClaimsEnv, oidc.StringOrList, oidc.Input{Claims: testClaims()}, []evalCase{
		{name: "list claim", expr: `claims.groups`, want: []string{"admins", "dev"}},
		{name: "map", expr: `claims.groups.map(g, 'oidc:' + g)`, want: []string{"oidc:admins", "oidc:dev"}},
		{name: "split", expr: `claims.roles.split(',')`, want: []string{"r1", "r2"}},
		{name: "string becomes one element", expr: `claims.sub`, want: []string{"alice"}},
		{name: "empty string is nil", expr: `claims.empty`, want: []string(nil)},
		{name: "empty list is nil", expr: `claims.emptyList`, want: []string(nil)},
		{name: "empty literal is nil", expr: `[]`, want: []string(nil)},
		{name: "empty strings dropped", expr: `claims.withEmpty`, want: []string{"x"}},
		{name: "only empty strings is nil", expr: `['', '']`, want: []string(nil)},
		{name: "null claim is nil", expr: `claims.nothing`, want: []string(nil)},
		{name: "null literal is nil", expr: `null`, want: []string(nil)},
		{name: "has", expr: `has(claims.missing) ? claims.missing : ['none']`, want: []string{"none"}},
		{name: "optional", expr: `claims.?missing.orValue([])`, want: []string(nil)},
		{name: "filter", expr: `claims.groups.filter(g, g != 'dev')`, want: []string{"admins"}},
		{name: "sets", expr: `sets.intersects(claims.groups, ['admins']) ? ['admin'] : []`, want: []string{"admin"}},
		{name: "lists sort", expr: `claims.aud.sort()`, want: []string{"a", "b"}},
		{name: "lists distinct", expr: `(claims.aud + claims.aud).distinct()`, want: []string{"b", "a"}},
		{name: "two-variable transformList", expr: `claims.nested.inner.transformList(k, v, k)`, want: []string{"x.y"}},
		{name: "mixed list", expr: `claims.mixed`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "runtime int", expr: `claims.n`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "runtime map", expr: `claims.nested`, evalErr: true, errIs: celexpr.ErrResultType},
		{name: "compile int", expr: `1`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile list of int", expr: `[1, 2]`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile map", expr: `{'a': 'b'}`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile mixed literal", expr: `['a', 1]`, compileErr: true},
	})
}

func TestClaimsBool(t *testing.T) {
	t.Parallel()
	runCases(t, newCompiler(t, celexpr.Options{}), oidc.ClaimsEnv, oidc.Bool, oidc.Input{Claims: testClaims()}, []evalCase{
		{name: "email verified", expr: `claims.email_verified == true`, want: true},
		{name: "int greater than int", expr: `claims.exp > 0`, want: true},
		{name: "double greater than int", expr: `claims.f > 0`, want: true},
		{name: "int equals int", expr: `claims.n == 1`, want: true},
		{name: "double equals int", expr: `claims.f == 1`, want: true},
		{name: "int equals double", expr: `claims.n == 1.0`, want: true},
		{name: "double less than int", expr: `claims.half < 1`, want: true},
		{name: "double not equal", expr: `claims.half == 1`, want: false},
		{name: "has present", expr: `has(claims.sub)`, want: true},
		{name: "has missing", expr: `has(claims.missing)`, want: false},
		{name: "has null", expr: `has(claims.nothing)`, want: true},
		{name: "null", expr: `claims.nothing == null`, want: true},
		{name: "in list", expr: `'admins' in claims.groups`, want: true},
		{name: "in map", expr: `'sub' in claims`, want: true},
		{name: "endsWith", expr: `claims.email.endsWith('@example.com')`, want: true},
		{name: "matches", expr: `claims.sub.matches('^a[a-z]+$')`, want: true},
		{name: "sets equivalent", expr: `sets.equivalent(claims.aud, ['a', 'b'])`, want: true},
		{name: "sets contains", expr: `sets.contains(claims.groups, ['dev'])`, want: true},
		{name: "exists", expr: `claims.groups.exists(g, g.startsWith('adm'))`, want: true},
		{name: "two-variable all", expr: `claims.groups.all(i, g, i < 2 && g != '')`, want: true},
		{name: "size", expr: `size(claims.groups) == 2`, want: true},
		{name: "optional hasValue", expr: `claims.?missing.hasValue()`, want: false},
		{name: "network", expr: `cidr('10.0.0.0/8').containsIP('10.1.2.3') && isIP('::1')`, want: true},
		{name: "timestamp", expr: `timestamp(claims.exp) > timestamp('2020-01-01T00:00:00Z')`, want: true},
		{name: "false", expr: `claims.sub == 'bob'`, want: false},
		{name: "object equality", expr: `claims.nested.inner == {'x.y': 'deep'}`, want: true},
		{name: "object equality reversed", expr: `{'x.y': 'deep'} == claims.nested.inner`, want: true},
		{name: "object inequality", expr: `claims.nested.inner == {'x.y': 'other'}`, want: false},
		{name: "object in list equality", expr: `claims.objs[0] == {'k.v': 'in list'}`, want: true},
		{name: "array equality", expr: `claims.aud == ['b', 'a']`, want: true},
		{name: "object keys iterate", expr: `claims.nested.all(k, k in ['a-b', 'inner'])`, want: true},
		{name: "object size", expr: `size(claims.nested) == 2`, want: true},
		{name: "object type", expr: `type(claims.nested) == map && type(claims.aud) == list`, want: true},
		{name: "escaped key in", expr: `'foo__dot__bar' in claims`, want: true},
		{name: "escaped has", expr: `has(claims.foo__dot__bar) && !has(claims.foo__dot__baz)`, want: true},
		{name: "escaped in comprehension element", expr: `claims.objs.exists(o, o.k__dot__v == 'in list')`, want: true},
		{name: "unknown escape is a plain key", expr: `has(claims.a__x__b)`, want: false},
		{name: "keyword escape", expr: `claims.nested.inner.?__in__.orValue('none') == 'none'`, want: true},
		{name: "missing claim", expr: `claims.missing == 'x'`, evalErr: true},
		{name: "computed missing key is redacted", expr: `claims[claims.secret] == 'x'`, evalErr: true},
		{name: "no such overload", expr: `claims.sub > 1`, evalErr: true},
		{name: "regex error is redacted", expr: `claims.sub.matches(claims.secret + '[')`, evalErr: true},
		{name: "compile dyn", expr: `claims.email_verified`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile string", expr: `'x'`, compileErr: true, errIs: celexpr.ErrResultType},
		{name: "compile bad regex literal", expr: `claims.sub.matches('[')`, compileErr: true},
		{name: "compile heterogeneous literal", expr: `[1, 'a'] == []`, compileErr: true},
	})
}

func TestUserEnv(t *testing.T) {
	t.Parallel()
	c := newCompiler(t, celexpr.Options{})
	in := oidc.Input{User: testUser()}
	t.Run("bool", func(t *testing.T) {
		t.Parallel()
		runCases(t, c, oidc.UserEnv, oidc.Bool, in, []evalCase{
			{name: "username", expr: `user.username == 'alice'`, want: true},
			{name: "not system", expr: `!user.username.startsWith('system:')`, want: true},
			{name: "uid", expr: `user.uid == '1001'`, want: true},
			{name: "groups", expr: `'admins' in user.groups`, want: true},
			{name: "extra index", expr: `user.extra['example.org/team'] == ['a']`, want: true},
			{name: "extra escaped", expr: `user.extra.example__dot__org__slash__team[0] == 'a'`, want: true},
			{name: "has field", expr: `has(user.uid)`, want: true},
			{name: "has extra key", expr: `has(user.extra.missing)`, want: false},
			{name: "optional", expr: `user.?uid.orValue('') == '1001'`, want: true},
			{name: "compile unknown field", expr: `user.usrname == 'x'`, compileErr: true},
			{name: "compile claims undeclared", expr: `claims.sub == 'x'`, compileErr: true},
			{name: "compile string", expr: `user.username`, compileErr: true, errIs: celexpr.ErrResultType},
			{name: "compile typed groups", expr: `user.groups == 1`, compileErr: true},
		})
	})
	t.Run("string", func(t *testing.T) {
		t.Parallel()
		runCases(t, c, oidc.UserEnv, oidc.String, in, []evalCase{
			{name: "concat", expr: `user.username + ':' + user.uid`, want: "alice:1001"},
		})
	})
	t.Run("list", func(t *testing.T) {
		t.Parallel()
		runCases(t, c, oidc.UserEnv, oidc.StringOrList, in, []evalCase{
			{name: "groups", expr: `user.groups`, want: []string{"admins", "dev"}},
			{name: "extra", expr: `user.extra['example.org/team']`, want: []string{"a"}},
		})
	})
	t.Run("empty user", func(t *testing.T) {
		t.Parallel()
		runCases(t, c, oidc.UserEnv, oidc.Bool, oidc.Input{User: &authn.UserInfo{}}, []evalCase{
			{name: "no groups", expr: `size(user.groups) == 0`, want: true},
			{name: "no extra", expr: `size(user.extra) == 0`, want: true},
			{name: "empty uid is set", expr: `has(user.uid) && user.uid == ''`, want: true},
		})
	})
	t.Run("nil user", func(t *testing.T) {
		t.Parallel()
		prog, err := c.Compile(`user.username == ''`, oidc.UserEnv, oidc.Bool)
		require.NoError(t, err)
		_, err = prog.Eval(t.Context(), oidc.Input{})
		require.Error(t, err)
	})
}

func TestNilClaimsIsEmpty(t *testing.T) {
	t.Parallel()
	prog, err := newCompiler(t, celexpr.Options{}).Compile(`has(claims.sub)`, oidc.ClaimsEnv, oidc.Bool)
	require.NoError(t, err)
	got, err := prog.Eval(t.Context(), oidc.Input{})
	require.NoError(t, err)
	assert.Equal(t, false, got)
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	c := newCompiler(t, celexpr.Options{})
	t.Run("message has position and no expression", func(t *testing.T) {
		t.Parallel()
		_, err := c.Compile(`claims.sub == "s3cr3t-literal" && undeclared_thing`, oidc.ClaimsEnv, oidc.Bool)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cr3t-literal")
		assert.NotContains(t, err.Error(), "\n")
		assert.Contains(t, err.Error(), "compilation failed: 1:")
	})
	t.Run("kubernetes wording", func(t *testing.T) {
		t.Parallel()
		_, err := c.Compile(`1`, oidc.ClaimsEnv, oidc.StringOrList)
		require.ErrorIs(t, err, celexpr.ErrResultType)
		assert.Contains(t, err.Error(), "must evaluate to one of [string list(string)]")
	})
	t.Run("unknown env", func(t *testing.T) {
		t.Parallel()
		_, err := c.Compile(`true`, oidc.Env(7), oidc.Bool)
		require.Error(t, err)
	})
	t.Run("unknown result type", func(t *testing.T) {
		t.Parallel()
		_, err := c.Compile(`true`, oidc.ClaimsEnv, oidc.ResultType(7))
		require.Error(t, err)
	})
}

func TestRuntimeTypeErrorNamesTypeNotValue(t *testing.T) {
	t.Parallel()
	prog, err := newCompiler(t, celexpr.Options{}).Compile(`claims.secret_n`, oidc.ClaimsEnv, oidc.String)
	require.NoError(t, err)
	_, err = prog.Eval(t.Context(), oidc.Input{Claims: map[string]any{"secret_n": int64(424242)}})
	require.ErrorIs(t, err, celexpr.ErrResultType)
	assert.Contains(t, err.Error(), "got int")
	assert.NotContains(t, err.Error(), "424242")
}

func TestUsesClaim(t *testing.T) {
	t.Parallel()
	c := newCompiler(t, celexpr.Options{})
	tests := []struct {
		name, expr string
		env        oidc.Env
		rt         oidc.ResultType
		uses       []string
		notUses    []string
	}{
		{name: "select", expr: `claims.email`, uses: []string{"email"}, notUses: []string{"email_verified", "sub"}},
		{name: "both", expr: `claims.email_verified == true && claims.email != ''`, rt: oidc.Bool, uses: []string{"email", "email_verified"}},
		{name: "has", expr: `has(claims.email)`, rt: oidc.Bool, uses: []string{"email"}},
		{name: "optional select", expr: `claims.?email.orValue('')`, uses: []string{"email"}},
		{name: "index", expr: `claims["email"]`, uses: []string{"email"}},
		{name: "optional index", expr: `claims[?"email"].orValue('')`, uses: []string{"email"}},
		{name: "in comprehension", expr: `claims.groups.map(g, claims.email + g)`, rt: oidc.StringOrList, uses: []string{"email", "groups"}},
		{name: "in map literal", expr: `{'k': claims.email}['k']`, uses: []string{"email"}},
		{name: "in call argument", expr: `'x'.startsWith(claims.email) ? 'a' : 'b'`, uses: []string{"email"}},
		{name: "other claim", expr: `claims.emails`, uses: []string{"emails"}, notUses: []string{"email"}},
		{name: "nested field", expr: `claims.nested.email`, uses: []string{"nested"}, notUses: []string{"email"}},
		{name: "dynamic index", expr: `claims[claims.k]`, uses: []string{"k"}, notUses: []string{"email"}},
		{name: "in operator is not a read", expr: `'email' in claims`, rt: oidc.Bool, notUses: []string{"email"}},
		{name: "user env", expr: `user.username == 'email'`, env: oidc.UserEnv, rt: oidc.Bool, notUses: []string{"email", "username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prog, err := c.Compile(tt.expr, tt.env, tt.rt)
			require.NoError(t, err)
			for _, n := range tt.uses {
				assert.True(t, prog.UsesClaim(n), n)
			}
			for _, n := range tt.notUses {
				assert.False(t, prog.UsesClaim(n), n)
			}
		})
	}
}

// bigList returns n int64 claims.
func bigList(n int) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = int64(i)
	}
	return l
}

func TestCostLimit(t *testing.T) {
	t.Parallel()
	in := oidc.Input{Claims: map[string]any{"big": bigList(200), "groups": []any{"a", "b", "c"}}}
	// 8 million steps: far beyond the default limit.
	const nested = `claims.big.all(x, claims.big.all(y, claims.big.all(z, x + y + z >= 0)))`
	t.Run("default limit stops a nested comprehension", func(t *testing.T) {
		t.Parallel()
		prog, err := newCompiler(t, celexpr.Options{}).Compile(nested, oidc.ClaimsEnv, oidc.Bool)
		require.NoError(t, err)
		_, err = prog.Eval(t.Context(), in)
		require.ErrorIs(t, err, celexpr.ErrCostLimitExceeded)
	})
	t.Run("default limit allows ordinary work", func(t *testing.T) {
		t.Parallel()
		prog, err := newCompiler(t, celexpr.Options{}).Compile(`claims.big.all(x, x >= 0)`, oidc.ClaimsEnv, oidc.Bool)
		require.NoError(t, err)
		got, err := prog.Eval(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, true, got)
	})
	t.Run("custom limit", func(t *testing.T) {
		t.Parallel()
		prog, err := newCompiler(t, celexpr.Options{CostLimit: 5}).Compile(`claims.groups.map(g, g + g + g)`, oidc.ClaimsEnv, oidc.StringOrList)
		require.NoError(t, err)
		_, err = prog.Eval(t.Context(), in)
		require.ErrorIs(t, err, celexpr.ErrCostLimitExceeded)
	})
}

func TestContext(t *testing.T) {
	t.Parallel()
	in := oidc.Input{Claims: map[string]any{"big": bigList(1000), "sub": "alice"}}
	t.Run("cancelled before", func(t *testing.T) {
		t.Parallel()
		c := newCompiler(t, celexpr.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, expr := range []string{`claims.sub == 'alice'`, `claims.big.all(x, x >= 0)`} {
			prog, err := c.Compile(expr, oidc.ClaimsEnv, oidc.Bool)
			require.NoError(t, err)
			_, err = prog.Eval(ctx, in)
			require.ErrorIs(t, err, context.Canceled, expr)
		}
	})
	t.Run("deadline during a long evaluation", func(t *testing.T) {
		t.Parallel()
		// Without a cost limit this runs for about 10^9 steps: only the
		// context can stop it.
		c := newCompiler(t, celexpr.Options{CostLimit: math.MaxUint64})
		prog, err := c.Compile(`claims.big.all(x, claims.big.all(y, claims.big.all(z, x + y + z >= 0)))`, oidc.ClaimsEnv, oidc.Bool)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err = prog.Eval(ctx, in)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	c := newCompiler(t, celexpr.Options{})
	name, err := c.Compile(`claims.sub + "@example.com"`, oidc.ClaimsEnv, oidc.String)
	require.NoError(t, err)
	groups, err := c.Compile(`claims.groups.map(g, 'oidc:' + g)`, oidc.ClaimsEnv, oidc.StringOrList)
	require.NoError(t, err)
	rule, err := c.Compile(`user.username.endsWith('@example.com')`, oidc.UserEnv, oidc.Bool)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				sub := fmt.Sprintf("u%d-%d", w, i)
				in := oidc.Input{Claims: map[string]any{"sub": sub, "groups": []any{sub}}}
				n, err := name.Eval(t.Context(), in)
				if !assert.NoError(t, err) || !assert.Equal(t, sub+"@example.com", n) {
					return
				}
				g, err := groups.Eval(t.Context(), in)
				if !assert.NoError(t, err) || !assert.Equal(t, []string{"oidc:" + sub}, g) {
					return
				}
				ok, err := rule.Eval(t.Context(), oidc.Input{User: &authn.UserInfo{Name: n.(string)}})
				if !assert.NoError(t, err) || !assert.Equal(t, true, ok) {
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestEvalDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	c := newCompiler(t, celexpr.Options{})
	prog, err := c.Compile(`claims.aud.sort() + claims.groups`, oidc.ClaimsEnv, oidc.StringOrList)
	require.NoError(t, err)
	claims := testClaims()
	_, err = prog.Eval(t.Context(), oidc.Input{Claims: claims})
	require.NoError(t, err)
	assert.Equal(t, testClaims(), claims)
}

func BenchmarkEval(b *testing.B) {
	c := newCompiler(b, celexpr.Options{})
	claims := testClaims()
	for _, bc := range []struct {
		name, expr string
		rt         oidc.ResultType
	}{
		{"username_claim", `claims.sub`, oidc.String},
		{"username_concat", `claims.email_verified == true ? claims.email : "oidc:" + claims.sub`, oidc.String},
		{"groups_map", `claims.groups.map(g, "oidc:" + g)`, oidc.StringOrList},
	} {
		prog, err := c.Compile(bc.expr, oidc.ClaimsEnv, bc.rt)
		require.NoError(b, err)
		in := oidc.Input{Claims: claims}
		b.Run(bc.name, func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := prog.Eval(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := prog.Eval(ctx, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	c := newCompiler(b, celexpr.Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compile(`claims.email_verified == true ? claims.email : "oidc:" + claims.sub`, oidc.ClaimsEnv, oidc.String); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := celexpr.New(celexpr.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
