/* doc.h — the document model every filter works on.
 *
 * A document is one article: the decoded text split into lines, each line
 * knowing its 1-based number in the input, its indentation and, once a
 * filter has removed it, why.  Lines are grouped into blocks (paragraphs):
 * in hard-wrapped text a block is a run of non-blank lines, otherwise each
 * non-blank line is a paragraph of its own.  Filters never delete: they
 * mark a line removed with a reason (first reason wins), so every decision
 * can be explained as "line N: removed because …".
 *
 * Later stages annotate the same document: title/byline/date, quotes and
 * duplicate_of (dedup), then the writer serialises it.  Data flows one way.
 */
#ifndef WN_DOC_H
#define WN_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/text.h"

#define WN_NO_BLOCK UINT32_MAX
#define WN_ID_LEN 16 /* hex characters of an article id */

enum wn_line_role {
	WN_ROLE_BODY = 0,
	WN_ROLE_TITLE,
	WN_ROLE_BYLINE,
	WN_ROLE_DATE,
};

typedef struct wn_line {
	char *text;         /* UTF-8, NUL-terminated; trimmed once whitespace ran */
	uint32_t len;       /* bytes in text */
	uint32_t lineno;    /* 1-based line number in the input */
	uint32_t indent;    /* leading columns before the text (tab = 8) */
	uint32_t block;     /* index into doc->blocks, WN_NO_BLOCK for blank lines */
	bool blank;         /* empty or only white space */
	uint8_t role;       /* enum wn_line_role */
	const char *reason; /* NULL: kept. Otherwise why it was removed (interned) */
} wn_line;

typedef struct wn_block {
	uint32_t first; /* index of the first line */
	uint32_t count; /* lines in the block, blank lines never inside */
} wn_block;

typedef struct wn_quote_ref {
	char id[WN_ID_LEN + 1];
	char *outlet;
	bool same_outlet; /* the earlier article is from this article's outlet */
} wn_quote_ref;

typedef struct wn_quote {
	char *text;            /* the quotation as it stands in the body */
	size_t start, end;     /* byte offsets into the cleaned body */
	wn_quote_ref *repeated_in;
	size_t nrepeated;
} wn_quote;

typedef struct wn_doc_stats {
	size_t bytes_in, lines_in;
	size_t bytes_out, lines_out;
	size_t invalid_replaced, controls_removed;
	const char *encoding;
} wn_doc_stats;

typedef struct wn_doc {
	char id[WN_ID_LEN + 1]; /* stable: hash of outlet and stem */
	char *outlet;           /* valid UTF-8 */
	char *source;           /* input path as given, sanitised to UTF-8 */
	char *stem;             /* file name without its last extension (raw bytes) */

	char *text;             /* decoded text; lines point into it */
	wn_line *lines;
	size_t nlines;
	wn_block *blocks;
	size_t nblocks;
	bool wrapped;           /* hard-wrapped text: blocks span lines */

	char *title, *byline, *date; /* NULL when unknown */
	char *duplicate_of;          /* id of the canonical article, or NULL */
	wn_quote *quotes;
	size_t nquotes;

	wn_doc_stats stats;

	char **reasons;         /* interned reason strings */
	size_t nreasons;
	size_t last_reason;     /* index of the one interned last: runs of lines share one */
} wn_doc;

/* Build a document from the bytes of one file. `source` is the input path
 * ("-" for stdin), `outlet` the outlet name (must pass wn_outlet_valid()).
 * Returns 0, -WN_EBINARY, -EINVAL or -ENOMEM. */
int wn_doc_parse(const char *bytes, size_t len, const char *source, const char *outlet,
		 wn_doc **out);
void wn_doc_free(wn_doc *doc);

/* Mark line i removed because of `reason` (copied). A line already removed
 * keeps its first reason. Returns 0 or -ENOMEM. */
int wn_doc_remove(wn_doc *doc, size_t i, const char *reason);

static inline bool wn_line_kept(const wn_line *l) { return !l->blank && !l->reason; }

/* Regroup lines into blocks after blank flags changed. */
int wn_doc_rebuild_blocks(wn_doc *doc);

/* Set a metadata field (title, byline or date) to a copy of text. */
int wn_doc_set_field(char **field, const char *text);

/* The cleaned body: kept lines, paragraphs separated by one blank line,
 * final newline; "" when nothing is kept. Caller frees. Also fills
 * stats.bytes_out/lines_out. */
char *wn_doc_body(wn_doc *doc, size_t *len);

/* Outlet names are single safe path components: 1..128 bytes of valid
 * UTF-8, no '/', no control characters, not starting with '.'. */
bool wn_outlet_valid(const char *outlet);

/* Article id for an outlet and a file stem (16 hex digits of XXH3-64). */
void wn_article_id(const char *outlet, const char *stem, char out[WN_ID_LEN + 1]);

#endif
