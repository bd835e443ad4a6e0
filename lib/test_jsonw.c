/* Unit tests: the streaming JSON writer (jsonw.h) against jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "lib/jsonw.h"

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Valid UTF-8 of n code points or so: every control character, quotes,
 * backslashes, slashes, DEL, 2- to 4-byte sequences (U+2028/2029 among
 * them) and long ASCII runs, so the 8-byte path meets all of them at every
 * alignment. */
static size_t gen_string(char *buf, size_t cap, size_t pieces)
{
	static const char *const some[] = {
		"\"", "\\", "/", "\x7f", "\xc2\x80", "\xc3\xa9", "\xdf\xbf", "\xe0\xa0\x80",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xef\xbf\xbd", "\xef\xbb\xbf", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "plain words ",
		"0123456789abcdefghij", "\\u0000", "{}[],:",
	};
	size_t len = 0;
	for (size_t i = 0; i < pieces; i++) {
		char ctl[2] = {(char)rnd(0x20), 0};
		const char *p;
		size_t n;
		if (rnd(4) == 0) {
			p = ctl;
			n = 1; /* a control character, NUL included */
		} else {
			p = some[rnd(sizeof some / sizeof *some)];
			n = strlen(p);
		}
		if (len + n > cap)
			break;
		memcpy(buf + len, p, n);
		len += n;
	}
	return len;
}

static char *writer_string(const char *s, size_t n, size_t *len)
{
	wn_jsonw w;
	wn_jsonw_init(&w, 2, NULL, NULL);
	wn_jsonw_stringn(&w, s, n);
	char *out = NULL;
	assert_int_equal(wn_jsonw_finish(&w, &out, len), 0);
	return out;
}

static void test_strings_as_jansson(void **state)
{
	(void)state;
	static char buf[1 << 16];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = gen_string(buf, sizeof buf, rnd(iter % 100 == 0 ? 4000 : 40));
		json_t *j = json_stringn(buf, n);
		assert_non_null(j);
		char *want = json_dumps(j, JSON_ENCODE_ANY);
		json_decref(j);
		size_t glen;
		char *got = writer_string(buf, n, &glen);
		assert_int_equal(glen, strlen(want));
		assert_string_equal(got, want);
		free(want);
		free(got);
	}
}

static void test_every_control_escaped(void **state)
{
	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char in[3] = {'a', (char)c, 'b'};
		size_t len;
		char *got = writer_string(in, 3, &len);
		json_t *j = json_stringn(in, 3);
		char *want = json_dumps(j, JSON_ENCODE_ANY);
		assert_string_equal(got, want);
		/* never raw: a control byte inside a JSON string is invalid JSON */
		for (size_t i = 0; i < len; i++)
			assert_true((unsigned char)got[i] >= 0x20);
		json_decref(j);
		free(want);
		free(got);
	}
	size_t len;
	char *got = writer_string("\x00", 1, &len);
	assert_string_equal(got, "\"\\u0000\"");
	free(got);
	got = writer_string("q\"b\\s/\x1f\x7f", 8, &len);
	assert_string_equal(got, "\"q\\\"b\\\\s/\\u001F\x7f\"");
	free(got);
}

/* Not valid UTF-8 (never produced by the decoder): each bad byte becomes
 * U+FFFD, so the file stays valid JSON. */
static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	size_t len;
	char *got = writer_string("a\xff" "b\xc3" "c\xed\xa0\x80", 8, &len);
	assert_string_equal(got, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	json_t *back = json_loads(got, JSON_DECODE_ANY, NULL);
	assert_non_null(back);
	json_decref(back);
	free(got);
}

/* A random value, built both as a json_t and through the writer. */
static json_t *gen_value(wn_jsonw *w, int depth)
{
	static char buf[512];
	int kind = (int)rnd(depth > 3 ? 5 : 7);
	switch (kind) {
	case 0: {
		size_t n = gen_string(buf, sizeof buf, rnd(12));
		wn_jsonw_stringn(w, buf, n);
		return json_stringn(buf, n);
	}
	case 1: {
		long long v = (long long)((uint64_t)rnd(UINT32_MAX) << rnd(32)) * (rnd(2) ? -1 : 1);
		if (rnd(50) == 0)
			v = rnd(2) ? INT64_MAX : INT64_MIN;
		wn_jsonw_int(w, v);
		return json_integer(v);
	}
	case 2: {
		bool b = rnd(2);
		wn_jsonw_bool(w, b);
		return json_boolean(b);
	}
	case 3:
		wn_jsonw_null(w);
		return json_null();
	case 4:
		wn_jsonw_string(w, NULL);
		return json_null();
	case 5: {
		json_t *a = json_array();
		wn_jsonw_array_begin(w);
		for (uint32_t i = 0, n = rnd(5); i < n; i++)
			json_array_append_new(a, gen_value(w, depth + 1));
		wn_jsonw_array_end(w);
		return a;
	}
	default: {
		json_t *o = json_object();
		wn_jsonw_object_begin(w);
		for (uint32_t i = 0, n = rnd(5); i < n; i++) {
			char key[32];
			snprintf(key, sizeof key, "k%u\"\t%u", i, rnd(100)); /* keys unique by i */
			wn_jsonw_key(w, key);
			json_object_set_new(o, key, gen_value(w, depth + 1));
		}
		wn_jsonw_object_end(w);
		return o;
	}
	}
}

static void test_structures_as_jansson(void **state)
{
	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		unsigned indent = 1 + rnd(4);
		wn_jsonw w;
		wn_jsonw_init(&w, indent, NULL, NULL);
		json_t *j = gen_value(&w, 0);
		char *got;
		size_t len;
		assert_int_equal(wn_jsonw_finish(&w, &got, &len), 0);
		char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_INDENT(indent) | JSON_PRESERVE_ORDER);
		assert_non_null(want);
		assert_string_equal(got, want);
		assert_int_equal(len, strlen(want));
		json_decref(j);
		free(want);
		free(got);
	}
}

struct collect {
	char *p;
	size_t len;
	size_t calls;
};

static void collect(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;
	c->p = realloc(c->p, c->len + len + 1);
	assert_non_null(c->p);
	memcpy(c->p + c->len, data, len);
	c->len += len;
	c->calls++;
}

/* Through a sink, in chunks: the same text, strings far longer than a
 * chunk included, and the writer never holds much more than a chunk. */
static void test_sink_same_text(void **state)
{
	(void)state;
	size_t big = 5 * WN_JSONW_CHUNK / 2;
	char *s = malloc(big);
	assert_non_null(s);
	for (size_t i = 0; i < big; i++)
		s[i] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
	struct collect c = {0};
	wn_jsonw w, m;
	wn_jsonw_init(&w, 2, collect, &c);
	wn_jsonw_init(&m, 2, NULL, NULL);
	wn_jsonw *both[2] = {&w, &m};
	size_t maxcap = 0;
	for (int k = 0; k < 2; k++) {
		wn_jsonw *x = both[k];
		wn_jsonw_array_begin(x);
		for (int i = 0; i < 3000; i++) {
			wn_jsonw_object_begin(x);
			wn_jsonw_key(x, "line");
			wn_jsonw_int(x, i);
			wn_jsonw_key(x, "text");
			wn_jsonw_stringn(x, s, (size_t)i * 7 % 300);
			wn_jsonw_object_end(x);
			if (k == 0 && w.cap > maxcap)
				maxcap = w.cap;
		}
		wn_jsonw_stringn(x, s, big);
		wn_jsonw_array_end(x);
		wn_jsonw_raw(x, "\n", 1);
		if (k == 0 && w.cap > maxcap)
			maxcap = w.cap;
	}
	assert_int_equal(wn_jsonw_finish(&w, NULL, NULL), 0);
	char *mem;
	size_t mlen;
	assert_int_equal(wn_jsonw_finish(&m, &mem, &mlen), 0);
	assert_true(c.calls > 4);
	assert_true(maxcap <= WN_JSONW_CHUNK);
	assert_int_equal(c.len, mlen);
	assert_memory_equal(c.p, mem, mlen);
	/* and it is jansson's text for the same values */
	json_error_t je;
	json_t *back = json_loadb(mem, mlen, 0, &je);
	assert_non_null(back);
	assert_int_equal(json_array_size(back), 3001);
	assert_int_equal(json_string_length(json_array_get(back, 3000)), big);
	char *again = json_dumps(back, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_int_equal(strlen(again) + 1, mlen);
	assert_memory_equal(again, mem, mlen - 1);
	free(again);
	json_decref(back);
	free(mem);
	free(c.p);
	free(s);
}

static void test_misuse_is_an_error(void **state)
{
	(void)state;
	wn_jsonw w;
	char *out = NULL;
	size_t len;
	wn_jsonw_init(&w, 2, NULL, NULL);
	wn_jsonw_array_begin(&w);
	assert_int_equal(wn_jsonw_finish(&w, &out, &len), -EINVAL); /* still open */
	assert_null(out);
	wn_jsonw_init(&w, 2, NULL, NULL);
	wn_jsonw_array_end(&w);
	assert_int_equal(wn_jsonw_finish(&w, &out, &len), -EINVAL); /* never opened */
	assert_null(out);
}

/* Literal keys written without a look give what escaping keys gives. */
static void test_plain_keys(void **state)
{
	(void)state;
	wn_jsonw a, b;
	wn_jsonw_init(&a, 2, NULL, NULL);
	wn_jsonw_init(&b, 2, NULL, NULL);
	wn_jsonw_object_begin(&a);
	wn_jsonw_object_begin(&b);
	WN_JSONW_KEY(&a, "line");
	wn_jsonw_key(&b, "line");
	wn_jsonw_int(&a, 7);
	wn_jsonw_int(&b, 7);
	WN_JSONW_KEY(&a, "a longer key, with spaces");
	wn_jsonw_key(&b, "a longer key, with spaces");
	wn_jsonw_array_begin(&a);
	wn_jsonw_array_begin(&b);
	wn_jsonw_array_end(&a);
	wn_jsonw_array_end(&b);
	wn_jsonw_object_end(&a);
	wn_jsonw_object_end(&b);
	char *ta, *tb;
	size_t la, lb;
	assert_int_equal(wn_jsonw_finish(&a, &ta, &la), 0);
	assert_int_equal(wn_jsonw_finish(&b, &tb, &lb), 0);
	assert_string_equal(ta, "{\n  \"line\": 7,\n  \"a longer key, with spaces\": []\n}");
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_as_jansson),
		cmocka_unit_test(test_every_control_escaped),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_structures_as_jansson),
		cmocka_unit_test(test_sink_same_text),
		cmocka_unit_test(test_misuse_is_an_error),
		cmocka_unit_test(test_plain_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
