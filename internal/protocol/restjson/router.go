package restjson

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// Router finds the operation of a request from its method and its
// *escaped* path. Matching on the escaped path matters: an ARN label such
// as the resourceArn of TagResource arrives percent-encoded in one segment
// (arn%3Aaws%3Acleanrooms%3A...%2F...), and decoding first would split it.
type Router struct {
	root node
}

type node struct {
	literal map[string]*node
	label   *node
	name    string                    // label name, on label nodes
	ops     map[string]*api.Operation // by HTTP method
}

// NewRouter builds the router of the given operations.
func NewRouter(ops []*api.Operation) *Router {
	r := &Router{}
	for _, op := range ops {
		n := &r.root
		for _, seg := range splitPath(op.URI) {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				if n.label == nil {
					n.label = &node{name: seg[1 : len(seg)-1]}
				}
				n = n.label
				continue
			}
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			next, ok := n.literal[seg]
			if !ok {
				next = &node{}
				n.literal[seg] = next
			}
			n = next
		}
		if n.ops == nil {
			n.ops = map[string]*api.Operation{}
		}
		n.ops[op.Method] = op
	}
	return r
}

// Label is a URI label and its decoded value. Err is set, and Value is the
// raw segment, when the segment is not a valid percent-encoded UTF-8 string;
// the handler refuses such a request naming the label.
type Label struct {
	Name, Value string
	Err         error
}

// Match returns the operation and its labels, or ok=false.
func (r *Router) Match(method, escapedPath string) (op *api.Operation, labels []Label, ok bool) {
	segs := splitPath(escapedPath)
	labels = make([]Label, 0, 3)
	return r.root.match(method, segs, labels)
}

func (n *node) match(method string, segs []string, labels []Label) (*api.Operation, []Label, bool) {
	if len(segs) == 0 {
		op, ok := n.ops[method]
		return op, labels, ok
	}
	seg := segs[0]
	if next, ok := n.literal[seg]; ok {
		if op, l, ok := next.match(method, segs[1:], labels); ok {
			return op, l, true
		}
	}
	if n.label != nil && seg != "" {
		l := Label{Name: n.label.name}
		l.Value, l.Err = unescape(seg, url.PathUnescape)
		if l.Err != nil {
			l.Value = seg
		}
		if op, l, ok := n.label.match(method, segs[1:], append(labels, l)); ok {
			return op, l, true
		}
	}
	return nil, labels, false
}

func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// unescape decodes s and insists on UTF-8: encoding/json would turn
// invalid bytes into U+FFFD on the way out, so that two names collide.
func unescape(s string, f func(string) (string, error)) (string, error) {
	v, err := f(s)
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(v) {
		return "", errors.New("not UTF-8")
	}
	return v, nil
}

// RequestLineError is the AWS-shaped answer to a request line that Go's
// HTTP server refused before any handler ran (it does so for a path with a
// bad percent-escape: "/memberships/%zz", "%", "%2"). The path is routed as
// the handler would, so that the error names the URI label at fault.
// reason is the server's own (possibly empty) explanation.
func (r *Router) RequestLineError(requestLine, reason string) *api.GenericError {
	method, rest, _ := strings.Cut(requestLine, " ")
	target, _, _ := strings.Cut(rest, " ")
	path, _, _ := strings.Cut(target, "?")
	if strings.HasPrefix(path, "/") {
		if _, labels, ok := r.Match(method, path); ok {
			for _, l := range labels {
				if l.Err != nil {
					return badEscape("URI label", l.Name).(*api.GenericError)
				}
			}
		}
		if _, err := url.PathUnescape(path); err != nil {
			return serializationError("The request path is not validly percent-encoded.").(*api.GenericError)
		}
	}
	msg := "The request could not be parsed as HTTP"
	if reason != "" {
		msg += ": " + reason
	}
	return serializationError(msg + ".").(*api.GenericError)
}
