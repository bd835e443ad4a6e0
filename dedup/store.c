/* store.c — the SQLite state store (see store.h). */
#include "dedup/store.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Schema version 2. Documented in README.md, "State store". SQLite is the
 * truth; the index keeps in memory only what it can rebuild from these rows
 * (band keys from articles.minhash, k-grams from quotes.grams, chrome
 * windows from chrome_docs.keys). */
static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE outlets(outlet_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE chrome_docs(cseq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	" outlet_id INTEGER NOT NULL, page INTEGER NOT NULL, first_seen INTEGER NOT NULL, keys BLOB);"
	"CREATE INDEX chrome_docs_page ON chrome_docs(outlet_id, page);"
	"CREATE TABLE chrome_lines(outlet_id INTEGER NOT NULL, line_key INTEGER NOT NULL,"
	" docs INTEGER NOT NULL, chrome_since INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" sample TEXT NOT NULL, PRIMARY KEY(outlet_id, line_key)) WITHOUT ROWID;"
	"CREATE TABLE articles(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	" outlet_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, exact BLOB,"
	" shingles INTEGER NOT NULL DEFAULT 0, minhash BLOB, duplicate_of INTEGER);"
	"CREATE TABLE quotes(quote_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL,"
	" text TEXT NOT NULL, cluster INTEGER NOT NULL, grams BLOB NOT NULL);"
	"CREATE INDEX quotes_cluster ON quotes(cluster);"
	"INSERT INTO meta VALUES('expired_at', '0');"
	"INSERT INTO meta VALUES('next_ids', '1 1 1');";

static const char *const stmt_sql[WN_SQL_COUNT] = {
	[WN_SQL_BEGIN] = "BEGIN IMMEDIATE",
	[WN_SQL_COMMIT] = "COMMIT",
	[WN_SQL_ROLLBACK] = "ROLLBACK",
	[WN_SQL_SAVEPOINT] = "SAVEPOINT wn_article",
	[WN_SQL_RELEASE] = "RELEASE wn_article",
	[WN_SQL_ROLLBACK_TO] = "ROLLBACK TO wn_article",
	[WN_SQL_OUTLET_GET] = "SELECT outlet_id FROM outlets WHERE name = ?1",
	[WN_SQL_OUTLET_ADD] = "INSERT INTO outlets(outlet_id, name) VALUES(?1, ?2)",
	[WN_SQL_OUTLET_DEL] = "DELETE FROM outlets WHERE outlet_id = ?1",
	[WN_SQL_OUTLET_NAME] = "SELECT name FROM outlets WHERE outlet_id = ?1",
	[WN_SQL_CDOC_GET] = "SELECT cseq FROM chrome_docs WHERE id = ?1",
	/* ?6: the page's sorted distinct line keys when it is counted, else NULL */
	[WN_SQL_CDOC_ADD] = "INSERT INTO chrome_docs(cseq, id, outlet_id, page, first_seen, keys)"
			    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[WN_SQL_CDOC_DEL] = "DELETE FROM chrome_docs WHERE cseq = ?1",
	[WN_SQL_CDOC_PAGE] = "SELECT 1 FROM chrome_docs WHERE outlet_id = ?1 AND page = ?2 LIMIT 1",
	[WN_SQL_CDOC_OUTLET] = "SELECT cseq FROM chrome_docs INDEXED BY chrome_docs_page"
			       " WHERE outlet_id = ?1",
	[WN_SQL_CDOC_KEYS] = "SELECT keys FROM chrome_docs WHERE cseq = ?1",
	[WN_SQL_CLINE_ADD] = "INSERT OR IGNORE INTO chrome_lines(outlet_id, line_key, docs,"
			     " chrome_since, last_seen, sample) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[WN_SQL_CLINE_DEL] = "DELETE FROM chrome_lines WHERE outlet_id = ?1 AND line_key = ?2",
	[WN_SQL_CLINE_TOUCH] = "UPDATE chrome_lines SET docs = ?3, last_seen = ?4"
			       " WHERE outlet_id = ?1 AND line_key = ?2",
	[WN_SQL_CLINE_OUTLET] = "SELECT line_key, chrome_since, docs FROM chrome_lines"
				" WHERE outlet_id = ?1 ORDER BY chrome_since, line_key",
	[WN_SQL_ART_GET] = "SELECT seq FROM articles WHERE id = ?1",
	[WN_SQL_ART_ADD] = "INSERT INTO articles(seq, id, outlet_id, first_seen, exact, shingles,"
			   " minhash, duplicate_of) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[WN_SQL_ART_DEL] = "DELETE FROM articles WHERE seq = ?1",
	[WN_SQL_ART_BY_SEQ] = "SELECT id, outlet_id, shingles, minhash, duplicate_of, exact"
			      " FROM articles WHERE seq = ?1",
	/* ?1: the lowest seq to read (0: all; > 0: replaying after a snapshot) */
	[WN_SQL_ART_SIGS] = "SELECT seq, minhash FROM articles WHERE seq >= ?1 AND minhash IS NOT NULL",
	[WN_SQL_QUOTE_ADD] = "INSERT INTO quotes(quote_id, seq, text, cluster, grams)"
			     " VALUES(?1, ?2, ?3, ?4, ?5)",
	[WN_SQL_QUOTE_DEL] = "DELETE FROM quotes WHERE quote_id >= ?1",
	[WN_SQL_QUOTE_GET] = "SELECT seq, cluster, grams FROM quotes WHERE quote_id = ?1",
	[WN_SQL_QUOTE_MERGE] = "UPDATE quotes SET cluster = ?1 WHERE cluster = ?2",
	[WN_SQL_QUOTE_GRAMS] = "SELECT quote_id, grams FROM quotes WHERE quote_id >= ?1",
	/* what is in the store: ranges of the ids, rows to expect, and the next
	 * ids (never reused: kept in meta across expiry) */
	[WN_SQL_RANGES] = "SELECT (SELECT min(seq) FROM articles), (SELECT max(seq) FROM articles),"
			  " (SELECT min(quote_id) FROM quotes), (SELECT max(quote_id) FROM quotes),"
			  " (SELECT max(cseq) FROM chrome_docs), (SELECT max(outlet_id) FROM outlets),"
			  " (SELECT value FROM meta WHERE key = 'next_ids'),"
			  " (SELECT first_seen FROM articles ORDER BY seq DESC LIMIT 1),"
			  " (SELECT first_seen FROM chrome_docs ORDER BY cseq DESC LIMIT 1)",
	[WN_SQL_NEXT_IDS] = "UPDATE meta SET value = ?1 WHERE key = 'next_ids'",
	[WN_SQL_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[WN_SQL_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
};

int wn_store_error(wn_store *st, int rc, const char *what)
{
	if (st && st->db)
		wn_err("state store%s%s: %s: %s", st->path ? " " : "", st->path ? st->path : "", what,
		       sqlite3_errmsg(st->db));
	switch (rc & 0xff) {
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return -EILSEQ;
	default: return -EIO;
	}
}

static void reset_all(wn_store *st)
{
	for (size_t i = 0; i < WN_SQL_COUNT; i++)
		if (st->stmt[i])
			sqlite3_reset(st->stmt[i]);
}

int wn_store_exec(wn_store *st, const char *sql)
{
	/* A cached statement that stepped to a row keeps its read transaction
	 * open until reset; left so across a COMMIT it pins the write-ahead log,
	 * which then can never be checkpointed and grows without bound. No
	 * caller holds a row across transaction control, so reset them all. */
	reset_all(st);
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : wn_store_error(st, rc, sql);
}

int wn_store_txn(wn_store *st, enum wn_stmt which)
{
	reset_all(st); /* see wn_store_exec */
	sqlite3_stmt *s = wn_store_stmt(st, which);
	if (!s)
		return -EIO;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : wn_store_error(st, rc, stmt_sql[which]);
}

sqlite3_stmt *wn_store_stmt(wn_store *st, enum wn_stmt which)
{
	sqlite3_stmt *s = st->stmt[which];
	if (!s) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s,
				       NULL) != SQLITE_OK) {
			wn_store_error(st, sqlite3_errcode(st->db), "prepare");
			return NULL;
		}
		st->stmt[which] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int pragma_int(wn_store *st, const char *pragma, int *value)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA %s", pragma);
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	*value = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int table_count(wn_store *st, int *n)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Check the file is a winnow store of our version; create the schema in
 * an empty one. Nothing is written to a file that is refused. */
static int check_schema(wn_store *st, char *err, size_t errlen)
{
	int app = 0, version = 0, tables = 0;
	int rc = pragma_int(st, "application_id", &app);
	if (rc == SQLITE_OK)
		rc = pragma_int(st, "user_version", &version);
	if (rc == SQLITE_OK)
		rc = table_count(st, &tables);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a readable state store: %s", st->path,
			 sqlite3_errstr(rc));
		return wn_store_error(NULL, rc, "");
	}
	if (tables == 0 && app == 0) {
		if (st->read_only) {
			snprintf(err, errlen, "%s: empty state store", st->path ? st->path : ":memory:");
			return -ENOENT;
		}
		char sql[sizeof schema_sql + 128];
		snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s PRAGMA application_id = %d;"
			 " PRAGMA user_version = %d; COMMIT;", schema_sql, WN_STORE_APP_ID,
			 WN_STORE_SCHEMA);
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "%s: cannot create the state store: %s",
				 st->path ? st->path : ":memory:", sqlite3_errmsg(st->db));
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return wn_store_error(NULL, rc, "");
		}
		return 0;
	}
	if (app != WN_STORE_APP_ID) {
		snprintf(err, errlen, "%s: not a winnow state store (SQLite application id %d)",
			 st->path, app);
		return -EILSEQ;
	}
	if (version < WN_STORE_SCHEMA) {
		snprintf(err, errlen,
			 "%s: state store has schema version %d (written by an older winnow); this"
			 " winnow uses version %d and does not convert it. It was left untouched:"
			 " move it away or delete it to start a new store (learned chrome, quotes"
			 " and duplicates are then learned anew), or keep using the older winnow",
			 st->path, version, WN_STORE_SCHEMA);
		return -EPROTO;
	}
	if (version != WN_STORE_SCHEMA) {
		snprintf(err, errlen,
			 "%s: state store has schema version %d, this winnow uses version %d (written"
			 " by a newer winnow); it was left untouched",
			 st->path, version, WN_STORE_SCHEMA);
		return -EPROTO;
	}
	return 0;
}

int wn_store_open(const char *path, bool read_only, bool durable, wn_store **out, char *err,
		  size_t errlen)
{
	*out = NULL;
	wn_store *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	st->read_only = read_only && path;
	if (path && !(st->path = strdup(path))) {
		free(st);
		return -ENOMEM;
	}
	int flags = (st->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	int rc = sqlite3_open_v2(path ? path : ":memory:", &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the state store: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		int e = wn_store_error(NULL, rc, "");
		wn_store_close(st);
		return e;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 0);
	int e = check_schema(st, err, errlen);
	if (e == 0 && path && !st->read_only) {
		char sql[160];
		snprintf(sql, sizeof sql, "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s;",
			 durable ? "FULL" : "NORMAL");
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "%s: cannot set up the state store: %s", path,
				 sqlite3_errmsg(st->db));
			e = wn_store_error(NULL, rc, "");
		}
	}
	if (e == 0)
		sqlite3_exec(st->db, "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;", NULL,
			     NULL, NULL);
	if (e < 0) {
		wn_store_close(st);
		return e;
	}
	*out = st;
	return 0;
}

void wn_store_close(wn_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < WN_SQL_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* The last id of `table` whose time column is < cutoff (0: none), by
 * binary search over the ids: they are given in time order (the index
 * keeps times from going back), so old rows come first. */
static int last_before(wn_store *st, const char *table, const char *id, const char *time_col,
		       int64_t cutoff, int64_t *last)
{
	char sql[200];
	*last = 0;
	snprintf(sql, sizeof sql, "SELECT min(%s), max(%s) FROM %s", id, id, table);
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return wn_store_error(st, rc, "expiry");
	rc = sqlite3_step(s);
	int64_t a = sqlite3_column_int64(s, 0), b = sqlite3_column_int64(s, 1);
	bool empty = rc != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wn_store_error(st, rc, "expiry");
	if (empty)
		return 0;
	snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s WHERE %s >= ?1 ORDER BY %s LIMIT 1", id,
		 time_col, table, id, id);
	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return wn_store_error(st, rc, "expiry");
	while (a <= b) { /* the boundary lies in [a, b] */
		int64_t mid = a + (b - a) / 2;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, mid);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(s);
			return rc == SQLITE_DONE ? 0 : wn_store_error(st, rc, "expiry");
		}
		int64_t at = sqlite3_column_int64(s, 0);
		if (at > b) /* no row in [mid, b] */
			b = mid - 1;
		else if (sqlite3_column_int64(s, 1) < cutoff)
			*last = at, a = at + 1;
		else /* new from `at` on, and nothing in [mid, at) */
			b = mid - 1;
	}
	sqlite3_finalize(s);
	return 0;
}

static int exec_bound(wn_store *st, const char *sql, int64_t v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, v);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			return 0;
	}
	return wn_store_error(st, rc, "expiring old entries");
}

int wn_store_expire(wn_store *st, int64_t cutoff)
{
	int64_t seq, cseq;
	int rc = last_before(st, "articles", "seq", "first_seen", cutoff, &seq);
	if (rc == 0)
		rc = last_before(st, "chrome_docs", "cseq", "first_seen", cutoff, &cseq);
	/* quotes are in the order of their articles: the last one of an old article */
	int64_t qid = 0;
	if (rc == 0 && seq > 0)
		rc = last_before(st, "quotes", "quote_id", "seq", seq + 1, &qid);
	if (rc == 0 && qid > 0)
		rc = exec_bound(st, "DELETE FROM quotes WHERE quote_id <= ?1", qid);
	if (rc == 0 && seq > 0)
		rc = exec_bound(st, "DELETE FROM articles WHERE seq <= ?1", seq);
	if (rc == 0 && cseq > 0)
		rc = exec_bound(st, "DELETE FROM chrome_docs WHERE cseq <= ?1", cseq);
	if (rc == 0)
		rc = exec_bound(st, "DELETE FROM chrome_lines WHERE last_seen < ?1", cutoff);
	if (rc == 0)
		rc = wn_store_exec(st, "UPDATE meta SET value = strftime('%s', 'now')"
				       " WHERE key = 'expired_at'");
	return rc;
}

int64_t wn_store_size(const wn_store *st)
{
	if (!st->path)
		return 0;
	int64_t total = 0;
	struct stat sb;
	if (stat(st->path, &sb) == 0)
		total += sb.st_size;
	size_t n = strlen(st->path) + 5;
	char *wal = malloc(n);
	if (wal) {
		snprintf(wal, n, "%s-wal", st->path);
		if (stat(wal, &sb) == 0)
			total += sb.st_size;
		free(wal);
	}
	return total;
}
