/* Unit tests: the core filters (whitespace, repeated, meta). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <utf8proc.h>

#include "filters/filter.h"

static wn_doc *prepared(const char *text)
{
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "t/o/f.txt", "o", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	return doc;
}


/* ---- the straightforward versions of earlier releases, as references ---- */

static bool ref_is_space(int32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x1680;
}

/* Characters with no width and no meaning in scraped text: dropped.
 * (ZWNJ and ZWJ are kept: scripts such as Persian and emoji need them.) */
static bool ref_is_invisible(int32_t cp)
{
	return cp == 0x200B || cp == 0x2060 || cp == 0x00AD || cp == 0x180E;
}

static size_t ref_codepoints(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Normalise one line in place; the text only shrinks. */
static void ref_normalise_line(wn_line *l)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)l->text;
	size_t n = l->len, o = 0;
	uint32_t indent = 0;
	bool leading = true, pending_space = false;
	char *out = l->text;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		if (s[i] < 0x80 && s[i] != ' ' && s[i] != '\t') {
			/* ASCII other than space and tab: neither space nor invisible, kept. */
			leading = false;
			if (pending_space) {
				out[o++] = ' ';
				pending_space = false;
			}
			out[o++] = (char)s[i++];
			continue;
		}
		utf8proc_ssize_t k = 1;
		if (s[i] < 0x80)
			cp = s[i]; /* space or tab */
		else
			k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) { /* cannot happen after decoding; skip a byte defensively */
			i++;
			continue;
		}
		size_t at = i;
		i += (size_t)k;
		if (ref_is_invisible(cp))
			continue;
		if (ref_is_space(cp)) {
			if (leading)
				indent = cp == '\t' ? (indent / 8 + 1) * 8 : indent + 1;
			else
				pending_space = true;
			continue;
		}
		leading = false;
		if (pending_space) {
			out[o++] = ' ';
			pending_space = false;
		}
		memmove(out + o, l->text + at, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	l->len = (uint32_t)o;
	l->indent = indent;
	l->blank = o == 0;
}

static int ref_ends_open(const wn_line *l)
{
	char c = l->text[l->len - 1];
	return !strchr(".!?:;\"')]", c) && (unsigned char)c < 0x80;
}

/* Hard-wrapped text: most long lines end near one common width and run on
 * into the next line without closing punctuation. */
static bool ref_detect_wrapped(const wn_doc *doc)
{
	size_t maxw = 0, long_lines = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		size_t w = ref_codepoints(doc->lines[i].text, doc->lines[i].len) + doc->lines[i].indent;
		if (w > maxw)
			maxw = w;
		long_lines += w >= 50;
	}
	if (maxw > 100 || long_lines < 5)
		return false;
	size_t near_edge = 0, run_on = 0;
	for (size_t i = 0; i + 1 < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		size_t w = ref_codepoints(l->text, l->len) + l->indent;
		if (l->blank || w + 20 < maxw)
			continue;
		near_edge++;
		run_on += !doc->lines[i + 1].blank && ref_ends_open(l);
	}
	return near_edge * 2 >= long_lines && run_on * 2 >= near_edge;
}

static char *ref_fold_key(const char *text, size_t len)
{
	char *out = malloc(len * 3 + 1); /* case folding can grow a character */
	if (!out)
		return NULL;
	size_t o = 0;
	bool space = false;
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	for (size_t i = 0; i < len;) {
		int32_t cp;
		if (s[i] < 0x80) { /* ASCII, the common case: the same rules without utf8proc */
			unsigned char a = s[i++];
			if (a == ' ' || a == '\t') {
				space = o > 0;
				continue;
			}
			if (space) {
				out[o++] = ' ';
				space = false;
			}
			out[o++] = (char)(a >= 'A' && a <= 'Z' ? a + ('a' - 'A') : a);
			continue;
		}
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		i += (size_t)k;
		utf8proc_category_t c = utf8proc_category(cp);
		if (cp == ' ' || cp == '\t' || c == UTF8PROC_CATEGORY_ZS) {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = false;
		}
		cp = utf8proc_tolower(cp);
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	return out;
}

/* The reference whitespace filter over a copy of the document's lines. */
static void ref_whitespace(wn_doc *doc)
{
	for (size_t i = 0; i < doc->nlines; i++)
		ref_normalise_line(&doc->lines[i]);
	doc->wrapped = ref_detect_wrapped(doc);
}

static uint32_t rnd_state = 77;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Pieces of generated text: white space of every kind, invisible
 * characters, ASCII, accents, CJK, at every position of the eight-byte
 * steps. */
static const char *const ws_pieces[] = {
	" ", " ", "  ", "\t", " \t ", "\xC2\xA0", "\xE2\x80\x83", "\xE3\x80\x80", "\xE2\x80\xAF",
	"\xE1\x9A\x80", "\xE2\x81\x9F", "\xE2\x80\x8B", "\xC2\xAD", "\xE2\x81\xA0", "\xE1\xA0\x8E",
	"\xE2\x80\x8C", "\xE2\x80\x9C", "\xE2\x80\x99", "a", "Word", "abcdefg", "abcdefghijklmnop", "12", "A-B",
	"\xC3\xA9t\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x99\x82", ".", "|",
};

static size_t gen_line(char *out, size_t cap)
{
	size_t len = 0, n = rnd() % 30;
	for (size_t k = 0; k < n; k++) {
		const char *p = ws_pieces[rnd() % (sizeof ws_pieces / sizeof ws_pieces[0])];
		if (len + strlen(p) + 1 >= cap)
			break;
		memcpy(out + len, p, strlen(p));
		len += strlen(p);
	}
	out[len] = '\0';
	return len;
}

/* A line that is almost normal: words and single spaces, with at most one
 * flaw (a doubled space, a tab, a no-break or zero-width space, a trailing
 * space) anywhere, so that the fast path's every eight-byte step and its
 * last, overlapping one meet each. */
static size_t gen_near_normal_line(char *out, size_t cap)
{
	static const char *const words[] = {"a", "to", "the", "harbour", "council", "\xC3\xA9t\xC3\xA9", "12",
					    "\xE2\x80\x9CSo\xE2\x80\x9D", "abcdefghij", "x."};
	static const char *const flaws[] = {"  ", "\t", "\xC2\xA0", "\xE2\x80\x8B", " \t", "\xE3\x80\x80"};
	size_t len = 0, n = 1 + rnd() % 12, flaw_at = rnd() % (2 * n);
	for (size_t k = 0; k < n; k++) {
		const char *w = words[rnd() % (sizeof words / sizeof words[0])];
		const char *sep = k == 0 ? "" : k == flaw_at ? flaws[rnd() % (sizeof flaws / sizeof flaws[0])] : " ";
		if (len + strlen(sep) + strlen(w) + 2 >= cap)
			break;
		len += (size_t)sprintf(out + len, "%s%s", sep, w);
	}
	if (flaw_at == 2 * n - 1)
		out[len++] = ' ';
	out[len] = '\0';
	return len;
}

static void test_whitespace_matches_reference(void **state)
{
	(void)state;
	char text[8192];
	for (int n = 0; n < 600; n++) {
		size_t len = 0, lines = 1 + rnd() % 40;
		bool prose = rnd() % 3 == 0; /* long run-on lines: hard wrapping detected */
		bool accented = prose && rnd() % 2; /* widths in code points, not bytes */
		bool near_normal = !prose && rnd() % 2;
		for (size_t k = 0; k < lines && len + 200 < sizeof text; k++) {
			if (accented) {
				/* 84 to 99 code points in up to 198 bytes: wrapped only when
				 * counted in code points */
				size_t w = 84 + rnd() % 16;
				for (size_t c = 0; c < w; c++)
					len += (size_t)sprintf(text + len, "%s", c % 6 == 5 ? " " : "\xC3\xA9");
				text[len++] = '\n';
			} else if (near_normal) {
				len += gen_near_normal_line(text + len, 150);
				text[len++] = '\n';
			} else if (prose) {
				size_t w = 50 + rnd() % 25;
				len += (size_t)snprintf(text + len, sizeof text - len, "%*s%.*s\n", (int)(rnd() % 4), "", (int)w,
							"the council met on tuesday and agreed to the plan for the old harbour wall and ");
			} else {
				len += gen_line(text + len, 120);
				text[len++] = '\n';
			}
		}
		text[len] = '\0';
		wn_doc *got, *want;
		assert_int_equal(wn_doc_parse(text, len, "t/o/f.txt", "o", &got), 0);
		assert_int_equal(wn_doc_parse(text, len, "t/o/f.txt", "o", &want), 0);
		assert_int_equal(wn_filter_whitespace(got, NULL), 0);
		ref_whitespace(want);
		assert_int_equal(got->nlines, want->nlines);
		assert_int_equal(got->wrapped, want->wrapped);
		for (size_t i = 0; i < got->nlines; i++) {
			const wn_line *a = &got->lines[i], *b = &want->lines[i];
			if (a->len != b->len || strcmp(a->text, b->text) || a->indent != b->indent || a->blank != b->blank)
				fail_msg("line %zu: '%s' (%u, indent %u) != '%s' (%u, indent %u)", i, a->text, a->len,
					 a->indent, b->text, b->len, b->indent);
		}
		wn_doc_free(got);
		wn_doc_free(want);
	}
}

static void test_fold_key_into_matches_reference(void **state)
{
	(void)state;
	char line[256], out[WN_FOLD_KEY_MAX(256)];
	for (int n = 0; n < 3000; n++) {
		size_t len = gen_line(line, sizeof line);
		for (size_t cut = n < 500 ? 0 : len; cut <= len; cut++) { /* every length, for the steps */
			char *want = ref_fold_key(line, cut);
			size_t got = wn_fold_key_into(line, cut, false, out);
			assert_int_equal(got, strlen(want));
			assert_string_equal(out, want);
			for (char *d = want; *d; d++) /* and with digits as '0' */
				if (*d >= '0' && *d <= '9')
					*d = '0';
			wn_fold_key_into(line, cut, true, out);
			assert_string_equal(out, want);
			free(want);
		}
	}
}

/* Counting words as far as a question needs gives the full count's answers. */
static void test_word_count_limits(void **state)
{
	(void)state;
	char line[256];
	for (int n = 0; n < 2000; n++) {
		size_t len = gen_line(line, sizeof line), all = wn_count_words(line, len);
		wn_word_count wc;
		wn_word_count_init(&wc, line, len);
		for (int q = 0; q < 6; q++) { /* limits in any order, on the same counter */
			size_t limit = rnd() % 40;
			assert_int_equal(wn_words_exceed(&wc, limit), all > limit);
		}
		wn_word_count_init(&wc, line, len);
		assert_false(wn_words_exceed(&wc, all));
		assert_int_equal(wc.words, all);
	}
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

/* wn_fold_key and wn_count_words take ASCII without utf8proc: the result must
 * be what the Unicode rules give for every ASCII character. */
static void test_fold_key_ascii_fast_path(void **state)
{
	(void)state;
	for (int c = 1; c < 0x80; c++) {
		char in[4] = {'X', (char)c, 'Y', '\0'}, want[4] = {'x', ' ', 'y', '\0'};
		bool space = c == ' ' || c == '\t' || utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
		if (!space)
			want[1] = (char)utf8proc_tolower(c);
		char *k = wn_fold_key(in, 3);
		assert_string_equal(k, want);
		free(k);
		utf8proc_category_t cat = utf8proc_category(c);
		bool word = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
			    (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
		in[0] = in[2] = ' ';
		assert_int_equal(wn_count_words(in, 3), word ? 1 : 0);
	}
	/* ASCII and multi-byte text mixed: "ÉTÉ  Été" */
	char *k = wn_fold_key("\xc3\x89T\xc3\x89 \t \xc3\x89t\xc3\xa9", 13);
	assert_string_equal(k, "\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9");
	free(k);
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

/* Reference for the repeated filter: each block's kept lines folded and
 * joined with NULs; a block goes when an earlier block has the same key. */
static void ref_repeated(const wn_doc *doc, bool *gone)
{
	char **keys = calloc(doc->nblocks + 1, sizeof *keys);
	size_t *lens = calloc(doc->nblocks + 1, sizeof *lens);
	assert_non_null(keys);
	assert_non_null(lens);
	for (size_t b = 0; b < doc->nblocks; b++) {
		const wn_block *bl = &doc->blocks[b];
		for (uint32_t j = 0; j < bl->count; j++) {
			const wn_line *l = &doc->lines[bl->first + j];
			if (!wn_line_kept(l))
				continue;
			char *k = wn_fold_key(l->text, l->len);
			size_t kl = strlen(k);
			keys[b] = realloc(keys[b], lens[b] + kl + 1);
			memcpy(keys[b] + lens[b], k, kl + 1);
			lens[b] += kl + 1;
			free(k);
		}
		bool dup = false;
		for (size_t e = 0; e < b && keys[b] && !dup; e++)
			dup = keys[e] && lens[e] == lens[b] && !memcmp(keys[e], keys[b], lens[b]);
		for (uint32_t j = 0; j < bl->count; j++)
			gone[bl->first + j] = dup && wn_line_kept(&doc->lines[bl->first + j]);
	}
	for (size_t b = 0; b < doc->nblocks; b++)
		free(keys[b]);
	free(keys);
	free(lens);
}

static uint32_t rep_rnd_state = 7;
static uint32_t rep_rnd(void)
{
	rep_rnd_state = rep_rnd_state * 1103515245u + 12345u;
	return rep_rnd_state >> 8;
}

/* The filter (which signs blocks first and folds only those whose
 * signature is shared) removes exactly what the reference removes: random
 * documents of near-copies in other case, white space, Unicode letters
 * that lower-case to ASCII (KELVIN SIGN, I WITH DOT), no-break spaces,
 * invalid bytes, lines around the eight-byte steps and over 1 KiB, with and
 * without the whitespace filter first, wrapped or not, some lines already
 * removed. */
static void test_repeated_matches_reference(void **state)
{
	(void)state;
	static const char *pieces[] = {
		"Share", "share", "SHARE", "Photo: A. Name", "photo:  a.\tname", "\xE2\x84\xAA" "ick", "Kick", "kick",
		"\xC4\xB0" "n", "in", "In", "a\xC2\xA0" "b", "a b", "A  B", "2024", "2025", "12:30", "x.", "x,", ".x",
		"\xFF", "\xC3\xA9t\xC3\xA9", "\xC3\x89T\xC3\x89", "abcdefg", "ABCDEFGH", "abcdefghi", "(", ")", "\t",
		"\xE2\x80\x9CQuote\xE2\x80\x9D", "\"quote\"", "@", "`", "\x01",
	};
	static char longline[1400];
	memset(longline, 'a', sizeof longline - 1);
	for (size_t i = 7; i < sizeof longline - 1; i += 9)
		longline[i] = i % 2 ? '.' : ' ';
	char text[8192];
	for (int n = 0; n < 600; n++) {
		size_t len = 0;
		size_t lines = 1 + rep_rnd() % 14;
		for (size_t k = 0; k < lines; k++) {
			if (rep_rnd() % 12 == 0) {
				len += (size_t)snprintf(text + len, sizeof text - len, "%s%s\n",
							rep_rnd() % 2 ? "" : "  ", longline);
			} else {
				size_t words = 1 + rep_rnd() % 5;
				for (size_t w = 0; w < words; w++) {
					const char *sep = w ? (rep_rnd() % 4 ? " " : "  ") : (rep_rnd() % 6 ? "" : " ");
					len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", sep,
								pieces[rep_rnd() % (sizeof pieces / sizeof pieces[0])]);
				}
				len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", rep_rnd() % 5 ? "" : " ");
			}
			if (rep_rnd() % 3 == 0)
				len += (size_t)snprintf(text + len, sizeof text - len, "\n");
		}
		wn_doc *doc;
		assert_int_equal(wn_doc_parse(text, len, "t/o/f.txt", "o", &doc), 0);
		if (n % 2)
			assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
		if (n % 3 == 0) {
			doc->wrapped = true;
			assert_int_equal(wn_doc_rebuild_blocks(doc), 0);
		}
		for (size_t i = 0; i < doc->nlines; i++)
			if (!doc->lines[i].blank && rep_rnd() % 10 == 0)
				assert_int_equal(wn_doc_remove(doc, i, "rule:x"), 0);
		bool *want = calloc(doc->nlines + 1, sizeof *want);
		assert_non_null(want);
		ref_repeated(doc, want);
		assert_int_equal(wn_filter_repeated(doc, NULL), 0);
		for (size_t i = 0; i < doc->nlines; i++) {
			bool got = doc->lines[i].reason && !strcmp(doc->lines[i].reason, "duplicate-line");
			if (got != want[i])
				fail_msg("doc %d line %zu '%.*s': removed %d, reference %d", n, i,
					 (int)doc->lines[i].len, doc->lines[i].text, got, want[i]);
		}
		free(want);
		wn_doc_free(doc);
	}
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
		cmocka_unit_test(test_fold_key_ascii_fast_path),
		cmocka_unit_test(test_whitespace_matches_reference),
		cmocka_unit_test(test_fold_key_into_matches_reference),
		cmocka_unit_test(test_word_count_limits),
		cmocka_unit_test(test_repeated_keeps_first),
		cmocka_unit_test(test_repeated_ignores_removed_lines),
		cmocka_unit_test(test_repeated_matches_reference),
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
