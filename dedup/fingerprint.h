/* fingerprint.h — XXH3 fingerprints of quotes and article bodies.
 *
 * Quotes: every k-gram of WN_QUOTE_GRAM consecutive normalised words
 * (normalise.h) that holds at least WN_QUOTE_MIN_CONTENT content words
 * (words that are not English function words) is fingerprinted with XXH3.
 * All such k-grams are kept, none sampled away, which gives the guarantee:
 *
 *   two quotes that share a run of >= 7 normalised words, in which some 7
 *   consecutive words hold >= 2 content words, share a fingerprint and are
 *   found; a shared run of fewer than 7 words, or one made of function
 *   words ("we are not going to be ... with them"), never makes a match.
 *
 * So a fragment of a longer quote matches it as soon as it holds 7 of its
 * words, and generic phrases ("we are not going to") never match alone.
 * False matches need a 64-bit hash collision.
 *
 * Bodies: an exact fingerprint (XXH3-128 of the normalised words) and a
 * MinHash signature of WN_MINHASH values over the distinct word 5-grams
 * (shingles), indexed by locality-sensitive hashing in WN_BANDS bands of
 * WN_BAND_ROWS values. Two bodies are near duplicates when the estimated
 * share of the smaller one's shingles found in the larger one (containment)
 * is >= WN_NEAR_CONTAINMENT and the smaller has at least
 * WN_NEAR_MIN_RATIO of the larger's shingles — a syndicated copy with a
 * cut ending, another headline or light edits passes; two articles on the
 * same event that share a few quotes share far fewer shingles and do not.
 * Bodies of fewer than WN_DEDUP_MIN_WORDS words are not compared at all.
 */
#ifndef WN_FINGERPRINT_H
#define WN_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dedup/normalise.h"

#define WN_QUOTE_GRAM 7
#define WN_QUOTE_MIN_CONTENT 2

#define WN_SHINGLE 5
#define WN_MINHASH 64
#define WN_BANDS 32
#define WN_BAND_ROWS 2
#define WN_NEAR_CONTAINMENT 0.6
#define WN_NEAR_MIN_RATIO 0.25
#define WN_DEDUP_MIN_WORDS 20

/* The distinct fingerprints of a quote's eligible k-grams, sorted
 * ascending. *grams is malloc'd (NULL when none). Returns 0 or -ENOMEM. */
int wn_fp_quote_grams(const wn_words *w, uint64_t **grams, size_t *n);

typedef struct wn_body_sig {
	bool comparable;             /* false: too short to compare */
	uint8_t exact[16];           /* XXH3-128 of the normalised words */
	uint32_t shingles;           /* distinct shingles */
	uint32_t minhash[WN_MINHASH];
} wn_body_sig;

/* Signature of a normalised body. Returns 0 or -ENOMEM. */
int wn_fp_body(const wn_words *w, wn_body_sig *sig);

/* LSH band keys of a signature (one per band). */
void wn_fp_bands(const wn_body_sig *sig, uint64_t bands[WN_BANDS]);

/* Estimated containment of the smaller body in the larger, 0..1. */
double wn_fp_containment(const wn_body_sig *a, const wn_body_sig *b);

/* The near-duplicate decision (see above); exact duplicates pass too. */
bool wn_fp_near_duplicate(const wn_body_sig *a, const wn_body_sig *b);

#endif
