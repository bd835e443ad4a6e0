/* test_records.c — the index's records of articles and quotes, and quote
 * clusters followed through merges exactly as the store's UPDATEs move them
 * (property test against a model of the store's rows). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dedup/records.h"

static void articles_kept_by_seq(void **state)
{
	(void)state;
	wn_records r = {0};
	wn_records_reset(&r, 100, 1);
	assert_null(wn_records_article(&r, 100));
	assert_int_equal(wn_records_set_article(&r, 105, "00ff1234abcd9876", 7, false), 0);
	assert_int_equal(wn_records_set_article(&r, 3000, NULL, 0, true), 0);
	const wn_art_rec *a = wn_records_article(&r, 105);
	assert_non_null(a);
	assert_int_equal(a->state, WN_REC_KNOWN);
	assert_int_equal(a->outlet, 7);
	char id[17];
	wn_records_id_text(a, id);
	assert_string_equal(id, "00ff1234abcd9876");
	assert_int_equal(wn_records_article(&r, 104)->state, WN_REC_UNKNOWN);
	assert_int_equal(wn_records_article(&r, 3000)->state, WN_REC_ABSENT);
	assert_null(wn_records_article(&r, 3001));
	/* below the range, or an id that would not read back the same: not kept */
	assert_int_equal(wn_records_set_article(&r, 99, "00ff1234abcd9876", 7, false), 0);
	assert_null(wn_records_article(&r, 99));
	static const char *const odd[] = {"00FF1234ABCD9876", "00ff1234abcd987", "00ff1234abcd98765",
					  "", "00ff1234abcd987g"};
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		assert_int_equal(wn_records_set_article(&r, 200, odd[i], 1, false), 0);
		assert_int_equal(wn_records_article(&r, 200)->state, WN_REC_UNKNOWN);
	}
	wn_records_reset(&r, 1, 1);
	assert_null(wn_records_article(&r, 105));
	wn_records_free(&r);
}

static void quotes_kept_with_grams(void **state)
{
	(void)state;
	wn_records r = {0};
	wn_records_reset(&r, 1, 10);
	uint64_t g[3] = {5, UINT64_MAX - 1, UINT64_MAX};
	assert_int_equal(wn_records_set_quote(&r, 12, 4, 11, g, 3), 0);
	assert_int_equal(wn_records_set_quote(&r, 13, 0, 0, NULL, 0), 0); /* absent */
	assert_int_equal(wn_records_set_quote(&r, 9, 4, 9, g, 3), 0);     /* below: not kept */
	assert_null(wn_records_quote(&r, 9));
	assert_null(wn_records_quote(&r, 11));
	const wn_quote_rec *q = wn_records_quote(&r, 12);
	assert_non_null(q);
	assert_int_equal(q->seq, 4);
	assert_int_equal(q->ngrams, 3);
	assert_memory_equal(wn_records_grams(&r, q), g, sizeof g);
	assert_int_equal(wn_records_quote(&r, 13)->seq, UINT32_MAX);
	wn_records_forget_quotes(&r);
	assert_null(wn_records_quote(&r, 12));
	wn_records_free(&r);
}

/* ---- clusters: a model of the store's quote rows ---- */

#define MAXQ 4000

static uint32_t literal[MAXQ]; /* the cluster column of quote qid (0: no row) */

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Every remembered quote reads as the store holds it. */
static void check(const wn_records *r, uint32_t nq)
{
	for (uint32_t q = 1; q < nq; q++) {
		const wn_quote_rec *rec = wn_records_quote(r, q);
		if (rec)
			assert_int_equal(wn_records_cluster(r, rec->cluster), literal[q]);
	}
}

static void clusters_follow_the_store(void **state)
{
	(void)state;
	wn_records r = {0};
	wn_records_reset(&r, 1, 1);
	uint64_t gram = 1;
	uint32_t next = 1;
	for (int article = 0; next + 4 < MAXQ; article++) {
		/* 1-4 quotes, each joining 0-3 earlier quotes' clusters (as
		 * read: through the records, or from the store) */
		uint32_t n = 1 + rnd(4), qid[4], cluster[4], merge[4][3], nmerge[4];
		for (uint32_t i = 0; i < n; i++) {
			qid[i] = next++;
			cluster[i] = qid[i];
			nmerge[i] = next > 2 * n ? rnd(4) : 0;
			for (uint32_t k = 0; k < nmerge[i]; k++) {
				/* mostly recent quotes: the quotes of one article
				 * often join the same clusters */
				uint32_t back = qid[0] - 1 < 12 || rnd(4) == 0 ? qid[0] - 1 : 12;
				uint32_t other = qid[0] - 1 - rnd(back);
				const wn_quote_rec *rec = wn_records_quote(&r, other);
				merge[i][k] = rec ? wn_records_cluster(&r, rec->cluster) : literal[other];
				if (merge[i][k] < cluster[i])
					cluster[i] = merge[i][k];
			}
		}
		/* the store: rows in, then the merges in order */
		for (uint32_t i = 0; i < n; i++)
			literal[qid[i]] = cluster[i];
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t k = 0; k < nmerge[i]; k++)
				if (merge[i][k] != cluster[i])
					for (uint32_t q = 1; q < next; q++)
						if (literal[q] == merge[i][k])
							literal[q] = cluster[i];
		/* memory, the same way */
		for (uint32_t i = 0; i < n; i++) {
			gram++;
			assert_int_equal(wn_records_set_quote(&r, qid[i], (uint32_t)article + 1, cluster[i],
							      &gram, 1),
					 0);
		}
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t k = 0; k < nmerge[i]; k++)
				if (merge[i][k] != cluster[i])
					assert_int_equal(wn_records_merge(&r, merge[i][k], cluster[i]), 0);
		/* now and then a quote is read from the store */
		uint32_t q = 1 + rnd(next - 1);
		if (!wn_records_quote(&r, q)) {
			gram++;
			assert_int_equal(wn_records_set_quote(&r, q, 1, literal[q], &gram, 1), 0);
		}
		check(&r, next);
	}
	wn_records_free(&r);
}

static void merge_links_only_go_down(void **state)
{
	(void)state;
	wn_records r = {0};
	wn_records_reset(&r, 1, 1);
	assert_int_equal(wn_records_merge(&r, 5, 5), -EINVAL);
	assert_int_equal(wn_records_merge(&r, 5, 9), -EINVAL);
	assert_int_equal(wn_records_merge(&r, 0, 0), -EINVAL);
	assert_int_equal(wn_records_merge(&r, 9, 5), 0);
	assert_int_equal(wn_records_merge(&r, 5, 2), 0);
	assert_int_equal(wn_records_cluster(&r, 9), 2);
	assert_int_equal(wn_records_cluster(&r, 7), 7);
	wn_records_free(&r);
}

static void recent_signatures(void **state)
{
	(void)state;
	wn_records r = {0};
	wn_records_reset(&r, 1, 1);
	assert_null(wn_records_sig(&r, 5));
	wn_body_sig sig = {.comparable = true, .shingles = 40};
	for (int i = 0; i < WN_MINHASH; i++)
		sig.minhash[i] = (uint32_t)i * 7u;
	sig.exact[3] = 9;
	assert_int_equal(wn_records_put_sig(&r, 5, &sig, 2), 0);
	const wn_sig_slot *s = wn_records_sig(&r, 5);
	assert_non_null(s);
	assert_int_equal(s->canonical, 2);
	assert_true(s->sig.comparable);
	assert_int_equal(s->sig.shingles, 40);
	assert_memory_equal(s->sig.minhash, sig.minhash, sizeof sig.minhash);
	assert_memory_equal(s->sig.exact, sig.exact, 16);
	/* not comparable: read back as a row without fingerprints */
	wn_body_sig short_body = {.comparable = false, .shingles = 3};
	short_body.exact[0] = 1;
	assert_int_equal(wn_records_put_sig(&r, 6, &short_body, 6), 0);
	s = wn_records_sig(&r, 6);
	assert_false(s->sig.comparable);
	assert_int_equal(s->sig.shingles, 0);
	assert_int_equal(s->sig.exact[0], 0);
	/* a seq WN_RECORDS_SIGS later takes the slot */
	assert_int_equal(wn_records_put_sig(&r, 5 + WN_RECORDS_SIGS, &sig, 5 + WN_RECORDS_SIGS), 0);
	assert_null(wn_records_sig(&r, 5));
	assert_non_null(wn_records_sig(&r, 5 + WN_RECORDS_SIGS));
	assert_int_equal(wn_records_put_sig(&r, 0, &sig, 0), -EINVAL);
	wn_records_reset(&r, 1, 1);
	assert_null(wn_records_sig(&r, 6));
	wn_records_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(articles_kept_by_seq),
		cmocka_unit_test(quotes_kept_with_grams),
		cmocka_unit_test(clusters_follow_the_store),
		cmocka_unit_test(merge_links_only_go_down),
		cmocka_unit_test(recent_signatures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
