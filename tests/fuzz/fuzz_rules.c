/* fuzz_rules.c — libFuzzer harness: the rule-file parser and the rules
 * filter (filters/rules.h).
 *
 * Input: a rule file, optionally followed by a line "%%" and a document.
 * The rules are parsed (every problem goes to a callback, never a crash),
 * compiled with small match and depth limits, and the valid ones applied
 * to the document twice: through the literal prefilter and with every
 * rule's regex on every line (wn_filter_rules_unfiltered). The prefilter is
 * an optimisation, so both must remove the same lines for the same reasons
 * and take the same metadata.
 */
#include <errno.h>
#include <stdint.h>

#include "filters/rules.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_diag(void *ud, const char *file, unsigned line, const char *msg)
{
	(void)file;
	(void)line;
	FUZZ_CHECK(msg != NULL && msg[0] != '\0');
	(*(size_t *)ud)++;
}

static wn_doc *prepared(const char *text, size_t len)
{
	wn_doc *doc;
	int rc = wn_doc_parse(text, len, "fuzz/some-outlet/rules.txt", "some-outlet", &doc);
	if (rc == -WN_EBINARY)
		return NULL;
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(wn_filter_whitespace(doc, NULL) == 0);
	return doc;
}

static int same_field(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* rules text (NUL-terminated copy) and the document after "\n%%\n" */
	char *input = malloc(size + 1);
	FUZZ_CHECK(input != NULL);
	memcpy(input, data, size);
	input[size] = '\0';
	char *sep = memmem(input, size, "\n%%\n", 4);
	const char *doc_text = "Home | News | Sport\nA Headline For The Test\nBy Ann Other | May 1, 2024\n"
			       "Body text of the article, long enough to be a paragraph of its own.\n"
			       "Sign up for our newsletter\n";
	size_t doc_len = strlen(doc_text);
	if (sep) {
		*sep = '\0';
		doc_text = sep + 4;
		doc_len = size - (size_t)(sep + 4 - input);
	}
	size_t problems = 0;
	wn_rules_opts opts = {.match_limit = 20000, .depth_limit = 500, .diag = count_diag,
			      .diag_ud = &problems};
	wn_ruleset *rs;
	FUZZ_CHECK(wn_ruleset_new(&opts, &rs) == 0);
	int rc = wn_ruleset_add_text(rs, "fuzz.rules", input);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	FUZZ_CHECK((rc == -EINVAL) == (problems > 0));
	FUZZ_CHECK(wn_ruleset_finish(rs) == 0);
	for (size_t i = 0; i < wn_ruleset_count(rs); i++)
		FUZZ_CHECK(wn_ruleset_rule_id(rs, i) != NULL);

	wn_doc *a = prepared(doc_text, doc_len), *b = prepared(doc_text, doc_len);
	if (a && b) {
		wn_filter_ctx ctx = {.outlet = a->outlet, .data = rs};
		FUZZ_CHECK(wn_filter_rules(a, &ctx) == 0);
		FUZZ_CHECK(wn_filter_rules_unfiltered(b, &ctx) == 0);
		fuzz_check_doc(a);
		FUZZ_CHECK(a->nlines == b->nlines);
		for (size_t i = 0; i < a->nlines; i++)
			FUZZ_CHECK(same_field(a->lines[i].reason, b->lines[i].reason));
		FUZZ_CHECK(same_field(a->title, b->title) && same_field(a->byline, b->byline) &&
			   same_field(a->date, b->date));
	}
	wn_doc_free(a);
	wn_doc_free(b);
	wn_ruleset_free(rs);
	free(input);
	return 0;
}
