package authntest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

func quote(s string) string { return strconv.Quote(s) }

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, " ") + "]"
}

func formatExtra(m map[string][]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, quote(k)+": "+quoteAll(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
