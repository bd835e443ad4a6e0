/* test_fingerprint.c — quote k-grams and near-duplicate signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/fingerprint.h"
#include "dedup/test_fixtures.h"

/* Do two quotes share a fingerprint? */
static bool quotes_match(const char *a, const char *b)
{
	wn_words wa, wb;
	uint64_t *ga, *gb;
	size_t na, nb;
	assert_int_equal(wn_norm_words(a, strlen(a), &wa), 0);
	assert_int_equal(wn_norm_words(b, strlen(b), &wb), 0);
	assert_int_equal(wn_fp_quote_grams(&wa, &ga, &na), 0);
	assert_int_equal(wn_fp_quote_grams(&wb, &gb, &nb), 0);
	bool shared = false;
	for (size_t i = 0, j = 0; i < na && j < nb;) { /* both sorted */
		if (ga[i] == gb[j]) {
			shared = true;
			break;
		}
		if (ga[i] < gb[j])
			i++;
		else
			j++;
	}
	wn_words_free(&wa);
	wn_words_free(&wb);
	free(ga);
	free(gb);
	return shared;
}

static void variants_match(void **state)
{
	(void)state;
	assert_true(quotes_match(
		"We’re not going to put a single walker on that deck until every hinge is tested",
		"we are not going to put a single walker on that deck until every hinge is tested"));
	/* dashes and their spacing, brackets, case */
	assert_true(quotes_match("avoid mistakes and not — strike the word — there are ways",
				 "Avoid mistakes and not –strike the word– there are ways"));
	assert_true(quotes_match("whatever they [the council] do is collateral and on their own",
				 "Whatever they do is collateral and on their own"));
	assert_true(quotes_match("open to talks if there's something useful that can be offered",
				 "Open to talks if there is something useful that can be offered"));
}

static void partial_quotes(void **state)
{
	(void)state;
	const char *full = "I wouldn't rule out anything that would be useful to bringing real calm "
			   "to the harbour.";
	/* a fragment of seven words of the longer quote matches it */
	assert_true(quotes_match(full, "rule out anything that would be useful"));
	/* six shared words are not enough: the guarantee starts at seven */
	assert_false(quotes_match(full, "out anything that would be useful"));
	assert_false(quotes_match(full, "we may rule out anything that would be harmful"));
}

static void generic_phrases_do_not_match(void **state)
{
	(void)state;
	/* short generic phrases give no fingerprint at all */
	wn_words w;
	uint64_t *g;
	size_t n;
	const char *p = "we are not going to";
	assert_int_equal(wn_norm_words(p, strlen(p), &w), 0);
	assert_int_equal(wn_fp_quote_grams(&w, &g, &n), 0);
	assert_int_equal(n, 0);
	assert_null(g);
	wn_words_free(&w);
	/* a longer shared run made of function words alone does not match */
	assert_false(quotes_match("And when it comes to the port, we’re not going to be working "
				  "with them on this.",
				  "Our answer stays the same: we are not going to be working with "
				  "them, as we said."));
	/* distinct quotes on one subject do not match */
	assert_false(quotes_match(
		"We have cut less than half of what we would normally put in the barn",
		"We’re not going to put a single walker on that deck until every hinge is tested"));
}

static void sig_of(const char *text, wn_body_sig *sig)
{
	wn_words w;
	assert_int_equal(wn_norm_words(text, strlen(text), &w), 0);
	assert_int_equal(wn_fp_body(&w, sig), 0);
	wn_words_free(&w);
}

static void near_duplicates(void **state)
{
	(void)state;
	wn_body_sig orig, synd, same_event, unrelated, again;
	sig_of(story_original, &orig);
	sig_of(story_syndicated, &synd);
	sig_of(story_same_event, &same_event);
	sig_of(story_unrelated, &unrelated);
	sig_of(story_original, &again);
	assert_true(orig.comparable && synd.comparable && same_event.comparable);
	/* exact: the same words give the same 128-bit fingerprint */
	assert_memory_equal(orig.exact, again.exact, 16);
	assert_memory_not_equal(orig.exact, synd.exact, 16);
	/* syndicated copy: other headline, light edits, cut ending, other footer */
	double c = wn_fp_containment(&orig, &synd);
	assert_true(c >= WN_NEAR_CONTAINMENT);
	assert_true(wn_fp_near_duplicate(&orig, &synd));
	assert_true(wn_fp_near_duplicate(&synd, &orig));
	/* the same event told by another outlet, sharing quotes: not a duplicate */
	assert_true(wn_fp_containment(&orig, &same_event) < 0.3);
	assert_false(wn_fp_near_duplicate(&orig, &same_event));
	assert_false(wn_fp_near_duplicate(&synd, &same_event));
	assert_false(wn_fp_near_duplicate(&orig, &unrelated));
	/* candidates: the copy shares LSH bands with the original */
	uint64_t bo[WN_BANDS], bs[WN_BANDS];
	wn_fp_bands(&orig, bo);
	wn_fp_bands(&synd, bs);
	int shared = 0;
	for (int i = 0; i < WN_BANDS; i++)
		shared += bo[i] == bs[i];
	assert_true(shared >= 1);
	/* too short to compare */
	wn_body_sig tiny;
	sig_of("Only a handful of words here.", &tiny);
	assert_false(tiny.comparable);
	assert_false(wn_fp_near_duplicate(&tiny, &tiny));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(variants_match),
		cmocka_unit_test(partial_quotes),
		cmocka_unit_test(generic_phrases_do_not_match),
		cmocka_unit_test(near_duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
