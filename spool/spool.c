/* spool.c — see spool.h. Every operation works relative to directory
 * descriptors opened with O_NOFOLLOW, so a symbolic link planted in the
 * spool (an outlet folder pointing at /etc, say) is never walked through. */
#include "spool/spool.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

struct wn_spool {
	char *root;
	int fd[WN_SPOOL_NDIRS];
};

static const char *const dir_names[WN_SPOOL_NDIRS] = {"tmp", "incoming", "work", "done", "failed"};

#define REASON_SUFFIX ".reason"

/* ---- small helpers ---- */

/* rename without replacing an existing target. Falls back to link+unlink
 * on file systems without RENAME_NOREPLACE. */
static int rename_noreplace(int olddir, const char *old, int newdir, const char *new)
{
	if (renameat2(olddir, old, newdir, new, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (linkat(olddir, old, newdir, new, 0) < 0)
		return -errno;
	if (unlinkat(olddir, old, 0) < 0) {
		int e = errno;
		unlinkat(newdir, new, 0);
		return -e;
	}
	return 0;
}

/* Open parent/name as a folder, never through a symlink; create it first
 * when `create`. Returns a descriptor or a negative errno. */
static int open_subdir(int parent, const char *name, bool create, mode_t mode)
{
	if (create && mkdirat(parent, name, mode) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	return fd;
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* "<name>~<claim>", with name cut so the result has at most `max` bytes. */
static void suffixed_name(const char *name, const char *claim, size_t max, char *out)
{
	size_t keep = strlen(name);
	if (keep + 1 + WN_CLAIM_LEN > max)
		keep = max - 1 - WN_CLAIM_LEN;
	snprintf(out, NAME_MAX + 1, "%.*s~%s", (int)keep, name, claim);
}

static int fsync_fd(int fd)
{
	return fsync(fd) < 0 ? -errno : 0;
}

/* After a rename from one folder into another: both entries on disk. */
static int fsync_both(int dst, int src)
{
	int rc = fsync_fd(dst);
	return rc == 0 ? fsync_fd(src) : rc;
}

bool wn_spool_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n > 0 && n <= WN_SPOOL_NAME_MAX && name[0] != '.' && !strchr(name, '/');
}

/* ---- open, paths ---- */

int wn_spool_open(const char *root, bool producer_only, wn_spool **out)
{
	*out = NULL;
	int rc = wn_mkdir_p(root, 0755);
	if (rc < 0)
		return rc;
	wn_spool *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	for (int i = 0; i < WN_SPOOL_NDIRS; i++)
		sp->fd[i] = -1;
	sp->root = strdup(root);
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!sp->root || rootfd < 0) {
		rc = sp->root ? -errno : -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < WN_SPOOL_NDIRS; i++) {
		if (producer_only && i != WN_SPOOL_TMP && i != WN_SPOOL_INCOMING)
			continue;
		/* producers (group winnow) write incoming/ and tmp/ */
		mode_t mode = (i == WN_SPOOL_TMP || i == WN_SPOOL_INCOMING) ? 0775 : 0755;
		sp->fd[i] = open_subdir(rootfd, dir_names[i], true, mode);
		if (sp->fd[i] < 0) {
			rc = sp->fd[i];
			close(rootfd);
			goto fail;
		}
	}
	close(rootfd);
	*out = sp;
	return 0;
fail:
	wn_spool_close(sp);
	return rc;
}

void wn_spool_close(wn_spool *sp)
{
	if (!sp)
		return;
	for (int i = 0; i < WN_SPOOL_NDIRS; i++)
		if (sp->fd[i] >= 0)
			close(sp->fd[i]);
	free(sp->root);
	free(sp);
}

const char *wn_spool_root(const wn_spool *sp)
{
	return sp->root;
}

char *wn_spool_path(const wn_spool *sp, enum wn_spool_dir dir, const char *outlet, const char *name)
{
	char buf[PATH_MAX];
	int n;
	if (outlet && name)
		n = snprintf(buf, sizeof buf, "%s/%s/%s/%s", sp->root, dir_names[dir], outlet, name);
	else if (outlet)
		n = snprintf(buf, sizeof buf, "%s/%s/%s", sp->root, dir_names[dir], outlet);
	else
		n = snprintf(buf, sizeof buf, "%s/%s", sp->root, dir_names[dir]);
	return n < (int)sizeof buf ? strdup(buf) : NULL;
}

/* ---- claims ---- */

static _Atomic uint64_t last_claim;

static void note_claim(uint64_t v)
{
	uint64_t prev = atomic_load(&last_claim);
	while (v > prev && !atomic_compare_exchange_weak(&last_claim, &prev, v))
		;
}

void wn_spool_new_claim(char out[WN_CLAIM_LEN + 1])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	uint64_t prev = atomic_load(&last_claim), next;
	do
		next = now > prev ? now : prev + 1;
	while (!atomic_compare_exchange_weak(&last_claim, &prev, next));
	snprintf(out, WN_CLAIM_LEN + 1, "%016" PRIx64, next);
}

/* "<claim>-<name>" → claim and name; false when the name has another form. */
static bool parse_work_name(const char *wname, char claim[WN_CLAIM_LEN + 1], const char **name)
{
	for (int i = 0; i < WN_CLAIM_LEN; i++) {
		char ch = wname[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	if (wname[WN_CLAIM_LEN] != '-' || !wname[WN_CLAIM_LEN + 1])
		return false;
	memcpy(claim, wname, WN_CLAIM_LEN);
	claim[WN_CLAIM_LEN] = '\0';
	*name = wname + WN_CLAIM_LEN + 1;
	return true;
}

static void work_name(const wn_claim *c, char out[NAME_MAX + 1])
{
	snprintf(out, NAME_MAX + 1, "%s-%s", c->claim, c->name);
}

void wn_claim_clear(wn_claim *c)
{
	free(c->outlet);
	free(c->name);
	c->outlet = c->name = NULL;
}

void wn_claim_list_free(wn_claim *claims, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wn_claim_clear(&claims[i]);
	free(claims);
}

static int claim_fill(wn_claim *c, const char *claim, const char *outlet, const char *name)
{
	memcpy(c->claim, claim, WN_CLAIM_LEN + 1);
	c->outlet = strdup(outlet);
	c->name = strdup(name);
	if (!c->outlet || !c->name) {
		wn_claim_clear(c);
		return -ENOMEM;
	}
	return 0;
}

int wn_spool_claim(wn_spool *sp, const char *outlet, const char *name, wn_claim *c)
{
	memset(c, 0, sizeof *c);
	if (!wn_outlet_valid(outlet) || !wn_spool_name_valid(name))
		return -EINVAL;
	int src = open_subdir(sp->fd[WN_SPOOL_INCOMING], outlet, false, 0);
	if (src < 0)
		return src;
	int dst = open_subdir(sp->fd[WN_SPOOL_WORK], outlet, true, 0755);
	if (dst < 0) {
		close(src);
		return dst;
	}
	char claim[WN_CLAIM_LEN + 1], wname[NAME_MAX + 1];
	wn_spool_new_claim(claim);
	snprintf(wname, sizeof wname, "%s-%s", claim, name);
	int rc = rename_noreplace(src, name, dst, wname);
	close(src);
	close(dst);
	if (rc == 0) {
		rc = claim_fill(c, claim, outlet, name);
		if (rc < 0) /* put it back rather than strand it */
			renameat(sp->fd[WN_SPOOL_WORK], wname, sp->fd[WN_SPOOL_INCOMING], name);
	}
	return rc;
}

char *wn_spool_work_path(const wn_spool *sp, const wn_claim *c)
{
	char wname[NAME_MAX + 1];
	work_name(c, wname);
	return wn_spool_path(sp, WN_SPOOL_WORK, c->outlet, wname);
}

/* ---- recovery ---- */

static int cmp_claim(const void *a, const void *b)
{
	return strcmp(((const wn_claim *)a)->claim, ((const wn_claim *)b)->claim);
}

/* Calls fn(ud, dirfd, outlet) for each real folder directly in parent. */
static int each_outlet_dir(int parent, int (*fn)(void *ud, int dirfd, const char *outlet), void *ud)
{
	int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int sub = open_subdir(parent, de->d_name, false, 0);
		if (sub < 0)
			continue; /* not a folder (or gone): nothing of ours */
		rc = fn(ud, sub, de->d_name);
		close(sub);
	}
	closedir(d);
	return rc;
}

struct recover_ctx {
	wn_claim *claims;
	size_t n, cap;
};

static int recover_outlet(void *ud, int dirfd, const char *outlet)
{
	struct recover_ctx *rc = ud;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	int err = 0;
	struct dirent *de;
	while (!err && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char claim[WN_CLAIM_LEN + 1], fixed[WN_CLAIM_LEN + 1 + NAME_MAX + 1];
		const char *name;
		if (!parse_work_name(de->d_name, claim, &name)) {
			/* not ours by form: give it a claim so it is processed like the rest */
			if (strlen(de->d_name) > WN_SPOOL_NAME_MAX)
				continue;
			wn_spool_new_claim(claim);
			snprintf(fixed, sizeof fixed, "%s-%s", claim, de->d_name);
			if (rename_noreplace(dirfd, de->d_name, dirfd, fixed) < 0)
				continue;
			name = fixed + WN_CLAIM_LEN + 1;
		}
		note_claim(strtoull(claim, NULL, 16));
		if (rc->n == rc->cap) {
			size_t cap = rc->cap ? rc->cap * 2 : 64;
			wn_claim *nc = realloc(rc->claims, cap * sizeof *nc);
			if (!nc) {
				err = -ENOMEM;
				break;
			}
			rc->claims = nc;
			rc->cap = cap;
		}
		err = claim_fill(&rc->claims[rc->n], claim, outlet, name);
		if (!err)
			rc->n++;
	}
	closedir(d);
	return err;
}

static int remove_staging(void *ud, int dirfd, const char *outlet)
{
	(void)ud;
	(void)outlet;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (wn_is_staging_name(de->d_name))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
	return 0;
}

int wn_spool_recover(wn_spool *sp, wn_claim **claims, size_t *n)
{
	*claims = NULL;
	*n = 0;
	each_outlet_dir(sp->fd[WN_SPOOL_FAILED], remove_staging, NULL);
	struct recover_ctx ctx = {0};
	int rc = each_outlet_dir(sp->fd[WN_SPOOL_WORK], recover_outlet, &ctx);
	if (rc < 0) {
		wn_claim_list_free(ctx.claims, ctx.n);
		return rc;
	}
	if (ctx.n)
		qsort(ctx.claims, ctx.n, sizeof *ctx.claims, cmp_claim);
	*claims = ctx.claims;
	*n = ctx.n;
	return 0;
}

/* ---- leaving work/: done and failed ---- */

int wn_spool_done(wn_spool *sp, const wn_claim *c, bool durable, char **done_name)
{
	char wname[NAME_MAX + 1], dname[NAME_MAX + 1];
	work_name(c, wname);
	int dst = open_subdir(sp->fd[WN_SPOOL_DONE], c->outlet, true, 0755);
	if (dst < 0)
		return dst;
	int src = open_subdir(sp->fd[WN_SPOOL_WORK], c->outlet, false, 0);
	if (src < 0) {
		close(dst);
		return src;
	}
	snprintf(dname, sizeof dname, "%s", c->name);
	int rc = rename_noreplace(src, wname, dst, dname);
	if (rc == -EEXIST) { /* the same name delivered before: keep both */
		suffixed_name(c->name, c->claim, NAME_MAX, dname);
		rc = rename_noreplace(src, wname, dst, dname);
	}
	if (rc == 0 && durable)
		rc = fsync_both(dst, src);
	close(src);
	close(dst);
	if (rc == 0 && done_name && !(*done_name = strdup(dname)))
		rc = -ENOMEM;
	return rc;
}

int wn_spool_sync_done(wn_spool *sp, const char *outlet)
{
	int dst = open_subdir(sp->fd[WN_SPOOL_DONE], outlet, false, 0);
	if (dst < 0)
		return dst;
	int src = open_subdir(sp->fd[WN_SPOOL_WORK], outlet, false, 0);
	int rc = src < 0 ? src : fsync_both(dst, src);
	if (src >= 0)
		close(src);
	close(dst);
	return rc;
}

char *wn_spool_reason_text(const char *file, const char *outlet, const char *claim,
			   const wn_failure *f, time_t when)
{
	struct tm tm;
	char stamp[32];
	gmtime_r(&when, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int err = f->err < 0 ? -f->err : f->err;
	char errno_line[160] = "";
	if (err > 0 && err < 4096) {
		const char *ename = strerrorname_np(err);
		snprintf(errno_line, sizeof errno_line, "errno: %s (%s)\n", ename ? ename : "?",
			 strerror(err));
	}
	char *sfile = wn_utf8_sanitize(file, strlen(file));
	char *sdetail = f->detail ? wn_utf8_sanitize(f->detail, strlen(f->detail)) : NULL;
	char *text = NULL;
	if (sfile && (sdetail || !f->detail) &&
	    asprintf(&text, "file: %s\noutlet: %s\nclaim: %s\ntime: %s\nstage: %s\nerror: %s\n%s",
		     sfile, outlet, claim, stamp, f->stage ? f->stage : "unknown",
		     sdetail ? sdetail : wn_strerror(f->err), errno_line) < 0)
		text = NULL;
	free(sfile);
	free(sdetail);
	return text;
}

/* Move srcdir/srcname into failed/<outlet>/, with its reason file first. */
static int quarantine_from(wn_spool *sp, int srcdir, const char *srcname, const char *outlet,
			   const char *name, const char *claim, const wn_failure *f, bool durable)
{
	int dst = open_subdir(sp->fd[WN_SPOOL_FAILED], outlet, true, 0755);
	if (dst < 0)
		return dst;
	/* Room for "<qname>.reason" and its staging name ".<qname>.reason.tmp". */
	const size_t max = NAME_MAX - strlen(REASON_SUFFIX) - 5;
	char qname[NAME_MAX + 1], rname[NAME_MAX + 1 + sizeof REASON_SUFFIX];
	if (strlen(name) <= max && !ends_with(name, REASON_SUFFIX) && !exists_at(dst, name))
		snprintf(qname, sizeof qname, "%s", name);
	else
		suffixed_name(name, claim, max, qname);
	snprintf(rname, sizeof rname, "%s" REASON_SUFFIX, qname);

	char file[PATH_MAX];
	snprintf(file, sizeof file, "incoming/%s/%s", outlet, name);
	char *text = wn_spool_reason_text(file, outlet, claim, f, time(NULL));
	char *dirpath = wn_spool_path(sp, WN_SPOOL_FAILED, outlet, NULL);
	int rc = text && dirpath ? 0 : -ENOMEM;
	if (rc == 0)
		rc = wn_write_atomic(dirpath, rname, text, strlen(text), durable);
	if (rc == 0)
		rc = rename_noreplace(srcdir, srcname, dst, qname);
	if (rc == 0 && durable)
		rc = fsync_both(dst, srcdir);
	free(text);
	free(dirpath);
	close(dst);
	return rc;
}

int wn_spool_quarantine(wn_spool *sp, const wn_claim *c, const wn_failure *f, bool durable)
{
	char wname[NAME_MAX + 1];
	work_name(c, wname);
	int src = open_subdir(sp->fd[WN_SPOOL_WORK], c->outlet, false, 0);
	if (src < 0)
		return src;
	int rc = quarantine_from(sp, src, wname, c->outlet, c->name, c->claim, f, durable);
	close(src);
	return rc;
}

int wn_spool_quarantine_incoming(wn_spool *sp, const char *outlet, const char *name,
				 const wn_failure *f, bool durable)
{
	if (!wn_outlet_valid(outlet) || !name[0] || strchr(name, '/'))
		return -EINVAL;
	int src = open_subdir(sp->fd[WN_SPOOL_INCOMING], outlet, false, 0);
	if (src < 0)
		return src;
	char claim[WN_CLAIM_LEN + 1];
	wn_spool_new_claim(claim);
	int rc = exists_at(src, name) ? quarantine_from(sp, src, name, outlet, name, claim, f, durable)
				       : -ENOENT;
	close(src);
	return rc;
}

/* ---- producers ---- */

static int copy_fd(int from, int to)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(from, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(to, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

/* incoming/<outlet>/ for a producer, made when missing. A new folder is
 * made in tmp/ under a staging name, given its mode there whatever the
 * producer's umask (the daemon, in the spool's group, claims files out of
 * it, so it must be group-writable) and renamed into place: the daemon never
 * sees it with the wrong mode. When another producer was first, theirs is
 * used. Returns a descriptor or a negative errno. */
static int open_incoming_outlet(wn_spool *sp, const char *outlet)
{
	int in = sp->fd[WN_SPOOL_INCOMING], tmp = sp->fd[WN_SPOOL_TMP];
	int fd = open_subdir(in, outlet, false, 0);
	if (fd != -ENOENT)
		return fd;
	char tname[64], claim[WN_CLAIM_LEN + 1];
	wn_spool_new_claim(claim);
	snprintf(tname, sizeof tname, ".%s.P%ld.d", claim, (long)getpid());
	if (mkdirat(tmp, tname, 0775) < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstatat(tmp, tname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(tmp, tname, (st.st_mode & S_ISGID) | 0775, 0) < 0)
		rc = -errno;
	if (rc == 0 && renameat2(tmp, tname, in, outlet, RENAME_NOREPLACE) < 0) {
		if (errno == EINVAL || errno == ENOSYS) /* no RENAME_NOREPLACE here */
			rc = renameat(tmp, tname, in, outlet) < 0 ? -errno : 0;
		else
			rc = -errno;
		if (rc == -EEXIST || rc == -ENOTEMPTY)
			rc = 0; /* another producer made it first */
	}
	unlinkat(tmp, tname, AT_REMOVEDIR); /* still there when not renamed */
	return rc < 0 ? rc : open_subdir(in, outlet, false, 0);
}

int wn_spool_submit_fd(wn_spool *sp, const char *outlet, const char *name, int src_fd,
		       const struct timespec *mtime)
{
	if (!wn_outlet_valid(outlet) || !wn_spool_name_valid(name))
		return -EINVAL;
	char tname[64], claim[WN_CLAIM_LEN + 1];
	wn_spool_new_claim(claim);
	snprintf(tname, sizeof tname, "%s.P%ld", claim, (long)getpid());
	int tmp = sp->fd[WN_SPOOL_TMP];
	int fd = openat(tmp, tname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* readable by the daemon (group winnow) whatever the producer's umask */
	int rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (rc == 0)
		rc = copy_fd(src_fd, fd);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && mtime) {
		struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, *mtime};
		if (futimens(fd, times) < 0)
			rc = -errno;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	int dst = -1;
	if (rc == 0) {
		dst = open_incoming_outlet(sp, outlet);
		rc = dst < 0 ? dst : rename_noreplace(tmp, tname, dst, name);
	}
	if (rc == 0)
		rc = fsync_fd(dst);
	if (rc == 0)
		rc = fsync_fd(sp->fd[WN_SPOOL_INCOMING]); /* the outlet folder may be new */
	if (dst >= 0)
		close(dst);
	unlinkat(tmp, tname, 0); /* gone already after a successful rename */
	return rc;
}

/* ---- scanning ---- */

static int scan_outlet(wn_spool *sp, const char *outlet, const wn_spool_scan_cbs *cbs, void *ud)
{
	int fd = open_subdir(sp->fd[WN_SPOOL_INCOMING], outlet, false, 0);
	if (fd < 0) {
		if (fd != -ENOENT && cbs->skipped)
			cbs->skipped(ud, outlet, fd == -ENOTDIR ? "not a folder (symbolic links are not followed)"
							       : wn_strerror(fd));
		return 0;
	}
	if (cbs->outlet)
		cbs->outlet(ud, outlet);
	int dfd = dup(fd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return -e;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished meanwhile */
		if (cbs->file && cbs->file(ud, outlet, de->d_name, &st))
			rc = 1;
	}
	closedir(d);
	close(fd);
	return rc;
}

int wn_spool_scan(wn_spool *sp, const char *outlet, const wn_spool_scan_cbs *cbs, void *ud)
{
	if (outlet)
		return scan_outlet(sp, outlet, cbs, ud);
	int fd = openat(sp->fd[WN_SPOOL_INCOMING], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.')
			continue;
		struct stat st;
		if (fstatat(sp->fd[WN_SPOOL_INCOMING], n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (cbs->skipped)
				cbs->skipped(ud, n, S_ISLNK(st.st_mode)
							? "symbolic link in incoming/ (never followed)"
							: "not in an outlet folder (use incoming/<outlet>/)");
			continue;
		}
		if (!wn_outlet_valid(n)) {
			if (cbs->skipped)
				cbs->skipped(ud, n, "not a valid outlet name (UTF-8, at most 128 bytes)");
			continue;
		}
		rc = scan_outlet(sp, n, cbs, ud);
	}
	closedir(d);
	return rc;
}

/* ---- retention ---- */

struct prune_ctx {
	time_t cutoff;
	size_t removed;
};

static int prune_outlet(void *ud, int dirfd, const char *outlet)
{
	(void)outlet;
	struct prune_ctx *pc = ud;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		/* rename(2) updates ctime: it says when the file reached done/ */
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
		    st.st_ctime < pc->cutoff && unlinkat(dirfd, de->d_name, 0) == 0)
			pc->removed++;
	}
	closedir(d);
	return 0;
}

int wn_spool_prune(wn_spool *sp, time_t cutoff, time_t tmp_cutoff, size_t *removed)
{
	struct prune_ctx pc = {.cutoff = cutoff};
	int rc = 0;
	if (cutoff > 0)
		rc = each_outlet_dir(sp->fd[WN_SPOOL_DONE], prune_outlet, &pc);
	if (rc == 0 && tmp_cutoff > 0) {
		/* tmp/ is flat; a producer's file counts as untouched when both its
		 * data (mtime) and its metadata (ctime) are older than the cutoff */
		int fd = openat(sp->fd[WN_SPOOL_TMP], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		if (!d && fd >= 0)
			close(fd);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			struct stat st;
			if (fstatat(sp->fd[WN_SPOOL_TMP], de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    !S_ISDIR(st.st_mode) && st.st_mtime < tmp_cutoff && st.st_ctime < tmp_cutoff &&
			    unlinkat(sp->fd[WN_SPOOL_TMP], de->d_name, 0) == 0)
				pc.removed++;
		}
		if (d)
			closedir(d);
	}
	if (removed)
		*removed = pc.removed;
	return rc;
}
