// Package csvhint explains why a row of a credential CSV file
// (--token-auth-file, --basic-auth-file) is too short, for the error that
// refuses it.
package csvhint

import "strings"

// ShortRow returns, for a row of fewer columns than the file needs, ": "
// and what its shape suggests went wrong (a comment, another separator, a
// line of white space), or "" when nothing does. It never quotes the row,
// which may hold a secret. record must not be empty.
func ShortRow(record []string) string {
	var hints []string
	if strings.HasPrefix(strings.TrimLeft(record[0], " \t"), "#") {
		hints = append(hints, `comments are not allowed (a line starting with "#" is a row)`)
	}
	semicolon, tab, blank := false, false, true
	for _, f := range record {
		semicolon = semicolon || strings.Contains(f, ";")
		tab = tab || strings.Contains(f, "\t")
		blank = blank && strings.TrimSpace(f) == ""
	}
	switch {
	case blank:
		hints = append(hints, "a line of white space is a row, not a blank line")
	case semicolon && tab:
		hints = append(hints, `the separator is ",", not ";" or a tab`)
	case semicolon:
		hints = append(hints, `the separator is ",", not ";"`)
	case tab:
		hints = append(hints, `the separator is ",", not a tab`)
	}
	if len(hints) == 0 {
		return ""
	}
	return ": " + strings.Join(hints, "; ")
}
