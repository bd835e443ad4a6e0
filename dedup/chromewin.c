/* chromewin.c — see chromewin.h. */
#include "dedup/chromewin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int64_t cseq;
	uint64_t *keys;
	size_t n;
} page;

typedef struct {
	uint64_t key;
	uint32_t count; /* 0: empty slot */
} count_slot;

struct wn_chromewin {
	unsigned window;
	page *ring; /* window entries; the oldest at head */
	size_t head, npages;
	size_t key_bytes;
	count_slot *counts; /* open addressing, linear probing */
	size_t cap, used;   /* cap: a power of two */
	wn_chrome_line *lines;
	size_t nlines, lines_cap;
	uint32_t *line_at; /* index + 1 into lines; open addressing by key */
	size_t line_slots;
};

static inline size_t slot_of(uint64_t key, size_t mask)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

int wn_chromewin_new(unsigned window, wn_chromewin **out)
{
	*out = NULL;
	wn_chromewin *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->window = window ? window : 1;
	w->ring = calloc(w->window, sizeof *w->ring);
	w->cap = 64;
	w->counts = calloc(w->cap, sizeof *w->counts);
	if (!w->ring || !w->counts) {
		wn_chromewin_free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void wn_chromewin_free(wn_chromewin *w)
{
	if (!w)
		return;
	for (size_t i = 0; w->ring && i < w->npages; i++)
		free(w->ring[(w->head + i) % w->window].keys);
	free(w->ring);
	free(w->counts);
	free(w->lines);
	free(w->line_at);
	free(w);
}

static count_slot *find_count(const wn_chromewin *w, uint64_t key)
{
	size_t mask = w->cap - 1;
	for (size_t p = slot_of(key, mask);; p = (p + 1) & mask) {
		count_slot *s = &w->counts[p];
		if (!s->count || s->key == key)
			return s;
	}
}

unsigned wn_chromewin_count(const wn_chromewin *w, uint64_t key)
{
	return find_count(w, key)->count;
}

void wn_chromewin_prefetch(const wn_chromewin *w, uint64_t key)
{
	__builtin_prefetch(&w->counts[slot_of(key, w->cap - 1)]);
}

static int grow_counts(wn_chromewin *w, size_t need)
{
	size_t cap = w->cap;
	while ((w->used + need) * 10 >= cap * 7)
		cap *= 2;
	if (cap == w->cap)
		return 0;
	count_slot *c = calloc(cap, sizeof *c);
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < w->cap; i++) {
		if (!w->counts[i].count)
			continue;
		size_t p = slot_of(w->counts[i].key, cap - 1);
		while (c[p].count)
			p = (p + 1) & (cap - 1);
		c[p] = w->counts[i];
	}
	free(w->counts);
	w->counts = c;
	w->cap = cap;
	return 0;
}

/* Take one off key's count; at zero the slot is freed by shifting back the
 * entries after it that belong before it (no tombstones). */
static void uncount(wn_chromewin *w, uint64_t key)
{
	size_t mask = w->cap - 1;
	count_slot *s = find_count(w, key);
	if (!s->count || --s->count)
		return;
	w->used--;
	size_t hole = (size_t)(s - w->counts);
	for (size_t p = (hole + 1) & mask; w->counts[p].count; p = (p + 1) & mask) {
		size_t h = slot_of(w->counts[p].key, mask);
		/* the entry at p may move to the hole if its home is not in (hole, p] */
		if ((p > hole && (h <= hole || h > p)) || (p < hole && h <= hole && h > p)) {
			w->counts[hole] = w->counts[p];
			w->counts[p].count = 0;
			hole = p;
		}
	}
}

int wn_chromewin_push(wn_chromewin *w, int64_t cseq, uint64_t *keys, size_t n)
{
	if (grow_counts(w, n) < 0) {
		free(keys);
		return -ENOMEM;
	}
	if (w->npages == w->window) { /* the oldest page leaves */
		page *old = &w->ring[w->head];
		for (size_t i = 0; i < old->n; i++) {
			if (i + 8 < old->n) /* the slot 8 keys on: its miss overlaps these */
				wn_chromewin_prefetch(w, old->keys[i + 8]);
			uncount(w, old->keys[i]);
		}
		w->key_bytes -= old->n * sizeof *old->keys;
		free(old->keys);
		w->head = (w->head + 1) % w->window;
		w->npages--;
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n)
			wn_chromewin_prefetch(w, keys[i + 8]);
		count_slot *s = find_count(w, keys[i]);
		if (!s->count++) {
			s->key = keys[i];
			w->used++;
		}
	}
	page *p = &w->ring[(w->head + w->npages) % w->window];
	p->cseq = cseq;
	p->keys = keys;
	p->n = n;
	w->npages++;
	w->key_bytes += n * sizeof *keys;
	return 0;
}

size_t wn_chromewin_pages(const wn_chromewin *w) { return w->npages; }

int64_t wn_chromewin_last_cseq(const wn_chromewin *w)
{
	return w->npages ? w->ring[(w->head + w->npages - 1) % w->window].cseq : 0;
}

wn_chrome_line *wn_chromewin_line(wn_chromewin *w, uint64_t key)
{
	if (!w->line_slots)
		return NULL;
	size_t mask = w->line_slots - 1;
	for (size_t p = slot_of(key, mask); w->line_at[p]; p = (p + 1) & mask)
		if (w->lines[w->line_at[p] - 1].key == key)
			return &w->lines[w->line_at[p] - 1];
	return NULL;
}

static void index_line(uint32_t *at, size_t slots, const wn_chrome_line *lines, uint32_t i)
{
	size_t p = slot_of(lines[i].key, slots - 1);
	while (at[p])
		p = (p + 1) & (slots - 1);
	at[p] = i + 1;
}

int wn_chromewin_add_line(wn_chromewin *w, uint64_t key, int64_t since, int64_t docs)
{
	if (w->nlines == w->lines_cap) {
		size_t cap = w->lines_cap ? 2 * w->lines_cap : 16;
		wn_chrome_line *l = realloc(w->lines, cap * sizeof *l);
		if (!l)
			return -ENOMEM;
		w->lines = l;
		w->lines_cap = cap;
	}
	if ((w->nlines + 1) * 2 > w->line_slots) {
		size_t slots = w->line_slots ? 2 * w->line_slots : 32;
		uint32_t *at = calloc(slots, sizeof *at);
		if (!at)
			return -ENOMEM;
		for (uint32_t i = 0; i < w->nlines; i++)
			index_line(at, slots, w->lines, i);
		free(w->line_at);
		w->line_at = at;
		w->line_slots = slots;
	}
	w->lines[w->nlines] = (wn_chrome_line){.key = key, .since = since, .docs = docs};
	index_line(w->line_at, w->line_slots, w->lines, (uint32_t)w->nlines);
	w->nlines++;
	return 0;
}

wn_chrome_line *wn_chromewin_lines(wn_chromewin *w, size_t *n)
{
	*n = w->nlines;
	return w->lines;
}

size_t wn_chromewin_bytes(const wn_chromewin *w)
{
	return sizeof *w + w->window * sizeof *w->ring + w->key_bytes + w->cap * sizeof *w->counts +
	       w->lines_cap * sizeof *w->lines + w->line_slots * sizeof *w->line_at;
}
