/* test_chromewin.c — one outlet's chrome window in memory (chromewin.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/chromewin.h"

static uint64_t *keys_of(const uint64_t *k, size_t n)
{
	uint64_t *v = malloc((n ? n : 1) * sizeof *v);
	if (n)
		memcpy(v, k, n * sizeof *v);
	return v;
}

/* Counts are over the last W pages: the oldest page leaves as one comes. */
static void window_slides(void **state)
{
	(void)state;
	wn_chromewin *w;
	assert_int_equal(wn_chromewin_new(3, &w), 0);
	const uint64_t a[] = {1, 2, 3}, b[] = {2, 3}, c[] = {3}, d[] = {4};
	assert_int_equal(wn_chromewin_push(w, 10, keys_of(a, 3), 3), 0);
	assert_int_equal(wn_chromewin_push(w, 11, keys_of(b, 2), 2), 0);
	assert_int_equal(wn_chromewin_push(w, 12, keys_of(c, 1), 1), 0);
	assert_int_equal(wn_chromewin_count(w, 1), 1);
	assert_int_equal(wn_chromewin_count(w, 2), 2);
	assert_int_equal(wn_chromewin_count(w, 3), 3);
	assert_int_equal(wn_chromewin_push(w, 13, keys_of(d, 1), 1), 0); /* page 10 leaves */
	assert_int_equal(wn_chromewin_pages(w), 3);
	assert_int_equal(wn_chromewin_last_cseq(w), 13);
	assert_int_equal(wn_chromewin_count(w, 1), 0);
	assert_int_equal(wn_chromewin_count(w, 2), 1);
	assert_int_equal(wn_chromewin_count(w, 3), 2);
	assert_int_equal(wn_chromewin_count(w, 4), 1);
	assert_int_equal(wn_chromewin_push(w, 14, keys_of(NULL, 0), 0), 0); /* an empty page */
	assert_int_equal(wn_chromewin_count(w, 2), 0);
	wn_chromewin_free(w);
}

/* Against a plain recount, with many keys coming and going (the counts
 * table deletes without tombstones). */
static void counts_match_a_recount(void **state)
{
	(void)state;
	enum { W = 20, PAGES = 3000, KEYS = 40 };
	wn_chromewin *w;
	assert_int_equal(wn_chromewin_new(W, &w), 0);
	wn_chromewin_prefetch(w, 42); /* on an empty window too */
	assert_int_equal(wn_chromewin_count(w, 42), 0);
	static uint64_t pages[PAGES][KEYS];
	uint64_t rng = 12345;
	for (size_t p = 0; p < PAGES; p++) {
		for (size_t k = 0; k < KEYS; k++) { /* distinct: a few shared, most not */
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			pages[p][k] = k < 5 ? (rng >> 60) * 1000 + k : (rng | 1) * (k + 1);
		}
		for (size_t k = 0; k < KEYS; k++) /* drop repeats within the page */
			for (size_t j = 0; j < k; j++)
				if (pages[p][j] == pages[p][k])
					pages[p][k] = (uint64_t)p << 32 | k;
		assert_int_equal(wn_chromewin_push(w, (int64_t)p + 1, keys_of(pages[p], KEYS), KEYS), 0);
		if (p % 97 != 0)
			continue;
		size_t from = p + 1 >= W ? p + 1 - W : 0;
		for (size_t q = from; q <= p; q++)
			for (size_t k = 0; k < KEYS; k++) {
				unsigned want = 0;
				for (size_t r = from; r <= p; r++)
					for (size_t j = 0; j < KEYS; j++)
						want += pages[r][j] == pages[q][k];
				wn_chromewin_prefetch(w, pages[q][k]); /* a hint: changes no count */
				assert_int_equal(wn_chromewin_count(w, pages[q][k]), want);
			}
		assert_int_equal(wn_chromewin_count(w, pages[from > 0 ? from - 1 : 0][7]),
				 from > 0 ? 0 : 1);
	}
	wn_chromewin_free(w);
}

static void chrome_lines(void **state)
{
	(void)state;
	wn_chromewin *w;
	assert_int_equal(wn_chromewin_new(5, &w), 0);
	for (uint64_t k = 1; k <= 100; k++)
		assert_int_equal(wn_chromewin_add_line(w, k * 7919, (int64_t)k, 3), 0);
	for (uint64_t k = 1; k <= 100; k++) {
		wn_chrome_line *l = wn_chromewin_line(w, k * 7919);
		assert_non_null(l);
		assert_int_equal(l->since, k);
	}
	assert_null(wn_chromewin_line(w, 5));
	size_t n;
	wn_chrome_line *all = wn_chromewin_lines(w, &n);
	assert_int_equal(n, 100);
	assert_int_equal(all[0].key, 7919);
	assert_true(wn_chromewin_bytes(w) > 100 * sizeof(wn_chrome_line));
	wn_chromewin_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_slides),
		cmocka_unit_test(counts_match_a_recount),
		cmocka_unit_test(chrome_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
