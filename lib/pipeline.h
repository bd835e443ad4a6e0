/* pipeline.h — the cleaning chain, the one place that wires filters.
 *
 * A wn_cleaner holds what the filters read (configuration, compiled rules)
 * and is immutable once built, so one cleaner serves many threads; a reload
 * builds a new one and swaps it. Documents go through two phases:
 *
 *   wn_cleaner_prepare  thread-safe, any order:  whitespace → rules →
 *                       heuristics → repeated paragraphs
 *   [the daemon's serial index step runs here: learned chrome, dedup]
 *   wn_cleaner_finish   metadata (title, byline, date), after everything
 *                       that could still remove a head line
 */
#ifndef WN_PIPELINE_H
#define WN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/doc.h"

#define WN_DEFAULT_MAX_BYTES (16u * 1024 * 1024)

typedef struct wn_cleaner_config {
	size_t max_bytes;      /* inputs larger than this are refused (0: default) */
	const char *rules_dir; /* its *.rules files are added to the rules (NULL: none) */
	bool no_default_rules; /* leave out the built-in rules */
	bool no_jit;           /* match rules with the PCRE2 interpreter only */
	bool no_heuristics;    /* skip the text heuristics */
} wn_cleaner_config;

typedef struct wn_cleaner wn_cleaner;

/* Build a cleaner: compiles the rules (built-in ones unless left out, then
 * those of rules_dir). On error returns a negative errno and writes a
 * message into err (errlen bytes); for bad rule files the first problem as
 * "file:line: message". */
int wn_cleaner_new(const wn_cleaner_config *cfg, wn_cleaner **out, char *err, size_t errlen);
void wn_cleaner_free(wn_cleaner *c);

size_t wn_cleaner_max_bytes(const wn_cleaner *c);

int wn_cleaner_prepare(const wn_cleaner *c, wn_doc *doc);
int wn_cleaner_finish(const wn_cleaner *c, wn_doc *doc);

struct wn_index;
/* The serial step, in arrival order on one thread: learned chrome and
 * dedup against `idx` (NULL: none), with wn_cleaner_finish in between. */
int wn_pipeline_index(const wn_cleaner *c, struct wn_index *idx, wn_doc *doc);

#endif
