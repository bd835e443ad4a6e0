/* records.h — what the index remembers of recorded articles and quotes, so
 * that verifying a quote candidate and naming the article it came from
 * needs no store read.
 *
 * A cache over the store (the truth), filled two ways by the index: when it
 * records an article (its id, outlet, quotes and their k-grams are at hand)
 * and, for rows written before, on first use from the store. An entry is
 * either unknown (not read yet), known, or absent (no such row: expired).
 * Articles are kept by seq and quotes by quote id in arrays from the lowest
 * id in the store up (ids are dense and never reused); a quote's k-grams,
 * in full (64 bits, so a check against them is exact), in one arena.
 *
 * Quote clusters change when a quote joins two of them (the store updates
 * every row of the younger cluster): instead of touching every cached
 * quote, a merge is remembered as younger -> older, and a cached cluster
 * is read through those links (wn_records_cluster).
 *
 * The body signatures of the last WN_RECORDS_SIGS articles recorded are
 * kept too (near-duplicates are mostly recent copies): a candidate among
 * them is checked without reading its row.
 *
 * Memory: 16 bytes per article and per quote, 8 per k-gram, 8 per merge
 * (slots at most half full), and a fixed ~2.4 MB of recent signatures. Single-threaded. Everything is dropped by
 * wn_records_reset (the index does it whenever memory is rebuilt or rows
 * expire), after which entries are read again as needed.
 */
#ifndef WN_RECORDS_H
#define WN_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dedup/fingerprint.h"

#define WN_RECORDS_SIGS 8192

enum { WN_REC_UNKNOWN = 0, WN_REC_KNOWN, WN_REC_ABSENT };

typedef struct {
	uint64_t id;     /* the article id's 16 hex digits as a number */
	uint32_t outlet; /* outlet id */
	uint8_t state;   /* WN_REC_*; an id that is not 16 hex digits is never cached */
} wn_art_rec;

typedef struct {
	uint32_t seq;     /* the article holding it; UINT32_MAX: absent */
	uint32_t cluster; /* as stored when cached (0: unknown); read it through wn_records_cluster */
	uint32_t gram_at; /* its k-grams: arena[gram_at .. gram_at + ngrams), sorted */
	uint32_t ngrams;
} wn_quote_rec;

typedef struct {
	uint32_t from, to;
} wn_merge_link;

typedef struct {
	uint32_t seq; /* 0: empty */
	uint32_t canonical; /* duplicate_of, or seq itself */
	wn_body_sig sig;    /* as its row reads back: all zero when not comparable */
} wn_sig_slot;

typedef struct wn_records {
	uint32_t seq_lo, qid_lo; /* the arrays start here */
	wn_art_rec *art;
	size_t nart, art_cap;
	wn_quote_rec *quote;
	size_t nquote, quote_cap;
	uint64_t *arena;
	size_t narena, arena_cap;
	wn_merge_link *links; /* open addressing on `from`; 0: empty */
	size_t nlinks, link_slots;
	wn_sig_slot *sigs; /* WN_RECORDS_SIGS, by seq modulo (NULL until the first) */
} wn_records;

/* Forget everything; the arrays then start at these ids (the lowest in the
 * store: nothing below them is ever asked for). */
void wn_records_reset(wn_records *r, uint32_t seq_lo, uint32_t qid_lo);
void wn_records_free(wn_records *r);

/* The article's entry (NULL: below the range, or unknown and beyond it). */
const wn_art_rec *wn_records_article(const wn_records *r, uint32_t seq);
/* Remember an article; id NULL or not 16 hex digits: remember only that
 * it is absent when absent is true, else nothing. Returns 0 or -ENOMEM. */
int wn_records_set_article(wn_records *r, uint32_t seq, const char *id, uint32_t outlet, bool absent);
/* The id of a known entry as text (17 bytes). */
void wn_records_id_text(const wn_art_rec *a, char out[17]);

/* The quote's entry, or NULL when unknown. */
const wn_quote_rec *wn_records_quote(const wn_records *r, uint32_t qid);
/* Its k-grams. */
static inline const uint64_t *wn_records_grams(const wn_records *r, const wn_quote_rec *q)
{
	return r->arena + q->gram_at;
}
/* Remember a quote (grams sorted, n > 0) or that it is absent (grams NULL).
 * Returns 0 or -ENOMEM (nothing remembered then). */
int wn_records_set_quote(wn_records *r, uint32_t qid, uint32_t seq, uint32_t cluster,
			 const uint64_t *grams, size_t n);

/* The cluster a cached cluster value stands for now, after the merges. */
uint32_t wn_records_cluster(const wn_records *r, uint32_t cluster);
/* The store moved the rows of cluster `from` to cluster `to` (to < from),
 * in the order the index wrote its merges; memory follows it exactly (in
 * the rare case a link cannot say it, the quotes are forgotten, to be read
 * again). Returns 0, -EINVAL, or -ENOMEM (then forget the quotes). */
int wn_records_merge(wn_records *r, uint32_t from, uint32_t to);
/* Forget the quotes and merges (articles stay). */
void wn_records_forget_quotes(wn_records *r);

/* Keep a recorded article's signature as its row reads back (comparable:
 * minhash and exact; else nothing but not comparable), replacing the one
 * WN_RECORDS_SIGS seqs older. Returns 0 or -ENOMEM (not kept). */
int wn_records_put_sig(wn_records *r, uint32_t seq, const wn_body_sig *sig, uint32_t canonical);
/* The signature kept for seq, or NULL. */
const wn_sig_slot *wn_records_sig(const wn_records *r, uint32_t seq);

/* Bytes allocated. */
size_t wn_records_bytes(const wn_records *r);

#endif
