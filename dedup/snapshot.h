/* snapshot.h — the index's lookup tables saved beside the store, in
 * `<store>-index`, so that opening a big store reads two flat images
 * instead of rebuilding the tables from every row (private to
 * dedup/index.c).
 *
 * The file: a header (magic, layout version, schema version, byte order,
 * shard layout, and the snapshot's id: a random token and the next article
 * seq and quote id when it was taken), the band table's image, the gram
 * table's image (tagtab.h), and an XXH3-64 of all that. It is a cache,
 * never the truth: the store's meta row names the id of the snapshot that
 * belongs to it, and a file that does not carry that id, is cut short,
 * damaged, or was written by another layout is refused (the caller then
 * builds the tables from the rows). Written to `<store>-index.tmp`,
 * fsynced, renamed over the old file, and the folder fsynced: a crash at
 * any moment leaves either the old file or the new one.
 */
#ifndef WN_SNAPSHOT_H
#define WN_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "dedup/tagtab.h"

#define WN_SNAPSHOT_LAYOUT 1

typedef struct wn_snapshot_id {
	uint64_t token;   /* random, never 0: tells one saved file from another */
	int64_t next_seq; /* the tables hold every article with a lower seq */
	int64_t next_qid; /* ... and every quote with a lower quote id */
} wn_snapshot_id;

/* A fresh token (never 0). */
uint64_t wn_snapshot_token(void);

/* Save the tables as `<store_path>-index` with id. Returns 0 or a negative
 * errno (an old file is then left as it was). */
int wn_snapshot_write(const char *store_path, const wn_snapshot_id *id, const wn_tagtab *bands,
		      const wn_tagtab *grams);

/* Load `<store_path>-index` into the empty tables if it is intact and
 * carries id. Returns 0, or a negative errno with the reason in why and the
 * tables left empty (-ENOENT: there is no file). */
int wn_snapshot_read(const char *store_path, const wn_snapshot_id *id, wn_tagtab *bands,
		     wn_tagtab *grams, char *why, size_t whylen);

/* Remove what a save killed midway left (`<store_path>-index.tmp`). */
void wn_snapshot_remove_partial(const char *store_path);

#endif
