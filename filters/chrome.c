/* chrome.c — learned site chrome, the pure filter half (see chrome.h). */
#include "filters/chrome.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* The key of an all-ASCII line, without allocating: the common case. */
static uint64_t ascii_key(const char *text, size_t len)
{
	char buf[512];
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	size_t o = 0;
	bool space = false, any = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t') {
			space = any;
			continue;
		}
		any = true;
		if (o + 2 > sizeof buf) {
			XXH3_64bits_update(&st, buf, o);
			o = 0;
		}
		if (space) {
			buf[o++] = ' ';
			space = false;
		}
		buf[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (c >= '0' && c <= '9') ? '0' : c;
	}
	XXH3_64bits_update(&st, buf, o);
	return XXH3_64bits_digest(&st);
}

int wn_chrome_line_key(const char *text, size_t len, uint64_t *key)
{
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)text[i] < 0x80;
	if (ascii) {
		*key = ascii_key(text, len);
		return 0;
	}
	char *k = wn_fold_key(text, len);
	if (!k)
		return -ENOMEM;
	size_t n = 0;
	for (; k[n]; n++)
		if (k[n] >= '0' && k[n] <= '9')
			k[n] = '0';
	*key = XXH3_64bits(k, n); /* same as ascii_key for ASCII text */
	free(k);
	return 0;
}

typedef struct {
	uint64_t key;
	size_t line;
} keyed_line;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed_line *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int wn_chrome_doc_keys(const wn_doc *doc, uint64_t **keys, size_t **line_of, size_t *nkeys)
{
	*keys = NULL;
	*line_of = NULL;
	*nkeys = 0;
	keyed_line *kl = malloc((doc->nlines ? doc->nlines : 1) * sizeof *kl);
	if (!kl)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (l->blank)
			continue;
		if (wn_chrome_line_key(l->text, l->len, &kl[n].key) < 0) {
			free(kl);
			return -ENOMEM;
		}
		kl[n++].line = i;
	}
	qsort(kl, n, sizeof *kl, cmp_keyed);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || kl[u - 1].key != kl[i].key)
			kl[u++] = kl[i];
	if (u > 0) {
		*keys = malloc(u * sizeof **keys);
		*line_of = malloc(u * sizeof **line_of);
		if (!*keys || !*line_of) {
			free(*keys);
			free(*line_of);
			*keys = NULL;
			*line_of = NULL;
			free(kl);
			return -ENOMEM;
		}
		for (size_t i = 0; i < u; i++) {
			(*keys)[i] = kl[i].key;
			(*line_of)[i] = kl[i].line;
		}
	}
	*nkeys = u;
	free(kl);
	return 0;
}

static bool view_has(const wn_chrome_view *v, uint64_t key)
{
	size_t lo = 0, hi = v->nkeys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->keys[mid] == key)
			return true;
		if (v->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int wn_filter_chrome(wn_doc *doc, const wn_filter_ctx *ctx)
{
	const wn_chrome_view *v = ctx ? ctx->data : NULL;
	if (!v || v->nkeys == 0)
		return 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		wn_line *l = &doc->lines[i];
		if (l->blank)
			continue;
		uint64_t key;
		int rc = wn_chrome_line_key(l->text, l->len, &key);
		if (rc == 0 && view_has(v, key))
			rc = wn_doc_remove(doc, i, "chrome");
		if (rc < 0)
			return rc;
	}
	return 0;
}
