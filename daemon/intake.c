/* intake.c — see intake.h. A chained hash set over (outlet, name) plus two
 * lists: ready (FIFO) and settling (sorted by due time; scans add in mtime
 * order, so inserting from the tail is usually O(1)). */
#include "daemon/intake.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct entry {
	struct entry *hnext;       /* hash chain */
	struct entry *prev, *next; /* in ready or settling */
	uint64_t hash, due;
	bool ready, scanned;
	char *outlet, *name;
};

struct list {
	struct entry *head, *tail;
};

struct wn_intake {
	struct entry **buckets;
	size_t nbuckets, len, cap;
	struct list ready, settling;
};

static uint64_t key_hash(const char *outlet, const char *name)
{
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, outlet, strlen(outlet) + 1);
	XXH3_64bits_update(&st, name, strlen(name));
	return XXH3_64bits_digest(&st);
}

static void list_unlink(struct list *l, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

static void list_push_tail(struct list *l, struct entry *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

/* Insert into settling, kept sorted by due (stable for equal times). */
static void settling_insert(struct list *l, struct entry *e)
{
	struct entry *after = l->tail;
	while (after && after->due > e->due)
		after = after->prev;
	e->prev = after;
	e->next = after ? after->next : l->head;
	if (e->next)
		e->next->prev = e;
	else
		l->tail = e;
	if (after)
		after->next = e;
	else
		l->head = e;
}

wn_intake *wn_intake_new(size_t cap)
{
	wn_intake *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->cap = cap ? cap : 1;
	in->nbuckets = 16;
	while (in->nbuckets < in->cap)
		in->nbuckets <<= 1;
	in->buckets = calloc(in->nbuckets, sizeof *in->buckets);
	if (!in->buckets) {
		free(in);
		return NULL;
	}
	return in;
}

static void entry_free(struct entry *e)
{
	free(e->outlet);
	free(e->name);
	free(e);
}

void wn_intake_clear(wn_intake *in)
{
	for (size_t i = 0; i < in->nbuckets; i++) {
		struct entry *e = in->buckets[i];
		while (e) {
			struct entry *n = e->hnext;
			entry_free(e);
			e = n;
		}
		in->buckets[i] = NULL;
	}
	in->ready.head = in->ready.tail = NULL;
	in->settling.head = in->settling.tail = NULL;
	in->len = 0;
}

void wn_intake_free(wn_intake *in)
{
	if (!in)
		return;
	wn_intake_clear(in);
	free(in->buckets);
	free(in);
}

static struct entry *lookup(const wn_intake *in, uint64_t h, const char *outlet, const char *name)
{
	for (struct entry *e = in->buckets[h & (in->nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && !strcmp(e->outlet, outlet) && !strcmp(e->name, name))
			return e;
	return NULL;
}

static struct entry *insert(wn_intake *in, uint64_t h, const char *outlet, const char *name)
{
	if (in->len >= in->cap)
		return NULL;
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->hash = h;
	e->outlet = strdup(outlet);
	e->name = strdup(name);
	if (!e->outlet || !e->name) {
		entry_free(e);
		return NULL;
	}
	size_t b = h & (in->nbuckets - 1);
	e->hnext = in->buckets[b];
	in->buckets[b] = e;
	in->len++;
	return e;
}

int wn_intake_add_ready(wn_intake *in, const char *outlet, const char *name)
{
	uint64_t h = key_hash(outlet, name);
	struct entry *e = lookup(in, h, outlet, name);
	if (e) {
		if (!e->ready) {
			list_unlink(&in->settling, e);
			e->ready = true;
			e->scanned = false;
			list_push_tail(&in->ready, e);
		}
		return 0;
	}
	if (in->len >= in->cap)
		return -ENOBUFS;
	if (!(e = insert(in, h, outlet, name)))
		return -ENOMEM;
	e->ready = true;
	list_push_tail(&in->ready, e);
	return 0;
}

int wn_intake_add_settling(wn_intake *in, const char *outlet, const char *name, uint64_t due_ms)
{
	uint64_t h = key_hash(outlet, name);
	if (lookup(in, h, outlet, name))
		return 1;
	if (in->len >= in->cap)
		return -ENOBUFS;
	struct entry *e = insert(in, h, outlet, name);
	if (!e)
		return -ENOMEM;
	e->due = due_ms;
	e->scanned = true;
	settling_insert(&in->settling, e);
	return 0;
}

bool wn_intake_pop(wn_intake *in, uint64_t now_ms, wn_intake_item *item)
{
	while (in->settling.head && in->settling.head->due <= now_ms) {
		struct entry *e = in->settling.head;
		list_unlink(&in->settling, e);
		e->ready = true;
		list_push_tail(&in->ready, e);
	}
	struct entry *e = in->ready.head;
	if (!e)
		return false;
	list_unlink(&in->ready, e);
	struct entry **pp = &in->buckets[e->hash & (in->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	in->len--;
	item->outlet = e->outlet;
	item->name = e->name;
	item->scanned = e->scanned;
	free(e);
	return true;
}

void wn_intake_item_clear(wn_intake_item *item)
{
	free(item->outlet);
	free(item->name);
	item->outlet = item->name = NULL;
}

bool wn_intake_contains(const wn_intake *in, const char *outlet, const char *name)
{
	return lookup(in, key_hash(outlet, name), outlet, name) != NULL;
}

size_t wn_intake_len(const wn_intake *in)
{
	return in->len;
}

size_t wn_intake_cap(const wn_intake *in)
{
	return in->cap;
}

uint64_t wn_intake_next_due(const wn_intake *in)
{
	return in->settling.head ? in->settling.head->due : UINT64_MAX;
}
