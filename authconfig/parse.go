package authconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"unicode"

	kjson "sigs.k8s.io/json"
)

// MaxConfigSize is the largest configuration, in bytes, that [Parse] and
// [Load] accept: 1 MiB.
const MaxConfigSize = 1 << 20

// maxProblems bounds the decoding problems listed in one error.
const maxProblems = 10

// Parse decodes an AuthenticationConfiguration file, as kube-apiserver
// reads --authentication-config, and validates it with
// [AuthenticationConfiguration.ValidateStatic].
//
// data is YAML or, when its first character other than white space is
// "{", JSON. Decoding is kube-apiserver's: YAML is turned into JSON by
// sigs.k8s.io/yaml, with YAML 1.1 scalars (an unquoted yes is a boolean,
// so it cannot be a string), and the JSON is decoded by sigs.k8s.io/json,
// strictly: unknown fields (names are case-sensitive), fields given twice
// and values of the wrong type are errors, and null leaves a field at its
// zero value. apiVersion and kind are read first: apiVersion must be
// [GroupV1], [GroupV1beta1] or [GroupV1alpha1] (they hold the same fields)
// and kind must be [Kind]. Only the first YAML document is read. YAML
// anchors and aliases work, with what they expand to bounded; merge keys
// ("<<"), tags other than YAML's standard scalar ones and documents nested
// deeper than 64 levels are refused. Input over [MaxConfigSize] is refused.
//
// On success the returned configuration is new and owned by the caller;
// CEL expressions in it are not compiled (the authenticator that uses it
// does that). Every error matches [ErrInvalidConfig]: a [*ConfigError]
// when validation fails, otherwise an error naming the line of each
// problem found (up to ten). Parse never panics and is safe for concurrent
// use.
func Parse(data []byte) (*AuthenticationConfiguration, error) {
	c, err := decode(data)
	if err != nil {
		return nil, err
	}
	if err := c.ValidateStatic(); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads the file at path (at most [MaxConfigSize] bytes) and parses
// it with [Parse].
//
// An error reading the file wraps the [os] error, so errors.Is(err,
// fs.ErrNotExist) works, and does not match [ErrInvalidConfig]; every
// other error does, names path, and wraps what Parse returned (a
// [*ConfigError] stays reachable with [errors.As]).
func Load(path string) (*AuthenticationConfiguration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("authconfig: read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("authconfig: read config: %w", err)
	}
	if len(data) > MaxConfigSize {
		return nil, &decodeError{path: path, problems: []problem{tooLarge()}}
	}
	c, err := Parse(data)
	if err != nil {
		if de, ok := errors.AsType[*decodeError](err); ok {
			de.path = path // de is ours, freshly made by Parse
			return nil, de
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, path, err)
	}
	return c, nil
}

// problem is one thing wrong with a document, and where it is.
type problem struct {
	line, col int // 0: somewhere in the document
	msg       string
}

// Error lets a problem be returned on its own.
func (p *problem) Error() string {
	if p.line == 0 {
		return p.msg
	}
	return fmt.Sprintf("line %d: %s", p.line, p.msg)
}

func tooLarge() problem { return problem{msg: fmt.Sprintf("larger than %d bytes", MaxConfigSize)} }

// decodeError reports why a configuration could not be decoded. It matches
// ErrInvalidConfig.
type decodeError struct {
	path      string    // file, when known
	problems  []problem // in document order
	truncated bool      // decoding stopped before it found every problem
}

// newDecodeError sorts problems into document order.
func newDecodeError(problems []problem, truncated bool) *decodeError {
	slices.SortStableFunc(problems, func(a, b problem) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return a.col - b.col
	})
	return &decodeError{problems: problems, truncated: truncated}
}

func (e *decodeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidConfig.Error())
	b.WriteString(": ")
	if e.path != "" {
		b.WriteString(e.path)
		b.WriteString(": ")
	}
	for i := range min(len(e.problems), maxProblems) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.problems[i].Error())
	}
	switch {
	case len(e.problems) > maxProblems:
		fmt.Fprintf(&b, "; and %d more", len(e.problems)-maxProblems)
	case e.truncated:
		b.WriteString("; and possibly more")
	}
	return b.String()
}

func (e *decodeError) Is(target error) bool { return target == ErrInvalidConfig }

// decode turns data into a configuration without validating it.
func decode(data []byte) (*AuthenticationConfiguration, error) {
	if len(data) > MaxConfigSize {
		return nil, newDecodeError([]problem{tooLarge()}, false)
	}
	trimmed := bytes.TrimLeftFunc(data, unicode.IsSpace)
	if len(trimmed) == 0 {
		return nil, newDecodeError([]problem{{msg: "empty config data"}}, false)
	}
	var d *document
	if trimmed[0] == '{' {
		// kube-apiserver decodes a document that starts with "{" as JSON,
		// not as YAML; so do we (tab-indented JSON is not valid YAML).
		d = jsonDocument(data, len(data)-len(trimmed))
	} else {
		var problems []problem
		if d, problems = yamlDocument(data); len(problems) > 0 {
			return nil, newDecodeError(problems, false)
		}
	}

	// kube-apiserver looks at the type first and reads nothing else of a
	// document it cannot place.
	tm, problems, truncated := decodeInto[TypeMeta](d, false)
	if len(problems) == 0 {
		problems = d.checkTypeMeta(tm)
	}
	if len(problems) > 0 {
		return nil, newDecodeError(problems, truncated)
	}
	c, problems, truncated := decodeInto[AuthenticationConfiguration](d, true)
	if len(problems) > 0 {
		return nil, newDecodeError(problems, truncated)
	}
	return c, nil
}

// decodeInto decodes d's JSON into a new T with sigs.k8s.io/json,
// case-sensitively, and when strict is set refusing unknown and duplicate
// fields. It reports every value of the wrong type: the library stops at
// the first one, so each is replaced with null and the document decoded
// again, up to maxProblems times (truncated reports that the limit was
// reached). Unknown and duplicate fields are reported, all of them, once
// no value has the wrong type.
func decodeInto[T any](d *document, strict bool) (v *T, problems []problem, truncated bool) {
	data := d.json
	for {
		v = new(T)
		var strictErrs []error
		var err error
		if strict {
			strictErrs, err = kjson.UnmarshalStrict(data, v)
		} else {
			err = kjson.UnmarshalCaseSensitivePreserveInts(data, v)
		}
		if err == nil {
			for _, e := range strictErrs {
				problems = append(problems, d.strictProblem(e))
			}
			if len(problems) > 0 {
				return nil, problems, false
			}
			return v, nil, false
		}
		te, ok := errors.AsType[*json.UnmarshalTypeError](err)
		if !ok {
			return nil, append(problems, d.syntaxProblem(err)), false
		}
		p, at := d.wrongType(data, te)
		problems = append(problems, p)
		if at.path == "" || bytes.Equal(data[at.start:at.end], []byte("null")) {
			// Nothing to take out: the root, or an error the library would
			// repeat.
			return nil, problems, false
		}
		if len(problems) == maxProblems {
			return nil, problems, true
		}
		data = slices.Concat(data[:at.start], []byte("null"), data[at.end:])
	}
}

// checkTypeMeta reports an apiVersion or kind that is missing or not
// supported.
func (d *document) checkTypeMeta(tm *TypeMeta) []problem {
	if bytes.Equal(bytes.TrimSpace(d.json), []byte("null")) {
		return []problem{d.at("", false, fmt.Sprintf("expected an %s object, got null", Kind))}
	}
	var problems []problem
	switch tm.APIVersion {
	case GroupV1, GroupV1beta1, GroupV1alpha1:
	case "":
		problems = append(problems, d.at("", false, fmt.Sprintf("apiVersion is required: want %s, %s or %s", GroupV1, GroupV1beta1, GroupV1alpha1)))
	default:
		problems = append(problems, d.at("apiVersion", false, fmt.Sprintf("apiVersion %q is not supported: want %s, %s or %s",
			tm.APIVersion, GroupV1, GroupV1beta1, GroupV1alpha1)))
	}
	switch tm.Kind {
	case Kind:
	case "":
		problems = append(problems, d.at("", false, "kind is required: want "+Kind))
	default:
		problems = append(problems, d.at("kind", false, fmt.Sprintf("kind %q is not supported: want %s", tm.Kind, Kind)))
	}
	return problems
}

// wrongType describes a value of the wrong type, found at te.Offset in
// data, in the words of the document the user wrote, and returns where
// the value is in data.
func (d *document) wrongType(data []byte, te *json.UnmarshalTypeError) (problem, jsonValue) {
	at := valueAt(indexJSON(data), te.Offset)
	text := string(data[at.start:at.end])
	hint := ""
	if value, tag, ok := d.yamlScalar(at.path); ok {
		text = value
		if te.Value == "bool" && tag == "!!str" {
			// go.yaml.in/yaml/v3 reads YAML 1.2, where it is a string.
			hint = " (Kubernetes reads YAML 1.1, where it is a boolean: quote it)"
		}
	}
	var got string
	switch {
	case te.Value == "bool":
		got = "the boolean " + text
	case strings.HasPrefix(te.Value, "number"):
		got = "the number " + text
	case te.Value == "string":
		got = "a string"
	case te.Value == "array":
		got = "a list"
	case te.Value == "object":
		got = "an object"
	default:
		got = te.Value
	}
	if at.path == "" {
		return d.at("", false, fmt.Sprintf("expected an %s object, got %s", Kind, got)), at
	}
	return d.at(at.path, false, fmt.Sprintf("%s: expected %s, got %s%s", at.path, describeType(te.Type), got, hint)), at
}

// describeType names what a Go type holds, in JSON's terms.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// strictProblem places an unknown or duplicate field that sigs.k8s.io/json
// reported.
func (d *document) strictProblem(err error) problem {
	fe, ok := errors.AsType[kjson.FieldError](err)
	if !ok {
		return problem{msg: err.Error()}
	}
	path := fe.FieldPath()
	// Its message is `duplicate field "path"` or `unknown field "path"`.
	// A duplicate can only reach the library in JSON: the YAML check
	// refuses them first.
	if strings.HasPrefix(err.Error(), "duplicate ") && d.yaml == nil {
		if first, again, ok := d.repeatedJSON(path); ok {
			first := d.offsetPos(first)
			p := d.offsetPos(again)
			p.msg = fmt.Sprintf("%s (first set on line %d)", err, first.line)
			return p
		}
	}
	return d.at(path, true, err.Error())
}

// syntaxProblem places a JSON syntax error.
func (d *document) syntaxProblem(err error) problem {
	if ok, off := kjson.SyntaxErrorOffset(err); ok {
		p := d.offsetPos(int(off))
		p.msg = err.Error()
		return p
	}
	return problem{msg: err.Error()}
}
