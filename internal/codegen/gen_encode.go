package codegen

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
)

// Generated JSON encoders: an AppendJSON method for every structure an
// operation's output reaches, writing what encoding/json.Marshal writes for
// it (the members in field order, which is SortedMembers order; the
// omitempty rules of emitTypes; nil required collections as empty ones, as
// emitMarshal does; map keys sorted; strings HTML-escaped). The runtime
// helpers are hand-written in internal/api/jsonenc.go; restjson's tests
// compare both encoders on every output shape.

// plainMemberName is a member name that needs no escaping in a JSON key.
var plainMemberName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// outputStructures returns the structures reachable from operation
// outputs, sorted by name.
func (g *generator) outputStructures() []*Shape {
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s := g.shape(name)
		for _, r := range []*ShapeRef{s.Member, s.Key, s.Value} {
			if r != nil {
				walk(r.Shape)
			}
		}
		for _, r := range s.Members {
			if r.Location == "" {
				walk(r.Shape)
			}
		}
	}
	for _, op := range g.m.Operations {
		walk(op.Output.Shape)
	}
	var out []*Shape
	for name := range seen {
		if s := g.shape(name); s.Type == "structure" && !s.Document {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (g *generator) emitEncoders(b *bytes.Buffer) error {
	shapes := g.outputStructures()
	var methods bytes.Buffer
	imports := map[string]bool{}
	for _, s := range shapes {
		if s.Exception {
			return fmt.Errorf("output structure %s is an exception", s.name)
		}
		name, err := goTypeName(s.name)
		if err != nil {
			return err
		}
		e := &encoder{g: g}
		fmt.Fprintf(&e.body, "\tstart := len(b)\n")
		for _, mn := range s.SortedMembers() {
			ref := s.Members[mn]
			if ref.Location != "" {
				continue
			}
			if !plainMemberName.MatchString(mn) {
				return fmt.Errorf("%s: member name %q needs escaping", s.name, mn)
			}
			if err := e.member(s, mn, ref); err != nil {
				return err
			}
		}
		for imp := range e.imports {
			imports[imp] = true
		}
		b := &methods
		fmt.Fprintf(b, "// AppendJSON appends v as encoding/json.Marshal writes it.\nfunc (v *%s) AppendJSON(b []byte) ([]byte, error) {\n", name)
		if e.usesErr {
			b.WriteString("\tvar err error\n")
		}
		b.Write(e.body.Bytes())
		// Every key was written with a leading comma: the first one
		// becomes the opening brace.
		b.WriteString("\tif len(b) == start {\n\t\treturn append(b, '{', '}'), nil\n\t}\n\tb[start] = '{'\n\treturn append(b, '}'), nil\n}\n\n")
		fmt.Fprintf(b, "var _ JSONAppender = (*%s)(nil)\n\n", name)
	}
	if len(imports) > 0 {
		var names []string
		for imp := range imports {
			names = append(names, imp)
		}
		sort.Strings(names)
		b.WriteString("import (\n")
		for _, n := range names {
			fmt.Fprintf(b, "\t%q\n", n)
		}
		b.WriteString(")\n\n")
	}
	b.Write(methods.Bytes())
	return nil
}

type encoder struct {
	g       *generator
	body    bytes.Buffer
	usesErr bool
	depth   int // nesting of loops, for variable names
	imports map[string]bool
}

func (e *encoder) use(pkg string) {
	if e.imports == nil {
		e.imports = map[string]bool{}
	}
	e.imports[pkg] = true
}

func (e *encoder) line(format string, args ...any) {
	fmt.Fprintf(&e.body, format+"\n", args...)
}

// member writes the statements that append member mn of s.
func (e *encoder) member(s *Shape, mn string, ref *ShapeRef) error {
	ms := e.g.shape(ref.Shape)
	expr := "v." + exported(mn)
	key := fmt.Sprintf("`,\"%s\":`", mn)
	collection := ms.Type == "list" || ms.Type == "map"
	required := s.IsRequired(mn) && collection
	switch {
	case required:
		// Written even when nil (emitMarshal: [] or {}).
		e.line("\tb = append(b, %s...)", key)
		return e.value(ref.Shape, expr, false, false, true)
	case ms.Document || collection:
		e.line("\tif len(%s) > 0 {", expr)
	default:
		e.line("\tif %s {", e.g.present(ref.Shape, expr))
	}
	e.line("\tb = append(b, %s...)", key)
	isPtr := !(ms.Document || isEnum(ms) || collection)
	// A collection written here is not empty, so not nil.
	if err := e.value(ref.Shape, expr, isPtr, false, collection); err != nil {
		return err
	}
	e.line("\t}")
	return nil
}

// value writes the statements that append expr, a value of shape name
// (a pointer to it when ptr; never nil then; addr when expr is
// addressable). A collection that may be nil is null, unless nilEmpty (a
// required member: emitMarshal's [] or {}).
func (e *encoder) value(name, expr string, ptr, addr, nilEmpty bool) error {
	s := e.g.shape(name)
	deref := expr
	if ptr {
		deref = "*" + expr
	}
	switch {
	case s.Document:
		e.usesErr = true
		e.line("\tif b, err = appendJSONDocument(b, %s); err != nil {\n\t\treturn b, err\n\t}", expr)
		return nil
	case s.Type == "structure":
		e.usesErr = true
		switch {
		case ptr:
		case addr:
			expr = "&" + expr
		default:
			// A map value is not addressable: a copy.
			e.depth++
			tmp := fmt.Sprintf("s%d", e.depth)
			e.line("\t%s := %s", tmp, expr)
			expr = "&" + tmp
		}
		e.line("\tif b, err = (%s).AppendJSON(b); err != nil {\n\t\treturn b, err\n\t}", expr)
		return nil
	case isEnum(s):
		e.line("\tb = appendJSONString(b, string(%s))", deref)
		return nil
	}
	switch s.Type {
	case "string":
		e.line("\tb = appendJSONString(b, %s)", deref)
	case "integer", "long":
		e.use("strconv")
		e.line("\tb = strconv.AppendInt(b, int64(%s), 10)", deref)
	case "boolean":
		e.use("strconv")
		e.line("\tb = strconv.AppendBool(b, %s)", deref)
	case "double", "float":
		bits := 64
		if s.Type == "float" {
			bits = 32
		}
		e.usesErr = true
		e.line("\tif b, err = appendJSONFloat(b, float64(%s), %d); err != nil {\n\t\treturn b, err\n\t}", deref, bits)
	case "timestamp":
		e.line("\tb = (%s).AppendJSON(b)", expr)
	case "list":
		e.depth++
		d := e.depth
		if !nilEmpty {
			e.line("\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {", expr)
		}
		e.line("\tb = append(b, '[')")
		e.line("\tfor i%d := range %s {", d, expr)
		e.line("\tif i%d > 0 {\n\t\tb = append(b, ',')\n\t}", d)
		if err := e.value(s.Member.Shape, fmt.Sprintf("%s[i%d]", expr, d), false, true, false); err != nil {
			return err
		}
		e.line("\t}")
		e.line("\tb = append(b, ']')")
		if !nilEmpty {
			e.line("\t}")
		}
	case "map":
		e.depth++
		d := e.depth
		if !nilEmpty {
			e.line("\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {", expr)
		}
		// encoding/json sorts map keys.
		e.line("\tkeys%d := make([]string, 0, len(%s))", d, expr)
		e.line("\tfor k := range %s {\n\t\tkeys%d = append(keys%d, k)\n\t}", expr, d, d)
		e.use("slices")
		e.line("\tslices.Sort(keys%d)", d)
		e.line("\tb = append(b, '{')")
		e.line("\tfor i%d, k%d := range keys%d {", d, d, d)
		e.line("\tif i%d > 0 {\n\t\tb = append(b, ',')\n\t}", d)
		e.line("\tb = appendJSONString(b, k%d)", d)
		e.line("\tb = append(b, ':')")
		if err := e.value(s.Value.Shape, fmt.Sprintf("%s[k%d]", expr, d), false, false, false); err != nil {
			return err
		}
		e.line("\t}")
		e.line("\tb = append(b, '}')")
		if !nilEmpty {
			e.line("\t}")
		}
	default:
		return fmt.Errorf("shape %s: no JSON encoding for type %s", name, s.Type)
	}
	return nil
}
