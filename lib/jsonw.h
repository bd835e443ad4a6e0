/* jsonw.h — a streaming JSON writer for records written once per article.
 *
 * The text is byte for byte what jansson's json_dumps(value, JSON_INDENT(n) |
 * JSON_PRESERVE_ORDER) gives for the same values written in the same order,
 * without building a json_t tree first: strings keep their UTF-8, and only
 * '"', '\' and control characters are escaped (\b \f \n \r \t, others as
 * \u00XX with upper-case hex). A string must be valid UTF-8 (the decoder's
 * output is); an invalid byte is written as U+FFFD where jansson would
 * refuse the whole value.
 *
 * The text collects in a buffer. With a sink, the buffer is handed to it
 * whenever it passes WN_JSONW_CHUNK bytes, so a record of any size takes
 * bounded memory; without one, wn_jsonw_finish hands over the whole text.
 * The first failure sticks (-ENOMEM; -EINVAL for a container closed that
 * was never opened); calls after it do nothing.
 *
 * Usage: a key before each value inside an object, values only in arrays:
 *   wn_jsonw_object_begin(w); wn_jsonw_key(w, "n"); wn_jsonw_int(w, 1);
 *   wn_jsonw_object_end(w);
 */
#ifndef WN_JSONW_H
#define WN_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#define WN_JSONW_CHUNK 65536

typedef void (*wn_jsonw_sink)(void *ctx, const char *data, size_t len);

typedef struct wn_jsonw {
	char *buf;
	size_t len, cap;
	int err;
	unsigned depth;    /* open objects and arrays */
	unsigned indent;   /* spaces per level, 1..32 */
	bool first;        /* nothing written yet in the innermost container */
	bool after_key;    /* the next value follows its key (or is the top one) */
	wn_jsonw_sink sink;
	void *ctx;
} wn_jsonw;

/* Start a text; sink NULL collects it all in memory. */
void wn_jsonw_init(wn_jsonw *w, unsigned indent, wn_jsonw_sink sink, void *ctx);

void wn_jsonw_object_begin(wn_jsonw *w);
void wn_jsonw_object_end(wn_jsonw *w);
void wn_jsonw_array_begin(wn_jsonw *w);
void wn_jsonw_array_end(wn_jsonw *w);
void wn_jsonw_key(wn_jsonw *w, const char *key);
void wn_jsonw_keyn(wn_jsonw *w, const char *key, size_t n);
/* A key that needs no escaping (printable ASCII without '"' and '\'), as
 * the literal keys of a record: written without looking at it. */
void wn_jsonw_key_plain(wn_jsonw *w, const char *key, size_t n);
#define WN_JSONW_KEY(w, literal) wn_jsonw_key_plain((w), "" literal, sizeof(literal) - 1)

void wn_jsonw_string(wn_jsonw *w, const char *s); /* NULL writes null */
void wn_jsonw_stringn(wn_jsonw *w, const char *s, size_t n); /* a NUL becomes \u0000 */
void wn_jsonw_int(wn_jsonw *w, long long v);
void wn_jsonw_bool(wn_jsonw *w, bool v);
void wn_jsonw_null(wn_jsonw *w);

/* Raw bytes after the last value (e.g. a final newline). */
void wn_jsonw_raw(wn_jsonw *w, const char *data, size_t len);

/* End the text. Without a sink and on success, *out (malloc'd,
 * NUL-terminated) and *len receive it; with a sink, the rest goes to the
 * sink (out and len may be NULL). Returns 0 or the first error (-EINVAL
 * when a container is still open); always frees what the writer holds. */
int wn_jsonw_finish(wn_jsonw *w, char **out, size_t *len);

#endif
