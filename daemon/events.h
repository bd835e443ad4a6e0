/* events.h — <out>/events.jsonl: one JSON line per delivered article,
 * appended after its files are in place, so consumers can `tail -F` it.
 *
 * Exactly once across crashes: the daemon appends the lines of a batch of
 * articles (one write), then moves their originals to done/. A crash in
 * between leaves those files in work/ and their lines among the LAST lines
 * of the log; at start wn_events_open() remembers the claims of the lines
 * in the log's tail (its last TAIL_MAX bytes, thousands of lines: far more
 * than the daemon ever holds in work/), and the daemon skips the append
 * when it delivers such a claim again (claims are never reused). A torn
 * last line (no final newline) is cut off at open.
 */
#ifndef WN_DAEMON_EVENTS_H
#define WN_DAEMON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/doc.h"

typedef struct wn_events wn_events;

/* Open <outdir>/events.jsonl (created on first append). */
int wn_events_open(const char *outdir, wn_events **out);
void wn_events_close(wn_events *ev);

/* True when a line of the log's tail (as found at open) is for `claim`. */
bool wn_events_logged(const wn_events *ev, const char *claim);

/* The line for a delivered document (no newline; malloc'd, NULL on lack of
 * memory). wrote_text: a .txt was written. */
char *wn_events_line(const wn_doc *doc, const char *claim, const char *file, bool wrote_text,
		     time_t when);

/* Append line + '\n' in one write; on a short write the file is cut back,
 * so no torn line stays. fdatasync when durable. Returns 0 or -errno. */
int wn_events_append(wn_events *ev, const char *line, bool durable);
/* The same for n lines at once: one write (never torn: cut back on a short
 * write), one fdatasync when durable. */
int wn_events_append_lines(wn_events *ev, char *const *lines, size_t n, bool durable);

#endif
