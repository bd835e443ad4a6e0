/* pipeline.c — see pipeline.h. */
#include "lib/pipeline.h"
#include "dedup/index.h"
#include "filters/chrome.h"
#include "filters/filter.h"
#include "filters/heuristics.h"
#include "filters/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wn_cleaner {
	size_t max_bytes;
	wn_ruleset *rules;
	bool heuristics;
};

/* Keeps the first rule problem for the caller's message. */
typedef struct {
	char *buf;
	size_t len;
	unsigned count;
} first_problem;

static void keep_first(void *ud, const char *file, unsigned line, const char *msg)
{
	first_problem *fp = ud;
	if (fp->count++ == 0 && fp->len) {
		if (line)
			snprintf(fp->buf, fp->len, "%s:%u: %s", file, line, msg);
		else
			snprintf(fp->buf, fp->len, "%s: %s", file, msg);
	}
}

int wn_cleaner_new(const wn_cleaner_config *cfg, wn_cleaner **out, char *err, size_t errlen)
{
	static const wn_cleaner_config defaults = {0};
	if (!cfg)
		cfg = &defaults;
	wn_cleaner *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->max_bytes = cfg->max_bytes ? cfg->max_bytes : WN_DEFAULT_MAX_BYTES;
	c->heuristics = !cfg->no_heuristics;
	first_problem fp = {.buf = err, .len = errlen};
	wn_rules_opts ro = {.no_jit = cfg->no_jit, .diag = keep_first, .diag_ud = &fp};
	int rc = wn_ruleset_new(&ro, &c->rules);
	if (rc == 0 && !cfg->no_default_rules)
		rc = wn_ruleset_add_builtin(c->rules);
	if (rc == 0 && cfg->rules_dir)
		rc = wn_ruleset_add_dir(c->rules, cfg->rules_dir);
	if (rc == 0)
		rc = wn_ruleset_finish(c->rules);
	if (rc < 0) {
		if (fp.count > 1 && errlen) {
			size_t used = strnlen(err, errlen);
			snprintf(err + used, errlen - used, " (and %u more problems)", fp.count - 1);
		}
		wn_cleaner_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void wn_cleaner_free(wn_cleaner *c)
{
	if (!c)
		return;
	wn_ruleset_free(c->rules);
	free(c);
}

size_t wn_cleaner_max_bytes(const wn_cleaner *c)
{
	return c->max_bytes;
}

int wn_cleaner_prepare(const wn_cleaner *c, wn_doc *doc)
{
	wn_filter_ctx plain = {.outlet = doc->outlet};
	wn_filter_ctx with_rules = {.outlet = doc->outlet, .data = c->rules};
	int rc = wn_filter_whitespace(doc, &plain);
	if (rc == 0)
		rc = wn_filter_rules(doc, &with_rules);
	if (rc == 0 && c->heuristics)
		rc = wn_filter_heuristics(doc, &plain);
	if (rc == 0)
		rc = wn_filter_repeated(doc, &plain);
	return rc;
}

int wn_cleaner_finish(const wn_cleaner *c, wn_doc *doc)
{
	(void)c;
	wn_filter_ctx ctx = {.outlet = doc->outlet};
	return wn_filter_meta(doc, &ctx);
}

int wn_pipeline_index(const wn_cleaner *c, struct wn_index *idx, wn_doc *doc)
{
	if (!idx)
		return wn_cleaner_finish(c, doc);
	/* Learned chrome first, so the metadata filter sees the page without
	 * it; then dedup on the final body, which records the article. */
	wn_index_article *a;
	int rc = wn_index_article_start(idx, doc, &a);
	if (rc < 0)
		return rc;
	wn_filter_ctx ctx = {.outlet = doc->outlet, .data = wn_index_article_chrome(a)};
	rc = wn_filter_chrome(doc, &ctx);
	if (rc == 0)
		rc = wn_cleaner_finish(c, doc);
	if (rc < 0) {
		wn_index_article_abort(a);
		return rc;
	}
	return wn_index_article_finish(a, doc);
}
