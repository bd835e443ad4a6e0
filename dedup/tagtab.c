/* tagtab.c — see tagtab.h. */
#include "dedup/tagtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* ---- the arena: one zeroed mapping for the shards of a bulk load ---- */

static wn_tagslot *arena_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: 2 MiB pages fault 512 times less */
#endif
	return p;
}

static bool in_arena(const wn_tagtab *t, const wn_tagslot *p)
{
	uintptr_t a = (uintptr_t)t->arena, x = (uintptr_t)p;
	return t->arena && x >= a && x < a + t->arena_bytes;
}

/* Give back a shard's slots: freed, or handed back to the kernel when they
 * are part of the arena (the whole arena when no shard is left in it). */
static void slots_release(wn_tagtab *t, wn_tagslot *slot, uint32_t cap)
{
	if (!in_arena(t, slot)) {
		free(slot);
		return;
	}
	if (--t->arena_shards == 0) {
		munmap(t->arena, t->arena_bytes);
		t->arena = NULL;
		t->arena_bytes = 0;
		return;
	}
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)slot + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)(slot + cap)) & ~(page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static void stage_free(wn_tagstage *g);

void wn_tagtab_free(wn_tagtab *t)
{
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		if (!in_arena(t, t->shard[i].slot))
			free(t->shard[i].slot);
	if (t->arena)
		munmap(t->arena, t->arena_bytes);
	for (size_t i = 0; i < (1u << WN_TAGTAB_STAGE_BITS); i++)
		stage_free(&t->stage[i]);
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
static int rebuild(wn_tagtab *t, wn_tagshard *s, uint32_t cap, uint32_t lo, uint32_t hi)
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
	if (s->slot)
		slots_release(t, s->slot, s->cap);
	s->slot = slot;
	s->cap = cap;
	s->used = used;
	return 0;
}

int wn_tagtab_add(wn_tagtab *t, uint64_t hash, uint32_t value)
{
	if (value == 0)
		return -EINVAL;
	wn_tagshard *s = shard_of(t, hash);
	if (!s->slot || full(s->used + 1, s->cap)) {
		uint32_t cap = s->cap ? s->cap + s->cap / 2 : MIN_CAP;
		if (s->cap >= MAX_CAP || rebuild(t, s, cap > MAX_CAP ? MAX_CAP : cap, 1, UINT32_MAX) < 0)
			return -ENOMEM;
	}
	put(s->slot, s->cap, (uint32_t)hash, value);
	s->used++;
	t->count++;
	return 0;
}

/* Staged entries live in their own mappings (grown with mremap), so that
 * once placed they go straight back to the kernel, rather than to the
 * heap where the arena of the table could not reuse them. */
static size_t stage_bytes(size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (cap * sizeof(wn_tagstaged) + page - 1) & ~(page - 1);
}

static void stage_free(wn_tagstage *g)
{
	if (g->v)
		munmap(g->v, stage_bytes(g->cap));
	*g = (wn_tagstage){0};
}

static int stage_room(wn_tagstage *g, size_t n)
{
	if (g->n + n <= g->cap)
		return 0;
	size_t cap = g->cap ? g->cap + g->cap / 2 : 1024;
	if (cap < g->n + n)
		cap = g->n + n;
	size_t bytes = stage_bytes(cap);
	void *v = g->v ? mremap(g->v, stage_bytes(g->cap), bytes, MREMAP_MAYMOVE)
		       : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		return -ENOMEM;
	g->v = v;
	g->cap = bytes / sizeof(wn_tagstaged);
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
	uint32_t shard = (uint32_t)(hash >> (64 - WN_TAGTAB_SHARD_BITS));
	g->v[g->n++] = (wn_tagstaged){(uint32_t)hash, value, shard};
	t->staged[shard]++;
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
		    (n >= MAX_CAP || rebuild(t, s, cap_for(n), 1, UINT32_MAX) < 0))
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

/* An empty table about to take a bulk load: every shard sized once for
 * what is staged, all in one arena. */
static int arena_for_staged(wn_tagtab *t)
{
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		if (t->shard[i].slot)
			return 0; /* not empty: shards grow one by one */
	size_t total = 0;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		if (t->staged[i])
			total += cap_for(t->staged[i]);
	if (total == 0)
		return 0;
	wn_tagslot *a = arena_map(total * sizeof *a);
	if (!a)
		return -ENOMEM;
	t->arena = a;
	t->arena_bytes = total * sizeof *a;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		if (t->staged[i]) {
			wn_tagshard *s = &t->shard[i];
			s->slot = a;
			s->cap = cap_for(t->staged[i]);
			a += s->cap;
			t->arena_shards++;
		}
	return 0;
}

int wn_tagtab_settle(wn_tagtab *t)
{
	int rc = t->arena ? 0 : arena_for_staged(t);
	memset(t->staged, 0, sizeof t->staged);
	for (size_t i = 0; i < (1u << WN_TAGTAB_STAGE_BITS); i++) {
		wn_tagstage *g = &t->stage[i];
		if (rc == 0 && g->n)
			rc = settle_group(t, g);
		stage_free(g);
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
		if (keep != s->used && rebuild(t, s, cap_for(keep), lo, hi) < 0)
			rc = -ENOMEM; /* this shard stays as it was */
		total += s->used;
	}
	t->count = total;
	return rc;
}

/* ---- images ---- */

typedef struct {
	uint64_t count, slots;
} image_head;

typedef struct {
	uint32_t cap, used;
} image_shard;

size_t wn_tagtab_image_bytes(const wn_tagtab *t)
{
	size_t b = sizeof(image_head) + WN_TAGTAB_SHARDS * sizeof(image_shard);
	return b + wn_tagtab_bytes(t);
}

int wn_tagtab_save(const wn_tagtab *t, wn_tagtab_write_fn write, void *ctx)
{
	image_shard *sh = malloc(WN_TAGTAB_SHARDS * sizeof *sh);
	if (!sh)
		return -ENOMEM;
	image_head h = {t->count, 0};
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++) {
		sh[i] = (image_shard){t->shard[i].cap, t->shard[i].used};
		h.slots += t->shard[i].cap;
	}
	int rc = write(ctx, &h, sizeof h);
	if (rc == 0)
		rc = write(ctx, sh, WN_TAGTAB_SHARDS * sizeof *sh);
	free(sh);
	for (size_t i = 0; i < WN_TAGTAB_SHARDS && rc == 0; i++)
		if (t->shard[i].cap)
			rc = write(ctx, t->shard[i].slot, (size_t)t->shard[i].cap * sizeof(wn_tagslot));
	return rc;
}

int wn_tagtab_load(wn_tagtab *t, size_t max_bytes, wn_tagtab_read_fn read, void *ctx)
{
	image_head h;
	image_shard *sh = malloc(WN_TAGTAB_SHARDS * sizeof *sh);
	if (!sh)
		return -ENOMEM;
	int rc = read(ctx, &h, sizeof h);
	if (rc == 0)
		rc = read(ctx, sh, WN_TAGTAB_SHARDS * sizeof *sh);
	uint64_t slots = 0, used = 0;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS && rc == 0; i++) {
		/* every shard keeps an empty slot, or a lookup would never end */
		if (sh[i].cap > MAX_CAP || (sh[i].cap && sh[i].used >= sh[i].cap) ||
		    (!sh[i].cap && sh[i].used))
			rc = -EILSEQ;
		slots += sh[i].cap;
		used += sh[i].used;
	}
	if (rc == 0 && (slots != h.slots || used != h.count || slots > max_bytes / sizeof(wn_tagslot)))
		rc = -EILSEQ;
	if (rc == 0 && slots) {
		t->arena = arena_map(slots * sizeof(wn_tagslot));
		rc = t->arena ? 0 : -ENOMEM;
	}
	if (rc == 0 && slots) {
		t->arena_bytes = slots * sizeof(wn_tagslot);
		rc = read(ctx, t->arena, t->arena_bytes);
	}
	wn_tagslot *a = t->arena;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS && rc == 0; i++) {
		if (!sh[i].cap)
			continue;
		uint32_t n = 0;
		for (uint32_t k = 0; k < sh[i].cap; k++)
			n += a[k].value != 0;
		if (n != sh[i].used) {
			rc = -EILSEQ;
			break;
		}
		t->shard[i] = (wn_tagshard){a, sh[i].cap, sh[i].used};
		t->arena_shards++;
		a += sh[i].cap;
	}
	free(sh);
	if (rc < 0) {
		memset(t->shard, 0, sizeof t->shard);
		t->arena_shards = 0;
		wn_tagtab_free(t);
		return rc;
	}
	t->count = h.count;
	return 0;
}

size_t wn_tagtab_bytes(const wn_tagtab *t)
{
	size_t b = 0;
	for (size_t i = 0; i < WN_TAGTAB_SHARDS; i++)
		b += (size_t)t->shard[i].cap * sizeof(wn_tagslot);
	return b;
}
