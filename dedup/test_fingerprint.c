/* test_fingerprint.c — quote k-grams and near-duplicate signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xxhash.h>

#include "dedup/fingerprint.h"
#include "dedup/test_fixtures.h"

/* The signature of story_original and the grams of one of its quotes, as
 * winnow has always computed them (signature_is_stable). */
#define SHINGLES_PINNED 351
#define SIG_PINNED 0x2d668369d4f23c8cull
#define BANDS_PINNED 0x20859e0c41bff9efull
#define WORDS_PINNED 0xa77dda2e4bfd0970ull
#define GRAMS_PINNED 0x32c372fce44f590aull

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

/* ---- the plain algorithms, as first written: the fast ones must agree ---- */

static int ref_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t ref_sort_unique(uint64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof *v, ref_cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	return u;
}

static uint64_t ref_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Every shingle hashed, sorted and made unique, then each hash function's
 * minimum over them one function at a time. */
static void ref_fp_body(const wn_words *w, wn_body_sig *sig)
{
	memset(sig, 0, sizeof *sig);
	if (w->n < WN_DEDUP_MIN_WORDS)
		return;
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(w->hash, w->n * sizeof(uint64_t)));
	memcpy(sig->exact, c.digest, 16);
	size_t all = w->n - WN_SHINGLE + 1;
	uint64_t *sh = malloc(all * sizeof *sh);
	assert_non_null(sh);
	for (size_t i = 0; i < all; i++)
		sh[i] = XXH3_64bits(w->hash + i, WN_SHINGLE * sizeof(uint64_t));
	size_t cnt = ref_sort_unique(sh, all);
	uint64_t s = 0x77696E6E6F77ull;
	for (int j = 0; j < WN_MINHASH; j++) {
		uint64_t a = ref_splitmix(&s) | 1, b = ref_splitmix(&s);
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < cnt; i++) {
			uint32_t v = (uint32_t)((a * sh[i] + b) >> 32);
			m = v < m ? v : m;
		}
		sig->minhash[j] = m;
	}
	free(sh);
	sig->shingles = (uint32_t)cnt;
	sig->comparable = true;
}

/* The k-grams with enough content words, hashed, sorted and made unique. */
static size_t ref_quote_grams(const wn_words *w, uint64_t *g)
{
	size_t m = 0;
	for (size_t i = 0; i + WN_QUOTE_GRAM <= w->n; i++) {
		size_t content = 0;
		for (size_t j = i; j < i + WN_QUOTE_GRAM; j++)
			content += w->content[j];
		if (content >= WN_QUOTE_MIN_CONTENT)
			g[m++] = XXH3_64bits(w->hash + i, WN_QUOTE_GRAM * sizeof(uint64_t));
	}
	return ref_sort_unique(g, m);
}

static uint32_t rnd_state = 99;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Words of a generated body: n hashes drawn from a vocabulary of v (small
 * v: many repeated shingles), now and then a run copied from earlier (a
 * repeated paragraph), content flags at random. */
static void gen_words(wn_words *w, size_t n, size_t v)
{
	w->n = n;
	w->hash = malloc((n ? n : 1) * sizeof *w->hash);
	w->content = malloc(n ? n : 1);
	assert_non_null(w->hash);
	assert_non_null(w->content);
	for (size_t i = 0; i < n; i++) {
		uint32_t r = rnd() % 100;
		if (r < 3 && i > 20) { /* a copied run */
			size_t from = rnd() % (i - 10), len = 5 + rnd() % 40;
			for (size_t k = 0; k < len && i < n; k++, i++) {
				w->hash[i] = w->hash[from + k];
				w->content[i] = w->content[from + k];
			}
			i--;
			continue;
		}
		uint64_t word = rnd() % v;
		w->hash[i] = word == 0 ? 0 : word * 0x9E3779B97F4A7C15ull; /* 0 is a hash too */
		w->content[i] = rnd() % 3 != 0;
	}
}

static void same_as_reference(void **state)
{
	(void)state;
	/* edges: no k-gram, no shingle, the smallest comparable body, the
	 * largest quote sorted without qsort (48 grams) and the next, the
	 * largest body with the sparse set and the next */
	static const size_t sizes[] = {0, 1, 6, 7, 8, 19, 20, 21, 24, 54, 55, 100, 1000, 65540, 65541};
	enum { NSIZES = sizeof sizes / sizeof sizes[0] };
	uint64_t *want = malloc(65541 * sizeof *want);
	assert_non_null(want);
	for (int round = 0; round < 260; round++) {
		size_t n = round < 4 * NSIZES ? sizes[round % NSIZES] : rnd() % (round % 2 ? 3000 : 80);
		size_t v = round % 4 == 0 ? 1 + rnd() % 8 : 1 + rnd() % 5000;
		wn_words w;
		gen_words(&w, n, v);
		wn_body_sig got, ref;
		assert_int_equal(wn_fp_body(&w, &got), 0);
		ref_fp_body(&w, &ref);
		assert_memory_equal(&got, &ref, sizeof got);
		uint64_t bg[WN_BANDS], br[WN_BANDS];
		wn_fp_bands(&got, bg);
		wn_fp_bands(&ref, br);
		assert_memory_equal(bg, br, sizeof bg);
		uint64_t *g;
		size_t ng;
		assert_int_equal(wn_fp_quote_grams(&w, &g, &ng), 0);
		size_t nw = ref_quote_grams(&w, want);
		assert_int_equal(ng, nw);
		if (nw)
			assert_memory_equal(g, want, nw * sizeof *g);
		else
			assert_null(g);
		free(g);
		wn_words_free(&w);
	}
	free(want);
}

/* Signatures are stored in users' state: these values must never change. */
static void signature_is_stable(void **state)
{
	(void)state;
	wn_body_sig sig;
	sig_of(story_original, &sig);
	uint64_t bands[WN_BANDS];
	wn_fp_bands(&sig, bands);
	assert_int_equal(sig.shingles, SHINGLES_PINNED);
	assert_int_equal(XXH3_64bits(&sig, sizeof sig), SIG_PINNED);
	assert_int_equal(XXH3_64bits(bands, sizeof bands), BANDS_PINNED);
	uint64_t *g;
	size_t n;
	wn_words w;
	const char *q = "We’re not going to put a single walker on that deck until every hinge has "
			"been tested under a full spring tide";
	assert_int_equal(wn_norm_words(q, strlen(q), &w), 0);
	assert_int_equal(XXH3_64bits(w.hash, w.n * sizeof *w.hash), WORDS_PINNED);
	assert_int_equal(wn_fp_quote_grams(&w, &g, &n), 0);
	assert_int_equal(XXH3_64bits(g, n * sizeof *g), GRAMS_PINNED);
	free(g);
	wn_words_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(variants_match),
		cmocka_unit_test(partial_quotes),
		cmocka_unit_test(generic_phrases_do_not_match),
		cmocka_unit_test(near_duplicates),
		cmocka_unit_test(same_as_reference),
		cmocka_unit_test(signature_is_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
