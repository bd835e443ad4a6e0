/* fuzz_clean.c — libFuzzer harness: the whole cleaning chain.
 *
 * Input: the bytes of one article file. Cleans it the way `winnow clean` and
 * winnowd do, through pipeline.h: wn_doc_parse, wn_cleaner_prepare,
 * wn_pipeline_index (no index: the chain without dedup), wn_doc_body and the
 * JSON record; checks the output contract (fuzz_check.h), and that cleaning
 * the same input twice gives the same body and record (no state leaks
 * between documents, nothing read uninitialised that changes a result).
 */
#include <jansson.h>
#include <stdint.h>

#include "lib/output.h"
#include "lib/pipeline.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wn_cleaner *cleaner; /* built once, like the daemon's, and shared */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cleaner = fuzz_default_cleaner("fuzz_clean");
	return 0;
}

/* Clean once; returns 0 with *body and *json set, or 1 for binary input. */
static int clean(const uint8_t *data, size_t size, char **body, char **json)
{
	wn_doc *doc;
	int rc = wn_doc_parse((const char *)data, size, "fuzz/some-outlet/an article.txt", "some-outlet",
			      &doc);
	if (rc == -WN_EBINARY)
		return 1;
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(wn_cleaner_prepare(cleaner, doc) == 0);
	fuzz_check_doc(doc);
	FUZZ_CHECK(wn_pipeline_index(cleaner, NULL, doc) == 0);
	fuzz_check_doc(doc);
	size_t len;
	*body = wn_doc_body(doc, &len);
	FUZZ_CHECK(*body != NULL);
	fuzz_check_body(doc, *body, len);
	/* every removed line is explained with its number and text */
	for (size_t i = 0; i < doc->nlines; i++)
		if (doc->lines[i].reason && !doc->lines[i].blank)
			FUZZ_CHECK(doc->lines[i].lineno >= 1 && doc->lines[i].lineno <= doc->stats.lines_in);
	json_t *rec = wn_output_record(doc);
	FUZZ_CHECK(rec != NULL);
	*json = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	FUZZ_CHECK(*json != NULL);
	json_decref(rec);
	wn_doc_free(doc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cleaner)
		LLVMFuzzerInitialize(NULL, NULL);
	char *body1, *json1, *body2, *json2;
	if (clean(data, size, &body1, &json1))
		return 0;
	FUZZ_CHECK(clean(data, size, &body2, &json2) == 0);
	FUZZ_CHECK(strcmp(body1, body2) == 0);
	FUZZ_CHECK(strcmp(json1, json2) == 0);
	free(body1);
	free(json1);
	free(body2);
	free(json2);
	return 0;
}
