/* chrome.h — learned site chrome: lines an outlet repeats across its pages.
 *
 * The index (dedup/index.h) counts, per outlet, in how many distinct
 * documents each normalised line appeared; a line seen in >= N documents of
 * one outlet is chrome for that outlet from then on. This filter is the
 * pure half: given a read-only view of the chrome lines that apply to this
 * document (ctx->data), it marks every line whose key is in the view as
 * removed with reason "chrome". It never learns anything itself.
 */
#ifndef WN_CHROME_H
#define WN_CHROME_H

#include <stddef.h>
#include <stdint.h>

#include "filters/filter.h"

/* Chrome lines for one document: sorted, distinct line keys. Optionally
 * also the key of each of the document's lines, as wn_chrome_doc_line_keys
 * gives them (the index computes them anyway to count the page), so the
 * filter need not compute them again; NULL, or nlines not the document's:
 * the filter computes them. */
typedef struct wn_chrome_view {
	const uint64_t *keys;
	size_t nkeys;
	const uint64_t *line_keys;
	size_t nlines;
} wn_chrome_view;

/* Key of a line for counting: XXH3-64 of its text with case folded, every
 * ASCII digit turned into '0' and white space folded, so "© 2014 Foo" and
 * "© 2015 foo" count as one line. Returns 0 or -ENOMEM. */
int wn_chrome_line_key(const char *text, size_t len, uint64_t *key);

/* The distinct keys of a document's non-blank lines (removed ones too: the
 * counts must not depend on the rules in force), sorted. *keys is malloc'd
 * (NULL when there is none); (*line_of)[i] is the index of the first line
 * with keys[i]. Returns 0 or -ENOMEM. */
int wn_chrome_doc_keys(const wn_doc *doc, uint64_t **keys, size_t **line_of, size_t *nkeys);

/* The same, and the key of every line into line_keys (doc->nlines of them,
 * given by the caller; a blank line's is 0). line_of may be NULL: not
 * wanted (finding first lines costs a search per line). */
int wn_chrome_doc_line_keys(const wn_doc *doc, uint64_t *line_keys, uint64_t **keys, size_t **line_of,
			    size_t *nkeys);

/* Marks lines whose key is in the view (ctx->data, a wn_chrome_view; NULL
 * or empty: nothing to do) removed as "chrome", except short lines that read
 * as a byline ("By Name") or hold a date ("Sept 16, 2014", "2014-09-16"):
 * the same author or month repeats across an outlet's pages, but those
 * lines are the article's metadata and are left to the metadata filter. */
int wn_filter_chrome(wn_doc *doc, const wn_filter_ctx *ctx);

#endif
