/* whitespace.c — white space and blank-line normalisation (see filter.h). */
#include "filters/filter.h"
#include "lib/swar.h"

#include <errno.h>
#include <stdlib.h>
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

/* ASCII other than space and tab: kept as it is, the common case. */
static inline bool plain_byte(unsigned char c)
{
	return c < 0x80 && c != ' ' && c != '\t';
}

/* Does a white space or invisible character start at s[i]? (A lead byte
 * other than these cannot start one.) */
static bool special_at(const unsigned char *s, size_t i, size_t n)
{
	if (s[i] != 0xC2 && s[i] != 0xE1 && s[i] != 0xE2 && s[i] != 0xE3)
		return false;
	int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
	return k <= 0 || is_space(cp) || is_invisible(cp);
}

/* Is the line already normal: no tab, no leading, trailing or doubled
 * space, no other white space or invisible character? Checked eight bytes
 * at a time; *chars receives its width in code points. */
static bool already_normal(const unsigned char *s, size_t n, size_t *chars)
{
	if (!WN_SWAR_LE || n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	uint64_t bad = 0, prev_space = 0;
	size_t cont = 0, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = wn_swar_load(s + i);
		uint64_t sp = wn_swar_eq(x, ' ');
		bad |= wn_swar_eq(x, '\t') | (sp & ((sp << 8) | prev_space));
		prev_space = sp >> 56;
		if (x & WN_SWAR_HIGHS) {
			/* continuation bytes (10xxxxxx) do not count as characters */
			cont += (size_t)__builtin_popcountll(x & ~(x << 1) & WN_SWAR_HIGHS);
			for (size_t j = i; j < i + 8; j++)
				if (special_at(s, j, n))
					return false;
		}
	}
	if (bad)
		return false;
	if (i < n && n >= 8) {
		/* The rest by the last eight bytes, those already seen masked off
		 * (a byte at a time cost a sixth of the filter). The byte before
		 * the first unseen one is in the word, for the doubled space. */
		uint64_t unseen = ~0ull << (8 * (8 - (n - i)));
		uint64_t x = wn_swar_load(s + n - 8);
		uint64_t sp = wn_swar_eq(x, ' ');
		if ((wn_swar_eq(x, '\t') | (sp & (sp << 8))) & unseen)
			return false;
		if (x & unseen & WN_SWAR_HIGHS) {
			cont += (size_t)__builtin_popcountll(x & ~(x << 1) & WN_SWAR_HIGHS & unseen);
			for (size_t j = i; j < n; j++)
				if (special_at(s, j, n))
					return false;
		}
		i = n;
	}
	for (bool space = prev_space != 0; i < n; i++) {
		if (s[i] == '\t' || (s[i] == ' ' && space) || special_at(s, i, n))
			return false;
		space = s[i] == ' ';
		cont += (s[i] & 0xC0) == 0x80;
	}
	*chars = n - cont;
	return true;
}

/* Normalise one line in place (the text only shrinks); returns its width
 * in code points, indentation included. */
static size_t normalise_line(wn_line *l)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)l->text;
	size_t n = l->len, o = 0, chars = 0;
	/* Fast path: ASCII indentation, then text that is already normal. */
	size_t lead = 0;
	uint32_t indent = 0;
	for (; lead < n && (s[lead] == ' ' || s[lead] == '\t'); lead++)
		indent = s[lead] == '\t' ? (indent / 8 + 1) * 8 : indent + 1;
	if (already_normal(s + lead, n - lead, &chars)) {
		if (lead) {
			memmove(l->text, l->text + lead, n - lead + 1); /* with the NUL */
			l->len = (uint32_t)(n - lead);
		}
		l->indent = indent;
		l->blank = false;
		return chars + indent;
	}
	indent = 0;
	bool leading = true, pending_space = false;
	char *out = l->text;
	for (size_t i = 0; i < n;) {
		if (plain_byte(s[i])) {
			size_t j = i + 1;
			while (j < n && plain_byte(s[j]))
				j++;
			leading = false;
			if (pending_space) {
				out[o++] = ' ';
				pending_space = false;
				chars++;
			}
			if (o != i)
				memmove(out + o, s + i, j - i);
			o += j - i;
			chars += j - i;
			i = j;
			continue;
		}
		int32_t cp;
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
			chars++;
		}
		for (size_t b = 0; b < (size_t)k; b++) /* o <= at: copying forwards is safe */
			out[o + b] = (char)s[at + b];
		o += (size_t)k;
		chars++;
	}
	out[o] = '\0';
	l->len = (uint32_t)o;
	l->indent = indent;
	l->blank = o == 0;
	return chars + indent;
}

static int ends_open(const wn_line *l)
{
	char c = l->text[l->len - 1];
	return !strchr(".!?:;\"')]", c) && (unsigned char)c < 0x80;
}

/* Widths above this mean no hard wrapping: kept as this, in a byte a line. */
#define WIDTH_CAP 101

/* Hard-wrapped text: most long lines end near one common width and run on
 * into the next line without closing punctuation. width[i] is line i's
 * width in code points, indentation included, at most WIDTH_CAP. */
static bool detect_wrapped(const wn_doc *doc, const uint8_t *width)
{
	size_t maxw = 0, long_lines = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		size_t w = width[i];
		if (w > maxw)
			maxw = w;
		long_lines += w >= 50;
	}
	if (maxw > 100 || long_lines < 5)
		return false;
	size_t near_edge = 0, run_on = 0;
	for (size_t i = 0; i + 1 < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (l->blank || (size_t)width[i] + 20 < maxw)
			continue;
		near_edge++;
		run_on += !doc->lines[i + 1].blank && ends_open(l);
	}
	return near_edge * 2 >= long_lines && run_on * 2 >= near_edge;
}

int wn_filter_whitespace(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	uint8_t *width = malloc(doc->nlines ? doc->nlines : 1);
	if (!width)
		return -ENOMEM;
	for (size_t i = 0; i < doc->nlines; i++) {
		size_t w = normalise_line(&doc->lines[i]);
		width[i] = (uint8_t)(w < WIDTH_CAP ? w : WIDTH_CAP);
	}
	doc->wrapped = detect_wrapped(doc, width);
	free(width);
	return wn_doc_rebuild_blocks(doc);
}
