/* test_normalise.c — text normalised for matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/normalise.h"

static void expect_norm(const char *in, const char *want)
{
	char *got = wn_norm_text(in, strlen(in));
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void case_quotes_dashes_ellipses(void **state)
{
	(void)state;
	expect_norm("“Hold the LINE,” she said…", "hold the line she said");
	expect_norm("and not — strike that", "and not strike that");
	expect_norm("and not –strike that", "and not strike that");
	expect_norm("and not - strike that", "and not strike that");
	expect_norm("and not--strike that", "and not strike that");
	expect_norm("ways to help… so we wait", "ways to help so we wait");
	expect_norm("ways to help... so we wait", "ways to help so we wait");
	expect_norm("", "");
	expect_norm("— … —", "");
}

static void contractions(void **state)
{
	(void)state;
	expect_norm("there's a way", "there is a way");
	expect_norm("There’s a way", "there is a way");
	expect_norm("We're ready, we’ve said", "we are ready we have said");
	expect_norm("I'm sure they'll go, you'd think", "i am sure they will go you would think");
	expect_norm("don't, wouldn’t, can't, won't, cannot", "do not would not can not will not can not");
	expect_norm("let's see", "let us see");
	/* a possessive 's is dropped, a plain apostrophe inside a word removed */
	expect_norm("the council's plan", "the council plan");
	expect_norm("Shi’ite and Shi'ite and Shiite", "shiite and shiite and shiite");
	expect_norm("the hauliers’ lorries", "the hauliers lorries");
}

static void brackets_digits_accents(void **state)
{
	(void)state;
	expect_norm("Whatever they [the council] do", "whatever they do");
	expect_norm("an [unclosed bracket stays", "an unclosed bracket stays");
	expect_norm("2,000 troops and 3.5 per cent", "2000 troops and 3.5 per cent");
	expect_norm("Café CRÈME", "cafe creme");
	expect_norm("ﬁne", "fine"); /* compatibility ligature */
	/* invalid UTF-8 does not stop it */
	expect_norm("ok \xff fine", "ok fine");
}

static void words_and_content(void **state)
{
	(void)state;
	wn_words a, b;
	const char *x = "We’re not going to coordinate";
	const char *y = "we are NOT going to — coordinate";
	assert_int_equal(wn_norm_words(x, strlen(x), &a), 0);
	assert_int_equal(wn_norm_words(y, strlen(y), &b), 0);
	assert_int_equal(a.n, 6);
	assert_int_equal(b.n, 6);
	assert_memory_equal(a.hash, b.hash, 6 * sizeof(uint64_t));
	/* only "coordinate" carries content */
	for (size_t i = 0; i < 5; i++)
		assert_false(a.content[i]);
	assert_true(a.content[5]);
	wn_words_free(&a);
	wn_words_free(&b);
	assert_true(wn_norm_stopword("the", 3));
	assert_true(wn_norm_stopword("going", 5));
	assert_false(wn_norm_stopword("hinge", 5));
	assert_false(wn_norm_stopword("averyveryverylongword", 21));
	assert_true(wn_norm_stopword("a", 1));
	assert_true(wn_norm_stopword("between", 7)); /* the longest */
	assert_true(wn_norm_stopword("yours", 5));
	assert_false(wn_norm_stopword("yourse", 6));
	assert_false(wn_norm_stopword("thes", 4));
	assert_false(wn_norm_stopword("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_quotes_dashes_ellipses),
		cmocka_unit_test(contractions),
		cmocka_unit_test(brackets_digits_accents),
		cmocka_unit_test(words_and_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
