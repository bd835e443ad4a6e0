/* text.c — see text.h. */
#include "lib/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Growable byte buffer, private to the decoder. */
typedef struct {
	char *p;
	size_t len, cap;
} buf_t;

static int buf_reserve(buf_t *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_put_cp(buf_t *b, int32_t cp)
{
	if (buf_reserve(b, 4) < 0)
		return -ENOMEM;
	b->len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)b->p + b->len);
	return 0;
}

size_t wn_utf8_seq_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t need;
	uint32_t cp, min;
	if (c >= 0xC2 && c <= 0xDF) { need = 2; cp = c & 0x1F; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { need = 3; cp = c & 0x0F; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { need = 4; cp = c & 0x07; min = 0x10000; }
	else return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

/* Windows-1252 bytes 0x80..0x9F; other bytes map to the same code point. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0xFFFD,
};

bool wn_nfc_quick(int32_t cp)
{
	/* Starters (combining class 0) that NFC leaves alone and that are never
	 * the second part of a canonical composition, so no neighbour changes
	 * them (test_text proves this against utf8proc for every one): Latin
	 * with Latin-1, Extended-A/B, IPA and spacing modifiers; Greek and
	 * Cyrillic letters; Hebrew and Arabic letters without points; general
	 * punctuation from U+2002 (U+2000/2001 are singletons), currency,
	 * letterlike symbols before U+2126 (a singleton), arrows, mathematical
	 * and technical symbols, shapes, dingbats (but U+2329/232A/2ADC,
	 * singletons); CJK punctuation, kana, unified ideographs, Hangul
	 * syllables; Arabic presentation forms, variation selectors, fullwidth
	 * forms, U+FFFD; emoji and pictographs. Combining marks, Hangul jamo and
	 * Indic vowel signs are outside: text with them goes through utf8proc. */
	if (cp < 0x300)
		return cp > 0;
	if (cp < 0x0700)
		return (cp >= 0x0375 && cp <= 0x037D) || (cp >= 0x037F && cp <= 0x0386) ||
		       (cp >= 0x0388 && cp <= 0x0482) || (cp >= 0x048A && cp <= 0x052F) ||
		       (cp >= 0x05D0 && cp <= 0x05EA) || (cp >= 0x0621 && cp <= 0x064A) ||
		       (cp >= 0x0660 && cp <= 0x0669);
	if (cp < 0x2002)
		return false;
	if (cp <= 0x2BFF)
		return (cp <= 0x20CF || cp >= 0x2100) && cp != 0x2126 && cp != 0x212A && cp != 0x212B &&
		       cp != 0x2329 && cp != 0x232A && cp != 0x2ADC && (cp <= 0x2125 || cp >= 0x2190);
	return (cp >= 0x3000 && cp <= 0x3029) || (cp >= 0x3041 && cp <= 0x3096) ||
	       (cp >= 0x30A0 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE70 && cp <= 0xFEFF) ||
	       (cp >= 0xFF01 && cp <= 0xFFEE) || cp == 0xFFFD || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* Append one code point, applying the newline and control-character rules.
 * `*prev_cr` carries a CR so that CRLF becomes one LF. */
static int emit(buf_t *b, int32_t cp, int *prev_cr, wn_text_stats *st)
{
	if (cp == '\n' && *prev_cr) {
		*prev_cr = 0;
		return 0;
	}
	*prev_cr = 0;
	if (cp == '\r') {
		*prev_cr = 1;
		cp = '\n';
	}
	if (cp == '\t' || cp == '\n')
		return buf_put_cp(b, cp);
	/* C0, DEL and C1 controls; also the BOM/zero-width no-break space inside text. */
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF) {
		st->controls_removed++;
		return 0;
	}
	return buf_put_cp(b, cp);
}

static int decode_utf16(const unsigned char *s, size_t n, int big_endian, buf_t *b,
			wn_text_stats *st)
{
	int prev_cr = 0;
	size_t i = 0;
	while (i + 1 < n) {
		uint32_t u = big_endian ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
		i += 2;
		int32_t cp = (int32_t)u;
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
			uint32_t lo = big_endian ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = (int32_t)(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
				i += 2;
			} else {
				cp = 0xFFFD;
				st->invalid_replaced++;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			cp = 0xFFFD;
			st->invalid_replaced++;
		}
		if (cp == 0)
			return -WN_EBINARY;
		if (emit(b, cp, &prev_cr, st) < 0)
			return -ENOMEM;
	}
	if (i < n) { /* odd trailing byte */
		st->invalid_replaced++;
		if (emit(b, 0xFFFD, &prev_cr, st) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Scan once: NULs, invalid sequences, valid multi-byte sequences, controls. */
static void survey(const unsigned char *s, size_t n, size_t *nul, size_t *invalid,
		   size_t *multibyte, size_t *controls, size_t *not_cp1252)
{
	*nul = *invalid = *multibyte = *controls = *not_cp1252 = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == 0) {
			(*nul)++;
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
				(*controls)++;
			i++;
			continue;
		}
		size_t k = wn_utf8_seq_len(s + i, n - i);
		if (k == 0) {
			(*invalid)++;
			/* bytes Windows-1252 leaves undefined, and 0xFF (rare as 'ÿ', common in binary) */
			*not_cp1252 += c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D || c == 0xFF;
			i++;
		} else {
			(*multibyte)++;
			i += k;
		}
	}
}

/* Bytes copied as they are: printable ASCII, TAB and LF. */
static inline bool plain_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n';
}

int wn_text_decode(const char *in, size_t len, char **out, size_t *outlen, wn_text_stats *st)
{
	const unsigned char *s = (const unsigned char *)in;
	wn_text_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	st->encoding = "utf-8";
	*out = NULL;
	*outlen = 0;

	buf_t b = {0};
	int rc = 0;
	int prev_cr = 0;
	bool nfc_needed = false; /* some code point outside the wn_nfc_quick set */

	if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
		int be = s[0] == 0xFE;
		st->had_bom = true;
		st->encoding = be ? "utf-16be" : "utf-16le";
		rc = decode_utf16(s + 2, len - 2, be, &b, st);
		if (rc < 0)
			goto fail;
		nfc_needed = true;
		goto normalise;
	}
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		st->had_bom = true;
		s += 3;
		len -= 3;
	}

	size_t nul, invalid, multibyte, controls, not_cp1252;
	survey(s, len, &nul, &invalid, &multibyte, &controls, &not_cp1252);
	/* Windows-1252: no valid UTF-8 multi-byte sequence, and every high
	 * byte one that Windows-1252 defines. Those bytes are then text. */
	int legacy = invalid > 0 && multibyte == 0 && not_cp1252 == 0;
	/* Binary: any NUL, or more than 10% of the bytes neither text nor layout. */
	if (nul > 0 || (len >= 32 && ((legacy ? 0 : invalid) + controls) * 10 > len)) {
		rc = -WN_EBINARY;
		goto fail;
	}
	if (legacy)
		st->encoding = "windows-1252";
	if (buf_reserve(&b, len + 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < len;) {
		int32_t cp;
		if (!prev_cr && plain_ascii(s[i])) {
			/* The common case: a run of plain ASCII, copied at once. */
			size_t j = i + 1;
			while (j < len && plain_ascii(s[j]))
				j++;
			if (buf_reserve(&b, j - i) < 0) {
				rc = -ENOMEM;
				goto fail;
			}
			memcpy(b.p + b.len, s + i, j - i);
			b.len += j - i;
			i = j;
			continue;
		}
		if (s[i] < 0x80) {
			cp = s[i++];
		} else if (legacy) {
			cp = s[i] < 0xA0 ? cp1252_high[s[i] - 0x80] : s[i];
			i++;
		} else {
			size_t k = wn_utf8_seq_len(s + i, len - i);
			if (k == 0) {
				cp = 0xFFFD;
				st->invalid_replaced++;
				i++;
			} else {
				utf8proc_iterate(s + i, (utf8proc_ssize_t)k, &cp);
				i += k;
			}
		}
		nfc_needed = nfc_needed || !wn_nfc_quick(cp);
		if (emit(&b, cp, &prev_cr, st) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}

normalise:
	if (buf_reserve(&b, 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	b.p[b.len] = '\0';
	if (!nfc_needed) { /* already NFC: utf8proc_map would return the same bytes */
		*out = b.p;
		*outlen = b.len;
		return 0;
	}
	/* NFC needs valid UTF-8 without NULs, which the loop above guarantees. */
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)b.p, (utf8proc_ssize_t)b.len, &nfc,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (m < 0) {
		/* Only a memory failure is possible here; keep the un-normalised text otherwise. */
		if (m == UTF8PROC_ERROR_NOMEM) {
			rc = -ENOMEM;
			goto fail;
		}
		*out = b.p;
		*outlen = b.len;
		return 0;
	}
	free(b.p);
	*out = (char *)nfc;
	*outlen = (size_t)m;
	return 0;
fail:
	free(b.p);
	return rc;
}

char *wn_utf8_sanitize(const char *s, size_t n)
{
	buf_t b = {0};
	if (buf_reserve(&b, n + 1) < 0)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = wn_utf8_seq_len(u + i, n - i);
		if (k == 0 || u[i] == 0) {
			if (buf_put_cp(&b, 0xFFFD) < 0) {
				free(b.p);
				return NULL;
			}
			i++;
			continue;
		}
		if (buf_reserve(&b, k) < 0) {
			free(b.p);
			return NULL;
		}
		memcpy(b.p + b.len, u + i, k);
		b.len += k;
		i += k;
	}
	if (buf_reserve(&b, 1) < 0) {
		free(b.p);
		return NULL;
	}
	b.p[b.len] = '\0';
	return b.p;
}

const char *wn_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case WN_EBINARY: return "binary file (NUL bytes or mostly non-text)";
	case WN_ETOOBIG: return "file exceeds the size limit";
	default: return strerror(err);
	}
}
