package basicauth

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Fixed hashes for fuzz seeds and the header fuzzer's table: bcrypt cost 4
// of "bob-pw", and argon2id m=64,t=1,p=1 of "carol-pw".
const (
	fuzzBcrypt = "$2a$04$L7U/BvLqHkBiej8.1Epz.OmqHbQRuD5iVqQkMnZByoJBuagQkwYzW"
	fuzzArgon2 = "$argon2id$v=19$m=64,t=1,p=1$Dmt64stRADeYLBYZIuPN6A$DhPWTa82Skrtv02MlhYi7G7heR70l3V2K0V5Ltwzx0A"
	fuzzFile   = "alice-pw,alice,1001,\"admins,dev\"\n" + fuzzBcrypt + ",bob,1002,ops\n\"" + fuzzArgon2 + "\",carol,1003\n"
)

// fuzzSecret marks a password column in seeds: no error may quote it.
const fuzzSecret = "S3cret-Fuzz-Marker"

// fuzzProbe is a password no seed contains and no seed hash matches.
const fuzzProbe = "fuzz-probe-password"

// cheap reports whether checking c costs little enough to do in a fuzz
// iteration (the fuzzer may write bcrypt cost 31, hours per check).
func (c *credential) cheap() bool {
	switch c.kind {
	case kindBcrypt:
		return c.spec.bcryptCost <= bcrypt.MinCost
	case kindArgon2id:
		return uint64(c.spec.argon2.Memory)*uint64(c.spec.argon2.Time) <= 1<<10
	default:
		return true
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		fuzzFile,
		"password1,user1,uid1\npassword2,user2,uid2\npassword3,user3,uid3,\"group1,group2\"\npassword4,user4,uid4,\"group2\"\npassword5,user5,uid5,group5\npassword6,user6,uid6,group5,otherdata\npassword7,user7,uid7,\"group1,group2\",otherdata\n",
		"", "\r\n\np1,u1,1\r\n\r\np2,u2,2,\"a,b\"\r\n", "p,u,1", "\uFEFFp,u,1\n", " p, u, 1,\" a, b\"\n", "p,u,,\n", "p,u,1,\",,\"\n",
		"p,u,1,g,extra,more\n", "$ecret,u,1\n$,v,2\n$$,w,3\n$A$b,x,4\n", "p,u,\"a\nb\"\n",
		"first,u,1,a\nother,v,2\nsecond,u,3,b\n",
		"p,u,1\nx,u2\n", "x\n", "x,,1\n", "x,a:b,1\n", "x,\"a\tb\",1\n", "x,a\xffb,1\n", "p,u,1\n\n,u2,2\n", "\"x\x01\",u,1\n",
		"p,u,1\nx\"x,u2,2\n", "p,u,1\n\"x,u2,2\n", "$1$abc$def,u,1\n", "$2x$04$" + fuzzBcrypt[7:] + ",u,1\n",
		fuzzBcrypt[:59] + ",u,1\n", "$2b$03$" + fuzzBcrypt[7:] + ",u,1\n", "$2b$32$" + fuzzBcrypt[7:] + ",u,1\n",
		"\"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n",
		"\"$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n",
		"\"$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n",
		"\"$argon2id$v=19$m=4194304,t=1,p=4$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n",
		"\"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$c29tZXNhbHRzb21lc2FsdA\",u,1\n",
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA,u,1\n",
		"# " + fuzzSecret + "\np,u,1\n", "p,u,1\n  #" + fuzzSecret + ", u\n", fuzzSecret + ";u;1\n", fuzzSecret + "\tu\t1\n",
		"#" + fuzzSecret + ";u\t1\n", "p,u,1\n \t\n", "#" + fuzzSecret + ",u,1\n", fuzzSecret + ",,1\n", "\"" + fuzzSecret + "\x01\",u,1\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	opts := Options{Logger: slog.New(slog.DiscardHandler), CacheTTL: -1}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := NewFromCSV(data, opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "basicauth: <csv data>") {
				t.Fatalf("error does not name the data: %v", err)
			}
			if strings.Contains(err.Error(), fuzzSecret) {
				t.Fatalf("error quotes the input: %v", err)
			}
			return
		}
		tab := a.current()
		for name, r := range tab.users {
			u := r.resp.User
			if name == "" || name != u.Name || strings.Contains(name, ":") || checkText(name) != nil {
				t.Fatalf("bad user name %q accepted", name)
			}
			for _, g := range u.Groups {
				if g == "" {
					t.Fatalf("empty group for %q", name)
				}
			}
		}

		// Garbage never authenticates: the probe password opens no row
		// unless the file spells it out.
		probeInFile := bytes.Contains(data, []byte(fuzzProbe))
		checked := 0
		for name, r := range tab.users {
			if checked == 3 || !r.cred.cheap() {
				continue
			}
			checked++
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest(name, fuzzProbe))
			authntest.CheckOutcome(t, resp, ok, err)
			if ok && !probeInFile {
				t.Fatalf("user %q authenticated with a password the file does not contain", name)
			}
			if !ok && !errors.Is(err, authn.ErrInvalidCredentials) {
				t.Fatalf("user %q: want an invalid-credentials error, got %v", name, err)
			}
		}
		if tab.dummy.cheap() {
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("fuzz-unknown-user\u2603", fuzzProbe))
			authntest.CheckOutcome(t, resp, ok, err)
			if ok || !errors.Is(err, authn.ErrInvalidCredentials) {
				t.Fatalf("unknown user: got (%v, %v)", ok, err)
			}
		}

		// Plaintext rows authenticate with exactly their password column,
		// as encoding/csv reads it.
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.FieldsPerRecord = -1
		last := map[string][]string{}
		for {
			rec, err := r.Read()
			if err != nil {
				break // parse succeeded, so this is io.EOF
			}
			last[rec[1]] = rec
		}
		for name, rec := range last {
			if _, hashed := hashID(rec[0]); hashed || len(name) > 100 || strings.ContainsAny(rec[0], "\x00") {
				continue
			}
			req := authntest.NewRequest()
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(name+":"+rec[0])))
			resp, ok, err := a.AuthenticateRequest(req)
			if len(name)+1+len(rec[0]) > MaxCredentialsLength {
				if !errors.Is(err, authn.ErrMalformed) {
					t.Fatalf("oversized credentials: got (%v, %v)", ok, err)
				}
				continue
			}
			if !ok || err != nil || resp.User.UID != rec[2] {
				t.Fatalf("plaintext row for %q does not authenticate: (%v, %v)", name, ok, err)
			}
		}
	})
}

func FuzzBasicHeader(f *testing.F) {
	a, err := NewFromCSV([]byte(fuzzFile), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	valid := map[string]string{"alice:alice-pw": "alice", "bob:bob-pw": "bob", "carol:carol-pw": "carol"}
	enc := base64.StdEncoding.EncodeToString
	for _, s := range []string{
		"", "Bearer abc", "Basically " + enc([]byte("alice:alice-pw")), `Digest username="alice"`,
		"Basic " + enc([]byte("alice:alice-pw")), "basic " + enc([]byte("bob:bob-pw")), " BASIC \t " + enc([]byte("carol:carol-pw")) + "  ",
		"Basic " + enc([]byte("alice:alice-pW")), "Basic " + enc([]byte("bob:alice-pw")), "Basic " + enc([]byte("nobody:x")),
		"Basic", "Basic   ", "Basic !!!!", "Basic " + base64.RawStdEncoding.EncodeToString([]byte("alice:alice-p")),
		"Basic cGxh aW4=", "Basic " + enc([]byte("alicealice-pw")), "Basic " + enc([]byte(":alice-pw")),
		"Basic " + enc([]byte("al\xffice:alice-pw")), "Basic " + enc([]byte("alice:alice-pw\x00")),
		"Basic " + enc([]byte("alice:alice-pw\n")), "Basic " + enc([]byte("alice:alice-pw"))[:8] + "\r\n" + enc([]byte("alice:alice-pw"))[8:],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := authntest.NewRequest()
		r.Header = http.Header{"Authorization": {header}}
		resp, ok, err := a.AuthenticateRequest(r)
		if !authntest.CheckOutcome(t, resp, ok, err) {
			return
		}
		h := strings.TrimSpace(header)
		isBasic := len(h) >= 5 && strings.EqualFold(h[:5], "basic") && (len(h) == 5 || h[5] == ' ' || h[5] == '\t')
		switch {
		case ok:
			// Only the exact credentials, in canonical base64, authenticate.
			raw, derr := base64.StdEncoding.Strict().DecodeString(strings.TrimLeft(h[5:], " \t"))
			if !isBasic || derr != nil || valid[string(raw)] != resp.User.Name {
				t.Fatalf("header %q authenticated as %q", header, resp.User.Name)
			}
		case err == nil:
			if isBasic {
				t.Fatalf("Basic header %q got no opinion", header)
			}
		default:
			if !isBasic {
				t.Fatalf("non-Basic header %q got error %v", header, err)
			}
			if !errors.Is(err, authn.ErrInvalidCredentials) || errors.Is(err, authn.ErrUnavailable) {
				t.Fatalf("header %q: unexpected error kind %v", header, err)
			}
		}
	})
}
