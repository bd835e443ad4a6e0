/* index.h — the persistent index: learned site chrome, quotes repeated
 * across outlets, duplicate and near-duplicate articles (the state store).
 *
 * CONTRACT: used from one thread, in arrival order. Recording an article is
 * idempotent per article id (doc->id): a document processed again (after a
 * crash) gets the same results and counts nothing twice. Each article gets
 * a sequence number when first recorded and is only ever compared with
 * articles of lower numbers; its re-run reuses the number and changes
 * nothing in the store. Chrome lines remember the page at which they
 * became chrome, so a re-run decides the same.
 *
 * Learned chrome is decided per outlet over a window: a line is chrome for
 * a page when it is in >= chrome_min_docs of the outlet's last
 * chrome_window counted pages (this page included), and once chrome it
 * stays chrome (until not seen for retention_days). A page is counted once
 * per article id, and a page whose set of lines equals one counted before
 * only reads (the same article scraped twice never makes its own text
 * chrome).
 *
 * The usual caller is wn_pipeline_index() (lib/pipeline.h), which runs, per
 * article: wn_index_article_start (decide which lines are chrome; reads
 * only) → the chrome filter with wn_index_article_chrome() as its data →
 * wn_cleaner_finish → wn_index_article_finish (quotes, duplicate_of, then
 * the article's rows written in one burst). On any error the article is
 * rolled back whole, in the store and in memory: alone it is one
 * transaction; in a batch its rows are taken out again by their ids (if
 * even that fails, the batch is rolled back and wn_index_commit fails).
 *
 * Transactions: outside wn_index_begin/wn_index_commit every article is
 * committed on its own. Between them, articles accumulate in one
 * transaction (group commit); nothing of the batch is stored until
 * wn_index_commit returns 0, so a caller must not treat the batch's outputs
 * as final (move originals away) before that. A failed commit rolls the
 * whole batch back (memory is rebuilt from the store). wn_index_close
 * commits a batch still open; after a crash the uncommitted batch is simply
 * absent, and processing its articles again gives the same results.
 *
 * Memory: SQLite is the truth, memory serves the lookups. A writable index
 * keeps in memory 8 bytes per LSH band of each article (32 per article)
 * and per k-gram of each quote, in tables that are at most 80% full (about
 * 300-600 bytes per indexed article); every hit is verified. A quote hit
 * is verified against the quote's full k-grams and named by its article's
 * id and outlet from records (records.h: 16 bytes per article and per
 * quote, 8 per k-gram) kept for the articles recorded since open and read
 * from the store on first use for older ones; a near-duplicate hit is
 * verified against the store. At open they are read from the index snapshot `<path>-index`
 * when the store names it and it is intact, then the rows added after it
 * (snapshot.h); else built by reading the articles' and quotes' rows
 * (about 3 s per million articles). wn_index_close saves the snapshot
 * when memory changed and is exactly the committed store (see README,
 * "Index snapshot"); a failure to save is only logged. Chrome windows are
 * loaded per outlet when it is first seen (from its last chrome_window
 * counted pages) and the least recently used are dropped beyond
 * chrome_memory bytes, to be loaded again when needed. A read-only index
 * loads nothing. Expiry (retention) runs at most once a day, inside the
 * serial step, and drops expired entries from memory too.
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
#define WN_CHROME_WINDOW 500
#define WN_CHROME_MEMORY ((size_t)256 << 20)
#define WN_RETENTION_DAYS 30

typedef struct wn_index_config {
	const char *path;           /* SQLite file; NULL: in memory for this run */
	unsigned chrome_min_docs;   /* a line in this many docs of one outlet is chrome (default 3) */
	unsigned chrome_window;     /* ... of its last this many counted pages (default 500) */
	size_t chrome_memory;       /* bytes of chrome windows kept loaded (default 256 MiB) */
	unsigned retention_days;    /* fingerprints expire after this (default 30) */
	bool durable;               /* every commit survives power loss (fsync); default: survives a crash of the process */
	bool read_only;             /* only read (stats, quotes): never creates nor writes */
} wn_index_config;

/* False when the chrome window (defaults applied) is smaller than the
 * pages needed to call a line chrome: no line could ever be chrome. The
 * caller says so in its own words (a flag or a configuration key). */
bool wn_index_chrome_window_ok(const wn_index_config *cfg);

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
 * article id) and decide which are chrome for it. -EROFS when read-only. */
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

/* What the index holds in memory. */
typedef struct wn_index_memory {
	size_t band_entries, band_bytes;   /* LSH band keys of the articles */
	size_t gram_entries, gram_bytes;   /* k-gram fingerprints of the quotes */
	size_t outlets_loaded, window_bytes; /* chrome windows */
	size_t record_bytes; /* records of articles, quotes, their k-grams, recent signatures */
} wn_index_memory;

void wn_index_memory_get(const wn_index *idx, wn_index_memory *m);

/* For tests: put a false candidate into a lookup table, as a hash
 * collision would (band: an article seq under an LSH band key; else a
 * quote id under a k-gram). Returns 0 or a negative errno. */
int wn_index_test_candidate(wn_index *idx, bool band, uint64_t hash, uint32_t value);

/* Repeated quotes found in >= min_outlets outlets (and >= 2 articles), most
 * widely repeated first: a JSON array of {"text", "outlets": [...],
 * "articles": [{"id", "outlet"}...], "first_seen": ISO 8601 UTC}. */
int wn_index_quotes(wn_index *idx, unsigned min_outlets, json_t **out);

/* The chrome lines of one outlet: a JSON array of {"text", "docs",
 * "chrome_since"} in the order they became chrome. */
int wn_index_chrome_lines(wn_index *idx, const char *outlet, json_t **out);

#endif
