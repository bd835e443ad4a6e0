/* text.h — bytes of one file to clean, normalised UTF-8.
 *
 * Contract of wn_text_decode():
 *  - a UTF-8 BOM is dropped; UTF-16 with a BOM (LE or BE) is converted;
 *  - a NUL byte anywhere else, or mostly non-text content, means binary:
 *    -WN_EBINARY, nothing is produced;
 *  - text that is not valid UTF-8, has no valid multi-byte sequence at all
 *    and no byte Windows-1252 leaves undefined (nor 0xFF) is read as
 *    Windows-1252 (the usual legacy encoding of scraped text);
 *  - otherwise each invalid UTF-8 sequence becomes U+FFFD and is counted;
 *  - CRLF and lone CR become LF;
 *  - control characters other than TAB and LF are removed (counted);
 *  - the result is NFC-normalised (utf8proc) and NUL-terminated.
 * Never fails on text content; only on binary input or lack of memory.
 */
#ifndef WN_TEXT_H
#define WN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes of winnow's own, negative like errno values, outside errno's range. */
#define WN_EBINARY 10001 /* input is binary, not text */
#define WN_ETOOBIG 10002 /* input exceeds the configured size limit */

typedef struct wn_text_stats {
	size_t invalid_replaced; /* invalid UTF-8 sequences replaced by U+FFFD */
	size_t controls_removed; /* control characters dropped */
	const char *encoding;    /* "utf-8", "utf-16le", "utf-16be" or "windows-1252" */
	bool had_bom;
} wn_text_stats;

/* Decode `len` bytes at `in`. On success returns 0 and sets *out (malloc'd,
 * NUL-terminated, caller frees) and *outlen. Returns -WN_EBINARY or -ENOMEM. */
int wn_text_decode(const char *in, size_t len, char **out, size_t *outlen, wn_text_stats *st);

/* True when NFC leaves the code point alone whatever surrounds it (a starter
 * that neither decomposes nor composes with another such code point): text
 * made only of these is NFC already and the decoder skips normalising it. */
bool wn_nfc_quick(int32_t cp);

/* Human-readable text for 0, negative errno values and WN_E* codes. */
const char *wn_strerror(int err);

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0
 * when the bytes there are not valid UTF-8. */
size_t wn_utf8_seq_len(const unsigned char *s, size_t n);

/* Copy `s` (n bytes) into a new NUL-terminated string, replacing invalid
 * UTF-8 with U+FFFD: for names and paths that must go into JSON. */
char *wn_utf8_sanitize(const char *s, size_t n);

#endif
