/* events.h — <out>/events.jsonl: one JSON line per delivered article,
 * appended after its files are in place, so consumers can `tail -F` it.
 *
 * Exactly once across crashes: the daemon appends an article's line, then
 * moves the original to done/, one article at a time. A crash between the
 * two leaves the file in work/ and its line as the LAST line of the log;
 * at start wn_events_open() remembers that line's claim, and the daemon
 * skips the append when it delivers that claim again. A torn last line
 * (no final newline) is cut off at open.
 */
#ifndef WN_DAEMON_EVENTS_H
#define WN_DAEMON_EVENTS_H

#include <stdbool.h>
#include <time.h>

#include "lib/doc.h"

typedef struct wn_events wn_events;

/* Open <outdir>/events.jsonl (created on first append). */
int wn_events_open(const char *outdir, wn_events **out);
void wn_events_close(wn_events *ev);

/* True when the last line of the log (as found at open) is for `claim`. */
bool wn_events_logged_last(const wn_events *ev, const char *claim);

/* The line for a delivered document (no newline; malloc'd, NULL on lack of
 * memory). wrote_text: a .txt was written. */
char *wn_events_line(const wn_doc *doc, const char *claim, const char *file, bool wrote_text,
		     time_t when);

/* Append line + '\n' in one write; on a short write the file is cut back,
 * so no torn line stays. fdatasync when durable. Returns 0 or -errno. */
int wn_events_append(wn_events *ev, const char *line, bool durable);

#endif
