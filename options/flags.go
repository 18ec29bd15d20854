package options

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The flag.Values below track, when set is non-nil, that the flag was
// given on the command line, as kube-apiserver's flag trackers do: some
// rules depend on whether a flag was set, not on its value. Their zero
// values are valid (flag.PrintDefaults makes one to find the default), and
// a usage text names the placeholder in back quotes, because the flag
// package prints "value" for any type it does not know.

// markSet records that a tracked flag was given.
func markSet(set *bool) {
	if set != nil {
		*set = true
	}
}

// stringList is a flag.Value for kube-apiserver's string-slice flags: a
// comma-separated list that may also be given several times. The first Set
// replaces the default; later ones append, as pflag's StringSlice does.
type stringList struct {
	v        *[]string
	replaced bool
	set      *bool
}

// listUsage ends a list flag's usage with its placeholder, "strings".
func listUsage(usage string) string {
	return usage + " Comma-separated `strings`; may be repeated."
}

func (s *stringList) String() string {
	if s == nil || s.v == nil {
		return ""
	}
	return strings.Join(*s.v, ",")
}

func (s *stringList) Set(val string) error {
	markSet(s.set)
	if !s.replaced {
		*s.v = nil
		s.replaced = true
	}
	for part := range strings.SplitSeq(val, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s.v = append(*s.v, part)
		}
	}
	return nil
}

// stringValue is a tracked flag.Value for a string field.
type stringValue struct {
	p   *string
	set *bool
}

// stringUsage ends a tracked string flag's usage with its placeholder.
func stringUsage(usage string) string { return usage + " (`string`)" }

func (s *stringValue) String() string {
	if s == nil || s.p == nil {
		return ""
	}
	return *s.p
}

func (s *stringValue) Set(v string) error {
	markSet(s.set)
	*s.p = v
	return nil
}

// boolValue is a tracked flag.Value for a bool field.
type boolValue struct {
	p   *bool
	set *bool
}

func (b *boolValue) String() string {
	if b == nil || b.p == nil {
		return "false"
	}
	return strconv.FormatBool(*b.p)
}

func (b *boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	markSet(b.set)
	*b.p = x
	return nil
}

func (b *boolValue) IsBoolFlag() bool { return true }

// keyValueMap is a flag.Value for a repeatable key=value flag, as
// kube-apiserver's MapStringStringNoSplit: each use adds one pair; the
// value may contain "=" and ",".
type keyValueMap struct {
	m   *map[string]string
	set *bool
}

func (k *keyValueMap) String() string {
	if k == nil || k.m == nil || len(*k.m) == 0 {
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
	markSet(k.set)
	if *k.m == nil {
		*k.m = map[string]string{}
	}
	(*k.m)[strings.TrimSpace(key)] = val
	return nil
}
