/* fingerprint.c — see fingerprint.h. */
#include "dedup/fingerprint.h"
#include "lib/sort.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* short keys: a call per hash costs more than the hash */
#include <xxhash.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v ascending and drops repeats; the new count. A quote has a few
 * dozen grams: insertion sort, without qsort's call per comparison, up to
 * SMALL_SORT of them. */
#define SMALL_SORT 48
static size_t sort_unique(uint64_t *v, size_t n)
{
	if (n <= SMALL_SORT)
		wn_insertion_sort_u64(v, n);
	else
		qsort(v, n, sizeof *v, cmp_u64);
	return wn_distinct_sorted_u64(v, n);
}

int wn_fp_quote_grams(const wn_words *w, uint64_t **grams, size_t *n)
{
	*grams = NULL;
	*n = 0;
	if (w->n < WN_QUOTE_GRAM)
		return 0;
	size_t cnt = w->n - WN_QUOTE_GRAM + 1;
	uint64_t *g = malloc(cnt * sizeof *g);
	if (!g)
		return -ENOMEM;
	size_t m = 0, content = 0;
	for (size_t i = 0; i < w->n; i++) {
		content += w->content[i];
		if (i >= WN_QUOTE_GRAM)
			content -= w->content[i - WN_QUOTE_GRAM];
		if (i + 1 < WN_QUOTE_GRAM || content < WN_QUOTE_MIN_CONTENT)
			continue;
		g[m++] = XXH3_64bits(w->hash + i + 1 - WN_QUOTE_GRAM, WN_QUOTE_GRAM * sizeof(uint64_t));
	}
	m = sort_unique(g, m);
	if (m == 0) {
		free(g);
		return 0;
	}
	*grams = g;
	*n = m;
	return 0;
}

/* Multipliers and offsets of the WN_MINHASH hash functions (fixed, so
 * signatures stay comparable across runs): splitmix64 from a constant. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The parameters, computed once. */
static struct {
	uint64_t a[WN_MINHASH], b[WN_MINHASH];
} params;
static pthread_once_t params_once = PTHREAD_ONCE_INIT;

static void params_build(void)
{
	uint64_t s = 0x77696E6E6F77ull; /* "winnow" */
	for (int i = 0; i < WN_MINHASH; i++) {
		params.a[i] = splitmix(&s) | 1;
		params.b[i] = splitmix(&s);
	}
}

/* Fold shingles into the signature: minhash[j] = min over them of the
 * high half of a[j] * x + b[j]. The hot loop of dedup. It takes FOLD
 * functions over all shingles at a time, their minima and parameters in
 * local arrays that the compiler keeps in vector registers (64-bit
 * multiplies side by side where the CPU has them), instead of loading and
 * storing the signature for every shingle. The result is the same. */
#define FOLD 16
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), optimize("tree-vectorize")))
#endif
static void minhash_fold(uint32_t *restrict mh, const uint64_t *restrict a, const uint64_t *restrict b,
			 const uint64_t *restrict sh, size_t n)
{
	for (int j0 = 0; j0 < WN_MINHASH; j0 += FOLD) {
		uint64_t m[FOLD], ab[FOLD], bb[FOLD];
		for (int j = 0; j < FOLD; j++) {
			m[j] = mh[j0 + j];
			ab[j] = a[j0 + j];
			bb[j] = b[j0 + j];
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t x = sh[i];
#pragma GCC unroll 16
			for (int j = 0; j < FOLD; j++) {
				uint64_t v = (ab[j] * x + bb[j]) >> 32;
				m[j] = v < m[j] ? v : m[j];
			}
		}
		for (int j = 0; j < FOLD; j++)
			mh[j0 + j] = (uint32_t)m[j];
	}
}

/* Slots of the set that counts n values (a power of two), and their log2:
 * at most a quarter full, so that most lookups find an empty slot at
 * once, or half full for very long bodies, which would need a lot of
 * memory. */
static size_t set_slots(size_t n, size_t *bits)
{
	size_t cap = 16, want = (n <= 65536 ? 4 : 2) * n;
	*bits = 4;
	while (cap < want)
		cap <<= 1, ++*bits;
	return cap;
}

/* Adds x to the set of cap slots (a power of two, 2^bits; 0: empty, so
 * the value 0 is tracked by *zero): true when it was not there yet. */
static inline bool set_add(uint64_t *set, size_t cap, size_t bits, bool *zero, uint64_t x)
{
	if (x == 0) {
		bool added = !*zero;
		*zero = true;
		return added;
	}
	size_t p = (size_t)((x * 0x9E3779B97F4A7C15ull) >> (64 - bits));
	while (set[p] && set[p] != x)
		p = (p + 1) & (cap - 1);
	if (set[p])
		return false;
	set[p] = x;
	return true;
}

int wn_fp_body(const wn_words *w, wn_body_sig *sig)
{
	memset(sig, 0, sizeof *sig);
	if (w->n < WN_DEDUP_MIN_WORDS)
		return 0;
	XXH128_hash_t h = XXH3_128bits(w->hash, w->n * sizeof(uint64_t));
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	memcpy(sig->exact, c.digest, 16);

	size_t all = w->n - WN_SHINGLE + 1, bits;
	size_t slots = set_slots(all, &bits);
	/* one block: the distinct shingles and the set that finds them */
	uint64_t *sh = malloc((all + slots) * sizeof *sh), *set = sh + all;
	if (!sh)
		return -ENOMEM;
	memset(set, 0, slots * sizeof *set);
	size_t cnt = 0;
	bool zero = false;
	/* hashing and keeping the distinct shingles in one loop: the set's
	 * loads wait on nothing but the hash, and the next hash is computed
	 * meanwhile; a shingle is written either way and kept when new */
	for (size_t i = 0; i < all; i++) {
		uint64_t x = XXH3_64bits(w->hash + i, WN_SHINGLE * sizeof(uint64_t));
		sh[cnt] = x;
		cnt += set_add(set, slots, bits, &zero, x);
	}
	/* the minimum over a multiset is the minimum over its set, but a
	 * repetitive body (a list, a table) folds far fewer this way */
	pthread_once(&params_once, params_build);
	for (int j = 0; j < WN_MINHASH; j++)
		sig->minhash[j] = UINT32_MAX;
	minhash_fold(sig->minhash, params.a, params.b, sh, cnt);
	free(sh);
	sig->shingles = (uint32_t)cnt;
	sig->comparable = true;
	return 0;
}

/* A band's two values in 64 bits, mixed with its number by the MurmurHash3
 * finaliser: one band's keys never collide, keys of different bands only
 * by chance (2^-64), and the bits are uniform for the index's tables. */
_Static_assert(WN_BAND_ROWS == 2, "a band key holds two 32-bit values");

void wn_fp_bands(const wn_body_sig *sig, uint64_t bands[WN_BANDS])
{
	for (int i = 0; i < WN_BANDS; i++) {
		uint64_t x = (uint64_t)sig->minhash[2 * i] << 32 | sig->minhash[2 * i + 1];
		x ^= (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
		x ^= x >> 33;
		x *= 0xFF51AFD7ED558CCDull;
		x ^= x >> 33;
		x *= 0xC4CEB9FE1A85EC53ull;
		x ^= x >> 33;
		bands[i] = x;
	}
}

double wn_fp_containment(const wn_body_sig *a, const wn_body_sig *b)
{
	if (!a->comparable || !b->comparable)
		return 0;
	int same = 0;
	for (int i = 0; i < WN_MINHASH; i++)
		same += a->minhash[i] == b->minhash[i];
	double j = (double)same / WN_MINHASH;
	double na = a->shingles, nb = b->shingles;
	double inter = j * (na + nb) / (1 + j);
	double c = inter / (na < nb ? na : nb);
	return c > 1 ? 1 : c;
}

bool wn_fp_near_duplicate(const wn_body_sig *a, const wn_body_sig *b)
{
	if (!a->comparable || !b->comparable)
		return false;
	if (!memcmp(a->exact, b->exact, 16))
		return true;
	double na = a->shingles, nb = b->shingles;
	double ratio = na < nb ? na / nb : nb / na;
	return ratio >= WN_NEAR_MIN_RATIO && wn_fp_containment(a, b) >= WN_NEAR_CONTAINMENT;
}
