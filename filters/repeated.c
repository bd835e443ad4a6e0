/* repeated.c — paragraphs repeated within one document (see filter.h). */
#include "filters/filter.h"
#include "lib/swar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Open-addressing set of 64-bit hashes; 0 marks an empty slot. */
typedef struct {
	uint64_t *slot;
	size_t mask;
} hashset;

static bool set_add(hashset *s, uint64_t h)
{
	if (h == 0)
		h = 1;
	for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
		if (s->slot[i] == h)
			return false;
		if (s->slot[i] == 0) {
			s->slot[i] = h;
			return true;
		}
	}
}

/* A growable scratch buffer, reused for every block of a document. */
typedef struct {
	char *p;
	size_t cap;
} scratch;

static int reserve(scratch *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	char *g = realloc(b->p, cap);
	if (!g)
		return -ENOMEM;
	b->p = g;
	b->cap = cap;
	return 0;
}

/* Hash of a block's kept lines, case and white space folded: the folded
 * lines, each with its NUL, hashed as one run of bytes. */
static int block_key(const wn_doc *doc, const wn_block *b, scratch *buf, uint64_t *key, bool *any, size_t *len)
{
	size_t n = 0;
	*any = false;
	for (uint32_t j = 0; j < b->count; j++) {
		const wn_line *l = &doc->lines[b->first + j];
		if (!wn_line_kept(l))
			continue;
		if (reserve(buf, n + WN_FOLD_KEY_MAX(l->len)) < 0)
			return -ENOMEM;
		n += wn_fold_key_into(l->text, l->len, false, buf->p + n) + 1;
		*any = true;
	}
	*key = XXH3_64bits(buf->p, n);
	*len = n;
	return 0;
}

/* ---- a cheap test first ---------------------------------------------------
 *
 * Folding every paragraph to hash it cost as much as the rest of the filter,
 * yet almost every paragraph is unique. So each block first gets a
 * signature, and only blocks whose signature another block shares are
 * folded and compared.
 *
 * The signature of a text is taken over its bytes above 0x20 (not space,
 * tab, other controls or NUL): their number, and the sum of each such byte
 * with bit 0x20 set, plus the number of lines. Equal fold keys must give
 * equal signatures, so the signature is that of the folded text. For ASCII
 * text, folding only lower-cases letters (which sets bit 0x20, already set
 * in the sum), trims and collapses spaces and tabs and keeps the other
 * bytes up to 0x20 (none of which count), so the signature of the raw text
 * is that of its key: no folding needed. A block with any other byte is
 * folded first and signed from its key. */

typedef struct {
	uint64_t count, sum; /* bytes above 0x20; their sum, bit 0x20 set */
	bool ascii;          /* no byte >= 0x80 seen */
} sig_acc;

/* The four 16-bit lanes of x added up. */
static inline uint64_t lanes16_total(uint64_t x)
{
	return (x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48);
}

/* Count the bytes of x selected by `take` (0xFF a byte) into a; returns
 * their sum in 16-bit lanes (each at most 2 * 255). */
static inline uint64_t sig_chunk(sig_acc *a, uint64_t x, uint64_t take)
{
	uint64_t blank = wn_swar_range(x, 0, 0x20) >> 7; /* 1 a byte */
	uint64_t keep = take & ~(blank * 0xFF);
	uint64_t v = (x | (WN_SWAR_ONES * 0x20)) & keep;
	a->count += ((keep & WN_SWAR_ONES) * WN_SWAR_ONES) >> 56;
	a->ascii &= !(x & take & WN_SWAR_HIGHS);
	return (v & 0x00FF00FF00FF00FFull) + ((v >> 8) & 0x00FF00FF00FF00FFull);
}

static void sig_add(sig_acc *a, const unsigned char *s, size_t n)
{
	if (!WN_SWAR_LE || n < 8) {
		for (size_t i = 0; i < n; i++) {
			bool counted = s[i] > 0x20;
			a->count += counted;
			a->sum += counted ? (s[i] | 0x20u) : 0;
			a->ascii &= s[i] < 0x80;
		}
		return;
	}
	size_t i = 0;
	while (i + 8 <= n) {
		/* a 16-bit lane gains at most 2 * 255 a chunk: 128 chunks cannot
		 * overflow one */
		uint64_t lanes = 0;
		for (size_t chunks = 0; chunks < 128 && i + 8 <= n; chunks++, i += 8)
			lanes += sig_chunk(a, wn_swar_load(s + i), ~0ull);
		a->sum += lanes16_total(lanes);
	}
	if (i < n) /* the last eight bytes, without those already seen */
		a->sum += lanes16_total(sig_chunk(a, wn_swar_load(s + n - 8), ~0ull << (8 * (8 - (n - i)))));
}

static uint64_t sig_final(const sig_acc *a, uint64_t lines)
{
	uint64_t packed[3] = {a->count, a->sum, lines};
	return XXH3_64bits(packed, sizeof packed);
}

/* Open-addressing map of signatures (never 0; 0 marks an empty slot) to
 * "seen more than once". */
typedef struct {
	uint64_t *sig;
	uint8_t *shared;
	size_t mask;
} sigmap;

static void sig_note(sigmap *m, uint64_t h)
{
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		if (m->sig[i] == h) {
			m->shared[i] = 1;
			return;
		}
		if (m->sig[i] == 0) {
			m->sig[i] = h;
			return;
		}
	}
}

static bool sig_shared(const sigmap *m, uint64_t h)
{
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask)
		if (m->sig[i] == h)
			return m->shared[i];
}

/* The block's signature, never 0; 0 when no line of it is kept. Signed
 * from the raw text when ASCII, else from its fold key. */
static int sign_block(const wn_doc *doc, const wn_block *b, scratch *buf, uint64_t *sig)
{
	sig_acc a = {.ascii = true};
	uint64_t lines = 0;
	for (uint32_t j = 0; j < b->count; j++) {
		const wn_line *l = &doc->lines[b->first + j];
		if (!wn_line_kept(l))
			continue;
		sig_add(&a, (const unsigned char *)l->text, l->len);
		lines++;
	}
	*sig = 0;
	if (!lines)
		return 0;
	if (!a.ascii) {
		uint64_t key;
		bool any;
		size_t n;
		int rc = block_key(doc, b, buf, &key, &any, &n);
		if (rc < 0)
			return rc;
		a = (sig_acc){0};
		sig_add(&a, (const unsigned char *)buf->p, n); /* the NULs between lines do not count */
	}
	*sig = sig_final(&a, lines) | 1;
	return 0;
}

int wn_filter_repeated(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	size_t cap = 16;
	while (cap < doc->nblocks * 2)
		cap *= 2;
	hashset set = {.slot = calloc(cap, sizeof(uint64_t)), .mask = cap - 1};
	sigmap sigs = {.sig = calloc(cap, sizeof(uint64_t)), .shared = calloc(cap, 1), .mask = cap - 1};
	uint64_t *bsig = malloc((doc->nblocks ? doc->nblocks : 1) * sizeof *bsig);
	int rc = 0;
	scratch buf = {0};
	if (!set.slot || !sigs.sig || !sigs.shared || !bsig) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t b = 0; b < doc->nblocks && rc == 0; b++) {
		rc = sign_block(doc, &doc->blocks[b], &buf, &bsig[b]);
		if (rc == 0 && bsig[b])
			sig_note(&sigs, bsig[b]);
	}
	/* Only blocks that share their signature can repeat one another
	 * (a block not in ASCII is folded a second time here: they are few). */
	for (size_t b = 0; b < doc->nblocks && rc == 0; b++) {
		if (!bsig[b] || !sig_shared(&sigs, bsig[b]))
			continue;
		uint64_t key;
		bool any;
		size_t n;
		rc = block_key(doc, &doc->blocks[b], &buf, &key, &any, &n);
		if (rc < 0 || set_add(&set, key))
			continue;
		for (uint32_t j = 0; j < doc->blocks[b].count && rc == 0; j++)
			if (wn_line_kept(&doc->lines[doc->blocks[b].first + j]))
				rc = wn_doc_remove(doc, doc->blocks[b].first + j, "duplicate-line");
	}
out:
	free(set.slot);
	free(sigs.sig);
	free(sigs.shared);
	free(bsig);
	free(buf.p);
	return rc;
}
