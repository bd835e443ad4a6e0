/* common.c — text helpers shared by the filters (see filter.h). */
#include "filters/filter.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static bool is_wordchar(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

size_t wn_count_words(const char *text, size_t len)
{
	size_t words = 0;
	bool in = false;
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	for (size_t i = 0; i < len;) {
		int32_t cp;
		if (s[i] < 0x80) { /* ASCII: no decoding needed */
			bool w = is_wordchar(s[i++]);
			words += w && !in;
			in = w;
			continue;
		}
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			i++;
			in = false;
			continue;
		}
		i += (size_t)k;
		bool w = is_wordchar(cp);
		if (w && !in)
			words++;
		in = w;
	}
	return words;
}

char *wn_fold_key(const char *text, size_t len)
{
	char *out = malloc(len * 3 + 1); /* case folding can grow a character */
	if (!out)
		return NULL;
	size_t o = 0;
	bool space = false;
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	for (size_t i = 0; i < len;) {
		int32_t cp;
		if (s[i] < 0x80) { /* ASCII, the common case: the same rules without utf8proc */
			unsigned char a = s[i++];
			if (a == ' ' || a == '\t') {
				space = o > 0;
				continue;
			}
			if (space) {
				out[o++] = ' ';
				space = false;
			}
			out[o++] = (char)(a >= 'A' && a <= 'Z' ? a + ('a' - 'A') : a);
			continue;
		}
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		i += (size_t)k;
		utf8proc_category_t c = utf8proc_category(cp);
		if (cp == ' ' || cp == '\t' || c == UTF8PROC_CATEGORY_ZS) {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = false;
		}
		cp = utf8proc_tolower(cp);
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	return out;
}
