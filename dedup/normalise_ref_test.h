/* normalise_ref_test.h — the plain normaliser of normalise.h, kept for the
 * tests only: one folded code point at a time (no ASCII fast path), words
 * hashed one by one and function words found by comparing strings.
 * test_normalise checks the fast normaliser of normalise.c against it on
 * generated inputs (same text, same hashes, same content flags).
 */
#ifndef WN_NORMALISE_REF_TEST_H
#define WN_NORMALISE_REF_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "dedup/normalise.h"

/* Where the normalised words go: a string (wn_norm_text) or hashes
 * (wn_norm_words), one call per word, so matching never builds the text. */
typedef struct ref_sink {
	int (*word)(struct ref_sink *k, const char *w, size_t n);
} ref_sink;

static int ref_put_word(ref_sink *k, const char *w, size_t n)
{
	return n ? k->word(k, w, n) : 0;
}

static inline bool ref_is_wordchar(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

static bool ref_is_apostrophe(int32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == 0x2032 ||
	       cp == '`';
}

static bool ref_is_digit(int32_t cp) { return cp >= '0' && cp <= '9'; }

static bool ref_ends_with(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(w + n - k, suf, k);
}

static bool ref_word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

/* Stems whose "'s" is "is", not a possessive. */
static bool ref_s_means_is(const char *w, size_t n)
{
	static const char *const stems[] = {"it", "that", "there", "here", "what", "who", "he",
					    "she", "where", "how", "when", "why", "this",
					    "everyone", "everything", "nobody", "nothing",
					    "someone", "something", "one", NULL};
	for (size_t i = 0; stems[i]; i++)
		if (ref_word_is(w, n, stems[i]))
			return true;
	return false;
}

/* Emit one raw word (apostrophes written as '),
 * expanding contractions. The word may be rewritten in place. */
static int ref_emit_word(ref_sink *k, char *w, size_t n)
{
	if (!memchr(w, '\'', n) && !ref_word_is(w, n, "cannot"))
		return ref_put_word(k, w, n);
	static const struct {
		const char *suffix, *expansion;
	} tails[] = {{"'re", "are"}, {"'ve", "have"}, {"'ll", "will"}, {"'m", "am"}, {"'d", "would"}};
	if (ref_ends_with(w, n, "n't") && n > 3) {
		size_t b = n - 3;
		const char *base = NULL;
		if (ref_word_is(w, b, "ca"))
			base = "can";
		else if (ref_word_is(w, b, "wo"))
			base = "will";
		else if (ref_word_is(w, b, "sha"))
			base = "shall";
		else if (ref_word_is(w, b, "ai"))
			base = "is";
		int rc = base ? ref_put_word(k, base, strlen(base)) : ref_emit_word(k, w, b);
		return rc < 0 ? rc : ref_put_word(k, "not", 3);
	}
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		if (ref_ends_with(w, n, tails[i].suffix) && n > strlen(tails[i].suffix)) {
			int rc = ref_emit_word(k, w, n - strlen(tails[i].suffix));
			return rc < 0 ? rc : ref_put_word(k, tails[i].expansion, strlen(tails[i].expansion));
		}
	if (ref_ends_with(w, n, "'s") && n > 2) {
		size_t b = n - 2;
		int rc = ref_emit_word(k, w, b);
		if (rc < 0)
			return rc;
		if (ref_word_is(w, b, "let"))
			return ref_put_word(k, "us", 2);
		return ref_s_means_is(w, b) ? ref_put_word(k, "is", 2) : 0;
	}
	if (ref_word_is(w, n, "cannot")) {
		int rc = ref_put_word(k, "can", 3);
		return rc < 0 ? rc : ref_put_word(k, "not", 3);
	}
	/* Any other apostrophe is part of the spelling: Shi'ite = Shiite. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] != '\'')
			w[m++] = w[i];
	return ref_put_word(k, w, m);
}

/* Append code point cp, folded for matching, to the stream: ASCII directly,
 * the usual typographic marks by their class, anything else decomposed
 * with compatibility mappings, case folded and marks stripped. */
static size_t ref_fold_cp(int32_t cp, int32_t *dst)
{
	if (cp < 0x80) {
		dst[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
		return 1;
	}
	switch (cp) {
	case 0x2018: case 0x2019: case 0x02BC: case 0x2032:
		dst[0] = '\'';
		return 1;
	case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB:
	case 0x2013: case 0x2014: case 0x2015: case 0x2012: case 0x2212:
	case 0x2026: case 0x00A0:
		dst[0] = ' ';
		return 1;
	default: break;
	}
	int boundclass = 0;
	utf8proc_ssize_t n = utf8proc_decompose_char(
		cp, dst, 8, UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE,
		&boundclass);
	if (n < 0 || n > 8) {
		dst[0] = cp;
		return 1;
	}
	return (size_t)n;
}

/* The folded code points of the input, one at a time: what matching reads
 * instead of the text. */
typedef struct {
	const unsigned char *u;
	size_t len, pos; /* the next input byte */
	int32_t buf[8];  /* folded code points of one input code point ... */
	unsigned at, n;  /* ... of which buf[at, n) are still to come */
} ref_cursor;

static bool ref_next_cp(ref_cursor *c, int32_t *cp)
{
	for (;;) {
		if (c->at < c->n) {
			*cp = c->buf[c->at++];
			return true;
		}
		if (c->pos >= c->len)
			return false;
		unsigned char b = c->u[c->pos];
		if (b < 0x80) {
			c->pos++;
			*cp = (b >= 'A' && b <= 'Z') ? b + 32 : b;
			return true;
		}
		int32_t in;
		utf8proc_ssize_t got =
			utf8proc_iterate(c->u + c->pos, (utf8proc_ssize_t)(c->len - c->pos), &in);
		if (got <= 0) { /* invalid byte: a separator */
			c->pos++;
			*cp = ' ';
			return true;
		}
		c->pos += (size_t)got;
		c->n = (unsigned)ref_fold_cp(in, c->buf); /* may be none: a stripped mark */
		c->at = 0;
	}
}

/* The code point after the current one, 0 at the end. */
static int32_t ref_peek_cp(const ref_cursor *c)
{
	ref_cursor k = *c;
	int32_t cp;
	return ref_next_cp(&k, &cp) ? cp : 0;
}

/* Length in code points of the editorial bracket whose '[' was just read,
 * or 0 when it does not close soon (then '[' is plain punctuation). */
static size_t ref_bracket_len(const ref_cursor *c)
{
	ref_cursor k = *c;
	int32_t cp;
	for (size_t i = 1; i < 200 && ref_next_cp(&k, &cp); i++) {
		if (cp == ']')
			return i + 1;
		if (cp == '[' || cp == '\n')
			return 0;
	}
	return 0;
}

typedef struct {
	char *s;
	size_t len, cap;
} ref_word_buf;

static bool ref_word_room(ref_word_buf *w, size_t more)
{
	if (w->len + more <= w->cap)
		return true;
	size_t cap = w->cap * 2;
	while (cap < w->len + more)
		cap *= 2;
	char *p = realloc(w->s, cap);
	if (!p)
		return false;
	w->s = p;
	w->cap = cap;
	return true;
}

/* The words of s, normalised, to the ref_sink. Returns 0 or -ENOMEM. */
static int ref_scan_words(const char *s, size_t len, ref_sink *k)
{
	ref_cursor c = {.u = (const unsigned char *)s, .len = len};
	ref_word_buf w = {.s = malloc(64), .cap = 64};
	if (!w.s)
		return -ENOMEM;
	int rc = 0;
	int32_t prev = 0; /* previous code point that went into the word, 0 if none */
	while (rc == 0) {
		int32_t cp;
		if (!ref_next_cp(&c, &cp))
			break;
		if (!ref_word_room(&w, 4)) {
			rc = -ENOMEM;
			break;
		}
		if (cp == '[') {
			size_t b = ref_bracket_len(&c);
			if (b) {
				for (size_t i = 1; i < b; i++)
					ref_next_cp(&c, &cp);
				rc = ref_emit_word(k, w.s, w.len);
				w.len = 0;
				prev = 0;
				continue;
			}
		}
		if (ref_is_wordchar(cp)) {
			if (cp < 0x80)
				w.s[w.len++] = (char)cp;
			else
				w.len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)w.s + w.len);
			prev = cp;
		} else if (prev && ref_is_apostrophe(cp) && ref_is_wordchar(ref_peek_cp(&c))) {
			w.s[w.len++] = '\'';
			prev = '\'';
		} else if (ref_is_digit(prev) && (cp == ',' || cp == '.') && ref_is_digit(ref_peek_cp(&c))) {
			if (cp == '.')
				w.s[w.len++] = '.';
		} else if (w.len) {
			rc = ref_emit_word(k, w.s, w.len);
			w.len = 0;
			prev = 0;
		}
	}
	if (rc == 0 && w.len)
		rc = ref_emit_word(k, w.s, w.len);
	free(w.s);
	return rc;
}


/* The text of wn_norm_text. */
typedef struct {
	ref_sink k;
	char *s;
	size_t len, cap;
} ref_text_sink;

static int ref_text_word(ref_sink *k, const char *w, size_t n)
{
	ref_text_sink *t = (ref_text_sink *)k;
	if (t->len + n + 2 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		while (t->len + n + 2 > cap)
			cap *= 2;
		char *p = realloc(t->s, cap);
		if (!p)
			return -ENOMEM;
		t->s = p;
		t->cap = cap;
	}
	if (t->len)
		t->s[t->len++] = ' ';
	memcpy(t->s + t->len, w, n);
	t->len += n;
	t->s[t->len] = '\0';
	return 0;
}

static char *ref_norm_text(const char *s, size_t len)
{
	ref_text_sink t = {.k.word = ref_text_word, .s = calloc(1, 64), .cap = 64};
	if (!t.s || ref_scan_words(s, len, &t.k) < 0) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

static const char *const ref_stopwords[] = {
	"a", "about", "after", "again", "against", "all", "also", "am", "an", "and", "any",
	"are", "as", "at", "be", "because", "been", "before", "being", "between", "both", "but",
	"by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "even",
	"for", "from", "further", "get", "go", "going", "got", "had", "has", "have", "having",
	"he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it",
	"its", "just", "let", "may", "me", "might", "more", "most", "much", "must", "my", "no",
	"nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
	"out", "over", "own", "same", "shall", "she", "should", "so", "some", "such", "than",
	"that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
	"those", "through", "to", "too", "under", "until", "up", "us", "very", "was", "we",
	"were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
	"would", "you", "your", "yours",
};

static bool ref_stopword(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof ref_stopwords / sizeof ref_stopwords[0]; i++)
		if (strlen(ref_stopwords[i]) == n && !memcmp(ref_stopwords[i], w, n))
			return true;
	return false;
}

/* The words of wn_norm_words. */
typedef struct {
	ref_sink k;
	wn_words *w;
	size_t cap;
} ref_words_sink;

static int ref_words_word(ref_sink *k, const char *s, size_t n)
{
	ref_words_sink *t = (ref_words_sink *)k;
	wn_words *w = t->w;
	if (w->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		w->hash = realloc(w->hash, t->cap * sizeof *w->hash);
		w->content = realloc(w->content, t->cap * sizeof *w->content);
		if (!w->hash || !w->content)
			return -ENOMEM;
	}
	w->hash[w->n] = XXH3_64bits(s, n);
	w->content[w->n] = !ref_stopword(s, n);
	w->n++;
	return 0;
}

/* Free with wn_words_free. */
static int ref_norm_words(const char *s, size_t len, wn_words *out)
{
	memset(out, 0, sizeof *out);
	ref_words_sink t = {.k.word = ref_words_word, .w = out};
	return ref_scan_words(s, len, &t.k);
}

#endif
