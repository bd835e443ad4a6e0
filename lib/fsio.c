/* fsio.c — see fsio.h. */
#include "lib/fsio.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *wn_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	char *p = malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

int wn_read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return -WN_ETOOBIG;
			}
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			free(buf);
			return -WN_ETOOBIG;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int wn_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
	} else if ((size_t)st.st_size > max) {
		rc = -WN_ETOOBIG;
	} else {
		rc = wn_read_fd(fd, max, buf, len);
	}
	close(fd);
	return rc;
}

bool wn_is_staging_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' && n > 5 && !strcmp(name + n - 4, ".tmp");
}

#define ATOMIC_BUF 65536

struct wn_atomic_file {
	int fd, err;
	size_t len;
	char final[PATH_MAX], staging[PATH_MAX];
	char buf[ATOMIC_BUF];
};

int wn_atomic_open(const char *dir, const char *name, wn_atomic_file **out)
{
	*out = NULL;
	wn_atomic_file *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	if (snprintf(f->final, sizeof f->final, "%s/%s", dir, name) >= (int)sizeof f->final ||
	    snprintf(f->staging, sizeof f->staging, "%s/.%s.tmp", dir, name) >= (int)sizeof f->staging) {
		free(f);
		return -ENAMETOOLONG;
	}
	f->fd = open(f->staging, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;
		free(f);
		return -e;
	}
	f->err = 0;
	f->len = 0;
	*out = f;
	return 0;
}

static void atomic_flush(wn_atomic_file *f)
{
	size_t off = 0;
	while (!f->err && off < f->len) {
		ssize_t w = write(f->fd, f->buf + off, f->len - off);
		if (w < 0) {
			if (errno != EINTR)
				f->err = -errno;
			continue;
		}
		if (w == 0)
			f->err = -EIO;
		off += (size_t)w;
	}
	f->len = 0;
}

void wn_atomic_put(wn_atomic_file *f, const void *data, size_t len)
{
	const char *p = data;
	while (len && !f->err) {
		if (f->len == ATOMIC_BUF)
			atomic_flush(f);
		size_t n = ATOMIC_BUF - f->len < len ? ATOMIC_BUF - f->len : len;
		memcpy(f->buf + f->len, p, n);
		f->len += n;
		p += n;
		len -= n;
	}
}

void wn_atomic_abort(wn_atomic_file *f)
{
	if (!f)
		return;
	close(f->fd);
	unlink(f->staging);
	free(f);
}

int wn_atomic_commit(wn_atomic_file *f, bool durable)
{
	atomic_flush(f);
	int rc = f->err;
	if (rc == 0 && durable && fsync(f->fd) < 0)
		rc = -errno;
	if (close(f->fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(f->staging, f->final) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(f->staging);
	free(f);
	return rc;
}

/* ---- group commit ---- */

struct group_file {
	char *staging, *final;
};

struct wn_atomic_group {
	struct group_file *files;
	size_t n, cap;
	bool durable;
};

int wn_atomic_group_new(wn_atomic_group **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

void wn_atomic_group_free(wn_atomic_group *g)
{
	if (!g)
		return;
	wn_atomic_group_discard(g, 0);
	free(g->files);
	free(g);
}

void wn_atomic_group_durable(wn_atomic_group *g, bool durable)
{
	g->durable = durable;
}

size_t wn_atomic_group_len(const wn_atomic_group *g)
{
	return g->n;
}

int wn_atomic_group_add(wn_atomic_group *g, wn_atomic_file *f)
{
	atomic_flush(f);
	if (f->err) {
		int err = f->err;
		wn_atomic_abort(f);
		return err;
	}
	/* Start write-back now: the blocks are allocated in the running journal
	 * transaction, and the I/O overlaps with writing the next files. A file
	 * system without sync_file_range just syncs each file at commit. */
	if (g->durable)
		sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	int rc = close(f->fd) < 0 ? -errno : 0;
	f->fd = -1;
	if (rc == 0 && g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 32;
		struct group_file *nf = realloc(g->files, cap * sizeof *nf);
		if (!nf)
			rc = -ENOMEM;
		else {
			g->files = nf;
			g->cap = cap;
		}
	}
	struct group_file gf = {.staging = strdup(f->staging), .final = strdup(f->final)};
	if (rc == 0 && (!gf.staging || !gf.final))
		rc = -ENOMEM;
	if (rc < 0) {
		free(gf.staging);
		free(gf.final);
		unlink(f->staging);
	} else {
		g->files[g->n++] = gf;
	}
	free(f);
	return rc;
}

static void group_drop(struct group_file *gf, bool unlink_staging)
{
	if (unlink_staging)
		unlink(gf->staging);
	free(gf->staging);
	free(gf->final);
}

void wn_atomic_group_discard(wn_atomic_group *g, size_t from)
{
	for (size_t i = from; i < g->n; i++)
		group_drop(&g->files[i], true);
	if (from < g->n)
		g->n = from;
}

static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fdatasync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int wn_atomic_group_commit(wn_atomic_group *g, size_t *done)
{
	size_t n = g->n, ok = n;
	int rc = 0;
	for (size_t i = 0; g->durable && i < n && rc == 0; i++)
		if ((rc = sync_path(g->files[i].staging)) < 0)
			ok = i;
	for (size_t i = 0; i < ok; i++) {
		if (rename(g->files[i].staging, g->files[i].final) < 0) {
			rc = -errno;
			ok = i;
			break;
		}
		group_drop(&g->files[i], false);
	}
	for (size_t i = ok; i < n; i++)
		group_drop(&g->files[i], true);
	g->n = 0;
	*done = ok;
	return rc;
}

int wn_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		    bool durable)
{
	wn_atomic_file *f;
	int rc = wn_atomic_open(dir, name, &f);
	if (rc < 0)
		return rc;
	wn_atomic_put(f, data, len);
	return wn_atomic_commit(f, durable);
}

int wn_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int wn_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
