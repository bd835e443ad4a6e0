/* jsonw.c — see jsonw.h. */
#include "lib/jsonw.h"
#include "lib/swar.h"
#include "lib/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void wn_jsonw_init(wn_jsonw *w, unsigned indent, wn_jsonw_sink sink, void *ctx)
{
	*w = (wn_jsonw){
		.indent = indent < 1 ? 1 : indent > 32 ? 32 : indent,
		.after_key = true,
		.sink = sink,
		.ctx = ctx,
	};
}

static void flush(wn_jsonw *w)
{
	if (w->len) {
		w->sink(w->ctx, w->buf, w->len);
		w->len = 0;
	}
}

/* Room for n more bytes, false after a failure. With a sink, full chunks go
 * out first; without one, the buffer grows. */
static bool reserve_slow(wn_jsonw *w, size_t n)
{
	if (w->err)
		return false;
	if (w->sink)
		flush(w);
	size_t cap = w->cap ? w->cap : (w->sink ? WN_JSONW_CHUNK : 4096);
	while (cap < w->len + n)
		cap *= 2;
	if (cap == w->cap)
		return true;
	char *p = realloc(w->buf, cap);
	if (!p) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

static inline bool reserve(wn_jsonw *w, size_t n)
{
	return (w->len + n <= w->cap && !w->err) || reserve_slow(w, n);
}

static void put_slow(wn_jsonw *w, const char *data, size_t n)
{
	if (w->sink && !w->err && n >= WN_JSONW_CHUNK) {
		flush(w); /* a long run goes to the sink as it is */
		w->sink(w->ctx, data, n);
		return;
	}
	if (!reserve_slow(w, n))
		return;
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static inline void put(wn_jsonw *w, const char *data, size_t n)
{
	if (w->len + n <= w->cap && !w->err) {
		memcpy(w->buf + w->len, data, n);
		w->len += n;
	} else {
		put_slow(w, data, n);
	}
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* A comma (unless `first`), a new line and the indentation of `depth`. */
static void newline_indent(wn_jsonw *w, unsigned depth, bool first)
{
	size_t n = (size_t)depth * w->indent;
	if (!reserve(w, n + 2))
		return;
	char *o = w->buf + w->len;
	if (!first)
		*o++ = ',';
	*o++ = '\n';
	for (size_t k = 0; k < n; k++)
		*o++ = ' ';
	w->len = (size_t)(o - w->buf);
}

/* What goes before a value or a key: nothing after a key (or at the top),
 * else a comma unless first, then a new line at the container's depth. */
static inline void before_value(wn_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	newline_indent(w, w->depth, w->first);
	w->first = false;
}

static void open_container(wn_jsonw *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	w->depth++;
	w->first = true;
}

static void close_container(wn_jsonw *w, char c)
{
	if (w->depth == 0) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	w->depth--;
	if (!w->first) /* an empty one stays [] or {} on its line */
		newline_indent(w, w->depth, true);
	put(w, &c, 1);
	w->first = false; /* the parent holds at least this one */
}

void wn_jsonw_object_begin(wn_jsonw *w) { open_container(w, '{'); }
void wn_jsonw_object_end(wn_jsonw *w) { close_container(w, '}'); }
void wn_jsonw_array_begin(wn_jsonw *w) { open_container(w, '['); }
void wn_jsonw_array_end(wn_jsonw *w) { close_container(w, ']'); }

/* Eight bytes at a time (lib/swar.h): a word without '"', backslash, controls or
 * high bytes is copied as it is. High bit set in each byte that is not:
 * '"', backslash, controls, and bytes of multi-byte sequences (checked apart). */
static inline uint64_t special_bytes(uint64_t x)
{
	return (x & WN_SWAR_HIGHS) | wn_swar_range(x, 0, 0x1F) | wn_swar_eq(x, '"') |
	       wn_swar_eq(x, '\\');
}

/* The escape of s[0] (not plain) into out; *k receives the number of
 * bytes it stands for. Returns the escape's length. */
static size_t escape_one(const unsigned char *s, char *out, size_t *k)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c = s[0];
	*k = 1;
	if (c >= 0x80) { /* not valid UTF-8 (never from the decoder) */
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		return 3;
	}
	out[0] = '\\';
	switch (c) {
	case '"': out[1] = '"'; return 2;
	case '\\': out[1] = '\\'; return 2;
	case '\b': out[1] = 'b'; return 2;
	case '\f': out[1] = 'f'; return 2;
	case '\n': out[1] = 'n'; return 2;
	case '\r': out[1] = 'r'; return 2;
	case '\t': out[1] = 't'; return 2;
	default:
		memcpy(out + 1, "u00", 3);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
}

/* Length of the bytes from s[i] on that are copied as they are: eight
 * bytes at a time while there are eight (the first special byte found from
 * the word's mask), then one at a time. */
static inline size_t plain_run(const unsigned char *s, size_t i, size_t n)
{
	size_t j = i;
	while (j < n) {
		if (n - j >= 8) {
			uint64_t x;
			memcpy(&x, s + j, 8);
			uint64_t m = special_bytes(x);
			if (!m) {
				j += 8;
				continue;
			}
#if WN_SWAR_LE /* the first special byte of a word from its mask */
			j += (size_t)__builtin_ctzll(m) / 8;
#endif
		}
		unsigned char c = s[j];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			j++;
		} else if (c >= 0x80) {
			size_t k = wn_utf8_len_at(s + j, n - j);
			if (!k)
				break;
			j += k;
		} else {
			break;
		}
	}
	return j - i;
}

#define SHORT_STRING 4096 /* longer strings go through plain_run and put */

static void put_escaped(wn_jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	/* Short strings: room for the worst case (every byte \u00XX) at once,
	 * then scan and copy in one go. A word is stored whole before its
	 * special byte is known: the worst case leaves room past it, and what
	 * follows the special byte is written over. */
	if (n <= SHORT_STRING && reserve(w, 6 * n + 2)) {
		char *o = w->buf + w->len;
		*o++ = '"';
		size_t i = 0;
		while (i < n) {
			if (n - i >= 8) {
				uint64_t x;
				memcpy(&x, s + i, 8);
				memcpy(o, &x, 8);
				uint64_t m = special_bytes(x);
				if (!m) {
					i += 8;
					o += 8;
					continue;
				}
#if WN_SWAR_LE
				size_t at = (size_t)__builtin_ctzll(m) / 8;
				i += at;
				o += at;
#endif
			}
#if WN_SWAR_LE
			else if (n >= 8 && n - i >= 2) {
				/* the last 2..7 bytes: the string's last word, shifted
				 * past the bytes already done (room as above) */
				size_t r = n - i;
				uint64_t x;
				memcpy(&x, s + n - 8, 8);
				x >>= 8 * (8 - r);
				memcpy(o, &x, 8);
				uint64_t m = special_bytes(x) & (~0ULL >> 8 * (8 - r));
				size_t at = m ? (size_t)__builtin_ctzll(m) / 8 : r;
				i += at;
				o += at;
				if (i == n)
					break;
			}
#endif
			unsigned char c = s[i];
			if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
				*o++ = (char)c;
				i++;
				continue;
			}
			size_t k = c >= 0x80 ? wn_utf8_len_at(s + i, n - i) : 0;
			if (k) {
				for (size_t b = 0; b < k; b++)
					o[b] = (char)s[i + b];
				o += k;
				i += k;
				continue;
			}
			o += escape_one(s + i, o, &k);
			i += k;
		}
		*o++ = '"';
		w->len = (size_t)(o - w->buf);
		return;
	}
	PUT_LIT(w, "\"");
	for (size_t i = 0; i < n;) {
		size_t r = plain_run(s, i, n);
		put(w, str + i, r);
		i += r;
		if (i < n) {
			char esc[6];
			size_t k;
			put(w, esc, escape_one(s + i, esc, &k));
			i += k;
		}
	}
	PUT_LIT(w, "\"");
}

void wn_jsonw_keyn(wn_jsonw *w, const char *key, size_t n)
{
	before_value(w);
	put_escaped(w, key, n);
	PUT_LIT(w, ": ");
	w->after_key = true;
}

void wn_jsonw_key_plain(wn_jsonw *w, const char *key, size_t n)
{
	before_value(w);
	if (!reserve(w, n + 4))
		return;
	char *o = w->buf + w->len;
	*o++ = '"';
	memcpy(o, key, n);
	memcpy(o + n, "\": ", 3);
	w->len += n + 4;
	w->after_key = true;
}

void wn_jsonw_key(wn_jsonw *w, const char *key)
{
	wn_jsonw_keyn(w, key, strlen(key));
}

void wn_jsonw_stringn(wn_jsonw *w, const char *s, size_t n)
{
	before_value(w);
	put_escaped(w, s, n);
}

void wn_jsonw_string(wn_jsonw *w, const char *s)
{
	if (!s)
		wn_jsonw_null(w);
	else
		wn_jsonw_stringn(w, s, strlen(s));
}

void wn_jsonw_int(wn_jsonw *w, long long v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	/* through unsigned: LLONG_MIN has no positive counterpart */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	before_value(w);
	put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void wn_jsonw_bool(wn_jsonw *w, bool v)
{
	before_value(w);
	if (v)
		PUT_LIT(w, "true");
	else
		PUT_LIT(w, "false");
}

void wn_jsonw_null(wn_jsonw *w)
{
	before_value(w);
	PUT_LIT(w, "null");
}

void wn_jsonw_raw(wn_jsonw *w, const char *data, size_t len)
{
	put(w, data, len);
}

int wn_jsonw_finish(wn_jsonw *w, char **out, size_t *len)
{
	int rc = w->err;
	if (rc == 0 && w->depth)
		rc = -EINVAL;
	if (rc == 0 && w->sink) {
		flush(w);
	} else if (rc == 0) {
		if (reserve(w, 1)) {
			w->buf[w->len] = '\0';
			*out = w->buf;
			*len = w->len;
			w->buf = NULL;
		}
		rc = w->err;
	}
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->err = rc ? rc : -EINVAL; /* finished: nothing more */
	return rc;
}
