/* Unit tests: the core filters (whitespace, repeated, meta). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/filter.h"

static wn_doc *prepared(const char *text)
{
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "t/o/f.txt", "o", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	return doc;
}

static void test_fold_key_and_words(void **state)
{
	(void)state;
	char *k = wn_fold_key("  Hello\xc2\xa0 WORLD  \xc3\x89t\xc3\xa9 ", 22);
	assert_string_equal(k, "hello world \xc3\xa9t\xc3\xa9");
	free(k);
	assert_int_equal(wn_count_words("It's 2014 -- the end!", 21), 5);
	assert_int_equal(wn_count_words("", 0), 0);
}

static void test_repeated_keeps_first(void **state)
{
	(void)state;
	wn_doc *doc = prepared("Caption of a photo here.\nBody one.\ncaption   of a PHOTO here.\nBody two.\n");
	assert_int_equal(wn_filter_repeated(doc, NULL), 0);
	assert_null(doc->lines[0].reason);
	assert_string_equal(doc->lines[2].reason, "duplicate-line");
	assert_null(doc->lines[3].reason);
	wn_doc_free(doc);
}

static void test_repeated_ignores_removed_lines(void **state)
{
	(void)state;
	/* The first copy was already removed by an earlier filter: the second stays. */
	wn_doc *doc = prepared("Teaser sentence.\nBody.\nTeaser sentence.\n");
	assert_int_equal(wn_doc_remove(doc, 0, "rule:x"), 0);
	assert_int_equal(wn_filter_repeated(doc, NULL), 0);
	assert_null(doc->lines[2].reason);
	wn_doc_free(doc);
}

static void test_title_first_heading_not_repeated(void **state)
{
	(void)state;
	wn_doc *doc = prepared(
		"Council Approves New Budget For Parks\n"
		"\n"
		"The city council approved on Tuesday a budget that doubles the money spent on parks, "
		"playgrounds and the river walk over the next three years.\n"
		"Council Approves New Budget for Parks | Riverside Daily\n"
		"Members argued for hours before the vote, which passed seven to two in the end.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->title, "Council Approves New Budget For Parks");
	assert_string_equal(doc->lines[0].reason, "title");
	assert_string_equal(doc->lines[3].reason, "repeated-title");
	assert_null(doc->lines[2].reason);
	assert_null(doc->lines[4].reason);
	wn_doc_free(doc);
}

static void test_byline_and_date(void **state)
{
	(void)state;
	wn_doc *doc = prepared(
		"Storm Closes Harbour\n"
		"Jane Q. Writer | March 3, 2021 | 6:10am EST\n"
		"Ferries stayed in port on Wednesday as winds reached gale force along the whole coast, "
		"the harbour master said in a short statement.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->title, "Storm Closes Harbour");
	assert_string_equal(doc->byline, "Jane Q. Writer");
	assert_string_equal(doc->date, "March 3, 2021");
	assert_string_equal(doc->lines[1].reason, "byline");
	wn_doc_free(doc);

	doc = prepared("By Sam Jones\n12 May 2020\n"
		       "Ferries stayed in port on Wednesday as winds reached gale force along the whole coast, "
		       "the harbour master said in a short statement.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->byline, "Sam Jones");
	assert_string_equal(doc->date, "12 May 2020");
	assert_null(doc->title);
	assert_string_equal(doc->lines[0].reason, "byline");
	assert_string_equal(doc->lines[1].reason, "date");
	wn_doc_free(doc);
}

static void test_no_title_when_body_starts(void **state)
{
	(void)state;
	wn_doc *doc = prepared("This article begins straight away with a long sentence that is clearly body "
			       "text and not a headline at all.\nShort Line Later\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_null(doc->title);
	assert_null(doc->lines[1].reason);
	wn_doc_free(doc);
}

static void test_table_row_is_no_title(void **state)
{
	(void)state;
	/* A results table at the top: its rows are mostly numbers. */
	wn_doc *doc = prepared("Harbour Town 3 1 0 2 — 14\n"
			       "Final League Table After Twelve Rounds\n"
			       "The league ended on Saturday with a draw between the two leaders, which left the "
			       "harbour side on top by a single point after a long and wet season.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->title, "Final League Table After Twelve Rounds");
	assert_null(doc->lines[0].reason);
	wn_doc_free(doc);
}

static void test_cjk_sentence_is_no_title(void **state)
{
	(void)state;
	/* 今日は港で祭りがあります。 (a sentence ending in a full stop), then a
	 * sentence of thirty-odd characters: body, so the head ends there. */
	wn_doc *doc = prepared(
		"\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF\xE6\xB8\xAF\xE3\x81\xA7\xE7\xA5\xAD\xE3\x82\x8A"
		"\xE3\x81\x8C\xE3\x81\x82\xE3\x82\x8A\xE3\x81\xBE\xE3\x81\x99\xE3\x80\x82\n"
		"\xE5\xB8\x82\xE9\x95\xB7\xE3\x81\xAF\xE7\x81\xAB\xE6\x9B\x9C\xE6\x97\xA5\xE3\x81\xAB"
		"\xE6\x96\xB0\xE3\x81\x97\xE3\x81\x84\xE6\xA9\x8B\xE3\x81\xAE\xE8\xA8\x88\xE7\x94\xBB"
		"\xE3\x82\x92\xE7\x99\xBA\xE8\xA1\xA8\xE3\x81\x97\xE3\x80\x81\xE5\xB7\xA5\xE4\xBA\x8B"
		"\xE3\x81\xAF\xE6\x9D\xA5\xE5\xB9\xB4\xE3\x81\xAE\xE6\x98\xA5\xE3\x81\xAB\xE5\xA7\x8B"
		"\xE3\x81\xBE\xE3\x82\x8B\xE3\x81\xA8\xE8\xAA\xAC\xE6\x98\x8E\xE3\x81\x97\xE3\x81\x9F"
		"\xE3\x80\x82\n"
		"\xE6\xB8\xAF\xE3\x81\xAE\xE6\x96\xB0\xE3\x81\x97\xE3\x81\x84\xE6\xA9\x8B\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_null(doc->title);
	for (size_t i = 0; i < doc->nlines; i++)
		assert_null(doc->lines[i].reason);
	wn_doc_free(doc);
}

static void test_second_date_line_in_head(void **state)
{
	(void)state;
	wn_doc *doc = prepared("Storm Closes Harbour\n"
			       "March 3, 2021\n"
			       "Updated March 4, 2021 at 9:15am\n"
			       "Ferries stayed in port on Wednesday as winds reached gale force along the whole "
			       "coast, the harbour master said in a short statement on March 5, 2021.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->date, "March 3, 2021");
	assert_string_equal(doc->lines[1].reason, "date");
	assert_string_equal(doc->lines[2].reason, "date");
	assert_null(doc->lines[3].reason); /* body text with a date stays */
	wn_doc_free(doc);
}

static void test_long_byline_does_not_end_head(void **state)
{
	(void)state;
	wn_doc *doc = prepared("Storm Closes Harbour\n"
			       "By Lena Ott, Coast Herald, on Tuesday, May 4th, 2021 at 9:10 a.m.\n"
			       "Ferries stayed in port on Wednesday as winds reached gale force along the whole "
			       "coast, the harbour master said in a short statement.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->title, "Storm Closes Harbour");
	assert_non_null(doc->byline);
	assert_string_equal(doc->lines[1].reason, "byline");
	assert_null(doc->lines[2].reason);
	wn_doc_free(doc);

	doc = prepared("Storm Closes Harbour\n"
		       "Posted by Omar Feld on June 2, 2021, 7:45 AM PDT\n"
		       "Ferries stayed in port on Wednesday as winds reached gale force along the whole "
		       "coast, the harbour master said in a short statement.\n");
	assert_int_equal(wn_filter_meta(doc, NULL), 0);
	assert_string_equal(doc->byline, "Omar Feld");
	assert_string_equal(doc->date, "June 2, 2021, 7:45 AM PDT");
	assert_string_equal(doc->lines[1].reason, "byline");
	wn_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_key_and_words),
		cmocka_unit_test(test_repeated_keeps_first),
		cmocka_unit_test(test_repeated_ignores_removed_lines),
		cmocka_unit_test(test_title_first_heading_not_repeated),
		cmocka_unit_test(test_byline_and_date),
		cmocka_unit_test(test_no_title_when_body_starts),
		cmocka_unit_test(test_table_row_is_no_title),
		cmocka_unit_test(test_cjk_sentence_is_no_title),
		cmocka_unit_test(test_second_date_line_in_head),
		cmocka_unit_test(test_long_byline_does_not_end_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
