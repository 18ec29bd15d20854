// Command hashpassword prints a row for a basic-auth password file (the
// format of package basicauth and kube-apiserver's --basic-auth-file), with
// the password hashed by argon2id or bcrypt.
//
// It reads the password from standard input, one line (the line end is
// not part of it), and prints the row on standard output:
//
//	$ echo 's3cret' | go run ./examples/hashpassword -user alice -uid 1001 -groups admins,dev
//	"$argon2id$v=19$m=65536,t=3,p=4$…$…",alice,1001,"admins,dev"
//
// Flags:
//
//	-user    user name (required)
//	-uid     the user's UID
//	-groups  comma-separated groups
//	-algo    argon2id (default; RFC 9106 parameters, 64 MiB) or bcrypt
//	-cost    bcrypt cost, 4 to 31 (default 10)
//
// When standard input is a terminal, it prompts on standard error and
// reads the password without echo (golang.org/x/term).
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/authnkit/authnkit/basicauth"
)

func main() {
	var stdin io.Reader = os.Stdin
	terminal := term.IsTerminal(int(os.Stdin.Fd()))
	if terminal {
		stdin = &noEchoReader{fd: int(os.Stdin.Fd())}
	}
	err := run(os.Args[1:], stdin, os.Stdout, os.Stderr, terminal)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "hashpassword:", err)
		os.Exit(1)
	}
}

// noEchoReader reads one line from the terminal fd with echo turned off,
// on its first Read, and hands it out with its line end.
type noEchoReader struct {
	fd   int
	buf  []byte
	read bool
}

func (r *noEchoReader) Read(p []byte) (int, error) {
	if !r.read {
		r.read = true
		pw, err := term.ReadPassword(r.fd)
		if err != nil {
			return 0, err
		}
		r.buf = append(pw, '\n')
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// run is the program: args are the command-line arguments without the
// program name; terminal says whether stdin is a terminal (to prompt on
// stderr). It writes one CSV row to stdout.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, terminal bool) error {
	fs := flag.NewFlagSet("hashpassword", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "user name (required)")
	uid := fs.String("uid", "", "the user's UID")
	groups := fs.String("groups", "", "comma-separated groups")
	algo := fs.String("algo", "argon2id", "password hash: argon2id or bcrypt")
	cost := fs.Int("cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt cost, %d to %d", bcrypt.MinCost, bcrypt.MaxCost))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hashpassword -user NAME [-uid UID] [-groups a,b] [-algo argon2id|bcrypt] [-cost N] < password")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	costSet := false
	fs.Visit(func(f *flag.Flag) { costSet = costSet || f.Name == "cost" })
	switch {
	case fs.NArg() > 0:
		// Not quoted: it may be a password typed on the command line.
		return errors.New("unexpected argument: the password is read from standard input, not the command line")
	case *user == "":
		return errors.New("-user is required")
	case *algo != "argon2id" && *algo != "bcrypt":
		return fmt.Errorf("-algo %q: want argon2id or bcrypt", *algo)
	case costSet && *algo != "bcrypt":
		return errors.New("-cost applies to -algo bcrypt only")
	case *cost < bcrypt.MinCost || *cost > bcrypt.MaxCost:
		return fmt.Errorf("-cost %d: want %d to %d", *cost, bcrypt.MinCost, bcrypt.MaxCost)
	}

	if terminal {
		fmt.Fprint(stderr, "Password: ")
	}
	password, err := readPassword(stdin)
	if terminal {
		fmt.Fprintln(stderr) // the Enter key was not echoed
	}
	if err != nil {
		return err
	}

	var hash string
	switch *algo {
	case "bcrypt":
		h, err := bcrypt.GenerateFromPassword(password, *cost)
		if err != nil {
			return err // x/crypto's errors name lengths and costs, never the password
		}
		hash = string(h)
	default:
		if hash, err = basicauth.HashArgon2id(password, basicauth.DefaultArgon2Params()); err != nil {
			return err
		}
	}

	row := []string{hash, *user, *uid}
	if g := normalizeGroups(*groups); g != "" {
		row = append(row, g)
	}
	var line strings.Builder
	w := csv.NewWriter(&line)
	if err := w.Write(row); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	// Load the row as the server will, so that a bad user name is
	// reported here rather than when the file is read.
	if _, err := basicauth.NewFromCSV([]byte(line.String()), basicauth.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		return fmt.Errorf("the row would not load: %w", err)
	}
	_, err = io.WriteString(stdout, line.String())
	return err
}

// readPassword reads one line from r, without its line end (LF or CRLF).
// The password must be non-empty UTF-8 without control characters (Basic
// credentials cannot carry them) and fit in a Basic credential.
func readPassword(r io.Reader) ([]byte, error) {
	limit := basicauth.MaxCredentialsLength
	br := bufio.NewReader(io.LimitReader(r, int64(limit)+3)) // the longest line, CRLF, one more
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	switch {
	case line == "":
		return nil, errors.New("empty password")
	case len(line) > limit:
		return nil, fmt.Errorf("password longer than %d bytes", limit)
	case !utf8.ValidString(line):
		return nil, errors.New("password is not valid UTF-8")
	case strings.ContainsFunc(line, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		return nil, errors.New("password contains a control character")
	}
	return []byte(line), nil
}

// normalizeGroups trims white space around each comma-separated group and
// drops empty ones.
func normalizeGroups(list string) string {
	var out []string
	for g := range strings.SplitSeq(list, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return strings.Join(out, ",")
}
