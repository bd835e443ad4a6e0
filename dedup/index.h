/* index.h — the persistent index: learned site chrome, quotes repeated
 * across outlets, duplicate and near-duplicate articles (the state store).
 *
 * CONTRACT: used from one thread, in arrival order. Recording an article is
 * idempotent per article id (doc->id): a document processed again (after a
 * crash) gets the same results and counts nothing twice. Each article gets
 * a sequence number when first recorded and is only ever compared with
 * articles of lower numbers; its re-run reuses the number and changes
 * nothing in the store. Chrome lines remember the document at which they
 * became chrome, so a re-run decides the same.
 *
 * The usual caller is wn_pipeline_index() (lib/pipeline.h), which runs, per
 * article: wn_index_article_start (count the document's lines, decide which
 * are chrome) → the chrome filter with wn_index_article_chrome() as its
 * data → wn_cleaner_finish → wn_index_article_finish (quotes, duplicate_of,
 * record the article). Each article is one SAVEPOINT: on any error it is
 * rolled back whole.
 *
 * Transactions: outside wn_index_begin/wn_index_commit every article is
 * committed on its own. Between them, articles accumulate in one
 * transaction (group commit); nothing of the batch is stored until
 * wn_index_commit returns 0, so a caller must not treat the batch's outputs
 * as final (move originals away) before that. wn_index_close commits a
 * batch still open; after a crash the uncommitted batch is simply absent,
 * and processing its articles again gives the same results.
 *
 * Memory stays small whatever the store holds: lookups go to indexed
 * SQLite tables through a bounded page cache (16 MiB); opening reads
 * nothing but the schema version. Expiry (retention) runs at most once a
 * day, inside the serial step.
 */
#ifndef WN_INDEX_H
#define WN_INDEX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/doc.h"

typedef struct wn_index wn_index;

#define WN_CHROME_MIN_DOCS 3
#define WN_RETENTION_DAYS 30

typedef struct wn_index_config {
	const char *path;           /* SQLite file; NULL: in memory for this run */
	unsigned chrome_min_docs;   /* a line in this many docs of one outlet is chrome (default 3) */
	unsigned retention_days;    /* fingerprints expire after this (default 30) */
	bool durable;               /* every commit survives power loss (fsync); default: survives a crash of the process */
	bool read_only;             /* only read (stats, quotes): never creates nor writes */
} wn_index_config;

/* Open (or create) the index. On error returns a negative errno and writes
 * a message into err: a file of an older or newer schema version, or not a
 * winnow store, is refused and left untouched. */
int wn_index_open(const wn_index_config *cfg, wn_index **out, char *err, size_t errlen);
/* Commits a batch still open, then closes. Returns 0 or a negative errno. */
int wn_index_close(wn_index *idx);

/* Group commit (see above). */
int wn_index_begin(wn_index *idx);
int wn_index_commit(wn_index *idx);

/* One article through the index. */
typedef struct wn_index_article wn_index_article;

/* Count the document's distinct normalised lines for its outlet (once per
 * article id) and decide which are chrome for it. */
int wn_index_article_start(wn_index *idx, const wn_doc *doc, wn_index_article **out);
/* The chrome lines of this document: a const wn_chrome_view * for the
 * chrome filter's context (filters/chrome.h). */
const void *wn_index_article_chrome(const wn_index_article *a);
/* After the document is final (chrome removed, metadata taken): find its
 * quotes and their repeats in earlier articles (doc->quotes), decide
 * duplicate_of, record the article (first time only). Frees a. */
int wn_index_article_finish(wn_index_article *a, wn_doc *doc);
/* Roll the article back and free a. */
void wn_index_article_abort(wn_index_article *a);

/* Count a sample page's lines for its outlet without recording an article
 * (`winnow learn`). Idempotent per doc->id like articles. */
int wn_index_learn(wn_index *idx, const wn_doc *doc);

/* Delete what was last seen before now - retention (done by itself at most
 * once a day while articles are processed). */
int wn_index_expire(wn_index *idx, int64_t now);

typedef struct wn_index_stats {
	int64_t articles, outlets, duplicates;
	int64_t repeated_quotes;     /* quotes found in >= 2 articles */
	int64_t cross_outlet_quotes; /* of them, in >= 2 outlets */
	int64_t chrome_lines;        /* lines that are chrome for their outlet */
	int64_t store_bytes;         /* database file and its log (0 in memory) */
} wn_index_stats;

int wn_index_stats_get(wn_index *idx, wn_index_stats *st);

/* Repeated quotes found in >= min_outlets outlets (and >= 2 articles), most
 * widely repeated first: a JSON array of {"text", "outlets": [...],
 * "articles": [{"id", "outlet"}...], "first_seen": ISO 8601 UTC}. */
int wn_index_quotes(wn_index *idx, unsigned min_outlets, json_t **out);

/* The chrome lines of one outlet: a JSON array of {"text", "docs",
 * "chrome_since"} in the order they became chrome. */
int wn_index_chrome_lines(wn_index *idx, const char *outlet, json_t **out);

#endif
