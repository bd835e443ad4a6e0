/* fuzz_norm.c — libFuzzer harness: text normalised for matching
 * (dedup/normalise.h) and the fingerprints of its words.
 *
 * Input: any bytes (quotes and bodies are valid UTF-8, but the normaliser
 * takes any). Checks that the fast normaliser reads exactly what the plain
 * one of dedup/normalise_ref_test.h reads: the same text, the same word
 * hashes and content flags; and that a body signature and quote grams
 * can be computed from those words.
 */
#include <stdint.h>

#include "dedup/fingerprint.h"
#include "dedup/normalise.h"
#include "dedup/normalise_ref_test.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *got = wn_norm_text(s, size), *want = ref_norm_text(s, size);
	FUZZ_CHECK(got && want);
	FUZZ_CHECK(strcmp(got, want) == 0);
	free(got);
	free(want);
	wn_words w, r;
	FUZZ_CHECK(wn_norm_words(s, size, &w) == 0);
	FUZZ_CHECK(ref_norm_words(s, size, &r) == 0);
	FUZZ_CHECK(w.n == r.n);
	FUZZ_CHECK(w.n == 0 || !memcmp(w.hash, r.hash, w.n * sizeof *w.hash));
	FUZZ_CHECK(w.n == 0 || !memcmp(w.content, r.content, w.n * sizeof *w.content));
	wn_body_sig sig;
	FUZZ_CHECK(wn_fp_body(&w, &sig) == 0);
	FUZZ_CHECK(sig.comparable == (w.n >= WN_DEDUP_MIN_WORDS));
	uint64_t *grams;
	size_t n;
	FUZZ_CHECK(wn_fp_quote_grams(&w, &grams, &n) == 0);
	for (size_t i = 1; i < n; i++)
		FUZZ_CHECK(grams[i - 1] < grams[i]);
	free(grams);
	wn_words_free(&w);
	wn_words_free(&r);
	return 0;
}
