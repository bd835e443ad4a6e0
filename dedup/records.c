/* records.c — see records.h. */
#include "dedup/records.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void wn_records_free(wn_records *r)
{
	free(r->art);
	free(r->quote);
	free(r->arena);
	free(r->links);
	free(r->sigs);
	memset(r, 0, sizeof *r);
}

void wn_records_reset(wn_records *r, uint32_t seq_lo, uint32_t qid_lo)
{
	wn_records_free(r);
	r->seq_lo = seq_lo;
	r->qid_lo = qid_lo;
}

/* Make v (of elem-sized entries, zeroed when new) hold at least `need`. */
static int grow(void **v, size_t *cap, size_t elem, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c += c / 2;
	unsigned char *p = realloc(*v, c * elem);
	if (!p)
		return -ENOMEM;
	memset(p + *cap * elem, 0, (c - *cap) * elem);
	*v = p;
	*cap = c;
	return 0;
}

const wn_art_rec *wn_records_article(const wn_records *r, uint32_t seq)
{
	if (seq < r->seq_lo || seq - r->seq_lo >= r->nart)
		return NULL;
	return &r->art[seq - r->seq_lo];
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Ids are 16 lowercase hex digits (doc.h): kept as 8 bytes. Anything else
 * is not cached, so the text read back is always the text stored. */
static bool id_value(const char *id, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 16; i++) {
		int d = id[i] ? hex_digit(id[i]) : -1;
		if (d < 0)
			return false;
		*v = *v << 4 | (uint64_t)d;
	}
	return id[16] == '\0';
}

void wn_records_id_text(const wn_art_rec *a, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++)
		out[i] = hex[(a->id >> (60 - 4 * i)) & 15];
	out[16] = '\0';
}

int wn_records_set_article(wn_records *r, uint32_t seq, const char *id, uint32_t outlet, bool absent)
{
	uint64_t v = 0;
	if (seq < r->seq_lo || (!absent && (!id || !id_value(id, &v))))
		return 0;
	size_t i = seq - r->seq_lo;
	if (grow((void **)&r->art, &r->art_cap, sizeof *r->art, i + 1) < 0)
		return -ENOMEM;
	if (i >= r->nart)
		r->nart = i + 1;
	r->art[i] = absent ? (wn_art_rec){.state = WN_REC_ABSENT}
			   : (wn_art_rec){.id = v, .outlet = outlet, .state = WN_REC_KNOWN};
	return 0;
}

const wn_quote_rec *wn_records_quote(const wn_records *r, uint32_t qid)
{
	if (qid < r->qid_lo || qid - r->qid_lo >= r->nquote)
		return NULL;
	const wn_quote_rec *q = &r->quote[qid - r->qid_lo];
	return q->cluster ? q : NULL;
}

int wn_records_set_quote(wn_records *r, uint32_t qid, uint32_t seq, uint32_t cluster,
			 const uint64_t *grams, size_t n)
{
	if (qid < r->qid_lo || (grams && (cluster == 0 || n == 0)))
		return 0;
	size_t i = qid - r->qid_lo;
	if (grams && r->narena + n > UINT32_MAX)
		return -ENOMEM;
	if (grow((void **)&r->quote, &r->quote_cap, sizeof *r->quote, i + 1) < 0 ||
	    (grams && grow((void **)&r->arena, &r->arena_cap, sizeof *r->arena, r->narena + n) < 0))
		return -ENOMEM;
	if (i >= r->nquote)
		r->nquote = i + 1;
	if (!grams) {
		r->quote[i] = (wn_quote_rec){.seq = UINT32_MAX, .cluster = UINT32_MAX};
		return 0;
	}
	memcpy(r->arena + r->narena, grams, n * sizeof *grams);
	r->quote[i] = (wn_quote_rec){.seq = seq, .cluster = cluster, .gram_at = (uint32_t)r->narena,
				     .ngrams = (uint32_t)n};
	r->narena += n;
	return 0;
}

/* ---- merge links: from -> to, open addressing (a power of two of slots,
 * at most half full) ---- */

static size_t link_slot(const wn_records *r, uint32_t from)
{
	size_t p = (size_t)(((uint64_t)from * 0x9E3779B97F4A7C15ull) >> 32) & (r->link_slots - 1);
	while (r->links[p].from && r->links[p].from != from)
		p = (p + 1) & (r->link_slots - 1);
	return p;
}

uint32_t wn_records_cluster(const wn_records *r, uint32_t cluster)
{
	/* each link goes to a lower id, so the walk ends */
	while (r->nlinks) {
		const wn_merge_link *l = &r->links[link_slot(r, cluster)];
		if (!l->from)
			break;
		cluster = l->to;
	}
	return cluster;
}

void wn_records_forget_quotes(wn_records *r)
{
	free(r->quote);
	free(r->arena);
	free(r->links);
	r->quote = NULL;
	r->arena = NULL;
	r->links = NULL;
	r->nquote = r->quote_cap = r->narena = r->arena_cap = r->nlinks = r->link_slots = 0;
}

static bool linked(const wn_records *r, uint32_t c)
{
	return r->nlinks && r->links[link_slot(r, c)].from;
}

int wn_records_merge(wn_records *r, uint32_t from, uint32_t to)
{
	if (from == 0 || to >= from)
		return -EINVAL;
	/* The store's UPDATE moves the rows that hold `from` now: none when it
	 * joined another cluster already. */
	if (linked(r, from))
		return 0;
	/* Rows moved to a cluster that itself joined another: a link would
	 * carry them on, the store does not. Rare: read them all again. */
	if (linked(r, to)) {
		wn_records_forget_quotes(r);
		return 0;
	}
	if (2 * (r->nlinks + 1) > r->link_slots) {
		size_t slots = r->link_slots ? 2 * r->link_slots : 64;
		wn_merge_link *old = r->links;
		size_t nold = r->link_slots;
		if (!(r->links = calloc(slots, sizeof *r->links))) {
			r->links = old;
			return -ENOMEM;
		}
		r->link_slots = slots;
		for (size_t i = 0; i < nold; i++)
			if (old[i].from)
				r->links[link_slot(r, old[i].from)] = old[i];
		free(old);
	}
	r->links[link_slot(r, from)] = (wn_merge_link){from, to};
	r->nlinks++;
	return 0;
}

int wn_records_put_sig(wn_records *r, uint32_t seq, const wn_body_sig *sig, uint32_t canonical)
{
	if (seq == 0)
		return -EINVAL;
	if (!r->sigs && !(r->sigs = calloc(WN_RECORDS_SIGS, sizeof *r->sigs)))
		return -ENOMEM;
	wn_sig_slot *s = &r->sigs[seq % WN_RECORDS_SIGS];
	memset(s, 0, sizeof *s);
	s->seq = seq;
	s->canonical = canonical;
	if (sig->comparable) /* what a row without fingerprints gives back */
		s->sig = *sig;
	return 0;
}

const wn_sig_slot *wn_records_sig(const wn_records *r, uint32_t seq)
{
	if (!r->sigs || seq == 0 || r->sigs[seq % WN_RECORDS_SIGS].seq != seq)
		return NULL;
	return &r->sigs[seq % WN_RECORDS_SIGS];
}

size_t wn_records_bytes(const wn_records *r)
{
	return (r->sigs ? WN_RECORDS_SIGS * sizeof *r->sigs : 0) + r->art_cap * sizeof *r->art + r->quote_cap * sizeof *r->quote +
	       r->arena_cap * sizeof *r->arena + r->link_slots * sizeof *r->links;
}
