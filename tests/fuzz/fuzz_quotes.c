/* fuzz_quotes.c — libFuzzer harness: quote extraction (dedup/quotes.h).
 *
 * Input: the bytes of an article. Quotes are found in cleaned bodies, so the
 * input becomes one the way the pipeline makes it (decoder, white space,
 * wn_doc_body: valid UTF-8, single spaces, no tabs, paragraphs split by a
 * blank line). Checks every span: inside the body, in order and not
 * overlapping, on character boundaries, non-empty, trimmed, holding a
 * letter or digit.
 */
#include <stdint.h>
#include <utf8proc.h>

#include "dedup/quotes.h"
#include "filters/filter.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t'; }

static int has_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i),
						      &cp);
		if (k <= 0)
			return 0;
		utf8proc_category_t c = utf8proc_category(cp);
		if ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
		    (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO))
			return 1;
		i += (size_t)k;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wn_doc *doc;
	int rc = wn_doc_parse((const char *)data, size, "fuzz/some-outlet/q.txt", "some-outlet", &doc);
	if (rc == -WN_EBINARY)
		return 0;
	FUZZ_CHECK(rc == 0 && wn_filter_whitespace(doc, NULL) == 0);
	size_t len;
	char *body = wn_doc_body(doc, &len);
	FUZZ_CHECK(body != NULL);
	wn_doc_free(doc);
	wn_quote_span *spans = NULL;
	size_t n = 0;
	FUZZ_CHECK(wn_quotes_find(body, len, &spans, &n) == 0);
	FUZZ_CHECK(n == 0 || spans != NULL);
	size_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s = spans[i].start, e = spans[i].end;
		FUZZ_CHECK(s < e && e <= len);
		FUZZ_CHECK(s >= prev_end); /* in order, not overlapping (nested quotes are inside) */
		prev_end = e;
		/* character boundaries: no continuation byte at either edge */
		FUZZ_CHECK(((unsigned char)body[s] & 0xC0) != 0x80);
		FUZZ_CHECK(e == len || ((unsigned char)body[e] & 0xC0) != 0x80);
		FUZZ_CHECK(!is_space((unsigned char)body[s]) && !is_space((unsigned char)body[e - 1]));
		FUZZ_CHECK(has_alnum(body + s, e - s));
	}
	free(spans);
	free(body);
	return 0;
}
