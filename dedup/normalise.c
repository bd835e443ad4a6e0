/* normalise.c — text normalised for matching (see normalise.h). */
#include "dedup/normalise.h"
#include "lib/swar.h"
#include "lib/utf8.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* short keys: a call per hash costs more than the hash */
#include <xxhash.h>

/* Where the normalised words go: a string (wn_norm_text) or hashes
 * (wn_norm_words), one call per word, so matching never builds the text.
 * The scan is inlined into each with its word function (a word_fn known
 * at compile time, not a call through a pointer per word); the rare
 * contractions go through k->word. */
typedef struct sink sink;
typedef int (*word_fn)(sink *k, const char *w, size_t n);
struct sink {
	word_fn word;
};

static int put_word(sink *k, const char *w, size_t n)
{
	return n ? k->word(k, w, n) : 0;
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

static int expand_word(sink *k, char *w, size_t n);

/* Emit one raw word (apostrophes written as '; apos: it may hold one),
 * expanding contractions. The word may be rewritten in place. */
static inline __attribute__((always_inline)) int emit_word(sink *k, word_fn put, char *w, size_t n,
							   bool apos)
{
	/* every contraction holds an apostrophe, and "cannot" is 6 letters */
	if (n && !(apos && memchr(w, '\'', n)) && !(n == 6 && !memcmp(w, "cannot", 6)))
		return put(k, w, n);
	return expand_word(k, w, n);
}

/* emit_word of a word that may be a contraction or "cannot". */
static int expand_word(sink *k, char *w, size_t n)
{
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
		int rc = base ? put_word(k, base, strlen(base)) : expand_word(k, w, b);
		return rc < 0 ? rc : put_word(k, "not", 3);
	}
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		if (ends_with(w, n, tails[i].suffix) && n > strlen(tails[i].suffix)) {
			int rc = expand_word(k, w, n - strlen(tails[i].suffix));
			return rc < 0 ? rc : put_word(k, tails[i].expansion, strlen(tails[i].expansion));
		}
	if (ends_with(w, n, "'s") && n > 2) {
		size_t b = n - 2;
		int rc = expand_word(k, w, b);
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

/* ASCII bytes for the fast path: what a byte right after a word means.
 * SEP: a plain separator; LETTER, DIGIT: part of the word; JOIN (',' and
 * '.') and APOS ('\'' and '`') separate unless the bytes around them say
 * otherwise (see separates); SLOW: '[' and the first byte of any other
 * code point, which the slow path reads. */
enum { SEP, LETTER, DIGIT, JOIN, APOS, SLOW };
static unsigned char ascii_class[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_build(void)
{
	for (int b = 0; b < 256; b++) {
		if (b >= 0x80 || b == '[')
			ascii_class[b] = SLOW;
		else if (b == ',' || b == '.')
			ascii_class[b] = JOIN;
		else if (b == '\'' || b == '`')
			ascii_class[b] = APOS;
		else if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))
			ascii_class[b] = LETTER;
		else if (b >= '0' && b <= '9')
			ascii_class[b] = DIGIT;
		else
			ascii_class[b] = SEP;
	}
}

/* Is u[at], right after a word whose last code point is last, only a
 * separator, as the slow path would find? ',' and '.' join two digits,
 * and an apostrophe stays in a word before a letter or digit; a code point
 * after it that is not ASCII may fold to one, so then the slow path reads. */
static inline bool separates(const unsigned char *u, size_t len, size_t at, int32_t last)
{
	unsigned char next = at + 1 < len ? u[at + 1] : ' ';
	switch (ascii_class[u[at]]) {
	case SEP:
		return true;
	case JOIN:
		return !is_digit(last) || (next < 0x80 && !is_digit(next));
	case APOS:
		return ascii_class[next] != LETTER && ascii_class[next] != DIGIT && next < 0x80;
	default:
		return false;
	}
}

/* CHUNK input bytes as the fast path sees them: bit i of word is set when
 * byte i is an ASCII letter or digit, of hard when it is '[' or not ASCII
 * (what needs the slow path wherever it stands), of sep when it is a
 * separator right after a word (a plain separator, or ',' or '.' after a
 * letter); lower holds the bytes with ASCII letters in lower case. One
 * classification serves every word that starts in the chunk. */
#define CHUNK 32
typedef struct {
	uint64_t word, hard, sep;
	char lower[2 * CHUNK]; /* room to copy CHUNK bytes from any offset */
} chunk;

/* The bits of 16 bytes, as in chunk: plain separators in plain, digits in
 * digit, ',' and '.' in join. */
typedef struct {
	uint64_t word, hard, plain, digit, join;
} half_bits;

#if defined(__SSE2__) && !defined(WN_NORM_NO_SIMD)
#include <emmintrin.h>

/* One bit a byte: the high bits of the 16 bytes of v. */
static inline uint64_t bits16(__m128i v) { return (uint64_t)(uint32_t)_mm_movemask_epi8(v); }

static inline __attribute__((always_inline)) half_bits classify16(const unsigned char *p, char *lower)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	/* a range test as a signed compare: b - lo + 0x80 < hi - lo + 1 - 0x80 */
	__m128i folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i letter = _mm_cmplt_epi8(_mm_add_epi8(folded, _mm_set1_epi8((char)(0x80 - 'a'))),
					_mm_set1_epi8((char)(26 - 0x80)));
	__m128i digit = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))),
				       _mm_set1_epi8((char)(10 - 0x80)));
	__m128i join = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')),
				    _mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
	__m128i apos = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')),
				    _mm_cmpeq_epi8(x, _mm_set1_epi8('`')));
	__m128i hard = _mm_or_si128(x, _mm_cmpeq_epi8(x, _mm_set1_epi8('[')));
	__m128i word = _mm_or_si128(letter, digit);
	__m128i not_plain = _mm_or_si128(_mm_or_si128(word, hard), _mm_or_si128(join, apos));
	_mm_storeu_si128((__m128i *)lower, _mm_or_si128(x, _mm_and_si128(letter, _mm_set1_epi8(0x20))));
	return (half_bits){.word = bits16(word), .hard = bits16(hard),
			   .plain = ~bits16(not_plain) & 0xFFFF, .digit = bits16(digit),
			   .join = bits16(join)};
}
#else
/* The high bits of the eight bytes of x (0x80 or 0) as eight bits. */
static inline uint64_t swar_bits(uint64_t x)
{
	uint64_t m = 0;
	for (int i = 0; i < 8; i++)
		m |= (x >> (WN_SWAR_LE ? 8 * i + 7 : 63 - 8 * i) & 1) << i;
	return m;
}

/* The same, eight bytes at a time in a 64-bit word. */
static inline __attribute__((always_inline)) half_bits classify16(const unsigned char *p, char *lower)
{
	half_bits b = {0};
	for (unsigned h = 0; h < 16; h += 8) {
		uint64_t x;
		memcpy(&x, p + h, 8);
		uint64_t digit = swar_bits(wn_swar_range(x, '0', '9'));
		uint64_t letter = swar_bits(wn_swar_range(x, 'a', 'z') | wn_swar_range(x, 'A', 'Z'));
		uint64_t join = swar_bits(wn_swar_eq(x, ',') | wn_swar_eq(x, '.'));
		uint64_t apos = swar_bits(wn_swar_eq(x, '\'') | wn_swar_eq(x, '`'));
		uint64_t hard = swar_bits((x & WN_SWAR_HIGHS) | wn_swar_eq(x, '['));
		b.word |= (letter | digit) << h;
		b.hard |= hard << h;
		b.plain |= (~(letter | digit | join | apos | hard) & 0xFF) << h;
		b.digit |= digit << h;
		b.join |= join << h;
		x |= wn_swar_range(x, 'A', 'Z') >> 2;
		memcpy(lower + h, &x, 8);
	}
	return b;
}
#endif

static inline __attribute__((always_inline)) void chunk_load(const unsigned char *p, chunk *c)
{
	half_bits lo = classify16(p, c->lower), hi = classify16(p + 16, c->lower + 16);
	c->word = lo.word | hi.word << 16;
	c->hard = lo.hard | hi.hard << 16;
	uint64_t digit = lo.digit | hi.digit << 16, join = lo.join | hi.join << 16;
	/* ',' and '.' separate after a letter; bit 0 has no byte before it here
	 * (scan_ascii asks separates() about a word that began earlier) */
	c->sep = lo.plain | hi.plain << 16 | (join & ~(digit << 1) & ~1ull);
}

typedef struct {
	char *s;
	size_t len, cap;
	char small[256]; /* most words and quotes need no allocation */
} word_buf;

static bool word_room(word_buf *w, size_t more)
{
	if (w->len + more <= w->cap)
		return true;
	size_t cap = w->cap * 2;
	while (cap < w->len + more)
		cap *= 2;
	char *p = w->s == w->small ? malloc(cap) : realloc(w->s, cap);
	if (!p)
		return false;
	if (w->s == w->small)
		memcpy(p, w->small, w->len);
	w->s = p;
	w->cap = cap;
	return true;
}

/* What the scan carries from code point to code point. */
typedef struct {
	word_buf w;   /* the word being read */
	int32_t prev; /* previous code point that went into the word, 0 if none */
	bool apos;    /* the word holds an apostrophe */
	/* the last chunk the fast path read, bytes [base, base + avail) of
	 * the input: after the slow path has read a code point, the fast path
	 * goes on in it instead of classifying the bytes again (text that is
	 * mostly not ASCII goes back and forth at every code point) */
	chunk c;
	size_t base, avail; /* avail 0: none */
} scan_state;

static inline __attribute__((always_inline)) int flush_word(sink *k, word_fn put, scan_state *st)
{
	int rc = emit_word(k, put, st->w.s, st->w.len, st->apos);
	st->w.len = 0;
	st->prev = 0;
	st->apos = false;
	return rc;
}

/* Is the word at w (n bytes, 6 readable) "cannot"? Without a branch on n:
 * the words of the fast path are of every length, so one would often be
 * mispredicted. */
static inline bool is_cannot(const char *w, size_t n)
{
	uint32_t a, a0;
	uint16_t b, b0;
	memcpy(&a, w, 4);
	memcpy(&b, w + 4, 2);
	memcpy(&a0, "cann", 4);
	memcpy(&b0, "ot", 2);
	return (n == 6) & (a == a0) & (b == b0);
}

/* Classifies the input from p into c: how many of its bytes are input
 * (0 at the end). The tail is padded with plain separators. */
static inline __attribute__((always_inline)) size_t load_chunk(const unsigned char *u, size_t len,
							       size_t p, chunk *c)
{
	size_t avail = len - p;
	if (p >= len)
		return 0;
	if (avail >= CHUNK) {
		chunk_load(u + p, c);
		return CHUNK;
	}
	unsigned char tail[CHUNK];
	memset(tail, ' ', sizeof tail);
	memcpy(tail, u + p, avail);
	chunk_load(tail, c);
	return avail;
}

/* The fast path: ASCII words between plain separators, read CHUNK bytes
 * at a time and emitted straight from the chunk. Starts at *pos (a whole
 * code point) and stops, *pos updated, at the first byte that needs the
 * slow path or at the end. The word in st may go on here, and a word cut
 * by such a byte is left in st for the slow path. Returns 0 or -ENOMEM. */
static inline __attribute__((always_inline)) int scan_ascii(const unsigned char *u, size_t len,
							    size_t *pos, sink *k, word_fn put,
							    scan_state *st)
{
	chunk *c = &st->c;
	size_t p = *pos;
	unsigned i = 0; /* bytes of the chunk done */
	if (st->avail && p >= st->base && p < st->base + st->avail) {
		i = (unsigned)(p - st->base);
		p = st->base;
	} else if (!(st->avail = load_chunk(u, len, p, c))) {
		return 0;
	}
	st->base = p;
	for (;;) {
		size_t avail = st->avail;
		int rc = 0;
		if (st->w.len) { /* the word goes on */
			unsigned r = (unsigned)__builtin_ctzll(~(c->word >> i));
			if (!word_room(&st->w, CHUNK))
				return -ENOMEM;
			memcpy(st->w.s + st->w.len, c->lower + i, CHUNK);
			st->w.len += r;
			if (r)
				st->prev = (unsigned char)c->lower[i + r - 1];
			i += r;
			if (i >= avail)
				goto next_chunk;
			if (!separates(u, len, p + i, st->prev)) {
				*pos = p + i;
				return 0;
			}
			if ((rc = flush_word(k, put, st)) < 0)
				return rc;
			i++;
		}
		/* The words that start in the chunk before its first byte for the
		 * slow path (limit), found from the bit masks at once: a start is a
		 * word byte after one that is not, an end a word byte before one
		 * that is not, and the k-th start pairs with the k-th end (so no
		 * word waits on the previous one to be found). */
		uint64_t hard = c->hard >> i << i;
		unsigned limit = hard ? (unsigned)__builtin_ctzll(hard) : (unsigned)avail;
		uint64_t live = ((1ull << limit) - 1) >> i << i; /* limit <= CHUNK < 64 */
		uint64_t starts = c->word & ~(c->word << 1) & live;
		uint64_t ends = c->word & ~(c->word >> 1) & live;
		while (starts) {
			unsigned start = (unsigned)__builtin_ctzll(starts);
			unsigned end = (unsigned)__builtin_ctzll(ends) + 1;
			starts &= starts - 1;
			ends &= ends - 1;
			if (end == CHUNK) { /* it may go on: read it from its start, or as a long word */
				if (start > 0) {
					p += start;
					goto load;
				}
				memcpy(st->w.s, c->lower, CHUNK);
				st->w.len = CHUNK;
				st->prev = (unsigned char)c->lower[CHUNK - 1];
				goto next_chunk;
			}
			char *w = c->lower + start;
			size_t n = end - start;
			/* the padding after a tail is plain separators */
			if (!(c->sep >> end & 1) && !separates(u, len, p + end, (unsigned char)w[n - 1])) {
				/* the slow path decides: a contraction, 2,000 ... */
				memcpy(st->w.s, w, n);
				st->w.len = n;
				st->prev = (unsigned char)w[n - 1];
				*pos = p + end;
				return 0;
			}
			if ((rc = is_cannot(w, n) ? expand_word(k, w, n) : put(k, w, n)) < 0)
				return rc;
		}
		if (limit < avail) { /* '[' or a code point that is not ASCII */
			*pos = p + limit;
			return 0;
		}
	next_chunk:
		p += avail;
	load:
		i = 0;
		st->base = p;
		if (!(st->avail = load_chunk(u, len, p, c))) {
			*pos = p;
			return 0;
		}
	}
}

/* The words of s, normalised, to put. Returns 0 or -ENOMEM. */
static inline __attribute__((always_inline)) int scan_words(const char *s, size_t len, sink *k,
							    word_fn put)
{
	pthread_once(&class_once, class_build);
	cursor c = {.u = (const unsigned char *)s, .len = len};
	scan_state st = {.w = {.cap = sizeof st.w.small}};
	st.w.s = st.w.small;
	int rc = 0;
	while (rc == 0) {
		/* the fast path, unless the next byte is not ASCII (it would hand
		 * that straight back) */
		if (c.at >= c.n && c.pos < len && c.u[c.pos] < 0x80 &&
		    (rc = scan_ascii(c.u, len, &c.pos, k, put, &st)) < 0)
			break;
		/* the slow path: one folded code point */
		int32_t cp;
		if (!next_cp(&c, &cp))
			break;
		if (!word_room(&st.w, 4)) {
			rc = -ENOMEM;
			break;
		}
		if (cp == '[') {
			size_t b = bracket_len(&c);
			if (b) {
				for (size_t i = 1; i < b; i++)
					next_cp(&c, &cp);
				rc = flush_word(k, put, &st);
				continue;
			}
		}
		if (wn_utf8_is_word(cp)) {
			if (cp < 0x80)
				st.w.s[st.w.len++] = (char)cp;
			else
				st.w.len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)st.w.s + st.w.len);
			st.prev = cp;
		} else if (st.prev && is_apostrophe(cp) && wn_utf8_is_word(peek_cp(&c))) {
			st.w.s[st.w.len++] = '\'';
			st.prev = '\'';
			st.apos = true;
		} else if (is_digit(st.prev) && (cp == ',' || cp == '.') && is_digit(peek_cp(&c))) {
			if (cp == '.')
				st.w.s[st.w.len++] = '.';
		} else if (st.w.len) {
			rc = flush_word(k, put, &st);
		}
	}
	if (rc == 0 && st.w.len)
		rc = flush_word(k, put, &st);
	if (st.w.s != st.w.small)
		free(st.w.s);
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
	if (scan_words(s, len, &t.k, text_word) < 0) {
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

/* The stopwords' XXH3 hashes (what wn_norm_words computes anyway), each in
 * one of two tables: the first at its low bits, or, when that slot is
 * taken, the second at bits 32 and up; 0: empty. So a lookup is two loads
 * and no loop, the same for every word (no branch to mispredict). The list
 * and the hash are fixed, and the tests check that every stopword found a
 * slot. Words are told apart by these 64-bit hashes everywhere in
 * matching, so this decides as comparing the strings would. */
static uint64_t stop_first[STOP_SLOTS], stop_second[STOP_SLOTS];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void stop_build(void)
{
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
		uint64_t h = XXH3_64bits(stopwords[i], strlen(stopwords[i]));
		uint64_t *slot = &stop_first[h % STOP_SLOTS];
		if (*slot)
			slot = &stop_second[(h >> 32) % STOP_SLOTS];
		*slot = h; /* the tests check that no stopword overwrote another */
	}
}

static inline bool stop_hash(uint64_t h)
{
	return (stop_first[h % STOP_SLOTS] == h) | (stop_second[(h >> 32) % STOP_SLOTS] == h);
}

bool wn_norm_stopword(const char *word, size_t len)
{
	if (len == 0 || len > STOP_LONGEST)
		return false;
	pthread_once(&stop_once, stop_build);
	return stop_hash(XXH3_64bits(word, len));
}

/* The words so far: hash[0, at - hash) and content alike. The next slot is
 * a pointer, not a count in the wn_words, so that storing a hash (a
 * uint64_t, as a size_t count is) does not make the compiler reload it. */
typedef struct {
	sink k;
	uint64_t *hash, *at, *end;
	bool *content;
} words_sink;

/* XXH3_64bits of a word. Nearly all words are at most 16 bytes, for which
 * xxhash.h's own short-input function is called here, so that it is
 * inlined into the scan (the compiler does not inline XXH3_64bits, which
 * also holds the long-input code): the same function, so the same value;
 * the tests compare with XXH3_64bits. */
static inline __attribute__((always_inline)) uint64_t word_hash(const char *s, size_t n)
{
#if XXH_VERSION_MAJOR == 0 && XXH_VERSION_MINOR == 8
	if (n <= 16)
		return XXH3_len_0to16_64b((const xxh_u8 *)s, n, XXH3_kSecret, 0);
#endif
	return XXH3_64bits(s, n);
}

static int words_grow(words_sink *t)
{
	size_t n = (size_t)(t->at - t->hash), cap = 2 * n + 64;
	uint64_t *h = realloc(t->hash, cap * sizeof *h);
	if (!h)
		return -ENOMEM;
	t->hash = h;
	bool *c = realloc(t->content, cap * sizeof *c);
	if (!c)
		return -ENOMEM;
	t->content = c;
	t->at = h + n;
	t->end = h + cap;
	return 0;
}

static inline __attribute__((always_inline)) int words_word(sink *k, const char *s, size_t n)
{
	words_sink *t = (words_sink *)k;
	if (t->at == t->end && words_grow(t) < 0)
		return -ENOMEM;
	uint64_t h = word_hash(s, n);
	t->content[t->at - t->hash] = (n > STOP_LONGEST) | !stop_hash(h);
	*t->at++ = h;
	return 0;
}

int wn_norm_words(const char *s, size_t len, wn_words *out)
{
	memset(out, 0, sizeof *out);
	pthread_once(&stop_once, stop_build);
	/* about one word in six bytes of text: most bodies never regrow */
	size_t cap = len / 5 + 8;
	words_sink t = {.k.word = words_word, .hash = malloc(cap * sizeof *t.hash),
			.content = malloc(cap * sizeof *t.content)};
	t.at = t.hash;
	t.end = t.hash + cap;
	int rc = t.hash && t.content ? scan_words(s, len, &t.k, words_word) : -ENOMEM;
	if (rc < 0) {
		free(t.hash);
		free(t.content);
		return rc;
	}
	*out = (wn_words){.hash = t.hash, .content = t.content, .n = (size_t)(t.at - t.hash)};
	return 0;
}

void wn_words_free(wn_words *w)
{
	free(w->hash);
	free(w->content);
	memset(w, 0, sizeof *w);
}
