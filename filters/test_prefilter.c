/* Unit tests: required literals of patterns and the Aho-Corasick set. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	};
	static const char *subjects[] = {
		"Get it Right In Your Inbox today", "SUBSCRIBE now", "sign up for more", "coloured text here",
		"color text", "POWERED   BY someone", "* Twitter", "- Email:", "abbcccdef", "nothing at all",
		"e-mail", "rightin your inbox",
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_runs),
		cmocka_unit_test(test_literal_alternations),
		cmocka_unit_test(test_literal_give_up),
		cmocka_unit_test(test_litset_scan),
		cmocka_unit_test(test_never_misses_a_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
