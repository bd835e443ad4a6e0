/* watch.h — hints that files in incoming/ are complete, from inotify.
 *
 * uv_fs_event cannot say when a writer closes a file, so this drives a raw
 * inotify descriptor from the libuv loop with a uv_poll_t. It watches
 * incoming/ for new outlet folders and each outlet folder for
 * IN_CLOSE_WRITE (a writer closed the file) and IN_MOVED_TO (renamed in).
 * Events are hints, never the only source: the caller rescans at start,
 * periodically, and whenever `rescan` is called (queue overflow, a watch
 * that could not be added, an outlet folder moved away).
 *
 * It also remembers which files are being written: modified (IN_MODIFY)
 * and not yet closed. A scan must not take such a file however long it has
 * been quiet — a slow writer may pause for minutes.
 */
#ifndef WN_DAEMON_WATCH_H
#define WN_DAEMON_WATCH_H

#include <stdbool.h>
#include <uv.h>

typedef struct wn_watch wn_watch;

typedef struct wn_watch_cbs {
	/* incoming/<outlet>/<name> is complete (names starting with '.' are not reported) */
	void (*file)(void *ud, const char *outlet, const char *name);
	/* a new outlet folder appeared and is now watched: scan it (files may
	 * have arrived before the watch was in place) */
	void (*outlet)(void *ud, const char *outlet);
	/* events may have been lost: scan everything */
	void (*rescan)(void *ud, const char *why);
} wn_watch_cbs;

/* Start watching incoming_dir. Returns 0 or a negative errno. */
int wn_watch_start(uv_loop_t *loop, const char *incoming_dir, const wn_watch_cbs *cbs, void *ud,
		   wn_watch **out);

/* Watch incoming/<outlet>/ (idempotent). Returns 0 or a negative errno
 * (-ENOSPC: the inotify watch limit is reached; scans still find files). */
int wn_watch_add_outlet(wn_watch *w, const char *outlet);

/* True when incoming/<outlet>/<name> was modified and not closed since,
 * as far as the watch saw (after a queue overflow it knows nothing). */
bool wn_watch_is_writing(const wn_watch *w, const char *outlet, const char *name);

/* Stop and free; the handle is closed on the loop, so run it once more. */
void wn_watch_stop(wn_watch *w);

#endif
