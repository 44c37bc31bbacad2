package sqlstore

// ViewOne's reads on SQLite files, single rows (GetMembership,
// GetCollaboration, GetConfiguredTable…: most requests) and pages of lists,
// are stepped here, on read-only connections of the store's own, without
// database/sql.
//
// Why by hand: through database/sql and go-sqlite3 a read of the
// membership join cost 57 of GetMembership's 130 allocations and ≈ 10 µs
// of its ≈ 23 µs in the store (docs/performance.md, issue 10). The driver
// boxes every column into a driver.Value (one allocation per integer, two
// per text: the Go string and its interface), database/sql converts each
// into the destination and allocates its Rows, its Stmt per connection and
// a closure per call. Neither has an API to read a row into typed
// destinations, and no other maintained Go driver does better (modernc
// allocated more). Here one cgo call binds, steps and measures the row,
// a second copies every text column into one Go buffer that the strings
// share and resets the statement: one allocation per row, whatever its
// width, and no boxing.
//
// Everything else stays on database/sql: writes, View's transactions,
// in-memory stores, PostgreSQL, and reads whose argument or destination
// types this file does not handle (fastSupported). The connections are
// opened like the read pool's (read-only, busy_timeout, extended result
// codes; QPSG through the process-wide auto-extension of sqlite_qpsg.go),
// so a read sees what it would have seen there: the last committed state.

/*
#include <stdlib.h>
#include <string.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef long long sqlite3_int64;
int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs);
int sqlite3_close_v2(sqlite3 *db);
int sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite3_extended_result_codes(sqlite3 *db, int onoff);
const char *sqlite3_errmsg(sqlite3 *db);
int sqlite3_prepare_v3(sqlite3 *db, const char *zSql, int nByte, unsigned int prepFlags, sqlite3_stmt **ppStmt, const char **pzTail);
int sqlite3_finalize(sqlite3_stmt *pStmt);
int sqlite3_reset(sqlite3_stmt *pStmt);
int sqlite3_clear_bindings(sqlite3_stmt *pStmt);
int sqlite3_bind_parameter_count(sqlite3_stmt *pStmt);
int sqlite3_bind_int64(sqlite3_stmt *pStmt, int i, sqlite3_int64 v);
int sqlite3_bind_double(sqlite3_stmt *pStmt, int i, double v);
int sqlite3_bind_text(sqlite3_stmt *pStmt, int i, const char *z, int n, void (*xDel)(void *));
int sqlite3_bind_null(sqlite3_stmt *pStmt, int i);
int sqlite3_step(sqlite3_stmt *pStmt);
int sqlite3_column_count(sqlite3_stmt *pStmt);
int sqlite3_column_type(sqlite3_stmt *pStmt, int iCol);
sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *pStmt, int iCol);
double sqlite3_column_double(sqlite3_stmt *pStmt, int iCol);
const unsigned char *sqlite3_column_text(sqlite3_stmt *pStmt, int iCol);
const void *sqlite3_column_blob(sqlite3_stmt *pStmt, int iCol);
int sqlite3_column_bytes(sqlite3_stmt *pStmt, int iCol);

#define CRD_OPEN_READONLY 0x00000001
#define CRD_OPEN_NOMUTEX  0x00008000
#define CRD_ROW  100
#define CRD_DONE 101
#define CRD_INTEGER 1
#define CRD_FLOAT   2
#define CRD_TEXT    3
#define CRD_BLOB    4
#define CRD_NULL    5

// One argument or column. p is C memory: an argument's bytes in the
// connection's scratch buffer, a column's in SQLite's until the reset.
typedef struct {
	int typ;
	int n;
	sqlite3_int64 i64;
	double f64;
	const void *p;
} crd_val;

static int crd_open(const char *path, int busy_ms, sqlite3 **db) {
	int rc = sqlite3_open_v2(path, db, CRD_OPEN_READONLY | CRD_OPEN_NOMUTEX, 0);
	if (rc == 0) {
		sqlite3_extended_result_codes(*db, 1);
		sqlite3_busy_timeout(*db, busy_ms);
	}
	return rc;
}

// crd_fill reads the current row of st into cols (at most ncol) and
// *total, the bytes of its text and blob columns.
static int crd_fill(sqlite3_stmt *st, crd_val *cols, int ncol, int *got, int *total) {
	int i;
	*got = sqlite3_column_count(st);
	if (*got > ncol) {
		return -2;
	}
	*total = 0;
	for (i = 0; i < *got; i++) {
		crd_val *c = &cols[i];
		c->typ = sqlite3_column_type(st, i);
		c->n = 0;
		c->p = 0;
		switch (c->typ) {
		case CRD_INTEGER: c->i64 = sqlite3_column_int64(st, i); break;
		case CRD_FLOAT:   c->f64 = sqlite3_column_double(st, i); break;
		case CRD_TEXT:
			c->p = sqlite3_column_text(st, i);
			c->n = sqlite3_column_bytes(st, i);
			*total += c->n;
			break;
		case CRD_BLOB:
			c->p = sqlite3_column_blob(st, i);
			c->n = sqlite3_column_bytes(st, i);
			*total += c->n;
			break;
		}
	}
	return CRD_ROW;
}

// crd_next steps st to its next row and fills cols (at most ncol) and
// *total; on anything but a row, st is reset.
static int crd_next(sqlite3_stmt *st, crd_val *cols, int ncol, int *got, int *total) {
	int rc = sqlite3_step(st);
	if (rc == CRD_ROW) {
		rc = crd_fill(st, cols, ncol, got, total);
	}
	if (rc != CRD_ROW) {
		sqlite3_reset(st);
	}
	return rc;
}

// crd_step resets st, binds args and steps to the first row (crd_next).
static int crd_step(sqlite3_stmt *st, const crd_val *args, int nargs, crd_val *cols, int ncol, int *got, int *total) {
	int i, rc;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (nargs != sqlite3_bind_parameter_count(st)) {
		return -1;
	}
	for (i = 0; i < nargs; i++) {
		const crd_val *a = &args[i];
		switch (a->typ) {
		case CRD_INTEGER: rc = sqlite3_bind_int64(st, i+1, a->i64); break;
		case CRD_FLOAT:   rc = sqlite3_bind_double(st, i+1, a->f64); break;
		case CRD_TEXT:    rc = sqlite3_bind_text(st, i+1, (const char *)a->p, a->n, 0); break; // SQLITE_STATIC
		default:          rc = sqlite3_bind_null(st, i+1); break;
		}
		if (rc != 0) {
			return rc;
		}
	}
	return crd_next(st, cols, ncol, got, total);
}

// crd_copy copies the row's text and blob bytes into buf, in column
// order, and, if reset, resets st (ending its read of the snapshot).
static void crd_copy(sqlite3_stmt *st, const crd_val *cols, int n, char *buf, int reset) {
	int i;
	for (i = 0; i < n; i++) {
		if (cols[i].n > 0) {
			memcpy(buf, cols[i].p, cols[i].n);
			buf += cols[i].n;
		}
	}
	if (reset) {
		sqlite3_reset(st);
	}
}
*/
import "C"

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// fastMaxCols bounds a row read here (the widest, a membership joined to
// its collaboration and member, has 40 columns).
const fastMaxCols = 64

// fastReader is a pool of read-only connections for ViewOne's reads.
type fastReader struct {
	path   *C.char
	busyMS C.int
	// conns holds one token per connection the pool may have: a
	// connection, or nil for one not opened yet. A read takes a token and
	// gives it back; Close takes them all.
	conns  chan *fastConn
	size   int
	closed atomic.Bool
}

type fastConn struct {
	db    *C.sqlite3
	stmts map[string]*C.sqlite3_stmt
	// args and cols are C memory: the bound values and the row's columns.
	args *C.crd_val
	cols *C.crd_val
	// scratch holds the bytes of text arguments (C memory, because SQLite
	// keeps the pointer until the statement is reset).
	scratch    unsafe.Pointer
	scratchCap int
}

func newFastReader(path string, o Options) *fastReader {
	r := &fastReader{
		path:   C.CString(path),
		busyMS: C.int(o.BusyTimeout.Milliseconds()),
		size:   o.MaxReadConns,
		conns:  make(chan *fastConn, o.MaxReadConns),
	}
	for range r.size {
		r.conns <- nil
	}
	return r
}

// fastSupported reports whether the fast path binds every argument and
// fills every destination; the store reads the others through
// database/sql.
func fastSupported(args, dest []any) bool {
	if len(args) > fastMaxCols || len(dest) > fastMaxCols {
		return false
	}
	for _, a := range args {
		switch a.(type) {
		case nil, string, int64, int, int32, bool, float64:
		default:
			return false
		}
	}
	for _, d := range dest {
		switch d.(type) {
		case *string, *sql.NullString, *int64, *int, *sql.NullInt64, *bool, *sql.NullBool, *float64, *[]byte:
		default:
			return false
		}
	}
	return true
}

// queryRow runs query with args and scans its first row into dest, as
// (*sql.Row).Scan would: sql.ErrNoRows when there is none.
func (r *fastReader) queryRow(query string, args []any, dest []any) error {
	c, err := r.take()
	if err != nil {
		return err
	}
	defer r.give(c)
	return c.queryRow(query, args, dest)
}

// take takes a connection from the pool, opening it if needed.
func (r *fastReader) take() (*fastConn, error) {
	c, ok := <-r.conns
	if !ok || r.closed.Load() {
		if ok {
			r.conns <- c
		}
		return nil, errClosed
	}
	if c == nil {
		var err error
		if c, err = r.open(); err != nil {
			r.conns <- nil
			return nil, err
		}
	}
	return c, nil
}

func (r *fastReader) give(c *fastConn) { r.conns <- c }

// warm opens a connection and has it read the schema, in the background
// after open: done by the first request instead, it added ≈ 1.3 ms to
// start → first answer (crbench startup, median of 9: 10.1 → 11.5 ms).
func (r *fastReader) warm() {
	c, err := r.take()
	if err != nil {
		return
	}
	_, _ = c.stmt("SELECT 1 FROM sqlite_schema LIMIT 0") // preparing reads the schema
	r.give(c)
}

func (r *fastReader) open() (*fastConn, error) {
	c := &fastConn{stmts: map[string]*C.sqlite3_stmt{}}
	if rc := C.crd_open(r.path, r.busyMS, &c.db); rc != 0 {
		err := c.lastError(rc)
		C.sqlite3_close_v2(c.db)
		return nil, fmt.Errorf("sqlstore: open a read connection: %w", err)
	}
	c.args = (*C.crd_val)(C.calloc(fastMaxCols, C.sizeof_crd_val))
	c.cols = (*C.crd_val)(C.calloc(fastMaxCols, C.sizeof_crd_val))
	return c, nil
}

// close closes every connection, waiting for those in use.
func (r *fastReader) close() {
	if !r.closed.CompareAndSwap(false, true) {
		return
	}
	for range r.size {
		if c := <-r.conns; c != nil {
			c.close()
		}
	}
	close(r.conns)
	C.free(unsafe.Pointer(r.path))
}

func (c *fastConn) close() {
	for _, st := range c.stmts {
		C.sqlite3_finalize(st)
	}
	C.sqlite3_close_v2(c.db)
	C.free(unsafe.Pointer(c.args))
	C.free(unsafe.Pointer(c.cols))
	C.free(c.scratch)
}

func (c *fastConn) lastError(rc C.int) error {
	msg := C.GoString(C.sqlite3_errmsg(c.db))
	se := sqlite3.Error{Code: sqlite3.ErrNo(rc & 0xff), ExtendedCode: sqlite3.ErrNoExtended(rc)}
	return fmt.Errorf("%s: %w", msg, se)
}

func (c *fastConn) stmt(query string) (*C.sqlite3_stmt, error) {
	if st := c.stmts[query]; st != nil {
		return st, nil
	}
	q := C.CString(query)
	defer C.free(unsafe.Pointer(q))
	var st *C.sqlite3_stmt
	if rc := C.sqlite3_prepare_v3(c.db, q, -1, 1 /* SQLITE_PREPARE_PERSISTENT */, &st, nil); rc != 0 {
		return nil, c.lastError(rc)
	}
	c.stmts[query] = st
	return st, nil
}

func (c *fastConn) queryRow(query string, args []any, dest []any) error {
	st, n, total, err := c.start(query, args)
	if err != nil {
		return err
	}
	return c.scan(st, n, total, dest, true)
}

// start binds args to query's statement and steps to its first row,
// returning the row's width and text size; sql.ErrNoRows if it has none.
func (c *fastConn) start(query string, args []any) (*C.sqlite3_stmt, C.int, C.int, error) {
	if len(args) > fastMaxCols {
		return nil, 0, 0, fmt.Errorf("sqlstore: %d arguments: more than the fast path binds", len(args))
	}
	st, err := c.stmt(query)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := c.bind(args); err != nil {
		return nil, 0, 0, err
	}
	var got, total C.int
	rc := C.crd_step(st, c.args, C.int(len(args)), c.cols, fastMaxCols, &got, &total)
	return st, got, total, c.stepErr(rc, len(args))
}

func (c *fastConn) stepErr(rc C.int, nargs int) error {
	switch rc {
	case C.CRD_ROW:
		return nil
	case C.CRD_DONE:
		return sql.ErrNoRows
	case -1:
		return fmt.Errorf("sqlstore: %d arguments for a statement that takes another number", nargs)
	case -2:
		return errors.New("sqlstore: a row wider than the fast path reads")
	}
	return c.lastError(rc)
}

// scan copies the current row of st (n columns, total bytes of text)
// into dest, resetting st first if reset.
func (c *fastConn) scan(st *C.sqlite3_stmt, n, total C.int, dest []any, reset bool) error {
	cols := unsafe.Slice(c.cols, int(n))
	creset := C.int(0)
	if reset {
		creset = 1
	}
	var buf []byte
	if total > 0 {
		buf = make([]byte, int(total))
		C.crd_copy(st, c.cols, n, (*C.char)(unsafe.Pointer(&buf[0])), creset)
	} else {
		C.crd_copy(st, c.cols, n, nil, creset)
	}
	if len(dest) != int(n) {
		return fmt.Errorf("sql: expected %d destination arguments in Scan, not %d", n, len(dest))
	}
	off := 0
	for i, d := range dest {
		col := &cols[i]
		var text string
		if l := int(col.n); l > 0 {
			text = unsafe.String(&buf[off], l)
			off += l
		}
		if err := assign(d, col, text); err != nil {
			return fmt.Errorf("sql: Scan error on column index %d: %w", i, err)
		}
	}
	return nil
}

// fastRows is a page of rows on the fast path. It holds its connection
// until Close, as *sql.Rows does.
type fastRows struct {
	r        *fastReader
	c        *fastConn
	st       *C.sqlite3_stmt
	n, total C.int
	started  bool // Next has been called
	onRow    bool // the statement is on a row Scan may read
	err      error
	closed   bool
}

// query starts query and returns its rows; the caller must Close them.
func (r *fastReader) query(query string, args []any) (sqlRows, error) {
	c, err := r.take()
	if err != nil {
		return nil, err
	}
	st, n, total, err := c.start(query, args)
	rows := &fastRows{r: r, c: c, st: st, n: n, total: total}
	switch {
	case err == nil:
		rows.onRow = true
	case errors.Is(err, sql.ErrNoRows):
	default:
		r.give(c)
		return nil, err
	}
	return rows, nil
}

func (rs *fastRows) Next() bool {
	if rs.closed || rs.err != nil {
		return false
	}
	if !rs.started {
		rs.started = true
		return rs.onRow
	}
	if !rs.onRow {
		return false
	}
	rc := C.crd_next(rs.st, rs.c.cols, fastMaxCols, &rs.n, &rs.total)
	if err := rs.c.stepErr(rc, 0); err != nil {
		rs.onRow = false
		if !errors.Is(err, sql.ErrNoRows) {
			rs.err = err
		}
		return false
	}
	return true
}

func (rs *fastRows) Scan(dest ...any) error {
	if rs.closed || !rs.started || !rs.onRow {
		return errors.New("sql: Scan called without calling Next")
	}
	if !fastSupported(nil, dest) {
		return fmt.Errorf("sqlstore: a Scan destination the fast path does not fill, among %T", dest)
	}
	return rs.c.scan(rs.st, rs.n, rs.total, dest, false)
}

func (rs *fastRows) Err() error { return rs.err }

func (rs *fastRows) Close() error {
	if rs.closed {
		return nil
	}
	rs.closed = true
	if rs.st != nil {
		C.sqlite3_reset(rs.st)
	}
	rs.r.give(rs.c)
	return nil
}

// bind puts args into c.args, copying the bytes of strings into scratch
// (one byte more than they need, so that "" too binds a valid pointer).
func (c *fastConn) bind(args []any) error {
	need := 1
	for _, a := range args {
		if s, ok := a.(string); ok {
			need += len(s)
		}
	}
	if need > c.scratchCap {
		C.free(c.scratch)
		c.scratch = C.malloc(C.size_t(need))
		c.scratchCap = need
	}
	vals := unsafe.Slice(c.args, len(args))
	scratch := unsafe.Slice((*byte)(c.scratch), c.scratchCap)
	off := 0
	for i, a := range args {
		v := &vals[i]
		v.n, v.p = 0, nil
		switch a := a.(type) {
		case nil:
			v.typ = C.CRD_NULL
		case string:
			copy(scratch[off:], a)
			v.typ, v.n, v.p = C.CRD_TEXT, C.int(len(a)), unsafe.Pointer(&scratch[off])
			off += len(a)
		case int64:
			v.typ, v.i64 = C.CRD_INTEGER, C.sqlite3_int64(a)
		case int:
			v.typ, v.i64 = C.CRD_INTEGER, C.sqlite3_int64(a)
		case int32:
			v.typ, v.i64 = C.CRD_INTEGER, C.sqlite3_int64(a)
		case bool:
			v.typ, v.i64 = C.CRD_INTEGER, 0
			if a {
				v.i64 = 1
			}
		case float64:
			v.typ, v.f64 = C.CRD_FLOAT, C.double(a)
		default:
			return fmt.Errorf("sqlstore: an argument of type %T the fast path does not bind", a)
		}
	}
	return nil
}

// assign stores one column in d, converting as database/sql's Scan does
// for the destinations this package uses.
func assign(d any, col *C.crd_val, text string) error {
	null := col.typ == C.CRD_NULL
	switch d := d.(type) {
	case *string:
		if null {
			return errors.New("converting NULL to string is unsupported")
		}
		*d = colString(col, text)
	case *sql.NullString:
		d.Valid = !null
		d.String = ""
		if !null {
			d.String = colString(col, text)
		}
	case *int64:
		if null {
			return errors.New("converting NULL to int64 is unsupported")
		}
		v, err := colInt(col, text)
		*d = v
		return err
	case *int:
		if null {
			return errors.New("converting NULL to int is unsupported")
		}
		v, err := colInt(col, text)
		*d = int(v)
		return err
	case *sql.NullInt64:
		d.Valid, d.Int64 = !null, 0
		if !null {
			v, err := colInt(col, text)
			d.Int64 = v
			return err
		}
	case *bool:
		if null {
			return errors.New("converting NULL to bool is unsupported")
		}
		v, err := colBool(col, text)
		*d = v
		return err
	case *sql.NullBool:
		d.Valid, d.Bool = !null, false
		if !null {
			v, err := colBool(col, text)
			d.Bool = v
			return err
		}
	case *float64:
		if null {
			return errors.New("converting NULL to float64 is unsupported")
		}
		switch col.typ {
		case C.CRD_FLOAT:
			*d = float64(col.f64)
		case C.CRD_INTEGER:
			*d = float64(col.i64)
		default:
			v, err := strconv.ParseFloat(text, 64)
			*d = v
			return err
		}
	case *[]byte:
		*d = nil
		if !null {
			*d = []byte(colString(col, text))
		}
	default:
		return fmt.Errorf("unsupported Scan destination %T", d)
	}
	return nil
}

func colString(col *C.crd_val, text string) string {
	switch col.typ {
	case C.CRD_INTEGER:
		return strconv.FormatInt(int64(col.i64), 10)
	case C.CRD_FLOAT:
		return strconv.FormatFloat(float64(col.f64), 'g', -1, 64)
	}
	return text
}

func colInt(col *C.crd_val, text string) (int64, error) {
	switch col.typ {
	case C.CRD_INTEGER:
		return int64(col.i64), nil
	case C.CRD_FLOAT:
		return 0, fmt.Errorf("converting driver.Value type float64 (%v) to a int64: invalid syntax", float64(col.f64))
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("converting driver.Value type string (%q) to a int64: %w", text, err)
	}
	return v, nil
}

func colBool(col *C.crd_val, text string) (bool, error) {
	if col.typ == C.CRD_INTEGER {
		switch col.i64 {
		case 1:
			return true, nil
		case 0:
			return false, nil
		}
		return false, fmt.Errorf("sql/driver: couldn't convert %d into type bool", int64(col.i64))
	}
	v, err := strconv.ParseBool(text)
	if err != nil {
		return false, fmt.Errorf("sql/driver: couldn't convert %q into type bool", text)
	}
	return v, nil
}
