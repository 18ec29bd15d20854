package csvhint

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShortRow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record []string
		want   string
	}{
		{"comment", []string{"# tokens for ci"}, `: comments are not allowed (a line starting with "#" is a row)`},
		{"indented comment with a comma", []string{"  # a", "b"}, `: comments are not allowed (a line starting with "#" is a row)`},
		{"semicolons", []string{"s3cret;alice;1001"}, `: the separator is ",", not ";"`},
		{"tabs", []string{"s3cret\talice", "1001"}, `: the separator is ",", not a tab`},
		{"both", []string{"s3cret;alice\t1001"}, `: the separator is ",", not ";" or a tab`},
		{"white space", []string{"  \t "}, ": a line of white space is a row, not a blank line"},
		{"comment with semicolons", []string{"#a;b"}, `: comments are not allowed (a line starting with "#" is a row); the separator is ",", not ";"`},
		{"nothing to say", []string{"s3cret", "alice"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ShortRow(tt.record)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "s3cret", "never quotes the row")
		})
	}
}
