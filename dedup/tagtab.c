/* tagtab.c — see tagtab.h. */
#include "dedup/tagtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16u
#define MAX_CAP (1u << 30)

/* The place of a tag among cap slots: its high bits scaled (tags are
 * uniform hash bits). */
static inline uint32_t home(uint32_t tag, uint32_t cap)
{
	return (uint32_t)(((uint64_t)tag * cap) >> 32);
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
	for (size_t i = 0; i < (1u << WN_TAGTAB_STAGE_BITS); i++)
		free(t->stage[i].v);
	wn_tagtab_init(t);
}

static inline void put(wn_tagslot *slot, uint32_t cap, uint32_t tag, uint32_t value)
{
	uint32_t p = home(tag, cap);
	while (slot[p].value)
		if (++p == cap)
			p = 0;
	slot[p].tag = tag;
	slot[p].value = value;
}

static bool full(uint64_t used, uint64_t cap) { return used * 5 > cap * 4; }

/* Slots for n entries: about 70% full, so some can come before it grows. */
static uint32_t cap_for(uint64_t n)
{
	uint64_t cap = n + n * 3 / 7 + 1;
	if (cap < MIN_CAP)
		cap = MIN_CAP;
	return cap > MAX_CAP ? MAX_CAP : (uint32_t)cap;
}

/* Move shard s into cap slots, keeping the entries with lo <= value < hi. */
static int rebuild(wn_tagshard *s, uint32_t cap, uint32_t lo, uint32_t hi)
{
	wn_tagslot *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -ENOMEM;
	uint32_t used = 0;
	for (uint32_t i = 0; s->slot && i < s->cap; i++) {
		wn_tagslot e = s->slot[i];
		if (e.value && e.value >= lo && e.value < hi) {
			put(slot, cap, e.tag, e.value);
			used++;
		}
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	s->used = used;
	return 0;
}

int wn_tagtab_reserve(wn_tagtab *t, size_t n)
{
	uint32_t cap = cap_for(n / WN_TAGTAB_SHARDS + 1);
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++) {
		wn_tagshard *s = &t->shard[i];
		if (s->cap < cap && rebuild(s, cap, 1, UINT32_MAX) < 0)
			return -ENOMEM;
	}
	return 0;
}

int wn_tagtab_add(wn_tagtab *t, uint64_t hash, uint32_t value)
{
	if (value == 0)
		return -EINVAL;
	wn_tagshard *s = shard_of(t, hash);
	if (!s->slot || full(s->used + 1, s->cap)) {
		uint32_t cap = s->cap ? s->cap + s->cap / 2 : MIN_CAP;
		if (s->cap >= MAX_CAP || rebuild(s, cap > MAX_CAP ? MAX_CAP : cap, 1, UINT32_MAX) < 0)
			return -ENOMEM;
	}
	put(s->slot, s->cap, (uint32_t)hash, value);
	s->used++;
	t->count++;
	return 0;
}

static int stage_room(wn_tagstage *g, size_t n)
{
	if (g->n + n <= g->cap)
		return 0;
	size_t cap = g->cap ? g->cap + g->cap / 2 : 256;
	if (cap < g->n + n)
		cap = g->n + n;
	wn_tagstaged *v = realloc(g->v, cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	g->v = v;
	g->cap = cap;
	return 0;
}

int wn_tagtab_stage_hint(wn_tagtab *t, size_t n)
{
	size_t per = n >> WN_TAGTAB_STAGE_BITS;
	for (size_t i = 0; i < (1u << WN_TAGTAB_STAGE_BITS); i++)
		if (stage_room(&t->stage[i], per + per / 16) < 0)
			return -ENOMEM;
	return 0;
}

int wn_tagtab_stage(wn_tagtab *t, uint64_t hash, uint32_t value)
{
	if (value == 0)
		return -EINVAL;
	wn_tagstage *g = &t->stage[hash >> (64 - WN_TAGTAB_STAGE_BITS)];
	if (g->n == g->cap && stage_room(g, 1) < 0)
		return -ENOMEM;
	g->v[g->n++] = (wn_tagstaged){(uint32_t)hash, value,
				      (uint32_t)(hash >> (64 - WN_TAGTAB_SHARD_BITS))};
	return 0;
}

/* Place one group's staged entries: its shards are sized once, then
 * filled while they are in cache. */
static int settle_group(wn_tagtab *t, wn_tagstage *g)
{
	enum { PER = 1u << (WN_TAGTAB_SHARD_BITS - WN_TAGTAB_STAGE_BITS) };
	uint32_t count[PER] = {0};
	uint32_t first = g->v[0].shard & ~(PER - 1u);
	for (size_t k = 0; k < g->n; k++)
		count[g->v[k].shard - first]++;
	for (uint32_t i = 0; i < PER; i++) {
		wn_tagshard *s = &t->shard[first + i];
		uint64_t n = (uint64_t)s->used + count[i];
		if (count[i] && (!s->slot || full(n, s->cap)) &&
		    (n >= MAX_CAP || rebuild(s, cap_for(n), 1, UINT32_MAX) < 0))
			return -ENOMEM;
	}
	for (size_t k = 0; k < g->n; k++) {
		wn_tagshard *s = &t->shard[g->v[k].shard];
		put(s->slot, s->cap, g->v[k].tag, g->v[k].value);
		s->used++;
	}
	t->count += g->n;
	return 0;
}

int wn_tagtab_settle(wn_tagtab *t)
{
	int rc = 0;
	for (size_t i = 0; i < (1u << WN_TAGTAB_STAGE_BITS); i++) {
		wn_tagstage *g = &t->stage[i];
		if (rc == 0 && g->n)
			rc = settle_group(t, g);
		free(g->v);
		*g = (wn_tagstage){0};
	}
	return rc;
}

void wn_tagtab_find(const wn_tagtab *t, uint64_t hash, wn_tagtab_iter *it)
{
	it->sh = &t->shard[hash >> (64 - WN_TAGTAB_SHARD_BITS)];
	it->tag = (uint32_t)hash;
	it->pos = it->sh->slot ? home(it->tag, it->sh->cap) : 0;
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
		if (++it->pos == s->cap)
			it->pos = 0;
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
		uint32_t keep = 0;
		for (uint32_t k = 0; s->slot && k < s->cap; k++)
			keep += s->slot[k].value && s->slot[k].value >= lo && s->slot[k].value < hi;
		if (keep != s->used && rebuild(s, cap_for(keep), lo, hi) < 0)
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
		b += (size_t)t->shard[i].cap * sizeof(wn_tagslot);
	return b;
}
