/* Unit tests: document model (doc.h): lines, blocks, body, ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/filter.h"
#include "lib/doc.h"

static wn_doc *parse(const char *text)
{
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "in/outlet-x/a1.txt", "outlet-x", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	return doc;
}

static void test_lines_keep_numbers(void **state)
{
	(void)state;
	wn_doc *doc = parse("First line\n\n  Second   line  \nThird\n");
	assert_int_equal(doc->nlines, 4);
	assert_string_equal(doc->lines[2].text, "Second line");
	assert_int_equal(doc->lines[2].lineno, 3);
	assert_int_equal(doc->lines[2].indent, 2);
	assert_true(doc->lines[1].blank);
	assert_int_equal(doc->lines[1].block, WN_NO_BLOCK);
	wn_doc_free(doc);
}

static void test_unwrapped_each_line_a_block(void **state)
{
	(void)state;
	wn_doc *doc = parse("One.\nTwo.\n\nThree.\n");
	assert_false(doc->wrapped);
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->lines[3].block, 2);
	wn_doc_free(doc);
}

static void test_wrapped_text_blocks_span_lines(void **state)
{
	(void)state;
	const char *text =
		"The committee met on a grey morning to discuss the long list of\n"
		"questions that the members had gathered over several weeks of work\n"
		"and travel across the region.\n"
		"\n"
		"Nobody expected the meeting to settle every point, but most of the\n"
		"members agreed that the first questions deserved a full answer from\n"
		"the board before the end of the year, and said so at some length.\n"
		"\n"
		"A short closing note.\n";
	wn_doc *doc = parse(text);
	assert_true(doc->wrapped);
	assert_int_equal(doc->nblocks, 3);
	assert_int_equal(doc->blocks[0].count, 3);
	assert_int_equal(doc->lines[5].block, 1);
	size_t len;
	char *body = wn_doc_body(doc, &len);
	assert_non_null(strstr(body, "list of\nquestions"));
	assert_non_null(strstr(body, "region.\n\nNobody"));
	free(body);
	wn_doc_free(doc);
}

static void test_body_paragraphs_and_final_newline(void **state)
{
	(void)state;
	wn_doc *doc = parse("Alpha.\r\n\r\n\r\nBeta.\nGamma.");
	assert_int_equal(wn_doc_remove(doc, 4, "test"), 0);
	size_t len;
	char *body = wn_doc_body(doc, &len);
	assert_string_equal(body, "Alpha.\n\nBeta.\n");
	assert_int_equal(len, strlen(body));
	assert_int_equal(doc->stats.lines_out, 3);
	free(body);
	wn_doc_free(doc);
}

static void test_first_reason_wins(void **state)
{
	(void)state;
	wn_doc *doc = parse("x\ny\n");
	assert_int_equal(wn_doc_remove(doc, 0, "first"), 0);
	assert_int_equal(wn_doc_remove(doc, 0, "second"), 0);
	assert_string_equal(doc->lines[0].reason, "first");
	assert_int_equal(wn_doc_remove(doc, 9, "nope"), -EINVAL);
	wn_doc_free(doc);
}

static void test_empty_body(void **state)
{
	(void)state;
	wn_doc *doc = parse("   \n\t\n");
	size_t len;
	char *body = wn_doc_body(doc, &len);
	assert_int_equal(len, 0);
	assert_string_equal(body, "");
	free(body);
	wn_doc_free(doc);
}

static void test_id_stable_and_distinct(void **state)
{
	(void)state;
	char a[WN_ID_LEN + 1], b[WN_ID_LEN + 1], c[WN_ID_LEN + 1];
	wn_article_id("outlet-x", "a1", a);
	wn_article_id("outlet-x", "a1", b);
	wn_article_id("outlet-xa", "1", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), WN_ID_LEN);
	wn_doc *doc = parse("x\n");
	assert_string_equal(doc->id, a);
	assert_string_equal(doc->stem, "a1");
	wn_doc_free(doc);
}

static void test_outlet_validation(void **state)
{
	(void)state;
	assert_true(wn_outlet_valid("news.example.com"));
	assert_true(wn_outlet_valid("caf\xc3\xa9"));
	assert_false(wn_outlet_valid(""));
	assert_false(wn_outlet_valid(".."));
	assert_false(wn_outlet_valid(".hidden"));
	assert_false(wn_outlet_valid("a/b"));
	assert_false(wn_outlet_valid("bad\xff"));
	assert_false(wn_outlet_valid("tab\there"));
	wn_doc *doc;
	assert_int_equal(wn_doc_parse("x", 1, "f.txt", "../x", &doc), -EINVAL);
}

static void test_binary_rejected(void **state)
{
	(void)state;
	wn_doc *doc = (wn_doc *)1;
	assert_int_equal(wn_doc_parse("a\0b", 3, "f.bin", "o", &doc), -WN_EBINARY);
	assert_null(doc);
}

static void test_unicode_spaces_and_invisibles(void **state)
{
	(void)state;
	/* NBSP, ZERO WIDTH SPACE, IDEOGRAPHIC SPACE; a line of only NBSP is blank */
	wn_doc *doc = parse("a\xc2\xa0\xc2\xa0" "b\xe2\x80\x8b" "c\xe3\x80\x80" "d\n\xc2\xa0\n");
	assert_string_equal(doc->lines[0].text, "a bc d");
	assert_true(doc->lines[1].blank);
	wn_doc_free(doc);
}

/* Texts of every length up to past the counter's 2040-byte rounds, with
 * newlines sparse, dense and runs of them: one line per LF (and one more
 * for a last line without it), each line's text and number right. */
static void test_line_split_any_length(void **state)
{
	(void)state;
	static char text[4200];
	uint32_t seed = 12345;
	for (size_t len = 0; len < sizeof text; len += len < 64 ? 1 : 37) {
		for (int density = 0; density < 3; density++) {
			size_t want = 0;
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				uint32_t r = (seed >> 16) % 100;
				bool lf = density == 0 ? r < 2 : density == 1 ? r < 50 : r < 97;
				text[i] = lf ? '\n' : (char)('a' + r % 26);
				want += lf;
			}
			want += len > 0 && text[len - 1] != '\n';
			wn_doc *doc;
			assert_int_equal(wn_doc_parse(text, len, "x/o/a.txt", "o", &doc), 0);
			assert_int_equal(doc->nlines, want);
			size_t at = 0;
			for (size_t k = 0; k < doc->nlines; k++) {
				const wn_line *l = &doc->lines[k];
				assert_int_equal(l->lineno, k + 1);
				assert_memory_equal(l->text, text + at, l->len);
				assert_int_equal(strlen(l->text), l->len);
				assert_int_equal(l->blank, l->len == 0);
				at += l->len + 1;
			}
			wn_doc_free(doc);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_keep_numbers),
		cmocka_unit_test(test_line_split_any_length),
		cmocka_unit_test(test_unwrapped_each_line_a_block),
		cmocka_unit_test(test_wrapped_text_blocks_span_lines),
		cmocka_unit_test(test_body_paragraphs_and_final_newline),
		cmocka_unit_test(test_first_reason_wins),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_id_stable_and_distinct),
		cmocka_unit_test(test_outlet_validation),
		cmocka_unit_test(test_binary_rejected),
		cmocka_unit_test(test_unicode_spaces_and_invisibles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
