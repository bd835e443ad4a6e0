/* fuzz_index.c — libFuzzer harness: the cleaning chain with the index
 * (learned chrome, quotes, near-duplicates, the store; dedup/index.h).
 *
 * Input: the bytes of one article file. In a fresh in-memory index the
 * article is cleaned under three names of one outlet (so its lines become
 * chrome on the third, as an outlet's repeated lines do) and then under the
 * first name again. Checks the output contract for each, that the later
 * copies are marked duplicates of the first, and the index's contract that
 * processing an article again (same id, after a crash) gives the same
 * results: the fourth run's body and record equal the first's.
 */
#include <jansson.h>
#include <stdint.h>

#include "dedup/index.h"
#include "lib/output.h"
#include "lib/pipeline.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wn_cleaner *cleaner;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cleaner = fuzz_default_cleaner("fuzz_index");
	return 0;
}

/* Clean under `source`; 1 for binary input, else 0 with body and record. */
static int clean(wn_index *idx, const uint8_t *data, size_t size, const char *source, char **body,
		 char **json, char id[WN_ID_LEN + 1], char **dup)
{
	wn_doc *doc;
	int rc = wn_doc_parse((const char *)data, size, source, "some-outlet", &doc);
	if (rc == -WN_EBINARY)
		return 1;
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(wn_cleaner_prepare(cleaner, doc) == 0);
	FUZZ_CHECK(wn_pipeline_index(cleaner, idx, doc) == 0);
	fuzz_check_doc(doc);
	size_t len;
	*body = wn_doc_body(doc, &len);
	FUZZ_CHECK(*body != NULL);
	fuzz_check_body(doc, *body, len);
	for (size_t q = 0; q < doc->nquotes; q++) {
		FUZZ_CHECK(doc->quotes[q].start < doc->quotes[q].end && doc->quotes[q].end <= len);
		FUZZ_CHECK(fuzz_valid_utf8(doc->quotes[q].text, strlen(doc->quotes[q].text)));
	}
	json_t *rec = wn_output_record(doc);
	FUZZ_CHECK(rec != NULL);
	*json = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	FUZZ_CHECK(*json != NULL);
	json_decref(rec);
	memcpy(id, doc->id, WN_ID_LEN + 1);
	*dup = doc->duplicate_of ? strdup(doc->duplicate_of) : NULL;
	wn_doc_free(doc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cleaner)
		LLVMFuzzerInitialize(NULL, NULL);
	wn_index_config cfg = {.path = NULL, .chrome_min_docs = 3, .retention_days = 30};
	wn_index *idx;
	char err[256] = "";
	FUZZ_CHECK(wn_index_open(&cfg, &idx, err, sizeof err) == 0);
	static const char *const names[] = {"fuzz/some-outlet/a.txt", "fuzz/some-outlet/b.txt",
					    "fuzz/some-outlet/c.txt", "fuzz/some-outlet/a.txt"};
	char *body[4] = {0}, *json[4] = {0}, *dup[4] = {0}, id[4][WN_ID_LEN + 1];
	int binary = 0;
	for (int i = 0; i < 4 && !binary; i++)
		binary = clean(idx, data, size, names[i], &body[i], &json[i], id[i], &dup[i]);
	if (!binary) {
		FUZZ_CHECK(strcmp(body[0], body[3]) == 0);
		FUZZ_CHECK(strcmp(json[0], json[3]) == 0);
		FUZZ_CHECK(dup[0] == NULL);
		/* b and c repeat a: when they are called duplicates, then of a */
		for (int i = 1; i < 3; i++)
			FUZZ_CHECK(!dup[i] || !strcmp(dup[i], id[0]));
	}
	for (int i = 0; i < 4; i++) {
		free(body[i]);
		free(json[i]);
		free(dup[i]);
	}
	FUZZ_CHECK(wn_index_close(idx) == 0);
	return 0;
}
