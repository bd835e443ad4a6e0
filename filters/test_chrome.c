/* test_chrome.c — the learned-chrome filter and its line keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/chrome.h"

static uint64_t key(const char *s)
{
	uint64_t k;
	assert_int_equal(wn_chrome_line_key(s, strlen(s), &k), 0);
	return k;
}

static void keys_fold_case_digits_space(void **state)
{
	(void)state;
	assert_true(key("Copyright 2014 Harbour Post") == key("copyright 2025  HARBOUR post"));
	assert_true(key("Comments (12)") == key("comments (34)"));
	assert_true(key("  Share this\tstory ") == key("share this story"));
	assert_false(key("Share this story") == key("Share that story"));
	/* non-ASCII lines fold the same way */
	assert_true(key("© 2014 Café Times") == key("© 2015 CAFÉ times"));
	assert_false(key("© 2014 Café Times") == key("© 2014 Cafe Times"));
	/* the ASCII fast path and the Unicode path agree (NBSP is a space) */
	assert_true(key("Home News Sport") == key("Home\xc2\xa0News Sport"));
}

static void filter_marks_view_lines(void **state)
{
	(void)state;
	const char *text = "Site Nav | Home\n\nA paragraph of the article itself.\n\nCopyright 2020 Site\n";
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "o/a.txt", "o", &doc), 0);
	uint64_t keys[2] = {key("site nav | home"), key("copyright 1999 site")};
	if (keys[0] > keys[1]) {
		uint64_t t = keys[0];
		keys[0] = keys[1];
		keys[1] = t;
	}
	wn_chrome_view view = {.keys = keys, .nkeys = 2};
	wn_filter_ctx ctx = {.outlet = "o", .data = &view};
	assert_int_equal(wn_filter_chrome(doc, &ctx), 0);
	assert_string_equal(doc->lines[0].reason, "chrome");
	assert_null(doc->lines[2].reason);
	assert_string_equal(doc->lines[4].reason, "chrome");
	/* bylines and dates are left to the metadata filter */
	const char *meta = "By Ada Brell\nSeptember 16, 2014\n2014-09-16 10:00\n"
			   "Copyright 2014 Marchmont Site\nSeptember was a wet month for the whole valley.\n";
	wn_doc *m;
	assert_int_equal(wn_doc_parse(meta, strlen(meta), "o/m.txt", "o", &m), 0);
	uint64_t mk[5] = {key("By Ada Brell"), key("September 16, 2014"), key("2014-09-16 10:00"),
			  key("Copyright 2014 Marchmont Site"),
			  key("September was a wet month for the whole valley.")};
	for (size_t i = 0; i < 5; i++) /* sort */
		for (size_t j = i + 1; j < 5; j++)
			if (mk[j] < mk[i]) {
				uint64_t t = mk[i];
				mk[i] = mk[j];
				mk[j] = t;
			}
	wn_chrome_view mv = {.keys = mk, .nkeys = 5};
	wn_filter_ctx mctx = {.outlet = "o", .data = &mv};
	assert_int_equal(wn_filter_chrome(m, &mctx), 0);
	assert_null(m->lines[0].reason);
	assert_null(m->lines[1].reason);
	assert_null(m->lines[2].reason);
	assert_string_equal(m->lines[3].reason, "chrome");
	assert_string_equal(m->lines[4].reason, "chrome"); /* no digit: not a date */
	wn_doc_free(m);

	/* no view: nothing happens */
	wn_filter_ctx none = {.outlet = "o"};
	assert_int_equal(wn_filter_chrome(doc, &none), 0);

	uint64_t *dk;
	size_t *line_of, n;
	assert_int_equal(wn_chrome_doc_keys(doc, &dk, &line_of, &n), 0);
	assert_int_equal(n, 3); /* removed lines count too, blank ones do not */
	for (size_t i = 1; i < n; i++)
		assert_true(dk[i - 1] < dk[i]);
	free(dk);
	free(line_of);
	wn_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_fold_case_digits_space),
		cmocka_unit_test(filter_marks_view_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
