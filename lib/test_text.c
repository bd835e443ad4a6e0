/* Unit tests: the decoder and normaliser (text.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <utf8proc.h>

#include "lib/text.h"
#include "lib/text_ref_test.h"

static char *decode_ok(const char *in, size_t len, wn_text_stats *st)
{
	char *out;
	size_t outlen;
	assert_int_equal(wn_text_decode(in, len, &out, &outlen, st), 0);
	assert_int_equal(strlen(out), outlen);
	return out;
}

static void test_invalid_utf8_replaced_and_counted(void **state)
{
	(void)state;
	wn_text_stats st;
	const char in[] = "caf\xc3\xa9 \xff ok \xc3";
	char *out = decode_ok(in, sizeof in - 1, &st);
	assert_string_equal(out, "caf\xc3\xa9 \xef\xbf\xbd ok \xef\xbf\xbd");
	assert_int_equal(st.invalid_replaced, 2);
	assert_string_equal(st.encoding, "utf-8");
	free(out);
}

static void test_overlong_and_surrogate_rejected(void **state)
{
	(void)state;
	wn_text_stats st;
	/* overlong '/', and an encoded surrogate U+D800: both invalid. Plus a real é. */
	const char in[] = "a\xc0\xaf b\xed\xa0\x80 \xc3\xa9";
	char *out = decode_ok(in, sizeof in - 1, &st);
	assert_true(st.invalid_replaced >= 2);
	assert_non_null(strstr(out, "\xc3\xa9"));
	free(out);
}

static void test_bom_dropped(void **state)
{
	(void)state;
	wn_text_stats st;
	char *out = decode_ok("\xef\xbb\xbfHello", 8, &st);
	assert_string_equal(out, "Hello");
	assert_true(st.had_bom);
	free(out);
}

static void test_crlf_and_cr_become_lf(void **state)
{
	(void)state;
	char *out = decode_ok("a\r\nb\rc\n\r\nd", 10, NULL);
	assert_string_equal(out, "a\nb\nc\n\nd");
	free(out);
}

static void test_nfc(void **state)
{
	(void)state;
	/* "e" + COMBINING ACUTE ACCENT composes to U+00E9. */
	char *out = decode_ok("Caf" "e\xcc\x81", 6, NULL);
	assert_string_equal(out, "Caf\xc3\xa9");
	free(out);
}

/* The decoder skips NFC for text made of wn_nfc_quick code points only.
 * That is right when each such code point c
 *   1. is left alone by NFC on its own,
 *   2. is a starter (combining class 0), and so is the first code point S of
 *      its canonical decomposition (then no combining mark moves across it),
 *   3. has an S that is never a later part of any canonical decomposition
 *      (then S never composes with what precedes it),
 * because then NFC of a string of them is the concatenation of NFC of each.
 * Checked against utf8proc for every code point of the set. */
static void test_nfc_quick_set_is_nfc_stable(void **state)
{
	(void)state;
	unsigned char *later = calloc(0x110000, 1); /* appears after the first place of some decomposition */
	assert_non_null(later);
	utf8proc_int32_t d[32];
	int boundclass;
	for (int32_t cp = 0; cp < 0x110000; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		boundclass = 0;
		utf8proc_ssize_t n = utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE, &boundclass);
		for (utf8proc_ssize_t k = 1; k < n; k++)
			later[d[k]] = 1;
	}
	size_t members = 0;
	for (int32_t cp = 0; cp < 0x110000; cp++) {
		if (!wn_nfc_quick(cp))
			continue;
		members++;
		utf8proc_uint8_t in[4], *nfc = NULL;
		utf8proc_ssize_t m = utf8proc_encode_char(cp, in);
		assert_int_equal(utf8proc_map(in, m, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE), m);
		assert_memory_equal(nfc, in, (size_t)m);
		free(nfc);
		boundclass = 0;
		assert_true(utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE, &boundclass) >= 1);
		assert_int_equal(utf8proc_get_property(cp)->combining_class, 0);
		assert_int_equal(utf8proc_get_property(d[0])->combining_class, 0);
		if (later[d[0]])
			fail_msg("U+%04X starts with U+%04X, which composes with what precedes it", cp, d[0]);
	}
	assert_true(members > 30000);
	free(later);
}

/* The same, by example: every ordered pair of the set's Latin, punctuation
 * and symbol code points side by side, X Y1 X Y2 ..., is left alone. */
static void test_nfc_quick_pairs(void **state)
{
	(void)state;
	int32_t set[2048];
	size_t n = 0;
	for (int32_t cp = 0; cp < 0x2200; cp++)
		if (wn_nfc_quick(cp) && (cp < 0x300 || cp >= 0x2000))
			set[n++] = cp;
	assert_true(n > 900 && n < 2048);
	size_t len = 0;
	utf8proc_uint8_t *pairs = malloc(2 * n * n * 3 + 1);
	assert_non_null(pairs);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			len += (size_t)utf8proc_encode_char(set[i], pairs + len);
			len += (size_t)utf8proc_encode_char(set[j], pairs + len);
		}
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t m = utf8proc_map(pairs, (utf8proc_ssize_t)len, &nfc,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	assert_int_equal(m, (utf8proc_ssize_t)len);
	assert_memory_equal(nfc, pairs, len);
	free(nfc);
	free(pairs);
}

/* Text that grows when decoded (cp1252 bytes, invalid sequences) followed by
 * long ASCII runs: the fast ASCII copy must grow the buffer too. */
static void test_growth_then_ascii_runs(void **state)
{
	(void)state;
	char in[4000]; /* 300 high bytes: under the 10% that would make it binary */
	for (size_t i = 0; i < 300; i++)
		in[i] = (char)0x80; /* euro sign in Windows-1252: 3 bytes in UTF-8 */
	memset(in + 300, 'x', sizeof in - 300);
	wn_text_stats st;
	char *out = decode_ok(in, sizeof in, &st);
	assert_string_equal(st.encoding, "windows-1252");
	assert_int_equal(strlen(out), 900 + 3700);
	assert_memory_equal(out, "\xe2\x82\xac", 3);
	assert_int_equal(out[4599], 'x');
	free(out);
	in[0] = (char)0xC3; /* now a valid multi-byte sequence: UTF-8 with U+FFFD replacements */
	in[1] = (char)0xA9;
	out = decode_ok(in, sizeof in, &st);
	assert_string_equal(st.encoding, "utf-8");
	assert_int_equal(st.invalid_replaced, 298);
	assert_int_equal(strlen(out), 2 + 298 * 3 + 3700);
	free(out);
}

static void test_nul_is_binary(void **state)
{
	(void)state;
	char *out = (char *)1;
	size_t len;
	assert_int_equal(wn_text_decode("abc\0def", 7, &out, &len, NULL), -WN_EBINARY);
	assert_null(out);
}

static void test_mostly_controls_is_binary(void **state)
{
	(void)state;
	char in[200];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (char)(i % 3 == 0 ? 0x01 : 'a');
	char *out;
	size_t len;
	assert_int_equal(wn_text_decode(in, sizeof in, &out, &len, NULL), -WN_EBINARY);
}

static void test_controls_removed_tab_kept(void **state)
{
	(void)state;
	wn_text_stats st;
	char *out = decode_ok("a\x01\tb\x7f" "c\xc2\x85" "d", 9, &st);
	assert_string_equal(out, "a\tbcd");
	assert_int_equal(st.controls_removed, 3);
	free(out);
}

static void test_utf16le_with_bom(void **state)
{
	(void)state;
	wn_text_stats st;
	const char in[] = "\xff\xfeH\0i\0\r\0\n\0\xe9\0";
	char *out = decode_ok(in, sizeof in - 1, &st);
	assert_string_equal(out, "Hi\n\xc3\xa9");
	assert_string_equal(st.encoding, "utf-16le");
	free(out);
}

static void test_windows1252(void **state)
{
	(void)state;
	wn_text_stats st;
	/* curly quotes and an e-acute as Windows-1252 bytes, no UTF-8 anywhere */
	const char in[] = "\x93" "Caf\xe9" "\x94 \x96 ok";
	char *out = decode_ok(in, sizeof in - 1, &st);
	assert_string_equal(out, "\xe2\x80\x9c" "Caf\xc3\xa9\xe2\x80\x9d \xe2\x80\x93 ok");
	assert_string_equal(st.encoding, "windows-1252");
	assert_int_equal(st.invalid_replaced, 0);
	free(out);
}

static void test_windows1252_dense_is_text(void **state)
{
	(void)state;
	/* A short French line in Windows-1252: more than 10% of its bytes are
	 * above 0x7F, all of them defined there. Text, not binary. */
	const char in[] = "\x93\xc9t\xe9 \xe0 l'\xeele\x94 \x97 d\xe9j\xe0 vu, \xe7" "a c'est s\xfbr.\n";
	wn_text_stats st;
	char *out = decode_ok(in, sizeof in - 1, &st);
	assert_true(sizeof in - 1 >= 32);
	assert_string_equal(out, "\xe2\x80\x9c\xc3\x89t\xc3\xa9 \xc3\xa0 l'\xc3\xaele\xe2\x80\x9d \xe2\x80\x94 "
				 "d\xc3\xa9j\xc3\xa0 vu, \xc3\xa7" "a c'est s\xc3\xbbr.\n");
	assert_string_equal(st.encoding, "windows-1252");
	free(out);
}

static void test_dense_high_bytes_with_undefined_is_binary(void **state)
{
	(void)state;
	/* the same density, but with bytes Windows-1252 leaves undefined: not
	 * legacy text, so the high bytes count as non-text */
	char in[64];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (char)(i % 4 == 0 ? 0x81 : i % 4 == 1 ? 0xff : 'x');
	char *out = (char *)1;
	size_t len;
	assert_int_equal(wn_text_decode(in, sizeof in, &out, &len, NULL), -WN_EBINARY);
	assert_null(out);
}

static void test_stray_ff_in_ascii_is_replaced(void **state)
{
	(void)state;
	/* 0xFF is not text in Windows-1252 practice: plain replacement. */
	wn_text_stats st;
	char *out = decode_ok("hello \xff world", 13, &st);
	assert_string_equal(out, "hello \xef\xbf\xbd world");
	assert_int_equal(st.invalid_replaced, 1);
	assert_string_equal(st.encoding, "utf-8");
	free(out);
}

static void test_empty_input(void **state)
{
	(void)state;
	char *out = decode_ok("", 0, NULL);
	assert_string_equal(out, "");
	free(out);
}

static void test_sanitize(void **state)
{
	(void)state;
	char *s = wn_utf8_sanitize("a\xffz", 3);
	assert_string_equal(s, "a\xef\xbf\xbdz");
	free(s);
}

/* Generated inputs: the fast decoder gives what the reference decoder of
 * text_ref_test.h gives (bytes, statistics, errors), whatever the mix of
 * ASCII runs, line ends, controls, invalid bytes, Windows-1252 bytes,
 * combining marks, jamo, singletons and BOMs. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const pieces[] = {
	"a", "The quick brown fox ", "jumps over the lazy dog. ", "0123456789abcdefXYZ", " ", "  ",
	"\n", "\n\n", "\r\n", "\r", "\r\r\n", "\t", "\f", "\x01", "\x1b", "\x7f", "\x00",
	"\xc2\x85", "\xc2\xa0", "\xef\xbb\xbf", "\x80", "\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\xe2\x82", "\x93", "\x94", "\xe9", "\x81", "\x9d",
	"\xcc\x81", "\xcc\xa3", "\xcc\x88", "\xcd\x82", "e", "E", "o", "\xc3\xa9", "\xe1\xba\xa0",
	"\xe1\x84\x80", "\xe1\x85\xa1", "\xe1\x86\xa8", "\xea\xb0\x80", /* jamo and a syllable */
	"\xe0\xa4\xa8", "\xe0\xa4\xbc", "\xe0\xa5\x98", "\xe0\xa4\xbe", /* Devanagari, nukta */
	"\xe0\xa7\x87", "\xe0\xa6\xbe", /* Bengali vowel sign parts of a composition */
	"\xd8\xa8", "\xd9\x8e", "\xd9\x90", "\xd8\x8c", /* Arabic letter, harakat, comma */
	"\xce\xb1", "\xcd\x85", "\xe2\x84\xa6", "\xe2\x84\xab", "\xe2\x80\x9c", "\xe2\x80\xa8",
	"\xef\x82\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xef\xbc\xa1", "\xe2\x80\x80",
};

static size_t gen_input(char *buf, size_t cap)
{
	size_t len = 0;
	int kind = (int)rnd(8); /* some inputs ASCII and Windows-1252 bytes only */
	if (rnd(16) == 0)
		len += (size_t)snprintf(buf, cap, "\xef\xbb\xbf");
	else if (rnd(32) == 0)
		len += (size_t)snprintf(buf, cap, rnd(2) ? "\xff\xfe" : "\xfe\xff");
	size_t npieces = rnd(120);
	for (size_t i = 0; i < npieces; i++) {
		size_t np = sizeof pieces / sizeof *pieces;
		const char *p = pieces[rnd((uint32_t)np)];
		size_t n = strlen(p) ? strlen(p) : 1; /* "\x00" is one NUL byte */
		if (p[0] == 0 && rnd(8))
			continue; /* NULs rare: mostly text */
		if (kind == 0 && (unsigned char)p[0] >= 0x80 && n > 1)
			continue;
		if (len + n > cap)
			break;
		memcpy(buf + len, p, n);
		len += n;
	}
	return len;
}

static void test_fast_decoder_matches_reference(void **state)
{
	(void)state;
	char in[8192];
	size_t nfc_cases = 0, legacy_cases = 0, binary_cases = 0;
	for (int iter = 0; iter < 30000; iter++) {
		size_t len = gen_input(in, sizeof in);
		char *want = NULL, *got = NULL;
		size_t wlen = 0, glen = 0;
		wn_text_stats ws, gs;
		int wrc = ref_decode(in, len, &want, &wlen, &ws);
		int grc = wn_text_decode(in, len, &got, &glen, &gs);
		assert_int_equal(grc, wrc);
		binary_cases += wrc == -WN_EBINARY;
		if (wrc == 0) {
			assert_int_equal(glen, wlen);
			assert_memory_equal(got, want, wlen);
			assert_int_equal(got[glen], '\0');
			assert_int_equal(gs.invalid_replaced, ws.invalid_replaced);
			assert_int_equal(gs.controls_removed, ws.controls_removed);
			assert_string_equal(gs.encoding, ws.encoding);
			assert_int_equal(gs.had_bom, ws.had_bom);
			legacy_cases += !strcmp(ws.encoding, "windows-1252");
			nfc_cases += memchr(in, '\xcc', len) != NULL;
		} else {
			assert_null(got);
		}
		free(want);
		free(got);
	}
	/* the generator reaches every branch */
	assert_true(nfc_cases > 1000 && legacy_cases > 100 && binary_cases > 100);
}

/* Long stretches of Devanagari and combining marks between long ASCII
 * runs: NFC is applied stretch by stretch, yet equals NFC of the whole. */
static void test_nfc_by_stretches(void **state)
{
	(void)state;
	size_t cap = 1 << 16, len = 0;
	char *in = malloc(cap);
	assert_non_null(in);
	while (len + 200 < cap) {
		int k = (int)rnd(4);
		const char *p = k == 0 ? "\xe0\xa4\xa8\xe0\xa4\xbc\xe0\xa5\x98 " /* na+nukta, qa */
			      : k == 1 ? "a\xcc\xa3\xcc\x81 o\xcc\x88\xcc\x81"
			      : k == 2 ? "plain words of the article, long enough to break a stretch "
				       : "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8!";
		size_t reps = rnd(6) + 1;
		for (size_t r = 0; r < reps; r++) {
			memcpy(in + len, p, strlen(p));
			len += strlen(p);
		}
	}
	char *got, *want;
	size_t glen, wlen;
	assert_int_equal(wn_text_decode(in, len, &got, &glen, NULL), 0);
	assert_int_equal(ref_decode(in, len, &want, &wlen, NULL), 0);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	assert_true(glen < len); /* something composed */
	free(got);
	free(want);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_utf8_replaced_and_counted),
		cmocka_unit_test(test_overlong_and_surrogate_rejected),
		cmocka_unit_test(test_bom_dropped),
		cmocka_unit_test(test_crlf_and_cr_become_lf),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nfc_quick_set_is_nfc_stable),
		cmocka_unit_test(test_nfc_quick_pairs),
		cmocka_unit_test(test_growth_then_ascii_runs),
		cmocka_unit_test(test_nul_is_binary),
		cmocka_unit_test(test_mostly_controls_is_binary),
		cmocka_unit_test(test_controls_removed_tab_kept),
		cmocka_unit_test(test_utf16le_with_bom),
		cmocka_unit_test(test_windows1252),
		cmocka_unit_test(test_windows1252_dense_is_text),
		cmocka_unit_test(test_dense_high_bytes_with_undefined_is_binary),
		cmocka_unit_test(test_stray_ff_in_ascii_is_replaced),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_fast_decoder_matches_reference),
		cmocka_unit_test(test_nfc_by_stretches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
