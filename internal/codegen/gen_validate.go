package codegen

import (
	"bytes"
	"fmt"
	"strconv"
)

// needsValidation reports whether values of the shape carry constraints
// (directly or in anything they contain).
func (g *generator) needsValidation(name string) bool {
	if v, ok := g.constrained[name]; ok {
		return v
	}
	g.constrained[name] = false // breaks cycles; refined below
	s := g.shape(name)
	v := false
	switch s.Type {
	case "string":
		v = s.Min != nil || s.Max != nil || s.Pattern != "" || len(s.Enum) > 0
	case "integer", "long", "double", "float":
		v = s.Min != nil || s.Max != nil
	case "list":
		v = s.Min != nil || s.Max != nil || g.needsValidation(s.Member.Shape)
	case "map":
		v = s.Min != nil || s.Max != nil || g.needsValidation(s.Key.Shape) || g.needsValidation(s.Value.Shape)
	case "structure":
		v = len(s.Required) > 0 || s.Union
		for _, r := range s.Members {
			if g.needsValidation(r.Shape) {
				v = true
			}
		}
	}
	g.constrained[name] = v
	return v
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// emitValidators writes one validate function per constrained shape. Each
// takes the path of the value (built lazily: only failing values turn
// their path into a string) and records every failure in the Validator.
func (g *generator) emitValidators(b *bytes.Buffer) error {
	b.WriteString("import \"unicode/utf8\"\n\nvar _ = utf8.RuneCountInString\n\n")
	b.WriteString("// Patterns of the model, translated for RE2 (see model/overlay.json).\nvar (\n")
	for i, p := range g.patterns {
		fmt.Fprintf(b, "\tpattern%d = newPattern(%q, %q, %q)\n", i, p.Java, anchored(p.Match), anchoredOrEmpty(p.Reject))
	}
	b.WriteString(")\n\n")
	inputs := g.inputShapes()
	for _, s := range g.sortedShapes(func(s *Shape) bool { return inputs[s.name] && !s.Document && g.needsValidation(s.name) }) {
		if err := g.emitValidator(b, s); err != nil {
			return err
		}
	}
	// Every operation input is an Input.
	for _, op := range g.sortedOps() {
		in := op.Input.Shape
		fmt.Fprintf(b, "func (v *%s) validate(c *Validator, p *path) {", in)
		if g.needsValidation(in) {
			fmt.Fprintf(b, " validate%s(c, p, v) ", in)
		}
		b.WriteString("}\n\n")
	}
	return nil
}

// inputShapes is the set of shapes reachable from operation inputs: only
// values a client sends are validated.
func (g *generator) inputShapes() map[string]bool {
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
			walk(r.Shape)
		}
	}
	for _, op := range g.m.Operations {
		walk(op.Input.Shape)
	}
	return seen
}

func anchoredOrEmpty(re string) string {
	if re == "" {
		return ""
	}
	return anchored(re)
}

func (g *generator) emitValidator(b *bytes.Buffer, s *Shape) error {
	t, err := g.elemType(s.name)
	if err != nil {
		return err
	}
	if s.Type == "structure" {
		t = "*" + t
	}
	fmt.Fprintf(b, "func validate%s(c *Validator, p *path, v %s) {\n", s.name, t)
	switch s.Type {
	case "string":
		val := "string(v)"
		if s.Min != nil && *s.Min > 0 { // a length is never negative
			fmt.Fprintf(b, "\tif utf8.RuneCountInString(%s) < %s { c.minLength(p, %s, %s) }\n", val, num(*s.Min), val, num(*s.Min))
		}
		if s.Max != nil {
			fmt.Fprintf(b, "\tif utf8.RuneCountInString(%s) > %s { c.maxLength(p, %s, %s) }\n", val, num(*s.Max), val, num(*s.Max))
		}
		if s.Pattern != "" {
			fmt.Fprintf(b, "\tif !pattern%d.match(%s) { c.pattern(p, %s, pattern%d) }\n", g.patIndex[s.Pattern], val, val, g.patIndex[s.Pattern])
		}
		if isEnum(s) {
			b.WriteString("\tif !v.IsKnown() { c.enum(p, string(v), v.Values()) }\n")
		}
	case "integer", "long", "double", "float":
		if s.Min != nil {
			fmt.Fprintf(b, "\tif float64(v) < %s { c.minValue(p, float64(v), %s) }\n", num(*s.Min), num(*s.Min))
		}
		if s.Max != nil {
			fmt.Fprintf(b, "\tif float64(v) > %s { c.maxValue(p, float64(v), %s) }\n", num(*s.Max), num(*s.Max))
		}
	case "list", "map":
		if s.Min != nil && *s.Min > 0 {
			fmt.Fprintf(b, "\tif len(v) < %s { c.minItems(p, len(v), %s) }\n", num(*s.Min), num(*s.Min))
		}
		if s.Max != nil {
			fmt.Fprintf(b, "\tif len(v) > %s { c.maxItems(p, len(v), %s) }\n", num(*s.Max), num(*s.Max))
		}
		if s.Type == "list" && g.needsValidation(s.Member.Shape) {
			b.WriteString("\tfor i := range v {\n\t\tcp := p.index(i)\n")
			b.WriteString("\t\t" + g.callValidate(s.Member.Shape, "&cp", "v[i]", true) + "\n\t}\n")
		}
		if s.Type == "map" && (g.needsValidation(s.Key.Shape) || g.needsValidation(s.Value.Shape)) {
			b.WriteString("\tfor k, e := range v {\n\t\tcp := p.key(k)\n\t\t_ = e\n")
			if g.needsValidation(s.Key.Shape) {
				b.WriteString("\t\t" + g.callValidate(s.Key.Shape, "&cp", "k", true) + "\n")
			}
			if g.needsValidation(s.Value.Shape) {
				b.WriteString("\t\t" + g.callValidate(s.Value.Shape, "&cp", "e", true) + "\n")
			}
			b.WriteString("\t}\n")
		}
	case "structure":
		for _, mn := range s.SortedMembers() {
			ref := s.Members[mn]
			field := "v." + exported(mn)
			check := g.needsValidation(ref.Shape)
			req := s.IsRequired(mn)
			if !check && !req {
				continue
			}
			// The member's path is made in the branch that uses it: it
			// escapes (validators recurse), so an absent optional
			// member would otherwise cost an allocation.
			cp := fmt.Sprintf("cp := p.child(%q); ", mn)
			b.WriteString("\t")
			if req {
				fmt.Fprintf(b, "if !(%s) { %sc.missing(&cp) }", g.present(ref.Shape, field), cp)
				if check {
					b.WriteString(" else ")
				}
			} else if check {
				fmt.Fprintf(b, "if %s ", g.present(ref.Shape, field))
			}
			if check {
				fmt.Fprintf(b, "{ %s%s }", cp, g.callValidate(ref.Shape, "&cp", field, false))
			}
			b.WriteString("\n")
		}
		if s.Union {
			b.WriteString("\tn := 0\n")
			var names []string
			for _, mn := range s.SortedMembers() {
				fmt.Fprintf(b, "\tif %s { n++ }\n", g.present(s.Members[mn].Shape, "v."+exported(mn)))
				names = append(names, mn)
			}
			fmt.Fprintf(b, "\tif n != 1 { c.union(p, n, %#v) }\n", names)
		}
	}
	b.WriteString("}\n\n")
	return nil
}

// callValidate calls the validator of shape on expr. byValue says whether
// expr holds the value itself (list element, map entry) or a member (a
// pointer for scalars and structures).
func (g *generator) callValidate(shape, pathExpr, expr string, byValue bool) string {
	s := g.shape(shape)
	arg := expr
	switch {
	case s.Type == "structure":
		if byValue {
			arg = "&" + expr
		}
	case isEnum(s), s.Type == "list", s.Type == "map":
	default:
		if !byValue {
			arg = "*" + expr
		}
	}
	return fmt.Sprintf("validate%s(c, %s, %s)", shape, pathExpr, arg)
}
