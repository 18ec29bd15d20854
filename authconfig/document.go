package authconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Limits on a YAML document, counting each alias as a copy of what it
// names. A configuration is a few dozen values; these bound the work an
// input can cause before it is converted to JSON.
const (
	maxNodes = 1 << 18 // values, keys and list items
	maxText  = 4 << 20 // bytes of all keys and scalars
	maxDepth = 64      // nesting of maps and lists
)

// document is a configuration being decoded: the JSON that
// sigs.k8s.io/json decodes, and what finds a field path in the text the
// user wrote, so that errors name lines.
type document struct {
	json []byte
	// yaml is the YAML input's top-level value, as go.yaml.in/yaml/v3
	// parses it; nil for JSON input.
	yaml *yamlv3.Node
	// JSON input only: where its top-level value starts, and the index of
	// its values, made when first needed.
	root   int
	values []jsonValue
}

// jsonDocument is JSON input whose top-level value starts at offset root.
func jsonDocument(data []byte, root int) *document {
	return &document{json: data, root: root}
}

// yamlDocument parses YAML input with go.yaml.in/yaml/v3, checks it (see
// yamlChecker) and converts it to JSON with sigs.k8s.io/yaml, as
// kube-apiserver does.
func yamlDocument(data []byte) (*document, []problem) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, []problem{{msg: err.Error()}}
	}
	c := yamlChecker{anchors: make(map[*yamlv3.Node]*yamlCost)}
	if _, p := c.check(root, 0, nil); p != nil {
		return nil, []problem{*p}
	}
	if len(c.repeated) > 0 {
		return nil, c.repeated
	}
	js, err := yamlToJSON(data)
	if err != nil {
		return nil, []problem{{msg: err.Error()}}
	}
	return &document{json: js, yaml: root}, nil
}

// parseYAML returns the top-level value of the first YAML document in
// data. A panic in the parser (a bug, which input must never be able to
// turn into a crash) is an error.
func parseYAML(data []byte) (root *yamlv3.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind != yamlv3.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("empty config data")
	}
	return doc.Content[0], nil
}

// yamlToJSON converts the first YAML document in data to JSON with YAML
// 1.1 semantics, refusing repeated keys. A panic in the converter is an
// error.
func yamlToJSON(data []byte) (js []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	js, err = yaml.YAMLToJSONStrict(data)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, errors.New(strings.Join(strings.Fields(msg), " "))
	}
	return js, nil
}

// yamlChecker walks a YAML document before it is converted to JSON,
// refusing what the conversion must not see: more than maxNodes values or
// maxText bytes of text, or nesting deeper than maxDepth, aliases expanded
// (an alias bomb); an alias to a value that contains it; merge keys, whose
// fields could not be traced to a line; keys that are not strings; tags
// other than YAML's standard ones. It also collects repeated keys, each
// with the line where it was first set.
type yamlChecker struct {
	nodes, text int
	anchors     map[*yamlv3.Node]*yamlCost // anchored values seen so far
	repeated    []problem
}

// yamlCost is what an anchored value costs, charged again for each alias
// to it.
type yamlCost struct {
	nodes, text, height int
	done                bool // false while the value itself is being checked
}

// yamlPath is a field path as the checker walks it, spelled out only for
// an error.
type yamlPath struct {
	parent *yamlPath
	key    string
	index  int // for a list item; key is then ""
}

func (p *yamlPath) String() string {
	if p == nil {
		return ""
	}
	if p.key == "" {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	return pathChild(p.parent.String(), p.key)
}

// scalarTag reports whether a scalar may have tag: YAML's standard scalar
// types.
func scalarTag(tag string) bool {
	switch tag {
	case "!!null", "!!bool", "!!int", "!!float", "!!str", "!!timestamp":
		return true
	}
	return false
}

func yamlProblem(n *yamlv3.Node, format string, args ...any) *problem {
	return &problem{line: n.Line, col: n.Column, msg: fmt.Sprintf(format, args...)}
}

// check walks n, found at depth under path, and returns the height of the
// tree it holds, aliases expanded.
func (c *yamlChecker) check(n *yamlv3.Node, depth int, path *yamlPath) (int, *problem) {
	if depth > maxDepth {
		return 0, yamlProblem(n, "nested more than %d levels deep", maxDepth)
	}
	if n.Kind == yamlv3.AliasNode {
		cost := c.anchors[n.Alias]
		switch {
		case cost == nil:
			// The parser resolves every alias to an anchor it has
			// already read; this one is not in the tree walked.
			return 0, yamlProblem(n, "alias %q cannot be resolved", n.Value)
		case !cost.done:
			return 0, yamlProblem(n, "alias %q refers to a value that contains it", n.Value)
		case depth+cost.height > maxDepth:
			return 0, yamlProblem(n, "nested more than %d levels deep", maxDepth)
		}
		return cost.height, c.spend(n, cost.nodes, cost.text)
	}
	var cost *yamlCost
	nodes, text := c.nodes, c.text
	if n.Anchor != "" {
		cost = &yamlCost{}
		c.anchors[n] = cost
	}
	height, p := c.checkValue(n, depth, path)
	if p != nil {
		return 0, p
	}
	if cost != nil {
		*cost = yamlCost{nodes: c.nodes - nodes, text: c.text - text, height: height, done: true}
	}
	return height, nil
}

func (c *yamlChecker) spend(n *yamlv3.Node, nodes, text int) *problem {
	c.nodes += nodes
	c.text += text
	if c.nodes > maxNodes || c.text > maxText {
		return yamlProblem(n, "document too large: over %d values or %d bytes of text, counting each alias as a copy of what it names", maxNodes, maxText)
	}
	return nil
}

func (c *yamlChecker) checkValue(n *yamlv3.Node, depth int, path *yamlPath) (int, *problem) {
	if p := c.spend(n, 1, len(n.Value)); p != nil {
		return 0, p
	}
	switch n.Kind {
	case yamlv3.ScalarNode:
		if !scalarTag(n.Tag) {
			return 0, yamlProblem(n, "unsupported YAML tag %q", n.Tag)
		}
		return 0, nil
	case yamlv3.SequenceNode:
		if n.Tag != "!!seq" {
			return 0, yamlProblem(n, "unsupported YAML tag %q", n.Tag)
		}
		height := 0
		for i, item := range n.Content {
			h, p := c.check(item, depth+1, &yamlPath{parent: path, index: i})
			if p != nil {
				return 0, p
			}
			height = max(height, h)
		}
		return height + 1, nil
	case yamlv3.MappingNode:
		if n.Tag != "!!map" {
			return 0, yamlProblem(n, "unsupported YAML tag %q", n.Tag)
		}
		height := 0
		first := make(map[string]*yamlv3.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Kind != yamlv3.ScalarNode || k.Tag == "!!null":
				return 0, yamlProblem(k, "a key must be a string")
			case k.Tag == "!!merge":
				return 0, yamlProblem(k, "merge keys (<<) are not supported")
			}
			if _, p := c.check(k, depth+1, path); p != nil {
				return 0, p
			}
			child := &yamlPath{parent: path, key: k.Value}
			if f := first[k.Value]; f != nil {
				c.repeated = append(c.repeated, *yamlProblem(k, "duplicate field %q (first set on line %d)", child, f.Line))
				continue
			}
			first[k.Value] = k
			h, p := c.check(v, depth+1, child)
			if p != nil {
				return 0, p
			}
			height = max(height, h)
		}
		return height + 1, nil
	}
	return 0, yamlProblem(n, "unexpected YAML node")
}

// findYAML returns the key and the value at path (as sigs.k8s.io/json
// spells it) in the YAML document, following aliases; key is nil for a
// list item and for the root. When path leads nowhere, found is false and
// the pair is the last one on its way.
func (d *document) findYAML(path string) (key, val *yamlv3.Node, found bool) {
	val = d.yaml
	for path != "" {
		for val.Kind == yamlv3.AliasNode && val.Alias != nil {
			val = val.Alias
		}
		if rest, ok := strings.CutPrefix(path, "["); ok {
			num, rest, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || val.Kind != yamlv3.SequenceNode || i < 0 || i >= len(val.Content) {
				return key, val, false
			}
			key, val, path = nil, val.Content[i], rest
			continue
		}
		path = strings.TrimPrefix(path, ".")
		if val.Kind != yamlv3.MappingNode {
			return key, val, false
		}
		// The longest key that path starts with: a key may hold a dot.
		best := -1
		for i := 0; i+1 < len(val.Content); i += 2 {
			k := val.Content[i].Value
			rest, ok := strings.CutPrefix(path, k)
			if ok && (rest == "" || rest[0] == '.' || rest[0] == '[') && (best < 0 || len(k) > len(val.Content[best].Value)) {
				best = i
			}
		}
		if best < 0 {
			return key, val, false
		}
		key, val = val.Content[best], val.Content[best+1]
		path = path[len(key.Value):]
	}
	for val.Kind == yamlv3.AliasNode && val.Alias != nil {
		val = val.Alias
	}
	return key, val, true
}

// yamlScalar returns the text and tag of the YAML scalar at path, as
// go.yaml.in/yaml/v3 (YAML 1.2) reads it.
func (d *document) yamlScalar(path string) (value, tag string, ok bool) {
	if d.yaml == nil {
		return "", "", false
	}
	_, n, found := d.findYAML(path)
	if !found || n.Kind != yamlv3.ScalarNode {
		return "", "", false
	}
	return n.Value, n.Tag, true
}

// at returns a problem placed at the value at path, or at its key when
// key is set and it has one.
func (d *document) at(path string, key bool, msg string) problem {
	if d.yaml != nil {
		k, n, _ := d.findYAML(path)
		if key && k != nil {
			n = k
		}
		return problem{line: n.Line, col: n.Column, msg: msg}
	}
	off := d.root
	for _, v := range d.jsonValues() {
		if v.path == path {
			off = v.start
			if key && v.key >= 0 {
				off = v.key
			}
			break
		}
	}
	p := d.offsetPos(off)
	p.msg = msg
	return p
}

// repeatedJSON returns where the key of the value at path is first set,
// and where again, in JSON input.
func (d *document) repeatedJSON(path string) (first, again int, ok bool) {
	n := 0
	for _, v := range d.jsonValues() {
		if v.path != path || v.key < 0 {
			continue
		}
		if n++; n == 1 {
			first = v.key
		} else {
			return first, v.key, true
		}
	}
	return 0, 0, false
}

// jsonValues indexes JSON input once.
func (d *document) jsonValues() []jsonValue {
	if d.values == nil {
		d.values = indexJSON(d.json)
	}
	return d.values
}

// offsetPos returns a problem placed at offset off of JSON input; for YAML
// input, whose JSON is not what the user wrote, one not placed.
func (d *document) offsetPos(off int) problem {
	if d.yaml != nil {
		return problem{}
	}
	off = min(max(off, 0), len(d.json))
	before := d.json[:off]
	return problem{line: bytes.Count(before, []byte{'\n'}) + 1, col: off - bytes.LastIndexByte(before, '\n')}
}

// jsonValue is where one value is in a JSON document.
type jsonValue struct {
	path       string // as sigs.k8s.io/json spells it, "jwt[0].issuer.url"; "" for the root
	key        int    // offset of the key naming the value; -1 for a list item and the root
	start, end int    // the value's bytes
}

// indexJSON lists the values of data, a JSON document, in document order
// (a container before what it holds), as far as data is valid JSON.
func indexJSON(data []byte) []jsonValue {
	x := jsonIndexer{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	x.dec.UseNumber()
	x.value("", -1)
	return x.out
}

// valueAt returns the innermost value that contains offset off, or ends
// there: where sigs.k8s.io/json reports a value of the wrong type (just
// inside a list or an object, at the end of anything else).
func valueAt(values []jsonValue, off int64) jsonValue {
	var found jsonValue
	for _, v := range values {
		if int64(v.start) < off && off <= int64(v.end) {
			found = v
		}
	}
	return found
}

type jsonIndexer struct {
	dec  *json.Decoder
	data []byte
	out  []jsonValue
}

// next returns the offset of the next token.
func (x *jsonIndexer) next() int {
	off := int(x.dec.InputOffset())
	for off < len(x.data) && strings.IndexByte(" \t\r\n:,", x.data[off]) >= 0 {
		off++
	}
	return off
}

func (x *jsonIndexer) value(path string, key int) bool {
	start := x.next()
	tok, err := x.dec.Token()
	if err != nil {
		return false
	}
	i := len(x.out)
	x.out = append(x.out, jsonValue{path: path, key: key, start: start})
	switch tok {
	case json.Delim('['):
		for n := 0; x.dec.More(); n++ {
			if !x.value(pathIndex(path, n), -1) {
				return false
			}
		}
	case json.Delim('{'):
		for x.dec.More() {
			k := x.next()
			name, err := x.dec.Token()
			s, ok := name.(string)
			if err != nil || !ok || !x.value(pathChild(path, s), k) {
				return false
			}
		}
	}
	if tok == json.Delim('[') || tok == json.Delim('{') {
		if _, err := x.dec.Token(); err != nil {
			return false
		}
	}
	x.out[i].end = int(x.dec.InputOffset())
	return true
}
