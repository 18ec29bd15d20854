package authconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// MaxConfigSize is the largest configuration, in bytes, that [Parse]
// and [Load] accept: 1 MiB.
const MaxConfigSize = 1 << 20

// Limits on the decoded document. A configuration is a few dozen nodes;
// these bound the work an input can cause, YAML aliases included (each
// alias counts as a copy of what it names).
const (
	cfgMaxNodes    = 1 << 18 // values, map entries and list items
	cfgMaxBytes    = 4 << 20 // bytes of all keys and scalars
	cfgMaxDepth    = 64      // nesting of maps and lists
	cfgMaxProblems = 10      // decoding problems listed in one error
)

// Parse decodes an AuthenticationConfiguration file, as
// kube-apiserver reads --authentication-config, and validates it with
// [AuthenticationConfiguration.ValidateStatic].
//
// data is YAML or, when its first character other than white space is
// "{", JSON. apiVersion must be [GroupV1], [GroupV1beta1] or
// [GroupV1alpha1] (they hold the same fields) and kind must be [Kind].
// Decoding is strict, as in kube-apiserver: unknown fields (names are
// case-sensitive), fields given twice and values of the wrong type are
// errors; YAML scalars are typed as Kubernetes' YAML 1.1 parser types them
// (an unquoted yes is a boolean, so it cannot be a string); null leaves a
// field at its zero value. Only the first YAML document is read. YAML
// anchors and aliases work; merge keys ("<<") do not. Input over
// [MaxConfigSize] is refused.
//
// On success the returned configuration is new and owned by the caller;
// CEL expressions in it are not compiled yet ([New] does that). Every
// error matches [ErrInvalidConfig]: a [*ConfigError] when validation
// fails, otherwise an error naming the line of each problem found (up to
// ten). Parse never panics and is safe for concurrent use.
func Parse(data []byte) (*AuthenticationConfiguration, error) {
	c, err := decodeConfig(data)
	if err != nil {
		return nil, err
	}
	if err := c.ValidateStatic(); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads the file at path (at most [MaxConfigSize] bytes) and
// parses it with [Parse].
//
// An error reading the file wraps the [os] error, so errors.Is(err,
// fs.ErrNotExist) works, and does not match [ErrInvalidConfig]; every
// other error does, names path, and wraps what Parse returned (a
// [*ConfigError] stays reachable with [errors.As]).
func Load(path string) (*AuthenticationConfiguration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("authconfig: read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("authconfig: read config: %w", err)
	}
	if len(data) > MaxConfigSize {
		return nil, &configDecodeError{path: path, problems: []string{configTooLarge()}}
	}
	c, err := Parse(data)
	if err != nil {
		if de, ok := errors.AsType[*configDecodeError](err); ok {
			de.path = path // de is ours, freshly made by Parse
			return nil, de
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, path, err)
	}
	return c, nil
}

// configTooLarge is the problem reported for input over MaxConfigSize.
func configTooLarge() string { return fmt.Sprintf("larger than %d bytes", MaxConfigSize) }

// configDecodeError reports why a configuration could not be decoded. It
// matches ErrInvalidConfig.
type configDecodeError struct {
	path     string   // file, when known
	problems []string // "line 3: unknown field ..."
}

func (e *configDecodeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidConfig.Error())
	b.WriteString(": ")
	if e.path != "" {
		b.WriteString(e.path)
		b.WriteString(": ")
	}
	b.WriteString(strings.Join(e.problems, "; "))
	return b.String()
}

func (e *configDecodeError) Is(target error) bool { return target == ErrInvalidConfig }

// decodeConfig turns data into a configuration without validating it.
func decodeConfig(data []byte) (*AuthenticationConfiguration, error) {
	if len(data) > MaxConfigSize {
		return nil, &configDecodeError{problems: []string{configTooLarge()}}
	}
	var (
		root *cfgNode
		err  error
	)
	trimmed := bytes.TrimLeftFunc(data, unicode.IsSpace)
	switch {
	case len(trimmed) == 0:
		return nil, &configDecodeError{problems: []string{"empty config data"}}
	case trimmed[0] == '{':
		// kube-apiserver decodes a document that starts with "{" as JSON,
		// not as YAML; so do we (tab-indented JSON is not valid YAML).
		root, err = parseConfigJSON(data)
	default:
		root, err = parseConfigYAML(data)
	}
	if err != nil {
		return nil, &configDecodeError{problems: []string{err.Error()}}
	}
	d := &cfgDecoder{}
	c := d.config(root)
	if len(d.problems) > 0 {
		ps := d.problems
		if len(ps) > cfgMaxProblems {
			ps = append(ps[:cfgMaxProblems:cfgMaxProblems], fmt.Sprintf("and %d more", len(d.problems)-cfgMaxProblems))
		}
		return nil, &configDecodeError{problems: ps}
	}
	return c, nil
}

// The document tree: what a YAML or JSON document says, with the line of
// each value, before it is matched against the configuration types.

type cfgNodeKind uint8

const (
	cfgNull cfgNodeKind = iota
	cfgBool
	cfgNumber
	cfgString
	cfgList
	cfgMap
)

func (k cfgNodeKind) String() string {
	switch k {
	case cfgNull:
		return "null"
	case cfgBool:
		return "a boolean"
	case cfgNumber:
		return "a number"
	case cfgString:
		return "a string"
	case cfgList:
		return "a list"
	default:
		return "an object"
	}
}

type cfgNode struct {
	kind    cfgNodeKind
	line    int
	text    string     // scalars: the string, the number's literal, the boolean as written
	boolean bool       // boolNode
	items   []*cfgNode // listNode
	entries []cfgEntry // mapNode, in document order, repeats kept
}

type cfgEntry struct {
	key  string
	line int
	val  *cfgNode
}

// cfgBudget counts nodes and scalar bytes as a tree is built.
type cfgBudget struct {
	nodes, bytes int
}

var errConfigTooBig = fmt.Errorf("document too large: over %d values or %d bytes of text, counting each alias as a copy of what it names", cfgMaxNodes, cfgMaxBytes)

func (b *cfgBudget) spend(nodes, bytes int) error {
	b.nodes += nodes
	b.bytes += bytes
	if b.nodes > cfgMaxNodes || b.bytes > cfgMaxBytes {
		return errConfigTooBig
	}
	return nil
}

// parseConfigYAML builds the tree of the first YAML document in data.
func parseConfigYAML(data []byte) (root *cfgNode, err error) {
	var doc yaml.Node
	if err := unmarshalConfigYAML(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("empty config data")
	}
	b := &cfgYAMLBuilder{memo: make(map[*yaml.Node]*cfgYAMLBuilt)}
	return b.build(doc.Content[0], 0)
}

// unmarshalConfigYAML runs the YAML parser, turning a panic inside it (a parser
// bug, which input must never be able to turn into a crash) into an error.
func unmarshalConfigYAML(data []byte, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	if err := yaml.Unmarshal(data, doc); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

type cfgYAMLBuilder struct {
	cfgBudget
	memo map[*yaml.Node]*cfgYAMLBuilt // anchored nodes already built, for aliases
}

type cfgYAMLBuilt struct {
	n            *cfgNode // nil while being built: an alias to it is recursive
	nodes, bytes int      // what building it cost, charged again per alias
}

func (b *cfgYAMLBuilder) build(y *yaml.Node, depth int) (*cfgNode, error) {
	if depth > cfgMaxDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", y.Line, cfgMaxDepth)
	}
	if y.Kind == yaml.AliasNode {
		t := y.Alias
		if t == nil {
			return nil, fmt.Errorf("line %d: unknown alias %q", y.Line, y.Value)
		}
		built, ok := b.memo[t]
		if !ok {
			// Anchors precede their aliases, so the parser always hands
			// us the anchored node first; build it now all the same.
			n, err := b.build(t, depth)
			if err != nil {
				return nil, err
			}
			built = b.memo[t]
			if built == nil || built.n != n {
				return nil, fmt.Errorf("line %d: alias %q cannot be resolved", y.Line, y.Value)
			}
		}
		if built.n == nil {
			return nil, fmt.Errorf("line %d: alias %q refers to a value that contains it", y.Line, y.Value)
		}
		if err := b.spend(built.nodes, built.bytes); err != nil {
			return nil, err
		}
		return built.n, nil
	}

	var rec *cfgYAMLBuilt
	startNodes, startBytes := b.nodes, b.bytes
	if y.Anchor != "" {
		rec = &cfgYAMLBuilt{}
		b.memo[y] = rec
	}
	n, err := b.buildValue(y, depth)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		rec.n, rec.nodes, rec.bytes = n, b.nodes-startNodes, b.bytes-startBytes
	}
	return n, nil
}

// YAML 1.1 booleans: Kubernetes reads YAML with a 1.1 parser, which types
// these plain scalars as booleans; YAML 1.2 (our parser) reads them as
// strings.
func yaml11Boolean(s string) (value, ok bool) {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

func (b *cfgYAMLBuilder) buildValue(y *yaml.Node, depth int) (*cfgNode, error) {
	if err := b.spend(1, 0); err != nil {
		return nil, err
	}
	n := &cfgNode{line: y.Line}
	switch y.Kind {
	case yaml.ScalarNode:
		if err := b.spend(0, len(y.Value)); err != nil {
			return nil, err
		}
		n.text = y.Value
		switch y.Tag {
		case "!!null":
			n.kind = cfgNull
		case "!!bool":
			n.kind = cfgBool
			v, err := strconv.ParseBool(y.Value)
			if err != nil {
				return nil, fmt.Errorf("line %d: invalid boolean %q", y.Line, y.Value)
			}
			n.boolean = v
		case "!!int", "!!float":
			n.kind = cfgNumber
		case "!!str", "!!timestamp":
			n.kind = cfgString
			if y.Style == 0 { // plain: neither quoted, block nor explicitly tagged
				if v, ok := yaml11Boolean(y.Value); ok {
					n.kind, n.boolean = cfgBool, v
				}
			}
		default:
			return nil, fmt.Errorf("line %d: unsupported YAML tag %q", y.Line, y.Tag)
		}
	case yaml.SequenceNode:
		n.kind = cfgList
		n.items = make([]*cfgNode, 0, len(y.Content))
		for _, c := range y.Content {
			item, err := b.build(c, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
	case yaml.MappingNode:
		n.kind = cfgMap
		n.entries = make([]cfgEntry, 0, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a string", k.Line)
			}
			if k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			if err := b.spend(1, len(k.Value)); err != nil {
				return nil, err
			}
			val, err := b.build(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.entries = append(n.entries, cfgEntry{key: k.Value, line: k.Line, val: val})
		}
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", y.Line)
	}
	return n, nil
}

// parseConfigJSON builds the tree of a JSON document: exactly one value, nothing
// after it but white space.
func parseConfigJSON(data []byte) (*cfgNode, error) {
	p := &cfgJSONParser{data: data, line: 1}
	p.dec = json.NewDecoder(bytes.NewReader(data))
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		return nil, p.wrap(err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("invalid data after the top-level value")
		}
		return nil, p.wrap(err)
	}
	return root, nil
}

type cfgJSONParser struct {
	cfgBudget
	dec  *json.Decoder
	data []byte
	off  int // input offset line was computed for
	line int // line number at off
}

// lineAt returns the line holding offset off; offsets only grow.
func (p *cfgJSONParser) lineAt(off int) int {
	off = min(off, len(p.data))
	if off > p.off {
		p.line += bytes.Count(p.data[p.off:off], []byte{'\n'})
		p.off = off
	}
	return p.line
}

// wrap adds the line to a JSON error that lacks one.
func (p *cfgJSONParser) wrap(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("line %d: unexpected end of JSON input", p.lineAt(len(p.data)))
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("line %d: %s", p.lineAt(int(se.Offset)), se.Error())
	}
	if strings.HasPrefix(err.Error(), "line ") || err == errConfigTooBig {
		return err
	}
	return fmt.Errorf("line %d: %w", p.lineAt(int(p.dec.InputOffset())), err)
}

func (p *cfgJSONParser) value(depth int) (*cfgNode, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	if err := p.spend(1, 0); err != nil {
		return nil, err
	}
	n := &cfgNode{line: p.lineAt(int(p.dec.InputOffset()))}
	switch t := tok.(type) {
	case nil:
		n.kind = cfgNull
	case bool:
		n.kind, n.boolean, n.text = cfgBool, t, strconv.FormatBool(t)
	case json.Number:
		n.kind, n.text = cfgNumber, t.String()
	case string:
		if err := p.spend(0, len(t)); err != nil {
			return nil, err
		}
		n.kind, n.text = cfgString, t
	case json.Delim:
		if depth >= cfgMaxDepth {
			return nil, fmt.Errorf("line %d: nested more than %d levels deep", n.line, cfgMaxDepth)
		}
		switch t {
		case '[':
			n.kind = cfgList
			for p.dec.More() {
				item, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, item)
			}
		case '{':
			n.kind = cfgMap
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				if err := p.spend(1, len(key)); err != nil {
					return nil, err
				}
				line := p.lineAt(int(p.dec.InputOffset()))
				val, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.entries = append(n.entries, cfgEntry{key: key, line: line, val: val})
			}
		default:
			return nil, fmt.Errorf("unexpected %q", t)
		}
		// The closing delimiter.
		if _, err := p.dec.Token(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// cfgDecoder matches a document tree against the configuration types,
// collecting every problem: unknown field, repeated field, wrong type.
type cfgDecoder struct {
	problems []string
}

func (d *cfgDecoder) problem(line int, format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

func (d *cfgDecoder) wrongType(n *cfgNode, path, want string) {
	d.problem(n.line, "%s: expected %s, got %s", path, want, describeNode(n))
}

func describeNode(n *cfgNode) string {
	switch n.kind {
	case cfgBool:
		return "the boolean " + n.text
	case cfgNumber:
		return "the number " + n.text
	}
	return n.kind.String()
}

// object walks the entries of a map node, reporting repeated keys and the
// keys field does not know. A null node is an absent object.
func (d *cfgDecoder) object(n *cfgNode, path string, field func(key string, v *cfgNode, path string) bool) {
	switch n.kind {
	case cfgNull:
		return
	case cfgMap:
	default:
		where := path
		if where == "" {
			where = "configuration"
		}
		d.wrongType(n, where, "an object")
		return
	}
	seen := make(map[string]int, len(n.entries))
	for _, e := range n.entries {
		p := pathChild(path, e.key)
		if first, dup := seen[e.key]; dup {
			d.problem(e.line, "duplicate field %q (first set on line %d)", p, first)
			continue
		}
		seen[e.key] = e.line
		if !field(e.key, e.val, p) {
			d.problem(e.line, "unknown field %q", p)
		}
	}
}

// decodeList decodes a list node with elem; null is a nil slice, [] an empty
// one.
func decodeList[T any](d *cfgDecoder, n *cfgNode, path string, elem func(n *cfgNode, path string, out *T)) []T {
	switch n.kind {
	case cfgNull:
		return nil
	case cfgList:
	default:
		d.wrongType(n, path, "a list")
		return nil
	}
	out := make([]T, len(n.items))
	for i, item := range n.items {
		elem(item, pathIndex(path, i), &out[i])
	}
	return out
}

func (d *cfgDecoder) str(n *cfgNode, path string, out *string) {
	switch n.kind {
	case cfgNull:
	case cfgString:
		*out = n.text
	case cfgBool:
		if _, ok := yaml11Boolean(n.text); ok {
			d.problem(n.line, "%s: expected a string, got the boolean %s (Kubernetes reads YAML 1.1, where it is a boolean: quote it)", path, n.text)
			return
		}
		d.wrongType(n, path, "a string")
	default:
		d.wrongType(n, path, "a string")
	}
}

func (d *cfgDecoder) strPtr(n *cfgNode, path string, out **string) {
	if n.kind == cfgNull {
		*out = nil
		return
	}
	var s string
	d.str(n, path, &s)
	*out = &s
}

func (d *cfgDecoder) boolean(n *cfgNode, path string, out *bool) {
	switch n.kind {
	case cfgNull:
	case cfgBool:
		*out = n.boolean
	default:
		d.wrongType(n, path, "a boolean")
	}
}

func (d *cfgDecoder) config(n *cfgNode) *AuthenticationConfiguration {
	c := &AuthenticationConfiguration{}
	if n.kind != cfgMap {
		d.problem(n.line, "expected an %s object, got %s", Kind, describeNode(n))
		return nil
	}
	// kube-apiserver looks at the type first and reads nothing else of a
	// document it cannot place.
	var apiVersion, kind *cfgNode
	for _, e := range n.entries {
		switch e.key {
		case "apiVersion":
			apiVersion = e.val
		case "kind":
			kind = e.val
		}
	}
	if !d.typeMeta(n, apiVersion, kind) {
		return nil
	}
	d.object(n, "", func(k string, v *cfgNode, p string) bool {
		switch k {
		case "apiVersion":
			d.str(v, p, &c.APIVersion)
		case "kind":
			d.str(v, p, &c.Kind)
		case "jwt":
			c.JWT = decodeList(d, v, p, d.jwt)
		case "anonymous":
			if v.kind == cfgNull {
				c.Anonymous = nil
				break
			}
			c.Anonymous = &AnonymousConfig{}
			d.anonymous(v, p, c.Anonymous)
		default:
			return false
		}
		return true
	})
	return c
}

// typeMeta checks apiVersion and kind, reporting problems; it reports
// whether decoding may go on.
func (d *cfgDecoder) typeMeta(root, apiVersion, kind *cfgNode) bool {
	ok := true
	switch {
	case apiVersion == nil || apiVersion.kind == cfgNull || apiVersion.kind == cfgString && apiVersion.text == "":
		d.problem(root.line, "apiVersion is required: want %s, %s or %s", GroupV1, GroupV1beta1, GroupV1alpha1)
		ok = false
	case apiVersion.kind != cfgString:
		d.wrongType(apiVersion, "apiVersion", "a string")
		ok = false
	case apiVersion.text != GroupV1 && apiVersion.text != GroupV1beta1 && apiVersion.text != GroupV1alpha1:
		d.problem(apiVersion.line, "apiVersion %q is not supported: want %s, %s or %s", apiVersion.text, GroupV1, GroupV1beta1, GroupV1alpha1)
		ok = false
	}
	switch {
	case kind == nil || kind.kind == cfgNull || kind.kind == cfgString && kind.text == "":
		d.problem(root.line, "kind is required: want %s", Kind)
		ok = false
	case kind.kind != cfgString:
		d.wrongType(kind, "kind", "a string")
		ok = false
	case kind.text != Kind:
		d.problem(kind.line, "kind %q is not supported: want %s", kind.text, Kind)
		ok = false
	}
	return ok
}

func (d *cfgDecoder) anonymous(n *cfgNode, path string, a *AnonymousConfig) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "enabled":
			d.boolean(v, p, &a.Enabled)
		case "conditions":
			a.Conditions = decodeList(d, v, p, d.anonymousCondition)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) anonymousCondition(n *cfgNode, path string, c *AnonymousCondition) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		if k != "path" {
			return false
		}
		d.str(v, p, &c.Path)
		return true
	})
}

func (d *cfgDecoder) jwt(n *cfgNode, path string, j *JWT) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "issuer":
			d.issuer(v, p, &j.Issuer)
		case "claimValidationRules":
			j.ClaimValidationRules = decodeList(d, v, p, d.claimValidationRule)
		case "claimMappings":
			d.claimMappings(v, p, &j.ClaimMappings)
		case "userValidationRules":
			j.UserValidationRules = decodeList(d, v, p, d.userValidationRule)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) issuer(n *cfgNode, path string, is *Issuer) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "url":
			d.str(v, p, &is.URL)
		case "discoveryURL":
			d.str(v, p, &is.DiscoveryURL)
		case "certificateAuthority":
			d.str(v, p, &is.CertificateAuthority)
		case "audiences":
			is.Audiences = decodeList(d, v, p, d.str)
		case "audienceMatchPolicy":
			var s string
			d.str(v, p, &s)
			is.AudienceMatchPolicy = AudienceMatchPolicy(s)
		case "egressSelectorType":
			d.str(v, p, &is.EgressSelectorType)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) claimValidationRule(n *cfgNode, path string, r *ClaimValidationRule) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "claim":
			d.str(v, p, &r.Claim)
		case "requiredValue":
			d.str(v, p, &r.RequiredValue)
		case "expression":
			d.str(v, p, &r.Expression)
		case "message":
			d.str(v, p, &r.Message)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) claimMappings(n *cfgNode, path string, m *ClaimMappings) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "username":
			d.prefixed(v, p, &m.Username)
		case "groups":
			d.prefixed(v, p, &m.Groups)
		case "uid":
			d.claimOrExpression(v, p, &m.UID)
		case "extra":
			m.Extra = decodeList(d, v, p, d.extraMapping)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) prefixed(n *cfgNode, path string, m *PrefixedClaimOrExpression) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "claim":
			d.str(v, p, &m.Claim)
		case "prefix":
			d.strPtr(v, p, &m.Prefix)
		case "expression":
			d.str(v, p, &m.Expression)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) claimOrExpression(n *cfgNode, path string, m *ClaimOrExpression) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "claim":
			d.str(v, p, &m.Claim)
		case "expression":
			d.str(v, p, &m.Expression)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) extraMapping(n *cfgNode, path string, m *ExtraMapping) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "key":
			d.str(v, p, &m.Key)
		case "valueExpression":
			d.str(v, p, &m.ValueExpression)
		default:
			return false
		}
		return true
	})
}

func (d *cfgDecoder) userValidationRule(n *cfgNode, path string, r *UserValidationRule) {
	d.object(n, path, func(k string, v *cfgNode, p string) bool {
		switch k {
		case "expression":
			d.str(v, p, &r.Expression)
		case "message":
			d.str(v, p, &r.Message)
		default:
			return false
		}
		return true
	})
}
