/* index.c — learned chrome, quotes and duplicates over the state store
 * (see index.h; the SQL is in store.c). */
#include "dedup/index.h"
#include "dedup/fingerprint.h"
#include "dedup/normalise.h"
#include "dedup/quotes.h"
#include "dedup/store.h"
#include "filters/chrome.h"
#include "lib/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#define MAX_CANDIDATES 256 /* near-duplicate candidates verified per article */
#define EXPIRE_EVERY (24 * 3600)

typedef struct {
	char *name;
	int64_t id;
} outlet_entry;

struct wn_index {
	wn_store *st;
	unsigned min_docs;
	unsigned retention_days;
	bool batch;
	int64_t next_expire;
	outlet_entry *outlets; /* name -> id cache; the store is the truth */
	size_t noutlets;
};

struct wn_index_article {
	wn_index *idx;
	int64_t outlet_id;
	int64_t cseq;
	uint64_t *chrome;
	wn_chrome_view view;
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

static void forget_outlets(wn_index *idx)
{
	for (size_t i = 0; i < idx->noutlets; i++)
		free(idx->outlets[i].name);
	free(idx->outlets);
	idx->outlets = NULL;
	idx->noutlets = 0;
}

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

static int step_done(wn_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return wn_store_error(st, rc, what);
}

static sqlite3_stmt *stmt(wn_index *idx, enum wn_stmt w) { return wn_store_stmt(idx->st, w); }

static int outlet_id(wn_index *idx, const char *name, bool create, int64_t *id)
{
	for (size_t i = 0; i < idx->noutlets; i++)
		if (!strcmp(idx->outlets[i].name, name)) {
			*id = idx->outlets[i].id;
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
	if (found) {
		*id = sqlite3_column_int64(s, 0);
	} else if (!create) {
		*id = -1;
		return -ENOENT;
	} else {
		s = stmt(idx, WN_SQL_OUTLET_ADD);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if ((rc = step_done(idx->st, s, "adding an outlet")) < 0)
			return rc;
		*id = sqlite3_last_insert_rowid(idx->st->db);
	}
	outlet_entry *o = realloc(idx->outlets, (idx->noutlets + 1) * sizeof *o);
	if (!o)
		return -ENOMEM;
	idx->outlets = o;
	if (!(o[idx->noutlets].name = strdup(name)))
		return -ENOMEM;
	o[idx->noutlets++].id = *id;
	return 0;
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

int wn_index_open(const wn_index_config *cfg, wn_index **out, char *err, size_t errlen)
{
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	wn_index *idx = calloc(1, sizeof *idx);
	if (!idx)
		return -ENOMEM;
	idx->min_docs = cfg->chrome_min_docs ? cfg->chrome_min_docs : WN_CHROME_MIN_DOCS;
	idx->retention_days = cfg->retention_days ? cfg->retention_days : WN_RETENTION_DAYS;
	int rc = wn_store_open(cfg->path, cfg->read_only, cfg->durable, &idx->st, err, errlen);
	if (rc == 0)
		rc = read_expired_at(idx);
	if (rc < 0) {
		if (errlen && !err[0])
			snprintf(err, errlen, "%s: %s", cfg->path ? cfg->path : ":memory:",
				 strerror(-rc));
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
	wn_store_close(idx->st);
	forget_outlets(idx);
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
	int rc = wn_store_exec(idx->st, "COMMIT");
	if (rc < 0) {
		wn_store_exec(idx->st, "ROLLBACK");
		forget_outlets(idx);
	}
	idx->batch = false;
	return rc;
}

int wn_index_expire(wn_index *idx, int64_t now)
{
	int64_t cutoff = now - (int64_t)idx->retention_days * 86400;
	int rc = wn_store_exec(idx->st, "SAVEPOINT wn_expire");
	if (rc < 0)
		return rc;
	rc = wn_store_expire(idx->st, cutoff);
	if (rc < 0) {
		wn_store_exec(idx->st, "ROLLBACK TO wn_expire");
		wn_store_exec(idx->st, "RELEASE wn_expire");
		return rc;
	}
	idx->next_expire = now + EXPIRE_EVERY;
	return wn_store_exec(idx->st, "RELEASE wn_expire");
}

static int savepoint(wn_index *idx)
{
	if (idx->st->read_only)
		return -EROFS;
	int rc = wn_store_exec(idx->st, "SAVEPOINT wn_article");
	if (rc == 0 && now_s() >= idx->next_expire)
		rc = wn_index_expire(idx, now_s());
	return rc;
}

static int release(wn_index *idx)
{
	int rc = wn_store_exec(idx->st, "RELEASE wn_article");
	if (rc < 0) {
		wn_store_exec(idx->st, "ROLLBACK TO wn_article");
		wn_store_exec(idx->st, "RELEASE wn_article");
		forget_outlets(idx);
	}
	return rc;
}

static void rollback(wn_index *idx)
{
	wn_store_exec(idx->st, "ROLLBACK TO wn_article");
	wn_store_exec(idx->st, "RELEASE wn_article");
	forget_outlets(idx); /* ids made in the rolled-back part are gone */
}

/* ---- learned chrome ---- */

/* Count the document's lines for its outlet (once per article id, and not
 * at all for a page whose lines are exactly those of a page counted before:
 * the same article scraped twice must not turn its own text into chrome)
 * and, if chrome is given, collect the keys that are chrome for it. */
static int count_lines(wn_index *idx, const wn_doc *doc, int64_t outlet, int64_t *cseq_out,
		       uint64_t **chrome, size_t *nchrome)
{
	uint64_t *keys;
	size_t *line_of, n;
	int rc = wn_chrome_doc_keys(doc, &keys, &line_of, &n);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = stmt(idx, WN_SQL_CDOC_GET);
	bool counted = false;
	rc = s ? 0 : -EIO;
	if (rc == 0) {
		sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
		rc = step_row(idx->st, s, &counted, "chrome document");
	}
	int64_t cseq = 0, now = now_s();
	int64_t page = (int64_t)XXH3_64bits(keys, n * sizeof *keys);
	if (rc == 0 && counted) {
		cseq = sqlite3_column_int64(s, 0);
	} else if (rc == 0) {
		bool seen_page = false;
		s = stmt(idx, WN_SQL_CDOC_PAGE);
		rc = s ? 0 : -EIO;
		if (rc == 0) {
			sqlite3_bind_int64(s, 1, outlet);
			sqlite3_bind_int64(s, 2, page);
			rc = step_row(idx->st, s, &seen_page, "chrome page");
		}
		if (rc == 0 && !(s = stmt(idx, WN_SQL_CDOC_ADD)))
			rc = -EIO;
		if (rc == 0) {
			sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, outlet);
			sqlite3_bind_int64(s, 3, page);
			sqlite3_bind_int64(s, 4, now);
			rc = step_done(idx->st, s, "adding a chrome document");
			cseq = sqlite3_last_insert_rowid(idx->st->db);
		}
		counted = seen_page; /* a page seen before only reads the counts */
	}
	size_t m = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		s = stmt(idx, counted ? WN_SQL_CLINE_GET : WN_SQL_CLINE_COUNT);
		if (!s) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, outlet);
		sqlite3_bind_int64(s, 2, (int64_t)keys[i]);
		if (!counted) {
			const wn_line *l = &doc->lines[line_of[i]];
			sqlite3_bind_int64(s, 3, idx->min_docs);
			sqlite3_bind_int64(s, 4, cseq);
			sqlite3_bind_int64(s, 5, now);
			sqlite3_bind_text(s, 6, l->text, (int)l->len, SQLITE_STATIC);
		}
		bool found = false;
		rc = step_row(idx->st, s, &found, "counting chrome lines");
		if (rc == 0 && found && sqlite3_column_type(s, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(s, 0) <= cseq)
			keys[m++] = keys[i]; /* chrome for this document */
	}
	if (s)
		sqlite3_reset(s);
	free(line_of);
	if (rc < 0 || !chrome) {
		free(keys);
	} else {
		*chrome = keys;
		*nchrome = m;
	}
	if (cseq_out)
		*cseq_out = cseq;
	return rc;
}

int wn_index_article_start(wn_index *idx, const wn_doc *doc, wn_index_article **out)
{
	*out = NULL;
	wn_index_article *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->idx = idx;
	int rc = savepoint(idx);
	if (rc < 0) {
		free(a);
		return rc;
	}
	rc = outlet_id(idx, doc->outlet, true, &a->outlet_id);
	if (rc == 0)
		rc = count_lines(idx, doc, a->outlet_id, &a->cseq, &a->chrome, &a->view.nkeys);
	if (rc < 0) {
		wn_index_article_abort(a);
		return rc;
	}
	a->view.keys = a->chrome;
	*out = a;
	return 0;
}

const void *wn_index_article_chrome(const wn_index_article *a) { return &a->view; }

void wn_index_article_abort(wn_index_article *a)
{
	if (!a)
		return;
	rollback(a->idx);
	free(a->chrome);
	free(a);
}

int wn_index_learn(wn_index *idx, const wn_doc *doc)
{
	int rc = savepoint(idx);
	if (rc < 0)
		return rc;
	int64_t outlet;
	rc = outlet_id(idx, doc->outlet, true, &outlet);
	if (rc == 0)
		rc = count_lines(idx, doc, outlet, NULL, NULL, NULL);
	if (rc < 0) {
		rollback(idx);
		return rc;
	}
	return release(idx);
}

/* ---- quotes ---- */

typedef struct {
	uint64_t *grams;
	size_t ngrams;
	int64_t *clusters; /* clusters of the earlier quotes it matched */
	size_t nclusters;
} quote_work;

static int push_i64(int64_t **v, size_t *n, int64_t x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return 0;
	int64_t *p = realloc(*v, (*n + 1) * sizeof *p);
	if (!p)
		return -ENOMEM;
	p[(*n)++] = x;
	*v = p;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* id and outlet of an earlier article; *found false when it has expired. */
static int article_ref(wn_index *idx, int64_t seq, int64_t own_outlet, wn_quote_ref *ref,
		       bool *found)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_BY_SEQ);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, seq);
	int rc = step_row(idx->st, s, found, "article");
	if (rc < 0 || !*found)
		return rc;
	snprintf(ref->id, sizeof ref->id, "%s", (const char *)sqlite3_column_text(s, 0));
	int64_t outlet = sqlite3_column_int64(s, 1);
	ref->same_outlet = outlet == own_outlet;
	s = stmt(idx, WN_SQL_OUTLET_NAME);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, outlet);
	bool named = false;
	rc = step_row(idx->st, s, &named, "outlet name");
	if (rc < 0)
		return rc;
	ref->outlet = strdup(named ? (const char *)sqlite3_column_text(s, 0) : "");
	return ref->outlet ? 0 : -ENOMEM;
}

/* Find one quote's earlier repeats: fills q->repeated_in and w. */
static int match_quote(wn_index *idx, int64_t own_seq, int64_t own_outlet, wn_quote *q,
		       quote_work *w)
{
	wn_words words;
	int rc = wn_norm_words(q->text, strlen(q->text), &words);
	if (rc < 0)
		return rc;
	rc = wn_fp_quote_grams(&words, &w->grams, &w->ngrams);
	wn_words_free(&words);
	int64_t *seqs = NULL;
	size_t nseqs = 0;
	for (size_t i = 0; i < w->ngrams && rc == 0; i++) {
		sqlite3_stmt *s = stmt(idx, WN_SQL_GRAM_FIND);
		if (!s) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, (int64_t)w->grams[i]);
		sqlite3_bind_int64(s, 2, own_seq);
		int r;
		while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
			rc = push_i64(&seqs, &nseqs, sqlite3_column_int64(s, 1));
			if (rc == 0)
				rc = push_i64(&w->clusters, &w->nclusters, sqlite3_column_int64(s, 2));
		}
		if (rc == 0 && r != SQLITE_DONE)
			rc = wn_store_error(idx->st, r, "finding quotes");
		sqlite3_reset(s);
	}
	if (rc == 0 && nseqs) {
		qsort(seqs, nseqs, sizeof *seqs, cmp_i64);
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

static int record_quote(wn_index *idx, int64_t seq, const wn_quote *q, quote_work *w)
{
	if (w->ngrams == 0) /* too short to ever match: not stored */
		return 0;
	sqlite3_stmt *s = stmt(idx, WN_SQL_QUOTE_ADD);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, q->text, -1, SQLITE_STATIC);
	int rc = step_done(idx->st, s, "adding a quote");
	if (rc < 0)
		return rc;
	int64_t qid = sqlite3_last_insert_rowid(idx->st->db);
	/* Its cluster is the oldest of those it joins; the others merge in. */
	int64_t cluster = qid;
	for (size_t i = 0; i < w->nclusters; i++)
		if (w->clusters[i] < cluster)
			cluster = w->clusters[i];
	s = stmt(idx, WN_SQL_QUOTE_CLUSTER);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, qid);
	sqlite3_bind_int64(s, 2, cluster);
	rc = step_done(idx->st, s, "clustering a quote");
	for (size_t i = 0; i < w->nclusters && rc == 0; i++) {
		if (w->clusters[i] == cluster)
			continue;
		if (!(s = stmt(idx, WN_SQL_QUOTE_MERGE)))
			return -EIO;
		sqlite3_bind_int64(s, 1, cluster);
		sqlite3_bind_int64(s, 2, w->clusters[i]);
		rc = step_done(idx->st, s, "merging quote clusters");
	}
	for (size_t i = 0; i < w->ngrams && rc == 0; i++) {
		if (!(s = stmt(idx, WN_SQL_GRAM_ADD)))
			return -EIO;
		sqlite3_bind_int64(s, 1, (int64_t)w->grams[i]);
		sqlite3_bind_int64(s, 2, qid);
		rc = step_done(idx->st, s, "adding quote fingerprints");
	}
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

/* ---- duplicates ---- */

static void minhash_to_blob(const wn_body_sig *sig, unsigned char blob[WN_MINHASH * 4])
{
	for (int i = 0; i < WN_MINHASH; i++)
		for (int b = 0; b < 4; b++)
			blob[i * 4 + b] = (unsigned char)(sig->minhash[i] >> (8 * b));
}

/* Signature and canonical seq (duplicate_of, or the seq itself) of an
 * earlier article; *found false when it has expired. */
static int load_sig(wn_index *idx, int64_t seq, wn_body_sig *sig, int64_t *canonical, bool *found)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_BY_SEQ);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, seq);
	int rc = step_row(idx->st, s, found, "article signature");
	if (rc < 0 || !*found)
		return rc;
	memset(sig, 0, sizeof *sig);
	const unsigned char *blob = sqlite3_column_blob(s, 3);
	if (blob && sqlite3_column_bytes(s, 3) == WN_MINHASH * 4) {
		sig->comparable = true;
		sig->shingles = (uint32_t)sqlite3_column_int64(s, 2);
		for (int i = 0; i < WN_MINHASH; i++)
			for (int b = 0; b < 4; b++)
				sig->minhash[i] |= (uint32_t)blob[i * 4 + b] << (8 * b);
	}
	*canonical = sqlite3_column_type(s, 4) == SQLITE_NULL ? seq : sqlite3_column_int64(s, 4);
	return 0;
}

/* The canonical article this body duplicates (0: none). */
static int find_duplicate(wn_index *idx, const wn_body_sig *sig, int64_t own_seq, int64_t *canon)
{
	*canon = 0;
	if (!sig->comparable)
		return 0;
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_EXACT);
	if (!s)
		return -EIO;
	sqlite3_bind_blob(s, 1, sig->exact, 16, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, own_seq);
	bool found = false;
	int rc = step_row(idx->st, s, &found, "exact duplicate");
	if (rc < 0)
		return rc;
	wn_body_sig other;
	if (found) {
		int64_t seq = sqlite3_column_int64(s, 0);
		return load_sig(idx, seq, &other, canon, &found);
	}
	uint64_t bands[WN_BANDS];
	wn_fp_bands(sig, bands);
	int64_t *cand = NULL;
	size_t ncand = 0;
	for (int b = 0; b < WN_BANDS && rc == 0 && ncand < MAX_CANDIDATES; b++) {
		if (!(s = stmt(idx, WN_SQL_BAND_FIND))) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, (int64_t)bands[b]);
		sqlite3_bind_int64(s, 2, own_seq);
		int r;
		while (rc == 0 && ncand < MAX_CANDIDATES && (r = sqlite3_step(s)) == SQLITE_ROW)
			rc = push_i64(&cand, &ncand, sqlite3_column_int64(s, 0));
		sqlite3_reset(s);
	}
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

static int record_article(wn_index *idx, const wn_doc *doc, int64_t outlet,
			  const wn_body_sig *sig, int64_t canon, int64_t *seq)
{
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_ADD);
	if (!s)
		return -EIO;
	unsigned char blob[WN_MINHASH * 4];
	sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, outlet);
	sqlite3_bind_int64(s, 3, now_s());
	sqlite3_bind_int64(s, 5, sig->shingles);
	if (sig->comparable) { /* a body too short to compare has no fingerprints */
		minhash_to_blob(sig, blob);
		sqlite3_bind_blob(s, 4, sig->exact, 16, SQLITE_STATIC);
		sqlite3_bind_blob(s, 6, blob, sizeof blob, SQLITE_STATIC);
	}
	if (canon)
		sqlite3_bind_int64(s, 7, canon);
	int rc = step_done(idx->st, s, "recording an article");
	if (rc < 0)
		return rc;
	*seq = sqlite3_last_insert_rowid(idx->st->db);
	if (!sig->comparable)
		return 0;
	uint64_t bands[WN_BANDS];
	wn_fp_bands(sig, bands);
	for (int b = 0; b < WN_BANDS && rc == 0; b++) {
		if (!(s = stmt(idx, WN_SQL_BAND_ADD)))
			return -EIO;
		sqlite3_bind_int64(s, 1, (int64_t)bands[b]);
		sqlite3_bind_int64(s, 2, *seq);
		rc = step_done(idx->st, s, "recording article bands");
	}
	return rc;
}

static int dedup(wn_index *idx, wn_index_article *a, wn_doc *doc)
{
	size_t blen;
	char *body = wn_doc_body(doc, &blen);
	if (!body)
		return -ENOMEM;
	sqlite3_stmt *s = stmt(idx, WN_SQL_ART_GET);
	bool recorded = false;
	int rc = s ? 0 : -EIO;
	int64_t seq = INT64_MAX;
	if (rc == 0) {
		sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
		rc = step_row(idx->st, s, &recorded, "article");
		if (rc == 0 && recorded)
			seq = sqlite3_column_int64(s, 0);
	}
	quote_work *work = NULL;
	if (rc == 0)
		rc = find_quotes(idx, doc, body, blen, seq, a->outlet_id, &work);

	wn_words words = {0};
	wn_body_sig sig = {0};
	int64_t canon = 0;
	if (rc == 0)
		rc = wn_norm_words(body, blen, &words);
	if (rc == 0)
		rc = wn_fp_body(&words, &sig);
	if (rc == 0)
		rc = find_duplicate(idx, &sig, seq, &canon);
	if (rc == 0 && canon) {
		wn_quote_ref ref = {0};
		bool found = false;
		rc = article_ref(idx, canon, a->outlet_id, &ref, &found);
		if (rc == 0 && found && !(doc->duplicate_of = strdup(ref.id)))
			rc = -ENOMEM;
		free(ref.outlet);
	}
	if (rc == 0 && !recorded) {
		rc = record_article(idx, doc, a->outlet_id, &sig, canon, &seq);
		for (size_t i = 0; i < doc->nquotes && rc == 0; i++)
			rc = record_quote(idx, seq, &doc->quotes[i], &work[i]);
	}
	free_work(work, doc->nquotes);
	wn_words_free(&words);
	free(body);
	return rc;
}

int wn_index_article_finish(wn_index_article *a, wn_doc *doc)
{
	wn_index *idx = a->idx;
	int rc = dedup(idx, a, doc);
	if (rc < 0) {
		wn_index_article_abort(a);
		return rc;
	}
	rc = release(idx);
	free(a->chrome);
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

int wn_index_chrome_lines(wn_index *idx, const char *outlet, json_t **out)
{
	*out = NULL;
	int64_t oid;
	int rc = outlet_id(idx, outlet, false, &oid);
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
		sqlite3_bind_int64(s, 1, oid);
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
