/* tagtab.c — see tagtab.h. */
#include "dedup/tagtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16u

static inline uint32_t home(uint32_t tag, uint32_t mask)
{
	return (uint32_t)(((uint64_t)tag * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static inline wn_tagshard *shard_of(wn_tagtab *t, uint64_t hash)
{
	return &t->shard[hash >> (64 - WN_TAGTAB_SHARD_BITS)];
}

void wn_tagtab_init(wn_tagtab *t) { memset(t, 0, sizeof *t); }

void wn_tagtab_free(wn_tagtab *t)
{
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		free(t->shard[i].slot);
	wn_tagtab_init(t);
}

static void put(wn_tagslot *slot, uint32_t mask, uint32_t tag, uint32_t value)
{
	uint32_t p = home(tag, mask);
	while (slot[p].value)
		p = (p + 1) & mask;
	slot[p].tag = tag;
	slot[p].value = value;
}

/* Move shard s into cap slots (a power of two), keeping the entries with
 * lo <= value < hi. */
static int rebuild(wn_tagshard *s, uint32_t cap, uint32_t lo, uint32_t hi)
{
	wn_tagslot *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -ENOMEM;
	uint32_t used = 0;
	if (s->slot)
		for (uint32_t i = 0; i <= s->mask; i++) {
			wn_tagslot e = s->slot[i];
			if (e.value && e.value >= lo && e.value < hi) {
				put(slot, cap - 1, e.tag, e.value);
				used++;
			}
		}
	free(s->slot);
	s->slot = slot;
	s->mask = cap - 1;
	s->used = used;
	return 0;
}

static bool full(uint32_t used, uint32_t cap) { return (uint64_t)used * 5 >= (uint64_t)cap * 4; }

static uint32_t cap_for(uint32_t n)
{
	uint32_t cap = MIN_CAP;
	while (full(n, cap) && cap < (1u << 31))
		cap <<= 1;
	return cap;
}

int wn_tagtab_reserve(wn_tagtab *t, size_t n)
{
	size_t per = n / WN_TAGTAB_SHARDS + n / WN_TAGTAB_SHARDS / 8 + 1; /* some slack for skew */
	uint32_t cap = cap_for(per > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)per);
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++) {
		wn_tagshard *s = &t->shard[i];
		if ((s->slot ? s->mask + 1 : 0) < cap && rebuild(s, cap, 1, UINT32_MAX) < 0)
			return -ENOMEM;
	}
	return 0;
}

int wn_tagtab_add(wn_tagtab *t, uint64_t hash, uint32_t value)
{
	if (value == 0)
		return -EINVAL;
	wn_tagshard *s = shard_of(t, hash);
	uint32_t cap = s->slot ? s->mask + 1 : 0;
	if (!s->slot || full(s->used + 1, cap)) {
		if (cap >= (1u << 31))
			return -ENOMEM;
		if (rebuild(s, cap ? cap * 2 : MIN_CAP, 1, UINT32_MAX) < 0)
			return -ENOMEM;
	}
	put(s->slot, s->mask, (uint32_t)hash, value);
	s->used++;
	t->count++;
	return 0;
}

void wn_tagtab_find(const wn_tagtab *t, uint64_t hash, wn_tagtab_iter *it)
{
	it->sh = &t->shard[hash >> (64 - WN_TAGTAB_SHARD_BITS)];
	it->tag = (uint32_t)hash;
	it->pos = it->sh->slot ? home(it->tag, it->sh->mask) : 0;
}

bool wn_tagtab_next(wn_tagtab_iter *it, uint32_t *value)
{
	const wn_tagshard *s = it->sh;
	if (!s->slot)
		return false;
	for (;;) {
		wn_tagslot e = s->slot[it->pos];
		if (!e.value)
			return false;
		it->pos = (it->pos + 1) & s->mask;
		if (e.tag == it->tag) {
			*value = e.value;
			return true;
		}
	}
}

int wn_tagtab_keep_range(wn_tagtab *t, uint32_t lo, uint32_t hi)
{
	size_t total = 0;
	int rc = 0;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++) {
		wn_tagshard *s = &t->shard[i];
		if (!s->slot)
			continue;
		uint32_t keep = 0;
		for (uint32_t k = 0; k <= s->mask; k++)
			keep += s->slot[k].value && s->slot[k].value >= lo && s->slot[k].value < hi;
		if (keep == s->used) {
			total += keep;
			continue;
		}
		if (rebuild(s, cap_for(keep), lo, hi) < 0)
			rc = -ENOMEM; /* this shard stays as it was */
		total += s->used;
	}
	t->count = total;
	return rc;
}

size_t wn_tagtab_bytes(const wn_tagtab *t)
{
	size_t b = 0;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		if (t->shard[i].slot)
			b += ((size_t)t->shard[i].mask + 1) * sizeof(wn_tagslot);
	return b;
}
