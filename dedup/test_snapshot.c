/* test_snapshot.c — the index's lookup tables saved at close and read at
 * open (snapshot.h): used when it is the store's, ignored (with a log line
 * and a build from the rows) when it is not, rows after it replayed, the
 * same results either way. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "dedup/fingerprint.h"
#include "dedup/index.h"
#include "dedup/tagtab.h"
#include "dedup/test_fixtures.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/pipeline.h"

typedef struct {
	char dir[64];
	char path[128];  /* state.db */
	char other[128]; /* other.db */
	wn_cleaner *cl;
} fixture;

static void remove_store(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal", "-index", "-index.tmp"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		char p[192];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/wn-snapshot-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
	snprintf(f->other, sizeof f->other, "%s/other.db", f->dir);
	char err[256];
	wn_cleaner_config cc = {.no_default_rules = true, .no_heuristics = true};
	if (wn_cleaner_new(&cc, &f->cl, err, sizeof err) < 0)
		return -1;
	wn_log_set_level(WN_LOG_DEBUG); /* "index read from its snapshot" */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	remove_store(f->path);
	remove_store(f->other);
	rmdir(f->dir);
	wn_cleaner_free(f->cl);
	free(f);
	return 0;
}

/* ---- stderr, where the log goes, captured ---- */

static int saved_stderr = -1;
static char capture_path[160];

static void capture_start(const fixture *f)
{
	snprintf(capture_path, sizeof capture_path, "%s/log.txt", f->dir);
	fflush(stderr);
	saved_stderr = dup(2);
	int fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved_stderr >= 0);
	dup2(fd, 2);
	close(fd);
}

/* What was logged since capture_start (malloc'd). */
static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	FILE *fp = fopen(capture_path, "r");
	assert_non_null(fp);
	char *s = calloc(1, 8192);
	size_t n = fread(s, 1, 8191, fp);
	s[n] = '\0';
	fclose(fp);
	unlink(capture_path);
	return s;
}

/* ---- the index ---- */

static wn_index *open_rw(const char *path)
{
	wn_index_config cfg = {.path = path};
	wn_index *idx;
	char err[256];
	if (wn_index_open(&cfg, &idx, err, sizeof err) < 0)
		fail_msg("open: %s", err);
	return idx;
}

/* Open with the log captured; *log gets what it said. */
static wn_index *open_logged(const fixture *f, const char *path, char **log)
{
	capture_start(f);
	wn_index *idx = open_rw(path);
	*log = capture_end();
	return idx;
}

static bool read_snapshot(const char *log) { return strstr(log, "index read from its snapshot") != NULL; }

static wn_doc *process(fixture *f, wn_index *idx, const char *outlet, const char *stem, const char *text)
{
	char src[256];
	snprintf(src, sizeof src, "%s/%s.txt", outlet, stem);
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), src, outlet, &doc), 0);
	assert_int_equal(wn_cleaner_prepare(f->cl, doc), 0);
	assert_int_equal(wn_pipeline_index(f->cl, idx, doc), 0);
	return doc;
}

static void process_free(fixture *f, wn_index *idx, const char *outlet, const char *stem, const char *text)
{
	wn_doc_free(process(f, idx, outlet, stem, text));
}

static char *record(wn_doc *doc)
{
	free(wn_doc_body(doc, NULL));
	json_t *r = wn_output_record(doc);
	char *s = json_dumps(r, JSON_SORT_KEYS);
	json_decref(r);
	return s;
}

static wn_index_memory memory(const wn_index *idx)
{
	wn_index_memory m;
	wn_index_memory_get(idx, &m);
	return m;
}

static size_t repeats(const wn_doc *doc)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->nquotes; i++)
		n += doc->quotes[i].nrepeated;
	return n;
}

/* ---- files and SQL behind the index's back ---- */

static bool exists(const char *path, const char *suffix)
{
	char p[192];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

static void sql(const char *path, const char *q)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
	sqlite3_close(db);
}

/* The meta row naming the snapshot ("" when none; malloc'd). */
static char *named(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'index_snapshot'",
					    -1, &s, NULL),
			 SQLITE_OK);
	char *v = strdup(sqlite3_step(s) == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : "");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	assert_true(a && b);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
}

static void patch_byte(const char *file, off_t at)
{
	int fd = open(file, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x5A;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static off_t file_size(const char *file)
{
	struct stat sb;
	assert_int_equal(stat(file, &sb), 0);
	return sb.st_size;
}

/* ---- tests ---- */

/* Close saves the tables and names them in the store; open reads them
 * (not the rows: rows changed behind its back do not show), and an
 * unchanged memory keeps its snapshot. */
static void saved_and_read(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_rw(f->path);
	process_free(f, idx, "harbour-post", "bridge", story_original);
	assert_int_equal(wn_index_close(idx), 0);
	assert_true(exists(f->path, "-index"));
	assert_false(exists(f->path, "-index.tmp"));
	char *v1 = named(f->path);
	unsigned long long token;
	long long seq, qid;
	assert_int_equal(sscanf(v1, "%llx %lld %lld", &token, &seq, &qid), 3);
	assert_int_equal(seq, 2); /* it holds article 1 */

	/* from the rows this store would give no band keys now */
	sql(f->path, "UPDATE articles SET minhash = NULL");
	char *log;
	idx = open_logged(f, f->path, &log);
	assert_true(read_snapshot(log));
	free(log);
	assert_int_equal(memory(idx).band_entries, WN_BANDS);
	assert_true(memory(idx).gram_entries > 0);
	assert_int_equal(wn_index_close(idx), 0);
	char *v2 = named(f->path);
	assert_string_equal(v1, v2); /* nothing changed: not saved again */

	/* without its file the store builds from the rows, and saves anew */
	char file[192];
	snprintf(file, sizeof file, "%s-index", f->path);
	unlink(file);
	idx = open_logged(f, f->path, &log);
	assert_false(read_snapshot(log));
	assert_non_null(strstr(log, "not used (no snapshot file)"));
	free(log);
	assert_int_equal(memory(idx).band_entries, 0);
	assert_int_equal(wn_index_close(idx), 0);
	char *v3 = named(f->path);
	assert_string_not_equal(v3, v1);
	assert_true(exists(f->path, "-index"));
	free(v1);
	free(v2);
	free(v3);
}

/* Rows committed after the snapshot (here by a process killed before it
 * could save one) are read from the store on top of it. */
static void later_rows_replayed(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_rw(f->path);
	process_free(f, idx, "hill-gazette", "hay", story_unrelated);
	assert_int_equal(wn_index_close(idx), 0);
	char *before = named(f->path);

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		wn_index *c = open_rw(f->path);
		process_free(f, c, "harbour-post", "bridge", story_original);
		raise(SIGKILL); /* committed, never closed */
		_exit(1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	char *after = named(f->path);
	assert_string_equal(before, after); /* the old snapshot is still the one named */

	char *log;
	idx = open_logged(f, f->path, &log);
	assert_true(read_snapshot(log));
	free(log);
	wn_index_memory m = memory(idx);
	assert_int_equal(m.band_entries, 2 * WN_BANDS);
	/* the killed process's article is found: by its bands and its quotes */
	wn_doc *synd = process(f, idx, "valley-wire", "footbridge", story_syndicated);
	assert_non_null(synd->duplicate_of);
	wn_doc *same = process(f, idx, "coast-ledger", "hinges", story_same_event);
	assert_true(repeats(same) >= 1);
	wn_doc_free(synd);
	wn_doc_free(same);
	assert_int_equal(wn_index_close(idx), 0);
	free(before);
	free(after);
}

/* The same articles through a store that reopens from its snapshot and
 * one that rebuilds from its rows every time: the same records, the same
 * memory. */
static void same_results_either_way(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *outlet, *stem, *text;
	} docs[] = {
		{"harbour-post", "bridge", story_original},
		{"hill-gazette", "hay", story_unrelated},
		{"coast-ledger", "hinges", story_same_event},
		{"valley-wire", "footbridge", story_syndicated},
		{"harbour-post", "bridge-again", story_original},
		{"moor-echo", "footbridge", story_syndicated},
	};
	char other_index[192];
	snprintf(other_index, sizeof other_index, "%s-index", f->other);
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char *log;
		wn_index *a = open_logged(f, f->path, &log);
		assert_int_equal(read_snapshot(log), i > 0);
		free(log);
		unlink(other_index);
		wn_index *b = open_logged(f, f->other, &log);
		assert_false(read_snapshot(log));
		free(log);
		wn_index_memory ma = memory(a), mb = memory(b);
		assert_int_equal(ma.band_entries, mb.band_entries);
		assert_int_equal(ma.gram_entries, mb.gram_entries);
		wn_doc *da = process(f, a, docs[i].outlet, docs[i].stem, docs[i].text);
		wn_doc *db = process(f, b, docs[i].outlet, docs[i].stem, docs[i].text);
		char *ra = record(da), *rb = record(db);
		assert_string_equal(ra, rb);
		if (i == 3 || i == 4 || i == 5)
			assert_non_null(da->duplicate_of);
		free(ra);
		free(rb);
		wn_doc_free(da);
		wn_doc_free(db);
		assert_int_equal(wn_index_close(a), 0);
		assert_int_equal(wn_index_close(b), 0);
	}
}

/* A snapshot that is not the store's, or not intact, is never trusted:
 * the index is built from the rows, with a line saying why. */
static void damaged_or_foreign_ignored(void **state)
{
	fixture *f = *state;
	static const char *const kinds[] = {"flipped", "truncated", "empty", "magic", "layout",
					    "foreign", "stale"};
	char file[192], other_file[192];
	snprintf(file, sizeof file, "%s-index", f->path);
	snprintf(other_file, sizeof other_file, "%s-index", f->other);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		remove_store(f->path);
		remove_store(f->other);
		wn_index *idx = open_rw(f->path);
		process_free(f, idx, "harbour-post", "bridge", story_original);
		assert_int_equal(wn_index_close(idx), 0);
		const char *kind = kinds[k], *why = NULL;
		if (!strcmp(kind, "flipped")) {
			/* a tag among the first slots: the tables stay valid */
			patch_byte(file, 64 + 16 + WN_TAGTAB_SHARDS * 8 + 3 * 8);
			why = "checksum";
		} else if (!strcmp(kind, "truncated")) {
			assert_int_equal(truncate(file, file_size(file) - 100), 0);
			why = "cut short";
		} else if (!strcmp(kind, "empty")) {
			assert_int_equal(truncate(file, 0), 0);
			why = "shorter than its header";
		} else if (!strcmp(kind, "magic")) {
			patch_byte(file, 0);
			why = "not an index snapshot";
		} else if (!strcmp(kind, "layout")) {
			patch_byte(file, 8); /* the layout version */
			why = "another version";
		} else if (!strcmp(kind, "foreign")) {
			/* another store's snapshot, with two articles */
			wn_index *o = open_rw(f->other);
			process_free(f, o, "hill-gazette", "hay", story_unrelated);
			process_free(f, o, "coast-ledger", "hinges", story_same_event);
			assert_int_equal(wn_index_close(o), 0);
			copy_file(other_file, file);
			why = "stale";
		} else {
			sql(f->path, "UPDATE meta SET value = '1 2 3' WHERE key = 'index_snapshot'");
			why = "stale";
		}
		char *log;
		idx = open_logged(f, f->path, &log);
		if (read_snapshot(log) || !strstr(log, "not used") || !strstr(log, why))
			fail_msg("%s: logged '%s'", kind, log);
		free(log);
		assert_int_equal(memory(idx).band_entries, WN_BANDS); /* its one article */
		wn_doc *synd = process(f, idx, "valley-wire", "footbridge", story_syndicated);
		assert_non_null(synd->duplicate_of);
		wn_doc_free(synd);
		assert_int_equal(wn_index_close(idx), 0);
		/* and a good one is saved in its place */
		idx = open_logged(f, f->path, &log);
		assert_true(read_snapshot(log));
		free(log);
		assert_int_equal(memory(idx).band_entries, 2 * WN_BANDS);
		assert_int_equal(wn_index_close(idx), 0);
	}
}

/* Read-only opens never write a snapshot, nor remove a partial one; a
 * writable open removes what a killed save left. */
static void read_only_never_writes(void **state)
{
	fixture *f = *state;
	wn_index *idx = open_rw(f->path);
	process_free(f, idx, "harbour-post", "bridge", story_original);
	assert_int_equal(wn_index_close(idx), 0);
	char file[192], tmp[192];
	snprintf(file, sizeof file, "%s-index", f->path);
	snprintf(tmp, sizeof tmp, "%s-index.tmp", f->path);
	unlink(file);
	FILE *fp = fopen(tmp, "w");
	fputs("half a snapshot", fp);
	fclose(fp);
	wn_index_config ro = {.path = f->path, .read_only = true};
	char err[256];
	assert_int_equal(wn_index_open(&ro, &idx, err, sizeof err), 0);
	wn_index_stats st;
	assert_int_equal(wn_index_stats_get(idx, &st), 0);
	assert_int_equal(st.articles, 1);
	assert_int_equal(wn_index_close(idx), 0);
	assert_false(exists(f->path, "-index"));
	assert_true(exists(f->path, "-index.tmp"));
	idx = open_rw(f->path);
	assert_false(exists(f->path, "-index.tmp"));
	assert_int_equal(wn_index_close(idx), 0);
	assert_true(exists(f->path, "-index"));
}

/* Another process wrote to the store while this one had it open: this
 * one's memory lacks that, so it saves no snapshot; the other's stays. */
static void another_writer_no_save(void **state)
{
	fixture *f = *state;
	wn_index *a = open_rw(f->path);
	wn_index *b = open_rw(f->path);
	process_free(f, b, "harbour-post", "bridge", story_original);
	assert_int_equal(wn_index_close(b), 0);
	char *by_b = named(f->path);
	assert_true(by_b[0]);
	capture_start(f);
	assert_int_equal(wn_index_close(a), 0);
	char *log = capture_end();
	assert_non_null(strstr(log, "another process wrote to it"));
	free(log);
	char *now = named(f->path);
	assert_string_equal(by_b, now);
	a = open_logged(f, f->path, &log);
	assert_true(read_snapshot(log));
	free(log);
	assert_int_equal(memory(a).band_entries, WN_BANDS);
	assert_int_equal(wn_index_close(a), 0);
	free(by_b);
	free(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(saved_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(later_rows_replayed, setup, teardown),
		cmocka_unit_test_setup_teardown(same_results_either_way, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_or_foreign_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_never_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(another_writer_no_save, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
