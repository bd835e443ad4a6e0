/* spool.h — the spool protocol: how article files enter, are claimed and
 * leave. One module, so the whole protocol reads in one place (after
 * OpenSMTPD's queue_fs.c).
 *
 * Layout under the spool root, created by wn_spool_open():
 *
 *   tmp/               producers write here, fsync, then rename into
 *                      incoming/<outlet>/ (Maildir style; wn_spool_submit)
 *   incoming/<outlet>/ complete files waiting. Names starting with '.' are
 *                      ignored (a producer's staging names)
 *   work/<outlet>/     claimed files, renamed to "<claim>-<name>": <claim>
 *                      is 16 hex digits, increasing in claim order
 *   done/<outlet>/     originals after delivery; "<name>~<claim>" when
 *                      <name> is taken already (the same name submitted
 *                      again never replaces the earlier original)
 *   failed/<outlet>/   quarantine: the file, plus "<file>.reason" saying
 *                      what failed, when, and the errno text. Quarantined
 *                      names never end in ".reason" (such a file is stored
 *                      as "<name>~<claim>"), so the two cannot collide
 *
 * Crash safety: files move only by rename(2) inside the spool, so a file
 * always has exactly one name; a claimed file leaves work/ only into done/
 * or failed/. After a crash, wn_spool_recover() lists what is still in
 * work/ so it can be processed again.
 *
 * Nothing here opens a spooled file: renames and lstat only, so symbolic
 * links are never followed and FIFOs never block. (wn_spool_submit reads
 * its own source file, refusing anything but a regular file.)
 *
 * Functions return 0 or a negative errno.
 */
#ifndef WN_SPOOL_H
#define WN_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#define WN_CLAIM_LEN 16
/* Longest file name the spool accepts in incoming/: room for "<claim>-". */
#define WN_SPOOL_NAME_MAX (255 - WN_CLAIM_LEN - 1)

enum wn_spool_dir {
	WN_SPOOL_TMP,
	WN_SPOOL_INCOMING,
	WN_SPOOL_WORK,
	WN_SPOOL_DONE,
	WN_SPOOL_FAILED,
	WN_SPOOL_NDIRS
};

typedef struct wn_spool wn_spool;

/* One claimed file. */
typedef struct wn_claim {
	char claim[WN_CLAIM_LEN + 1]; /* 16 hex digits */
	char *outlet;                 /* outlet folder name */
	char *name;                   /* the file's name as submitted (raw bytes) */
} wn_claim;

/* Why a file is quarantined. */
typedef struct wn_failure {
	const char *stage;  /* what failed: "claim", "read", "decode", "clean", "index", "output" */
	int err;            /* negative errno or -WN_E* code; 0 when none applies */
	const char *detail; /* optional text; default wn_strerror(err) */
} wn_failure;

/* Open (creating as needed) the spool at root and its five folders. A
 * producer (producer_only) opens only tmp/ and incoming/, the two folders
 * it may write. */
int wn_spool_open(const char *root, bool producer_only, wn_spool **out);
void wn_spool_close(wn_spool *sp);

const char *wn_spool_root(const wn_spool *sp);
/* Path of a folder (or of outlet/name inside it when given): malloc'd. */
char *wn_spool_path(const wn_spool *sp, enum wn_spool_dir dir, const char *outlet,
		    const char *name);

/* True when `name` may be spooled: 1..WN_SPOOL_NAME_MAX bytes, no '/',
 * not starting with '.'. Any other bytes (spaces, newlines, non-UTF-8) are fine. */
bool wn_spool_name_valid(const char *name);

/* ---- producers ---- */

/* Submit the bytes readable from src_fd as incoming/<outlet>/<name>: write
 * to tmp/, fsync, set the modification time to *mtime when given (so the
 * daemon sees a quiet file), rename into place without replacing (-EEXIST
 * when a file of that name is waiting), fsync the folder. The producer's
 * umask never locks the daemon out: the file is made mode 0644, and a new
 * incoming/<outlet>/ group-writable (made in tmp/, then renamed in), so a
 * daemon in the spool's group can read and claim what any producer sent. */
int wn_spool_submit_fd(wn_spool *sp, const char *outlet, const char *name, int src_fd,
		       const struct timespec *mtime);

/* ---- the daemon ---- */

/* A new claim id: 16 hex digits, strictly increasing within the process
 * and following the wall clock across restarts. Thread-safe. */
void wn_spool_new_claim(char out[WN_CLAIM_LEN + 1]);

/* Claim incoming/<outlet>/<name> by renaming it to work/<outlet>/<claim>-<name>.
 * Returns -ENOENT when the file vanished (nothing to do), -EINVAL for a name
 * or outlet the spool cannot take (see wn_spool_quarantine_incoming).
 * On success fills *c (free with wn_claim_clear). */
int wn_spool_claim(wn_spool *sp, const char *outlet, const char *name, wn_claim *c);

/* Path of a claimed file in work/ (malloc'd), to read it. */
char *wn_spool_work_path(const wn_spool *sp, const wn_claim *c);

/* The files left in work/ (after a crash), sorted by claim (arrival order).
 * Also removes staging leftovers (".*.tmp") in failed/. *claims is an array
 * of *n claims: free with wn_claim_list_free. */
int wn_spool_recover(wn_spool *sp, wn_claim **claims, size_t *n);
void wn_claim_list_free(wn_claim *claims, size_t n);
void wn_claim_clear(wn_claim *c);

/* Move a delivered file from work/ to done/<outlet>/ (name kept, or
 * "<name>~<claim>" when taken). *done_name (optional) gets the name used. */
int wn_spool_done(wn_spool *sp, const wn_claim *c, bool durable, char **done_name);
/* Make moves to done/<outlet>/ made with durable = false survive a crash:
 * fsync done/<outlet>/ and work/<outlet>/ (once for any number of moves). */
int wn_spool_sync_done(wn_spool *sp, const char *outlet);

/* Quarantine a claimed file: write failed/<outlet>/<file>.reason, then move
 * the file to failed/<outlet>/<file>. Done again after a crash in between,
 * it reuses the same names. */
int wn_spool_quarantine(wn_spool *sp, const wn_claim *c, const wn_failure *f, bool durable);

/* Quarantine a file straight from incoming/ (one that cannot be claimed,
 * such as a name too long for work/). -ENOENT when it vanished. */
int wn_spool_quarantine_incoming(wn_spool *sp, const char *outlet, const char *name,
				 const wn_failure *f, bool durable);

/* The text of a reason file (malloc'd), for the given original path. */
char *wn_spool_reason_text(const char *file, const char *outlet, const char *claim,
			   const wn_failure *f, time_t when);

/* Callbacks of a scan of incoming/. Return nonzero from `file` to stop. */
typedef struct wn_spool_scan_cbs {
	/* an outlet folder (valid name, a real folder) before its files */
	void (*outlet)(void *ud, const char *outlet);
	/* a file (any type; st from lstat) in an outlet folder */
	int (*file)(void *ud, const char *outlet, const char *name, const struct stat *st);
	/* something in incoming/ that is skipped, and why */
	void (*skipped)(void *ud, const char *what, const char *why);
} wn_spool_scan_cbs;

/* Walk incoming/ (all outlets, or only `outlet` when not NULL). Names
 * starting with '.' are ignored silently. Returns 1 when `file` stopped it. */
int wn_spool_scan(wn_spool *sp, const char *outlet, const wn_spool_scan_cbs *cbs, void *ud);

/* Retention: remove files in done/<outlet>/ changed (moved there) before
 * `cutoff`, and producer leftovers in tmp/ untouched since `tmp_cutoff`.
 * *removed (optional) counts what went. */
int wn_spool_prune(wn_spool *sp, time_t cutoff, time_t tmp_cutoff, size_t *removed);

#endif
