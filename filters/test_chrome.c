/* test_chrome.c — the learned-chrome filter and its line keys. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "filters/chrome.h"

#include <xxhash.h>

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


static uint32_t rnd_state = 99;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* A line's key is the hash of its fold key with digits as '0' (any length:
 * short lines fold on the stack, long ones in the heap). */
static void keys_are_hashes_of_folded_text(void **state)
{
	(void)state;
	static const char *pieces[] = {"Home", " ", "  ", "\t", "2024", "\xC2\xA0", "Caf\xC3\xA9", "|", "NEWS", "x"};
	char line[12000];
	for (int n = 0; n < 300; n++) {
		size_t len = 0, words = n < 290 ? rnd() % 30 : 2500 + rnd() % 500;
		for (size_t k = 0; k < words; k++) {
			const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
			memcpy(line + len, p, strlen(p));
			len += strlen(p);
		}
		char *folded = wn_fold_key(line, len);
		for (char *d = folded; *d; d++)
			if (*d >= '0' && *d <= '9')
				*d = '0';
		uint64_t k;
		assert_int_equal(wn_chrome_line_key(line, len, &k), 0);
		assert_true(k == XXH3_64bits(folded, strlen(folded)));
		free(folded);
	}
}

/* A document's keys: distinct, sorted, each with the first line that has it
 * (lines repeated all over a long page, for the sort). */
static void doc_keys_sorted_first_lines(void **state)
{
	(void)state;
	char text[20000];
	size_t len = 0;
	for (int i = 0; i < 400; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "Line %c%c here\n\n", 'a' + rnd() % 12,
					'a' + rnd() % 12);
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, len, "o/a.txt", "o", &doc), 0);
	uint64_t *dk;
	size_t *line_of, n;
	assert_int_equal(wn_chrome_doc_keys(doc, &dk, &line_of, &n), 0);
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_true(dk[i - 1] < dk[i]);
		uint64_t k;
		const wn_line *l = &doc->lines[line_of[i]];
		assert_int_equal(wn_chrome_line_key(l->text, l->len, &k), 0);
		assert_true(k == dk[i]);
		for (size_t j = 0; j < line_of[i]; j++) { /* no earlier line has it */
			const wn_line *e = &doc->lines[j];
			if (e->blank)
				continue;
			assert_int_equal(wn_chrome_line_key(e->text, e->len, &k), 0);
			assert_true(k != dk[i]);
		}
	}
	free(dk);
	free(line_of);
	wn_doc_free(doc);
	/* one line many times, then another (a pattern that makes a naive
	 * quicksort quadratic) */
	size_t cap = 200000 * 2 + 8;
	char *many = malloc(cap);
	for (size_t i = 0; i < 200000; i++)
		memcpy(many + 2 * i, "a\n", 2);
	memcpy(many + 400000, "z\n", 3);
	assert_int_equal(wn_doc_parse(many, 400002, "o/m.txt", "o", &doc), 0);
	assert_int_equal(wn_chrome_doc_keys(doc, &dk, &line_of, &n), 0);
	assert_int_equal(n, 2);
	assert_true(dk[0] < dk[1]);
	assert_true((line_of[0] == 0 && line_of[1] == 200000) || (line_of[0] == 200000 && line_of[1] == 0));
	free(dk);
	free(line_of);
	wn_doc_free(doc);
	free(many);
}

/* The document keys as first written: every non-blank line's key with its
 * line, qsort by (key, line), the first of each key kept. */
typedef struct {
	uint64_t key;
	size_t line;
} ref_keyed;

static int ref_cmp_keyed(const void *a, const void *b)
{
	const ref_keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static size_t ref_doc_keys(const wn_doc *doc, uint64_t *keys, size_t *line_of)
{
	ref_keyed *kl = malloc((doc->nlines + 1) * sizeof *kl);
	size_t n = 0, u = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		if (doc->lines[i].blank)
			continue;
		assert_int_equal(wn_chrome_line_key(doc->lines[i].text, doc->lines[i].len, &kl[n].key), 0);
		kl[n++].line = i;
	}
	qsort(kl, n, sizeof *kl, ref_cmp_keyed);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || keys[u - 1] != kl[i].key) {
			keys[u] = kl[i].key;
			line_of[u++] = kl[i].line;
		}
	free(kl);
	return u;
}

/* The merge sort gives what qsort gave, on pages of every size around its
 * runs and merges, with few or many repeated lines. */
static void doc_keys_agree_with_reference(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 47, 64, 65, 100, 257, 1000};
	char *text = malloc(1000 * 16 + 3 * (2 * 5000 + 1));
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (int round = 0; round < 20; round++) {
			unsigned distinct = 1 + rnd() % (round % 2 ? 4 : 4000);
			size_t len = 0;
			for (size_t i = 0; i < sizes[s]; i++)
				len += (size_t)sprintf(text + len, rnd() % 7 ? "L%u x\n" : "\n", rnd() % distinct);
			for (int big = 0; round % 5 == 4 && big < 3; big++) { /* lines past any stack buffer */
				static const char *const bits[] = {"A", "b", "9", " ", "\xC3\xA9"};
				size_t n = 1000 + rnd() % 4000;
				for (size_t i = 0; i < n; i++) {
					const char *b = bits[rnd() % 5];
					memcpy(text + len, b, strlen(b));
					len += strlen(b);
				}
				text[len++] = '\n';
			}
			wn_doc *doc;
			assert_int_equal(wn_doc_parse(text, len, "o/r.txt", "o", &doc), 0);
			uint64_t *dk, *want = malloc((doc->nlines + 1) * sizeof *want);
			size_t *line_of, n, *want_line = malloc((doc->nlines + 1) * sizeof *want_line);
			size_t wn = ref_doc_keys(doc, want, want_line);
			assert_int_equal(wn_chrome_doc_keys(doc, &dk, &line_of, &n), 0);
			assert_int_equal(n, wn);
			if (n) {
				assert_memory_equal(dk, want, n * sizeof *dk);
				assert_memory_equal(line_of, want_line, n * sizeof *line_of);
			}
			free(dk);
			free(line_of);
			free(want);
			free(want_line);
			wn_doc_free(doc);
		}
	}
	free(text);
}

/* Month names in any case and of every length decide a date line. */
static void dates_by_month_names(void **state)
{
	(void)state;
	const char *text = "SEPTEMBER 16, 2014\nsept 3 2020\nMayday 2020\nJanuary\nMarchmont 5\n"
			   "Sept. 1, 2020 | Desk\nDECEMBER 31 1999\n";
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "o/d.txt", "o", &doc), 0);
	uint64_t keys[7];
	for (size_t i = 0; i < 7; i++)
		keys[i] = key(doc->lines[i].text);
	for (size_t i = 0; i < 7; i++)
		for (size_t j = i + 1; j < 7; j++)
			if (keys[j] < keys[i]) {
				uint64_t t = keys[i];
				keys[i] = keys[j];
				keys[j] = t;
			}
	wn_chrome_view view = {.keys = keys, .nkeys = 7};
	wn_filter_ctx ctx = {.outlet = "o", .data = &view};
	assert_int_equal(wn_filter_chrome(doc, &ctx), 0);
	assert_null(doc->lines[0].reason);                   /* a date: left alone */
	assert_null(doc->lines[1].reason);
	assert_string_equal(doc->lines[2].reason, "chrome"); /* "Mayday" is no month */
	assert_string_equal(doc->lines[3].reason, "chrome"); /* a month without a digit */
	assert_string_equal(doc->lines[4].reason, "chrome");
	assert_null(doc->lines[5].reason);
	assert_null(doc->lines[6].reason);
	wn_doc_free(doc);
}

/* The month test as it was first written (a name at a time): the packed
 * table must decide every line the same. */
static uint64_t ref_month_key(const char *name, size_t n)
{
	uint64_t key = 0;
	size_t k = 0;
	for (; name[k]; k++)
		if (k < 8)
			key |= (uint64_t)(unsigned char)name[k] << (8 * k);
	return k == n ? key : 0;
}

static bool ref_metadata_like(const char *t, size_t len)
{
	wn_word_count words;
	wn_word_count_init(&words, t, len);
	if (len > 120 || wn_words_exceed(&words, 12))
		return false;
	if (len > 3 && (t[0] == 'B' || t[0] == 'b') && (t[1] == 'y' || t[1] == 'Y') && t[2] == ' ' &&
	    t[3] >= 'A' && t[3] <= 'Z')
		return true;
	static const char *const months[] = {
		"january", "february", "march", "april", "may", "june", "july", "august",
		"september", "october", "november", "december", "jan", "feb", "mar", "apr",
		"jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"};
	bool digit = false, month = false;
	for (size_t i = 0; i < len;) {
		if (t[i] >= '0' && t[i] <= '9')
			digit = true;
		size_t w = 0;
		uint64_t key = 0;
		while (i + w < len && (t[i + w] | 32) >= 'a' && (t[i + w] | 32) <= 'z') {
			if (w < 8)
				key |= (uint64_t)(unsigned char)(t[i + w] | 32) << (8 * w);
			w++;
		}
		for (size_t m = 0; m < sizeof months / sizeof months[0] && !month && w >= 3 && w <= 9; m++)
			month = ref_month_key(months[m], w) == key && (w <= 8 || (t[i + 8] | 32) == months[m][8]);
		i += w ? w : 1;
	}
	if (month && digit)
		return true;
	for (size_t i = 0; i + 8 <= len; i++) {
		const char *d = t + i;
		bool iso = d[4] == '-' && d[7] == '-';
		bool slash = d[1] == '/' || d[2] == '/';
		if ((iso || slash) && d[0] >= '0' && d[0] <= '9')
			for (size_t j = 0; j < 8 && (iso || slash); j++)
				if (!((d[j] >= '0' && d[j] <= '9') || d[j] == '-' || d[j] == '/'))
					iso = slash = false;
		if (iso || slash)
			return true;
	}
	return false;
}

/* Generated lines of month-like words, digits and punctuation: with every
 * line in the view, a line is kept exactly when the reference calls it
 * metadata. */
static void month_table_agrees_with_reference(void **state)
{
	(void)state;
	static const char *pieces[] = {"SEPTEMBER", "Septembers", "septembe", "sept.", "Sep", "May",
				       "mayday", "JUNE", "jul", "Octo", "november", "Dec", "deca",
				       "Febr", "january", "Mar", "march", "Augusta", "april",
				       "2014", "7", " ", " ", ", ", "-", "/", "By ", "Ann", "the",
				       "caf\xC3\xA9", "12-", "\xE2\x80\x94", "x"};
	enum { LINES = 3000 };
	char *text = malloc(LINES * 200);
	size_t len = 0;
	for (int n = 0; n < LINES; n++) {
		size_t start = len, words = 1 + rnd() % 18; /* past 12 words and 120 bytes too */
		for (size_t k = 0; k < words; k++) {
			const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		if (text[len - 1] == ' ' || len == start)
			text[len++] = 'z';
		text[len++] = '\n';
	}
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, len, "o/g.txt", "o", &doc), 0);
	uint64_t *dk;
	size_t *line_of, n;
	assert_int_equal(wn_chrome_doc_keys(doc, &dk, &line_of, &n), 0);
	wn_chrome_view view = {.keys = dk, .nkeys = n};
	wn_filter_ctx ctx = {.outlet = "o", .data = &view};
	assert_int_equal(wn_filter_chrome(doc, &ctx), 0);
	size_t kept = 0, removed = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (l->blank)
			continue;
		bool meta = ref_metadata_like(l->text, l->len);
		kept += meta;
		removed += !meta;
		if (meta)
			assert_null(l->reason);
		else
			assert_string_equal(l->reason, "chrome");
	}
	assert_true(kept > 100 && removed > 100); /* both sides exercised */
	free(dk);
	free(line_of);
	wn_doc_free(doc);
	free(text);
}

/* Line keys handed over in the view (as the index does) are the keys the
 * filter would compute, and decide the same; keys for another document
 * (a different number of lines) are not used. */
static void line_keys_passed_agree(void **state)
{
	(void)state;
	static const char *pieces[] = {"Home", " ", "News", "\t", "2024", "\xC2\xA0", "Caf\xC3\xA9",
				       "|", "SPORT", "By Ann", "May 3", "\xE2\x80\x9C", "x", "\n", "\n\n"};
	char text[30000];
	size_t len = 0;
	for (int k = 0; k < 3000; k++) {
		const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
		memcpy(text + len, p, strlen(p));
		len += strlen(p);
	}
	wn_doc *a, *b;
	assert_int_equal(wn_doc_parse(text, len, "o/a.txt", "o", &a), 0);
	assert_int_equal(wn_doc_parse(text, len, "o/a.txt", "o", &b), 0);
	uint64_t *lk = malloc(a->nlines * sizeof *lk), *dk, *dk2;
	size_t *line_of, *line_of2, n, n2;
	assert_int_equal(wn_chrome_doc_line_keys(a, lk, &dk, &line_of, &n), 0);
	assert_int_equal(wn_chrome_doc_keys(a, &dk2, &line_of2, &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(dk, dk2, n * sizeof *dk);
	assert_memory_equal(line_of, line_of2, n * sizeof *line_of);
	assert_true(a->nlines > 100);
	for (size_t i = 0; i < a->nlines; i++) {
		uint64_t k = 0;
		if (!a->lines[i].blank)
			assert_int_equal(wn_chrome_line_key(a->lines[i].text, a->lines[i].len, &k), 0);
		assert_true(lk[i] == k);
	}
	/* every other distinct key is chrome */
	size_t m = 0;
	for (size_t i = 0; i < n; i += 2)
		dk[m++] = dk[i];
	wn_chrome_view given = {.keys = dk, .nkeys = m, .line_keys = lk, .nlines = a->nlines};
	wn_chrome_view computed = {.keys = dk, .nkeys = m};
	wn_filter_ctx ca = {.outlet = "o", .data = &given}, cb = {.outlet = "o", .data = &computed};
	assert_int_equal(wn_filter_chrome(a, &ca), 0);
	assert_int_equal(wn_filter_chrome(b, &cb), 0);
	size_t chrome = 0;
	for (size_t i = 0; i < a->nlines; i++) {
		assert_true((a->lines[i].reason == NULL) == (b->lines[i].reason == NULL));
		chrome += a->lines[i].reason != NULL;
	}
	assert_true(chrome > 10);
	wn_doc_free(a);
	/* stale line keys (another document's count) are ignored */
	assert_int_equal(wn_doc_parse(text, len, "o/a.txt", "o", &a), 0);
	uint64_t *junk = calloc(a->nlines + 1, sizeof *junk);
	wn_chrome_view stale = {.keys = dk, .nkeys = m, .line_keys = junk, .nlines = a->nlines + 1};
	wn_filter_ctx cs = {.outlet = "o", .data = &stale};
	assert_int_equal(wn_filter_chrome(a, &cs), 0);
	for (size_t i = 0; i < a->nlines; i++)
		assert_true((a->lines[i].reason == NULL) == (b->lines[i].reason == NULL));
	free(junk);
	free(lk);
	free(dk);
	free(dk2);
	free(line_of);
	free(line_of2);
	wn_doc_free(a);
	wn_doc_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_fold_case_digits_space),
		cmocka_unit_test(filter_marks_view_lines),
		cmocka_unit_test(keys_are_hashes_of_folded_text),
		cmocka_unit_test(doc_keys_sorted_first_lines),
		cmocka_unit_test(doc_keys_agree_with_reference),
		cmocka_unit_test(dates_by_month_names),
		cmocka_unit_test(month_table_agrees_with_reference),
		cmocka_unit_test(line_keys_passed_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
