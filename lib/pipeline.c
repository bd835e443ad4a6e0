/* pipeline.c — see pipeline.h. */
#include "lib/pipeline.h"
#include "dedup/index.h"
#include "filters/chrome.h"
#include "filters/filter.h"

#include <errno.h>
#include <stdlib.h>

struct wn_cleaner {
	size_t max_bytes;
};

int wn_cleaner_new(const wn_cleaner_config *cfg, wn_cleaner **out, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	wn_cleaner *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->max_bytes = cfg && cfg->max_bytes ? cfg->max_bytes : WN_DEFAULT_MAX_BYTES;
	*out = c;
	return 0;
}

void wn_cleaner_free(wn_cleaner *c)
{
	free(c);
}

size_t wn_cleaner_max_bytes(const wn_cleaner *c)
{
	return c->max_bytes;
}

int wn_cleaner_prepare(const wn_cleaner *c, wn_doc *doc)
{
	(void)c;
	wn_filter_ctx ctx = {.outlet = doc->outlet};
	static const wn_filter_fn chain[] = {
		wn_filter_whitespace,
		wn_filter_repeated,
	};
	for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
		int rc = chain[i](doc, &ctx);
		if (rc < 0)
			return rc;
	}
	return 0;
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
