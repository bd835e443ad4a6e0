/* test_tagtab.c — the in-memory candidate tables (tagtab.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/tagtab.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t find_all(const wn_tagtab *t, uint64_t h, uint32_t *out, size_t max)
{
	wn_tagtab_iter it;
	uint32_t v;
	size_t n = 0;
	for (wn_tagtab_find(t, h, &it); wn_tagtab_next(&it, &v);)
		if (n < max)
			out[n++] = v;
	return n;
}

static bool holds(const wn_tagtab *t, uint64_t h, uint32_t v)
{
	uint32_t got[64];
	size_t n = find_all(t, h, got, 64);
	for (size_t i = 0; i < n; i++)
		if (got[i] == v)
			return true;
	return false;
}

/* Every value comes back under its hash, through growth and a bulk load,
 * and a hash never stored finds (almost) nothing. */
static void add_find_grow(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint64_t *h = malloc(N * sizeof *h);
	wn_tagtab *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	for (size_t i = 0; i < N; i++) {
		h[i] = next_rand();
		assert_int_equal(wn_tagtab_add(a, h[i], (uint32_t)i + 1), 0);
	}
	assert_int_equal(wn_tagtab_stage_hint(b, N / 2), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(wn_tagtab_stage(b, h[i], (uint32_t)i + 1), 0);
	assert_false(holds(b, h[0], 1)); /* staged is not found yet */
	assert_int_equal(wn_tagtab_settle(b), 0);
	assert_int_equal(a->count, N);
	assert_int_equal(b->count, N);
	for (size_t i = 0; i < N; i++) {
		assert_true(holds(a, h[i], (uint32_t)i + 1));
		assert_true(holds(b, h[i], (uint32_t)i + 1));
	}
	size_t stray = 0;
	uint32_t got[64];
	for (size_t i = 0; i < 10000; i++)
		stray += find_all(a, next_rand(), got, 64);
	assert_true(stray < 5); /* 44 bits of 200k entries: ~1e-7 a lookup */
	/* at most 80% full, and no worse than half empty on average */
	assert_true(wn_tagtab_bytes(a) >= N * sizeof(wn_tagslot) * 5 / 4);
	assert_true(wn_tagtab_bytes(a) <= N * sizeof(wn_tagslot) * 2);
	assert_int_equal(wn_tagtab_add(a, 1, 0), -EINVAL);
	wn_tagtab_free(a);
	wn_tagtab_free(b);
	free(a);
	free(b);
	free(h);
}

/* Hashes that differ only outside the kept 44 bits collide: the table
 * returns the other's value, which is why every hit is a candidate that
 * the index verifies against the store. */
static void tag_collisions_are_candidates(void **state)
{
	(void)state;
	wn_tagtab *t = calloc(1, sizeof *t);
	uint64_t x = 0xABC0000012345678ull;
	uint64_t y = 0xABC00FFF12345678ull; /* same shard bits, same low 32 bits */
	uint64_t z = 0xABD0000012345678ull; /* another shard */
	assert_int_equal(wn_tagtab_add(t, x, 7), 0);
	assert_true(holds(t, y, 7));
	assert_false(holds(t, z, 7));
	assert_false(holds(t, x ^ 1, 7));
	/* the same pair twice is kept twice; several values under one hash */
	assert_int_equal(wn_tagtab_add(t, x, 7), 0);
	assert_int_equal(wn_tagtab_add(t, x, 9), 0);
	uint32_t got[8];
	assert_int_equal(find_all(t, x, got, 8), 3);
	wn_tagtab_free(t);
	free(t);
}

/* Expiry and undo drop values outside a range; the rest stays findable. */
static void keep_range(void **state)
{
	(void)state;
	wn_tagtab *t = calloc(1, sizeof *t);
	enum { N = 400000, OLD = 360000 };
	uint64_t *h = malloc(N * sizeof *h);
	for (size_t i = 0; i < N; i++) {
		h[i] = next_rand();
		assert_int_equal(wn_tagtab_add(t, h[i], (uint32_t)i + 1), 0);
	}
	size_t before = wn_tagtab_bytes(t);
	assert_int_equal(wn_tagtab_keep_range(t, OLD + 1, UINT32_MAX), 0);
	assert_int_equal(t->count, N - OLD);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(holds(t, h[i], (uint32_t)i + 1), i >= OLD);
	assert_true(wn_tagtab_bytes(t) < before / 2); /* the sweep compacts */
	assert_int_equal(wn_tagtab_keep_range(t, 1, OLD + 5001), 0);
	assert_int_equal(t->count, 5000);
	wn_tagtab_free(t);
	free(t);
	free(h);
}

/* An image in memory, for save/load. */
typedef struct {
	unsigned char *p;
	size_t n, cap, at;
} image;

static int img_write(void *ctx, const void *p, size_t n)
{
	image *m = ctx;
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->n, p, n);
	m->n += n;
	return 0;
}

static int img_read(void *ctx, void *p, size_t n)
{
	image *m = ctx;
	if (m->at + n > m->n)
		return -EILSEQ;
	memcpy(p, m->p + m->at, n);
	m->at += n;
	return 0;
}

/* A bulk load lands in one arena; its image loads back into a table that
 * finds the same, keeps growing (shards leave the arena) and compacts. */
static void image_round_trip(void **state)
{
	(void)state;
	enum { N = 100000 };
	uint64_t *h = malloc(2 * N * sizeof *h);
	wn_tagtab *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	for (size_t i = 0; i < N; i++) {
		h[i] = next_rand();
		assert_int_equal(wn_tagtab_stage(a, h[i], (uint32_t)i + 1), 0);
	}
	assert_int_equal(wn_tagtab_settle(a), 0);
	assert_non_null(a->arena); /* sized once, in one piece */
	assert_int_equal(a->arena_bytes, wn_tagtab_bytes(a));
	image m = {0};
	assert_int_equal(wn_tagtab_save(a, img_write, &m), 0);
	assert_int_equal(m.n, wn_tagtab_image_bytes(a));
	assert_int_equal(wn_tagtab_load(b, m.n, img_read, &m), 0);
	assert_int_equal(m.at, m.n);
	assert_int_equal(b->count, N);
	assert_int_equal(wn_tagtab_bytes(b), wn_tagtab_bytes(a));
	for (size_t i = 0; i < N; i++)
		assert_true(holds(b, h[i], (uint32_t)i + 1));
	/* growing past 80% moves shards out of the arena, which goes with the last */
	for (size_t i = N; i < 2 * N; i++) {
		h[i] = next_rand();
		assert_int_equal(wn_tagtab_add(b, h[i], (uint32_t)i + 1), 0);
	}
	assert_null(b->arena);
	for (size_t i = 0; i < 2 * N; i++)
		assert_true(holds(b, h[i], (uint32_t)i + 1));
	/* an empty table's image is an empty table */
	wn_tagtab *e = calloc(1, sizeof *e), *e2 = calloc(1, sizeof *e2);
	image em = {0};
	assert_int_equal(wn_tagtab_save(e, img_write, &em), 0);
	assert_int_equal(wn_tagtab_load(e2, em.n, img_read, &em), 0);
	assert_int_equal(e2->count, 0);
	assert_false(holds(e2, h[0], 1));
	assert_int_equal(wn_tagtab_add(e2, h[0], 1), 0);
	assert_true(holds(e2, h[0], 1));
	/* compacting a loaded table frees the arena too */
	wn_tagtab *c = calloc(1, sizeof *c);
	m.at = 0;
	assert_int_equal(wn_tagtab_load(c, m.n, img_read, &m), 0);
	assert_int_equal(wn_tagtab_keep_range(c, N / 2 + 1, UINT32_MAX), 0);
	assert_int_equal(c->count, N - N / 2);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(holds(c, h[i], (uint32_t)i + 1), i >= N / 2);
	wn_tagtab *all[] = {a, b, c, e, e2};
	for (size_t i = 0; i < 5; i++) {
		wn_tagtab_free(all[i]);
		free(all[i]);
	}
	free(m.p);
	free(em.p);
	free(h);
}

/* An image that would make a table lookups cannot trust is refused,
 * leaving the table empty: a full shard (a lookup would never end), counts
 * that disagree with the slots, more than allowed, cut short. */
static void image_refused(void **state)
{
	(void)state;
	wn_tagtab *a = calloc(1, sizeof *a);
	for (uint32_t i = 1; i <= 60000; i++) /* every shard holds some */
		assert_int_equal(wn_tagtab_add(a, next_rand(), i), 0);
	image m = {0};
	assert_int_equal(wn_tagtab_save(a, img_write, &m), 0);
	size_t head = 16; /* count and slots, then (cap, used) per shard */
	uint32_t *shard0 = (uint32_t *)(m.p + head);
	for (int kind = 0; kind < 5; kind++) {
		image t = {malloc(m.n), m.n, m.n, 0};
		memcpy(t.p, m.p, m.n);
		uint32_t *sh = (uint32_t *)(t.p + head);
		size_t max = t.n;
		switch (kind) {
		case 0: sh[1] = sh[0]; break;             /* shard 0 full */
		case 1: sh[1] -= 1; break;                /* used disagrees with the total */
		case 2: /* the totals agree, the slots do not */
			sh[1] -= 1;
			((uint64_t *)t.p)[0] -= 1;
			break;
		case 3: max = t.n / 2; break;             /* larger than allowed */
		case 4: t.n -= 8; break;                  /* cut short */
		}
		wn_tagtab *b = calloc(1, sizeof *b);
		int rc = wn_tagtab_load(b, max, img_read, &t);
		if (rc != -EILSEQ)
			fail_msg("damage %d: %d", kind, rc);
		assert_int_equal(b->count, 0);
		assert_null(b->arena);
		assert_int_equal(wn_tagtab_bytes(b), 0);
		wn_tagtab_free(b);
		free(b);
		free(t.p);
	}
	assert_true(shard0[0] > shard0[1]);
	wn_tagtab_free(a);
	free(a);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_find_grow),
		cmocka_unit_test(tag_collisions_are_candidates),
		cmocka_unit_test(keep_range),
		cmocka_unit_test(image_round_trip),
		cmocka_unit_test(image_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
