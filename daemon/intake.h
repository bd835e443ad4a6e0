/* intake.h — files seen in incoming/ and not yet claimed.
 *
 * Two kinds of sighting: a file the watcher reported complete (closed
 * after writing, or renamed in) is ready at once; a file found by a scan
 * is ready only once it has been quiet for the settle time, since it may
 * still be being written. Each (outlet, name) is held once; a ready
 * sighting upgrades a settling one.
 *
 * The queue is bounded: when full, adds fail with -ENOBUFS and the caller
 * rescans later, so a backlog of any size costs at most `cap` names.
 * Times are milliseconds on any monotonic clock (the loop's).
 */
#ifndef WN_DAEMON_INTAKE_H
#define WN_DAEMON_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wn_intake wn_intake;

typedef struct wn_intake_item {
	char *outlet;
	char *name;
	bool scanned; /* found by a scan: check it is still quiet before taking it */
} wn_intake_item;

wn_intake *wn_intake_new(size_t cap);
void wn_intake_free(wn_intake *in);

/* Returns 0 (added or upgraded), -ENOBUFS (full) or -ENOMEM. */
int wn_intake_add_ready(wn_intake *in, const char *outlet, const char *name);
/* Ready at due_ms. Returns 0, 1 (already held: unchanged), -ENOBUFS, -ENOMEM. */
int wn_intake_add_settling(wn_intake *in, const char *outlet, const char *name, uint64_t due_ms);

/* Take the oldest ready item (settling ones whose time came are ready).
 * Returns false when none; the caller frees it with wn_intake_item_clear. */
bool wn_intake_pop(wn_intake *in, uint64_t now_ms, wn_intake_item *item);
void wn_intake_item_clear(wn_intake_item *item);

/* True when (outlet, name) is held. */
bool wn_intake_contains(const wn_intake *in, const char *outlet, const char *name);

size_t wn_intake_len(const wn_intake *in);
size_t wn_intake_cap(const wn_intake *in);
/* Earliest due time of a settling item, UINT64_MAX when there is none. */
uint64_t wn_intake_next_due(const wn_intake *in);
/* Forget everything (on stop). */
void wn_intake_clear(wn_intake *in);

#endif
