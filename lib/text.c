/* text.c — see text.h. */
#include "lib/text.h"
#include "lib/swar.h"
#include "lib/utf8.h"

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
	return wn_utf8_len_at(s, n);
}

/* Windows-1252 bytes 0x80..0x9F; other bytes map to the same code point. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0xFFFD,
};

static inline bool nfc_quick(int32_t cp)
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

bool wn_nfc_quick(int32_t cp)
{
	return nfc_quick(cp);
}

/* Append one code point, applying the newline and control-character rules.
 * `*prev_cr` carries a CR so that CRLF becomes one LF. (UTF-16 only: the
 * UTF-8 loop below applies the same rules to runs of bytes.) */
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

/* Eight bytes at a time: a word whose bytes are all printable ASCII, LF or
 * TAB is copied as it is (lib/swar.h: exact per byte). */
static inline bool word_plain(uint64_t x)
{
	uint64_t ctl = wn_swar_range(x, 0, 0x1F) & ~wn_swar_eq(x, '\n') & ~wn_swar_eq(x, '\t');
	return !((x & WN_SWAR_HIGHS) | ctl | wn_swar_eq(x, 0x7F));
}

/* Bytes copied as they are: printable ASCII, TAB and LF. */
static inline bool plain_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n';
}

/* What one pass over UTF-8 input learns; decides binary and Windows-1252. */
typedef struct {
	size_t invalid, multibyte, controls, not_cp1252;
	bool nfc_needed; /* some code point outside the wn_nfc_quick set */
} survey_t;

/* Decode n bytes (UTF-8, or Windows-1252 when `legacy`) into b: bytes that
 * stay as they are (plain ASCII, valid sequences other than C1 controls and
 * U+FEFF) are copied in runs; CR, controls and invalid bytes are handled one
 * at a time. A NUL stops it: -WN_EBINARY. */
static int decode_8bit(const unsigned char *s, size_t n, bool legacy, buf_t *b, survey_t *sv,
		       wn_text_stats *st)
{
	size_t i = 0, run = 0; /* s[run, i) is still to be copied */
	while (i < n) {
		if (n - i >= 8) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (word_plain(x)) {
				i += 8;
				continue;
			}
		}
		/* one code point at a time to the end of this word */
		size_t stop = n - i >= 8 ? i + 8 : n;
		while (i < stop) {
			unsigned char c = s[i];
			if (plain_ascii(c)) {
				i++;
				continue;
			}
			int32_t cp = -1; /* a code point to write in place of s[i] */
			size_t skip = 1;
			if (c >= 0x80 && legacy) {
				cp = c < 0xA0 ? cp1252_high[c - 0x80] : c;
			} else if (c >= 0x80) {
				uint32_t v;
				size_t k = wn_utf8_decode_at(s + i, n - i, &v);
				if (k == 0) {
					sv->invalid++;
					/* bytes Windows-1252 leaves undefined, and 0xFF (rare as 'ÿ', common in binary) */
					sv->not_cp1252 += c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 ||
							  c == 0x9D || c == 0xFF;
					st->invalid_replaced++;
					cp = 0xFFFD;
				} else {
					sv->multibyte++;
					if (v > 0x9F && v != 0xFEFF) { /* stays */
						sv->nfc_needed = sv->nfc_needed || !nfc_quick((int32_t)v);
						i += k;
						continue;
					}
					st->controls_removed++; /* C1 control or U+FEFF */
					skip = k;
				}
			} else if (c == 0) {
				return -WN_EBINARY;
			} else if (c == '\r') {
				cp = '\n';
				skip = i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
			} else {
				/* \f is layout for the binary test, yet removed like the others */
				sv->controls += c != '\f' && c != 0x7F;
				st->controls_removed++;
			}
			if (buf_reserve(b, i - run + 4) < 0)
				return -ENOMEM;
			memcpy(b->p + b->len, s + run, i - run);
			b->len += i - run;
			if (cp >= 0)
				b->len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)b->p + b->len);
			i += skip;
			run = i;
		}
	}
	if (buf_reserve(b, i - run + 1) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s + run, i - run);
	b->len += i - run;
	return 0;
}

/* NFC of valid UTF-8 without NULs, in[0, len) appended to out. NFC(a q b)
 * is NFC(a) followed by NFC(q b) when q is a wn_nfc_quick code point (a
 * starter that nothing before it composes with), so only the stretches
 * around other code points go through utf8proc; a stretch ends at the first
 * run of quick code points long enough to be worth a break. */
#define NFC_BREAK 32

/* Is the code point at s[i] a wn_nfc_quick one? *k receives its length.
 * (A byte that is not UTF-8, which the decoder never leaves, is not.) */
static inline bool quick_at(const unsigned char *s, size_t i, size_t len, size_t *k)
{
	uint32_t cp;
	*k = wn_utf8_decode_at(s + i, len - i, &cp);
	if (*k == 0) {
		*k = 1;
		return false;
	}
	return nfc_quick((int32_t)cp);
}

static int nfc_append(const char *in, size_t len, buf_t *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t done = 0, last_quick = 0; /* in[done, ...) is still to be written */
	size_t i = 0, k;
	while (i < len) {
		if (quick_at(s, i, len, &k)) {
			last_quick = i;
			i += k;
			continue;
		}
		/* a stretch from the last quick code point to the next long quick run */
		size_t start = last_quick > done ? last_quick : done, end = len, quick_from = len;
		for (size_t j = i + k; j < len; j += k) {
			if (!quick_at(s, j, len, &k)) {
				quick_from = len;
				continue;
			}
			if (quick_from == len)
				quick_from = j;
			if (j + k - quick_from >= NFC_BREAK) {
				end = quick_from;
				break;
			}
		}
		utf8proc_uint8_t *nfc = NULL;
		utf8proc_ssize_t m = utf8proc_map(s + start, (utf8proc_ssize_t)(end - start), &nfc,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		if (m == UTF8PROC_ERROR_NOMEM)
			return -ENOMEM;
		if (m < 0) { /* not valid UTF-8 (see quick_at): the stretch stays as it is */
			nfc = NULL;
			m = 0;
			start = end;
		}
		if (buf_reserve(out, start - done + (size_t)m + 1) < 0) {
			free(nfc);
			return -ENOMEM;
		}
		memcpy(out->p + out->len, s + done, start - done);
		out->len += start - done;
		if (m > 0)
			memcpy(out->p + out->len, nfc, (size_t)m);
		out->len += (size_t)m;
		free(nfc);
		done = i = last_quick = end;
	}
	if (buf_reserve(out, len - done + 1) < 0)
		return -ENOMEM;
	memcpy(out->p + out->len, s + done, len - done);
	out->len += len - done;
	return 0;
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
	survey_t sv = {0};

	if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
		int be = s[0] == 0xFE;
		st->had_bom = true;
		st->encoding = be ? "utf-16be" : "utf-16le";
		rc = decode_utf16(s + 2, len - 2, be, &b, st);
		if (rc < 0)
			goto fail;
		sv.nfc_needed = true;
		goto normalise;
	}
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		st->had_bom = true;
		s += 3;
		len -= 3;
	}

	/* Read as UTF-8 first: that pass also surveys the bytes. */
	if (buf_reserve(&b, len + 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = decode_8bit(s, len, false, &b, &sv, st);
	if (rc < 0)
		goto fail;
	/* Windows-1252: no valid UTF-8 multi-byte sequence, and every high
	 * byte one that Windows-1252 defines. Those bytes are then text. */
	bool legacy = sv.invalid > 0 && sv.multibyte == 0 && sv.not_cp1252 == 0;
	/* Binary: more than 10% of the bytes neither text nor layout (a NUL
	 * anywhere stopped the pass already). */
	if (len >= 32 && ((legacy ? 0 : sv.invalid) + sv.controls) * 10 > len) {
		rc = -WN_EBINARY;
		goto fail;
	}
	if (legacy) {
		st->encoding = "windows-1252";
		st->invalid_replaced = 0;
		st->controls_removed = 0;
		b.len = 0;
		survey_t again = {0};
		rc = decode_8bit(s, len, true, &b, &again, st);
		if (rc < 0)
			goto fail;
		sv.nfc_needed = again.nfc_needed;
	}

normalise:
	if (buf_reserve(&b, 1) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	b.p[b.len] = '\0';
	if (sv.nfc_needed) {
		buf_t nfc = {0};
		rc = nfc_append(b.p, b.len, &nfc);
		free(b.p);
		b = nfc;
		if (rc < 0)
			goto fail;
		if (buf_reserve(&b, 1) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
		b.p[b.len] = '\0';
	}
	*out = b.p;
	*outlen = b.len;
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
		size_t k = wn_utf8_len_at(u + i, n - i);
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
