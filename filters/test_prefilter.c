/* Unit tests: required literals of patterns and the Aho-Corasick set. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <pcre2.h>

#include "filters/prefilter.h"

/* The literals of `pattern`, joined with '|' in the order found ("" for none). */
static char *lits_of(const char *pattern)
{
	char **v;
	size_t n;
	assert_int_equal(wn_required_literals(pattern, false, &v, &n), 0);
	char *out = calloc(1, 512);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, v[i]);
	}
	wn_literals_free(v, n);
	return out;
}

static void expect_lits(const char *pattern, const char *want)
{
	char *got = lits_of(pattern);
	if (strcmp(got, want))
		fail_msg("pattern %s: literals '%s', expected '%s'", pattern, got, want);
	free(got);
}

static void test_literal_runs(void **state)
{
	(void)state;
	expect_lits("powered by", "powered by");
	expect_lits("\\bPowered\\s+by\\b", "powered");      /* longest run, folded */
	expect_lits("colou?r scheme", "r scheme");            /* 'u' optional breaks the run */
	expect_lits("ab+cdef", "cdef");                       /* 'b+' keeps b but ends the run */
	expect_lits("[abc]def\\.ghi", "def.ghi");              /* escaped punctuation is literal */
	expect_lits("x{2,3}yz", "");                          /* nothing of 3 characters required */
	expect_lits("abc{0,2}defg", "defg");
	expect_lits("^IFRAME:", "iframe:");
}

/* Symbols and punctuation outside ASCII have no case: caseless matching
 * needs their very bytes, so they stand in literals. Letters outside ASCII
 * (which caseless matching may pair with others, ß with ẞ) and symbols
 * with cases (circled letters) end a run. */
static void test_literal_non_ascii(void **state)
{
	(void)state;
	expect_lits("price \xE2\x82\xAC\\d+", "price \xE2\x82\xAC");   /* € */
	expect_lits("(?:\xC2\xA9 |copyright)", "\xC2\xA9 |copyright");      /* © and a space */
	expect_lits("caf\xC3\xA9 society", " society");                     /* é: a letter */
	expect_lits("stra\xC3\x9F" "en", "stra");                            /* ß: a letter */
	expect_lits("\xE2\x93\x90xyz", "xyz");                              /* ⓐ has a capital */
	expect_lits("ab\xE2\x80\x93?cde", "cde");                           /* an optional – goes whole */
	expect_lits("x\xE2\x80\xA6{2,}yz", "x\xE2\x80\xA6");              /* … repeated: kept once */
}

static void test_literal_alternations(void **state)
{
	(void)state;
	expect_lits("sign up|subscribe", "sign up|subscribe");
	expect_lits("^(?:home|menu|search)\\W*$", "home|menu|search");
	expect_lits("(?:a|b)cdef", "cdef");                   /* a group without literals: the run wins */
	expect_lits("(?<value>news|letter)s?", "news|letter"); /* named groups count */
	expect_lits("(?:optional)?tail", "tail");             /* an optional group requires nothing */
	expect_lits("ab|c", "");                              /* one branch without a literal */
	expect_lits("(?:xyz|q)+abcd", "abcd");
}

static void test_literal_give_up(void **state)
{
	(void)state;
	expect_lits("\\x41BCDEF", "");       /* escapes we do not interpret */
	expect_lits("(?x) s p a c e d", ""); /* extended syntax */
	expect_lits("abc(?=def)", "abc");    /* lookahead requires nothing more */
	expect_lits("(?(1)abc|def)", "");    /* conditionals */
	expect_lits("abc)", "");             /* unbalanced */
	char **v;
	size_t n;
	assert_int_equal(wn_required_literals("plain words", true, &v, &n), 0);
	assert_int_equal(n, 0);
}

typedef struct {
	uint32_t seen[8];
	size_t n;
} hits;

static void on_hit(uint32_t tag, void *ud)
{
	hits *h = ud;
	if (h->n < 8)
		h->seen[h->n++] = tag;
}

static bool saw(const hits *h, uint32_t tag)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->seen[i] == tag)
			return true;
	return false;
}

static void test_litset_scan(void **state)
{
	(void)state;
	wn_litset *s = wn_litset_new();
	assert_non_null(s);
	assert_int_equal(wn_litset_add(s, "he", 1), 0);
	assert_int_equal(wn_litset_add(s, "she", 2), 0);
	assert_int_equal(wn_litset_add(s, "hers", 3), 0);
	assert_int_equal(wn_litset_add(s, "\xC3\xA9t\xC3\xA9", 4), 0); /* été: bytes match exactly */
	assert_int_equal(wn_litset_add(s, "", 5), -EINVAL);
	assert_int_equal(wn_litset_build(s), 0);
	hits h = {0};
	wn_litset_scan(s, "uSHErs", 6, on_hit, &h); /* overlapping, case folded */
	assert_true(saw(&h, 1) && saw(&h, 2) && saw(&h, 3));
	assert_false(saw(&h, 4));
	h = (hits){0};
	wn_litset_scan(s, "an \xC3\xA9t\xC3\xA9 day", 11, on_hit, &h);
	assert_true(saw(&h, 4));
	h = (hits){0};
	wn_litset_scan(s, "nothing", 7, on_hit, &h);
	assert_int_equal(h.n, 0);
	wn_litset_free(s);
}

/* Whenever the regex matches, one of its literals occurs (folded). */
static void test_never_misses_a_match(void **state)
{
	(void)state;
	static const char *patterns[] = {
		"\\bright in your inbox\\b", "^(?:sign up|subscribe)\\b", "colou?r(?:ed)? text",
		"(?i)powered\\s+by", "^(?:[*+o-]\\s+)?(?:facebook|twitter|e-?mail)\\W*$", "ab+c+def",
		"^(?:\xE2\x82\xAC|eur)\\s*\\d+", "\xC2\xA9 \\d{4}|all rights",
	};
	static const char *subjects[] = {
		"Get it Right In Your Inbox today", "SUBSCRIBE now", "sign up for more", "coloured text here",
		"color text", "POWERED   BY someone", "* Twitter", "- Email:", "abbcccdef", "nothing at all",
		"e-mail", "rightin your inbox", "\xE2\x82\xAC" "5", "EUR 12", "\xC2\xA9 2024 Site", "All Rights",
		"\xC2\xA9" "2024",
	};
	for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[p], PCRE2_ZERO_TERMINATED,
					       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
		assert_non_null(re);
		char **v;
		size_t n;
		assert_int_equal(wn_required_literals(patterns[p], false, &v, &n), 0);
		assert_true(n > 0);
		wn_litset *s = wn_litset_new();
		for (size_t i = 0; i < n; i++)
			assert_int_equal(wn_litset_add(s, v[i], 0), 0);
		assert_int_equal(wn_litset_build(s), 0);
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
		for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
			hits h = {0};
			wn_litset_scan(s, subjects[k], strlen(subjects[k]), on_hit, &h);
			int rc = pcre2_match(re, (PCRE2_SPTR)subjects[k], strlen(subjects[k]), 0, 0, md, NULL);
			if (rc > 0 && h.n == 0)
				fail_msg("'%s' matches %s but the prefilter missed it", subjects[k], patterns[p]);
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
		wn_litset_free(s);
		wn_literals_free(v, n);
	}
}


static void test_literal_repeats_and_short(void **state)
{
	(void)state;
	expect_lits("_{8,}", "________");            /* x{n,}: n x's in a row */
	expect_lits("^[\\W_]*_{4,}[\\W_]*$", "____");
	expect_lits("ab{3}c", "abbb");                /* the run ends after the repeats */
	expect_lits("\\.{3,}", "...");
	expect_lits("x{2,3}yz", "");                  /* still nothing of three */
	/* two-letter literals on request; the default still wants three */
	expect_lits("^(?:ad|ads|advertising)\\W*$", "");
	char **v;
	size_t n;
	assert_int_equal(wn_required_literals_min("^(?:ad|ads|advertising)\\W*$", false, 2, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "ad");
	assert_string_equal(v[2], "advertising");
	wn_literals_free(v, n);
	assert_int_equal(wn_required_literals_min("ab|c", false, 2, &v, &n), 0);
	assert_int_equal(n, 0); /* "c" is shorter still */
	wn_literals_free(v, n);
}

static bool has_byte(const uint8_t set[32], unsigned b)
{
	return set[b >> 3] & (1u << (b & 7));
}

static void test_first_bytes(void **state)
{
	(void)state;
	uint8_t set[32];
	assert_true(wn_first_bytes("^abc", false, false, set));
	assert_true(has_byte(set, 'a') && has_byte(set, 'A') && has_byte(set, 0xE2));
	assert_false(has_byte(set, 'b') || has_byte(set, ' ') || has_byte(set, '0'));
	assert_true(wn_first_bytes("^(?:[*+o\xE2\x80\xA2-]\\s+)?(?:home|menu)\\W*$", false, false, set));
	for (const char *c = "*+oO-hHmM\xE2"; *c; c++)
		assert_true(has_byte(set, (unsigned char)*c));
	assert_false(has_byte(set, 'x') || has_byte(set, ' ') || has_byte(set, 'a'));
	assert_true(wn_first_bytes("(?i)^\\d+ min", false, false, set));
	assert_true(has_byte(set, '7') && !has_byte(set, 'm'));
	assert_true(wn_first_bytes("abc|def", false, true, set)); /* the anchored flag */
	assert_true(has_byte(set, 'd') && !has_byte(set, 'b'));
	assert_true(wn_first_bytes("^[^a]x", false, false, set)); /* anything at all */
	assert_true(has_byte(set, 'a') && has_byte(set, 0));
	assert_true(wn_first_bytes("^(?=x)y", false, false, set)); /* a lookahead adds nothing */
	assert_true(has_byte(set, 'y') && !has_byte(set, 'x'));
	/* not anchored, possibly empty, or not understood: no restriction */
	assert_false(wn_first_bytes("abc", false, false, set));
	assert_false(wn_first_bytes("^a|b", false, false, set));
	assert_false(wn_first_bytes("^(?:a)?", false, false, set));
	assert_false(wn_first_bytes("^$", false, false, set));
	assert_false(wn_first_bytes("^(*COMMIT)a", false, false, set));
	assert_false(wn_first_bytes("^(?x) a", false, false, set));
	assert_false(wn_first_bytes("^a", true, false, set));
	assert_false(wn_first_bytes("^\\x41", false, false, set));
	assert_false(wn_first_bytes("^(a)\\1", false, false, set));
	assert_false(wn_first_bytes("^a)", false, false, set));
}

/* Whenever an anchored pattern matches, the subject starts with a byte of
 * its set: caseless, with Unicode case folding (KELVIN SIGN matches k). */
static void test_first_bytes_never_miss(void **state)
{
	(void)state;
	static const char *patterns[] = {
		"^(?:[Bb]y|BY|[Ww]ritten by)\\s+\\p{Lu}\\w+",
		"^(?:skip|kelvin|sign)\\b",
		"^[*+o-]?\\s*(?:\\(c\\)|\xC2\xA9|copyright)",
		"^(?:(?:mon|tue)[a-z]*,?\\s+)?(?:jan|feb)[a-z]*\\.?\\s+\\d{1,2}|^\\d{4}-\\d{2}",
		"^\\(?\\d+\\s+(?:videos?|photos?)\\)?$",
		"^(?:[^.]{0,3}|x)end",
		"^[\\d_]+\\.",
	};
	static const char *subjects[] = {
		"By Ana Brook", "written by Omar Feld", "\xE2\x84\xAA" "elvin scale", "\xC5\xBFign in", "Skip to",
		"(c) 2020", "\xC2\xA9 2020 Foo", "- copyright", "Mon, Jan 5", "2024-01-05", "feb 3",
		"(12 videos)", "3 photos", "abcend", "xend", "end", "12_3.", "_.", "The end", "\xC3\x89t\xC3\xA9",
		" leading", "*copyright",
	};
	for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
		uint8_t set[32];
		if (!wn_first_bytes(patterns[p], false, false, set))
			fail_msg("%s: no first bytes", patterns[p]);
		int err;
		PCRE2_SIZE off;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[p], PCRE2_ZERO_TERMINATED,
					       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
		assert_non_null(re);
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
		for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
			const char *s = subjects[k];
			int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
			if (rc > 0 && !has_byte(set, (unsigned char)s[0]))
				fail_msg("'%s' matches %s but its first byte is not in the set", s, patterns[p]);
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
}

typedef struct {
	uint32_t tag;
	size_t end;
} found;

typedef struct {
	found *v;
	size_t n, cap;
} found_list;

static void on_hit_at(uint32_t tag, size_t end, void *ud)
{
	found_list *l = ud;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n++] = (found){tag, end};
}

static bool reported(const found_list *l, uint32_t tag, size_t end)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].tag == tag && l->v[i].end == end)
			return true;
	return false;
}

static bool letter_or_space(char c)
{
	return c == ' ' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* An occurrence at k that may continue one at k - 1 inside a run of one
 * byte (or of bytes sharing a column: neither letters nor the space):
 * reported once, for the first of the run. */
static bool repeat_of_one_byte(const char *text, size_t k, const char *lit, size_t keep)
{
	if (k == 0)
		return false;
	bool same = true, others = !letter_or_space(text[k - 1]);
	for (size_t j = 0; j < keep; j++) {
		same = same && (lit[j] | 0x20) == (text[k - 1] | 0x20);
		others = others && !letter_or_space(lit[j]);
	}
	return same || others;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Every occurrence of every literal, at its offset, whatever the size of
 * the set (16- or 32-bit table), the length of the text (one part or four
 * side by side) and the bytes used (more kinds than columns). */
static void check_scan_finds_all(size_t nlits, size_t litlen, const char *alphabet, size_t textlen)
{
	size_t na = strlen(alphabet);
	char **lits = calloc(nlits, sizeof *lits);
	wn_litset *s = wn_litset_new();
	for (size_t i = 0; i < nlits; i++) {
		lits[i] = calloc(litlen + 1, 1);
		for (size_t k = 0; k < litlen; k++)
			lits[i][k] = alphabet[rnd() % na];
		assert_int_equal(wn_litset_add(s, lits[i], (uint32_t)i), 0);
	}
	assert_int_equal(wn_litset_build(s), 0);
	char *text = calloc(textlen + 1, 1);
	for (size_t k = 0; k < textlen; k++)
		text[k] = alphabet[rnd() % na];
	for (size_t k = 0; k + litlen <= textlen; k += 1 + rnd() % 40) { /* plant literals, some UPPER */
		const char *l = lits[rnd() % nlits];
		bool upper = rnd() % 2;
		for (size_t j = 0; j < litlen; j++)
			text[k + j] = upper && l[j] >= 'a' && l[j] <= 'z' ? (char)(l[j] - 32) : l[j];
	}
	found_list got = {0};
	wn_litset_scan_at(s, text, textlen, on_hit_at, &got);
	size_t keep = litlen < WN_LITERAL_KEEP ? litlen : WN_LITERAL_KEEP;
	for (size_t k = 0; k + litlen <= textlen; k++)
		for (size_t i = 0; i < nlits; i++)
			if (!strncasecmp(text + k, lits[i], litlen) && !repeat_of_one_byte(text, k, lits[i], keep) &&
			    !reported(&got, (uint32_t)i, k + (litlen < WN_LITERAL_KEEP ? litlen : WN_LITERAL_KEEP)))
				fail_msg("literal %zu '%s' at %zu not reported (text of %zu bytes)", i, lits[i], k, textlen);
	free(got.v);
	free(text);
	for (size_t i = 0; i < nlits; i++)
		free(lits[i]);
	free(lits);
	wn_litset_free(s);
}

static void test_litset_scan_at_finds_all(void **state)
{
	(void)state;
	check_scan_finds_all(20, 5, "abcde fgh", 50);      /* one part */
	check_scan_finds_all(20, 5, "abcde fgh", 3001);    /* four parts side by side */
	check_scan_finds_all(40, 12, "abcdefgh ", 2000);   /* literals cut to their first bytes */
	check_scan_finds_all(30, 4, "ab(),.;:!?/[]{}<>@#$%^&*-_+=~|\"'`0123456789", 2500); /* shared columns */
	check_scan_finds_all(4000, 8, "abcdefghijklmnopqrstuvwxyz", 4000); /* a large (32-bit) table */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_runs),
		cmocka_unit_test(test_literal_non_ascii),
		cmocka_unit_test(test_literal_alternations),
		cmocka_unit_test(test_literal_give_up),
		cmocka_unit_test(test_litset_scan),
		cmocka_unit_test(test_never_misses_a_match),
		cmocka_unit_test(test_literal_repeats_and_short),
		cmocka_unit_test(test_first_bytes),
		cmocka_unit_test(test_first_bytes_never_miss),
		cmocka_unit_test(test_litset_scan_at_finds_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
