/* utf8.h — the UTF-8 sequence check, inline for the decoder's and the JSON
 * writer's byte loops (wn_utf8_seq_len in text.h is the same, callable),
 * and what counts as a word character for the filters and dedup. */
#ifndef WN_UTF8_H
#define WN_UTF8_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <utf8proc.h>

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0
 * when the bytes there are not valid UTF-8 (overlong forms, surrogates and
 * code points past U+10FFFF are not); *cp receives the code point. */
static inline size_t wn_utf8_decode_at(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) { need = 2; v = c & 0x1F; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { need = 3; v = c & 0x0F; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { need = 4; v = c & 0x07; min = 0x10000; }
	else return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return need;
}

static inline size_t wn_utf8_len_at(const unsigned char *s, size_t n)
{
	uint32_t cp;
	return wn_utf8_decode_at(s, n, &cp);
}

/* A word character: an ASCII letter or digit, or a code point that is a
 * letter, a mark or a number (so "café" and "naïve" stay one word). */
static inline bool wn_utf8_is_word(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

#endif
