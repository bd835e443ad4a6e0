/* normalise.h — text normalised for matching, so that variants meet.
 *
 * Quotes and article bodies are compared as sequences of normalised words:
 *  - Unicode compatibility forms folded, case folded, accents stripped;
 *  - typographic quotes, dashes and ellipses are punctuation like their
 *    plain forms, and punctuation only separates words, so "not — strike",
 *    "not –strike" and "not - strike" all read "not strike";
 *  - editorial brackets are dropped with their content ("they [the
 *    Iranians] do" reads "they do");
 *  - common English contractions are expanded: there's = there is,
 *    we're = we are, n't = not (can't = can not, won't = will not),
 *    've = have, 'll = will, 'm = am, 'd = would; other 's is dropped
 *    (possessive); other apostrophes inside a word are removed (Shi'ite =
 *    shiite); "cannot" = can not;
 *  - digit groups are joined (2,000 = 2000).
 * A word is a maximal run of letters, digits and marks.
 */
#ifndef WN_NORMALISE_H
#define WN_NORMALISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The normalised words of s, separated by single spaces ("" when none).
 * Caller frees; NULL on lack of memory. */
char *wn_norm_text(const char *s, size_t len);

/* Normalised words as hashes (XXH3-64 of each word) with a flag telling
 * whether the word carries content (is not an English function word). */
typedef struct wn_words {
	uint64_t *hash;
	bool *content;
	size_t n;
} wn_words;

/* Fills *out (free with wn_words_free). Returns 0 or -ENOMEM. */
int wn_norm_words(const char *s, size_t len, wn_words *out);
void wn_words_free(wn_words *w);

/* True for an English function word ("the", "we", "not", "going" …),
 * given in normalised form. */
bool wn_norm_stopword(const char *word, size_t len);

#endif
