package bootstrap

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// secretSet is one parsed store file: bootstrap token Secrets by token ID.
// It is immutable once parseSecrets returns it.
type secretSet struct {
	byID    map[string]*Secret
	skipped int // items that are not bootstrap token Secrets
}

// Entries is the number of bootstrap tokens in s, as a reload.Counter:
// for health and reload events.
func (s *secretSet) Entries() int { return len(s.byID) }

// item locates one Secret in the input for error messages: its index
// among all Secrets of the file (from 0), its line, and its name once known.
type item struct {
	index int
	line  int
	name  string
}

func (it item) String() string {
	s := fmt.Sprintf("item %d (line %d", it.index, it.line)
	if it.name != "" {
		s += ", " + it.name
	}
	return s + ")"
}

// parseSecrets reads Kubernetes Secrets from data: YAML or JSON, as one
// Secret, a List or SecretList with items, a JSON array, or several YAML
// documents of any of these. where names the input in errors ("" for none).
// Errors name the item and never contain a value from data or stringData.
// It keeps the bootstrap token Secrets (see the package documentation for
// which are kept, skipped, or errors).
func parseSecrets(where string, data []byte) (*secretSet, error) {
	prefix := "bootstrap: "
	if where != "" {
		prefix += where + ": "
	}
	set := &secretSet{byID: make(map[string]*Secret)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	index := 0
	for doc := 0; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s%s", prefix, cleanYAMLError(err))
		}
		if len(n.Content) == 0 {
			continue
		}
		root := resolve(n.Content[0])
		var items []*yaml.Node
		switch root.Kind {
		case yaml.ScalarNode:
			if root.ShortTag() == "!!null" {
				continue // an empty document
			}
			return nil, fmt.Errorf("%sdocument %d (line %d): want a Secret, a List or an array of Secrets", prefix, doc+1, root.Line)
		case yaml.SequenceNode:
			items = root.Content
		case yaml.MappingNode:
			kind, err := topKind(root)
			if err != nil {
				return nil, fmt.Errorf("%sdocument %d (line %d): %w", prefix, doc+1, root.Line, err)
			}
			if kind == "Secret" {
				items = []*yaml.Node{root}
			} else {
				v := field(root, "items")
				if v == nil {
					continue // an empty list
				}
				if v = resolve(v); v.Kind != yaml.SequenceNode {
					if v.ShortTag() == "!!null" {
						continue
					}
					return nil, fmt.Errorf("%sdocument %d (line %d): items: want a list", prefix, doc+1, v.Line)
				}
				items = v.Content
			}
		default:
			return nil, fmt.Errorf("%sdocument %d (line %d): want a Secret, a List or an array of Secrets", prefix, doc+1, root.Line)
		}
		for _, in := range items {
			it := item{index: index, line: in.Line}
			index++
			s, err := parseSecret(resolve(in), &it)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", prefix, it, err)
			}
			id, keep, err := checkSecret(s)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", prefix, it, err)
			}
			if !keep {
				set.skipped++
				continue
			}
			if _, dup := set.byID[id]; dup {
				return nil, fmt.Errorf("%s%s: duplicate secret %s/%s", prefix, it, s.Namespace, s.Name)
			}
			set.byID[id] = s
		}
	}
	return set, nil
}

// cleanYAMLError returns err's message without a "yaml: " prefix, with
// anything it quotes from the input (an anchor name, a character, a value,
// which could be secret) replaced by '…' when longer than 3 bytes. YAML
// syntax errors otherwise name a line and a problem.
func cleanYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var b strings.Builder
	for len(msg) > 0 {
		i := strings.IndexAny(msg, "'`\"")
		if i < 0 {
			b.WriteString(msg)
			break
		}
		b.WriteString(msg[:i+1])
		q := msg[i]
		rest := msg[i+1:]
		j := strings.IndexByte(rest, q)
		if j < 0 {
			if len(rest) > 3 {
				rest = "…"
			}
			b.WriteString(rest)
			break
		}
		if j > 3 {
			b.WriteString("…")
		} else {
			b.WriteString(rest[:j])
		}
		b.WriteByte(q)
		msg = rest[j+1:]
	}
	return truncate(b.String())
}

// resolve follows an alias.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// field returns the value of key in mapping m, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Kind == yaml.ScalarNode {
			return m.Content[i+1]
		}
	}
	return nil
}

// topKind checks a top-level document's apiVersion and kind and returns the
// kind: Secret, List or SecretList.
func topKind(m *yaml.Node) (string, error) {
	kind, err := scalarField(m, "kind")
	if err != nil {
		return "", err
	}
	api, err := scalarField(m, "apiVersion")
	if err != nil {
		return "", err
	}
	switch {
	case kind != "Secret" && kind != "List" && kind != "SecretList":
		return "", fmt.Errorf("kind %q: want Secret, List or SecretList", truncate(kind))
	case api != "v1":
		return "", fmt.Errorf("apiVersion %q: want v1", truncate(api))
	}
	return kind, nil
}

// scalarField returns the string value of key in mapping m, "" when absent.
func scalarField(m *yaml.Node, key string) (string, error) {
	v := field(m, key)
	if v == nil {
		return "", nil
	}
	return str(key, resolve(v))
}

// str returns a string scalar's value. Like Kubernetes' decoding into a
// string field, it takes only strings: an unquoted true, 123 or null is an
// error (quote it). The error never contains the value.
func str(what string, n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", fmt.Errorf("line %d: %s: want a string (quote the value)", n.Line, what)
	}
	return n.Value, nil
}

// truncate shortens a non-secret value quoted in an error.
func truncate(s string) string {
	if len(s) > 160 {
		return strings.ToValidUTF8(s[:160], "") + "…"
	}
	return s
}

// parseSecret reads one Secret: apiVersion and kind (optional here, and
// then "v1" and "Secret"), metadata.name, metadata.namespace,
// metadata.deletionTimestamp, type, data (base64) and stringData. Other
// fields are ignored. A field given twice is an error.
func parseSecret(n *yaml.Node, it *item) (*Secret, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("want a Secret (a mapping)")
	}
	s := &Secret{}
	var data, stringData map[string]string
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key, err := str("field name", k)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fmt.Errorf("line %d: field %q given twice", k.Line, truncate(key))
		}
		seen[key] = true
		switch key {
		case "apiVersion":
			api, err := str(key, v)
			if err != nil {
				return nil, err
			}
			if api != "v1" {
				return nil, fmt.Errorf("line %d: apiVersion %q: want v1", v.Line, truncate(api))
			}
		case "kind":
			kind, err := str(key, v)
			if err != nil {
				return nil, err
			}
			if kind != "Secret" {
				return nil, fmt.Errorf("line %d: kind %q: want Secret", v.Line, truncate(kind))
			}
		case "metadata":
			if err := parseMetadata(v, s); err != nil {
				return nil, err
			}
			it.name = s.Namespace + "/" + s.Name
		case "type":
			if s.Type, err = str(key, v); err != nil {
				return nil, err
			}
		case "data":
			if data, err = stringMap(key, v); err != nil {
				return nil, err
			}
			for dk, dv := range data {
				b, err := base64.StdEncoding.DecodeString(dv)
				if err != nil {
					return nil, fmt.Errorf("data key %q: not valid base64", truncate(dk))
				}
				data[dk] = string(b)
			}
		case "stringData":
			if stringData, err = stringMap(key, v); err != nil {
				return nil, err
			}
		}
	}
	if s.Name == "" {
		return nil, errors.New("metadata.name is missing")
	}
	// As the Secret API does: stringData is merged over data.
	if data != nil || stringData != nil {
		s.Data = make(map[string]string, len(data)+len(stringData))
		for k, v := range data {
			s.Data[k] = v
		}
		for k, v := range stringData {
			s.Data[k] = v
		}
	}
	return s, nil
}

func parseMetadata(n *yaml.Node, s *Secret) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: metadata: want a mapping", n.Line)
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key, err := str("metadata field name", k)
		if err != nil {
			return err
		}
		if seen[key] {
			return fmt.Errorf("line %d: metadata.%s given twice", k.Line, truncate(key))
		}
		seen[key] = true
		switch key {
		case "name":
			if s.Name, err = str("metadata.name", v); err != nil {
				return err
			}
		case "namespace":
			if s.Namespace, err = str("metadata.namespace", v); err != nil {
				return err
			}
		case "deletionTimestamp":
			if v.ShortTag() == "!!null" {
				continue
			}
			ts, err := str("metadata.deletionTimestamp", v)
			if err != nil {
				return err
			}
			if s.DeletionTimestamp, err = time.Parse(time.RFC3339, ts); err != nil {
				return fmt.Errorf("line %d: metadata.deletionTimestamp: not RFC 3339", v.Line)
			}
		}
	}
	return nil
}

// stringMap reads a mapping of strings to strings (null is an empty map).
// Errors name keys, never values.
func stringMap(what string, n *yaml.Node) (map[string]string, error) {
	m := make(map[string]string)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return m, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s: want a mapping", n.Line, what)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key, err := str(what+" key", k)
		if err != nil {
			return nil, err
		}
		// Neither kind of error names the key: a key without a value, or
		// one with spaces, may well be a value typed without its key or
		// colon ("{s3cr3t}", "token-secret s3cr3t").
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			return nil, fmt.Errorf("line %d: %s: a key without a value (or an unquoted null)", k.Line, what)
		}
		if !validDataKey(key) {
			return nil, fmt.Errorf("line %d: %s: a key that is not 1 to 253 of [-._a-zA-Z0-9]", k.Line, what)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %d: %s key %q given twice", k.Line, what, truncate(key))
		}
		val, err := str(fmt.Sprintf("%s key %q", what, truncate(key)), v)
		if err != nil {
			return nil, err
		}
		m[key] = val
	}
	return m, nil
}

// checkSecret decides what becomes of a parsed Secret. A Secret of another
// type that is not named like a bootstrap token Secret in kube-system is
// skipped (keep false), so that a dump of kube-system's Secrets can serve
// as the file. A Secret of type bootstrap.kubernetes.io/token, or one named
// bootstrap-token-… in kube-system, must be a valid bootstrap token Secret;
// anything kube-apiserver would reject at request time whatever the clock
// says is an error here. Errors never contain a secret value.
func checkSecret(s *Secret) (id string, keep bool, err error) {
	idFromName, named := strings.CutPrefix(s.Name, SecretPrefix)
	named = named && s.Namespace == Namespace
	if s.Type != SecretType && !named {
		return "", false, nil
	}
	switch {
	case s.Type != SecretType:
		return "", false, fmt.Errorf("type %q: want %s", truncate(s.Type), SecretType)
	case s.Namespace != Namespace:
		return "", false, fmt.Errorf("namespace %q: want %s (kube-apiserver reads bootstrap tokens from there only)", truncate(s.Namespace), Namespace)
	case !named || !ValidTokenID(idFromName):
		return "", false, fmt.Errorf("name %q: want %s followed by 6 of [a-z0-9]", truncate(s.Name), SecretPrefix)
	case s.Data == nil:
		return "", false, errors.New("no data")
	case s.Data[TokenIDKey] != idFromName:
		return "", false, fmt.Errorf("%s does not match the name", TokenIDKey)
	case !validTokenSecret(s.Data[TokenSecretKey]):
		return "", false, fmt.Errorf("%s: want 16 of [a-z0-9]", TokenSecretKey)
	}
	if exp := s.Data[ExpirationKey]; exp != "" {
		if _, err := time.Parse(time.RFC3339, exp); err != nil {
			return "", false, fmt.Errorf("%s %q: not RFC 3339", ExpirationKey, truncate(exp))
		}
	}
	if _, err := Groups(s.Data[ExtraGroupsKey]); err != nil {
		return "", false, err
	}
	return idFromName, true, nil
}

// validDataKey reports whether key is a valid Secret data key, as the
// Kubernetes API requires: 1 to 253 of [-._a-zA-Z0-9].
func validDataKey(key string) bool {
	if len(key) == 0 || len(key) > 253 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}
