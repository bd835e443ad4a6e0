/* test_index.c — the index through the pipeline: learned chrome, quotes
 * repeated across outlets, duplicates, the store on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "dedup/fingerprint.h"
#include "dedup/index.h"
#include "dedup/normalise.h"
#include "dedup/test_fixtures.h"
#include "lib/output.h"
#include "lib/pipeline.h"

typedef struct {
	char dir[64];
	char path[128];
	wn_cleaner *cl;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/wn-index-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
	char err[256];
	/* The index alone: no rules or heuristics take the generated chrome first. */
	wn_cleaner_config cc = {.no_default_rules = true, .no_heuristics = true};
	if (wn_cleaner_new(&cc, &f->cl, err, sizeof err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	char other[160];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	unlink(other);
	rmdir(f->dir);
	wn_cleaner_free(f->cl);
	free(f);
	return 0;
}

static wn_index *open_index(const char *path, unsigned min_docs)
{
	wn_index_config cfg = {.path = path, .chrome_min_docs = min_docs};
	wn_index *idx;
	char err[256];
	int rc = wn_index_open(&cfg, &idx, err, sizeof err);
	if (rc < 0)
		fail_msg("open: %s", err);
	return idx;
}

static wn_index *open_with(const wn_index_config *cfg)
{
	wn_index *idx;
	char err[256];
	if (wn_index_open(cfg, &idx, err, sizeof err) < 0)
		fail_msg("open: %s", err);
	return idx;
}

static wn_doc *process(fixture *f, wn_index *idx, const char *outlet, const char *stem,
		       const char *text)
{
	char src[256];
	snprintf(src, sizeof src, "%s/%s.txt", outlet, stem);
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), src, outlet, &doc), 0);
	assert_int_equal(wn_cleaner_prepare(f->cl, doc), 0);
	assert_int_equal(wn_pipeline_index(f->cl, idx, doc), 0);
	return doc;
}

/* The JSON record as a string (keys sorted), for comparing runs. */
static char *record(wn_doc *doc)
{
	free(wn_doc_body(doc, NULL));
	json_t *r = wn_output_record(doc);
	char *s = json_dumps(r, JSON_SORT_KEYS);
	json_decref(r);
	return s;
}

static const wn_quote *quote_containing(const wn_doc *doc, const char *needle)
{
	for (size_t i = 0; i < doc->nquotes; i++)
		if (strstr(doc->quotes[i].text, needle))
			return &doc->quotes[i];
	fail_msg("no quote with '%s'", needle);
	return NULL;
}

static size_t repeats(const wn_doc *doc)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->nquotes; i++)
		n += doc->quotes[i].nrepeated;
	return n;
}

static void quotes_across_outlets_persist(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0);
	wn_doc *orig = process(f, idx, "harbour-post", "bridge", story_original);
	assert_int_equal(repeats(orig), 0);
	assert_true(orig->nquotes >= 2);
	/* offsets point into the cleaned body */
	char *body = wn_doc_body(orig, NULL);
	for (size_t i = 0; i < orig->nquotes; i++)
		assert_memory_equal(body + orig->quotes[i].start, orig->quotes[i].text,
				    orig->quotes[i].end - orig->quotes[i].start);
	free(body);
	assert_int_equal(wn_index_close(idx), 0);

	idx = open_index(f->path, 0); /* a new run on the same store */
	wn_doc *other = process(f, idx, "coast-ledger", "hinges", story_same_event);
	const wn_quote *q = quote_containing(other, "We are not going to put");
	assert_int_equal(q->nrepeated, 1);
	assert_string_equal(q->repeated_in[0].id, orig->id);
	assert_string_equal(q->repeated_in[0].outlet, "harbour-post");
	assert_false(q->repeated_in[0].same_outlet);
	/* a fragment of a longer quote matches it */
	q = quote_containing(other, "until the foundry has recast both hinges");
	assert_int_equal(q->nrepeated, 1);
	assert_string_equal(q->repeated_in[0].id, orig->id);
	assert_null(other->duplicate_of);
	/* the same quote in another article of the same outlet is marked so */
	wn_doc *later = process(f, idx, "coast-ledger", "hinges-followup",
				"Follow-up\n\nAs the mayor put it last week, “we’re not going to put a "
				"single walker on that deck until every hinge has been tested”, and "
				"the council has kept to that promise through the whole winter.\n");
	q = quote_containing(later, "single walker");
	assert_int_equal(q->nrepeated, 2);
	assert_string_equal(q->repeated_in[0].id, orig->id);
	assert_false(q->repeated_in[0].same_outlet);
	assert_string_equal(q->repeated_in[1].id, other->id);
	assert_true(q->repeated_in[1].same_outlet);
	/* no quote in common: nothing reported */
	wn_doc *farm = process(f, idx, "hill-gazette", "hay", story_unrelated);
	assert_true(farm->nquotes >= 1);
	assert_int_equal(repeats(farm), 0);

	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 4);
	assert_int_equal(st.outlets, 3);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.repeated_quotes, 2);
	assert_int_equal(st.cross_outlet_quotes, 2);
	assert_true(st.store_bytes > 0);

	json_t *list;
	assert_int_equal(wn_index_quotes(idx, 2, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_t *top = json_array_get(list, 0); /* the most repeated first */
	assert_int_equal(json_array_size(json_object_get(top, "articles")), 3);
	assert_int_equal(json_array_size(json_object_get(top, "outlets")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(top, "text")), "single walker"));
	assert_true(json_is_string(json_object_get(top, "first_seen")));
	json_decref(list);
	assert_int_equal(wn_index_quotes(idx, 3, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	wn_doc_free(orig);
	wn_doc_free(other);
	wn_doc_free(later);
	wn_doc_free(farm);
	assert_int_equal(wn_index_close(idx), 0);
}

/* Two quotes repeated in the same many earlier articles: every reference
 * of both (they are looked up once per article and shared) names the
 * right article and outlet, in order. */
static void quote_refs_shared_across_quotes(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0);
	static const char *const outlets[] = {"out-a", "out-b", "out-c"};
	enum { EARLIER = 40 };
	wn_doc *docs[EARLIER + 1];
	char text[1024], stem[32];
	for (int i = 0; i <= EARLIER; i++) {
		snprintf(text, sizeof text,
			 "Report number %d on the harbour\n\nIn item %d the warden said "
			 "\xE2\x80\x9Cthe eastern breakwater will be rebuilt with granite from the old "
			 "quarry\xE2\x80\x9D and later added \"every fishing crew keeps its mooring "
			 "through the whole rebuilding season\" before leaving.\n",
			 i, i * 7919);
		snprintf(stem, sizeof stem, "r%d", i);
		docs[i] = process(f, idx, i == EARLIER ? "out-a" : outlets[i % 3], stem, text);
	}
	wn_doc *last = docs[EARLIER];
	assert_int_equal(last->nquotes, 2);
	for (size_t q = 0; q < 2; q++) {
		const wn_quote *qt = &last->quotes[q];
		assert_int_equal(qt->nrepeated, EARLIER);
		for (int k = 0; k < EARLIER; k++) {
			assert_string_equal(qt->repeated_in[k].id, docs[k]->id);
			assert_string_equal(qt->repeated_in[k].outlet, outlets[k % 3]);
			assert_int_equal(qt->repeated_in[k].same_outlet, k % 3 == 0);
		}
	}
	for (int i = 0; i <= EARLIER; i++)
		wn_doc_free(docs[i]);
	assert_int_equal(wn_index_close(idx), 0);
}

/* The rows of the quotes table, one line each, for comparing stores. */
static char *quote_rows(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT quote_id, seq, cluster, text FROM quotes"
					     " ORDER BY quote_id", -1, &s, NULL),
			 SQLITE_OK);
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	while (sqlite3_step(s) == SQLITE_ROW) {
		len += (size_t)snprintf(out + len, cap - len, "%lld %lld %lld %s\n",
					(long long)sqlite3_column_int64(s, 0),
					(long long)sqlite3_column_int64(s, 1),
					(long long)sqlite3_column_int64(s, 2),
					(const char *)sqlite3_column_text(s, 3));
		assert_true(len < cap);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* What the index remembers of earlier articles and quotes (their ids,
 * outlets, k-grams and clusters through merges) decides exactly as the
 * store does: one index kept open over many articles whose quotes join
 * and merge clusters gives the same records and the same quote rows as
 * indexes reopened for every article (which read everything from the
 * store). */
static void records_agree_with_the_store(void **state)
{
	fixture *f = *state;
	static const char *const frag[] = {
		"the northern quay will be closed for repairs",
		"every trawler must use the outer moorings tonight",
		"we have asked the county for emergency funding",
		"the lifeboat crew trained through the whole storm",
		"no ferry will sail before the inspection ends",
		"our harbour has never seen a tide this high",
		"volunteers filled sandbags along the promenade until dawn",
		"insurers are sending assessors to every flooded cellar",
		"the fish market reopens once the drains are cleared",
		"schools near the estuary stay shut until monday",
		"pumps from three counties are working in the basin",
		"a new sea wall was promised twenty years ago",
	};
	/* first quotes that join clusters, then a quote that only matches a
	 * quote whose cluster was merged away; then at random */
	static const unsigned scripted[][4] = {
		{0, 1, 2, 3}, {4, 5, 6, 7}, {0, 4, 8, 9}, {5, 10, 11, 9}, {7, 10, 2, 6},
	};
	static const char *const outlets[] = {"quay-news", "tide-times", "north-wire"};
	enum { N = 36 };
	char other[160];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	wn_index *kept = open_index(f->path, 0);
	assert_int_equal(wn_index_begin(kept), 0);
	uint64_t r = 12345;
	char copies[2][1024];
	int duplicates = 0;
	for (int i = 0; i < N; i++) {
		char text[1024], stem[32];
		size_t q[4];
		for (int k = 0; k < 4; k++) {
			r = r * 6364136223846793005ull + 1442695040888963407ull;
			q[k] = i < 5 ? scripted[i][k] : (size_t)(r >> 33) % 12;
		}
		snprintf(text, sizeof text,
			 "Harbour bulletin %d\n\nThe harbour master, speaking on day %d, said \"%s and %s\" "
			 "before the meeting closed.\n\nLater a deputy added \"%s while %s\" to the "
			 "reporters gathered on the slipway at hour %d.\n",
			 i, i * 7907, frag[q[0]], frag[q[1]], frag[q[2]], frag[q[3]], i * 31);
		snprintf(stem, sizeof stem, "b%d", i);
		const char *outlet = outlets[i % 3];
		if (i % 9 == 8) /* a copy of an earlier bulletin: a duplicate */
			snprintf(text, sizeof text, "%s", copies[(i / 9) % 2]);
		if (i == 3 || i == 4)
			snprintf(copies[i - 3], sizeof copies[0], "%s", text);
		wn_doc *a = process(f, kept, outlet, stem, text);
		wn_index *fresh = open_index(other, 0);
		wn_index_memory m;
		wn_index_memory_get(fresh, &m);
		assert_int_equal(m.record_bytes, 0); /* records are read as needed */
		wn_doc *b = process(f, fresh, outlet, stem, text);
		assert_int_equal(wn_index_close(fresh), 0);
		if (i % 2 == 1) { /* batches of two; the rows as they are then */
			assert_int_equal(wn_index_commit(kept), 0);
			assert_int_equal(wn_index_begin(kept), 0);
			char *rows_kept = quote_rows(f->path), *rows_fresh = quote_rows(other);
			assert_string_equal(rows_kept, rows_fresh);
			free(rows_kept);
			free(rows_fresh);
		}
		char *ra = record(a), *rb = record(b);
		assert_string_equal(ra, rb);
		duplicates += a->duplicate_of != NULL;
		free(ra);
		free(rb);
		wn_doc_free(a);
		wn_doc_free(b);
	}
	wn_index_memory m;
	wn_index_memory_get(kept, &m);
	assert_true(m.record_bytes > 0);
	assert_int_equal(wn_index_close(kept), 0);
	assert_true(duplicates >= 3);
	char *rows_kept = quote_rows(f->path), *rows_fresh = quote_rows(other);
	assert_true(strlen(rows_kept) > 0);
	assert_string_equal(rows_kept, rows_fresh);
	/* clusters did merge: fewer clusters than quotes */
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(DISTINCT cluster), count(*) FROM quotes",
					     -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_true(sqlite3_column_int(s, 0) < sqlite3_column_int(s, 1) / 2);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(rows_kept);
	free(rows_fresh);
	static const char *const suffix[] = {"-wal", "-shm", "-index"};
	for (size_t i = 0; i < 3; i++) {
		char p[200];
		snprintf(p, sizeof p, "%s%s", other, suffix[i]);
		unlink(p);
		snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		unlink(p);
	}
}

static void duplicates(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0); /* in memory */
	wn_doc *orig = process(f, idx, "harbour-post", "bridge", story_original);
	wn_doc *same = process(f, idx, "coast-ledger", "hinges", story_same_event);
	wn_doc *synd = process(f, idx, "valley-wire", "footbridge", story_syndicated);
	wn_doc *exact = process(f, idx, "harbour-post", "bridge-copy", story_original);
	wn_doc *copy2 = process(f, idx, "moor-echo", "bridge", story_syndicated);
	assert_null(orig->duplicate_of);
	assert_null(same->duplicate_of); /* same event, shared quotes: not a duplicate */
	assert_non_null(synd->duplicate_of);
	assert_string_equal(synd->duplicate_of, orig->id);
	assert_non_null(exact->duplicate_of);
	assert_string_equal(exact->duplicate_of, orig->id);
	/* a copy of a copy points at the canonical (first seen) article */
	assert_non_null(copy2->duplicate_of);
	assert_string_equal(copy2->duplicate_of, orig->id);
	wn_index_stats st;
	/* bodies too short to compare are never duplicates */
	wn_doc *s1 = process(f, idx, "harbour-post", "brief1", "Ferry runs late.\n");
	wn_doc *s2 = process(f, idx, "harbour-post", "brief2", "Ferry runs late.\n");
	wn_doc *s3 = process(f, idx, "harbour-post", "empty", "\n\n");
	assert_null(s1->duplicate_of);
	assert_null(s2->duplicate_of);
	assert_null(s3->duplicate_of);
	wn_doc_free(s1);
	wn_doc_free(s2);
	wn_doc_free(s3);
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.duplicates, 3);
	assert_int_equal(st.store_bytes, 0);
	wn_doc_free(orig);
	wn_doc_free(same);
	wn_doc_free(synd);
	wn_doc_free(exact);
	wn_doc_free(copy2);
	assert_int_equal(wn_index_close(idx), 0);
}

static int64_t sum_docs(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT (SELECT sum(docs) FROM chrome_lines) * 1000000 +"
					    " (SELECT count(*) FROM quotes) * 1000 +"
					    " (SELECT sum(length(grams)) / 8 FROM quotes)",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void rerun_is_idempotent(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0);
	const char *texts[] = {story_original, story_same_event, story_syndicated};
	const char *outlets[] = {"harbour-post", "coast-ledger", "valley-wire"};
	char *first[3];
	for (int i = 0; i < 3; i++) {
		wn_doc *d = process(f, idx, outlets[i], "story", texts[i]);
		first[i] = record(d);
		wn_doc_free(d);
	}
	wn_index_stats before, after;
	assert_int_equal(wn_index_stats_get(idx, &before), 0);
	assert_int_equal(wn_index_close(idx), 0);
	int64_t counts = sum_docs(f->path);

	/* after a crash the daemon processes the same files again, in any order */
	idx = open_index(f->path, 0);
	for (int i = 2; i >= 0; i--) {
		wn_doc *d = process(f, idx, outlets[i], "story", texts[i]);
		char *again = record(d);
		assert_string_equal(again, first[i]);
		free(again);
		free(first[i]);
		wn_doc_free(d);
	}
	assert_int_equal(wn_index_stats_get(idx, &after), 0);
	assert_int_equal(after.articles, before.articles);
	assert_int_equal(after.duplicates, 1);
	assert_int_equal(after.repeated_quotes, before.repeated_quotes);
	assert_int_equal(wn_index_close(idx), 0);
	assert_int_equal(sum_docs(f->path), counts);
}

static void set_user_version(const char *path, int v)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int get_user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void schema_version_checked(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0);
	wn_doc *d = process(f, idx, "harbour-post", "bridge", story_original);
	wn_doc_free(d);
	assert_int_equal(wn_index_close(idx), 0);

	wn_index_config cfg = {.path = f->path};
	char err[256];
	set_user_version(f->path, 3);
	assert_true(wn_index_open(&cfg, &idx, err, sizeof err) < 0);
	assert_null(idx);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(get_user_version(f->path), 3); /* untouched */
	/* a version 1 store (before chrome windows) is refused with what to do */
	set_user_version(f->path, 1);
	assert_true(wn_index_open(&cfg, &idx, err, sizeof err) < 0);
	assert_non_null(strstr(err, "schema version 1"));
	assert_non_null(strstr(err, "older"));
	assert_non_null(strstr(err, "start a new store"));
	assert_int_equal(get_user_version(f->path), 1);
	set_user_version(f->path, 0);
	assert_true(wn_index_open(&cfg, &idx, err, sizeof err) < 0);
	assert_non_null(strstr(err, "older"));
	assert_int_equal(get_user_version(f->path), 0);
	set_user_version(f->path, 2);
	idx = open_index(f->path, 0);
	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 1);
	assert_int_equal(wn_index_close(idx), 0);

	/* not a database at all: refused, left as it was */
	char other[160];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	FILE *fp = fopen(other, "w");
	fputs("this is a plain text file, not a state store\n", fp);
	fclose(fp);
	cfg.path = other;
	assert_true(wn_index_open(&cfg, &idx, err, sizeof err) < 0);
	assert_true(strlen(err) > 0);
	fp = fopen(other, "r");
	char buf[128] = "";
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "this is a plain text file, not a state store\n");
	/* read-only never creates */
	cfg.path = f->path;
	unlink(f->path);
	cfg.read_only = true;
	assert_true(wn_index_open(&cfg, &idx, err, sizeof err) < 0);
	assert_int_equal(access(f->path, F_OK), -1);
}

/* A generated page of outlet `outlet`: the outlet's chrome around three
 * paragraphs of its own. */
static char *gen_page(const char *outlet, int page)
{
	/* every few words vary from page to page: pages are not near-duplicates */
	static const char *const desks[] = {"planning", "harbour", "schools", "transport",
					    "library", "parks", "housing"};
	static const char *const verbs[] = {"approved", "rejected", "deferred", "amended", "welcomed"};
	static const char *const things[] = {"quay", "ferry", "lifeboat", "market", "bandstand",
					     "causeway", "lighthouse", "boatyard", "chapel",
					     "orchard", "mill"};
	static const char *const names[] = {"Ada Brell", "Tomas Quill", "Nia Varden",
					    "Oskar Lune", "Bea Corran", "Idris Mott"};
	static const char *const months[] = {"March", "April", "May", "June",
					     "July", "August", "September", "October"};
	char body[2048] = "";
	for (int p = 0; p < 3; p++) {
		int k = page * 3 + p;
		char para[512];
		snprintf(para, sizeof para,
			 "The %s committee %s the %s plan, and %s said the %s would %s its %s "
			 "budget by %s.\n\n",
			 desks[k % 7], verbs[k % 5], things[k % 11], names[k % 6], things[(k + 3) % 11],
			 verbs[(k + 2) % 5], desks[(k + 4) % 7], months[k % 8]);
		strcat(body, para);
	}
	char *out = malloc(4096);
	snprintf(out, 4096,
		 "%s | Home | News | Sport | Weather\n"
		 "Sign up to our newsletter for the morning headlines\n"
		 "\n"
		 "Council notes, part %c\n"
		 "\n"
		 "%s"
		 "Wire: The regional ferry operator said crossings would run to the winter timetable.\n"
		 "\n"
		 "Copyright %d %s Media Ltd. All rights reserved.\n",
		 outlet, 'A' + page, body, 2010 + page, outlet);
	return out;
}

static bool removed_as(const wn_doc *doc, const char *prefix, const char *reason)
{
	for (size_t i = 0; i < doc->nlines; i++)
		if (!strncmp(doc->lines[i].text, prefix, strlen(prefix)))
			return doc->lines[i].reason && !strcmp(doc->lines[i].reason, reason);
	fail_msg("no line '%s'", prefix);
	return false;
}

static size_t count_reason(const wn_doc *doc, const char *reason)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->nlines; i++)
		n += doc->lines[i].reason && !strcmp(doc->lines[i].reason, reason);
	return n;
}

static void chrome_learned_per_outlet(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0); /* N = 3 */
	char *rerun_text = NULL;
	char *rerun_record = NULL;
	for (int page = 0; page < 6; page++) {
		char *text = gen_page("Gen Times", page);
		char stem[16];
		snprintf(stem, sizeof stem, "page%d", page);
		wn_doc *d = process(f, idx, "gen-times", stem, text);
		bool chrome = page >= 2; /* the third page is the third document */
		assert_int_equal(removed_as(d, "Gen Times | Home", "chrome"), chrome);
		assert_int_equal(removed_as(d, "Sign up to our newsletter", "chrome"), chrome);
		/* digits are normalised: the year changes, the line is the same */
		assert_int_equal(removed_as(d, "Copyright", "chrome"), chrome);
		/* a line this outlet repeats on every page, even a wire line */
		assert_int_equal(removed_as(d, "Wire: The regional", "chrome"), chrome);
		assert_int_equal(count_reason(d, "chrome"), chrome ? 4 : 0);
		/* article text stays: the three paragraphs of this page */
		char *body = wn_doc_body(d, NULL);
		size_t paras = 0;
		for (const char *p = body; (p = strstr(p, " committee ")); p++)
			paras++;
		assert_int_equal(paras, 3);
		assert_null(d->duplicate_of);
		free(body);
		if (page == 1) {
			rerun_text = text;
			rerun_record = record(d);
		} else {
			free(text);
		}
		wn_doc_free(d);
	}
	/* a re-run of page 2 decides as the first time: its chrome stays */
	wn_doc *d = process(f, idx, "gen-times", "page1", rerun_text);
	char *again = record(d);
	assert_string_equal(again, rerun_record);
	free(again);
	free(rerun_record);
	free(rerun_text);
	wn_doc_free(d);

	/* the same page scraped again under other names counts once: its own
	 * text never turns into chrome */
	char *same = gen_page("Gen Times", 3);
	for (int i = 0; i < 3; i++) {
		char stem[16];
		snprintf(stem, sizeof stem, "copy%d", i);
		d = process(f, idx, "gen-times", stem, same);
		assert_int_equal(count_reason(d, "chrome"), 4);
		assert_non_null(d->duplicate_of);
		wn_doc_free(d);
	}
	free(same);

	/* other outlets are unaffected by gen-times' chrome, wire line included:
	 * counts are never shared across outlets */
	char *text = gen_page("Gen Times", 7);
	d = process(f, idx, "other-post", "first", text);
	assert_int_equal(count_reason(d, "chrome"), 0);
	wn_doc_free(d);
	free(text);
	json_t *lines;
	assert_int_equal(wn_index_chrome_lines(idx, "gen-times", &lines), 0);
	assert_int_equal(json_array_size(lines), 4); /* nav, newsletter, copyright, wire */
	json_decref(lines);
	assert_int_equal(wn_index_chrome_lines(idx, "other-post", &lines), 0);
	assert_int_equal(json_array_size(lines), 0);
	json_decref(lines);
	assert_int_equal(wn_index_close(idx), 0);
}

static void chrome_keeps_metadata(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0);
	static const char *const towns[] = {"Ashcombe", "Tredinnick", "Marrowby", "Penhallow"};
	for (int page = 0; page < 4; page++) {
		char text[1024];
		snprintf(text, sizeof text,
			 "Weekly Post | Home | News\n\nNews from %s this week\n\nBy Ada Brell\n"
			 "March %d, 2024\n\nThe parish council in %s met on a wet evening to agree the "
			 "plans for the summer fair, and %d residents came to hear the debate.\n",
			 towns[page], page + 3, towns[page], 40 + page);
		char stem[16];
		snprintf(stem, sizeof stem, "p%d", page);
		wn_doc *d = process(f, idx, "weekly-post", stem, text);
		/* the same author and month on every page: still metadata */
		assert_non_null(d->byline);
		assert_string_equal(d->byline, "Ada Brell");
		assert_non_null(d->date);
		assert_int_equal(removed_as(d, "Weekly Post | Home", "chrome"), page >= 2);
		wn_doc_free(d);
	}
	assert_int_equal(wn_index_close(idx), 0);
}

static void chrome_learn_and_threshold(void **state)
{
	fixture *f = *state;
	/* `winnow learn`: sample pages prime the outlet */
	wn_index *idx = open_index(NULL, 0);
	for (int page = 0; page < 3; page++) {
		char *text = gen_page("Primed", page);
		char src[32];
		snprintf(src, sizeof src, "primed/sample%d.txt", page);
		wn_doc *d;
		assert_int_equal(wn_doc_parse(text, strlen(text), src, "primed", &d), 0);
		assert_int_equal(wn_cleaner_prepare(f->cl, d), 0);
		assert_int_equal(wn_index_learn(idx, d), 0);
		assert_int_equal(wn_index_learn(idx, d), 0); /* counted once per id */
		wn_doc_free(d);
		free(text);
	}
	char *text = gen_page("Primed", 5);
	wn_doc *d = process(f, idx, "primed", "article", text);
	assert_int_equal(count_reason(d, "chrome"), 4);
	wn_doc_free(d);
	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 1); /* samples are not articles */
	assert_int_equal(wn_index_close(idx), 0);
	free(text);

	/* N is configurable */
	idx = open_index(NULL, 2);
	for (int page = 0; page < 2; page++) {
		text = gen_page("Two", page);
		d = process(f, idx, "two", page ? "b" : "a", text);
		assert_int_equal(count_reason(d, "chrome"), page ? 4 : 0);
		wn_doc_free(d);
		free(text);
	}
	assert_int_equal(wn_index_close(idx), 0);
}

static void retention_expires(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0);
	wn_doc *a = process(f, idx, "harbour-post", "bridge", story_original);
	assert_int_equal(wn_index_expire(idx, (int64_t)time(NULL) + 10 * 86400), 0);
	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 1); /* within 30 days */
	assert_int_equal(wn_index_expire(idx, (int64_t)time(NULL) + 31 * 86400), 0);
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 0);
	wn_doc *b = process(f, idx, "coast-ledger", "hinges", story_same_event);
	assert_int_equal(repeats(b), 0);
	wn_doc_free(a);
	wn_doc_free(b);
	assert_int_equal(wn_index_close(idx), 0);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* An article whose rows fail midway in a batch (a trigger refuses its
 * second quote) is taken out again: its outlet, page, article and first
 * quote rows are gone, memory (ids, outlets, quote records) never saw it,
 * the next articles neither find it nor collide with its ids, the batch
 * commits, and the same article processed again later is recorded whole. */
static void undone_article_leaves_index_consistent(void **state)
{
	fixture *f = *state;
	assert_int_equal(wn_index_close(open_index(f->path, 0)), 0); /* the schema */
	exec_sql(f->path, "CREATE TRIGGER poison BEFORE INSERT ON quotes WHEN NEW.text LIKE '%poisoned%'"
			  " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
	static const char shared[] = "the eastern breakwater will be rebuilt with granite from the old quarry";
	char first[512], bad[512], third[512];
	snprintf(first, sizeof first, "Breakwater plans\n\nThe warden said \"%s\" on Monday.\n", shared);
	snprintf(bad, sizeof bad,
		 "Quarry news\n\nA mason said \"%s\" and then \"the mortar was poisoned by salt from the "
		 "spring floods last year\" to the crowd.\n",
		 shared);
	snprintf(third, sizeof third, "Granite for the harbour\n\nOfficials repeated \"%s\" at noon.\n",
		 shared);
	wn_index *idx = open_index(f->path, 0);
	assert_int_equal(wn_index_begin(idx), 0);
	wn_doc *a = process(f, idx, "harbour-post", "plans", first);

	wn_doc *p;
	assert_int_equal(wn_doc_parse(bad, strlen(bad), "brand-new/quarry.txt", "brand-new", &p), 0);
	assert_int_equal(wn_cleaner_prepare(f->cl, p), 0);
	assert_true(wn_pipeline_index(f->cl, idx, p) < 0);
	wn_doc_free(p);

	wn_doc *c = process(f, idx, "coast-ledger", "granite", third);
	assert_int_equal(c->nquotes, 1);
	assert_int_equal(c->quotes[0].nrepeated, 1);
	assert_string_equal(c->quotes[0].repeated_in[0].id, a->id);
	assert_string_equal(c->quotes[0].repeated_in[0].outlet, "harbour-post");
	assert_int_equal(wn_index_commit(idx), 0);

	/* nothing of the undone article; the next one took its ids */
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM articles"), 2);
	assert_int_equal(count_rows(f->path, "SELECT max(seq) FROM articles"), 2);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM outlets"), 2);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM chrome_docs"), 2);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM quotes"), 2);
	assert_int_equal(count_rows(f->path, "SELECT count(DISTINCT cluster) FROM quotes"), 1);

	/* processed again once the store takes it: recorded whole, after the others */
	exec_sql(f->path, "DROP TRIGGER poison");
	assert_int_equal(wn_index_begin(idx), 0);
	p = process(f, idx, "brand-new", "quarry", bad);
	const wn_quote *q = quote_containing(p, "eastern breakwater");
	assert_int_equal(q->nrepeated, 2);
	assert_string_equal(q->repeated_in[0].id, a->id);
	assert_string_equal(q->repeated_in[1].id, c->id);
	assert_string_equal(q->repeated_in[1].outlet, "coast-ledger");
	assert_int_equal(wn_index_close(idx), 0);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM articles"), 3);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM outlets"), 3);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM quotes"), 4);
	assert_int_equal(count_rows(f->path, "SELECT count(DISTINCT cluster) FROM quotes"), 2);
	wn_doc_free(a);
	wn_doc_free(c);
	wn_doc_free(p);
	char snap[200];
	snprintf(snap, sizeof snap, "%s-index", f->path);
	unlink(snap);
}

static void group_commit(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0);
	assert_int_equal(wn_index_begin(idx), 0);
	wn_doc *a = process(f, idx, "harbour-post", "bridge", story_original);
	wn_doc *b = process(f, idx, "coast-ledger", "hinges", story_same_event);
	assert_int_equal(repeats(b), 2); /* visible inside the batch */
	assert_int_equal(wn_index_commit(idx), 0);
	assert_int_equal(wn_index_begin(idx), 0);
	wn_doc *c = process(f, idx, "hill-gazette", "hay", story_unrelated);
	assert_int_equal(wn_index_close(idx), 0); /* commits the open batch */
	idx = open_index(f->path, 0);
	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 3);
	assert_int_equal(wn_index_close(idx), 0);
	wn_doc_free(a);
	wn_doc_free(b);
	wn_doc_free(c);
}


/* A page with a marker line (or not) between a title and a paragraph of
 * its own. */
static char *marker_page(int page, bool marker)
{
	static const char *const words[] = {"quay", "ferry", "mill", "orchard", "chapel", "market",
					    "lighthouse", "causeway", "boatyard", "bandstand",
					    "harbour", "library", "school"};
	char *out = malloc(1024);
	snprintf(out, 1024,
		 "Notes from the %s, number %d\n\n%s"
		 "The %s committee met on day %d and agreed to look at the %s again before the %s "
		 "reopens in the spring.\n",
		 words[page % 13], page, marker ? "Marker line that this outlet repeats\n\n" : "",
		 words[(page + 3) % 13], page, words[(page + 5) % 13], words[(page + 7) % 13]);
	return out;
}

static bool marker_is_chrome(fixture *f, wn_index *idx, int page, bool marker)
{
	char *text = marker_page(page, marker);
	char stem[16];
	snprintf(stem, sizeof stem, "p%d", page);
	wn_doc *d = process(f, idx, "window-post", stem, text);
	bool chrome = marker ? removed_as(d, "Marker line", "chrome") : count_reason(d, "chrome") > 0;
	wn_doc_free(d);
	free(text);
	return chrome;
}

/* Learned chrome counts over the outlet's last chrome_window pages; once
 * chrome, a line stays chrome; the window is rebuilt from the store. */
static void chrome_window_slides_and_sticks(void **state)
{
	fixture *f = *state;
	wn_index_config cfg = {.path = f->path, .chrome_min_docs = 2, .chrome_window = 3};
	wn_index *idx = open_with(&cfg);
	assert_false(marker_is_chrome(f, idx, 0, true)); /* 1 page */
	for (int p = 1; p <= 3; p++)
		marker_is_chrome(f, idx, p, false);
	/* page 0 left the window: 1 of the last 3 pages (counting without a
	 * window it would be 2, and chrome) */
	assert_false(marker_is_chrome(f, idx, 4, true));
	assert_true(marker_is_chrome(f, idx, 5, true)); /* pages 4 and 5 */
	for (int p = 6; p <= 8; p++)
		marker_is_chrome(f, idx, p, false);
	assert_true(marker_is_chrome(f, idx, 9, true)); /* sticky: long out of the window */
	wn_index_memory m;
	wn_index_memory_get(idx, &m);
	assert_int_equal(m.outlets_loaded, 1);
	assert_true(m.window_bytes > 0);
	assert_int_equal(wn_index_close(idx), 0);

	/* a new process rebuilds the window from the store and decides the same */
	idx = open_with(&cfg);
	assert_false(marker_is_chrome(f, idx, 4, true)); /* a re-run: as the first time */
	assert_true(marker_is_chrome(f, idx, 5, true));
	assert_true(marker_is_chrome(f, idx, 10, true));
	json_t *lines;
	assert_int_equal(wn_index_chrome_lines(idx, "window-post", &lines), 0);
	assert_int_equal(json_array_size(lines), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 0), "docs")), 4);
	json_decref(lines);
	assert_int_equal(wn_index_close(idx), 0);
}

/* Beyond chrome_memory the least recently used windows are dropped and
 * loaded again when their outlet comes back: the decisions do not change. */
static void chrome_memory_cap(void **state)
{
	fixture *f = *state;
	wn_index_config big = {0}, tiny = {.chrome_memory = 1};
	wn_index *a = open_with(&big), *b = open_with(&tiny);
	static const char *const outlets[] = {"east-post", "west-post", "north-post"};
	for (int page = 0; page < 6; page++)
		for (int o = 0; o < 3; o++) {
			char *text = gen_page(outlets[o], page);
			char stem[16];
			snprintf(stem, sizeof stem, "p%d", page);
			wn_doc *da = process(f, a, outlets[o], stem, text);
			wn_doc *db = process(f, b, outlets[o], stem, text);
			char *ra = record(da), *rb = record(db);
			assert_string_equal(ra, rb);
			assert_int_equal(count_reason(db, "chrome"), page >= 2 ? 4 : 0);
			wn_index_memory m;
			wn_index_memory_get(b, &m);
			assert_int_equal(m.outlets_loaded, 1); /* only the last one stays */
			wn_index_memory_get(a, &m);
			assert_int_equal(m.outlets_loaded, (size_t)(page ? 3 : o + 1));
			free(ra);
			free(rb);
			wn_doc_free(da);
			wn_doc_free(db);
			free(text);
		}
	assert_int_equal(wn_index_close(a), 0);
	assert_int_equal(wn_index_close(b), 0);
}

/* The cleaned body and quotes of a text, through an index of its own. */
static wn_doc *alone(fixture *f, const char *outlet, const char *text)
{
	wn_index *scratch = open_index(NULL, 0);
	wn_doc *d = process(f, scratch, outlet, "scratch", text);
	assert_int_equal(wn_index_close(scratch), 0);
	return d;
}

/* Memory keeps 44 bits of each key: a hit is only a candidate. False
 * candidates (as a collision would give) are verified away against the
 * store, for quotes and for duplicates (exact and near). */
static void false_candidates_verified(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0);
	wn_doc *orig = process(f, idx, "harbour-post", "bridge", story_original); /* seq 1, quotes 1.. */
	assert_true(orig->nquotes >= 1);
	wn_doc *u = alone(f, "hill-gazette", story_unrelated);
	/* every k-gram of its quotes and every band of its body "collide" with
	 * the original's first quote and with the original */
	for (size_t i = 0; i < u->nquotes; i++) {
		wn_words w;
		uint64_t *grams;
		size_t n;
		assert_int_equal(wn_norm_words(u->quotes[i].text, strlen(u->quotes[i].text), &w), 0);
		assert_int_equal(wn_fp_quote_grams(&w, &grams, &n), 0);
		for (size_t g = 0; g < n; g++)
			assert_int_equal(wn_index_test_candidate(idx, false, grams[g], 1), 0);
		free(grams);
		wn_words_free(&w);
	}
	size_t blen;
	char *body = wn_doc_body(u, &blen);
	wn_words w;
	wn_body_sig sig;
	uint64_t bands[WN_BANDS];
	assert_int_equal(wn_norm_words(body, blen, &w), 0);
	assert_int_equal(wn_fp_body(&w, &sig), 0);
	assert_true(sig.comparable);
	wn_fp_bands(&sig, bands);
	for (int b = 0; b < WN_BANDS; b++) /* all bands: it looks like an exact copy */
		assert_int_equal(wn_index_test_candidate(idx, true, bands[b], 1), 0);
	wn_words_free(&w);
	free(body);

	wn_doc *d = process(f, idx, "hill-gazette", "hay", story_unrelated);
	assert_true(d->nquotes >= 1);
	assert_int_equal(repeats(d), 0);
	assert_null(d->duplicate_of);
	/* and a real repeat is still found */
	wn_doc *synd = process(f, idx, "valley-wire", "footbridge", story_syndicated);
	assert_non_null(synd->duplicate_of);
	assert_string_equal(synd->duplicate_of, orig->id);
	wn_doc_free(orig);
	wn_doc_free(u);
	wn_doc_free(d);
	wn_doc_free(synd);
	assert_int_equal(wn_index_close(idx), 0);
}

/* A batch whose commit fails (the file may not grow) is rolled back, and
 * memory with it: nothing of it is found afterwards. */
static void failed_commit_rebuilds_memory(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(f->path, 0);
	wn_doc *d = process(f, idx, "hill-gazette", "hay", story_unrelated);
	wn_doc_free(d);
	assert_int_equal(wn_index_begin(idx), 0);
	wn_doc *orig = process(f, idx, "harbour-post", "bridge", story_original);
	char *orig_id = strdup(orig->id);
	wn_doc_free(orig);
	struct rlimit was, small;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
	small = was;
	small.rlim_cur = 4096; /* no room for a single page in the log */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = wn_index_commit(idx);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, old);
	assert_true(rc < 0);

	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 1);
	/* its copy finds nothing: the original went with the batch, in memory too */
	wn_doc *synd = process(f, idx, "valley-wire", "footbridge", story_syndicated);
	assert_null(synd->duplicate_of);
	assert_int_equal(repeats(synd), 0);
	wn_doc_free(synd);
	/* processed again, the original is recorded and found */
	orig = process(f, idx, "harbour-post", "bridge", story_original);
	assert_string_equal(orig->id, orig_id);
	wn_doc *copy = process(f, idx, "moor-echo", "bridge", story_original);
	assert_non_null(copy->duplicate_of);
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 4);
	wn_doc_free(orig);
	wn_doc_free(copy);
	free(orig_id);
	assert_int_equal(wn_index_close(idx), 0);
}

/* Expiry drops expired articles and quotes from memory, and the chrome
 * windows (loaded again from what is left). */
static void expiry_in_memory(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_index(NULL, 0);
	wn_doc *a = process(f, idx, "harbour-post", "bridge", story_original);
	wn_index_memory m;
	wn_index_memory_get(idx, &m);
	assert_int_equal(m.band_entries, WN_BANDS);
	assert_true(m.gram_entries > 0);
	assert_int_equal(m.outlets_loaded, 1);
	assert_int_equal(wn_index_expire(idx, (int64_t)time(NULL) + 10 * 86400), 0);
	wn_index_memory_get(idx, &m);
	assert_int_equal(m.band_entries, WN_BANDS); /* within retention */
	assert_int_equal(wn_index_expire(idx, (int64_t)time(NULL) + 31 * 86400), 0);
	wn_index_memory_get(idx, &m);
	assert_int_equal(m.band_entries, 0);
	assert_int_equal(m.gram_entries, 0);
	assert_int_equal(m.outlets_loaded, 0);
	wn_doc *b = process(f, idx, "coast-ledger", "bridge", story_original);
	assert_null(b->duplicate_of);
	assert_int_equal(repeats(b), 0);
	wn_doc_free(a);
	wn_doc_free(b);
	assert_int_equal(wn_index_close(idx), 0);
}

static void no_index_just_finishes(void **state)
{
	fixture *f = *state;
	wn_doc *d = process(f, NULL, "harbour-post", "bridge", story_original);
	assert_string_equal(d->title, "Marrowby footbridge opening pushed back to spring");
	assert_int_equal(d->nquotes, 0);
	wn_doc_free(d);
}

static void set_next_ids(const char *path, const char *ids)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%s' WHERE key = 'next_ids'", ids);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

/* Ids are 32-bit in memory: an article or quote whose id would leave the
 * store unopenable is refused, and the store still opens. */
static void ids_past_32_bits_refused(void **state)
{
	fixture *f = *state;
	static const char *const next[] = {"4294967294 1000 1000", "1000 1000 4294967294"};
	for (int k = 0; k < 2; k++) {
		wn_index *idx = open_index(f->path, 0);
		char stem[16];
		snprintf(stem, sizeof stem, "first%d", k);
		wn_doc_free(process(f, idx, "harbour-post", stem, story_unrelated));
		assert_int_equal(wn_index_close(idx), 0);
		set_next_ids(f->path, next[k]);
		idx = open_index(f->path, 0);
		wn_doc *doc;
		assert_int_equal(wn_doc_parse(story_original, strlen(story_original),
					      "valley-wire/late.txt", "valley-wire", &doc), 0);
		assert_int_equal(wn_cleaner_prepare(f->cl, doc), 0);
		assert_int_equal(wn_pipeline_index(f->cl, idx, doc), -EOVERFLOW);
		wn_doc_free(doc);
		assert_int_equal(wn_index_close(idx), 0);
		idx = open_index(f->path, 0); /* still opens */
		wn_index_stats st;
		assert_int_equal(wn_index_stats_get(idx, &st), 0);
		assert_int_equal(st.articles, 1);
		assert_int_equal(wn_index_close(idx), 0);
		teardown(state);
		setup(state);
		f = *state;
	}
}

/* The window rule applies the defaults (500 pages, 3 pages to be chrome). */
static void chrome_window_rule(void **state)
{
	(void)state;
	assert_true(wn_index_chrome_window_ok(&(wn_index_config){0}));
	assert_false(wn_index_chrome_window_ok(&(wn_index_config){.chrome_window = 2}));
	assert_true(wn_index_chrome_window_ok(&(wn_index_config){.chrome_window = 3}));
	assert_false(wn_index_chrome_window_ok(&(wn_index_config){.chrome_min_docs = 501}));
	assert_true(wn_index_chrome_window_ok(&(wn_index_config){.chrome_min_docs = 500}));
	assert_false(wn_index_chrome_window_ok(
		&(wn_index_config){.chrome_min_docs = 5, .chrome_window = 4}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chrome_window_rule),
		cmocka_unit_test_setup_teardown(ids_past_32_bits_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(quotes_across_outlets_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(quote_refs_shared_across_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(records_agree_with_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(rerun_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_version_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(chrome_learned_per_outlet, setup, teardown),
		cmocka_unit_test_setup_teardown(chrome_keeps_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(chrome_learn_and_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(retention_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(undone_article_leaves_index_consistent, setup, teardown),
		cmocka_unit_test_setup_teardown(chrome_window_slides_and_sticks, setup, teardown),
		cmocka_unit_test_setup_teardown(chrome_memory_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(false_candidates_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_commit_rebuilds_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(expiry_in_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(no_index_just_finishes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
