/* normalise.c — text normalised for matching (see normalise.h). */
#include "dedup/normalise.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* short keys: a call per hash costs more than the hash */
#include <xxhash.h>

typedef struct {
	char *s;
	size_t len, cap;
} sbuf;

static int sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->len + n + 2 > cap)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int sb_word(sbuf *b, const char *w, size_t n)
{
	if (n == 0)
		return 0;
	if (b->len > 0 && sb_put(b, " ", 1) < 0)
		return -ENOMEM;
	return sb_put(b, w, n);
}

static inline bool is_wordchar(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

static bool is_apostrophe(int32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == 0x2032 ||
	       cp == '`';
}

static bool is_digit(int32_t cp) { return cp >= '0' && cp <= '9'; }

static bool ends_with(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(w + n - k, suf, k);
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

/* Stems whose "'s" is "is", not a possessive. */
static bool s_means_is(const char *w, size_t n)
{
	static const char *const stems[] = {"it", "that", "there", "here", "what", "who", "he",
					    "she", "where", "how", "when", "why", "this",
					    "everyone", "everything", "nobody", "nothing",
					    "someone", "something", "one", NULL};
	for (size_t i = 0; stems[i]; i++)
		if (word_is(w, n, stems[i]))
			return true;
	return false;
}

/* Emit one raw word (apostrophes written as '), expanding contractions. */
static int emit_word(sbuf *b, const char *w, size_t n)
{
	/* every contraction holds an apostrophe, and "cannot" is 6 letters */
	if (n && !memchr(w, '\'', n) && !(n == 6 && !memcmp(w, "cannot", 6)))
		return sb_word(b, w, n);
	static const struct {
		const char *suffix, *expansion;
	} tails[] = {{"'re", "are"}, {"'ve", "have"}, {"'ll", "will"}, {"'m", "am"}, {"'d", "would"}};
	if (ends_with(w, n, "n't") && n > 3) {
		size_t k = n - 3;
		const char *base = w;
		if (word_is(w, k, "ca"))
			base = "can", k = 3;
		else if (word_is(w, k, "wo"))
			base = "will", k = 4;
		else if (word_is(w, k, "sha"))
			base = "shall", k = 5;
		else if (word_is(w, k, "ai"))
			base = "is", k = 2;
		if (emit_word(b, base, k) < 0)
			return -ENOMEM;
		return sb_word(b, "not", 3);
	}
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		if (ends_with(w, n, tails[i].suffix) && n > strlen(tails[i].suffix)) {
			if (emit_word(b, w, n - strlen(tails[i].suffix)) < 0)
				return -ENOMEM;
			return sb_word(b, tails[i].expansion, strlen(tails[i].expansion));
		}
	if (ends_with(w, n, "'s") && n > 2) {
		size_t k = n - 2;
		if (emit_word(b, w, k) < 0)
			return -ENOMEM;
		if (word_is(w, k, "let"))
			return sb_word(b, "us", 2);
		return s_means_is(w, k) ? sb_word(b, "is", 2) : 0;
	}
	if (word_is(w, n, "cannot"))
		return sb_word(b, "can not", 7);
	/* Any other apostrophe is part of the spelling: Shi'ite = Shiite. */
	if (n == 0)
		return 0;
	if (b->len > 0 && sb_put(b, " ", 1) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		const char *q = memchr(w + i, '\'', n - i);
		size_t k = q ? (size_t)(q - (w + i)) : n - i;
		if (sb_put(b, w + i, k) < 0)
			return -ENOMEM;
		i += k + 1;
	}
	return 0;
}

/* Length in code points of the editorial bracket starting at c[0] == '[',
 * or 0 when it does not close soon (then '[' is plain punctuation). */
static size_t bracket_len(const int32_t *c, size_t n)
{
	for (size_t i = 1; i < n && i < 200; i++) {
		if (c[i] == ']')
			return i + 1;
		if (c[i] == '[' || c[i] == '\n')
			return 0;
	}
	return 0;
}

/* Append code point cp, folded for matching, to the stream: ASCII directly,
 * the usual typographic marks by their class, anything else decomposed
 * with compatibility mappings, case folded and marks stripped. */
static size_t fold_cp(int32_t cp, int32_t *dst)
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

char *wn_norm_text(const char *s, size_t len)
{
	/* Pass 1: the folded code points (at most 8 per input code point, and
	 * never more than one per input byte for ASCII). */
	size_t cap = len + 8, n = 0;
	int32_t *c = malloc(cap * sizeof *c);
	if (!c)
		return NULL;
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	for (size_t i = 0; i < len;) {
		if (n + 8 > cap) {
			cap *= 2;
			int32_t *p = realloc(c, cap * sizeof *p);
			if (!p) {
				free(c);
				return NULL;
			}
			c = p;
		}
		if (u[i] < 0x80) {
			n += fold_cp(u[i++], c + n);
			continue;
		}
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) { /* invalid byte: a separator */
			c[n++] = ' ';
			i++;
			continue;
		}
		i += (size_t)k;
		n += fold_cp(cp, c + n);
	}
	/* Pass 2: words. The word buffer holds any word (4 bytes a code point). */
	sbuf out = {0};
	sbuf word = {.s = malloc(4 * n + 8), .cap = 4 * n + 8};
	int rc = word.s ? sb_put(&out, "", 0) : -ENOMEM;
	int32_t prev = 0; /* previous code point that went into the word, 0 if none */
	for (size_t i = 0; i < n && rc == 0; i++) {
		int32_t cp = c[i], next = i + 1 < n ? c[i + 1] : 0;
		if (cp == '[') {
			size_t k = bracket_len(c + i, n - i);
			if (k) {
				i += k - 1;
				rc = emit_word(&out, word.s, word.len);
				word.len = 0;
				prev = 0;
				continue;
			}
		}
		if (is_wordchar(cp)) {
			if (cp < 0x80)
				word.s[word.len++] = (char)cp;
			else
				word.len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)word.s + word.len);
			prev = cp;
		} else if (prev && is_apostrophe(cp) && is_wordchar(next)) {
			word.s[word.len++] = '\'';
			prev = '\'';
		} else if (is_digit(prev) && (cp == ',' || cp == '.') && is_digit(next)) {
			if (cp == '.')
				word.s[word.len++] = '.';
		} else if (word.len) {
			rc = emit_word(&out, word.s, word.len);
			word.len = 0;
			prev = 0;
		}
	}
	if (rc == 0 && word.len)
		rc = emit_word(&out, word.s, word.len);
	free(word.s);
	free(c);
	if (rc < 0) {
		free(out.s);
		return NULL;
	}
	return out.s;
}

/* English function words: alone they say nothing about which quote it is. */
static const char *stopwords[] = {
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

#define STOP_LONGEST 7 /* "against", "between": longer words are never function words */
#define STOP_SLOTS 512

static uint16_t stop_table[STOP_SLOTS]; /* index + 1 into stopwords; 0: empty */
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static uint32_t stop_hash(const char *w, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * 16777619u;
	return h;
}

static void stop_build(void)
{
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
		uint32_t p = stop_hash(stopwords[i], strlen(stopwords[i])) % STOP_SLOTS;
		while (stop_table[p])
			p = (p + 1) % STOP_SLOTS;
		stop_table[p] = (uint16_t)(i + 1);
	}
}

bool wn_norm_stopword(const char *word, size_t len)
{
	if (len == 0 || len > STOP_LONGEST)
		return false;
	pthread_once(&stop_once, stop_build);
	for (uint32_t p = stop_hash(word, len) % STOP_SLOTS; stop_table[p]; p = (p + 1) % STOP_SLOTS) {
		const char *s = stopwords[stop_table[p] - 1];
		if (!strncmp(s, word, len) && s[len] == '\0')
			return true;
	}
	return false;
}

int wn_norm_words(const char *s, size_t len, wn_words *out)
{
	memset(out, 0, sizeof *out);
	char *t = wn_norm_text(s, len);
	if (!t)
		return -ENOMEM;
	size_t n = 0;
	for (const char *p = t; *p; p++)
		n += *p == ' ';
	n += t[0] != '\0';
	out->hash = malloc((n ? n : 1) * sizeof *out->hash);
	out->content = malloc((n ? n : 1) * sizeof *out->content);
	if (!out->hash || !out->content) {
		free(t);
		wn_words_free(out);
		return -ENOMEM;
	}
	for (const char *p = t; *p;) {
		size_t k = strcspn(p, " ");
		out->hash[out->n] = XXH3_64bits(p, k);
		out->content[out->n] = !wn_norm_stopword(p, k);
		out->n++;
		p += k;
		if (*p == ' ')
			p++;
	}
	free(t);
	return 0;
}

void wn_words_free(wn_words *w)
{
	free(w->hash);
	free(w->content);
	memset(w, 0, sizeof *w);
}
