/* Unit tests: events.jsonl (events.h) — the line, appends, and the
 * exactly-once support across a crash (claims in the tail, torn tail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/events.h"
#include "lib/doc.h"
#include "lib/fsio.h"

static char dir[64], logpath[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/wn-test-events-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(logpath, sizeof logpath, "%s/events.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static wn_doc *make_doc(const char *source)
{
	wn_doc *doc;
	const char *text = "A paragraph.\n";
	assert_int_equal(wn_doc_parse(text, strlen(text), source, "herald", &doc), 0);
	return doc;
}

static char *slurp(void)
{
	char *buf;
	size_t len;
	assert_int_equal(wn_read_file(logpath, 1 << 20, &buf, &len), 0);
	return buf;
}

static void test_line_fields(void **state)
{
	(void)state;
	wn_doc *doc = make_doc("spool/incoming/herald/storm.txt");
	char *line = wn_events_line(doc, "0123456789abcdef", "storm.txt", true, 0);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), doc->id);
	assert_string_equal(json_string_value(json_object_get(j, "outlet")), "herald");
	assert_string_equal(json_string_value(json_object_get(j, "file")), "storm.txt");
	assert_string_equal(json_string_value(json_object_get(j, "json")), "herald/storm.json");
	assert_string_equal(json_string_value(json_object_get(j, "txt")), "herald/storm.txt");
	assert_true(json_is_null(json_object_get(j, "duplicate_of")));
	assert_int_equal(json_array_size(json_object_get(j, "repeated_quotes")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "claim")), "0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(j, "time")), "1970-01-01T00:00:00Z");
	json_decref(j);
	free(line);
	wn_doc_free(doc);

	/* a duplicate without its .txt; a name that is not UTF-8 still gives valid JSON */
	doc = make_doc("spool/incoming/herald/caf\xe9.txt");
	doc->duplicate_of = strdup("fedcba9876543210");
	line = wn_events_line(doc, "0123456789abcdef", "caf\xe9.txt", false, 0);
	j = json_loads(line, 0, &e);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "txt")));
	assert_string_equal(json_string_value(json_object_get(j, "duplicate_of")), "fedcba9876543210");
	assert_string_equal(json_string_value(json_object_get(j, "file")), "caf\xef\xbf\xbd.txt");
	json_decref(j);
	free(line);
	wn_doc_free(doc);
}

static void test_append_and_last_claim(void **state)
{
	(void)state;
	wn_events *ev;
	assert_int_equal(wn_events_open(dir, &ev), 0);
	assert_false(wn_events_logged(ev, "00000000000000a1")); /* no log yet */
	assert_int_equal(wn_events_append(ev, "{\"claim\":\"00000000000000a1\"}", true), 0);
	assert_int_equal(wn_events_append(ev, "{\"claim\":\"00000000000000a2\"}", false), 0);
	/* a batch: one write; a line of another form (spaces) is parsed as JSON */
	char *batch[] = {"{\"id\":\"x\",\"claim\":\"00000000000000a3\"}", "{\"claim\": \"00000000000000a4\", \"id\": 1}"};
	assert_int_equal(wn_events_append_lines(ev, batch, 2, true), 0);
	assert_int_equal(wn_events_append_lines(ev, batch, 0, true), 0);
	assert_false(wn_events_logged(ev, "00000000000000a2")); /* only what was there at open */
	wn_events_close(ev);
	char *s = slurp();
	assert_string_equal(s, "{\"claim\":\"00000000000000a1\"}\n{\"claim\":\"00000000000000a2\"}\n"
			       "{\"id\":\"x\",\"claim\":\"00000000000000a3\"}\n"
			       "{\"claim\": \"00000000000000a4\", \"id\": 1}\n");
	free(s);
	/* a restart knows the claims of the lines logged */
	assert_int_equal(wn_events_open(dir, &ev), 0);
	assert_true(wn_events_logged(ev, "00000000000000a1"));
	assert_true(wn_events_logged(ev, "00000000000000a2"));
	assert_true(wn_events_logged(ev, "00000000000000a3"));
	assert_true(wn_events_logged(ev, "00000000000000a4"));
	assert_false(wn_events_logged(ev, "00000000000000a5"));
	assert_false(wn_events_logged(ev, "not a claim"));
	wn_events_close(ev);
}

static void test_torn_tail_cut(void **state)
{
	(void)state;
	int fd = open(logpath, O_CREAT | O_WRONLY, 0644);
	const char *text = "{\"claim\":\"00000000000000b1\"}\n{\"claim\":\"00000000000000b2\",\"id\":\"to";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	wn_events *ev;
	assert_int_equal(wn_events_open(dir, &ev), 0);
	assert_true(wn_events_logged(ev, "00000000000000b1"));
	assert_false(wn_events_logged(ev, "00000000000000b2"));
	assert_int_equal(wn_events_append(ev, "{\"claim\":\"00000000000000b3\"}", false), 0);
	wn_events_close(ev);
	char *s = slurp();
	assert_string_equal(s, "{\"claim\":\"00000000000000b1\"}\n{\"claim\":\"00000000000000b3\"}\n");
	free(s);
	/* a log that is only a torn line is emptied */
	fd = open(logpath, O_TRUNC | O_WRONLY);
	assert_int_equal(write(fd, "{\"cla", 5), 5);
	close(fd);
	assert_int_equal(wn_events_open(dir, &ev), 0);
	assert_false(wn_events_logged(ev, "00000000000000b3"));
	wn_events_close(ev);
	s = slurp();
	assert_string_equal(s, "");
	free(s);
}

/* A log longer than the tail window: the claims of its last lines are
 * known, the part line where the window starts is skipped. */
static void test_long_log_tail(void **state)
{
	(void)state;
	FILE *f = fopen(logpath, "w");
	assert_non_null(f);
	char pad[1000];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	unsigned n = 6000; /* about 6 MB */
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "{\"pad\":\"%s\",\"claim\":\"%016x\"}\n", pad, i);
	fclose(f);
	wn_events *ev;
	assert_int_equal(wn_events_open(dir, &ev), 0);
	char claim[17];
	snprintf(claim, sizeof claim, "%016x", n - 1);
	assert_true(wn_events_logged(ev, claim));
	snprintf(claim, sizeof claim, "%016x", n - 3000);
	assert_true(wn_events_logged(ev, claim));
	snprintf(claim, sizeof claim, "%016x", 0u);
	assert_false(wn_events_logged(ev, claim)); /* out of the window */
	wn_events_close(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_last_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_log_tail, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
