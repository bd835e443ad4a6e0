/* common.c — text helpers shared by the filters (see filter.h). */
#include "filters/filter.h"
#include "lib/swar.h"
#include "lib/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static inline bool ascii_wordchar(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26 || (unsigned char)(c - '0') < 10;
}

/* 0x80 in each byte of x (ASCII) that is a letter or a digit. */
static inline uint64_t ascii_wordchars(uint64_t x)
{
	return wn_swar_range(x | (WN_SWAR_ONES * 0x20), 'a', 'z') | wn_swar_range(x, '0', '9');
}

/* Count words from wc->pos until more than `limit` are seen or the text ends. */
static void count_until(wn_word_count *wc, size_t limit)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)wc->text;
	size_t i = wc->pos, len = wc->len, words = wc->words;
	bool in = wc->in_word;
	while (i < len && words <= limit) {
		if (WN_SWAR_LE && i + 8 <= len) {
			/* eight ASCII bytes at once: a word starts at a word character
			 * after a non-word one; a chunk that would pass the limit goes
			 * byte by byte, to stop just after the word that passes it */
			uint64_t x = wn_swar_load(s + i);
			if (!(x & WN_SWAR_HIGHS)) {
				uint64_t w = ascii_wordchars(x);
				uint64_t first = w & ~((w << 8) | (uint64_t)in << 7);
				/* the 0x80 flags summed by a multiply (no popcount instruction in the baseline ISA) */
				size_t starts = (size_t)(((first >> 7) * WN_SWAR_ONES) >> 56);
				if (words + starts <= limit) {
					words += starts;
					in = w >> 63;
					i += 8;
					continue;
				}
			}
		}
		if (s[i] < 0x80) { /* ASCII: no decoding needed */
			bool w = ascii_wordchar(s[i++]);
			words += w & !in;
			in = w;
			continue;
		}
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			i++;
			in = false;
			continue;
		}
		i += (size_t)k;
		bool w = wn_utf8_is_word(cp);
		if (w && !in)
			words++;
		in = w;
	}
	wc->pos = i;
	wc->words = words;
	wc->in_word = in;
}

size_t wn_count_words(const char *text, size_t len)
{
	wn_word_count wc;
	wn_word_count_init(&wc, text, len);
	count_until(&wc, SIZE_MAX - 1);
	return wc.words;
}

void wn_word_count_init(wn_word_count *wc, const char *text, size_t len)
{
	*wc = (wn_word_count){.text = text, .len = len};
}

bool wn_words_exceed(wn_word_count *wc, size_t limit)
{
	if (wc->words <= limit && wc->pos < wc->len)
		count_until(wc, limit);
	return wc->words > limit;
}

/* Eight ASCII bytes at s that fold to themselves but for case (and digits):
 * no tab, no doubled space, and not ending in a space, which may be
 * trailing; a space at the start is safe when something was written. */
static inline bool plain_chunk(uint64_t x, bool written)
{
	uint64_t sp = wn_swar_eq(x, ' ');
	return !(x & WN_SWAR_HIGHS) && !wn_swar_eq(x, '\t') && !(sp & (sp << 8)) && !(sp >> 56) &&
	       (written || !(sp & 0x80));
}

/* x lowered, and with every ASCII digit made '0' when zero_digits. */
static inline uint64_t fold_chunk(uint64_t x, bool zero_digits)
{
	x = wn_swar_lower(x);
	if (zero_digits) {
		uint64_t d = wn_swar_range(x, '0', '9') >> 7;
		x = (x & ~(d * 0xFF)) | (d * '0');
	}
	return x;
}

/* Does the chunk x break the plain form: a byte beyond ASCII, a tab, or a
 * space after a space (prev_sp: 0x80 when the byte before x is one)? */
static inline bool unplain(uint64_t x, uint64_t prev_sp)
{
	uint64_t sp = wn_swar_eq(x, ' ');
	return (x & WN_SWAR_HIGHS) | wn_swar_eq(x, '\t') | (sp & ((sp << 8) | prev_sp));
}

/* A plain line: ASCII without tabs or doubled spaces and with no space at
 * either end, the common line of a page. Its key is the line itself with
 * case (and digits) folded byte for byte, so it is written 8 bytes at a
 * time with no decisions per character. Returns how many leading bytes
 * were folded so (len: all, and the key is NUL-terminated); the caller
 * goes on from there, with no space pending (a space just before the
 * stop is left to the caller). */
static size_t fold_plain(const unsigned char *s, size_t len, bool zero_digits, char *out)
{
	if (len == 0 || s[0] == ' ')
		return 0;
	uint64_t prev_sp = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x = wn_swar_load(s + i);
		if (unplain(x, prev_sp))
			return i - (i && s[i - 1] == ' ');
		prev_sp = wn_swar_eq(x, ' ') >> 56;
		x = fold_chunk(x, zero_digits);
		memcpy(out + i, &x, 8);
	}
	if (s[len - 1] == ' ')
		return i - (i && s[i - 1] == ' ');
	if (i < len && len >= 8) {
		/* the tail as the last 8 bytes, overlapping bytes already folded
		 * (folding is byte for byte, so they come out the same); the pair
		 * across its start was checked with the chunk before */
		uint64_t x = wn_swar_load(s + len - 8);
		if (unplain(x, 0))
			return i - (i && s[i - 1] == ' ');
		x = fold_chunk(x, zero_digits);
		memcpy(out + len - 8, &x, 8);
	} else if (i < len) { /* a line shorter than 8 bytes, through a zero-padded chunk */
		uint64_t x = 0;
		memcpy(&x, s, len);
		if (unplain(x, 0))
			return 0;
		x = fold_chunk(x, zero_digits);
		memcpy(out, &x, len);
	}
	out[len] = '\0';
	return len;
}

size_t wn_fold_key_into(const char *text, size_t len, bool zero_digits, char *out)
{
	size_t done = WN_SWAR_LE ? fold_plain((const unsigned char *)text, len, zero_digits, out) : 0;
	if (done == len && len > 0)
		return len;
	size_t o = done;
	bool space = false;
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	for (size_t i = done; i < len;) {
		if (WN_SWAR_LE && i + 8 <= len) {
			uint64_t x = wn_swar_load(s + i);
			/* a pending space is written before a chunk that starts with none */
			if (plain_chunk(x, o > 0) && !(space && (x & 0xFF) == ' ')) {
				if (space) {
					out[o++] = ' ';
					space = false;
				}
				x = fold_chunk(x, zero_digits);
				memcpy(out + o, &x, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		int32_t cp;
		if (s[i] < 0x80) { /* ASCII, the common case: the same rules without utf8proc */
			unsigned char a = s[i++];
			if (a == ' ' || a == '\t') {
				space = o > 0;
				continue;
			}
			if (space) {
				out[o++] = ' ';
				space = false;
			}
			if (zero_digits && a >= '0' && a <= '9')
				a = '0';
			out[o++] = (char)(a >= 'A' && a <= 'Z' ? a + ('a' - 'A') : a);
			continue;
		}
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		i += (size_t)k;
		utf8proc_category_t c = utf8proc_category(cp);
		if (cp == ' ' || cp == '\t' || c == UTF8PROC_CATEGORY_ZS) {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = false;
		}
		cp = utf8proc_tolower(cp);
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	return o;
}

char *wn_fold_key(const char *text, size_t len)
{
	char *out = malloc(WN_FOLD_KEY_MAX(len)); /* case folding can grow a character */
	if (!out)
		return NULL;
	wn_fold_key_into(text, len, false, out);
	return out;
}
