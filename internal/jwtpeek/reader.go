package jwtpeek

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrSyntax reports input that is not JSON (RFC 8259), or nests deeper
// than the reader allows.
var ErrSyntax = errors.New("jwtpeek: invalid JSON")

// ErrType reports a member whose value has the wrong JSON type for the
// claim. The value has been consumed: reading can go on.
var ErrType = errors.New("jwtpeek: wrong JSON type")

// maxNames bounds the member names tracked for duplicates at once, over
// all open objects.
const maxNames = 128

// Reader decodes JWT JSON in one strict pass, without reflection: the
// caller walks objects with [Reader.Object] and [Reader.Next] and reads
// the members it knows with [Reader.String], [Reader.Number] or nested
// walks, and skips the rest with [Reader.Skip], which still validates
// them. Syntax errors ([ErrSyntax]) stop the walk. Ambiguities (member
// names duplicated ignoring case, or equal to a known name ignoring case
// but not exactly; see [CheckObject]) do not: the first is kept and
// reported by [Reader.Ambiguity], so that a caller can finish reading (to
// learn the issuer) before it decides. Use it as a value: the zero value
// of its fields is set by [NewReader]; it does not allocate beyond the
// strings it returns.
type Reader struct {
	data  []byte
	i     int
	depth int
	known []string
	amb   error

	names  [maxNames][]byte
	nNames int
	marks  [maxDepth + 1]int  // per open object: index of its first name
	first  [maxDepth + 1]bool // per open object or array: nothing read yet
}

// NewReader returns a Reader over data; known are the member names a
// case-variant of which is an ambiguity.
func NewReader(data []byte, known []string) Reader {
	return Reader{data: data, known: known}
}

// Ambiguity returns the first ambiguity seen, matching [ErrAmbiguousJSON],
// or nil.
func (r *Reader) Ambiguity() error { return r.amb }

func (r *Reader) ws() {
	for r.i < len(r.data) {
		switch r.data[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// Peek returns the first byte of the next value ('{', '[', '"', 't', 'f',
// 'n', '-' or a digit for valid JSON), or 0 at the end, after skipping
// white space.
func (r *Reader) Peek() byte { return r.peek() }

func (r *Reader) peek() byte {
	r.ws()
	if r.i >= len(r.data) {
		return 0
	}
	return r.data[r.i]
}

func (r *Reader) syntax(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, r.i)
}

// Object starts reading an object. It returns [ErrType] (having skipped
// the value) for anything but an object, and isNull true for null.
func (r *Reader) Object() (isNull bool, err error) { return r.open('{') }

// Next moves to the next member of the object being read and returns its
// name (decoded; valid until the next call), or ok false after the
// closing brace. The member's value must then be read or skipped.
func (r *Reader) Next() (name []byte, ok bool, err error) {
	c := r.peek()
	switch {
	case c == '}':
		r.i++
		r.nNames = r.marks[r.depth]
		r.depth--
		return nil, false, nil
	case r.first[r.depth]:
		r.first[r.depth] = false
	default:
		if c != ',' {
			return nil, false, r.syntax("want , or }")
		}
		r.i++
		r.ws()
	}
	name, err = r.str()
	if err != nil {
		return nil, false, err
	}
	if r.peek() != ':' {
		return nil, false, r.syntax("want :")
	}
	r.i++
	r.track(name)
	return name, true, nil
}

// track records name in the current object and notes ambiguities.
func (r *Reader) track(name []byte) {
	if r.amb != nil {
		return
	}
	for _, n := range r.names[r.marks[r.depth]:r.nNames] {
		if bytes.EqualFold(n, name) {
			r.amb = fmt.Errorf("%w: duplicate member %q", ErrAmbiguousJSON, clip(name))
			return
		}
	}
	ascii := isASCII(name)
	for _, k := range r.known {
		if (!ascii || len(name) == len(k)) && string(name) != k && strings.EqualFold(string(name), k) {
			r.amb = fmt.Errorf("%w: member %q differs from %q only in case", ErrAmbiguousJSON, clip(name), k)
			return
		}
	}
	if r.nNames == maxNames {
		r.amb = fmt.Errorf("%w: more than %d member names", ErrAmbiguousJSON, maxNames)
		return
	}
	r.names[r.nNames] = name
	r.nNames++
}

// Array starts reading an array; see [Reader.Object].
func (r *Reader) Array() (isNull bool, err error) { return r.open('[') }

// open starts reading a value that begins with delim ('{' or '['): null
// reports isNull, anything else is skipped and is [ErrType].
func (r *Reader) open(delim byte) (isNull bool, err error) {
	switch r.peek() {
	case delim:
	case 'n':
		return true, r.literal("null")
	default:
		if err := r.Skip(); err != nil {
			return false, err
		}
		return false, ErrType
	}
	if r.depth >= maxDepth {
		return false, r.syntax("nesting too deep")
	}
	r.i++
	r.depth++
	r.marks[r.depth] = r.nNames
	r.first[r.depth] = true
	return false, nil
}

// NextElement reports whether the array being read has another element,
// which must then be read or skipped.
func (r *Reader) NextElement() (bool, error) {
	c := r.peek()
	if c == ']' {
		r.i++
		r.depth--
		return false, nil
	}
	if r.first[r.depth] {
		r.first[r.depth] = false
		return true, nil
	}
	if c != ',' {
		return false, r.syntax("want , or ]")
	}
	r.i++
	return true, nil
}

// String reads a string value; null reads as "". Another type is
// [ErrType], the value skipped.
func (r *Reader) String() (string, error) {
	switch r.peek() {
	case '"':
		b, err := r.str()
		return string(b), err
	case 'n':
		return "", r.literal("null")
	}
	if err := r.Skip(); err != nil {
		return "", err
	}
	return "", ErrType
}

// Number reads a number value; null reads as ok false. Another type is
// [ErrType], the value skipped.
func (r *Reader) Number() (f float64, ok bool, err error) {
	switch c := r.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		start := r.i
		if err := r.number(); err != nil {
			return 0, false, err
		}
		f, err := strconv.ParseFloat(string(r.data[start:r.i]), 64)
		if err != nil {
			return 0, false, ErrType // out of range
		}
		return f, true, nil
	case c == 'n':
		return 0, false, r.literal("null")
	}
	if err := r.Skip(); err != nil {
		return 0, false, err
	}
	return 0, false, ErrType
}

// Skip reads and validates any value, checking the members of the objects
// in it like [Reader.Next] does.
func (r *Reader) Skip() error {
	switch c := r.peek(); {
	case c == '{':
		if _, err := r.Object(); err != nil {
			return err
		}
		for {
			_, ok, err := r.Next()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := r.Skip(); err != nil {
				return err
			}
		}
	case c == '[':
		if _, err := r.Array(); err != nil {
			return err
		}
		for {
			ok, err := r.NextElement()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := r.Skip(); err != nil {
				return err
			}
		}
	case c == '"':
		_, err := r.str()
		return err
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return r.syntax("want a value")
}

// End checks that nothing but white space follows the top-level value.
func (r *Reader) End() error {
	r.ws()
	if r.i != len(r.data) || r.depth != 0 {
		return r.syntax("trailing data")
	}
	return nil
}

func (r *Reader) literal(lit string) error {
	if !bytes.HasPrefix(r.data[r.i:], []byte(lit)) {
		return r.syntax("bad literal")
	}
	r.i += len(lit)
	return nil
}

// number reads a JSON number (RFC 8259 §6).
func (r *Reader) number() error {
	d := r.data
	i := r.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return r.syntax("bad number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return r.syntax("bad number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return r.syntax("bad number")
		}
	}
	r.i = i
	return nil
}

// str reads a string and returns its value: a slice of the input when it
// has no escapes and is valid UTF-8, else decoded as encoding/json does
// (invalid UTF-8 becomes U+FFFD).
func (r *Reader) str() ([]byte, error) {
	d := r.data
	if r.i >= len(d) || d[r.i] != '"' {
		return nil, r.syntax("want a string")
	}
	start := r.i
	i := r.i + 1
	plain := true
	for {
		if i >= len(d) {
			return nil, r.syntax("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			r.i = i + 1
			raw := d[start+1 : i]
			if plain && utf8.Valid(raw) {
				return raw, nil
			}
			var s string
			if err := json.Unmarshal(d[start:i+1], &s); err != nil {
				return nil, r.syntax("bad string")
			}
			return []byte(s), nil
		case c < 0x20:
			return nil, r.syntax("control character in string")
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				return nil, r.syntax("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2:i+6]) {
					return nil, r.syntax("bad \\u escape")
				}
				i += 6
			default:
				return nil, r.syntax("bad escape")
			}
		default:
			i++
		}
	}
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Bool reads a boolean value; null reads as ok false. Another type is
// [ErrType], the value skipped.
func (r *Reader) Bool() (v, ok bool, err error) {
	switch r.peek() {
	case 't':
		return true, true, r.literal("true")
	case 'f':
		return false, true, r.literal("false")
	case 'n':
		return false, false, r.literal("null")
	}
	if err := r.Skip(); err != nil {
		return false, false, err
	}
	return false, false, ErrType
}

// Value reads any value into the types encoding/json decodes into an
// interface: map[string]any, []any, string, float64, bool or nil. Member
// names of nested objects are checked like [Reader.Next] checks them; a
// duplicate keeps the first value, and [Reader.Ambiguity] reports it.
func (r *Reader) Value() (any, error) {
	switch c := r.peek(); {
	case c == '{':
		if _, err := r.Object(); err != nil {
			return nil, err
		}
		m := make(map[string]any)
		for {
			name, ok, err := r.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return m, nil
			}
			key := string(name)
			v, err := r.Value()
			if err != nil {
				return nil, err
			}
			if _, dup := m[key]; !dup {
				m[key] = v
			}
		}
	case c == '[':
		if _, err := r.Array(); err != nil {
			return nil, err
		}
		var l []any
		for {
			ok, err := r.NextElement()
			if err != nil {
				return nil, err
			}
			if !ok {
				if l == nil {
					l = []any{}
				}
				return l, nil
			}
			v, err := r.Value()
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
	case c == '"':
		return r.String()
	case c == 't' || c == 'f':
		v, _, err := r.Bool()
		return v, err
	case c == 'n':
		return nil, r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		f, _, err := r.Number()
		return f, err
	}
	return nil, r.syntax("want a value")
}
