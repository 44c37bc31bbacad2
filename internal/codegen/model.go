// Package codegen turns the botocore-format service model (plus the
// overlay in model/overlay.json) into the Go code of internal/api: shapes,
// enums, validators, exceptions, the operation table, and the Service
// interface. It fails on any model construct it does not handle, so that
// nothing in the model is silently dropped.
package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Model is the subset of botocore's service-2.json format that the
// Clean Rooms model uses. Decoding rejects unknown keys on purpose.
type Model struct {
	Version    string                `json:"version"`
	Metadata   map[string]any        `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Operation is one API operation.
type Operation struct {
	Name       string     `json:"name"`
	HTTP       HTTP       `json:"http"`
	Input      *ShapeRef  `json:"input"`
	Output     *ShapeRef  `json:"output"`
	Errors     []ShapeRef `json:"errors"`
	Readonly   bool       `json:"readonly"`
	Idempotent bool       `json:"idempotent"`
}

// HTTP is an operation's HTTP binding.
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode"`
}

// ShapeRef refers to a shape, with the member's HTTP location if any.
type ShapeRef struct {
	Shape        string `json:"shape"`
	Location     string `json:"location,omitempty"`
	LocationName string `json:"locationName,omitempty"`
	Box          bool   `json:"box,omitempty"`
	// Deprecated members are generated like any other (clients may still
	// send them).
	Deprecated        bool   `json:"deprecated,omitempty"`
	DeprecatedMessage string `json:"deprecatedMessage,omitempty"`
}

// Shape is a named type of the model.
type Shape struct {
	Type      string               `json:"type"`
	Members   map[string]*ShapeRef `json:"members,omitempty"`
	Required  []string             `json:"required,omitempty"`
	Member    *ShapeRef            `json:"member,omitempty"`
	Key       *ShapeRef            `json:"key,omitempty"`
	Value     *ShapeRef            `json:"value,omitempty"`
	Min       *float64             `json:"min,omitempty"`
	Max       *float64             `json:"max,omitempty"`
	Pattern   string               `json:"pattern,omitempty"`
	Enum      []string             `json:"enum,omitempty"`
	Union     bool                 `json:"union,omitempty"`
	Box       bool                 `json:"box,omitempty"`
	Exception bool                 `json:"exception,omitempty"`
	Fault     bool                 `json:"fault,omitempty"`
	Sensitive bool                 `json:"sensitive,omitempty"`
	Document  bool                 `json:"document,omitempty"`
	// TimestampFormat is only accepted on shapes no generated operation
	// reaches (check rejects it otherwise).
	TimestampFormat string `json:"timestampFormat,omitempty"`
	Error           *struct {
		HTTPStatusCode int  `json:"httpStatusCode"`
		SenderFault    bool `json:"senderFault"`
	} `json:"error,omitempty"`

	name string
}

// isJSONProtocol reports whether the model is an awsJson (RPC) service.
func isJSONProtocol(m *Model) bool { return m.Metadata["protocol"] == "json" }

// IsRequired reports whether member is required in the structure.
func (s *Shape) IsRequired(member string) bool {
	for _, r := range s.Required {
		if r == member {
			return true
		}
	}
	return false
}

// SortedMembers returns the member names in a stable (sorted) order.
func (s *Shape) SortedMembers() []string {
	names := make([]string, 0, len(s.Members))
	for n := range s.Members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Overlay is model/overlay.json: additions from newer SDKs and pattern
// translations for the patterns RE2 cannot compile as written.
type Overlay struct {
	Comment    string                          `json:"comment"`
	Shapes     map[string]*Shape               `json:"shapes"`
	Members    map[string]map[string]*ShapeRef `json:"members"`
	EnumValues map[string][]string             `json:"enumValues"`
	Patterns   map[string]PatternFix           `json:"patterns"`
	// Package is the Go package generated ("api" when empty).
	Package string `json:"package,omitempty"`
	// Operations, when set, are the only operations generated: the model
	// is pruned to them and the shapes they reach (plus KeepShapes), so a
	// large model can be vendored whole and served in part.
	Operations []string `json:"operations,omitempty"`
	// KeepShapes are kept although no generated operation reaches them
	// (errors the protocol runtime raises, such as ValidationException).
	KeepShapes []string `json:"keepShapes,omitempty"`
	// DropConstraints removes constraints the model states but AWS
	// demonstrably does not enforce.
	DropConstraints map[string]struct {
		Constraints []string `json:"constraints"`
		Why         string   `json:"why"`
	} `json:"dropConstraints"`
}

// PatternFix replaces a Java pattern by an RE2 pattern the value must match
// and an optional one it must not match (both anchored to the whole value).
type PatternFix struct {
	Match  string `json:"match"`
	Reject string `json:"reject,omitempty"`
	Why    string `json:"why"`
}

func decodeStrict(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Load reads the model and the overlay and applies the overlay.
func Load(modelPath, overlayPath string) (*Model, *Overlay, error) {
	var m Model
	if err := decodeStrict(modelPath, &m); err != nil {
		return nil, nil, err
	}
	var o Overlay
	if err := decodeStrict(overlayPath, &o); err != nil {
		return nil, nil, err
	}
	for name, s := range o.Shapes {
		if _, ok := m.Shapes[name]; ok {
			return nil, nil, fmt.Errorf("overlay shape %s already in the model: drop it from the overlay", name)
		}
		m.Shapes[name] = s
	}
	for shape, members := range o.Members {
		s, ok := m.Shapes[shape]
		if !ok || s.Type != "structure" {
			return nil, nil, fmt.Errorf("overlay members: %s is not a structure of the model", shape)
		}
		for name, ref := range members {
			if _, ok := s.Members[name]; ok {
				return nil, nil, fmt.Errorf("overlay member %s.%s already in the model: drop it from the overlay", shape, name)
			}
			s.Members[name] = ref
		}
	}
	for shape, values := range o.EnumValues {
		s, ok := m.Shapes[shape]
		if !ok || len(s.Enum) == 0 {
			return nil, nil, fmt.Errorf("overlay enumValues: %s is not an enum of the model", shape)
		}
		for _, v := range values {
			for _, have := range s.Enum {
				if have == v {
					return nil, nil, fmt.Errorf("overlay enum value %s.%s already in the model", shape, v)
				}
			}
			s.Enum = append(s.Enum, v)
		}
	}
	for shape, d := range o.DropConstraints {
		s, ok := m.Shapes[shape]
		if !ok {
			return nil, nil, fmt.Errorf("overlay dropConstraints: no shape %s", shape)
		}
		for _, c := range d.Constraints {
			switch {
			case c == "max" && s.Max != nil:
				s.Max = nil
			case c == "min" && s.Min != nil:
				s.Min = nil
			case c == "pattern" && s.Pattern != "":
				s.Pattern = ""
			default:
				return nil, nil, fmt.Errorf("overlay dropConstraints: %s has no %s constraint", shape, c)
			}
		}
	}
	if err := prune(&m, &o); err != nil {
		return nil, nil, err
	}
	for name, s := range m.Shapes {
		s.name = name
	}
	if err := check(&m); err != nil {
		return nil, nil, err
	}
	return &m, &o, nil
}

// prune keeps only the overlay's operations and the shapes reachable from
// them (inputs, outputs, errors) and from KeepShapes. Without an operation
// list the model is kept whole.
func prune(m *Model, o *Overlay) error {
	if len(o.Operations) == 0 {
		if len(o.KeepShapes) > 0 {
			return fmt.Errorf("overlay keepShapes without operations")
		}
		return nil
	}
	ops := map[string]*Operation{}
	for _, name := range o.Operations {
		op, ok := m.Operations[name]
		if !ok {
			return fmt.Errorf("overlay operations: %s is not an operation of the model", name)
		}
		ops[name] = op
	}
	seen := map[string]bool{}
	var walk func(name string) error
	walk = func(name string) error {
		if seen[name] {
			return nil
		}
		s, ok := m.Shapes[name]
		if !ok {
			return fmt.Errorf("unknown shape %s", name)
		}
		seen[name] = true
		refs := []*ShapeRef{s.Member, s.Key, s.Value}
		for _, r := range s.Members {
			refs = append(refs, r)
		}
		for _, r := range refs {
			if r != nil {
				if err := walk(r.Shape); err != nil {
					return err
				}
			}
		}
		return nil
	}
	roots := append([]string(nil), o.KeepShapes...)
	for _, op := range ops {
		if op.Input != nil {
			roots = append(roots, op.Input.Shape)
		}
		if op.Output != nil {
			roots = append(roots, op.Output.Shape)
		}
		for _, e := range op.Errors {
			roots = append(roots, e.Shape)
		}
	}
	for _, r := range roots {
		if err := walk(r); err != nil {
			return err
		}
	}
	for name := range m.Shapes {
		if !seen[name] {
			delete(m.Shapes, name)
		}
	}
	m.Operations = ops
	return nil
}

// check rejects model constructs the generator does not handle.
func check(m *Model) error {
	for name, s := range m.Shapes {
		switch s.Type {
		case "structure", "list", "map", "string", "integer", "long", "double", "float", "boolean", "timestamp":
		default:
			return fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
		}
		if s.TimestampFormat != "" {
			return fmt.Errorf("shape %s: timestampFormat %q is not supported", name, s.TimestampFormat)
		}
		refs := []*ShapeRef{s.Member, s.Key, s.Value}
		for _, r := range s.Members {
			refs = append(refs, r)
		}
		for _, r := range refs {
			if r == nil {
				continue
			}
			if _, ok := m.Shapes[r.Shape]; !ok {
				return fmt.Errorf("shape %s refers to unknown shape %s", name, r.Shape)
			}
			switch r.Location {
			case "", "uri", "querystring":
			default:
				return fmt.Errorf("shape %s: unsupported member location %q", name, r.Location)
			}
		}
		for _, req := range s.Required {
			if _, ok := s.Members[req]; !ok {
				return fmt.Errorf("shape %s: required member %s does not exist", name, req)
			}
		}
	}
	for name, op := range m.Operations {
		if op.Input == nil || op.Output == nil {
			return fmt.Errorf("operation %s: no input or output shape", name)
		}
		for _, e := range op.Errors {
			// awsJson models give most exceptions no status: 400, or 500
			// for faults (see errorStatus).
			if s := m.Shapes[e.Shape]; s == nil || !s.Exception || (s.Error == nil && !isJSONProtocol(m)) {
				return fmt.Errorf("operation %s: error %s is not an exception shape", name, e.Shape)
			}
		}
		if m.Shapes[op.Output.Shape].Members != nil {
			for mn, r := range m.Shapes[op.Output.Shape].Members {
				if r.Location != "" {
					return fmt.Errorf("operation %s: output member %s bound to %s is not supported", name, mn, r.Location)
				}
			}
		}
	}
	return nil
}
