/* filter.h — the filter contract.
 *
 * A filter is a pure function over one document: it reads the lines and
 * marks some removed (wn_doc_remove, with a reason that names the filter
 * or rule), or sets metadata fields. It keeps no state between calls and
 * touches nothing but the document; anything it needs from outside comes
 * read-only through the context. Returns 0 or a negative errno.
 *
 * Reasons are short stable identifiers shown in the JSON `removed` list:
 * "blank", "duplicate-line", "title", "byline", "date", "repeated-title",
 * "rule:<id>", "heuristic:<feature>", "chrome".
 */
#ifndef WN_FILTER_H
#define WN_FILTER_H

#include "lib/doc.h"

typedef struct wn_filter_ctx {
	const char *outlet; /* the document's outlet */
	const void *data;   /* filter-specific read-only data (rules, chrome view) */
} wn_filter_ctx;

typedef int (*wn_filter_fn)(wn_doc *doc, const wn_filter_ctx *ctx);

/* Whitespace: trims lines, folds runs of white space (Unicode spaces
 * included) to one space, records indentation, marks lines with nothing
 * but white space or invisible characters as blank, decides whether the
 * text is hard-wrapped and regroups blocks. Runs first. */
int wn_filter_whitespace(wn_doc *doc, const wn_filter_ctx *ctx);

/* Repeated blocks: a paragraph whose normalised text (case and white space
 * folded) already appeared earlier in the document is removed as
 * "duplicate-line"; the first occurrence stays. */
int wn_filter_repeated(wn_doc *doc, const wn_filter_ctx *ctx);

/* Metadata: picks the title (the first short heading-like line before the
 * first body paragraph), a byline ("By …", "Name | date") and a date line
 * in the head of the document, unless set already; removes them from the
 * body, and removes later lines that repeat the title. Runs last. */
int wn_filter_meta(wn_doc *doc, const wn_filter_ctx *ctx);

/* Normalised key of a text for equality tests: lower case (Unicode case
 * fold), white space folded, ASCII digits kept. Caller frees. */
char *wn_fold_key(const char *text, size_t len);

/* The same key written to `out`, which holds at least WN_FOLD_KEY_MAX(len)
 * bytes; returns its length (NUL-terminated). With `zero_digits`, every
 * ASCII digit of the key becomes '0'. No allocation. */
#define WN_FOLD_KEY_MAX(len) ((len) * 3 + 1)
size_t wn_fold_key_into(const char *text, size_t len, bool zero_digits, char *out);

/* Words in a line: maximal runs of letters or digits (Unicode aware). */
size_t wn_count_words(const char *text, size_t len);

/* The same count, taken only as far as a question needs: "has the text
 * more than `limit` words?" reads up to the word that passes the limit and
 * remembers where it stopped, so later questions about the same text go on
 * from there. Initialise with wn_word_count_init. */
typedef struct wn_word_count {
	const char *text;
	size_t len, pos, words;
	bool in_word;
} wn_word_count;

void wn_word_count_init(wn_word_count *wc, const char *text, size_t len);
bool wn_words_exceed(wn_word_count *wc, size_t limit);

#endif
