package jwtpeek

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestSplit(t *testing.T) {
	good := b64(`{"alg":"ES256"}`) + "." + b64(`{"iss":"x"}`) + "." + b64("sig")
	j, err := Split(good, 1000)
	require.NoError(t, err)
	assert.Equal(t, `{"alg":"ES256"}`, string(j.Header))
	assert.Equal(t, `{"iss":"x"}`, string(j.Payload))
	assert.Equal(t, "sig", string(j.Signature))
	assert.Equal(t, good[:strings.LastIndexByte(good, '.')], j.SigningInput)

	for name, tok := range map[string]string{
		"too long":        good + strings.Repeat("A", 1000),
		"two segments":    "a.b",
		"four segments":   good + ".x",
		"empty header":    "." + b64("{}") + ".",
		"padding":         good + "=",
		"std alphabet":    good + "+",
		"space":           "a .b.c",
		"newline":         "a\n.b.c",
		"bad trailing":    "ab.b.c", // "ab" has non-zero trailing bits? decoded strictly
		"single char seg": "a.b.c",
	} {
		_, err := Split(tok, 1000)
		assert.ErrorIs(t, err, ErrNotJWS, name)
	}
}

func TestParseHeader(t *testing.T) {
	h, err := ParseHeader([]byte(` {"alg":"RS256", "kid":"k\u0031", "typ":"JWT", "x":[1,{"y":null}]} `))
	require.NoError(t, err)
	assert.Equal(t, Header{Alg: "RS256", Kid: "k1", Typ: "JWT"}, h)
	for name, in := range map[string]string{
		"duplicate":      `{"alg":"RS256","alg":"none"}`,
		"case variant":   `{"alg":"RS256","ALG":"none"}`,
		"jwe":            `{"alg":"RSA-OAEP","enc":"A256GCM"}`,
		"nested":         `{"alg":"RS256","cty":"jwt"}`,
		"crit":           `{"alg":"RS256","crit":["b64"]}`,
		"array":          `[]`,
		"kid type":       `{"kid":1}`,
		"trailing":       `{"alg":"RS256"}x`,
		"bad escape":     `{"alg":"\x"}`,
		"control char":   "{\"alg\":\"a\x01\"}",
		"bad number":     `{"x":01}`,
		"bad literal":    `{"x":nul}`,
		"missing comma":  `{"a":1 "b":2}`,
		"leading comma":  `{,"a":1}`,
		"trailing comma": `{"a":1,}`,
	} {
		_, err := ParseHeader([]byte(in))
		assert.Error(t, err, name)
	}
}

// FuzzReader checks the strict reader against encoding/json: what the
// reader accepts is valid JSON, and valid JSON that nests shallowly and
// names at most 128 members is accepted.
func FuzzReader(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,"x",{"b":[true,false,null]}]`, `{"a":"\u00e9\ud83d\ude00"}`, `-0.5e+3`, `"\x"`, `{"a":1,"A":2}`, `{"k":{"k":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(data, nil)
		err := r.Skip()
		if err == nil {
			err = r.End()
		}
		valid := json.Valid(data)
		if err == nil && !valid {
			t.Fatalf("reader accepted invalid JSON %q", data)
		}
		if err != nil && valid && !strings.Contains(err.Error(), "too deep") {
			t.Fatalf("reader rejected valid JSON %q: %v", data, err)
		}
		if err == nil && r.Ambiguity() == nil {
			// UseNumber: a number beyond float64 is valid JSON (the reader's
			// Number reports it as ErrType; Skip accepts it).
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				t.Fatalf("encoding/json cannot decode %q: %v", data, err)
			}
		}
		// Value decodes what encoding/json decodes into an interface.
		vr := NewReader(data, nil)
		got, verr := vr.Value()
		if verr == nil {
			verr = vr.End()
		}
		if verr == nil && vr.Ambiguity() == nil {
			var want any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("Value accepted %q, encoding/json did not: %v", data, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Value(%q) = %#v, encoding/json: %#v", data, got, want)
			}
		}
	})
}

func TestReaderValueAndBool(t *testing.T) {
	t.Parallel()
	data := []byte(`{"a":{"b":[1,"x",true,null,{"c":-2.5e1}],"e":[]},"t":true,"f":false,"n":null,"s":"y"}`)
	r := NewReader(data, nil)
	null, err := r.Object()
	require.NoError(t, err)
	require.False(t, null)
	got := map[string]any{}
	for {
		name, ok, err := r.Next()
		require.NoError(t, err)
		if !ok {
			break
		}
		key := string(name)
		switch key {
		case "t", "f", "n":
			v, ok, err := r.Bool()
			require.NoError(t, err)
			if ok {
				got[key] = v
			} else {
				got[key] = "null"
			}
		default:
			got[key], err = r.Value()
			require.NoError(t, err)
		}
	}
	require.NoError(t, r.End())
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"a":{"b":[1,"x",true,null,{"c":-25}],"e":[]},"t":true,"f":false,"n":"null","s":"y"}`), &want))
	require.Equal(t, want, got)

	r = NewReader([]byte(`"str"`), nil)
	_, _, err = r.Bool()
	require.ErrorIs(t, err, ErrType)

	r = NewReader([]byte(`{"x":1,"x":2}`), nil)
	v, err := r.Value()
	require.NoError(t, err)
	require.Equal(t, map[string]any{"x": 1.0}, v)
	require.ErrorIs(t, r.Ambiguity(), ErrAmbiguousJSON)

	for _, bad := range []string{`{"x":}`, `[1,]`, `tru`, `{"a" 1}`, `@`} {
		r := NewReader([]byte(bad), nil)
		_, err := r.Value()
		require.Error(t, err, bad)
	}
}
