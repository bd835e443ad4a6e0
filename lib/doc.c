/* doc.c — see doc.h. */
#include "lib/doc.h"
#include "lib/swar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

bool wn_outlet_valid(const char *outlet)
{
	if (!outlet || !outlet[0] || outlet[0] == '.')
		return false;
	size_t n = strlen(outlet);
	if (n > 128)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)outlet[i];
		if (c == '/' || c < 0x20 || c == 0x7F)
			return false;
		size_t k = wn_utf8_seq_len((const unsigned char *)outlet + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

void wn_article_id(const char *outlet, const char *stem, char out[WN_ID_LEN + 1])
{
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, outlet, strlen(outlet) + 1); /* NUL separates the two */
	XXH3_64bits_update(&st, stem, strlen(stem));
	snprintf(out, WN_ID_LEN + 1, "%016llx", (unsigned long long)XXH3_64bits_digest(&st));
}

static char *stem_of(const char *source)
{
	if (!strcmp(source, "-"))
		return strdup("stdin");
	const char *base = strrchr(source, '/');
	base = base ? base + 1 : source;
	const char *dot = strrchr(base, '.');
	size_t n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
	return strndup(base, n);
}

int wn_doc_rebuild_blocks(wn_doc *doc)
{
	wn_block *blocks = realloc(doc->blocks, (doc->nlines + 1) * sizeof *blocks);
	if (!blocks)
		return -ENOMEM;
	doc->blocks = blocks;
	doc->nblocks = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		wn_line *l = &doc->lines[i];
		if (l->blank) {
			l->block = WN_NO_BLOCK;
			continue;
		}
		bool joins = doc->wrapped && i > 0 && !doc->lines[i - 1].blank;
		if (!joins)
			blocks[doc->nblocks++] = (wn_block){.first = (uint32_t)i, .count = 0};
		l->block = (uint32_t)(doc->nblocks - 1);
		blocks[doc->nblocks - 1].count++;
	}
	return 0;
}

/* Lines in s: its LF bytes, eight at a time (each word adds 1 per LF to
 * the byte lanes of acc, exact since no carry crosses a byte, summed before
 * a lane could pass 255), and one more when s does not end with LF. */
static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0, i = 0;
	while (len - i >= 8) {
		uint64_t acc = 0;
		for (int round = 0; round < 255 && len - i >= 8; round++, i += 8)
			acc += wn_swar_eq(wn_swar_load(s + i), '\n') >> 7;
		/* the eight lanes (each <= 255) summed in four 16-bit lanes, then one */
		const uint64_t even = 0x00FF00FF00FF00FFULL;
		uint64_t pairs = (acc & even) + ((acc >> 8) & even);
		n += (size_t)((pairs * 0x0001000100010001ULL) >> 48);
	}
	for (; i < len; i++)
		n += s[i] == '\n';
	return n + (len > 0 && s[len - 1] != '\n');
}

int wn_doc_parse(const char *bytes, size_t len, const char *source, const char *outlet,
		 wn_doc **out)
{
	*out = NULL;
	if (!source || !wn_outlet_valid(outlet))
		return -EINVAL;
	wn_doc *doc = calloc(1, sizeof *doc);
	if (!doc)
		return -ENOMEM;
	int rc = -ENOMEM;
	doc->outlet = strdup(outlet);
	doc->source = wn_utf8_sanitize(source, strlen(source));
	doc->stem = stem_of(source);
	if (!doc->outlet || !doc->source || !doc->stem)
		goto fail;
	wn_article_id(doc->outlet, doc->stem, doc->id);

	wn_text_stats ts;
	size_t tlen;
	rc = wn_text_decode(bytes, len, &doc->text, &tlen, &ts);
	if (rc < 0)
		goto fail;
	doc->stats.bytes_in = len;
	doc->stats.invalid_replaced = ts.invalid_replaced;
	doc->stats.controls_removed = ts.controls_removed;
	doc->stats.encoding = ts.encoding;

	/* Split on LF in place; the lines are counted first so that the array
	 * is allocated once, at its size. A final newline does not start
	 * another line. */
	char *end = doc->text + tlen;
	size_t n = count_lines(doc->text, tlen);
	rc = -ENOMEM;
	doc->lines = malloc((n ? n : 1) * sizeof *doc->lines);
	if (!doc->lines)
		goto fail;
	for (char *p = doc->text; p < end && doc->nlines < n;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		*stop = '\0';
		doc->lines[doc->nlines] = (wn_line){
			.text = p,
			.len = (uint32_t)(stop - p),
			.lineno = (uint32_t)(doc->nlines + 1),
			.blank = stop == p,
		};
		doc->nlines++;
		p = stop + 1;
	}
	doc->stats.lines_in = doc->nlines;
	rc = wn_doc_rebuild_blocks(doc);
	if (rc < 0)
		goto fail;
	*out = doc;
	return 0;
fail:
	wn_doc_free(doc);
	return rc;
}

void wn_doc_free(wn_doc *doc)
{
	if (!doc)
		return;
	free(doc->outlet);
	free(doc->source);
	free(doc->stem);
	free(doc->text);
	free(doc->lines);
	free(doc->blocks);
	free(doc->title);
	free(doc->byline);
	free(doc->date);
	free(doc->duplicate_of);
	for (size_t i = 0; i < doc->nquotes; i++) {
		free(doc->quotes[i].text);
		for (size_t j = 0; j < doc->quotes[i].nrepeated; j++)
			free(doc->quotes[i].repeated_in[j].outlet);
		free(doc->quotes[i].repeated_in);
	}
	free(doc->quotes);
	for (size_t i = 0; i < doc->nreasons; i++)
		free(doc->reasons[i]);
	free(doc->reasons);
	free(doc);
}

static const char *intern(wn_doc *doc, const char *s)
{
	if (doc->last_reason < doc->nreasons && !strcmp(doc->reasons[doc->last_reason], s))
		return doc->reasons[doc->last_reason];
	for (size_t i = 0; i < doc->nreasons; i++)
		if (!strcmp(doc->reasons[i], s))
			return doc->reasons[doc->last_reason = i];
	char **r = realloc(doc->reasons, (doc->nreasons + 1) * sizeof *r);
	if (!r)
		return NULL;
	doc->reasons = r;
	char *copy = strdup(s);
	if (!copy)
		return NULL;
	doc->last_reason = doc->nreasons;
	doc->reasons[doc->nreasons++] = copy;
	return copy;
}

int wn_doc_remove(wn_doc *doc, size_t i, const char *reason)
{
	if (i >= doc->nlines)
		return -EINVAL;
	wn_line *l = &doc->lines[i];
	if (l->reason)
		return 0;
	const char *r = intern(doc, reason);
	if (!r)
		return -ENOMEM;
	l->reason = r;
	return 0;
}

int wn_doc_set_field(char **field, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

char *wn_doc_body(wn_doc *doc, size_t *lenp)
{
	size_t cap = 1;
	for (size_t i = 0; i < doc->nlines; i++)
		cap += doc->lines[i].len + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t len = 0, lines = 0;
	uint32_t last_block = WN_NO_BLOCK;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (!wn_line_kept(l))
			continue;
		if (len > 0) {
			bool same_para = doc->wrapped && l->block == last_block;
			out[len++] = '\n';
			lines++;
			if (!same_para) {
				out[len++] = '\n';
				lines++;
			}
		}
		memcpy(out + len, l->text, l->len);
		len += l->len;
		last_block = l->block;
	}
	if (len > 0) {
		out[len++] = '\n';
		lines++;
	}
	out[len] = '\0';
	doc->stats.bytes_out = len;
	doc->stats.lines_out = lines;
	if (lenp)
		*lenp = len;
	return out;
}
