/* repeated.c — paragraphs repeated within one document (see filter.h). */
#include "filters/filter.h"

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
static int block_key(const wn_doc *doc, const wn_block *b, scratch *buf, uint64_t *key, bool *any)
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
	return 0;
}

int wn_filter_repeated(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	size_t cap = 16;
	while (cap < doc->nblocks * 2)
		cap *= 2;
	hashset set = {.slot = calloc(cap, sizeof(uint64_t)), .mask = cap - 1};
	if (!set.slot)
		return -ENOMEM;
	int rc = 0;
	scratch buf = {0};
	for (size_t b = 0; b < doc->nblocks && rc == 0; b++) {
		uint64_t key;
		bool any;
		rc = block_key(doc, &doc->blocks[b], &buf, &key, &any);
		if (rc < 0 || !any || set_add(&set, key))
			continue;
		for (uint32_t j = 0; j < doc->blocks[b].count && rc == 0; j++)
			if (wn_line_kept(&doc->lines[doc->blocks[b].first + j]))
				rc = wn_doc_remove(doc, doc->blocks[b].first + j, "duplicate-line");
	}
	free(set.slot);
	free(buf.p);
	return rc;
}
