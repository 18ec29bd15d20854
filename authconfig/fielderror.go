package authconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidConfig is matched (with [errors.Is]) by every [*ConfigError], by
// every [*FieldError], and by every error [Parse] and [Load]
// return because the configuration itself is wrong (syntax, unknown or
// duplicate fields, wrong types, size). It is not matched by a file that
// cannot be read.
var ErrInvalidConfig = errors.New("authconfig: invalid configuration")

// FieldErrorType says what is wrong with a field. Its value is the text
// Kubernetes prints for it (field.ErrorType's String).
type FieldErrorType string

// The field error types the configuration validation reports.
const (
	// FieldValueRequired: a value is missing. The message omits BadValue.
	FieldValueRequired FieldErrorType = "Required value"
	// FieldValueInvalid: a value is malformed or not allowed with the
	// fields around it.
	FieldValueInvalid FieldErrorType = "Invalid value"
	// FieldValueForbidden: a value is well-formed but not allowed here.
	// The message omits BadValue.
	FieldValueForbidden FieldErrorType = "Forbidden"
	// FieldValueDuplicate: a value that must be unique appears twice.
	FieldValueDuplicate FieldErrorType = "Duplicate value"
	// FieldValueNotSupported: a value outside an enumeration; Detail lists
	// the supported ones.
	FieldValueNotSupported FieldErrorType = "Unsupported value"
	// FieldValueTooMany: a list is longer than allowed; BadValue is its
	// length.
	FieldValueTooMany FieldErrorType = "Too many"
)

// FieldError is one validation failure of one field, the counterpart of
// Kubernetes' field.Error. Field is the path in the configuration file
// ("jwt[0].issuer.url"), BadValue the offending value (ignored in the
// message for [FieldValueRequired] and [FieldValueForbidden]) and Detail a
// human explanation, possibly empty. The validation in this package
// never puts a secret in one: a URL's password is masked and a certificate
// authority is reported as "<omitted>". It matches [ErrInvalidConfig].
type FieldError struct {
	Field    string
	Type     FieldErrorType
	BadValue any
	Detail   string
}

// Error formats e exactly as Kubernetes formats a field.Error:
//
//	jwt[0].issuer.url: Invalid value: "http://x": URL scheme must be https
//	jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required
//
// Strings are quoted with Go syntax, numbers and booleans printed bare,
// anything else as JSON.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(string(e.Type))
	switch e.Type {
	case FieldValueRequired, FieldValueForbidden:
		// Kubernetes leaves the value out of these two.
	default:
		b.WriteString(": ")
		b.WriteString(formatBadValue(e.BadValue))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Is reports whether target is [ErrInvalidConfig].
func (e *FieldError) Is(target error) bool { return target == ErrInvalidConfig }

// formatBadValue renders v the way Kubernetes' field.Error does: a plain
// string (not a named string type) quoted, simple scalars bare, everything
// else as JSON, falling back to Stringer and then to Go syntax.
func formatBadValue(v any) string {
	switch t := v.(type) {
	case int64, int32, float64, float32, bool:
		return fmt.Sprint(t)
	case string:
		return strconv.Quote(t)
	}
	if j, err := json.Marshal(v); err == nil {
		return string(j)
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%#v", v)
}

// ConfigError lists every problem validation found in a configuration, in
// the order Kubernetes reports them. It matches [ErrInvalidConfig], and
// [errors.As] reaches each [*FieldError] through Unwrap.
type ConfigError struct {
	Errors []*FieldError
}

// Error formats e as Kubernetes formats an aggregate of field errors: a
// single error as itself, several as "[e1, e2]", each distinct message
// once.
func (e *ConfigError) Error() string {
	seen := make(map[string]bool, len(e.Errors))
	msgs := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		if fe == nil {
			continue
		}
		m := fe.Error()
		if seen[m] {
			continue
		}
		seen[m] = true
		msgs = append(msgs, m)
	}
	switch len(msgs) {
	case 0:
		return ErrInvalidConfig.Error()
	case 1:
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// Is reports whether target is [ErrInvalidConfig].
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Unwrap returns the field errors, so that errors.As finds a [*FieldError].
func (e *ConfigError) Unwrap() []error {
	errs := make([]error, 0, len(e.Errors))
	for _, fe := range e.Errors {
		if fe != nil {
			errs = append(errs, fe)
		}
	}
	return errs
}

// newConfigError returns nil when errs is empty, and otherwise a
// *ConfigError holding errs with repeated messages dropped, as Kubernetes'
// ErrorList.ToAggregate does.
func newConfigError(errs []*FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(errs))
	kept := make([]*FieldError, 0, len(errs))
	for _, fe := range errs {
		m := fe.Error()
		if seen[m] {
			continue
		}
		seen[m] = true
		kept = append(kept, fe)
	}
	return &ConfigError{Errors: kept}
}

// Field paths, spelled as Kubernetes' field.Path prints them.

// pathChild appends a field name to path; an empty path is the root.
func pathChild(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// pathIndex appends a list index to path.
func pathIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Constructors mirroring Kubernetes' field.Required, field.Invalid, ...

func errRequired(field, detail string) *FieldError {
	return &FieldError{Field: field, Type: FieldValueRequired, BadValue: "", Detail: detail}
}

func errInvalid(field string, value any, detail string) *FieldError {
	return &FieldError{Field: field, Type: FieldValueInvalid, BadValue: value, Detail: detail}
}

func errForbidden(field, detail string) *FieldError {
	return &FieldError{Field: field, Type: FieldValueForbidden, BadValue: "", Detail: detail}
}

func errDuplicate(field string, value any) *FieldError {
	return &FieldError{Field: field, Type: FieldValueDuplicate, BadValue: value}
}

// errNotSupported lists the supported values, each quoted, in the detail.
func errNotSupported(field string, value any, supported ...string) *FieldError {
	detail := ""
	if len(supported) > 0 {
		q := make([]string, len(supported))
		for i, s := range supported {
			q[i] = strconv.Quote(s)
		}
		detail = "supported values: " + strings.Join(q, ", ")
	}
	return &FieldError{Field: field, Type: FieldValueNotSupported, BadValue: value, Detail: detail}
}

func errTooMany(field string, actual, limit int) *FieldError {
	unit := "items"
	if limit == 1 {
		unit = "item"
	}
	return &FieldError{Field: field, Type: FieldValueTooMany, BadValue: actual,
		Detail: fmt.Sprintf("must have at most %d %s", limit, unit)}
}
