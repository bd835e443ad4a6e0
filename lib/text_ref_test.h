/* text_ref_test.h — the straightforward decoder of text.h, kept for the
 * tests only: a survey pass, then one code point at a time, then NFC of the
 * whole text with utf8proc. test_text checks the fast decoder of text.c
 * against it on generated inputs (same bytes, same statistics, same errors).
 */
#ifndef WN_TEXT_REF_TEST_H
#define WN_TEXT_REF_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lib/text.h"

/* Growable byte buffer, private to the decoder. */
typedef struct {
	char *p;
	size_t len, cap;
} ref_buf_t;

static int ref_buf_reserve(ref_buf_t *b, size_t extra)
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

static int ref_buf_put_cp(ref_buf_t *b, int32_t cp)
{
	if (ref_buf_reserve(b, 4) < 0)
		return -ENOMEM;
	b->len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)b->p + b->len);
	return 0;
}

/* Windows-1252 bytes 0x80..0x9F; other bytes map to the same code point. */
static const uint16_t ref_cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0xFFFD,
};

/* Append one code point, applying the newline and control-character rules.
 * `*prev_cr` carries a CR so that CRLF becomes one LF. */
static int ref_emit(ref_buf_t *b, int32_t cp, int *prev_cr, wn_text_stats *st)
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
		return ref_buf_put_cp(b, cp);
	/* C0, DEL and C1 controls; also the BOM/zero-width no-break space inside text. */
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF) {
		st->controls_removed++;
		return 0;
	}
	return ref_buf_put_cp(b, cp);
}

static int ref_decode_utf16(const unsigned char *s, size_t n, int big_endian, ref_buf_t *b,
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
		if (ref_emit(b, cp, &prev_cr, st) < 0)
			return -ENOMEM;
	}
	if (i < n) { /* odd trailing byte */
		st->invalid_replaced++;
		if (ref_emit(b, 0xFFFD, &prev_cr, st) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Scan once: NULs, invalid sequences, valid multi-byte sequences, controls. */
static void ref_survey(const unsigned char *s, size_t n, size_t *nul, size_t *invalid,
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
static inline bool ref_plain_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n';
}

static int ref_decode(const char *in, size_t len, char **out, size_t *outlen, wn_text_stats *st)
{
	const unsigned char *s = (const unsigned char *)in;
	wn_text_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	st->encoding = "utf-8";
	*out = NULL;
	*outlen = 0;

	ref_buf_t b = {0};
	int rc = 0;
	int prev_cr = 0;
	bool nfc_needed = false; /* some code point outside the wn_nfc_quick set */

	if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
		int be = s[0] == 0xFE;
		st->had_bom = true;
		st->encoding = be ? "utf-16be" : "utf-16le";
		rc = ref_decode_utf16(s + 2, len - 2, be, &b, st);
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
	ref_survey(s, len, &nul, &invalid, &multibyte, &controls, &not_cp1252);
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
	if (ref_buf_reserve(&b, len + 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < len;) {
		int32_t cp;
		if (!prev_cr && ref_plain_ascii(s[i])) {
			/* The common case: a run of plain ASCII, copied at once. */
			size_t j = i + 1;
			while (j < len && ref_plain_ascii(s[j]))
				j++;
			if (ref_buf_reserve(&b, j - i) < 0) {
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
			cp = s[i] < 0xA0 ? ref_cp1252_high[s[i] - 0x80] : s[i];
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
		if (ref_emit(&b, cp, &prev_cr, st) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}

normalise:
	if (ref_buf_reserve(&b, 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	b.p[b.len] = '\0';
	(void)nfc_needed; /* the reference normalises everything */
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

#endif
