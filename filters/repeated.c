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

/* Hash of a block's kept lines, case and white space folded. */
static int block_key(const wn_doc *doc, const wn_block *b, uint64_t *key, bool *any)
{
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	*any = false;
	for (uint32_t j = 0; j < b->count; j++) {
		const wn_line *l = &doc->lines[b->first + j];
		if (!wn_line_kept(l))
			continue;
		char *k = wn_fold_key(l->text, l->len);
		if (!k)
			return -ENOMEM;
		XXH3_64bits_update(&st, k, strlen(k) + 1);
		free(k);
		*any = true;
	}
	*key = XXH3_64bits_digest(&st);
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
	for (size_t b = 0; b < doc->nblocks && rc == 0; b++) {
		uint64_t key;
		bool any;
		rc = block_key(doc, &doc->blocks[b], &key, &any);
		if (rc < 0 || !any || set_add(&set, key))
			continue;
		for (uint32_t j = 0; j < doc->blocks[b].count && rc == 0; j++)
			if (wn_line_kept(&doc->lines[doc->blocks[b].first + j]))
				rc = wn_doc_remove(doc, doc->blocks[b].first + j, "duplicate-line");
	}
	free(set.slot);
	return rc;
}
