package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/basicauth"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		stdin      string
		password   string
		want       authn.UserInfo
		wantPrefix string
		wantFields int
	}{
		{name: "argon2id with groups", args: []string{"-user", "alice", "-uid", "1001", "-groups", "admins, dev,,"},
			stdin: "s3cret\n", password: "s3cret", want: authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"admins", "dev"}},
			wantPrefix: `"$argon2id$v=19$m=65536,t=3,p=4$`, wantFields: 4},
		{name: "bcrypt, CRLF, one group", args: []string{"-user", "bob", "-uid", "1002", "-groups", "ops", "-algo", "bcrypt", "-cost", "4"},
			stdin: "pass word\r\n", password: "pass word", want: authn.UserInfo{Name: "bob", UID: "1002", Groups: []string{"ops"}},
			wantPrefix: "$2a$04$", wantFields: 4},
		{name: "no trailing newline, no groups, only the first line", args: []string{"-user", "carol", "-algo", "bcrypt", "-cost", "4"},
			stdin: "pw:with,comma\"quote\nsecond line\n", password: "pw:with,comma\"quote", want: authn.UserInfo{Name: "carol"},
			wantPrefix: "$2a$04$", wantFields: 3},
		{name: "user name that needs quoting", args: []string{"-user", "d, \"quoted\"", "-uid", "4", "-algo", "bcrypt", "-cost", "4"},
			stdin: "ünïcode", password: "ünïcode", want: authn.UserInfo{Name: "d, \"quoted\"", UID: "4"},
			wantPrefix: "$2a$04$", wantFields: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			require.NoError(t, run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, false))
			assert.Empty(t, stderr.String())
			line := stdout.String()
			assert.True(t, strings.HasPrefix(line, tt.wantPrefix), line)
			assert.True(t, strings.HasSuffix(line, "\n"))
			assert.Equal(t, 1, strings.Count(line, "\n"), "one row")
			assert.NotContains(t, line, tt.password)

			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			require.NoError(t, err)
			assert.Len(t, rec, tt.wantFields)

			a, err := basicauth.NewFromCSV(stdout.Bytes(), basicauth.Options{Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest(tt.want.Name, tt.password))
			authntest.AssertUser(t, tt.want, resp, ok, err)
			_, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest(tt.want.Name, tt.password+"x"))
			assert.False(t, ok)
			assert.ErrorIs(t, err, authn.ErrInvalidCredentials)
		})
	}
}

func TestRunPromptsOnTerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"-user", "u", "-algo", "bcrypt", "-cost", "4"}, strings.NewReader("pw\n"), &stdout, &stderr, true))
	assert.Contains(t, stderr.String(), "Password")
	assert.NotContains(t, stderr.String(), "pw")
	assert.True(t, strings.HasPrefix(stdout.String(), "$2a$04$"))
}

func TestRunErrors(t *testing.T) {
	long := strings.Repeat("p", basicauth.MaxCredentialsLength+1)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"no user", nil, "pw\n", "-user is required"},
		{"bad algo", []string{"-user", "u", "-algo", "md5"}, "pw\n", `-algo "md5"`},
		{"cost with argon2id", []string{"-user", "u", "-cost", "12"}, "pw\n", "-cost applies to -algo bcrypt only"},
		{"cost too low", []string{"-user", "u", "-algo", "bcrypt", "-cost", "3"}, "pw\n", "-cost 3"},
		{"cost too high", []string{"-user", "u", "-algo", "bcrypt", "-cost", "32"}, "pw\n", "-cost 32"},
		{"positional argument", []string{"-user", "u", "secret-pw"}, "", "unexpected argument"},
		{"unknown flag", []string{"-password", "x"}, "", "flag provided but not defined"},
		{"empty password", []string{"-user", "u"}, "\n", "empty password"},
		{"no input", []string{"-user", "u"}, "", "empty password"},
		{"control character", []string{"-user", "u"}, "pw\tx\n", "control character"},
		{"not UTF-8", []string{"-user", "u"}, "pw\xff\n", "not valid UTF-8"},
		{"too long", []string{"-user", "u"}, long + "\n", "longer than"},
		{"too long for bcrypt", []string{"-user", "u", "-algo", "bcrypt", "-cost", "4"}, strings.Repeat("p", 73) + "\n", "72 bytes"},
		{"colon in user", []string{"-user", "a:b", "-algo", "bcrypt", "-cost", "4"}, "pw\n", "user name contains a colon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, false)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
			assert.Empty(t, stdout.String())
			assert.NotContains(t, err.Error(), "secret-pw")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run([]string{"-h"}, strings.NewReader(""), &stdout, &stderr, false)
	require.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "usage: hashpassword")
	assert.Contains(t, stderr.String(), "-algo")
}

func TestDefaultBcryptCost(t *testing.T) {
	var stdout bytes.Buffer
	require.NoError(t, run([]string{"-user", "u", "-algo", "bcrypt"}, strings.NewReader("pw\n"), &stdout, &bytes.Buffer{}, false))
	cost, err := bcrypt.Cost([]byte(strings.TrimSpace(stdout.String())[:60]))
	require.NoError(t, err)
	assert.Equal(t, bcrypt.DefaultCost, cost)
}
