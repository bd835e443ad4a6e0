/* quotes.h — quotations in a cleaned article body.
 *
 * Marks understood: “…” „…“ „…” «…» ‹…› "…" ‘…’ '…'. An apostrophe is not
 * a quote mark: ’ or ' between two letters or digits (We’re, Shi’ite,
 * 1990’s) never opens nor closes, and ’ never opens. A mark opens only
 * before text and not right after a letter or digit; it closes only right
 * after text. Quotes nest: an inner quote is part of the outer one, which
 * is what is reported. A quote left open at the end of a paragraph goes on
 * when the next paragraph starts with an opening mark of the same kind
 * (the convention for quotes of several paragraphs); otherwise a
 * typographic quote (“ „ «) ends with its paragraph, and an unclosed
 * straight or single quote is dropped as unreliable.
 */
#ifndef WN_QUOTES_H
#define WN_QUOTES_H

#include <stddef.h>

/* One quotation: body[start, end) is its text without the outer marks,
 * trimmed of white space; it may span paragraphs (then it holds the
 * paragraph break and the re-opening mark as they stand in the body). */
typedef struct wn_quote_span {
	size_t start, end;
} wn_quote_span;

/* Find the quotations holding at least one letter or digit in body (len
 * bytes, valid UTF-8, paragraphs separated by a blank line), in order.
 * *spans is malloc'd (NULL when none). Returns 0 or -ENOMEM. */
int wn_quotes_find(const char *body, size_t len, wn_quote_span **spans, size_t *n);

#endif
