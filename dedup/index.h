/* index.h — the persistent index: learned site chrome, quotes repeated
 * across outlets, duplicate and near-duplicate articles (the state store).
 *
 * CONTRACT (implementation pending, dedup issue): used from one thread, in
 * arrival order. Recording an article is idempotent per article id: a
 * document processed again (after a crash) gets the same results and
 * counts nothing twice.
 */
#ifndef WN_INDEX_H
#define WN_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/doc.h"

typedef struct wn_index wn_index;

typedef struct wn_index_config {
	const char *path;           /* SQLite file; NULL: in memory for this run */
	unsigned chrome_min_docs;   /* a line in this many docs of one outlet is chrome (default 3) */
	unsigned retention_days;    /* fingerprints expire after this (default 30) */
} wn_index_config;

int wn_index_open(const wn_index_config *cfg, wn_index **out, char *err, size_t errlen);
int wn_index_close(wn_index *idx);

#endif
