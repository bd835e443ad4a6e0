/* fuzz_doc.c — libFuzzer harness: the decoder and the document model.
 *
 * Input: the bytes of one article file. Checks that the decoder's output is
 * NFC, then runs wn_doc_parse (decoder, line split, blocks), the core
 * filters one by one (whitespace, repeated, meta), wn_doc_body and
 * wn_output_record, and checks the invariants of fuzz_check.h after each
 * step. Also feeds the raw bytes to the helpers that
 * take untrusted names: wn_utf8_sanitize and wn_outlet_valid.
 */
#include <jansson.h>
#include <stdint.h>
#include <utf8proc.h>

#include "filters/filter.h"
#include "lib/output.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void names(const uint8_t *data, size_t size)
{
	char *s = wn_utf8_sanitize((const char *)data, size);
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(fuzz_valid_utf8(s, strlen(s)));
	free(s);
	char outlet[160];
	size_t n = size < sizeof outlet - 1 ? size : sizeof outlet - 1;
	memcpy(outlet, data, n);
	outlet[n] = '\0';
	if (wn_outlet_valid(outlet)) {
		FUZZ_CHECK(strchr(outlet, '/') == NULL && outlet[0] != '.');
		FUZZ_CHECK(fuzz_valid_utf8(outlet, strlen(outlet)));
	}
}

/* The decoder's output is valid UTF-8 and in NFC (its fast path skips
 * utf8proc for text it knows to be NFC already: this checks that claim). */
static void decoded_is_nfc(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;
	if (wn_text_decode((const char *)data, size, &text, &len, NULL) < 0)
		return;
	FUZZ_CHECK(strlen(text) == len && fuzz_valid_utf8(text, len));
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	FUZZ_CHECK(m == (utf8proc_ssize_t)len && memcmp(nfc, text, len) == 0);
	free(nfc);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	names(data, size);
	decoded_is_nfc(data, size);
	wn_doc *doc;
	int rc = wn_doc_parse((const char *)data, size, "fuzz/some-outlet/an article.txt", "some-outlet",
			      &doc);
	if (rc == -WN_EBINARY)
		return 0;
	FUZZ_CHECK(rc == 0);
	fuzz_check_doc(doc);
	FUZZ_CHECK(wn_filter_whitespace(doc, NULL) == 0);
	fuzz_check_doc(doc);
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		/* whitespace trims and folds: no blank line with text, no edge spaces */
		FUZZ_CHECK(l->blank == (l->len == 0));
		if (l->len)
			FUZZ_CHECK(l->text[0] != ' ' && l->text[l->len - 1] != ' ');
		FUZZ_CHECK(strstr(l->text, "  ") == NULL && strchr(l->text, '\t') == NULL);
	}
	FUZZ_CHECK(wn_filter_repeated(doc, NULL) == 0);
	FUZZ_CHECK(wn_filter_meta(doc, NULL) == 0);
	fuzz_check_doc(doc);
	size_t len;
	char *body = wn_doc_body(doc, &len);
	FUZZ_CHECK(body != NULL);
	fuzz_check_body(doc, body, len);
	json_t *rec = wn_output_record(doc);
	FUZZ_CHECK(rec != NULL); /* NULL: a string that is not valid UTF-8 */
	char *json = json_dumps(rec, JSON_COMPACT);
	FUZZ_CHECK(json != NULL);
	free(json);
	json_decref(rec);
	free(body);
	wn_doc_free(doc);
	return 0;
}
