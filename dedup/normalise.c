/* normalise.c — text normalised for matching (see normalise.h). */
#include "dedup/normalise.h"
#include "lib/swar.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* short keys: a call per hash costs more than the hash */
#include <xxhash.h>

/* Where the normalised words go: a string (wn_norm_text) or hashes
 * (wn_norm_words), one call per word, so matching never builds the text. */
typedef struct sink {
	int (*word)(struct sink *k, const char *w, size_t n);
} sink;

static int put_word(sink *k, const char *w, size_t n)
{
	return n ? k->word(k, w, n) : 0;
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

/* Emit one raw word (apostrophes written as '; apos: it may hold one),
 * expanding contractions. The word may be rewritten in place. */
static int emit_word(sink *k, char *w, size_t n, bool apos)
{
	/* every contraction holds an apostrophe, and "cannot" is 6 letters */
	if (n && !(apos && memchr(w, '\'', n)) && !(n == 6 && !memcmp(w, "cannot", 6)))
		return put_word(k, w, n);
	static const struct {
		const char *suffix, *expansion;
	} tails[] = {{"'re", "are"}, {"'ve", "have"}, {"'ll", "will"}, {"'m", "am"}, {"'d", "would"}};
	if (ends_with(w, n, "n't") && n > 3) {
		size_t b = n - 3;
		const char *base = NULL;
		if (word_is(w, b, "ca"))
			base = "can";
		else if (word_is(w, b, "wo"))
			base = "will";
		else if (word_is(w, b, "sha"))
			base = "shall";
		else if (word_is(w, b, "ai"))
			base = "is";
		int rc = base ? put_word(k, base, strlen(base)) : emit_word(k, w, b, true);
		return rc < 0 ? rc : put_word(k, "not", 3);
	}
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		if (ends_with(w, n, tails[i].suffix) && n > strlen(tails[i].suffix)) {
			int rc = emit_word(k, w, n - strlen(tails[i].suffix), true);
			return rc < 0 ? rc : put_word(k, tails[i].expansion, strlen(tails[i].expansion));
		}
	if (ends_with(w, n, "'s") && n > 2) {
		size_t b = n - 2;
		int rc = emit_word(k, w, b, true);
		if (rc < 0)
			return rc;
		if (word_is(w, b, "let"))
			return put_word(k, "us", 2);
		return s_means_is(w, b) ? put_word(k, "is", 2) : 0;
	}
	if (word_is(w, n, "cannot")) {
		int rc = put_word(k, "can", 3);
		return rc < 0 ? rc : put_word(k, "not", 3);
	}
	/* Any other apostrophe is part of the spelling: Shi'ite = Shiite. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] != '\'')
			w[m++] = w[i];
	return put_word(k, w, m);
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

/* The folded code points of the input, one at a time: what matching reads
 * instead of the text. */
typedef struct {
	const unsigned char *u;
	size_t len, pos; /* the next input byte */
	int32_t buf[8];  /* folded code points of one input code point ... */
	unsigned at, n;  /* ... of which buf[at, n) are still to come */
} cursor;

static bool next_cp(cursor *c, int32_t *cp)
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
		c->n = (unsigned)fold_cp(in, c->buf); /* may be none: a stripped mark */
		c->at = 0;
	}
}

/* The code point after the current one, 0 at the end. */
static int32_t peek_cp(const cursor *c)
{
	cursor k = *c;
	int32_t cp;
	return next_cp(&k, &cp) ? cp : 0;
}

/* Length in code points of the editorial bracket whose '[' was just read,
 * or 0 when it does not close soon (then '[' is plain punctuation). */
static size_t bracket_len(const cursor *c)
{
	cursor k = *c;
	int32_t cp;
	for (size_t i = 1; i < 200 && next_cp(&k, &cp); i++) {
		if (cp == ']')
			return i + 1;
		if (cp == '[' || cp == '\n')
			return 0;
	}
	return 0;
}

/* ASCII bytes for the fast path: the folded word character, SEP for a
 * plain separator, or SLOW for what needs a look around ('[', apostrophes,
 * ',' and '.' between digits) and for the first byte of any other. */
enum { SEP = 0, SLOW = 1 };
static unsigned char ascii_class[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_build(void)
{
	for (int b = 0; b < 256; b++) {
		if (b >= 0x80 || b == '[' || b == '\'' || b == '`' || b == ',' || b == '.')
			ascii_class[b] = SLOW;
		else if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9'))
			ascii_class[b] = (unsigned char)b;
		else if (b >= 'A' && b <= 'Z')
			ascii_class[b] = (unsigned char)(b + 32);
		else
			ascii_class[b] = SEP;
	}
}

/* 0x80 in each byte that is an ASCII letter or digit: what the fast path
 * copies into a word (folded), as ascii_class tells. */
static inline uint64_t word_bytes(uint64_t x)
{
	return wn_swar_range(x, 'a', 'z') | wn_swar_range(x, 'A', 'Z') | wn_swar_range(x, '0', '9');
}

typedef struct {
	char *s;
	size_t len, cap;
} word_buf;

static bool word_room(word_buf *w, size_t more)
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

/* The words of s, normalised, to the sink. Returns 0 or -ENOMEM. */
static int scan_words(const char *s, size_t len, sink *k)
{
	pthread_once(&class_once, class_build);
	cursor c = {.u = (const unsigned char *)s, .len = len};
	/* room for the fast path's one byte an input byte; the slow path asks */
	word_buf w = {.s = malloc(len + 64), .cap = len + 64};
	if (!w.s)
		return -ENOMEM;
	int rc = 0;
	int32_t prev = 0; /* previous code point that went into the word, 0 if none */
	bool apos = false; /* the word holds an apostrophe */
	while (rc == 0) {
		/* fast path: plain ASCII between whole input code points */
		if (c.at >= c.n && c.pos < len && word_room(&w, len - c.pos)) {
			const unsigned char *u = c.u;
			size_t pos = c.pos, wl = w.len;
			char *ws = w.s;
			while (pos < len) {
#if WN_SWAR_LE
				/* the letters and digits that start here, up to 8 at once */
				if (pos + 8 <= len) {
					uint64_t x;
					memcpy(&x, u + pos, 8);
					uint64_t word = word_bytes(x);
					uint64_t stop = ~word & WN_SWAR_HIGHS;
					size_t run = stop ? (size_t)__builtin_ctzll(stop) / 8 : 8;
					if (run) {
						x = wn_swar_lower(x);
						memcpy(ws + wl, &x, 8); /* room: one byte an input byte */
						wl += run;
						pos += run;
						prev = (unsigned char)ws[wl - 1];
						continue;
					}
				}
#endif
				unsigned char t = ascii_class[u[pos]];
				if (t == SLOW)
					break;
				pos++;
				if (t != SEP) {
					ws[wl++] = (char)t;
					prev = t;
				} else if (wl) {
					if ((rc = emit_word(k, ws, wl, apos)) < 0)
						break;
					wl = 0;
					prev = 0;
					apos = false;
				}
			}
			c.pos = pos;
			w.len = wl;
		}
		int32_t cp;
		if (rc < 0 || !next_cp(&c, &cp))
			break;
		if (!word_room(&w, 4)) {
			rc = -ENOMEM;
			break;
		}
		if (cp == '[') {
			size_t b = bracket_len(&c);
			if (b) {
				for (size_t i = 1; i < b; i++)
					next_cp(&c, &cp);
				rc = emit_word(k, w.s, w.len, apos);
				w.len = 0;
				prev = 0;
				apos = false;
				continue;
			}
		}
		if (is_wordchar(cp)) {
			if (cp < 0x80)
				w.s[w.len++] = (char)cp;
			else
				w.len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)w.s + w.len);
			prev = cp;
		} else if (prev && is_apostrophe(cp) && is_wordchar(peek_cp(&c))) {
			w.s[w.len++] = '\'';
			prev = '\'';
			apos = true;
		} else if (is_digit(prev) && (cp == ',' || cp == '.') && is_digit(peek_cp(&c))) {
			if (cp == '.')
				w.s[w.len++] = '.';
		} else if (w.len) {
			rc = emit_word(k, w.s, w.len, apos);
			w.len = 0;
			prev = 0;
			apos = false;
		}
	}
	if (rc == 0 && w.len)
		rc = emit_word(k, w.s, w.len, apos);
	free(w.s);
	return rc;
}

typedef struct {
	sink k;
	char *s;
	size_t len, cap;
} text_sink;

static int text_word(sink *k, const char *w, size_t n)
{
	text_sink *t = (text_sink *)k;
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

char *wn_norm_text(const char *s, size_t len)
{
	text_sink t = {.k.word = text_word, .s = malloc(64), .cap = 64};
	if (!t.s)
		return NULL;
	t.s[0] = '\0';
	if (scan_words(s, len, &t.k) < 0) {
		free(t.s);
		return NULL;
	}
	return t.s;
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

/* The stopwords' XXH3 hashes (what wn_norm_words computes anyway), open
 * addressing; 0: empty. Words are told apart by these 64-bit hashes
 * everywhere in matching, so this decides as comparing the strings would. */
static uint64_t stop_table[STOP_SLOTS];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void stop_build(void)
{
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
		uint64_t h = XXH3_64bits(stopwords[i], strlen(stopwords[i]));
		size_t p = h % STOP_SLOTS;
		while (stop_table[p])
			p = (p + 1) % STOP_SLOTS;
		stop_table[p] = h;
	}
}

static bool stop_hash(uint64_t h)
{
	for (size_t p = h % STOP_SLOTS; stop_table[p]; p = (p + 1) % STOP_SLOTS)
		if (stop_table[p] == h)
			return true;
	return false;
}

bool wn_norm_stopword(const char *word, size_t len)
{
	if (len == 0 || len > STOP_LONGEST)
		return false;
	pthread_once(&stop_once, stop_build);
	return stop_hash(XXH3_64bits(word, len));
}

typedef struct {
	sink k;
	wn_words *w;
	size_t cap;
} words_sink;

static int words_word(sink *k, const char *s, size_t n)
{
	words_sink *t = (words_sink *)k;
	wn_words *w = t->w;
	if (w->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		uint64_t *h = realloc(w->hash, cap * sizeof *h);
		if (!h)
			return -ENOMEM;
		w->hash = h;
		bool *c = realloc(w->content, cap * sizeof *c);
		if (!c)
			return -ENOMEM;
		w->content = c;
		t->cap = cap;
	}
	uint64_t h = XXH3_64bits(s, n);
	w->hash[w->n] = h;
	w->content[w->n] = n > STOP_LONGEST || !stop_hash(h);
	w->n++;
	return 0;
}

int wn_norm_words(const char *s, size_t len, wn_words *out)
{
	memset(out, 0, sizeof *out);
	pthread_once(&stop_once, stop_build);
	/* about one word in six bytes of text: most bodies never regrow */
	words_sink t = {.k.word = words_word, .w = out, .cap = len / 5 + 8};
	out->hash = malloc(t.cap * sizeof *out->hash);
	out->content = malloc(t.cap * sizeof *out->content);
	int rc = out->hash && out->content ? scan_words(s, len, &t.k) : -ENOMEM;
	if (rc < 0) {
		wn_words_free(out);
		return rc;
	}
	return 0;
}

void wn_words_free(wn_words *w)
{
	free(w->hash);
	free(w->content);
	memset(w, 0, sizeof *w);
}
