package server

import (
	"bytes"
	"encoding/json"
	"net"
	"strconv"
	"sync"

	"github.com/google/uuid"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// ShapeBadRequests wraps ln so that the plain-text "400 Bad Request" that
// net/http writes by itself, before any handler, for a request it cannot
// parse (a path with a bad percent-escape such as /memberships/%zz among
// them) goes out AWS-shaped instead: JSON, X-Amzn-ErrorType, a request id,
// and the URI label at fault when the path routes. net/http offers no hook
// for these answers, so the connection recognizes the exact bytes it
// writes for them and replaces them; that answer always closes the
// connection, so nothing after it is affected.
func ShapeBadRequests(ln net.Listener) net.Listener {
	return &shapingListener{Listener: ln, router: restjson.NewRouter(api.Operations)}
}

type shapingListener struct {
	net.Listener
	router *restjson.Router
}

func (l *shapingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapingConn{Conn: c, router: l.router}, nil
}

// maxHead is how much of a request the connection keeps to name what was
// wrong: enough for any request line a client should send.
const maxHead = 8 << 10

// shapingConn keeps the first bytes read since its last write: the start
// of the request being parsed.
type shapingConn struct {
	net.Conn
	router *restjson.Router
	mu     sync.Mutex
	head   []byte
}

func (c *shapingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		if room := maxHead - len(c.head); room > 0 {
			c.head = append(c.head, b[:min(n, room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

// What net/http writes for a request it refuses (server.go, conn.serve):
// "HTTP/1.1 400 Bad Request[: reason]" + errorHeaders + the same text.
var (
	goBadRequest   = []byte("HTTP/1.1 400 Bad Request")
	goErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")
)

func (c *shapingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	head := c.head
	c.head = nil
	c.mu.Unlock()
	if !bytes.HasPrefix(b, goBadRequest) {
		return c.Conn.Write(b)
	}
	status, _, ok := bytes.Cut(b, goErrorHeaders)
	if !ok {
		return c.Conn.Write(b)
	}
	reason := ""
	if r, ok := bytes.CutPrefix(status, append(goBadRequest, ": "...)); ok {
		reason = string(r)
	} else if !bytes.Equal(status, goBadRequest) {
		return c.Conn.Write(b)
	}
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	ge := c.router.RequestLineError(string(line), reason)
	if _, err := c.Conn.Write(badRequestResponse(ge)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func badRequestResponse(ge *api.GenericError) []byte {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{ge.Message})
	var r bytes.Buffer
	r.WriteString("HTTP/1.1 " + strconv.Itoa(ge.Status) + " Bad Request\r\n")
	r.WriteString("Content-Type: application/json\r\n")
	r.WriteString("X-Amzn-Errortype: " + ge.Code + "\r\n")
	r.WriteString("x-amzn-RequestId: " + uuid.NewString() + "\r\n")
	r.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	r.WriteString("Connection: close\r\n\r\n")
	r.Write(body)
	return r.Bytes()
}
