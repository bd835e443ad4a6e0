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

#define WN_STORE_SCHEMA 2
#define WN_STORE_APP_ID 0x574E4E57 /* "WNNW" */

enum wn_stmt {
	WN_SQL_BEGIN, /* transaction control: run with wn_store_txn */
	WN_SQL_COMMIT,
	WN_SQL_ROLLBACK,
	WN_SQL_SAVEPOINT,
	WN_SQL_RELEASE,
	WN_SQL_ROLLBACK_TO,
	WN_SQL_OUTLET_GET,
	WN_SQL_OUTLET_ADD,
	WN_SQL_OUTLET_DEL,
	WN_SQL_OUTLET_NAME,
	WN_SQL_CDOC_GET,
	WN_SQL_CDOC_ADD,
	WN_SQL_CDOC_DEL,
	WN_SQL_CDOC_PAGE,
	WN_SQL_CDOC_OUTLET,
	WN_SQL_CDOC_KEYS,
	WN_SQL_CLINE_ADD,
	WN_SQL_CLINE_DEL,
	WN_SQL_CLINE_TOUCH,
	WN_SQL_CLINE_OUTLET,
	WN_SQL_ART_GET,
	WN_SQL_ART_ADD,
	WN_SQL_ART_DEL,
	WN_SQL_ART_BY_SEQ,
	WN_SQL_ART_SIGS,
	WN_SQL_QUOTE_ADD,
	WN_SQL_QUOTE_DEL,
	WN_SQL_QUOTE_GET,
	WN_SQL_QUOTE_MERGE,
	WN_SQL_QUOTE_GRAMS,
	WN_SQL_RANGES,
	WN_SQL_NEXT_IDS,
	WN_SQL_META_GET,
	WN_SQL_META_SET,
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

/* Run one of the transaction-control statements (BEGIN IMMEDIATE, COMMIT,
 * ROLLBACK, or SAVEPOINT/RELEASE/ROLLBACK TO wn_article), prepared once. Resets every cached
 * statement first, as wn_store_exec does. Returns 0 or a negative errno. */
int wn_store_txn(wn_store *st, enum wn_stmt which);

/* Run SQL with no result rows. Returns 0 or a negative errno. */
int wn_store_exec(wn_store *st, const char *sql);

/* A SQLite result code as a negative errno, logging the error. */
int wn_store_error(wn_store *st, int sqlite_rc, const char *what);

/* Delete articles and their quotes first seen, pages counted for chrome
 * first seen, and chrome lines last seen before `cutoff` (Unix seconds).
 * Articles, quotes and pages are found by their ids, which the index hands
 * out in time order. Returns 0 or a negative errno. */
int wn_store_expire(wn_store *st, int64_t cutoff);

/* Bytes on disk: the database file and its write-ahead log. */
int64_t wn_store_size(const wn_store *st);

#endif
