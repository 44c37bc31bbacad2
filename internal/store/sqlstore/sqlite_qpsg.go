package sqlstore

// Every SQLite connection of the process gets the query planner stability
// guarantee (SQLITE_DBCONFIG_ENABLE_QPSG). Without it, SQLite lets the
// planner look at bound parameter values, and marks a statement whose plan
// could depend on one (any join here: the partial-index and constant
// checks compare ? to literals) for re-preparation when its bindings
// change. go-sqlite3 clears the bindings before every execution, so each
// GetMembershipWith or joined page re-prepared its statement: ≈ 80 µs of
// the 135 µs it cost (docs/performance.md, "SQLite driver: modernc vs
// mattn"). With QPSG a plan depends only on the schema, which is what
// TestQueryPlans checks anyway: every statement here is an index seek
// whatever the parameters.
//
// The hook is an auto-extension, run by sqlite3_open for every new
// connection, because go-sqlite3 exposes no sqlite3_db_config. The
// functions resolve to the SQLite that go-sqlite3 links (its amalgamation,
// or the system library with its libsqlite3 tag).

/*
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_api_routines sqlite3_api_routines;
int sqlite3_db_config(sqlite3*, int op, ...);
int sqlite3_auto_extension(void (*xEntryPoint)(void));
int sqlite3_open(const char *filename, sqlite3 **db);
int sqlite3_close(sqlite3 *db);

static int cleanroomsd_qpsg(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api) {
	(void)errmsg;
	(void)api;
	return sqlite3_db_config(db, 1007, 1, (int *)0); // SQLITE_DBCONFIG_ENABLE_QPSG
}

static int cleanroomsd_register_qpsg(void) {
	return sqlite3_auto_extension((void (*)(void))cleanroomsd_qpsg);
}

// What a new connection reports for QPSG (for the test): 1, 0, or -1 if
// the connection could not be opened.
static int cleanroomsd_qpsg_of_new_connection(void) {
	sqlite3 *db = 0;
	int on = -1;
	if (sqlite3_open(":memory:", &db) == 0) {
		sqlite3_db_config(db, 1007, -1, &on);
	}
	sqlite3_close(db);
	return on;
}
*/
import "C"

import "fmt"

func init() {
	if rc := C.cleanroomsd_register_qpsg(); rc != 0 {
		panic(fmt.Sprintf("sqlstore: sqlite3_auto_extension: error %d", rc))
	}
}

// qpsgOfNewConnection reports whether a connection opened now has QPSG
// on: 1 (on), 0 (off), -1 (no connection).
func qpsgOfNewConnection() int { return int(C.cleanroomsd_qpsg_of_new_connection()) }
