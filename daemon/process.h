/* process.h — winnowd's processing pipeline:
 *
 *   claim     loop thread: rename incoming/<outlet>/<name> into work/
 *   prepare   thread pool, at most `workers` at once: read (O_NOFOLLOW,
 *             bounded), decode, wn_cleaner_prepare
 *   index     thread pool, a batch at a time of up to WN_PROC_BATCH_MAX
 *             articles in claim order — whatever was prepared while the
 *             last batch was indexed, so a lone article goes at once:
 *             wn_pipeline_index for each (learned chrome, dedup; the state
 *             store's one writer), all in one transaction
 *   deliver   thread pool, a batch at a time (beside the index step of the
 *             next batch), in claim order:
 *             outputs  written (staging + rename), made durable together,
 *                      each output folder synced once
 *             events   their events.jsonl lines in one write, one fdatasync
 *             moves    the originals to done/, each folder synced once — or,
 *                      for a failure at any stage, the original and a
 *                      reason file to failed/
 *             (no fsync at all when not durable)
 *
 * Every claimed file leaves work/ only through a delivery, and no output
 * is written before its batch's index transaction is committed. After a crash
 * the daemon calls wn_proc_recover() and the same steps run again,
 * producing the same names and content (see events.h for the lines).
 *
 * Memory: at most 2 * WN_PROC_BATCH_MAX + 2 * workers files are held at
 * once, and no new one is claimed while those held add up to the cleaner's
 * size limit.
 *
 * A full disk (ENOSPC, EDQUOT) or another storage error while claiming,
 * indexing or delivering pauses intake; a batch stops at the first article
 * whose step failed (the ones before it go on and are delivered), and that
 * step is retried on a timer with backoff (1 s doubling to 60 s); intake
 * resumes when it succeeds. Nothing is dropped meanwhile.
 */
#ifndef WN_DAEMON_PROCESS_H
#define WN_DAEMON_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "daemon/events.h"
#include "lib/pipeline.h"
#include "spool/spool.h"

/* Articles taken through the serial steps together (group commit). */
#define WN_PROC_BATCH_MAX 64

typedef struct wn_proc wn_proc;

typedef struct wn_proc_counters {
	uint64_t processed;  /* delivered (outputs written, original in done/) */
	uint64_t duplicates; /* of those, found to duplicate an earlier article */
	uint64_t failed;     /* quarantined in failed/ */
	uint64_t recovered;  /* taken up again from work/ at start */
} wn_proc_counters;

typedef struct wn_proc_opts {
	const char *outdir;
	unsigned workers;     /* prepares in flight at once */
	bool durable;         /* fsync outputs, events and moves */
	bool keep_duplicates; /* write the .txt of duplicates too */
} wn_proc_opts;

typedef struct wn_proc_cbs {
	void (*room)(void *ud);            /* a slot freed: claim more */
	void (*paused)(void *ud, bool on); /* intake paused by a storage error / resumed */
	void (*drained)(void *ud);         /* after wn_proc_stop: nothing runs any more */
} wn_proc_cbs;

/* cleaner: the first cleaner, owned from now on. */
int wn_proc_new(uv_loop_t *loop, wn_spool *sp, wn_events *ev, wn_cleaner *cleaner,
		const wn_proc_opts *o, const wn_proc_cbs *cbs, void *ud, wn_proc **out);
/* Only once drained (or never started). */
void wn_proc_free(wn_proc *p);

/* Swap in a new cleaner (owned from now on); articles already in flight
 * finish with the one they started with. */
void wn_proc_set_cleaner(wn_proc *p, wn_cleaner *c);
void wn_proc_set_index(wn_proc *p, struct wn_index *idx);
void wn_proc_set_options(wn_proc *p, bool durable, bool keep_duplicates);

/* Queue the files left in work/ by an earlier run. Returns how many, or -errno. */
int wn_proc_recover(wn_proc *p);

/* True when wn_proc_take may claim one more file now. */
bool wn_proc_has_room(const wn_proc *p);
/* Claim incoming/<outlet>/<name> and start processing it. Returns 0,
 * -ENOENT (vanished: nothing to do), or another -errno: the file is still
 * in incoming/ (on ENOSPC/EDQUOT intake is paused and retried). A name the
 * spool cannot take is quarantined from incoming/ directly (returns 0). */
int wn_proc_take(wn_proc *p, const char *outlet, const char *name);

/* Stop: no more claims; articles being prepared finish and are delivered,
 * the rest stay in work/ for the next start. Calls cbs->drained once idle. */
void wn_proc_stop(wn_proc *p);

size_t wn_proc_in_flight(const wn_proc *p);
bool wn_proc_paused(const wn_proc *p);
const wn_proc_counters *wn_proc_get_counters(const wn_proc *p);

#endif
