/* store.h — the SQLite state store under the index: schema, version
 * check, pragmas, transactions and the prepared statements (all the SQL
 * lives in store.c). The index (index.c) decides; the store keeps.
 *
 * Schema version WN_STORE_SCHEMA, tagged with PRAGMA application_id and
 * PRAGMA user_version. A file with another application id, or written by
 * an older or newer schema version, is refused with a message and left
 * untouched. The schema is documented in README.md ("State store").
 */
#ifndef WN_STORE_H
#define WN_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WN_STORE_SCHEMA 1
#define WN_STORE_APP_ID 0x574E4E57 /* "WNNW" */

enum wn_stmt {
	WN_SQL_OUTLET_GET,
	WN_SQL_OUTLET_ADD,
	WN_SQL_OUTLET_NAME,
	WN_SQL_CDOC_GET,
	WN_SQL_CDOC_ADD,
	WN_SQL_CDOC_PAGE,
	WN_SQL_CLINE_COUNT,
	WN_SQL_CLINE_GET,
	WN_SQL_ART_GET,
	WN_SQL_ART_ADD,
	WN_SQL_ART_BY_SEQ,
	WN_SQL_ART_EXACT,
	WN_SQL_BAND_ADD,
	WN_SQL_BAND_FIND,
	WN_SQL_QUOTE_ADD,
	WN_SQL_QUOTE_CLUSTER,
	WN_SQL_QUOTE_MERGE,
	WN_SQL_GRAM_ADD,
	WN_SQL_GRAM_FIND,
	WN_SQL_COUNT
};

typedef struct wn_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[WN_SQL_COUNT];
	char *path; /* NULL: in memory */
	bool read_only;
} wn_store;

/* Open or create the store at path (NULL: a private in-memory store).
 * read_only never creates nor changes anything; durable makes every
 * commit survive power loss (synchronous=FULL), otherwise a commit
 * survives a crash of the process (WAL, synchronous=NORMAL). */
int wn_store_open(const char *path, bool read_only, bool durable, wn_store **out, char *err,
		  size_t errlen);
void wn_store_close(wn_store *st);

/* The prepared statement, reset and with its bindings cleared. */
sqlite3_stmt *wn_store_stmt(wn_store *st, enum wn_stmt which);

/* Run SQL with no result rows. Returns 0 or a negative errno. */
int wn_store_exec(wn_store *st, const char *sql);

/* A SQLite result code as a negative errno, logging the error. */
int wn_store_error(wn_store *st, int sqlite_rc, const char *what);

/* Delete articles, quotes, fingerprints and chrome counts last seen
 * before `cutoff` (Unix seconds). Returns 0 or a negative errno. */
int wn_store_expire(wn_store *st, int64_t cutoff);

/* Bytes on disk: the database file and its write-ahead log. */
int64_t wn_store_size(const wn_store *st);

#endif
