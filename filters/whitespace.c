/* whitespace.c — white space and blank-line normalisation (see filter.h). */
#include "filters/filter.h"

#include <string.h>
#include <utf8proc.h>

/* Characters that only lay text out: folded to one space. */
static bool is_space(int32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x1680;
}

/* Characters with no width and no meaning in scraped text: dropped.
 * (ZWNJ and ZWJ are kept: scripts such as Persian and emoji need them.) */
static bool is_invisible(int32_t cp)
{
	return cp == 0x200B || cp == 0x2060 || cp == 0x00AD || cp == 0x180E;
}

static size_t codepoints(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Normalise one line in place; the text only shrinks. */
static void normalise_line(wn_line *l)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)l->text;
	size_t n = l->len, o = 0;
	uint32_t indent = 0;
	bool leading = true, pending_space = false;
	char *out = l->text;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		if (s[i] < 0x80 && s[i] != ' ' && s[i] != '\t') {
			/* ASCII other than space and tab: neither space nor invisible, kept. */
			leading = false;
			if (pending_space) {
				out[o++] = ' ';
				pending_space = false;
			}
			out[o++] = (char)s[i++];
			continue;
		}
		utf8proc_ssize_t k = 1;
		if (s[i] < 0x80)
			cp = s[i]; /* space or tab */
		else
			k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) { /* cannot happen after decoding; skip a byte defensively */
			i++;
			continue;
		}
		size_t at = i;
		i += (size_t)k;
		if (is_invisible(cp))
			continue;
		if (is_space(cp)) {
			if (leading)
				indent = cp == '\t' ? (indent / 8 + 1) * 8 : indent + 1;
			else
				pending_space = true;
			continue;
		}
		leading = false;
		if (pending_space) {
			out[o++] = ' ';
			pending_space = false;
		}
		memmove(out + o, l->text + at, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	l->len = (uint32_t)o;
	l->indent = indent;
	l->blank = o == 0;
}

static int ends_open(const wn_line *l)
{
	char c = l->text[l->len - 1];
	return !strchr(".!?:;\"')]", c) && (unsigned char)c < 0x80;
}

/* Hard-wrapped text: most long lines end near one common width and run on
 * into the next line without closing punctuation. */
static bool detect_wrapped(const wn_doc *doc)
{
	size_t maxw = 0, long_lines = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		size_t w = codepoints(doc->lines[i].text, doc->lines[i].len) + doc->lines[i].indent;
		if (w > maxw)
			maxw = w;
		long_lines += w >= 50;
	}
	if (maxw > 100 || long_lines < 5)
		return false;
	size_t near_edge = 0, run_on = 0;
	for (size_t i = 0; i + 1 < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		size_t w = codepoints(l->text, l->len) + l->indent;
		if (l->blank || w + 20 < maxw)
			continue;
		near_edge++;
		run_on += !doc->lines[i + 1].blank && ends_open(l);
	}
	return near_edge * 2 >= long_lines && run_on * 2 >= near_edge;
}

int wn_filter_whitespace(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < doc->nlines; i++)
		normalise_line(&doc->lines[i]);
	doc->wrapped = detect_wrapped(doc);
	return wn_doc_rebuild_blocks(doc);
}
