/* index.c — learned chrome, quotes and duplicates: decided from memory,
 * kept in the state store (see index.h; the SQL is in store.c).
 *
 * An article first only reads (the store and memory) and decides; then its
 * rows are written in one burst, and only once they are in is memory
 * changed, so a failed article leaves memory as it was. Its rows are
 * undone by their ids (ids are handed out here, in arrival order, never
 * reused): a batch needs no savepoint per article. A rolled-back batch
 * marks memory stale; it is rebuilt from the store before the next
 * article. */
#include "dedup/index.h"
#include "dedup/chromewin.h"
#include "dedup/fingerprint.h"
#include "dedup/normalise.h"
#include "dedup/quotes.h"
#include "dedup/records.h"
#include "dedup/snapshot.h"
#include "dedup/store.h"
#include "dedup/tagtab.h"
#include "filters/chrome.h"
#include "lib/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define MAX_CANDIDATES 256 /* near-duplicate candidates verified per article */
#define EXPIRE_EVERY (24 * 3600)

typedef struct outlet {
	char *name;
	uint64_t hash; /* of name, to find it fast */
	int64_t id;
	bool pending;      /* not in the store yet: its first article is under way */
	wn_chromewin *win; /* NULL: not loaded */
	uint64_t used;     /* when last used (idx->tick), for dropping the least recent */
	bool dirty;        /* holds chrome lines whose docs are not yet written */
} outlet;

struct wn_index {
	wn_store *st;
	unsigned min_docs, retention_days, window;
	size_t chrome_memory;
	bool batch;
	bool poisoned; /* the batch was lost (an article could not be undone) */
	bool writable; /* keeps memory; read-only indexes only report */
	bool stale;    /* memory out of step with the store: rebuild first */
	int64_t next_expire;
	outlet **outlets; /* every outlet met (id cache); the store is the truth */
	size_t noutlets;
	uint64_t tick;
	wn_tagtab *bands; /* band key -> article seq */
	wn_tagtab *grams; /* quote k-gram -> quote id */
	wn_snapshot_id snapshot; /* the one the tables were read from (token 0: built from rows) */
	bool changed;            /* the tables differ from that snapshot */
	int64_t data_version;    /* of the store when memory was read: another writer changes it */
	/* the next ids to hand out, and the latest time given (never back) */
	int64_t next_seq, next_cseq, next_qid, next_outlet, last_time;
	unsigned char *scratch; /* blob encoding */
	size_t scratch_cap;
	/* a quote's candidate ids and the set that keeps them distinct, kept
	 * from one quote to the next (no allocation per quote) */
	uint32_t *cand;
	size_t cand_cap;
	uint32_t *cand_set;
	size_t cand_set_cap;
	wn_records rec;      /* recorded articles and quotes: candidates verified from memory */
	char **outlet_names; /* by outlet id, as read for quote refs (NULL: not read) */
	size_t noutlet_names;
	uint64_t *grams_buf; /* a quote's k-grams read from the store */
	size_t grams_cap;
};

typedef struct {
	uint64_t key;
	int64_t docs;
	char *sample;
	bool inserted; /* its row is this article's (INSERT OR IGNORE may keep another's) */
} new_line;

typedef struct {
	uint64_t hash;
	uint32_t qid;
} gram_add;

typedef struct {
	int64_t qid, cluster;
	const wn_quote *q;
	const uint64_t *grams;
	size_t ngrams;
	const int64_t *merge; /* clusters that join this one */
	size_t nmerge;
} quote_row;

struct wn_index_article {
	wn_index *idx;
	outlet *outlet;
	int64_t now;
	bool counted;  /* the page was counted before (by id): nothing to write */
	bool new_page; /* counted now: its keys go into the window */
	int64_t cseq;
	uint64_t *chrome;
	uint64_t *line_keys; /* each line's chrome key, for the filter */
	wn_chrome_view view;
	uint64_t page;
	uint64_t *page_keys; /* the page's sorted distinct line keys */
	size_t npage_keys;
	new_line *new_lines; /* lines that become chrome with this page */
	size_t nnew_lines;
	uint64_t *touched; /* chrome lines this page counts again */
	size_t ntouched;
	/* the article's row, when it is new */
	bool record;
	int64_t seq, canon;
	wn_body_sig sig;
	quote_row *quotes;
	size_t nquotes;
	/* written so far, for undo */
	bool w_outlet, w_page, w_article;
	size_t w_lines, w_quotes;
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

/* ---- SQL helpers ---- */

/* Step a statement expecting at most one row; *found tells whether one came. */
static int step_row(wn_store *st, sqlite3_stmt *s, bool *found, const char *what)
{
	if (found)
		*found = false;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		if (found)
			*found = rc == SQLITE_ROW;
		return 0;
	}
	return wn_store_error(st, rc, what);
}

/* A statement whose row, if any, does not matter (a write). */
static int step_done(wn_store *st, sqlite3_stmt *s, const char *what)
{
	return step_row(st, s, NULL, what);
}

static sqlite3_stmt *stmt(wn_index *idx, enum wn_stmt w) { return wn_store_stmt(idx->st, w); }

/* Blobs of uint64 are little-endian. */
static const void *u64_blob(wn_index *idx, const uint64_t *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)idx;
	(void)n;
	return v;
#else
	if (n * 8 > idx->scratch_cap) {
		unsigned char *p = realloc(idx->scratch, n * 8);
		if (!p)
			return NULL;
		idx->scratch = p;
		idx->scratch_cap = n * 8;
	}
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			idx->scratch[i * 8 + b] = (unsigned char)(v[i] >> (8 * b));
	return idx->scratch;
#endif
}

static inline uint64_t blob_u64(const unsigned char *p, size_t i)
{
	uint64_t x;
	memcpy(&x, p + i * 8, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* Memory keeps article seqs and quote ids in 32 bits (4 billion): the next
 * id to hand out stays below UINT32_MAX. An open refuses a store past it,
 * so a writer refuses an id that would take the store there. */
static inline bool ids_fit(int64_t next)
{
	return next < UINT32_MAX;
}

/* A signature's MinHash values as stored: WN_MINHASH uint32, little-endian. */
#define MINHASH_BLOB (WN_MINHASH * 4)

static void minhash_to_blob(const wn_body_sig *sig, unsigned char blob[MINHASH_BLOB])
{
	for (int i = 0; i < WN_MINHASH; i++)
		for (int b = 0; b < 4; b++)
			blob[i * 4 + b] = (unsigned char)(sig->minhash[i] >> (8 * b));
}

static void minhash_from_blob(const unsigned char blob[MINHASH_BLOB], wn_body_sig *sig)
{
	for (int i = 0; i < WN_MINHASH; i++)
		sig->minhash[i] = (uint32_t)blob[i * 4] | (uint32_t)blob[i * 4 + 1] << 8 |
				  (uint32_t)blob[i * 4 + 2] << 16 | (uint32_t)blob[i * 4 + 3] << 24;
}

/* A copy of a blob of n uint64 (malloc'd; NULL when out of memory). */
static uint64_t *blob_to_u64s(const unsigned char *p, size_t n)
{
	uint64_t *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; v && i < n; i++)
		v[i] = blob_u64(p, i);
	return v;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t unique_i64(int64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof *v, cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	return u;
}

static int push_i64(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		int64_t *p = realloc(*v, c * sizeof *p);
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		uint32_t *p = realloc(*v, c * sizeof *p);
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* ---- outlets and their chrome windows ---- */

static void outlet_free(outlet *o)
{
	if (!o)
		return;
	wn_chromewin_free(o->win);
	free(o->name);
	free(o);
}

static void forget_outlets(wn_index *idx)
{
	for (size_t i = 0; i < idx->noutlets; i++)
		outlet_free(idx->outlets[i]);
	free(idx->outlets);
	idx->outlets = NULL;
	idx->noutlets = 0;
	for (size_t i = 0; i < idx->noutlet_names; i++)
		free(idx->outlet_names[i]);
	free(idx->outlet_names);
	idx->outlet_names = NULL;
	idx->noutlet_names = 0;
}

static int outlet_get(wn_index *idx, const char *name, bool create, outlet **out)
{
	*out = NULL;
	uint64_t h = XXH3_64bits(name, strlen(name));
	for (size_t i = 0; i < idx->noutlets; i++)
		if (idx->outlets[i]->hash == h && !strcmp(idx->outlets[i]->name, name)) {
			*out = idx->outlets[i];
			return 0;
		}
	sqlite3_stmt *s = stmt(idx, WN_SQL_OUTLET_GET);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	bool found = false;
	int rc = step_row(idx->st, s, &found, "outlet");
	if (rc < 0)
		return rc;
	if (!found && !create)
		return -ENOENT;
	int64_t id = found ? sqlite3_column_int64(s, 0) : idx->next_outlet;
	outlet **v = realloc(idx->outlets, (idx->noutlets + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	idx->outlets = v;
	outlet *o = calloc(1, sizeof *o);
	if (!o || !(o->name = strdup(name))) {
		free(o);
		return -ENOMEM;
	}
	o->hash = h;
	o->id = id;
	o->pending = !found; /* its row is written with its first article */
	v[idx->noutlets++] = o;
	*out = o;
	return 0;
}

/* Forget an outlet created by a rolled-back article (the last one added). */
static void outlet_drop(wn_index *idx, outlet *o)
{
	for (size_t i = 0; i < idx->noutlets; i++)
		if (idx->outlets[i] == o) {
			idx->outlets[i] = idx->outlets[--idx->noutlets];
			outlet_free(o);
			return;
		}
}

/* Load an outlet's chrome lines and the window of its last counted pages. */
static int outlet_load(wn_index *idx, outlet *o)
{
	o->used = ++idx->tick;
	if (o->win)
		return 0;
	wn_chromewin *w;
	int rc = wn_chromewin_new(idx->window, &w);
	if (rc < 0 || o->pending) { /* a new outlet has no rows yet */
		o->win = rc < 0 ? NULL : w;
		return rc;
	}
	sqlite3_stmt *s = stmt(idx, WN_SQL_CLINE_OUTLET);
	rc = s ? 0 : -EIO;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, o->id);
		int r;
		while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW)
			rc = wn_chromewin_add_line(w, (uint64_t)sqlite3_column_int64(s, 0),
						   sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2));
		if (rc == 0 && r != SQLITE_DONE)
			rc = wn_store_error(idx->st, r, "loading chrome lines");
		sqlite3_reset(s);
	}
	/* the outlet's pages from its index, newest first; the window takes the
	 * last counted ones (those with keys), oldest first */
	int64_t *cseqs = NULL;
	size_t n = 0, cap = 0;
	if (rc == 0 && !(s = stmt(idx, WN_SQL_CDOC_OUTLET)))
		rc = -EIO;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, o->id);
		int r;
		while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW)
			rc = push_i64(&cseqs, &n, &cap, sqlite3_column_int64(s, 0));
		if (rc == 0 && r != SQLITE_DONE)
			rc = wn_store_error(idx->st, r, "loading a chrome window");
		sqlite3_reset(s);
	}
	if (rc == 0)
		n = unique_i64(cseqs, n);
	struct pg {
		int64_t cseq;
		uint64_t *keys;
		size_t n;
	} *pages = calloc(idx->window, sizeof *pages);
	size_t np = 0;
	if (rc == 0 && !pages)
		rc = -ENOMEM;
	for (size_t i = n; rc == 0 && i-- > 0 && np < idx->window;) {
		if (!(s = stmt(idx, WN_SQL_CDOC_KEYS))) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, cseqs[i]);
		bool found = false;
		rc = step_row(idx->st, s, &found, "loading a chrome window");
		if (rc < 0 || !found || sqlite3_column_type(s, 0) == SQLITE_NULL)
			continue; /* a page that only read */
		size_t k = (size_t)sqlite3_column_bytes(s, 0) / 8;
		pages[np].cseq = cseqs[i];
		pages[np].n = k;
		if (!(pages[np++].keys = blob_to_u64s(sqlite3_column_blob(s, 0), k)))
			rc = -ENOMEM;
	}
	free(cseqs);
	for (size_t i = np; i-- > 0;) {
		if (rc == 0)
			rc = wn_chromewin_push(w, pages[i].cseq, pages[i].keys, pages[i].n);
		else
			free(pages[i].keys);
	}
	free(pages);
	if (rc < 0) {
		wn_chromewin_free(w);
		return rc;
	}
	o->win = w;
	return 0;
}

/* Write the docs and last_seen of chrome lines counted since the last
 * write (once per batch, not per article). */
static int flush_lines(wn_index *idx)
{
	int64_t now = now_s();
	for (size_t i = 0; i < idx->noutlets; i++) {
		outlet *o = idx->outlets[i];
		if (!o->dirty || !o->win)
			continue;
		size_t n;
		wn_chrome_line *l = wn_chromewin_lines(o->win, &n);
		for (size_t k = 0; k < n; k++) {
			if (!l[k].dirty)
				continue;
			sqlite3_stmt *s = stmt(idx, WN_SQL_CLINE_TOUCH);
			if (!s)
				return -EIO;
			sqlite3_bind_int64(s, 1, o->id);
			sqlite3_bind_int64(s, 2, (int64_t)l[k].key);
			sqlite3_bind_int64(s, 3, l[k].docs);
			sqlite3_bind_int64(s, 4, now);
			int rc = step_done(idx->st, s, "updating chrome lines");
			if (rc < 0)
				return rc;
			l[k].dirty = false;
		}
		o->dirty = false;
	}
	return 0;
}

/* Drop the least recently used chrome windows beyond chrome_memory (the
 * newest always stays). Only between batches: nothing is dirty then. */
static void trim_windows(wn_index *idx)
{
	for (;;) {
		size_t total = 0, loaded = 0;
		outlet *oldest = NULL;
		for (size_t i = 0; i < idx->noutlets; i++) {
			outlet *o = idx->outlets[i];
			if (!o->win)
				continue;
			total += wn_chromewin_bytes(o->win);
			loaded++;
			if (!o->dirty && (!oldest || o->used < oldest->used))
				oldest = o;
		}
		if (total <= idx->chrome_memory || loaded <= 1 || !oldest)
			return;
		wn_chromewin_free(oldest->win);
		oldest->win = NULL;
	}
}

static void unload_windows(wn_index *idx)
{
	for (size_t i = 0; i < idx->noutlets; i++) {
		wn_chromewin_free(idx->outlets[i]->win);
		idx->outlets[i]->win = NULL;
		idx->outlets[i]->dirty = false;
	}
}

/* ---- the lookup tables ---- */

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* The next ids and the latest time, from the store; *articles: about how
 * many there are. */
static int load_ranges(wn_index *idx, size_t *articles)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_RANGES);
	bool found;
	int rc = s ? step_row(idx->st, s, &found, "reading id ranges") : -EIO;
	if (rc < 0)
		return rc;
	int64_t seq_lo = sqlite3_column_int64(s, 0), seq_hi = sqlite3_column_int64(s, 1);
	int64_t q_hi = sqlite3_column_int64(s, 3);
	*articles = seq_hi >= seq_lo ? (size_t)(seq_hi - seq_lo + 1) : 0;
	long long next[3] = {1, 1, 1};
	const char *kept = (const char *)sqlite3_column_text(s, 6);
	if (kept && sscanf(kept, "%lld %lld %lld", &next[0], &next[1], &next[2]) != 3)
		next[0] = next[1] = next[2] = 1;
	idx->next_seq = max64(next[0], seq_hi + 1);
	idx->next_cseq = max64(next[1], sqlite3_column_int64(s, 4) + 1);
	idx->next_qid = max64(next[2], q_hi + 1);
	idx->next_outlet = sqlite3_column_int64(s, 5) + 1;
	idx->last_time = max64(sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8));
	bool no_articles = sqlite3_column_type(s, 0) == SQLITE_NULL;
	bool no_quotes = sqlite3_column_type(s, 2) == SQLITE_NULL;
	int64_t q_lo = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	if (!ids_fit(idx->next_seq) || !ids_fit(idx->next_qid))
		return -EOVERFLOW;
	/* the records read anew from here: nothing below these ids is asked for */
	wn_records_reset(&idx->rec, (uint32_t)(no_articles ? idx->next_seq : seq_lo),
			 (uint32_t)(no_quotes ? idx->next_qid : q_lo));
	return 0;
}

/* Stage the band keys of the articles from seq `from` on (about `articles`
 * of them); wn_tagtab_settle places them. */
static int stage_bands(wn_index *idx, int64_t from, size_t articles)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_SIGS);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	int rc = wn_tagtab_stage_hint(idx->bands, articles * WN_BANDS), r;
	while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *blob = sqlite3_column_blob(s, 1);
		if (!blob || sqlite3_column_bytes(s, 1) != MINHASH_BLOB)
			continue;
		wn_body_sig sig;
		minhash_from_blob(blob, &sig);
		uint64_t bands[WN_BANDS];
		wn_fp_bands(&sig, bands);
		uint32_t seq = (uint32_t)sqlite3_column_int64(s, 0);
		for (int b = 0; b < WN_BANDS && rc == 0; b++)
			rc = wn_tagtab_stage(idx->bands, bands[b], seq);
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = wn_store_error(idx->st, r, "loading article signatures");
	sqlite3_reset(s);
	return rc;
}

/* The band keys of the articles from seq `from` on, staged then placed. */
static int load_bands(wn_index *idx, int64_t from, size_t articles)
{
	int rc = stage_bands(idx, from, articles);
	int settled = wn_tagtab_settle(idx->bands);
	return rc < 0 ? rc : settled;
}

/* The k-grams of the quotes from quote id `from` on. */
static int load_grams(wn_index *idx, int64_t from)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_QUOTE_GRAMS);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	int rc = 0, r;
	while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
		uint32_t qid = (uint32_t)sqlite3_column_int64(s, 0);
		const unsigned char *blob = sqlite3_column_blob(s, 1);
		size_t n = (size_t)sqlite3_column_bytes(s, 1) / 8;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = wn_tagtab_stage(idx->grams, blob_u64(blob, i), qid);
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = wn_store_error(idx->st, r, "loading quote fingerprints");
	sqlite3_reset(s);
	int settled = wn_tagtab_settle(idx->grams);
	return rc < 0 ? rc : settled;
}

typedef struct {
	wn_tagtab *t;
	pthread_t thread;
	int rc;
} settle_job;

static void *settle_run(void *arg)
{
	settle_job *j = arg;
	j->rc = wn_tagtab_settle(j->t);
	return NULL;
}

/* (Re)build memory from the store: ids and lookup tables now, chrome
 * windows as outlets come. */
static int build_memory(wn_index *idx)
{
	forget_outlets(idx);
	wn_tagtab_free(idx->bands);
	wn_tagtab_free(idx->grams);
	idx->stale = true;
	idx->snapshot = (wn_snapshot_id){0};
	idx->changed = true;
	size_t articles = 0;
	int rc = load_ranges(idx, &articles);
	if (rc == 0)
		rc = stage_bands(idx, 0, articles);
	/* Placing the band keys is about as long as reading the quotes' rows:
	 * one runs on a thread beside the other (each table is touched by one
	 * thread only; SQLite only by this one). */
	settle_job bands = {.t = idx->bands};
	bool apart = rc == 0 && pthread_create(&bands.thread, NULL, settle_run, &bands) == 0;
	if (rc == 0 && !apart)
		settle_run(&bands);
	if (rc == 0)
		rc = load_grams(idx, 0);
	if (apart)
		pthread_join(bands.thread, NULL);
	if (rc == 0 && bands.rc < 0)
		rc = bands.rc;
	if (rc < 0) {
		wn_tagtab_free(idx->bands);
		wn_tagtab_free(idx->grams);
		return rc;
	}
	idx->stale = false;
	return 0;
}

/* ---- the snapshot of the tables (snapshot.h) ---- */

#define SNAPSHOT_KEY "index_snapshot" /* meta: "<token hex> <next seq> <next quote id>" */

static int read_snapshot_id(wn_index *idx, wn_snapshot_id *id, bool *named)
{
	*named = false;
	sqlite3_stmt *s = stmt(idx, WN_SQL_META_GET);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, SNAPSHOT_KEY, -1, SQLITE_STATIC);
	bool found;
	int rc = step_row(idx->st, s, &found, "reading meta");
	unsigned long long token = 0;
	long long seq = 0, qid = 0;
	const char *v = found ? (const char *)sqlite3_column_text(s, 0) : NULL;
	if (rc == 0 && v && sscanf(v, "%llx %lld %lld", &token, &seq, &qid) == 3 && token) {
		*id = (wn_snapshot_id){token, seq, qid};
		*named = true;
	}
	sqlite3_reset(s);
	return rc;
}

static int data_version(wn_index *idx, int64_t *v)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(idx->st->db, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK)
		return wn_store_error(idx->st, sqlite3_errcode(idx->st->db), "PRAGMA data_version");
	int rc = sqlite3_step(s);
	*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : wn_store_error(idx->st, rc, "PRAGMA data_version");
}

/* The tables from the snapshot the store names, then the rows added after
 * it. Returns 0, or a negative errno with the tables empty (the caller
 * then builds them from the rows). */
static int read_snapshot(wn_index *idx, const wn_snapshot_id *id)
{
	const char *path = idx->st->path;
	char why[96];
	int rc = wn_snapshot_read(path, id, idx->bands, idx->grams, why, sizeof why);
	if (rc < 0) {
		wn_warn("state store %s: index snapshot %s-index not used (%s): building the index from the rows",
			path, path, why);
		return rc;
	}
	size_t before = idx->bands->count + idx->grams->count;
	size_t replay = idx->next_seq > id->next_seq ? (size_t)(idx->next_seq - id->next_seq) : 0;
	rc = load_bands(idx, id->next_seq, replay);
	if (rc == 0)
		rc = load_grams(idx, id->next_qid);
	if (rc < 0) {
		wn_tagtab_free(idx->bands);
		wn_tagtab_free(idx->grams);
		return rc;
	}
	idx->snapshot = *id;
	idx->changed = idx->bands->count + idx->grams->count != before;
	return 0;
}

/* Memory at open: from the store's snapshot when it names an intact one,
 * else from the rows. All in one read transaction, so that it is the
 * store of one moment. */
static int open_memory(wn_index *idx)
{
	const char *path = idx->st->path;
	/* read first: a commit by another process after this makes the
	 * snapshot saved at close refused (see save_snapshot) */
	int rc = data_version(idx, &idx->data_version);
	if (rc == 0)
		rc = wn_store_exec(idx->st, "BEGIN");
	if (rc < 0)
		return rc;
	wn_snapshot_id id;
	bool named = false;
	size_t articles;
	if (path)
		wn_snapshot_remove_partial(path); /* a save killed midway */
	if (path && (rc = read_snapshot_id(idx, &id, &named)) == 0 && named &&
	    (rc = load_ranges(idx, &articles)) == 0 && read_snapshot(idx, &id) == 0) {
		idx->stale = false;
		wn_debug("state store %s: index read from its snapshot", path);
	} else if (rc == 0) {
		if (path && !named) {
			char file[4096];
			snprintf(file, sizeof file, "%s-index", path);
			if (access(file, F_OK) == 0)
				wn_info("state store %s: %s is not its index snapshot: building the index from the rows",
					path, file);
		}
		rc = build_memory(idx);
	}
	int end = wn_store_exec(idx->st, "COMMIT");
	return rc < 0 ? rc : end;
}

/* Save the tables for the next start and name them in the store. Only when
 * memory is exactly the committed store (no batch open, nothing stale) and
 * no other process wrote to it since it was read. A failure only costs the
 * next start a build from the rows. */
static void save_snapshot(wn_index *idx)
{
	const char *path = idx->st->path;
	if (!idx->writable || !path || idx->batch || idx->stale || idx->poisoned ||
	    (!idx->changed && idx->snapshot.token))
		return;
	int64_t dv = 0;
	int rc = data_version(idx, &dv);
	if (rc == 0 && dv != idx->data_version) {
		wn_info("state store %s: another process wrote to it; no index snapshot saved", path);
		return;
	}
	wn_snapshot_id id = {wn_snapshot_token(), idx->next_seq, idx->next_qid};
	if (rc == 0)
		rc = wn_snapshot_write(path, &id, idx->bands, idx->grams);
	if (rc == 0)
		rc = wn_store_txn(idx->st, WN_SQL_BEGIN);
	if (rc < 0)
		goto out;
	if ((rc = data_version(idx, &dv)) == 0 && dv != idx->data_version)
		rc = -ESTALE;
	sqlite3_stmt *s = rc == 0 ? stmt(idx, WN_SQL_META_SET) : NULL;
	if (rc == 0 && !s)
		rc = -EIO;
	if (rc == 0) {
		char v[80];
		snprintf(v, sizeof v, "%016llx %lld %lld", (unsigned long long)id.token,
			 (long long)id.next_seq, (long long)id.next_qid);
		sqlite3_bind_text(s, 1, SNAPSHOT_KEY, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, v, -1, SQLITE_TRANSIENT);
		rc = step_done(idx->st, s, "naming the index snapshot");
	}
	if (rc == 0)
		rc = wn_store_txn(idx->st, WN_SQL_COMMIT);
	else
		wn_store_txn(idx->st, WN_SQL_ROLLBACK);
out:
	if (rc < 0) {
		wn_warn("state store %s: index snapshot not saved (%s); the next start builds the index from the rows",
			path, strerror(-rc));
		return;
	}
	idx->snapshot = id;
	idx->changed = false;
}

static int read_expired_at(wn_index *idx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(idx->st->db, "SELECT value FROM meta WHERE key = 'expired_at'", -1, &s,
			       NULL) != SQLITE_OK)
		return wn_store_error(idx->st, sqlite3_errcode(idx->st->db), "reading meta");
	int64_t at = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		at = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	idx->next_expire = at + EXPIRE_EVERY;
	return 0;
}

bool wn_index_chrome_window_ok(const wn_index_config *cfg)
{
	unsigned min_docs = cfg->chrome_min_docs ? cfg->chrome_min_docs : WN_CHROME_MIN_DOCS;
	unsigned window = cfg->chrome_window ? cfg->chrome_window : WN_CHROME_WINDOW;
	return window >= min_docs;
}

int wn_index_open(const wn_index_config *cfg, wn_index **out, char *err, size_t errlen)
{
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	wn_index *idx = calloc(1, sizeof *idx);
	if (!idx)
		return -ENOMEM;
	idx->min_docs = cfg->chrome_min_docs ? cfg->chrome_min_docs : WN_CHROME_MIN_DOCS;
	idx->window = cfg->chrome_window ? cfg->chrome_window : WN_CHROME_WINDOW;
	idx->chrome_memory = cfg->chrome_memory ? cfg->chrome_memory : WN_CHROME_MEMORY;
	idx->retention_days = cfg->retention_days ? cfg->retention_days : WN_RETENTION_DAYS;
	idx->bands = calloc(1, sizeof *idx->bands);
	idx->grams = calloc(1, sizeof *idx->grams);
	int rc = idx->bands && idx->grams ? 0 : -ENOMEM;
	if (rc == 0)
		rc = wn_store_open(cfg->path, cfg->read_only, cfg->durable, &idx->st, err, errlen);
	if (rc == 0)
		rc = read_expired_at(idx);
	idx->writable = rc == 0 && !idx->st->read_only;
	if (rc == 0 && idx->writable)
		rc = open_memory(idx);
	if (rc < 0) {
		if (errlen && !err[0])
			snprintf(err, errlen, "%s: %s", cfg->path ? cfg->path : ":memory:",
				 strerror(-rc));
		idx->writable = false; /* saves nothing */
		wn_index_close(idx);
		return rc;
	}
	*out = idx;
	return 0;
}

int wn_index_close(wn_index *idx)
{
	if (!idx)
		return 0;
	int rc = idx->batch ? wn_index_commit(idx) : 0;
	if (rc == 0 && idx->st)
		save_snapshot(idx);
	wn_store_close(idx->st);
	forget_outlets(idx);
	if (idx->bands)
		wn_tagtab_free(idx->bands);
	if (idx->grams)
		wn_tagtab_free(idx->grams);
	free(idx->bands);
	free(idx->grams);
	free(idx->scratch);
	free(idx->cand);
	free(idx->cand_set);
	wn_records_free(&idx->rec);
	free(idx->grams_buf);
	free(idx);
	return rc;
}

int wn_index_begin(wn_index *idx)
{
	if (idx->batch)
		return 0;
	int rc = wn_store_exec(idx->st, "BEGIN IMMEDIATE");
	idx->batch = rc == 0;
	return rc;
}

int wn_index_commit(wn_index *idx)
{
	if (!idx->batch)
		return 0;
	int rc = idx->poisoned ? -EIO : flush_lines(idx);
	if (rc == 0)
		rc = wn_store_exec(idx->st, "COMMIT");
	idx->poisoned = false;
	if (rc < 0) {
		wn_store_exec(idx->st, "ROLLBACK");
		idx->stale = true; /* memory holds the batch: rebuilt before the next article */
		wn_err("state store: the batch of articles was rolled back");
	}
	idx->batch = false;
	if (rc == 0)
		trim_windows(idx);
	return rc;
}

void wn_index_memory_get(const wn_index *idx, wn_index_memory *m)
{
	memset(m, 0, sizeof *m);
	m->band_entries = idx->bands->count;
	m->band_bytes = wn_tagtab_bytes(idx->bands);
	m->gram_entries = idx->grams->count;
	m->gram_bytes = wn_tagtab_bytes(idx->grams);
	m->record_bytes = wn_records_bytes(&idx->rec);
	for (size_t i = 0; i < idx->noutlets; i++)
		if (idx->outlets[i]->win) {
			m->outlets_loaded++;
			m->window_bytes += wn_chromewin_bytes(idx->outlets[i]->win);
		}
}

int wn_index_test_candidate(wn_index *idx, bool band, uint64_t hash, uint32_t value)
{
	if (!idx->writable)
		return -EROFS;
	idx->changed = true;
	return wn_tagtab_add(band ? idx->bands : idx->grams, hash, value);
}

/* Keep the next ids in the store: rows about to go may hold the highest. */
static int save_next_ids(wn_index *idx)
{
	char v[80];
	snprintf(v, sizeof v, "%lld %lld %lld", (long long)idx->next_seq, (long long)idx->next_cseq,
		 (long long)idx->next_qid);
	sqlite3_stmt *s = stmt(idx, WN_SQL_NEXT_IDS);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, v, -1, SQLITE_TRANSIENT);
	return step_done(idx->st, s, "keeping ids");
}

int wn_index_expire(wn_index *idx, int64_t now)
{
	int64_t cutoff = now - (int64_t)idx->retention_days * 86400;
	if (idx->stale && idx->writable) {
		int rc = build_memory(idx);
		if (rc < 0)
			return rc;
	}
	int rc = flush_lines(idx); /* chrome lines seen in this batch are not old */
	if (rc == 0)
		rc = wn_store_exec(idx->st, "SAVEPOINT wn_expire");
	if (rc < 0)
		return rc;
	if (idx->writable)
		rc = save_next_ids(idx);
	if (rc == 0)
		rc = wn_store_expire(idx->st, cutoff);
	if (rc < 0) {
		wn_store_exec(idx->st, "ROLLBACK TO wn_expire");
		wn_store_exec(idx->st, "RELEASE wn_expire");
		return rc;
	}
	idx->next_expire = now + EXPIRE_EVERY;
	rc = wn_store_exec(idx->st, "RELEASE wn_expire");
	if (rc < 0)
		idx->stale = true; /* rows may have gone that memory still names */
	if (rc < 0 || !idx->writable)
		return rc;
	/* Memory: expired entries would only fail verification; drop them. */
	idx->changed = true;
	sqlite3_stmt *s = stmt(idx, WN_SQL_RANGES);
	bool found;
	rc = s ? step_row(idx->st, s, &found, "reading id ranges") : -EIO;
	if (rc == 0) {
		int64_t seq = sqlite3_column_type(s, 0) == SQLITE_NULL ? UINT32_MAX : sqlite3_column_int64(s, 0);
		int64_t qid = sqlite3_column_type(s, 2) == SQLITE_NULL ? UINT32_MAX : sqlite3_column_int64(s, 2);
		sqlite3_reset(s);
		if (wn_tagtab_keep_range(idx->bands, (uint32_t)seq, UINT32_MAX) < 0 ||
		    wn_tagtab_keep_range(idx->grams, (uint32_t)qid, UINT32_MAX) < 0)
			wn_warn("expiry: out of memory compacting the index (lookups are still verified)");
		/* records of expired rows go; the rest are read again as needed */
		wn_records_reset(&idx->rec, (uint32_t)(seq == UINT32_MAX ? idx->next_seq : seq),
				 (uint32_t)(qid == UINT32_MAX ? idx->next_qid : qid));
	} else {
		idx->stale = true; /* the records still name expired rows: rebuild */
	}
	unload_windows(idx); /* pages and chrome lines went: windows are loaded again */
	return rc;
}

/* ---- one article ---- */

static void article_clear(wn_index_article *a)
{
	free(a->chrome);
	free(a->line_keys);
	free(a->page_keys);
	for (size_t i = 0; i < a->nnew_lines; i++)
		free(a->new_lines[i].sample);
	free(a->new_lines);
	free(a->touched);
	free(a->quotes);
}

/* Forget what the article began: an outlet it brought, its staging. */
static void article_drop(wn_index_article *a)
{
	if (a->outlet && a->outlet->pending)
		outlet_drop(a->idx, a->outlet);
	article_clear(a);
}

/* Expiry when due, the article's outlet and its window. Reads only. */
static int article_begin(wn_index *idx, const wn_doc *doc, wn_index_article *a)
{
	memset(a, 0, sizeof *a);
	a->idx = idx;
	if (!idx->writable)
		return -EROFS;
	int rc = 0;
	if (idx->stale)
		rc = build_memory(idx);
	int64_t now = now_s();
	if (rc == 0 && now >= idx->next_expire)
		rc = wn_index_expire(idx, now);
	if (rc < 0)
		return rc;
	a->now = max64(now, idx->last_time); /* times never go back: expiry relies on it */
	rc = outlet_get(idx, doc->outlet, true, &a->outlet);
	if (rc == 0)
		rc = outlet_load(idx, a->outlet);
	return rc;
}

/* ---- learned chrome ---- */

/* Decide which of the page's lines are chrome for it (a->chrome), and
 * stage what counting it changes. A page is counted once per article id;
 * a page whose lines are exactly those of a page counted before is
 * recorded but only reads, so the same article scraped twice never turns
 * its own text into chrome. */
static int count_lines(wn_index *idx, wn_index_article *a, const wn_doc *doc)
{
	uint64_t *keys;
	size_t n;
	if (!(a->line_keys = malloc((doc->nlines ? doc->nlines : 1) * sizeof *a->line_keys)))
		return -ENOMEM;
	int rc = wn_chrome_doc_line_keys(doc, a->line_keys, &keys, NULL, &n);
	if (rc < 0)
		return rc;
	wn_chromewin *w = a->outlet->win;
	sqlite3_stmt *s = NULL;
	if (!a->outlet->pending) { /* a new outlet has no pages yet */
		s = stmt(idx, WN_SQL_CDOC_GET);
		rc = s ? 0 : -EIO;
		if (rc == 0) {
			sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
			rc = step_row(idx->st, s, &a->counted, "chrome document");
		}
	}
	size_t m = 0;
	if (rc == 0 && a->counted) { /* a re-run decides as the first time */
		a->cseq = sqlite3_column_int64(s, 0);
		for (size_t i = 0; i < n; i++) {
			const wn_chrome_line *l = wn_chromewin_line(w, keys[i]);
			if (l && l->since <= a->cseq)
				keys[m++] = keys[i];
		}
		goto out;
	}
	bool seen_page = false;
	a->cseq = idx->next_cseq;
	a->page = XXH3_64bits(keys, n * sizeof *keys);
	if (rc == 0 && !a->outlet->pending) {
		if ((s = stmt(idx, WN_SQL_CDOC_PAGE))) {
			sqlite3_bind_int64(s, 1, a->outlet->id);
			sqlite3_bind_int64(s, 2, (int64_t)a->page);
			rc = step_row(idx->st, s, &seen_page, "chrome page");
		} else {
			rc = -EIO;
		}
	}
	a->new_page = !seen_page;
	if (rc == 0 && a->new_page) {
		a->page_keys = malloc((n ? n : 1) * sizeof *keys);
		a->touched = malloc((n ? n : 1) * sizeof *a->touched);
		a->new_lines = calloc(n ? n : 1, sizeof *a->new_lines);
		if (!a->page_keys || !a->touched || !a->new_lines)
			rc = -ENOMEM;
		else if (n)
			memcpy(a->page_keys, keys, n * sizeof *keys);
		a->npage_keys = n;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (a->new_page && i + 8 < n) /* the count 8 keys on, fetched meanwhile */
			wn_chromewin_prefetch(w, keys[i + 8]);
		const wn_chrome_line *l = wn_chromewin_line(w, keys[i]);
		if (l) { /* chrome already (since a page older than this one) */
			if (a->new_page)
				a->touched[a->ntouched++] = keys[i];
			keys[m++] = keys[i];
			continue;
		}
		if (!a->new_page)
			continue;
		unsigned docs = wn_chromewin_count(w, keys[i]) + 1;
		if (docs >= idx->min_docs) { /* chrome from this page on */
			size_t first = 0; /* the sample: the first line with the key */
			while (doc->lines[first].blank || a->line_keys[first] != keys[i])
				first++;
			const wn_line *line = &doc->lines[first];
			new_line *nl = &a->new_lines[a->nnew_lines];
			if (!(nl->sample = strndup(line->text, line->len))) {
				rc = -ENOMEM;
				break;
			}
			nl->key = keys[i];
			nl->docs = docs;
			a->nnew_lines++;
			keys[m++] = keys[i];
		}
	}
out:
	if (rc < 0) {
		free(keys);
		return rc;
	}
	a->chrome = keys;
	a->view.keys = keys;
	a->view.nkeys = m;
	a->view.line_keys = a->line_keys;
	a->view.nlines = doc->nlines;
	return 0;
}

int wn_index_article_start(wn_index *idx, const wn_doc *doc, wn_index_article **out)
{
	*out = NULL;
	wn_index_article *a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	int rc = article_begin(idx, doc, a);
	if (rc == 0)
		rc = count_lines(idx, a, doc);
	if (rc < 0) {
		wn_index_article_abort(a);
		return rc;
	}
	*out = a;
	return 0;
}

const void *wn_index_article_chrome(const wn_index_article *a) { return &a->view; }

void wn_index_article_abort(wn_index_article *a)
{
	if (!a)
		return;
	article_drop(a);
	free(a);
}

/* ---- writing an article ---- */

static int write_page(wn_index *idx, wn_index_article *a, const char *id)
{
	int rc = 0;
	sqlite3_stmt *s;
	if (a->outlet->pending) {
		if (!(s = stmt(idx, WN_SQL_OUTLET_ADD)))
			return -EIO;
		sqlite3_bind_int64(s, 1, a->outlet->id);
		sqlite3_bind_text(s, 2, a->outlet->name, -1, SQLITE_STATIC);
		if ((rc = step_done(idx->st, s, "adding an outlet")) < 0)
			return rc;
		a->w_outlet = true;
	}
	if (a->counted)
		return 0;
	const void *blob = NULL;
	if (a->new_page && a->npage_keys && !(blob = u64_blob(idx, a->page_keys, a->npage_keys)))
		return -ENOMEM;
	if (!(s = stmt(idx, WN_SQL_CDOC_ADD)))
		return -EIO;
	sqlite3_bind_int64(s, 1, a->cseq);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, a->outlet->id);
	sqlite3_bind_int64(s, 4, (int64_t)a->page);
	sqlite3_bind_int64(s, 5, a->now);
	if (a->new_page) /* counted: its keys rebuild the window */
		sqlite3_bind_blob(s, 6, blob ? blob : "", (int)(a->npage_keys * 8), SQLITE_STATIC);
	if ((rc = step_done(idx->st, s, "adding a chrome document")) < 0)
		return rc;
	a->w_page = true;
	for (size_t i = 0; i < a->nnew_lines; i++) {
		if (!(s = stmt(idx, WN_SQL_CLINE_ADD)))
			return -EIO;
		new_line *nl = &a->new_lines[i];
		sqlite3_bind_int64(s, 1, a->outlet->id);
		sqlite3_bind_int64(s, 2, (int64_t)nl->key);
		sqlite3_bind_int64(s, 3, nl->docs);
		sqlite3_bind_int64(s, 4, a->cseq);
		sqlite3_bind_int64(s, 5, a->now);
		sqlite3_bind_text(s, 6, nl->sample, -1, SQLITE_STATIC);
		if ((rc = step_done(idx->st, s, "adding a chrome line")) < 0)
			return rc;
		nl->inserted = sqlite3_changes(idx->st->db) == 1;
		a->w_lines++;
	}
	/* Chrome lines counted again: in a batch written once, at commit;
	 * alone, now (a failure rolls the article's transaction back). */
	for (size_t i = 0; i < a->ntouched && !idx->batch; i++) {
		const wn_chrome_line *l = wn_chromewin_line(a->outlet->win, a->touched[i]);
		if (!l || !(s = stmt(idx, WN_SQL_CLINE_TOUCH)))
			return -EIO;
		sqlite3_bind_int64(s, 1, a->outlet->id);
		sqlite3_bind_int64(s, 2, (int64_t)l->key);
		sqlite3_bind_int64(s, 3, l->docs + 1);
		sqlite3_bind_int64(s, 4, a->now);
		if ((rc = step_done(idx->st, s, "updating a chrome line")) < 0)
			return rc;
	}
	return 0;
}

static int write_article(wn_index *idx, wn_index_article *a, const wn_doc *doc)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_ADD);
	if (!s)
		return -EIO;
	unsigned char blob[MINHASH_BLOB];
	sqlite3_bind_int64(s, 1, a->seq);
	sqlite3_bind_text(s, 2, doc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, a->outlet->id);
	sqlite3_bind_int64(s, 4, a->now);
	sqlite3_bind_int64(s, 6, a->sig.shingles);
	if (a->sig.comparable) { /* a body too short to compare has no fingerprints */
		minhash_to_blob(&a->sig, blob);
		sqlite3_bind_blob(s, 5, a->sig.exact, 16, SQLITE_STATIC);
		sqlite3_bind_blob(s, 7, blob, sizeof blob, SQLITE_STATIC);
	}
	if (a->canon)
		sqlite3_bind_int64(s, 8, a->canon);
	int rc = step_done(idx->st, s, "recording an article");
	if (rc < 0)
		return rc;
	a->w_article = true;
	for (size_t i = 0; i < a->nquotes; i++) {
		const quote_row *q = &a->quotes[i];
		const void *g = u64_blob(idx, q->grams, q->ngrams);
		if (!g || !(s = stmt(idx, WN_SQL_QUOTE_ADD)))
			return g ? -EIO : -ENOMEM;
		sqlite3_bind_int64(s, 1, q->qid);
		sqlite3_bind_int64(s, 2, a->seq);
		sqlite3_bind_text(s, 3, q->q->text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, q->cluster);
		sqlite3_bind_blob(s, 5, g, (int)(q->ngrams * 8), SQLITE_STATIC);
		if ((rc = step_done(idx->st, s, "adding a quote")) < 0)
			return rc;
		a->w_quotes++;
	}
	return 0;
}

/* Clusters joined by the article's quotes merge into the oldest (rare: in a
 * savepoint of its own, as an UPDATE of many rows cannot be undone by id). */
static int write_merges(wn_index *idx, wn_index_article *a)
{
	bool any = false;
	for (size_t i = 0; i < a->nquotes && !any; i++)
		for (size_t k = 0; k < a->quotes[i].nmerge && !any; k++)
			any = a->quotes[i].merge[k] != a->quotes[i].cluster;
	if (!any)
		return 0;
	int rc = idx->batch ? wn_store_txn(idx->st, WN_SQL_SAVEPOINT) : 0;
	for (size_t i = 0; i < a->nquotes && rc == 0; i++)
		for (size_t k = 0; k < a->quotes[i].nmerge && rc == 0; k++) {
			if (a->quotes[i].merge[k] == a->quotes[i].cluster)
				continue;
			sqlite3_stmt *s = stmt(idx, WN_SQL_QUOTE_MERGE);
			if (!s) {
				rc = -EIO;
				break;
			}
			sqlite3_bind_int64(s, 1, a->quotes[i].cluster);
			sqlite3_bind_int64(s, 2, a->quotes[i].merge[k]);
			rc = step_done(idx->st, s, "merging quote clusters");
		}
	if (idx->batch && rc == 0)
		rc = wn_store_txn(idx->st, WN_SQL_RELEASE);
	if (idx->batch && rc < 0 &&
	    (wn_store_txn(idx->st, WN_SQL_ROLLBACK_TO) < 0 || wn_store_txn(idx->st, WN_SQL_RELEASE) < 0))
		idx->poisoned = idx->stale = true; /* merges may stay that undo cannot take out */
	return rc;
}

static int del_by_id(wn_index *idx, enum wn_stmt w, int64_t id, int64_t id2)
{
	sqlite3_stmt *s = stmt(idx, w);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	if (w == WN_SQL_CLINE_DEL)
		sqlite3_bind_int64(s, 2, id2);
	return step_done(idx->st, s, "undoing an article");
}

/* Take the article's rows out again (in a batch; alone, ROLLBACK does). */
static int undo(wn_index *idx, wn_index_article *a)
{
	int rc = 0;
	if (a->w_quotes && a->nquotes)
		rc = del_by_id(idx, WN_SQL_QUOTE_DEL, a->quotes[0].qid, 0);
	if (rc == 0 && a->w_article)
		rc = del_by_id(idx, WN_SQL_ART_DEL, a->seq, 0);
	for (size_t i = 0; i < a->w_lines && rc == 0; i++)
		if (a->new_lines[i].inserted)
			rc = del_by_id(idx, WN_SQL_CLINE_DEL, a->outlet->id, (int64_t)a->new_lines[i].key);
	if (rc == 0 && a->w_page)
		rc = del_by_id(idx, WN_SQL_CDOC_DEL, a->cseq, 0);
	if (rc == 0 && a->w_outlet)
		rc = del_by_id(idx, WN_SQL_OUTLET_DEL, a->outlet->id, 0);
	return rc;
}

/* The recorded article, its quotes, then the clusters they joined (in the
 * order write_article and write_merges wrote them), into the records (its
 * rows are in). What cannot be remembered is read from the store when
 * needed; merges that cannot be followed forget the quotes. */
static void remember_article(wn_index *idx, const wn_index_article *a, const char *id)
{
	wn_records_set_article(&idx->rec, (uint32_t)a->seq, id, (uint32_t)a->outlet->id, false);
	wn_records_put_sig(&idx->rec, (uint32_t)a->seq, &a->sig, (uint32_t)(a->canon ? a->canon : a->seq));
	for (size_t i = 0; i < a->nquotes; i++) {
		const quote_row *q = &a->quotes[i];
		wn_records_set_quote(&idx->rec, (uint32_t)q->qid, (uint32_t)a->seq, (uint32_t)q->cluster,
				     q->grams, q->ngrams);
	}
	for (size_t i = 0; i < a->nquotes; i++)
		for (size_t k = 0; k < a->quotes[i].nmerge; k++)
			if (a->quotes[i].merge[k] != a->quotes[i].cluster &&
			    wn_records_merge(&idx->rec, (uint32_t)a->quotes[i].merge[k],
					     (uint32_t)a->quotes[i].cluster) < 0)
				wn_records_forget_quotes(&idx->rec);
}

/* What the article changed, into memory (its rows are in). */
static void article_apply(wn_index_article *a, const char *id)
{
	wn_index *idx = a->idx;
	outlet *o = a->outlet;
	wn_chromewin *w = o->win;
	o->pending = false;
	if (o->id >= idx->next_outlet)
		idx->next_outlet = o->id + 1;
	idx->last_time = a->now;
	int rc = 0;
	if (!a->counted)
		idx->next_cseq = a->cseq + 1;
	for (size_t i = 0; i < a->nnew_lines && rc == 0; i++)
		rc = wn_chromewin_add_line(w, a->new_lines[i].key, a->cseq, a->new_lines[i].docs);
	for (size_t i = 0; i < a->ntouched && rc == 0; i++) {
		wn_chrome_line *l = wn_chromewin_line(w, a->touched[i]);
		if (l) {
			l->docs++;
			l->dirty |= idx->batch; /* outside a batch it is written already */
			o->dirty |= idx->batch;
		}
	}
	if (rc == 0 && a->new_page) {
		rc = wn_chromewin_push(w, a->cseq, a->page_keys, a->npage_keys);
		a->page_keys = NULL;
	}
	if (a->record) {
		idx->changed = true;
		idx->next_seq = a->seq + 1;
		if (a->nquotes)
			idx->next_qid = a->quotes[a->nquotes - 1].qid + 1;
		uint64_t bands[WN_BANDS];
		if (a->sig.comparable)
			wn_fp_bands(&a->sig, bands);
		for (int b = 0; b < WN_BANDS && a->sig.comparable && rc == 0; b++)
			rc = wn_tagtab_add(idx->bands, bands[b], (uint32_t)a->seq);
		for (size_t i = 0; i < a->nquotes; i++)
			for (size_t k = 0; k < a->quotes[i].ngrams && rc == 0; k++)
				rc = wn_tagtab_add(idx->grams, a->quotes[i].grams[k], (uint32_t)a->quotes[i].qid);
		if (rc == 0)
			remember_article(idx, a, id);
	}
	if (rc < 0) {
		/* the store has the article; memory could not take it all */
		wn_warn("index: out of memory; the lookup tables are rebuilt from the store");
		idx->stale = true;
	}
}

/* Write the article's rows in one burst, then apply it to memory. Alone,
 * the burst is a transaction; in a batch, a failure takes its rows out by
 * id (and if even that fails, the batch is lost: wn_index_commit fails). */
static int article_write(wn_index_article *a, const wn_doc *doc)
{
	wn_index *idx = a->idx;
	bool own = !idx->batch;
	int rc = own ? wn_store_txn(idx->st, WN_SQL_BEGIN) : 0;
	if (rc < 0)
		return rc;
	rc = write_page(idx, a, doc->id);
	if (rc == 0 && a->record)
		rc = write_article(idx, a, doc);
	if (rc == 0 && a->record)
		rc = write_merges(idx, a);
	if (rc == 0 && own)
		rc = wn_store_txn(idx->st, WN_SQL_COMMIT);
	if (rc < 0) {
		if (own) {
			wn_store_txn(idx->st, WN_SQL_ROLLBACK);
		} else if (undo(idx, a) < 0) {
			wn_err("state store: an article could not be undone; its batch is rolled back");
			wn_store_txn(idx->st, WN_SQL_ROLLBACK);
			idx->poisoned = idx->stale = true;
			if (wn_store_txn(idx->st, WN_SQL_BEGIN) < 0)
				idx->batch = false;
		}
		return rc;
	}
	article_apply(a, doc->id);
	if (own)
		trim_windows(idx);
	return 0;
}

int wn_index_learn(wn_index *idx, const wn_doc *doc)
{
	wn_index_article a;
	int rc = article_begin(idx, doc, &a);
	if (rc == 0)
		rc = count_lines(idx, &a, doc);
	if (rc == 0)
		rc = article_write(&a, doc);
	article_drop(&a);
	return rc;
}

/* ---- quotes ---- */

typedef struct {
	uint64_t *grams;
	size_t ngrams;
	int64_t *clusters; /* clusters of the earlier quotes it matched */
	size_t nclusters;
} quote_work;

/* A malloc'd copy of the name of outlet `oid` ("" when it has none). Names
 * read are kept by id: the refs of one article's quotes name few outlets,
 * over and over. */
static int outlet_name_dup(wn_index *idx, int64_t oid, char **out)
{
	bool keep = oid > 0 && oid < (1 << 24);
	if (keep && (size_t)oid < idx->noutlet_names && idx->outlet_names[oid])
		return (*out = strdup(idx->outlet_names[oid])) ? 0 : -ENOMEM;
	const char *name = NULL;
	for (size_t i = 0; i < idx->noutlets && !name; i++)
		if (idx->outlets[i]->id == oid && !idx->outlets[i]->pending)
			name = idx->outlets[i]->name;
	sqlite3_stmt *s = NULL;
	bool named = name != NULL;
	if (!name) {
		if (!(s = stmt(idx, WN_SQL_OUTLET_NAME)))
			return -EIO;
		sqlite3_bind_int64(s, 1, oid);
		int rc = step_row(idx->st, s, &named, "outlet name");
		if (rc < 0)
			return rc;
		name = named ? (const char *)sqlite3_column_text(s, 0) : "";
	}
	if (!(*out = strdup(name ? name : "")))
		return -ENOMEM;
	if (!keep || !named)
		return 0;
	if ((size_t)oid >= idx->noutlet_names) {
		size_t n = (size_t)oid + 16;
		char **v = realloc(idx->outlet_names, n * sizeof *v);
		if (!v)
			return 0; /* only not kept */
		memset(v + idx->noutlet_names, 0, (n - idx->noutlet_names) * sizeof *v);
		idx->outlet_names = v;
		idx->noutlet_names = n;
	}
	idx->outlet_names[oid] = strdup(*out); /* NULL: only not kept */
	return 0;
}

/* id and outlet of an earlier article, from the records or else from its
 * row (then remembered); *found false when it has expired. */
static int article_ref(wn_index *idx, int64_t seq, int64_t own_outlet, wn_quote_ref *ref,
		       bool *found)
{
	const wn_art_rec *r = wn_records_article(&idx->rec, (uint32_t)seq);
	int64_t oid;
	if (r && r->state != WN_REC_UNKNOWN) {
		*found = r->state == WN_REC_KNOWN;
		if (!*found)
			return 0;
		wn_records_id_text(r, ref->id);
		oid = r->outlet;
	} else {
		sqlite3_stmt *s = stmt(idx, WN_SQL_ART_BY_SEQ);
		if (!s)
			return -EIO;
		sqlite3_bind_int64(s, 1, seq);
		int rc = step_row(idx->st, s, found, "article");
		if (rc < 0)
			return rc;
		/* a failure to remember only costs the next lookup a read */
		if (!*found) {
			wn_records_set_article(&idx->rec, (uint32_t)seq, NULL, 0, true);
			return 0;
		}
		const char *id = (const char *)sqlite3_column_text(s, 0);
		snprintf(ref->id, sizeof ref->id, "%s", id ? id : "");
		oid = sqlite3_column_int64(s, 1);
		if (oid >= 0 && oid <= UINT32_MAX)
			wn_records_set_article(&idx->rec, (uint32_t)seq, id, (uint32_t)oid, false);
	}
	ref->same_outlet = oid == own_outlet;
	return outlet_name_dup(idx, oid, &ref->outlet);
}

/* Do the sorted grams g and h share one? */
static bool shares_gram(const uint64_t *g, size_t ng, const uint64_t *h, size_t nh)
{
	size_t i = 0, j = 0;
	while (i < ng && j < nh) {
		if (g[i] == h[j])
			return true;
		if (g[i] < h[j])
			i++;
		else
			j++;
	}
	return false;
}

/* An earlier quote, as a candidate is checked against it. */
typedef struct {
	bool found;
	int64_t seq, cluster;
	const uint64_t *grams; /* sorted; valid until the next quote_get */
	size_t ngrams;
} quote_seen;

/* Quote qid from the records, or else from its row (then remembered):
 * each quote is read from the store at most once while memory lasts. */
static int quote_get(wn_index *idx, uint32_t qid, quote_seen *out)
{
	const wn_quote_rec *r = wn_records_quote(&idx->rec, qid);
	if (r) {
		*out = (quote_seen){.found = r->seq != UINT32_MAX, .seq = r->seq,
				    .cluster = wn_records_cluster(&idx->rec, r->cluster),
				    .grams = wn_records_grams(&idx->rec, r), .ngrams = r->ngrams};
		return 0;
	}
	*out = (quote_seen){0};
	sqlite3_stmt *s = stmt(idx, WN_SQL_QUOTE_GET);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, qid);
	int rc = step_row(idx->st, s, &out->found, "quote");
	if (rc < 0)
		return rc;
	if (!out->found) {
		wn_records_set_quote(&idx->rec, qid, 0, 0, NULL, 0); /* expired */
		return 0;
	}
	const unsigned char *blob = sqlite3_column_blob(s, 2);
	size_t n = (size_t)sqlite3_column_bytes(s, 2) / 8;
	if (n > idx->grams_cap) {
		uint64_t *g = realloc(idx->grams_buf, n * sizeof *g);
		if (!g)
			return -ENOMEM;
		idx->grams_buf = g;
		idx->grams_cap = n;
	}
	for (size_t i = 0; i < n; i++)
		idx->grams_buf[i] = blob_u64(blob, i);
	out->seq = sqlite3_column_int64(s, 0);
	out->cluster = sqlite3_column_int64(s, 1);
	out->grams = idx->grams_buf;
	out->ngrams = n;
	if (n && out->seq >= 0 && out->seq < UINT32_MAX && out->cluster > 0 && out->cluster < UINT32_MAX)
		wn_records_set_quote(&idx->rec, qid, (uint32_t)out->seq, (uint32_t)out->cluster,
				     idx->grams_buf, n); /* not remembered: read again next time */
	out->cluster = wn_records_cluster(&idx->rec, (uint32_t)out->cluster);
	return 0;
}

/* Keep the first of each id among idx->cand[0..*n) (order is kept; it does
 * not matter to the caller): a set of twice their number, not a sort — a
 * quote repeated in many articles has hundreds of candidates, each once per
 * k-gram. Ids are never 0 (the set's empty mark). */
static int distinct_u32(wn_index *idx, size_t *n)
{
	size_t cap = 16;
	while (cap < 2 * *n)
		cap *= 2;
	if (cap > idx->cand_set_cap) {
		uint32_t *set = realloc(idx->cand_set, cap * sizeof *set);
		if (!set)
			return -ENOMEM;
		idx->cand_set = set;
		idx->cand_set_cap = cap;
	}
	uint32_t *set = idx->cand_set, *v = idx->cand;
	memset(set, 0, cap * sizeof *set);
	size_t u = 0;
	for (size_t i = 0; i < *n; i++) {
		size_t p = (v[i] * 0x9E3779B1u) & (cap - 1);
		while (set[p] && set[p] != v[i])
			p = (p + 1) & (cap - 1);
		if (!set[p])
			set[p] = v[u++] = v[i];
	}
	*n = u;
	return 0;
}

/* Find one quote's earlier repeats: fills q->repeated_in and w. Candidates
 * come from the k-gram table; each is verified against the quote's full
 * k-grams (records, else its row). */
static int match_quote(wn_index *idx, int64_t own_seq, int64_t own_outlet, wn_quote *q,
		       quote_work *w)
{
	wn_words words;
	int rc = wn_norm_words(q->text, strlen(q->text), &words);
	if (rc < 0)
		return rc;
	rc = wn_fp_quote_grams(&words, &w->grams, &w->ngrams);
	wn_words_free(&words);
	size_t ncand = 0;
	for (size_t i = 0; i < w->ngrams && rc == 0; i++) {
		wn_tagtab_iter it;
		uint32_t qid;
		for (wn_tagtab_find(idx->grams, w->grams[i], &it); rc == 0 && wn_tagtab_next(&it, &qid);)
			rc = push_u32(&idx->cand, &ncand, &idx->cand_cap, qid);
	}
	if (rc == 0 && ncand > 1)
		rc = distinct_u32(idx, &ncand);
	const uint32_t *cand = idx->cand;
	int64_t *seqs = NULL;
	size_t nseqs = 0, scap = 0, ccl = 0;
	for (size_t i = 0; i < ncand && rc == 0; i++) {
		quote_seen c;
		rc = quote_get(idx, cand[i], &c);
		if (rc < 0 || !c.found || c.seq >= own_seq)
			continue; /* expired, or not earlier */
		if (!shares_gram(w->grams, w->ngrams, c.grams, c.ngrams))
			continue; /* a tag collision */
		rc = push_i64(&seqs, &nseqs, &scap, c.seq);
		if (rc == 0)
			rc = push_i64(&w->clusters, &w->nclusters, &ccl, c.cluster);
	}
	if (rc == 0) {
		nseqs = unique_i64(seqs, nseqs);
		w->nclusters = unique_i64(w->clusters, w->nclusters);
	}
	if (rc == 0 && nseqs) {
		q->repeated_in = calloc(nseqs, sizeof *q->repeated_in);
		rc = q->repeated_in ? 0 : -ENOMEM;
		for (size_t i = 0; i < nseqs && rc == 0; i++) {
			bool found = false;
			rc = article_ref(idx, seqs[i], own_outlet, &q->repeated_in[q->nrepeated], &found);
			if (rc == 0 && found)
				q->nrepeated++;
		}
	}
	free(seqs);
	return rc;
}

static int find_quotes(wn_index *idx, wn_doc *doc, const char *body, size_t blen,
		       int64_t own_seq, int64_t outlet, quote_work **work)
{
	wn_quote_span *spans;
	size_t n;
	*work = NULL;
	int rc = wn_quotes_find(body, blen, &spans, &n);
	if (rc < 0 || n == 0)
		return rc;
	doc->quotes = calloc(n, sizeof *doc->quotes);
	*work = calloc(n, sizeof **work);
	rc = doc->quotes && *work ? 0 : -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		wn_quote *q = &doc->quotes[i];
		q->start = spans[i].start;
		q->end = spans[i].end;
		q->text = strndup(body + q->start, q->end - q->start);
		if (!q->text) {
			rc = -ENOMEM;
			break;
		}
		doc->nquotes++;
		rc = match_quote(idx, own_seq, outlet, q, &(*work)[i]);
	}
	free(spans);
	return rc;
}

static void free_work(quote_work *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++) {
		free(w[i].grams);
		free(w[i].clusters);
	}
	free(w);
}

/* The article's quotes that can match (7 words or more), with their ids
 * and clusters: the oldest of those they join, or their own. */
static int stage_quotes(wn_index *idx, wn_index_article *a, const wn_doc *doc, quote_work *w)
{
	a->quotes = calloc(doc->nquotes ? doc->nquotes : 1, sizeof *a->quotes);
	if (!a->quotes)
		return -ENOMEM;
	int64_t qid = idx->next_qid;
	for (size_t i = 0; i < doc->nquotes; i++) {
		if (w[i].ngrams == 0) /* too short to ever match: not stored */
			continue;
		if (!ids_fit(qid + 1))
			return -EOVERFLOW;
		quote_row *q = &a->quotes[a->nquotes++];
		q->qid = qid++;
		q->cluster = q->qid;
		for (size_t k = 0; k < w[i].nclusters; k++)
			if (w[i].clusters[k] < q->cluster)
				q->cluster = w[i].clusters[k];
		q->q = &doc->quotes[i];
		q->grams = w[i].grams;
		q->ngrams = w[i].ngrams;
		q->merge = w[i].clusters;
		q->nmerge = w[i].nclusters;
	}
	return 0;
}

/* ---- duplicates ---- */

/* Signature and canonical seq (duplicate_of, or the seq itself) of an
 * earlier article; *found false when it has expired. */
static int load_sig(wn_index *idx, int64_t seq, wn_body_sig *sig, int64_t *canonical, bool *found)
{
	const wn_sig_slot *kept = wn_records_sig(&idx->rec, (uint32_t)seq);
	if (kept) {
		*found = true;
		*sig = kept->sig;
		*canonical = kept->canonical;
		return 0;
	}
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_BY_SEQ);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, seq);
	int rc = step_row(idx->st, s, found, "article signature");
	if (rc < 0 || !*found)
		return rc;
	memset(sig, 0, sizeof *sig);
	const unsigned char *blob = sqlite3_column_blob(s, 3);
	if (blob && sqlite3_column_bytes(s, 3) == MINHASH_BLOB) {
		sig->comparable = true;
		sig->shingles = (uint32_t)sqlite3_column_int64(s, 2);
		minhash_from_blob(blob, sig);
	}
	if (sqlite3_column_bytes(s, 5) == 16)
		memcpy(sig->exact, sqlite3_column_blob(s, 5), 16);
	*canonical = sqlite3_column_type(s, 4) == SQLITE_NULL ? seq : sqlite3_column_int64(s, 4);
	return 0;
}

/* The canonical article this body duplicates (0: none). Candidates are the
 * earlier articles sharing a band (from memory, in band order, oldest
 * first within a band, at most MAX_CANDIDATES); each is verified with its
 * signature from the store. An exact duplicate (the same normalised words)
 * shares all bands: the oldest of those that share all is it. */
static int find_duplicate(wn_index *idx, const wn_body_sig *sig, int64_t own_seq, int64_t *canon)
{
	*canon = 0;
	if (!sig->comparable)
		return 0;
	uint64_t bands[WN_BANDS];
	wn_fp_bands(sig, bands);
	int64_t *hits = NULL, *cand = NULL;
	size_t nhits = 0, hcap = 0, ncand = 0, ccap = 0;
	int rc = 0;
	for (int b = 0; b < WN_BANDS && rc == 0; b++) {
		size_t from = nhits;
		wn_tagtab_iter it;
		uint32_t seq;
		for (wn_tagtab_find(idx->bands, bands[b], &it); rc == 0 && wn_tagtab_next(&it, &seq);)
			if (seq < own_seq)
				rc = push_i64(&hits, &nhits, &hcap, seq);
		/* this band's seqs, oldest first, distinct */
		if (nhits > from)
			nhits = from + unique_i64(hits + from, nhits - from);
		for (size_t i = from; i < nhits && rc == 0 && ncand < MAX_CANDIDATES; i++) {
			bool dup = false;
			for (size_t k = 0; k < ncand && !dup; k++)
				dup = cand[k] == hits[i];
			if (!dup)
				rc = push_i64(&cand, &ncand, &ccap, hits[i]);
		}
	}
	wn_body_sig other;
	bool found = false;
	if (rc == 0 && nhits >= WN_BANDS) {
		qsort(hits, nhits, sizeof *hits, cmp_i64);
		for (size_t i = 0; i + WN_BANDS <= nhits && rc == 0; i++) {
			if (hits[i] != hits[i + WN_BANDS - 1])
				continue;
			int64_t c;
			rc = load_sig(idx, hits[i], &other, &c, &found);
			if (rc == 0 && found && other.comparable && !memcmp(other.exact, sig->exact, 16)) {
				*canon = c;
				free(hits);
				free(cand);
				return 0;
			}
			i += WN_BANDS - 1;
		}
	}
	free(hits);
	if (ncand)
		qsort(cand, ncand, sizeof *cand, cmp_i64);
	for (size_t i = 0; i < ncand && rc == 0; i++) {
		int64_t c;
		rc = load_sig(idx, cand[i], &other, &c, &found);
		if (rc == 0 && found && wn_fp_near_duplicate(sig, &other) && (!*canon || c < *canon))
			*canon = c;
	}
	free(cand);
	return rc;
}

int wn_index_article_finish(wn_index_article *a, wn_doc *doc)
{
	wn_index *idx = a->idx;
	size_t blen;
	char *body = wn_doc_body(doc, &blen);
	int rc = body ? 0 : -ENOMEM;
	sqlite3_stmt *s = rc == 0 ? stmt(idx, WN_SQL_ART_GET) : NULL;
	bool recorded = false;
	int64_t seq = INT64_MAX;
	if (rc == 0 && !s)
		rc = -EIO;
	if (rc == 0) {
		sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
		rc = step_row(idx->st, s, &recorded, "article");
		if (rc == 0 && recorded)
			seq = sqlite3_column_int64(s, 0);
	}
	quote_work *work = NULL;
	if (rc == 0)
		rc = find_quotes(idx, doc, body, blen, seq, a->outlet->id, &work);
	wn_words words = {0};
	if (rc == 0)
		rc = wn_norm_words(body, blen, &words);
	if (rc == 0)
		rc = wn_fp_body(&words, &a->sig);
	if (rc == 0)
		rc = find_duplicate(idx, &a->sig, seq, &a->canon);
	if (rc == 0 && a->canon) {
		wn_quote_ref ref = {0};
		bool found = false;
		rc = article_ref(idx, a->canon, a->outlet->id, &ref, &found);
		if (rc == 0 && found && !(doc->duplicate_of = strdup(ref.id)))
			rc = -ENOMEM;
		free(ref.outlet);
	}
	a->record = !recorded;
	a->seq = idx->next_seq;
	if (rc == 0 && a->record && !ids_fit(a->seq + 1))
		rc = -EOVERFLOW;
	if (rc == 0 && a->record)
		rc = stage_quotes(idx, a, doc, work);
	if (rc == 0)
		rc = article_write(a, doc);
	free_work(work, doc->nquotes);
	wn_words_free(&words);
	free(body);
	article_drop(a);
	free(a);
	return rc;
}

/* ---- reports ---- */

static int query_int(wn_index *idx, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(idx->st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return wn_store_error(idx->st, rc, "statistics");
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : wn_store_error(idx->st, rc, "statistics");
}

int wn_index_stats_get(wn_index *idx, wn_index_stats *st)
{
	memset(st, 0, sizeof *st);
	static const char *const sql[] = {
		"SELECT count(*) FROM articles",
		"SELECT count(*) FROM outlets",
		"SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL",
		"SELECT count(*) FROM (SELECT cluster FROM quotes GROUP BY cluster"
		" HAVING count(DISTINCT seq) >= 2)",
		"SELECT count(*) FROM (SELECT q.cluster FROM quotes q JOIN articles a ON a.seq = q.seq"
		" GROUP BY q.cluster HAVING count(DISTINCT a.outlet_id) >= 2)",
		"SELECT count(*) FROM chrome_lines WHERE chrome_since IS NOT NULL",
	};
	int64_t *dst[] = {&st->articles, &st->outlets, &st->duplicates, &st->repeated_quotes,
			  &st->cross_outlet_quotes, &st->chrome_lines};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		int rc = query_int(idx, sql[i], dst[i]);
		if (rc < 0)
			return rc;
	}
	st->store_bytes = wn_store_size(idx->st);
	return 0;
}

static json_t *iso_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

/* Fill one cluster's text, outlets and articles. */
static int cluster_json(wn_index *idx, int64_t cluster, json_t *o)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(idx->st->db,
				    "SELECT text FROM quotes WHERE cluster = ?1"
				    " ORDER BY length(text) DESC, quote_id LIMIT 1",
				    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return wn_store_error(idx->st, rc, "quotes");
	sqlite3_bind_int64(s, 1, cluster);
	if (sqlite3_step(s) == SQLITE_ROW)
		json_object_set_new(o, "text", json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	rc = sqlite3_prepare_v2(idx->st->db,
				"SELECT a.id, o.name FROM articles a JOIN outlets o"
				" ON o.outlet_id = a.outlet_id WHERE a.seq IN"
				" (SELECT seq FROM quotes WHERE cluster = ?1) ORDER BY a.seq",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return wn_store_error(idx->st, rc, "quotes");
	sqlite3_bind_int64(s, 1, cluster);
	json_t *outlets = json_array(), *articles = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const char *outlet = (const char *)sqlite3_column_text(s, 1);
		json_array_append_new(articles, json_pack("{s:s, s:s}", "id", id, "outlet", outlet));
		bool seen = false;
		for (size_t i = 0; i < json_array_size(outlets); i++)
			seen |= !strcmp(json_string_value(json_array_get(outlets, i)), outlet);
		if (!seen)
			json_array_append_new(outlets, json_string(outlet));
	}
	sqlite3_finalize(s);
	json_object_set_new(o, "outlets", outlets);
	json_object_set_new(o, "articles", articles);
	return rc == SQLITE_DONE ? 0 : wn_store_error(idx->st, rc, "quotes");
}

int wn_index_quotes(wn_index *idx, unsigned min_outlets, json_t **out)
{
	*out = NULL;
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
		idx->st->db,
		"SELECT q.cluster, count(DISTINCT a.outlet_id) AS n_out, count(DISTINCT q.seq) AS"
		" n_art, min(a.first_seen) FROM quotes q JOIN articles a ON a.seq = q.seq"
		" GROUP BY q.cluster HAVING n_art >= 2 AND n_out >= ?1"
		" ORDER BY n_out DESC, n_art DESC, min(q.seq)",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		return wn_store_error(idx->st, rc, "quotes");
	sqlite3_bind_int64(s, 1, min_outlets);
	json_t *arr = json_array();
	int r = 0;
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *o = json_object();
		r = cluster_json(idx, sqlite3_column_int64(s, 0), o);
		json_object_set_new(o, "first_seen", iso_time(sqlite3_column_int64(s, 3)));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(s);
	if (r == 0 && rc != SQLITE_DONE)
		r = wn_store_error(idx->st, rc, "quotes");
	if (r < 0 || !arr) {
		json_decref(arr);
		return r < 0 ? r : -ENOMEM;
	}
	*out = arr;
	return 0;
}

int wn_index_chrome_lines(wn_index *idx, const char *name, json_t **out)
{
	*out = NULL;
	outlet *o = NULL;
	int rc = outlet_get(idx, name, false, &o);
	if (rc == 0 && idx->writable)
		rc = flush_lines(idx); /* docs counted in this batch */
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	if (rc == -ENOENT) {
		*out = arr;
		return 0;
	}
	sqlite3_stmt *s = NULL;
	if (rc == 0 && sqlite3_prepare_v2(idx->st->db,
					  "SELECT sample, docs, chrome_since FROM chrome_lines"
					  " WHERE outlet_id = ?1 AND chrome_since IS NOT NULL"
					  " ORDER BY chrome_since, sample",
					  -1, &s, NULL) != SQLITE_OK)
		rc = wn_store_error(idx->st, sqlite3_errcode(idx->st->db), "chrome lines");
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, o->id);
		int r;
		while ((r = sqlite3_step(s)) == SQLITE_ROW)
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "text",
							     (const char *)sqlite3_column_text(s, 0),
							     "docs", (json_int_t)sqlite3_column_int64(s, 1),
							     "chrome_since",
							     (json_int_t)sqlite3_column_int64(s, 2)));
		if (r != SQLITE_DONE)
			rc = wn_store_error(idx->st, r, "chrome lines");
	}
	sqlite3_finalize(s);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
