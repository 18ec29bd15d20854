package celexpr

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"

	"github.com/authnkit/authnkit/authn"
)

// userTypeName is the CEL object type of the user variable, the name
// Kubernetes declares.
const userTypeName = "kubernetes.UserInfo"

// withUserType installs a type provider that declares kubernetes.UserInfo
// with the fields username (string), uid (string), groups (list(string))
// and extra (map(string, list(string))), on top of the environment's own
// registry so that later options can still register types.
func withUserType(userType *types.Type) cel.EnvOption {
	return func(e *cel.Env) (*cel.Env, error) {
		reg, ok := e.CELTypeProvider().(*types.Registry)
		if !ok {
			return nil, fmt.Errorf("unexpected type provider %T", e.CELTypeProvider())
		}
		p := &userTypeProvider{
			Registry: reg,
			typeType: types.NewTypeTypeWithParam(userType),
			fields: map[string]*types.FieldType{
				"username": {Type: types.StringType},
				"uid":      {Type: types.StringType},
				"groups":   {Type: types.NewListType(types.StringType)},
				"extra":    {Type: types.NewMapType(types.StringType, types.NewListType(types.StringType))},
			},
		}
		return cel.CustomTypeProvider(p)(e)
	}
}

// userTypeProvider answers for kubernetes.UserInfo and defers everything
// else to the registry it embeds. Immutable once built.
type userTypeProvider struct {
	*types.Registry
	typeType *types.Type
	fields   map[string]*types.FieldType
}

// FindIdent resolves the type name itself, for type(user) == kubernetes.UserInfo.
func (p *userTypeProvider) FindIdent(name string) (ref.Val, bool) {
	if name == userTypeName {
		return p.typeType.Parameters()[0], true
	}
	return p.Registry.FindIdent(name)
}

func (p *userTypeProvider) FindStructType(name string) (*types.Type, bool) {
	if name == userTypeName {
		return p.typeType, true
	}
	return p.Registry.FindStructType(name)
}

func (p *userTypeProvider) FindStructFieldNames(name string) ([]string, bool) {
	if name == userTypeName {
		return slices.Sorted(maps.Keys(p.fields)), true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p *userTypeProvider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if name == userTypeName {
		ft, ok := p.fields[field]
		return ft, ok
	}
	return p.Registry.FindStructFieldType(name, field)
}

// userValue presents an *authn.UserInfo to CEL as a kubernetes.UserInfo
// without copying it. Like Kubernetes' lazy map, every field is present
// (has(user.uid) is true even for an empty UID), groups is a list(string)
// and extra a map(string, list(string)) with __dot__-style key unescaping.
type userValue struct {
	u       *authn.UserInfo
	adapter types.Adapter
	typ     *types.Type
}

var (
	_ traits.Indexer     = (*userValue)(nil)
	_ traits.FieldTester = (*userValue)(nil)
)

func (v *userValue) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[authn.UserInfo]() {
		return *v.u, nil
	}
	return nil, fmt.Errorf("type conversion error from '%s' to '%v'", userTypeName, t)
}

func (v *userValue) ConvertToType(t ref.Type) ref.Val {
	switch t.TypeName() {
	case userTypeName:
		return v
	case types.TypeType.TypeName():
		return v.typ
	}
	return types.NewErr("type conversion error from '%s' to '%s'", userTypeName, t.TypeName())
}

func (v *userValue) Equal(other ref.Val) ref.Val {
	o, ok := other.(*userValue)
	if !ok {
		return types.False
	}
	a, b := v.u, o.u
	return types.Bool(a.Name == b.Name && a.UID == b.UID && slices.Equal(a.Groups, b.Groups) &&
		maps.EqualFunc(a.Extra, b.Extra, slices.Equal))
}

func (v *userValue) Type() ref.Type { return v.typ }

func (v *userValue) Value() any { return v.u }

// Get returns a field, for user.<field>.
func (v *userValue) Get(field ref.Val) ref.Val {
	name, _ := field.(types.String)
	switch name {
	case "username":
		return types.String(v.u.Name)
	case "uid":
		return types.String(v.u.UID)
	case "groups":
		return types.NewStringList(v.adapter, v.u.Groups)
	case "extra":
		extra := v.adapter.NativeToValue(v.u.Extra)
		if m, ok := extra.(traits.Mapper); ok {
			return unescapeMap{m}
		}
		return extra
	}
	return types.NewErr("no such field '%s'", field)
}

// IsSet is true for every declared field, for has(user.<field>).
func (v *userValue) IsSet(field ref.Val) ref.Val {
	switch field {
	case types.String("username"), types.String("uid"), types.String("groups"), types.String("extra"):
		return types.True
	}
	return types.NewErr("no such field '%s'", field)
}

// jsonAdapter converts decoded JSON to CEL values: objects become
// jsonObject, arrays lists whose elements it converts in turn, anything
// else is left to the environment's adapter. Immutable.
type jsonAdapter struct{ types.Adapter }

func (a *jsonAdapter) NativeToValue(v any) ref.Val {
	switch t := v.(type) {
	case map[string]any:
		return &jsonObject{m: t, adapter: a}
	case []any:
		return types.NewDynamicList(a, t)
	}
	return a.Adapter.NativeToValue(v)
}

// jsonObject is a JSON object, at any depth of the claims, as a CEL
// map(string, dyn). Values are converted when read. Like Kubernetes, a key
// written with the escapes of [unescape] finds the key it stands for:
// claims.foo__dot__bar reads "foo.bar".
type jsonObject struct {
	m       map[string]any
	adapter *jsonAdapter
}

var (
	_ traits.Mapper = (*jsonObject)(nil)
	_ traits.Zeroer = (*jsonObject)(nil)
)

// Find looks key up, unescaped. It is the lookup behind claims.x,
// claims["x"], has(claims.x) and 'x' in claims.
func (o *jsonObject) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	name := string(k)
	if n, ok := unescape(name); ok {
		name = n
	}
	v, found := o.m[name]
	if !found {
		return nil, false
	}
	return o.adapter.NativeToValue(v), true
}

func (o *jsonObject) Get(key ref.Val) ref.Val {
	v, found := o.Find(key)
	if !found {
		return types.ValOrErr(v, "no such key: %v", key)
	}
	return v
}

func (o *jsonObject) Contains(key ref.Val) ref.Val {
	_, found := o.Find(key)
	return types.Bool(found)
}

func (o *jsonObject) Size() ref.Val     { return types.Int(len(o.m)) }
func (o *jsonObject) IsZeroValue() bool { return len(o.m) == 0 }
func (o *jsonObject) Type() ref.Type    { return types.MapType }
func (o *jsonObject) Value() any        { return o.m }

// base is cel-go's own view of the map, for the operations that need no
// unescaping and are off the hot path.
func (o *jsonObject) base() traits.Mapper { return types.NewStringInterfaceMap(o.adapter, o.m) }

func (o *jsonObject) Iterator() traits.Iterator { return o.base().Iterator() }

func (o *jsonObject) ConvertToNative(t reflect.Type) (any, error) {
	return o.base().ConvertToNative(t)
}

func (o *jsonObject) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return o
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from '%s' to '%s'", types.MapType, t)
}

func (o *jsonObject) Equal(other ref.Val) ref.Val { return o.base().Equal(other) }

// unescapeMap gives user.extra Kubernetes' escaped-key lookup.
type unescapeMap struct{ traits.Mapper }

func (m unescapeMap) Find(key ref.Val) (ref.Val, bool) {
	if s, ok := key.(types.String); ok {
		if name, ok := unescape(string(s)); ok && name != string(s) {
			key = types.String(name)
		}
	}
	return m.Mapper.Find(key)
}

// unescape reverses Kubernetes' escaping of property names for CEL
// (k8s.io/apiserver/pkg/cel.Unescape): in every __x__ with no underscore
// inside, __underscores__ becomes "__", __dot__ ".", __dash__ "-" and
// __slash__ "/"; a name that is exactly __<keyword>__ becomes the CEL
// keyword. ok is false when some __x__ is none of these; the caller then
// uses the name as written.
func unescape(s string) (string, bool) {
	if !strings.Contains(s, "__") {
		return s, true
	}
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(s); {
		if s[i] != '_' || s[i+1] != '_' {
			i++
			continue
		}
		j := i + 2
		for j < len(s) && s[j] != '_' {
			j++
		}
		if j == i+2 || j+1 >= len(s) || s[j+1] != '_' {
			i++
			continue
		}
		var repl string
		switch word := s[i+2 : j]; word {
		case "underscores":
			repl = "__"
		case "dot":
			repl = "."
		case "dash":
			repl = "-"
		case "slash":
			repl = "/"
		default:
			if !celKeyword(word) || i != 0 || j+2 != len(s) {
				return "", false
			}
			repl = word
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		i = j + 2
		last = i
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// celKeyword reports the words Kubernetes escapes as __word__.
func celKeyword(w string) bool {
	switch w {
	case "true", "false", "null", "in",
		"as", "break", "const", "continue", "else",
		"for", "function", "if", "import", "let",
		"loop", "package", "namespace", "return",
		"var", "void", "while":
		return true
	}
	return false
}
