package codegen

import (
	"bytes"
	"fmt"
	"regexp"
)

func (g *generator) emitErrors(b *bytes.Buffer) error {
	for _, s := range g.sortedShapes(func(s *Shape) bool { return s.Exception }) {
		status, fault, err := g.errorStatus(s)
		if err != nil {
			return err
		}
		_, lower := s.Members["message"]
		_, upper := s.Members["Message"]
		if !lower && !upper {
			return fmt.Errorf("exception %s has no message member", s.name)
		}
		n := s.name
		fmt.Fprintf(b, "// ErrorCode returns %q.\nfunc (e *%s) ErrorCode() string { return %q }\n\n", n, n, n)
		fmt.Fprintf(b, "// HTTPStatus returns the model's status for %s.\nfunc (e *%s) HTTPStatus() int { return %d }\n\n", n, n, status)
		fmt.Fprintf(b, "// ErrorFault tells whether the caller or the service is at fault.\nfunc (e *%s) ErrorFault() Fault { return %s }\n\n", n, fault)
		fmt.Fprintf(b, "// ErrorMessage returns the message.\nfunc (e *%s) ErrorMessage() string { if e.Message == nil { return \"\" }; return *e.Message }\n\n", n)
		fmt.Fprintf(b, "func (e *%s) Error() string { return e.ErrorCode() + \": \" + e.ErrorMessage() }\n\n", n)
		fmt.Fprintf(b, "var _ APIError = (*%s)(nil)\n\n", n)
	}
	return nil
}

// errorStatus is an exception's HTTP status and fault. rest-json models
// state both; awsJson models mostly state neither, and the protocol
// answers 400 for the caller's errors and 500 for faults.
func (g *generator) errorStatus(s *Shape) (int, string, error) {
	if s.Error == nil {
		if !isJSONProtocol(g.m) {
			return 0, "", fmt.Errorf("exception %s has no HTTP status", s.name)
		}
		if s.Fault {
			return 500, "FaultServer", nil
		}
		return 400, "FaultClient", nil
	}
	fault := "FaultClient"
	if !s.Error.SenderFault || s.Fault {
		fault = "FaultServer"
	}
	return s.Error.HTTPStatusCode, fault, nil
}

// serviceName is how the generated comments name the service.
func (g *generator) serviceName() string {
	if isJSONProtocol(g.m) {
		if n, ok := g.m.Metadata["serviceFullName"].(string); ok {
			return n
		}
	}
	return "Clean Rooms"
}

// emitJSONOperations writes the Service interface and the operation table
// of an awsJson model, keyed by the X-Amz-Target value.
func (g *generator) emitJSONOperations(b *bytes.Buffer) error {
	prefix, ok := g.m.Metadata["targetPrefix"].(string)
	if !ok || prefix == "" {
		return fmt.Errorf("awsJson model without metadata.targetPrefix")
	}
	b.WriteString("import \"context\"\n\n")
	ops := g.sortedOps()
	fmt.Fprintf(b, "// TargetPrefix is the model's X-Amz-Target prefix.\nconst TargetPrefix = %q\n\n", prefix)
	fmt.Fprintf(b, "// Service is the %s API: one method per generated operation.\ntype Service interface {\n", g.serviceName())
	for _, op := range ops {
		fmt.Fprintf(b, "\t%s(ctx context.Context, in *%s) (*%s, error)\n", op.Name, op.Input.Shape, op.Output.Shape)
	}
	b.WriteString("}\n\n")
	b.WriteString("// Unimplemented answers every operation with a NotImplemented error.\n// Embed it in a Service to implement operations one at a time.\ntype Unimplemented struct{}\n\n")
	for _, op := range ops {
		fmt.Fprintf(b, "// %s is not implemented.\nfunc (Unimplemented) %s(context.Context, *%s) (*%s, error) { return nil, NotImplemented(%q) }\n\n",
			op.Name, op.Name, op.Input.Shape, op.Output.Shape, op.Name)
	}
	b.WriteString("var _ Service = Unimplemented{}\n\n")
	b.WriteString("// Operations is the operation table, keyed by X-Amz-Target.\nvar Operations = map[string]*Operation{\n")
	for _, op := range ops {
		in := g.shape(op.Input.Shape)
		for _, mn := range in.SortedMembers() {
			if in.Members[mn].Location != "" {
				return fmt.Errorf("operation %s: member %s bound to %s in an awsJson model", op.Name, mn, in.Members[mn].Location)
			}
		}
		var errs []string
		for _, e := range op.Errors {
			errs = append(errs, e.Shape)
		}
		fmt.Fprintf(b, "\t%q: {\n\t\tName: %q,\n\t\tErrors: %#v,\n", prefix+"."+op.Name, op.Name, errs)
		fmt.Fprintf(b, "\t\tNewInput: func() Input { return new(%s) },\n", op.Input.Shape)
		fmt.Fprintf(b, "\t\tInvoke: func(ctx context.Context, s Service, in Input) (any, error) {\n\t\t\tout, err := s.%s(ctx, in.(*%s))\n\t\t\tif err != nil { return nil, err }\n\t\t\tif out == nil { out = new(%s) }\n\t\t\treturn out, nil\n\t\t},\n\t},\n",
			op.Name, op.Input.Shape, op.Output.Shape)
	}
	b.WriteString("}\n")
	return nil
}

var labelRE = regexp.MustCompile(`\{([^}]+)\}`)

func (g *generator) emitOperations(b *bytes.Buffer) error {
	b.WriteString("import \"context\"\n\n")
	ops := g.sortedOps()
	b.WriteString("// Service is the Clean Rooms API: one method per operation of the model.\ntype Service interface {\n")
	for _, op := range ops {
		fmt.Fprintf(b, "\t%s(ctx context.Context, in *%s) (*%s, error)\n", op.Name, op.Input.Shape, op.Output.Shape)
	}
	b.WriteString("}\n\n")
	b.WriteString("// Unimplemented answers every operation with a NotImplemented error.\n// Embed it in a Service to implement operations one at a time.\ntype Unimplemented struct{}\n\n")
	for _, op := range ops {
		fmt.Fprintf(b, "// %s is not implemented.\nfunc (Unimplemented) %s(context.Context, *%s) (*%s, error) { return nil, NotImplemented(%q) }\n\n",
			op.Name, op.Name, op.Input.Shape, op.Output.Shape, op.Name)
	}
	b.WriteString("var _ Service = Unimplemented{}\n\n")
	b.WriteString("// Operations is the operation table of the model, sorted by name.\nvar Operations = []*Operation{\n")
	for _, op := range ops {
		in := g.shape(op.Input.Shape)
		hasBody := false
		labels := map[string]bool{}
		for _, mn := range in.SortedMembers() {
			ref := in.Members[mn]
			switch ref.Location {
			case "":
				hasBody = true
			case "uri":
				labels[ref.LocationName] = true
			}
		}
		for _, l := range labelRE.FindAllStringSubmatch(op.HTTP.RequestURI, -1) {
			if !labels[l[1]] {
				return fmt.Errorf("operation %s: URI label %s has no member", op.Name, l[1])
			}
			delete(labels, l[1])
		}
		if len(labels) > 0 {
			return fmt.Errorf("operation %s: uri members %v are not in the URI", op.Name, labels)
		}
		var errs []string
		for _, e := range op.Errors {
			errs = append(errs, e.Shape)
		}
		fmt.Fprintf(b, "\t{\n\t\tName: %q, Method: %q, URI: %q, SuccessCode: %d, HasBody: %v,\n\t\tErrors: %#v,\n",
			op.Name, op.HTTP.Method, op.HTTP.RequestURI, op.HTTP.ResponseCode, hasBody, errs)
		fmt.Fprintf(b, "\t\tNewInput: func() Input { return new(%s) },\n", op.Input.Shape)
		fmt.Fprintf(b, "\t\tInvoke: func(ctx context.Context, s Service, in Input) (any, error) {\n\t\t\tout, err := s.%s(ctx, in.(*%s))\n\t\t\tif err != nil { return nil, err }\n\t\t\tif out == nil { out = new(%s) }\n\t\t\treturn out, nil\n\t\t},\n\t},\n",
			op.Name, op.Input.Shape, op.Output.Shape)
	}
	b.WriteString("}\n")
	return nil
}

// emitBinders writes, for each input with URI or query members, the
// methods that set them from the request.
func (g *generator) emitBinders(b *bytes.Buffer) error {
	b.WriteString("import \"net/url\"\n\nvar _ url.Values\n\n")
	for _, op := range g.sortedOps() {
		in := g.shape(op.Input.Shape)
		var labels, query []string
		for _, mn := range in.SortedMembers() {
			switch in.Members[mn].Location {
			case "uri":
				labels = append(labels, mn)
			case "querystring":
				query = append(query, mn)
			}
		}
		if len(labels) > 0 {
			fmt.Fprintf(b, "// SetHTTPLabel sets the member bound to URI label name.\nfunc (v *%s) SetHTTPLabel(name, value string) {\n\tswitch name {\n", in.name)
			for _, mn := range labels {
				ref := in.Members[mn]
				if g.shape(ref.Shape).Type != "string" {
					return fmt.Errorf("%s.%s: URI label of type %s", in.name, mn, g.shape(ref.Shape).Type)
				}
				fmt.Fprintf(b, "\tcase %q:\n", ref.LocationName)
				if isEnum(g.shape(ref.Shape)) {
					fmt.Fprintf(b, "\t\tv.%s = %s(value)\n", exported(mn), ref.Shape)
				} else {
					fmt.Fprintf(b, "\t\tv.%s = &value\n", exported(mn))
				}
			}
			b.WriteString("\t}\n}\n\n")
		}
		if len(query) > 0 {
			fmt.Fprintf(b, "// SetHTTPQuery sets the members bound to the query string.\nfunc (v *%s) SetHTTPQuery(q url.Values) error {\n", in.name)
			for _, mn := range query {
				ref := in.Members[mn]
				s := g.shape(ref.Shape)
				f := "v." + exported(mn)
				fmt.Fprintf(b, "\tif vals, ok := q[%q]; ok && len(vals) > 0 {\n", ref.LocationName)
				switch {
				case isEnum(s):
					fmt.Fprintf(b, "\t\t%s = %s(vals[0])\n", f, ref.Shape)
				case s.Type == "string":
					fmt.Fprintf(b, "\t\ts := vals[0]\n\t\t%s = &s\n", f)
				case s.Type == "integer":
					fmt.Fprintf(b, "\t\tn, err := parseQueryInt32(%q, vals[0])\n\t\tif err != nil { return err }\n\t\t%s = &n\n", ref.LocationName, f)
				case s.Type == "boolean":
					fmt.Fprintf(b, "\t\tx, err := parseQueryBool(%q, vals[0])\n\t\tif err != nil { return err }\n\t\t%s = &x\n", ref.LocationName, f)
				case s.Type == "list" && g.shape(s.Member.Shape).Type == "string":
					et, _ := g.elemType(s.Member.Shape)
					fmt.Fprintf(b, "\t\t%s = make([]%s, len(vals))\n\t\tfor i, x := range vals { %s[i] = %s(x) }\n", f, et, f, et)
				default:
					return fmt.Errorf("%s.%s: query member of type %s", in.name, mn, s.Type)
				}
				b.WriteString("\t}\n")
			}
			b.WriteString("\treturn nil\n}\n\n")
		}
	}
	return nil
}
