/* quotes.c — quotations in a cleaned body (see quotes.h). */
#include "dedup/quotes.h"
#include "lib/swar.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum kind { Q_NONE, Q_DOUBLE, Q_LOW, Q_GUIL, Q_SGUIL, Q_STRAIGHT, Q_SINGLE, Q_STRAIGHT_SINGLE };

#define MAX_DEPTH 8

typedef struct {
	enum kind kind;
	size_t content;
} open_mark;

typedef struct {
	const char *s;
	size_t len;
	open_mark stack[MAX_DEPTH];
	size_t depth;
	wn_quote_span *spans;
	size_t n, cap;
} scanner;

static bool is_wordchar(int32_t cp)
{
	if (cp <= 0)
		return false;
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

static bool is_space(int32_t cp)
{
	return cp <= 0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == 0xA0 ||
	       utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

static int32_t cp_at(const char *s, size_t len, size_t i, size_t *k)
{
	int32_t cp = -1;
	utf8proc_ssize_t r = i < len ? utf8proc_iterate((const utf8proc_uint8_t *)s + i,
							(utf8proc_ssize_t)(len - i), &cp)
				     : 0;
	*k = r > 0 ? (size_t)r : 1;
	return r > 0 ? cp : -1;
}

static int32_t cp_before(const char *s, size_t i)
{
	if (i == 0)
		return -1;
	size_t j = i - 1;
	while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
		j--;
	size_t k;
	return cp_at(s, i, j, &k);
}

static int add_span(scanner *sc, size_t start, size_t end)
{
	while (start < end && (sc->s[start] == ' ' || sc->s[start] == '\n'))
		start++;
	while (end > start && (sc->s[end - 1] == ' ' || sc->s[end - 1] == '\n'))
		end--;
	bool words = false;
	for (size_t i = start; i < end && !words;) {
		size_t k;
		words = is_wordchar(cp_at(sc->s, end, i, &k));
		i += k;
	}
	if (!words)
		return 0;
	/* Quotes recorded inside this one are part of it. */
	while (sc->n > 0 && sc->spans[sc->n - 1].start >= start)
		sc->n--;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 8;
		wn_quote_span *p = realloc(sc->spans, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		sc->spans = p;
		sc->cap = cap;
	}
	sc->spans[sc->n++] = (wn_quote_span){start, end};
	return 0;
}

static bool is_double(enum kind k)
{
	return k == Q_DOUBLE || k == Q_LOW || k == Q_GUIL || k == Q_STRAIGHT;
}

/* Close the innermost open mark of kind a or b (Q_NONE: unused); *closed
 * tells whether one was open. A closing with no double mark open below it
 * makes a quote: a stray single mark must not hide the quotes after it. */
static int try_close(scanner *sc, size_t at, enum kind a, enum kind b, bool *closed)
{
	*closed = false;
	for (size_t d = sc->depth; d-- > 0;) {
		enum kind k = sc->stack[d].kind;
		if (k != a && k != b)
			continue;
		*closed = true;
		size_t content = sc->stack[d].content;
		sc->depth = d;
		for (size_t e = 0; e < d; e++)
			if (is_double(sc->stack[e].kind))
				return 0;
		return add_span(sc, content, at);
	}
	return 0;
}

static void push(scanner *sc, enum kind k, size_t content)
{
	if (sc->depth < MAX_DEPTH)
		sc->stack[sc->depth++] = (open_mark){k, content};
}

/* Kind a mark opens, if it can open at all. */
static enum kind opener_kind(int32_t cp)
{
	switch (cp) {
	case 0x201C: return Q_DOUBLE;
	case 0x201E: return Q_LOW;
	case 0x00AB: return Q_GUIL;
	case 0x2039: return Q_SGUIL;
	case '"': return Q_STRAIGHT;
	case 0x2018: return Q_SINGLE;
	case '\'': return Q_STRAIGHT_SINGLE;
	default: return Q_NONE;
	}
}

static bool same_family(enum kind open, int32_t reopener)
{
	enum kind k = opener_kind(reopener);
	bool dbl = open == Q_DOUBLE || open == Q_LOW;
	return k == open || (dbl && (k == Q_DOUBLE || k == Q_LOW));
}

/* Handle one mark at byte i (k bytes long). */
static int mark(scanner *sc, int32_t cp, size_t i, size_t k)
{
	int32_t prev = cp_before(sc->s, i);
	size_t nk;
	int32_t next = cp_at(sc->s, sc->len, i + k, &nk);
	/* French sets guillemets apart with spaces: « texte » */
	bool guillemet = cp == 0x00AB || cp == 0x2039;
	bool can_open = (guillemet || !is_space(next)) && !is_wordchar(prev);
	bool can_close = !is_space(prev);
	bool closed = false;
	int rc = 0;
	switch (cp) {
	case 0x201C: /* “ opens; closes „ (German), or “ used for both */
		rc = try_close(sc, i, Q_LOW, Q_NONE, &closed);
		if (!closed && can_close && !can_open)
			rc = try_close(sc, i, Q_DOUBLE, Q_NONE, &closed);
		break;
	case 0x201D: /* ” */
		return try_close(sc, i, Q_DOUBLE, Q_LOW, &closed);
	case 0x00BB: rc = try_close(sc, i, Q_GUIL, Q_NONE, &closed); return rc;
	case 0x203A: rc = try_close(sc, i, Q_SGUIL, Q_NONE, &closed); return rc;
	case '"':
		if (can_close)
			rc = try_close(sc, i, Q_STRAIGHT, Q_NONE, &closed);
		break;
	case 0x2019: /* ’ closes, unless it is an apostrophe */
	case '\'':
		if (is_wordchar(prev) && is_wordchar(next))
			return 0;
		if (can_close)
			rc = try_close(sc, i, Q_SINGLE, Q_STRAIGHT_SINGLE, &closed);
		if (cp == 0x2019)
			return rc;
		break;
	default: break;
	}
	if (rc < 0 || closed)
		return rc;
	enum kind ok = opener_kind(cp);
	if (ok != Q_NONE && can_open)
		push(sc, ok, i + k);
	return 0;
}

/* A paragraph ended at byte `end`; the next one starts at `next` (or the
 * body ended). Continue a quote re-opened there, or end what is open. */
static int paragraph_end(scanner *sc, size_t end, size_t next, bool *skip_reopen)
{
	*skip_reopen = false;
	size_t d = 0;
	while (d < sc->depth && !is_double(sc->stack[d].kind))
		d++;
	if (d == sc->depth) { /* only single marks open: unreliable */
		sc->depth = 0;
		return 0;
	}
	sc->stack[0] = sc->stack[d];
	enum kind k = sc->stack[0].kind;
	size_t nk;
	int32_t first = next < sc->len ? cp_at(sc->s, sc->len, next, &nk) : -1;
	if (first > 0 && same_family(k, first)) {
		sc->depth = 1;
		*skip_reopen = true;
		return 0;
	}
	sc->depth = 0;
	if (k == Q_DOUBLE || k == Q_LOW || k == Q_GUIL)
		return add_span(sc, sc->stack[0].content, end);
	return 0;
}

/* The first byte at or after i that may matter: a newline, a straight
 * mark or the start of a non-ASCII character; 8 bytes at a time. */
static size_t skip_plain(const char *s, size_t i, size_t len)
{
	for (; i + 8 <= len; i += 8) {
		uint64_t w = wn_swar_load(s + i);
		if ((wn_swar_eq(w, '\n') | wn_swar_eq(w, '"') | wn_swar_eq(w, '\'') | w) & WN_SWAR_HIGHS)
			break;
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c == '"' || c == '\'' || c == '\n')
			break;
	}
	return i;
}

int wn_quotes_find(const char *body, size_t len, wn_quote_span **spans, size_t *n)
{
	scanner sc = {.s = body, .len = len};
	int rc = 0;
	bool skip_reopen = false;
	for (size_t i = 0; i < len && rc == 0;) {
		if (!skip_reopen && (i = skip_plain(body, i, len)) >= len)
			break;
		if (body[i] == '\n' && i + 1 < len && body[i + 1] == '\n') {
			size_t j = i;
			while (j < len && body[j] == '\n')
				j++;
			rc = paragraph_end(&sc, i, j, &skip_reopen);
			i = j;
			continue;
		}
		unsigned char c = (unsigned char)body[i];
		if (c < 0x80 && c != '"' && c != '\'' && c != '\n' && !skip_reopen) {
			i++; /* plain ASCII: no quote mark, nothing to decode */
			continue;
		}
		size_t k;
		int32_t cp = cp_at(body, len, i, &k);
		if (skip_reopen) {
			skip_reopen = false;
			if (opener_kind(cp) != Q_NONE) {
				i += k;
				continue;
			}
		}
		if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x00AB || cp == 0x00BB ||
		    cp == 0x2039 || cp == 0x203A || cp == '"' || cp == 0x2018 || cp == 0x2019 ||
		    cp == '\'')
			rc = mark(&sc, cp, i, k);
		i += k;
	}
	if (rc == 0) {
		size_t end = len;
		while (end > 0 && body[end - 1] == '\n')
			end--;
		rc = paragraph_end(&sc, end, len, &skip_reopen);
	}
	if (rc < 0) {
		free(sc.spans);
		*spans = NULL;
		*n = 0;
		return rc;
	}
	*spans = sc.spans;
	*n = sc.n;
	return 0;
}
