/* Unit tests: the output contract (output.h) and atomic writes (fsio.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "filters/filter.h"
#include "lib/fsio.h"
#include "lib/output.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/wn-test-output-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	char *buf;
	size_t len;
	assert_int_equal(wn_read_file(path, 1 << 20, &buf, &len), 0);
	return buf;
}

static void test_write_pair_and_schema(void **state)
{
	(void)state;
	const char *text = "Headline Of The Day\n\nFirst paragraph.\n\nMenu\n\nSecond \xff paragraph.\n";
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "/in/o1/s1.txt", "o1", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	assert_int_equal(wn_doc_set_field(&doc->title, "Headline Of The Day"), 0);
	assert_int_equal(wn_doc_remove(doc, 0, "title"), 0);
	assert_int_equal(wn_doc_remove(doc, 4, "rule:menu"), 0);
	wn_output_opts oo = {.durable = true, .write_text = true};
	assert_int_equal(wn_output_write(tmpdir, doc, &oo), 0);

	char *txtp = wn_output_path(tmpdir, doc, "txt"), *jsonp = wn_output_path(tmpdir, doc, "json");
	char *body = slurp(txtp);
	assert_string_equal(body, "First paragraph.\n\nSecond \xef\xbf\xbd paragraph.\n");
	json_error_t je;
	json_t *rec = json_load_file(jsonp, 0, &je);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "id")), doc->id);
	assert_string_equal(json_string_value(json_object_get(rec, "outlet")), "o1");
	assert_string_equal(json_string_value(json_object_get(rec, "source")), "/in/o1/s1.txt");
	assert_string_equal(json_string_value(json_object_get(rec, "title")), "Headline Of The Day");
	assert_true(json_is_null(json_object_get(rec, "byline")));
	assert_true(json_is_null(json_object_get(rec, "date")));
	assert_true(json_is_null(json_object_get(rec, "duplicate_of")));
	json_t *removed = json_object_get(rec, "removed");
	assert_int_equal(json_array_size(removed), 2);
	json_t *r1 = json_array_get(removed, 1);
	assert_int_equal(json_integer_value(json_object_get(r1, "line")), 5);
	assert_string_equal(json_string_value(json_object_get(r1, "text")), "Menu");
	assert_string_equal(json_string_value(json_object_get(r1, "reason")), "rule:menu");
	assert_true(json_is_array(json_object_get(rec, "quotes")));
	json_t *stats = json_object_get(rec, "stats");
	assert_int_equal(json_integer_value(json_object_get(stats, "bytes_in")), strlen(text));
	assert_int_equal(json_integer_value(json_object_get(stats, "lines_in")), 7);
	assert_int_equal(json_integer_value(json_object_get(stats, "bytes_out")), strlen(body));
	assert_int_equal(json_integer_value(json_object_get(stats, "invalid_replaced")), 1);
	json_decref(rec);

	/* no staging leftovers */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/o1", tmpdir);
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || wn_is_staging_name(e->d_name))
			files++, assert_false(wn_is_staging_name(e->d_name));
	closedir(d);
	assert_int_equal(files, 2);
	free(body);
	free(txtp);
	free(jsonp);
	wn_doc_free(doc);
}

static void test_json_only_for_duplicates(void **state)
{
	(void)state;
	wn_doc *doc;
	assert_int_equal(wn_doc_parse("Body text.\n", 11, "/x/o2/dup.txt", "o2", &doc), 0);
	assert_int_equal(wn_doc_set_field(&doc->duplicate_of, "0123456789abcdef"), 0);
	wn_output_opts oo = {.durable = false, .write_text = false};
	assert_int_equal(wn_output_write(tmpdir, doc, &oo), 0);
	char *txtp = wn_output_path(tmpdir, doc, "txt"), *jsonp = wn_output_path(tmpdir, doc, "json");
	assert_int_equal(access(txtp, F_OK), -1);
	json_t *rec = json_load_file(jsonp, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(rec, "duplicate_of")), "0123456789abcdef");
	json_decref(rec);
	free(txtp);
	free(jsonp);
	wn_doc_free(doc);
}

/* The .json is streamed (removed[] one entry at a time), yet must read
 * exactly as jansson would dump the whole record: same bytes. */
static void test_streamed_json_equals_jansson(void **state)
{
	(void)state;
	const char *text = "A Title\n\nSay \"hi\" twice\n\nback\\slash and tab\there\n\n"
			   "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 line\n\nkept paragraph\n\nctrl X line\n";
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "/in/o3/esc\"aped.txt", "o3", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	size_t ctrl = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		if (doc->lines[i].blank || !strcmp(doc->lines[i].text, "kept paragraph"))
			continue;
		char *x = strchr(doc->lines[i].text, 'X');
		if (x) { /* controls never survive decoding; the writer must still escape them */
			*x = '\x1f';
			ctrl++;
		}
		assert_int_equal(wn_doc_remove(doc, i, i % 2 ? "rule:a\"b" : "duplicate-line"), 0);
	}
	assert_int_equal(ctrl, 1);
	wn_output_opts oo = {.durable = false, .write_text = true};
	assert_int_equal(wn_output_write(tmpdir, doc, &oo), 0);
	char *jsonp = wn_output_path(tmpdir, doc, "json");
	char *got = slurp(jsonp);
	json_t *rec = wn_output_record(doc);
	char *want = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(want);
	size_t n = strlen(want);
	assert_int_equal(strlen(got), n + 1);
	assert_memory_equal(got, want, n);
	assert_int_equal(got[n], '\n');
	assert_non_null(strstr(got, "\\u001F"));
	json_decref(rec);
	free(want);
	free(got);
	free(jsonp);

	/* and with nothing removed: "removed": [] */
	wn_doc *plain;
	assert_int_equal(wn_doc_parse("Just one line.\n", 15, "/in/o3/plain.txt", "o3", &plain), 0);
	assert_int_equal(wn_output_write(tmpdir, plain, &oo), 0);
	jsonp = wn_output_path(tmpdir, plain, "json");
	got = slurp(jsonp);
	rec = wn_output_record(plain);
	want = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_int_equal(strlen(got), strlen(want) + 1);
	assert_memory_equal(got, want, strlen(want));
	assert_non_null(strstr(got, "\"removed\": []"));
	json_decref(rec);
	free(want);
	free(got);
	free(jsonp);
	wn_doc_free(plain);
	wn_doc_free(doc);
}

/* wn_output_json and the S.json file are the same text, jansson's dump of
 * wn_output_record and a newline: metadata with escapes, quotes repeated
 * elsewhere, and enough removed lines that the file is written in many
 * chunks. */
static void test_output_json_equals_file_and_jansson(void **state)
{
	(void)state;
	size_t n = 6000, cap = n * 80;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "Line %zu with \"quotes\", a \\ and caf\xc3\xa9\n", i);
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, len, "/in/o4/long.txt", "o4", &doc), 0);
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(wn_doc_remove(doc, i, i % 4 ? "rule:x" : "chrome"), 0);
	assert_int_equal(wn_doc_set_field(&doc->title, "T\xc3\xaftle \"one\"\t"), 0);
	assert_int_equal(wn_doc_set_field(&doc->date, "2024-01-02"), 0);
	doc->quotes = calloc(2, sizeof *doc->quotes);
	assert_non_null(doc->quotes);
	doc->nquotes = 2;
	doc->quotes[0] = (wn_quote){.text = strdup("\"We will\""), .start = 5, .end = 14};
	doc->quotes[1] = (wn_quote){.text = strdup("\xe2\x80\x9cOther\xe2\x80\x9d"), .start = 90, .end = 101};
	doc->quotes[1].repeated_in = calloc(2, sizeof(wn_quote_ref));
	doc->quotes[1].nrepeated = 2;
	doc->quotes[1].repeated_in[0] = (wn_quote_ref){.id = "0123456789abcdef", .outlet = strdup("o5"),
							.same_outlet = false};
	doc->quotes[1].repeated_in[1] = (wn_quote_ref){.id = "fedcba9876543210", .outlet = strdup("o4"),
							.same_outlet = true};
	free(wn_doc_body(doc, NULL));

	char *mem;
	size_t mlen;
	assert_int_equal(wn_output_json(doc, &mem, &mlen), 0);
	assert_int_equal(strlen(mem), mlen);
	json_t *rec = wn_output_record(doc);
	char *want = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(want);
	assert_int_equal(mlen, strlen(want) + 1);
	assert_memory_equal(mem, want, mlen - 1);
	assert_int_equal(mem[mlen - 1], '\n');
	assert_true(mlen > 4 * 65536);

	wn_output_opts oo = {.durable = false, .write_text = true};
	assert_int_equal(wn_output_write(tmpdir, doc, &oo), 0);
	char *jsonp = wn_output_path(tmpdir, doc, "json");
	char *got;
	size_t glen;
	assert_int_equal(wn_read_file(jsonp, 1 << 24, &got, &glen), 0);
	assert_int_equal(glen, mlen);
	assert_memory_equal(got, mem, mlen);
	json_decref(rec);
	free(want);
	free(got);
	free(mem);
	free(jsonp);
	free(text);
	wn_doc_free(doc);
}

/* The outlet's folder is made when missing (with missing parents), and an
 * output path through a plain file fails cleanly. */
static void test_output_folders(void **state)
{
	(void)state;
	wn_doc *doc;
	assert_int_equal(wn_doc_parse("Body.\n", 6, "/x/o6/f.txt", "o6", &doc), 0);
	wn_output_opts oo = {.durable = false, .write_text = true};
	char out[128], file[128];
	snprintf(out, sizeof out, "%s/new/deeper", tmpdir);
	assert_int_equal(wn_output_write(out, doc, &oo), 0);
	assert_int_equal(wn_output_write(out, doc, &oo), 0); /* again: folder exists */
	char *txtp = wn_output_path(out, doc, "txt");
	assert_int_equal(access(txtp, F_OK), 0);
	free(txtp);
	snprintf(file, sizeof file, "%s/plainfile", tmpdir);
	assert_int_equal(wn_write_atomic(tmpdir, "plainfile", "x", 1, false), 0);
	assert_int_equal(wn_output_write(file, doc, &oo), -ENOTDIR);
	wn_doc_free(doc);
}

static void test_atomic_file_in_pieces(void **state)
{
	(void)state;
	/* more than the write buffer, in odd pieces */
	size_t total = 200000;
	char *data = malloc(total);
	for (size_t i = 0; i < total; i++)
		data[i] = (char)('a' + i % 26);
	wn_atomic_file *f;
	assert_int_equal(wn_atomic_open(tmpdir, "pieces.txt", &f), 0);
	char staging[128], final[128];
	snprintf(staging, sizeof staging, "%s/.pieces.txt.tmp", tmpdir);
	snprintf(final, sizeof final, "%s/pieces.txt", tmpdir);
	for (size_t off = 0; off < total;) {
		size_t n = off % 7919 + 1;
		if (n > total - off)
			n = total - off;
		wn_atomic_put(f, data + off, n);
		off += n;
	}
	assert_int_equal(access(final, F_OK), -1); /* not visible before the commit */
	assert_int_equal(wn_atomic_commit(f, true), 0);
	assert_int_equal(access(staging, F_OK), -1);
	char *buf;
	size_t len;
	assert_int_equal(wn_read_file(final, total, &buf, &len), 0);
	assert_int_equal(len, total);
	assert_memory_equal(buf, data, total);
	free(buf);
	/* abort leaves neither name */
	assert_int_equal(wn_atomic_open(tmpdir, "gone.txt", &f), 0);
	wn_atomic_put(f, data, 10);
	wn_atomic_abort(f);
	snprintf(staging, sizeof staging, "%s/.gone.txt.tmp", tmpdir);
	snprintf(final, sizeof final, "%s/gone.txt", tmpdir);
	assert_int_equal(access(staging, F_OK), -1);
	assert_int_equal(access(final, F_OK), -1);
	free(data);
}

static void test_write_atomic_failure_leaves_nothing(void **state)
{
	(void)state;
	char missing[128];
	snprintf(missing, sizeof missing, "%s/no/such/dir", tmpdir);
	assert_int_equal(wn_write_atomic(missing, "f.txt", "x", 1, true), -ENOENT);
}

static bool exists(const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void queue_file(wn_atomic_group *g, const char *dir, const char *name, const char *text)
{
	wn_atomic_file *f;
	assert_int_equal(wn_atomic_open(dir, name, &f), 0);
	wn_atomic_put(f, text, strlen(text));
	assert_int_equal(wn_atomic_group_add(g, f), 0);
}

/* Queued files appear only at the commit, in order; a failed rename stops
 * there and discards the rest; discard and free remove staging files. */
static void test_atomic_group(void **state)
{
	(void)state;
	char dir[128];
	snprintf(dir, sizeof dir, "%s/group", tmpdir);
	assert_int_equal(wn_mkdir_p(dir, 0755), 0);
	wn_atomic_group *g;
	assert_int_equal(wn_atomic_group_new(&g), 0);
	wn_atomic_group_durable(g, true);
	queue_file(g, dir, "a.txt", "first");
	queue_file(g, dir, "b.txt", "second");
	queue_file(g, dir, "c.txt", "third");
	assert_int_equal(wn_atomic_group_len(g), 3);
	assert_false(exists(dir, "a.txt") || exists(dir, "b.txt") || exists(dir, "c.txt"));
	assert_true(exists(dir, ".a.txt.tmp") && exists(dir, ".c.txt.tmp"));
	wn_atomic_group_discard(g, 2); /* c goes */
	assert_false(exists(dir, ".c.txt.tmp"));
	size_t done = 99;
	assert_int_equal(wn_atomic_group_commit(g, &done), 0);
	assert_int_equal(done, 2);
	assert_int_equal(wn_atomic_group_len(g), 0);
	char path[256];
	snprintf(path, sizeof path, "%s/b.txt", dir);
	char *buf = slurp(path);
	assert_string_equal(buf, "second");
	free(buf);
	assert_false(exists(dir, "c.txt") || exists(dir, ".a.txt.tmp") || exists(dir, ".b.txt.tmp"));

	/* a rename that fails (a non-empty folder holds the name): the files
	 * before it are in place, it and the ones after are discarded */
	wn_atomic_group_durable(g, false);
	char blocker[256];
	snprintf(blocker, sizeof blocker, "%s/e.txt", dir);
	assert_int_equal(wn_mkdir_p(blocker, 0755), 0);
	assert_int_equal(wn_write_atomic(blocker, "inside", "x", 1, false), 0);
	queue_file(g, dir, "d.txt", "fourth");
	queue_file(g, dir, "e.txt", "fifth");
	queue_file(g, dir, "f.txt", "sixth");
	assert_true(wn_atomic_group_commit(g, &done) < 0);
	assert_int_equal(done, 1);
	assert_true(exists(dir, "d.txt"));
	assert_false(exists(dir, "f.txt") || exists(dir, ".e.txt.tmp") || exists(dir, ".f.txt.tmp"));

	/* freed with files queued: nothing left behind */
	queue_file(g, dir, "g.txt", "seventh");
	wn_atomic_group_free(g);
	assert_false(exists(dir, "g.txt") || exists(dir, ".g.txt.tmp"));
}

/* wn_output_write into a group: both files appear at the group's commit. */
static void test_output_into_group(void **state)
{
	(void)state;
	wn_doc *doc;
	assert_int_equal(wn_doc_parse("Grouped body.\n", 14, "/x/o3/grouped.txt", "o3", &doc), 0);
	wn_atomic_group *g;
	assert_int_equal(wn_atomic_group_new(&g), 0);
	wn_atomic_group_durable(g, true);
	wn_output_opts oo = {.durable = true, .write_text = true, .group = g};
	assert_int_equal(wn_output_write(tmpdir, doc, &oo), 0);
	char *txtp = wn_output_path(tmpdir, doc, "txt"), *jsonp = wn_output_path(tmpdir, doc, "json");
	assert_int_equal(access(txtp, F_OK), -1);
	assert_int_equal(access(jsonp, F_OK), -1);
	assert_int_equal(wn_atomic_group_len(g), 2);
	size_t done;
	assert_int_equal(wn_atomic_group_commit(g, &done), 0);
	assert_int_equal(done, 2);
	char *body = slurp(txtp);
	assert_string_equal(body, "Grouped body.\n");
	free(body);
	assert_int_equal(access(jsonp, F_OK), 0);
	free(txtp);
	free(jsonp);
	wn_atomic_group_free(g);
	wn_doc_free(doc);
}

static void test_read_file_refuses_links_fifos_and_big(void **state)
{
	(void)state;
	char path[128], link[128], fifo[128];
	snprintf(path, sizeof path, "%s/plain.txt", tmpdir);
	snprintf(link, sizeof link, "%s/link.txt", tmpdir);
	snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
	assert_int_equal(wn_write_atomic(tmpdir, "plain.txt", "hello", 5, false), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	char *buf;
	size_t len;
	assert_int_equal(wn_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 5);
	free(buf);
	assert_int_equal(wn_read_file(link, 100, &buf, &len), -ELOOP);
	assert_int_equal(wn_read_file(fifo, 100, &buf, &len), -EINVAL);
	assert_int_equal(wn_read_file(path, 4, &buf, &len), -WN_ETOOBIG);
	assert_int_equal(wn_read_file(tmpdir, 4, &buf, &len), -EISDIR);
}

static void test_mkdir_p(void **state)
{
	(void)state;
	char p[128];
	snprintf(p, sizeof p, "%s/a/b/c", tmpdir);
	assert_int_equal(wn_mkdir_p(p, 0755), 0);
	assert_int_equal(wn_mkdir_p(p, 0755), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_pair_and_schema),
		cmocka_unit_test(test_json_only_for_duplicates),
		cmocka_unit_test(test_streamed_json_equals_jansson),
		cmocka_unit_test(test_output_json_equals_file_and_jansson),
		cmocka_unit_test(test_output_folders),
		cmocka_unit_test(test_atomic_file_in_pieces),
		cmocka_unit_test(test_write_atomic_failure_leaves_nothing),
		cmocka_unit_test(test_atomic_group),
		cmocka_unit_test(test_output_into_group),
		cmocka_unit_test(test_read_file_refuses_links_fifos_and_big),
		cmocka_unit_test(test_mkdir_p),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
