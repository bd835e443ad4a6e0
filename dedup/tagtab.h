/* tagtab.h — an in-memory multimap from 64-bit hashes to 32-bit values,
 * 8 bytes a slot: what the index keeps per article to find candidates
 * (LSH band keys → article seq, quote k-gram fingerprints → quote id).
 *
 * 44 bits of each hash are kept: 12 choose one of 4096 shards, 32 are the
 * slot's tag. A lookup returns every value stored under the same hash and,
 * rarely, one stored under another hash with the same 44 bits (with 32M
 * entries, 1 lookup in 500): a hit is a CANDIDATE, and the caller verifies
 * it against the store, which is the truth.
 *
 * Open addressing (linear probing from a place derived from the tag, so a
 * shard can be regrown from its slots alone); a shard grows by half when it
 * is 80% full (so tables are 53-80% full), growing never holds two copies
 * of the whole table, and no entry costs a malloc. A bulk load (opening a
 * store) stages entries per shard and then builds one shard at a time,
 * in cache, all shards in one allocation sized once. A table can be saved
 * as a flat image and loaded back as it was (the index's snapshot). Value
 * 0 marks an empty slot and cannot be stored.
 * Single-threaded.
 */
#ifndef WN_TAGTAB_H
#define WN_TAGTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WN_TAGTAB_SHARD_BITS 12
#define WN_TAGTAB_SHARDS (1u << WN_TAGTAB_SHARD_BITS)

typedef struct {
	uint32_t tag, value;
} wn_tagslot;

typedef struct {
	wn_tagslot *slot; /* NULL until the first add */
	uint32_t cap, used;
} wn_tagshard;

#define WN_TAGTAB_STAGE_BITS 8 /* a bulk load sorts entries into 256 groups of shards */

typedef struct {
	uint32_t tag, value, shard;
} wn_tagstaged;

typedef struct {
	wn_tagstaged *v;
	size_t n, cap;
} wn_tagstage;

typedef struct wn_tagtab {
	wn_tagshard shard[WN_TAGTAB_SHARDS];
	size_t count;
	wn_tagstage stage[1u << WN_TAGTAB_STAGE_BITS];
	uint32_t staged[WN_TAGTAB_SHARDS]; /* entries staged per shard */
	/* One mapping for all shards of a bulk load into an empty table (sized
	 * once, huge pages where the kernel gives them); a shard that regrows
	 * leaves it, and it is unmapped when the last one has left. */
	wn_tagslot *arena;
	size_t arena_bytes;
	uint32_t arena_shards;
} wn_tagtab;

/* An empty table (all zero is one too). */
void wn_tagtab_init(wn_tagtab *t);
void wn_tagtab_free(wn_tagtab *t);

/* Store value (!= 0) under hash; the same pair twice is stored twice.
 * Returns 0 or -ENOMEM (the table is unchanged then). */
int wn_tagtab_add(wn_tagtab *t, uint64_t hash, uint32_t value);

/* Bulk load: stage entries (not found until settled; about n of them is a
 * hint, 0 if unknown), then place them all. Returns 0 or -ENOMEM (staged
 * entries are dropped then). */
int wn_tagtab_stage_hint(wn_tagtab *t, size_t n);
int wn_tagtab_stage(wn_tagtab *t, uint64_t hash, uint32_t value);
int wn_tagtab_settle(wn_tagtab *t);

/* Lookup: for (wn_tagtab_find(t, h, &it); wn_tagtab_next(&it, &v);) ... */
typedef struct {
	const wn_tagshard *sh;
	uint32_t pos, tag;
} wn_tagtab_iter;

void wn_tagtab_find(const wn_tagtab *t, uint64_t hash, wn_tagtab_iter *it);
bool wn_tagtab_next(wn_tagtab_iter *it, uint32_t *value);

/* Drop every entry whose value is < lo or >= hi (expiry, undo). Returns 0
 * or -ENOMEM (then some shards keep what they held: lookups still work,
 * the caller verifies hits anyway). */
int wn_tagtab_keep_range(wn_tagtab *t, uint32_t lo, uint32_t hi);

/* Saving and loading an image of the table: the shards' sizes, then their
 * slots as they are in memory (native byte order). The callbacks move
 * exactly n bytes and return 0 or a negative errno. */
typedef int (*wn_tagtab_write_fn)(void *ctx, const void *p, size_t n);
typedef int (*wn_tagtab_read_fn)(void *ctx, void *p, size_t n);

/* Bytes wn_tagtab_save writes. */
size_t wn_tagtab_image_bytes(const wn_tagtab *t);
int wn_tagtab_save(const wn_tagtab *t, wn_tagtab_write_fn write, void *ctx);
/* Into an empty table. An image that is not one of a valid table (a shard
 * full, counts that disagree with its slots) is refused with -EILSEQ, as
 * is one larger than max_bytes; the table is left empty on any error. */
int wn_tagtab_load(wn_tagtab *t, size_t max_bytes, wn_tagtab_read_fn read, void *ctx);

/* Bytes of slots allocated. */
size_t wn_tagtab_bytes(const wn_tagtab *t);

#endif
