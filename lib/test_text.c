/* Unit tests: the decoder and normaliser (text.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/text.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_utf8_replaced_and_counted),
		cmocka_unit_test(test_overlong_and_surrogate_rejected),
		cmocka_unit_test(test_bom_dropped),
		cmocka_unit_test(test_crlf_and_cr_become_lf),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nul_is_binary),
		cmocka_unit_test(test_mostly_controls_is_binary),
		cmocka_unit_test(test_controls_removed_tab_kept),
		cmocka_unit_test(test_utf16le_with_bom),
		cmocka_unit_test(test_windows1252),
		cmocka_unit_test(test_stray_ff_in_ascii_is_replaced),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
