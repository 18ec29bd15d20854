package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// maxNameRunes is the length of the longest member name, "authenticated".
const maxNameRunes = len("authenticated")

// memberName returns the JSON member name of TokenReview, or of an object
// it holds, that lower spells in lower case.
func memberName(lower string) (string, bool) {
	switch lower {
	case "apiversion":
		return "apiVersion", true
	case "kind", "metadata", "name", "spec", "token", "audiences", "status",
		"authenticated", "user", "error", "username", "uid", "groups", "extra":
		return lower, true
	}
	return "", false
}

// decodeTokenReview decodes b, one JSON TokenReview with nothing after it,
// as Kubernetes' decoder (sigs.k8s.io/json, case-sensitive) does: a member
// is read into the field whose name it spells exactly; other members,
// names in another case included, are ignored; a repeated member is read
// again into the same field (objects merge, the last scalar or list
// wins); null leaves a field as it is. Errors never quote b.
//
// encoding/json does all of that except that it also takes a member whose
// name differs from a field's in case. Where no string in b could be such
// a name, the two read b alike, and encoding/json does the work;
// otherwise decodeExact does.
func decodeTokenReview(b []byte) (*TokenReview, error) {
	var tr TokenReview
	var err error
	if mayFoldName(b) {
		err = decodeExact(b, &tr)
	} else {
		err = json.Unmarshal(b, &tr)
	}
	if err != nil {
		return nil, err
	}
	return &tr, nil
}

// mayFoldName reports whether b holds a string that encoding/json could
// take for one of memberNames although it is not spelled exactly so. It
// looks at the bytes after every double quote up to the next one, so it
// sees every member name whatever its place, and more: it may answer true
// for a value, never false for such a name.
func mayFoldName(b []byte) bool {
	for i := bytes.IndexByte(b, '"'); i >= 0; {
		rest := b[i+1:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return false
		}
		if s := rest[:j]; foldsToName(s, b[i:i+j+2]) {
			return true
		}
		i += j + 1
	}
	return false
}

// foldsToName reports whether s, the inside of the quoted string q, could
// be a member name in another case. A character of a name takes at most 6
// bytes (a \u escape), so longer strings are not names. Escapes are
// decoded first; a string that does not decode, because an escaped quote
// cut it short, is taken to be a name.
func foldsToName(s, q []byte) bool {
	if len(s) > 6*maxNameRunes {
		return false
	}
	if bytes.IndexByte(s, '\\') >= 0 {
		var u string
		if json.Unmarshal(q, &u) != nil {
			return true
		}
		s = []byte(u)
	}
	var buf [maxNameRunes]byte
	lower := buf[:0]
	for _, r := range string(s) {
		c, ok := asciiFold(r)
		if !ok || len(lower) == len(buf) {
			return false
		}
		lower = append(lower, c)
	}
	name, ok := memberName(string(lower))
	return ok && string(s) != name
}

// asciiFold returns the ASCII character, lower case for a letter, that r
// is under Unicode simple case folding, as encoding/json folds names: the
// Kelvin sign is a k, the long s an s. ok is false when r folds to no
// ASCII character.
func asciiFold(r rune) (c byte, ok bool) {
	for f := r; ; {
		if f < utf8.RuneSelf {
			c := byte(f)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			return c, true
		}
		if f = unicode.SimpleFold(f); f == r {
			return 0, false
		}
	}
}

// decodeExact decodes b into tr member by member, matching names exactly.
func decodeExact(b []byte, tr *TokenReview) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	err := decodeObject(dec, "TokenReview", func(name string) error {
		switch name {
		case "apiVersion":
			return dec.Decode(&tr.APIVersion)
		case "kind":
			return dec.Decode(&tr.Kind)
		case "metadata":
			return decodeObject(dec, "ObjectMeta", func(name string) error {
				if name == "name" {
					return dec.Decode(&tr.Metadata.Name)
				}
				return skipValue(dec)
			})
		case "spec":
			return decodeObject(dec, "TokenReviewSpec", func(name string) error {
				switch name {
				case "token":
					return dec.Decode(&tr.Spec.Token)
				case "audiences":
					return dec.Decode(&tr.Spec.Audiences)
				}
				return skipValue(dec)
			})
		case "status":
			return decodeStatus(dec, &tr.Status)
		}
		return skipValue(dec)
	})
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("json: data after the TokenReview")
	}
	return nil
}

func decodeStatus(dec *json.Decoder, st *TokenReviewStatus) error {
	return decodeObject(dec, "TokenReviewStatus", func(name string) error {
		switch name {
		case "authenticated":
			return dec.Decode(&st.Authenticated)
		case "user":
			return decodeObject(dec, "UserInfo", func(name string) error {
				switch name {
				case "username":
					return dec.Decode(&st.User.Username)
				case "uid":
					return dec.Decode(&st.User.UID)
				case "groups":
					return dec.Decode(&st.User.Groups)
				case "extra":
					return dec.Decode(&st.User.Extra)
				}
				return skipValue(dec)
			})
		case "audiences":
			return dec.Decode(&st.Audiences)
		case "error":
			return dec.Decode(&st.Error)
		}
		return skipValue(dec)
	})
}

// decodeObject reads the next value of dec, which must be an object or
// null (a no-op), calling member with each member's name; member must
// read the member's value. into names the Go type in errors.
func decodeObject(dec *json.Decoder, into string, member func(name string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('{'):
	default:
		return fmt.Errorf("json: cannot unmarshal %s into %s", jsonKind(tok), into)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string) // member names are strings
		if err := member(name); err != nil {
			return fmt.Errorf("%s: %w", into, err)
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// jsonKind names the kind of JSON value tok starts, never its content.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	return "number"
}
