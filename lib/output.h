/* output.h — the output contract: one cleaned article as two files.
 *
 * For a document of outlet O and stem S, in OUTDIR/O/:
 *   S.json  metadata (schema in README.md, "Output"): id, source, outlet,
 *           title, byline, date, duplicate_of, removed[], quotes[], stats
 *   S.txt   the cleaned body (UTF-8, LF, paragraphs split by one blank
 *           line, final newline, no title)
 * Each is written to a hidden staging name and renamed into place; the
 * .json first, the .txt last, so a consumer that sees S.txt sees both.
 */
#ifndef WN_OUTPUT_H
#define WN_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/doc.h"
#include "lib/fsio.h"

typedef struct wn_output_opts {
	bool durable;    /* fsync files and the folder (default in the daemon) */
	bool write_text; /* false: JSON only (a duplicate without --keep-duplicates) */
	/* NULL: each file is put in place (and synced when durable) at once.
	 * Else both are queued in the group (lib/fsio.h) and appear only at its
	 * commit; the folder is then the caller's to sync. */
	wn_atomic_group *group;
} wn_output_opts;

/* The JSON record of a finished document (after wn_doc_body has run, so
 * the output stats are set). New reference, NULL on lack of memory. */
json_t *wn_output_record(const wn_doc *doc);

/* The text of S.json for a finished document (after wn_doc_body has run):
 * json_dumps(wn_output_record(doc), JSON_INDENT(2) | JSON_PRESERVE_ORDER)
 * and a newline, written without building the json_t. On success *json is
 * malloc'd and NUL-terminated. Returns 0 or -ENOMEM. */
int wn_output_json(const wn_doc *doc, char **json, size_t *len);

/* Write both files under outdir/<outlet>/, creating the folder. Returns 0
 * or a negative errno; on failure nothing half-written is visible. */
int wn_output_write(const char *outdir, wn_doc *doc, const wn_output_opts *opts);

/* The final paths of the two files (malloc'd; NULL on lack of memory). */
char *wn_output_path(const char *outdir, const wn_doc *doc, const char *ext);

#endif
