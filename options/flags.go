package options

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// stringList is a flag.Value for kube-apiserver's string-slice flags: a
// comma-separated list that may also be given several times. The first Set
// replaces the default; later ones append, as pflag's StringSlice does.
type stringList struct {
	v   *[]string
	set bool
}

func (s *stringList) String() string {
	if s == nil || s.v == nil {
		return ""
	}
	return strings.Join(*s.v, ",")
}

func (s *stringList) Set(val string) error {
	if !s.set {
		*s.v = nil
		s.set = true
	}
	for part := range strings.SplitSeq(val, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s.v = append(*s.v, part)
		}
	}
	return nil
}

// tracked records that a flag was given on the command line, as
// kube-apiserver's flag trackers do: some rules depend on whether a flag
// was set, not on its value.
type tracked struct {
	flag.Value
	set *bool
}

func (t *tracked) Set(s string) error {
	*t.set = true
	return t.Value.Set(s)
}

// IsBoolFlag forwards the boolean-flag marker of the wrapped value.
func (t *tracked) IsBoolFlag() bool {
	b, ok := t.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// stringValue is a flag.Value for a string field.
type stringValue struct{ p *string }

func (s stringValue) String() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

func (s stringValue) Set(v string) error { *s.p = v; return nil }

// boolValue is a flag.Value for a bool field.
type boolValue struct{ p *bool }

func (b boolValue) String() string {
	if b.p == nil {
		return "false"
	}
	return strconv.FormatBool(*b.p)
}

func (b boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	*b.p = x
	return nil
}

func (b boolValue) IsBoolFlag() bool { return true }

// keyValueMap is a flag.Value for a repeatable key=value flag, as
// kube-apiserver's MapStringStringNoSplit: each use adds one pair; the
// value may contain "=" and ",".
type keyValueMap struct{ m *map[string]string }

func (k *keyValueMap) String() string {
	if k.m == nil || len(*k.m) == 0 {
		return ""
	}
	var parts []string
	for _, key := range slices.Sorted(maps.Keys(*k.m)) {
		parts = append(parts, key+"="+(*k.m)[key])
	}
	return strings.Join(parts, ",")
}

func (k *keyValueMap) Set(v string) error {
	key, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(key) == "" {
		return fmt.Errorf("%q is not key=value", v)
	}
	if *k.m == nil {
		*k.m = map[string]string{}
	}
	(*k.m)[strings.TrimSpace(key)] = val
	return nil
}
