package options

import (
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
