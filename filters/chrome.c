/* chrome.c — learned site chrome, the pure filter half (see chrome.h). */
#include "filters/chrome.h"
#include "lib/swar.h"
#include "lib/sort.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define XXH_INLINE_ALL /* a key per line, most short: a call per hash costs more than the hash */
#include <xxhash.h>

int wn_chrome_line_key(const char *text, size_t len, uint64_t *key)
{
	char stack[8192];
	char *k = WN_FOLD_KEY_MAX(len) <= sizeof stack ? stack : malloc(WN_FOLD_KEY_MAX(len));
	if (!k)
		return -ENOMEM;
	*key = XXH3_64bits(k, wn_fold_key_into(text, len, true, k));
	if (k != stack)
		free(k);
	return 0;
}

/* Sorts k[0..n) with tmp[0..n) as scratch: a merge sort over
 * insertion-sorted runs, the comparison inlined (qsort's callback per
 * comparison was most of its cost). O(n log n) whatever the keys. */
enum { SORT_RUN = 16 };

static void merge_sort_keys(uint64_t *k, uint64_t *tmp, size_t n)
{
	for (size_t lo = 0; lo < n; lo += SORT_RUN) {
		size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
		for (size_t i = lo + 1; i < hi; i++) {
			uint64_t x = k[i];
			size_t j = i;
			for (; j > lo && k[j - 1] > x; j--)
				k[j] = k[j - 1];
			k[j] = x;
		}
	}
	uint64_t *from = k, *to = tmp;
	for (size_t width = SORT_RUN; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) { /* branch-free: random keys defeat prediction */
				uint64_t a = from[i], b = from[j];
				bool take_b = b < a;
				to[o++] = take_b ? b : a;
				j += take_b;
				i += !take_b;
			}
			while (i < mid)
				to[o++] = from[i++];
			while (j < hi)
				to[o++] = from[j++];
		}
		uint64_t *t = from;
		from = to;
		to = t;
	}
	if (from != k)
		memcpy(k, from, n * sizeof *k);
}

enum { BUCKET_BITS = 10, BUCKET_MAX = 32 };

/* Sorts k[0..n) with tmp[0..n) as scratch. The keys are hashes, spread
 * evenly: put by their top bits into about one bucket per key, they are
 * left out of order only inside a bucket, and an insertion sort finishes in
 * about n steps (a quarter of the merge sort's time on a page's keys). A
 * bucket of more than BUCKET_MAX keys (a line repeated, or keys made to
 * collide) would make that quadratic: then the merge sort does it all. */
static void sort_keys(uint64_t *k, uint64_t *tmp, size_t n)
{
	unsigned bits = 1;
	while (bits < BUCKET_BITS && ((size_t)1 << bits) < n)
		bits++;
	size_t nb = (size_t)1 << bits;
	size_t at[(1 << BUCKET_BITS) + 1]; /* at[b + 1]: keys in bucket b, then where b starts */
	memset(at, 0, (nb + 1) * sizeof *at);
	for (size_t i = 0; i < n; i++)
		if (++at[(k[i] >> (64 - bits)) + 1] > BUCKET_MAX) {
			merge_sort_keys(k, tmp, n);
			return;
		}
	for (size_t b = 0; b < nb; b++)
		at[b + 1] += at[b];
	for (size_t i = 0; i < n; i++)
		tmp[at[k[i] >> (64 - bits)]++] = k[i];
	wn_insertion_sort_u64(tmp, n);
	memcpy(k, tmp, n * sizeof *k);
}

/* Index of key in the sorted k[0..n) (it is there). */
static size_t key_index(const uint64_t *k, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid] <= key)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int wn_chrome_doc_keys(const wn_doc *doc, uint64_t **keys, size_t **line_of, size_t *nkeys)
{
	return wn_chrome_doc_line_keys(doc, NULL, keys, line_of, nkeys);
}

/* The first line of each of the u sorted distinct keys, by a search per
 * line: asked for by tests and tools, not by the index, which needs the
 * line of a key only when it becomes chrome. */
static int first_lines(const wn_doc *doc, const uint64_t *line_keys, const uint64_t *keys, size_t u,
		       size_t **line_of)
{
	if (!(*line_of = malloc((u ? u : 1) * sizeof **line_of)))
		return -ENOMEM;
	for (size_t i = 0; i < u; i++)
		(*line_of)[i] = SIZE_MAX;
	for (size_t i = 0; i < doc->nlines; i++) {
		if (doc->lines[i].blank)
			continue;
		size_t at = key_index(keys, u, line_keys[i]);
		if ((*line_of)[at] == SIZE_MAX)
			(*line_of)[at] = i;
	}
	return 0;
}

int wn_chrome_doc_line_keys(const wn_doc *doc, uint64_t *line_keys, uint64_t **keys, size_t **line_of,
			    size_t *nkeys)
{
	*keys = NULL;
	if (line_of)
		*line_of = NULL;
	*nkeys = 0;
	size_t cap = doc->nlines ? doc->nlines : 1;
	uint64_t *own = line_keys ? NULL : malloc(cap * sizeof *own);
	uint64_t *k = malloc(cap * sizeof *k); /* the keys, then the distinct ones */
	uint64_t stack[512], *tmp = cap <= 512 ? stack : malloc(cap * sizeof *tmp); /* the sort's scratch */
	/* one fold buffer for every line, as long as the longest needs */
	size_t longest = 0;
	for (size_t i = 0; i < doc->nlines; i++)
		if (doc->lines[i].len > longest)
			longest = doc->lines[i].len;
	char fold_stack[4096], *fold = WN_FOLD_KEY_MAX(longest) <= sizeof fold_stack ? fold_stack
										  : malloc(WN_FOLD_KEY_MAX(longest));
	int rc = k && tmp && fold && (line_keys || own) ? 0 : -ENOMEM;
	if (!line_keys)
		line_keys = own;
	size_t n = 0;
	for (size_t i = 0; i < doc->nlines && rc == 0; i++) {
		const wn_line *l = &doc->lines[i];
		line_keys[i] = 0;
		if (!l->blank)
			k[n++] = line_keys[i] = XXH3_64bits(fold, wn_fold_key_into(l->text, l->len, true, fold));
	}
	if (rc == 0) {
		sort_keys(k, tmp, n);
		size_t u = wn_distinct_sorted_u64(k, n);
		if (line_of)
			rc = first_lines(doc, line_keys, k, u, line_of);
		if (rc == 0 && u == 0) { /* none: NULL, as documented */
			free(k);
			k = NULL;
			if (line_of) {
				free(*line_of);
				*line_of = NULL;
			}
		} else if (rc == 0 && u < n) { /* the caller keeps them: no room for repeats */
			uint64_t *fit = realloc(k, u * sizeof *k);
			k = fit ? fit : k;
		}
		*nkeys = rc == 0 ? u : 0;
	}
	if (tmp != stack)
		free(tmp);
	if (fold != fold_stack)
		free(fold);
	free(own);
	if (rc < 0) {
		free(k);
		return rc;
	}
	*keys = k;
	return 0;
}

/* Month names (and their short forms), packed like the words they are
 * compared with: the first 8 lower-case letters, a byte each from the low
 * end, with the length and the 9th letter ("september") beside them. */
static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december", "jan", "feb", "mar", "apr",
	"jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"};
#define NMONTHS (sizeof month_names / sizeof month_names[0])
static struct {
	uint64_t key;
	size_t len;
	char ninth;
} months[NMONTHS];
static pthread_once_t months_once = PTHREAD_ONCE_INIT;

static void months_build(void)
{
	for (size_t m = 0; m < NMONTHS; m++) {
		const char *name = month_names[m];
		size_t k = 0;
		for (; name[k]; k++)
			if (k < 8)
				months[m].key |= (uint64_t)(unsigned char)name[k] << (8 * k);
		months[m].len = k;
		months[m].ninth = k > 8 ? name[8] : 0;
	}
}

/* Is the w-letter word packed in key (9th letter: ninth) a month's name? */
static bool month_word(uint64_t key, size_t w, char ninth)
{
	/* most words fail on their first letter: a, d, f, j, m, n, o, s */
	unsigned first = (unsigned)(key & 0xFF) - 'a';
	const uint32_t initials = 1u << ('a' - 'a') | 1u << ('d' - 'a') | 1u << ('f' - 'a') |
				  1u << ('j' - 'a') | 1u << ('m' - 'a') | 1u << ('n' - 'a') |
				  1u << ('o' - 'a') | 1u << ('s' - 'a');
	if (first >= 26 || !(initials >> first & 1))
		return false;
	for (size_t m = 0; m < NMONTHS; m++)
		if (months[m].key == key && months[m].len == w && (w <= 8 || months[m].ninth == ninth))
			return true;
	return false;
}

/* Bylines and date lines repeat from page to page (the same author, the
 * same month once digits are folded) but carry the article's metadata:
 * they are left for the metadata filter, which runs next. The cheap tests
 * go first: but for a byline, a line is metadata only with a digit (a
 * month's name needs one) or with a '/' or a '-' (the date patterns below
 * need one); most chrome lines have none, so their words are never
 * counted. */
static bool metadata_like(const char *t, size_t len)
{
	if (len > 120)
		return false;
	bool byline = len > 3 && (t[0] == 'B' || t[0] == 'b') && (t[1] == 'y' || t[1] == 'Y') && t[2] == ' ' &&
		      t[3] >= 'A' && t[3] <= 'Z';
	uint64_t digits = 0, dashes = 0; /* 0x80 flags, 8 bytes at a time (zero-padded at the end) */
	for (size_t i = 0; i < len && !byline; i += 8) {
		uint64_t x = 0;
		if (i + 8 <= len)
			x = wn_swar_load(t + i);
		else
			memcpy(&x, t + i, len - i);
		digits |= wn_swar_range(x, '0', '9');
		dashes |= wn_swar_eq(x, '/') | wn_swar_eq(x, '-');
	}
	bool digit = digits != 0, dash = dashes != 0;
	if (!byline && !digit && !dash)
		return false;
	wn_word_count words;
	wn_word_count_init(&words, t, len);
	if (wn_words_exceed(&words, 12))
		return false;
	if (byline)
		return true;
	pthread_once(&months_once, months_build);
	bool month = false; /* with a digit, a month's name makes a date */
	for (size_t i = 0; i < len && digit && !month;) {
		size_t w = 0; /* a run of ASCII letters: is it a month's name? */
		uint64_t key = 0;
		while (i + w < len && (t[i + w] | 32) >= 'a' && (t[i + w] | 32) <= 'z') {
			if (w < 8)
				key |= (uint64_t)(unsigned char)(t[i + w] | 32) << (8 * w);
			w++;
		}
		if (w >= 3 && w <= 9)
			month = month_word(key, w, w > 8 ? (char)(t[i + 8] | 32) : 0);
		i += w ? w : 1;
	}
	if (month)
		return true;
	/* 2014-09-16 or 16/09/2014 (and, as first written, any '/' or '-' so
	 * placed when the window does not start with a digit) */
	for (size_t i = 0; dash && i + 8 <= len; i++) {
		const char *d = t + i;
		bool iso = d[4] == '-' && d[7] == '-';
		bool slash = d[1] == '/' || d[2] == '/';
		if ((iso || slash) && d[0] >= '0' && d[0] <= '9')
			for (size_t j = 0; j < 8 && (iso || slash); j++)
				if (!((d[j] >= '0' && d[j] <= '9') || d[j] == '-' || d[j] == '/'))
					iso = slash = false;
		if (iso || slash)
			return true;
	}
	return false;
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
	const uint64_t *given = v->line_keys && v->nlines == doc->nlines ? v->line_keys : NULL;
	/* A bit per value of a key's top eight bits: most lines are not
	 * chrome, and most of them are told so by one test instead of a
	 * search. */
	uint64_t summary[4] = {0};
	for (size_t k = 0; k < v->nkeys; k++)
		summary[v->keys[k] >> 62] |= 1ull << (v->keys[k] >> 56 & 63);
	for (size_t i = 0; i < doc->nlines; i++) {
		wn_line *l = &doc->lines[i];
		if (l->blank)
			continue;
		uint64_t key;
		int rc = given ? (key = given[i], 0) : wn_chrome_line_key(l->text, l->len, &key);
		if (rc == 0 && (summary[key >> 62] >> (key >> 56 & 63) & 1) && view_has(v, key) &&
		    !metadata_like(l->text, l->len))
			rc = wn_doc_remove(doc, i, "chrome");
		if (rc < 0)
			return rc;
	}
	return 0;
}
