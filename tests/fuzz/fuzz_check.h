/* fuzz_check.h — invariants the fuzz harnesses assert on every input.
 *
 * The sanitizers catch memory errors and undefined behaviour; these checks
 * catch wrong results that are still memory-safe: a document or a cleaned
 * body that breaks the output contract (README, "Output"). A violation
 * prints what broke and aborts, which libFuzzer reports as a crash.
 */
#ifndef WN_FUZZ_CHECK_H
#define WN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/doc.h"
#include "lib/pipeline.h"
#include "lib/text.h"

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                                 \
			abort();                                                           \
		}                                                                          \
	} while (0)

static inline int fuzz_valid_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = wn_utf8_seq_len(u + i, n - i);
		if (k == 0 || u[i] == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* The document model: lines point into the text, numbered in order, valid
 * UTF-8 without NULs; blocks cover exactly the non-blank lines. */
static inline void fuzz_check_doc(const wn_doc *doc)
{
	FUZZ_CHECK(doc->nlines == doc->stats.lines_in);
	size_t in_blocks = 0;
	for (size_t b = 0; b < doc->nblocks; b++) {
		const wn_block *bl = &doc->blocks[b];
		FUZZ_CHECK(bl->count > 0);
		FUZZ_CHECK((size_t)bl->first + bl->count <= doc->nlines);
		for (uint32_t j = 0; j < bl->count; j++)
			FUZZ_CHECK(doc->lines[bl->first + j].block == b);
		in_blocks += bl->count;
	}
	size_t nonblank = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		FUZZ_CHECK(l->lineno == i + 1);
		FUZZ_CHECK(strlen(l->text) == l->len);
		FUZZ_CHECK(fuzz_valid_utf8(l->text, l->len));
		FUZZ_CHECK(l->blank == (l->block == WN_NO_BLOCK));
		nonblank += !l->blank;
		if (l->reason)
			FUZZ_CHECK(l->reason[0] != '\0');
	}
	FUZZ_CHECK(in_blocks == nonblank);
	const char *fields[] = {doc->title, doc->byline, doc->date};
	for (size_t k = 0; k < 3; k++)
		if (fields[k])
			FUZZ_CHECK(fuzz_valid_utf8(fields[k], strlen(fields[k])));
}

/* The cleaned body: UTF-8, LF only, paragraphs split by exactly one blank
 * line, a final newline unless empty, its length and lines in the stats. */
static inline void fuzz_check_body(const wn_doc *doc, const char *body, size_t len)
{
	FUZZ_CHECK(strlen(body) == len);
	FUZZ_CHECK(fuzz_valid_utf8(body, len));
	FUZZ_CHECK(memchr(body, '\r', len) == NULL);
	FUZZ_CHECK(strstr(body, "\n\n\n") == NULL);
	if (len > 0) {
		FUZZ_CHECK(body[0] != '\n');
		FUZZ_CHECK(body[len - 1] == '\n');
	}
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += body[i] == '\n';
	FUZZ_CHECK(doc->stats.bytes_out == len);
	FUZZ_CHECK(doc->stats.lines_out == lines);
}

/* The cleaner with the default configuration (built-in rules, heuristics),
 * as the daemon builds it; a harness that cannot have it aborts. */
static inline wn_cleaner *fuzz_default_cleaner(const char *harness)
{
	char err[256] = "";
	wn_cleaner_config cfg = {0};
	wn_cleaner *c;
	if (wn_cleaner_new(&cfg, &c, err, sizeof err) < 0) {
		fprintf(stderr, "%s: cannot build the cleaner: %s\n", harness, err);
		abort();
	}
	return c;
}

#endif
