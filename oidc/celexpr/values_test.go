package celexpr

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "plain", want: "plain", ok: true},
		{in: "one_underscore", want: "one_underscore", ok: true},
		{in: "a__dot__b", want: "a.b", ok: true},
		{in: "a__dash__b", want: "a-b", ok: true},
		{in: "a__slash__b", want: "a/b", ok: true},
		{in: "a__underscores__b", want: "a__b", ok: true},
		{in: "example__dot__org__slash__team", want: "example.org/team", ok: true},
		{in: "a__dot____dash____slash____underscores__a", want: "a.-/__a", ok: true},
		{in: "a__dot___a", want: "a._a", ok: true},
		{in: "a__underscores___a", want: "a___a", ok: true},
		{in: "a__underscores__dot__underscores__a", want: "a__dot__a", ok: true},
		{in: "__in__", want: "in", ok: true},
		{in: "__namespace__", want: "namespace", ok: true},
		{in: "x__in__", ok: false}, // a keyword only as the whole name
		{in: "a__x__b", ok: false}, // unknown escape
		{in: "__", want: "__", ok: true},
		{in: "a___b", want: "a___b", ok: true},
		{in: "____", want: "____", ok: true},
		{in: "a__dot", want: "a__dot", ok: true},
	}
	for _, tt := range tests {
		got, ok := unescape(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		if tt.ok {
			assert.Equal(t, tt.want, got, tt.in)
		}
	}
}

func TestRedactQuoted(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{in: "no such key: email", want: "no such key: email"},
		{in: "type conversion error from 'string' to 'int'", want: "type conversion error from 'string' to 'int'"},
		{in: `strconv.ParseInt: parsing "hunter2": invalid syntax`, want: `strconv.ParseInt: parsing "…": invalid syntax`},
		{in: `invalid "a\"b" and "c"`, want: `invalid "…" and "…"`},
		{in: "missing closing ]: `[abc`", want: "missing closing ]: `…`"},
		{in: `unterminated "abc`, want: `unterminated "…`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, redactQuoted(tt.in), tt.in)
	}
}
