/* heuristics.h — telling article text from page chrome by the text alone.
 *
 * Works on paragraphs (doc blocks; in a text-browser dump without hard
 * wrapping, each line).  Every paragraph gets features: words, length,
 * stopword density (English; in a document with too few English stopwords
 * the feature is not used, so other languages are judged on the rest),
 * terminal punctuation, share of capitalised words, separators (| » • ·),
 * list markers, links.  From them a class, in the spirit of jusText:
 *
 *   GOOD   prose: long, ends a sentence, enough stopwords
 *   NEAR   prose-like but short or with fewer stopwords (in a language
 *          without a stopword list: long and sentence-cased, but with no
 *          sentence end)
 *   SHORT  too short to judge alone (headings, list items, captions)
 *   BAD    chrome on its own features (reason says which)
 *
 * Then context, in the spirit of boilerpipe: runs of GOOD paragraphs that
 * are close together (few non-GOOD paragraphs between them) form segments;
 * the segment with the most text, weighted by its share of GOOD paragraphs,
 * is the article, joined with neighbouring dense segments.  Inside it,
 * NEAR and SHORT paragraphs stay (headings, short paragraphs, lists) unless
 * they form a menu-like run of short list items; BAD ones go, except a
 * subheading (heading-shaped, prose before it and a GOOD paragraph after).  Outside it,
 * everything goes (header and footer zones), except sentences that
 * directly continue the article, a list introduced by a line ending in ':',
 * and the title with byline/date lines just before the article (left for
 * the metadata filter).  Identical captions printed twice in a row go.
 *
 * Reasons: "heuristic:<feature>" with feature one of link, separators,
 * no-letters, doubled-text (an image's alt text and title printed side by
 * side: "X X"), few-stopwords, no-punctuation, title-case, menu,
 * repeated-caption, title-caption (an image caption that starts with the
 * title: "<title> A view of ..."), header, footer.
 * Linear in the size of the document.
 */
#ifndef WN_HEURISTICS_H
#define WN_HEURISTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filters/filter.h"

typedef struct wn_text_features {
	uint32_t words;       /* words; each CJK character counts as one */
	uint32_t chars;       /* code points; CJK characters count three */
	uint32_t stopwords;   /* English stopwords among the words */
	uint32_t content_words;  /* words starting with a letter, not stopwords */
	uint32_t capitalised; /* of those, starting with an upper-case letter */
	uint32_t separators;  /* | » • · › and " / " */
	uint32_t url_chars;   /* bytes inside URLs */
	bool terminal;        /* ends a sentence: . ! ? … ; : (after closing quotes) */
	bool colon;           /* ends with ':' */
	bool bullet;          /* starts with a list marker: * + o • - # or "1." */
	bool starts_upper;    /* first letter is upper case (or uncased) */
	bool has_year;        /* contains a year 1900-2099 */
} wn_text_features;

/* Features of `len` bytes of UTF-8 text. Accumulates into *f, so a
 * paragraph's lines can be added one after another; clear *f first. The
 * `terminal`, `colon` flags follow the last text added; `bullet` and
 * `starts_upper` the first. */
void wn_text_features_add(wn_text_features *f, const char *text, size_t len, bool first);

/* Is the (ASCII, any case) word an English stopword? */
bool wn_english_stopword(const char *word, size_t len);

/* The stopword list itself, in lower case: *n words. */
const char *const *wn_english_stopwords(size_t *n);

/* The heuristics filter. ctx->data is unused. */
int wn_filter_heuristics(wn_doc *doc, const wn_filter_ctx *ctx);

#endif
