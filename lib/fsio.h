/* fsio.h — careful file I/O: bounded reads that never follow links, and
 * atomic, optionally durable writes.
 *
 * All functions return 0 or a negative errno (or -WN_ETOOBIG).
 */
#ifndef WN_FSIO_H
#define WN_FSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole regular file. Opens with O_NOFOLLOW|O_NONBLOCK: a symlink
 * gives -ELOOP, a FIFO, socket or device -EINVAL (never blocks), a
 * directory -EISDIR, a file larger than `max` bytes -WN_ETOOBIG.
 * *buf is malloc'd with a NUL after the data; the caller frees it. */
int wn_read_file(const char *path, size_t max, char **buf, size_t *len);

/* Read an open descriptor (stdin) up to `max` bytes. */
int wn_read_fd(int fd, size_t max, char **buf, size_t *len);

/* Write `len` bytes to dir/name atomically: written to the staging name
 * dir/.name.tmp, fsync'd when `durable`, then renamed over dir/name.
 * The directory itself is not synced (see wn_fsync_dir). On failure the
 * staging file is removed and dir/name is untouched. */
int wn_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		    bool durable);

/* The same, written in pieces: for output too large to build in memory
 * first. Writes are buffered; the first error sticks and is returned by
 * wn_atomic_commit, which fsyncs (when durable), closes and renames into
 * place — or removes the staging file. wn_atomic_commit and
 * wn_atomic_abort always free the handle. */
typedef struct wn_atomic_file wn_atomic_file;
int wn_atomic_open(const char *dir, const char *name, wn_atomic_file **out);
void wn_atomic_put(wn_atomic_file *f, const void *data, size_t len);
int wn_atomic_commit(wn_atomic_file *f, bool durable);
void wn_atomic_abort(wn_atomic_file *f);

/* Group commit of atomic files, for a writer of many files at once (the
 * daemon's batches). wn_atomic_group_add takes the place of
 * wn_atomic_commit: it writes and closes the staging file — starting its
 * write-back when the group is durable — and queues it; nothing is renamed
 * yet. wn_atomic_group_commit then makes every queued file durable
 * (fdatasync each: their blocks were allocated in the same journal
 * transaction, which the first commits and the others find committed) and
 * renames them into place in the order they were queued. The folders are
 * not synced (see wn_fsync_dir). No descriptor stays open between calls. */
typedef struct wn_atomic_group wn_atomic_group;
int wn_atomic_group_new(wn_atomic_group **out);
/* Discards what is still queued (staging files removed). */
void wn_atomic_group_free(wn_atomic_group *g);
/* Whether the files queued from now on are to be synced at commit. */
void wn_atomic_group_durable(wn_atomic_group *g, bool durable);
/* Takes f (its data written; freed here, also on error): 0 or a negative
 * errno (f's staging file then removed). */
int wn_atomic_group_add(wn_atomic_group *g, wn_atomic_file *f);
/* Files queued so far. */
size_t wn_atomic_group_len(const wn_atomic_group *g);
/* Remove the staging files queued from position `from` on. */
void wn_atomic_group_discard(wn_atomic_group *g, size_t from);
/* Sync (when durable) and rename every queued file, in order. *done gets
 * how many are in place: all of them and 0 returned, or the position of
 * the first that failed and its error (that one and the rest are
 * discarded). The group is empty afterwards. */
int wn_atomic_group_commit(wn_atomic_group *g, size_t *done);

/* fsync a directory so renames into it survive a crash. */
int wn_fsync_dir(const char *dir);

/* mkdir -p with `mode` for created folders. */
int wn_mkdir_p(const char *path, mode_t mode);

/* Join a and b with one '/'. Returns malloc'd string or NULL. */
char *wn_path_join(const char *a, const char *b);

/* True when `name` is a staging name written by wn_write_atomic. */
bool wn_is_staging_name(const char *name);

#endif
