/* watch.c — see watch.h. */
#include "daemon/watch.h"
#include "lib/doc.h"
#include "lib/log.h"

#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <xxhash.h>

#define ROOT_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)
#define OUTLET_MASK \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define WRITING_BUCKETS 256
#define WRITING_MAX 4096 /* files open for writing tracked at once; beyond, scans rely on settle */

/* A file seen modified and not yet closed. */
struct writing {
	struct writing *next;
	uint64_t hash;
	char *outlet, *name;
};

struct outlet_wd {
	int wd;
	char *outlet;
};

struct wn_watch {
	uv_poll_t poll;
	int fd;
	int root_wd;
	char *incoming;
	wn_watch_cbs cbs;
	void *ud;
	struct outlet_wd *wds; /* outlets are few: a small array */
	size_t nwds, capwds;
	struct writing *writing[WRITING_BUCKETS];
	size_t nwriting;
};

static uint64_t name_hash(const char *outlet, const char *name)
{
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, outlet, strlen(outlet) + 1);
	XXH3_64bits_update(&st, name, strlen(name));
	return XXH3_64bits_digest(&st);
}

static struct writing **writing_find(const wn_watch *w, uint64_t h, const char *outlet, const char *name)
{
	struct writing *const *pp = &w->writing[h % WRITING_BUCKETS];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && !strcmp((*pp)->outlet, outlet) && !strcmp((*pp)->name, name))
			break;
	return (struct writing **)pp;
}

static void writing_set(wn_watch *w, const char *outlet, const char *name, bool on)
{
	uint64_t h = name_hash(outlet, name);
	struct writing **pp = writing_find(w, h, outlet, name);
	if (!on && *pp) {
		struct writing *e = *pp;
		*pp = e->next;
		free(e->outlet);
		free(e->name);
		free(e);
		w->nwriting--;
	} else if (on && !*pp && w->nwriting < WRITING_MAX) {
		struct writing *e = calloc(1, sizeof *e);
		if (!e || !(e->outlet = strdup(outlet)) || !(e->name = strdup(name))) {
			if (e)
				free(e->outlet);
			free(e);
			return;
		}
		e->hash = h;
		*pp = e;
		w->nwriting++;
	}
}

static void writing_clear(wn_watch *w)
{
	for (size_t i = 0; i < WRITING_BUCKETS; i++) {
		struct writing *e = w->writing[i];
		while (e) {
			struct writing *n = e->next;
			free(e->outlet);
			free(e->name);
			free(e);
			e = n;
		}
		w->writing[i] = NULL;
	}
	w->nwriting = 0;
}

bool wn_watch_is_writing(const wn_watch *w, const char *outlet, const char *name)
{
	return w && *writing_find(w, name_hash(outlet, name), outlet, name);
}

static struct outlet_wd *find_wd(wn_watch *w, int wd)
{
	for (size_t i = 0; i < w->nwds; i++)
		if (w->wds[i].wd == wd)
			return &w->wds[i];
	return NULL;
}

static void forget_wd(wn_watch *w, int wd)
{
	struct outlet_wd *o = find_wd(w, wd);
	if (!o)
		return;
	free(o->outlet);
	*o = w->wds[--w->nwds];
}

int wn_watch_add_outlet(wn_watch *w, const char *outlet)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", w->incoming, outlet) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int wd = inotify_add_watch(w->fd, path, OUTLET_MASK);
	if (wd < 0)
		return -errno;
	struct outlet_wd *o = find_wd(w, wd);
	if (o) { /* the same folder: keep the name current */
		if (strcmp(o->outlet, outlet)) {
			char *n = strdup(outlet);
			if (!n)
				return -ENOMEM;
			free(o->outlet);
			o->outlet = n;
		}
		return 0;
	}
	if (w->nwds == w->capwds) {
		size_t cap = w->capwds ? w->capwds * 2 : 16;
		struct outlet_wd *n = realloc(w->wds, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		w->wds = n;
		w->capwds = cap;
	}
	char *name = strdup(outlet);
	if (!name)
		return -ENOMEM;
	w->wds[w->nwds++] = (struct outlet_wd){.wd = wd, .outlet = name};
	return 0;
}

static void on_root_event(wn_watch *w, const struct inotify_event *ev)
{
	if (!ev->len || ev->name[0] == '.' || !(ev->mask & IN_ISDIR))
		return; /* files directly in incoming/ are reported by scans */
	if (!wn_outlet_valid(ev->name)) {
		w->cbs.rescan(w->ud, "a folder with an invalid outlet name appeared");
		return;
	}
	int rc = wn_watch_add_outlet(w, ev->name);
	if (rc < 0)
		wn_warn("watch: cannot watch outlet folder %s: %s; relying on scans", ev->name,
			strerror(-rc));
	w->cbs.outlet(w->ud, ev->name);
}

static void on_events(uv_poll_t *h, int status, int events)
{
	wn_watch *w = h->data;
	(void)events;
	if (status < 0) {
		wn_err("watch: poll: %s", uv_strerror(status));
		return;
	}
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				writing_clear(w); /* closes may have been lost */
				w->cbs.rescan(w->ud, "inotify queue overflow");
				continue;
			}
			if (ev->wd == w->root_wd) {
				if (ev->mask & (IN_CREATE | IN_MOVED_TO))
					on_root_event(w, ev);
				continue;
			}
			struct outlet_wd *o = find_wd(w, ev->wd);
			if (ev->mask & IN_IGNORED) { /* the folder is gone */
				forget_wd(w, ev->wd);
				continue;
			}
			if (!o)
				continue;
			if (ev->mask & IN_MOVE_SELF) { /* renamed away: the name no longer holds */
				inotify_rm_watch(w->fd, ev->wd);
				forget_wd(w, ev->wd);
				w->cbs.rescan(w->ud, "an outlet folder was moved");
				continue;
			}
			if ((ev->mask & IN_ISDIR) || !ev->len || ev->name[0] == '.')
				continue;
			if (ev->mask & IN_MODIFY)
				writing_set(w, o->outlet, ev->name, true);
			if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
				writing_set(w, o->outlet, ev->name, false);
				w->cbs.file(w->ud, o->outlet, ev->name);
			}
		}
	}
}

static void on_closed(uv_handle_t *h)
{
	wn_watch *w = h->data;
	close(w->fd);
	writing_clear(w);
	for (size_t i = 0; i < w->nwds; i++)
		free(w->wds[i].outlet);
	free(w->wds);
	free(w->incoming);
	free(w);
}

int wn_watch_start(uv_loop_t *loop, const char *incoming_dir, const wn_watch_cbs *cbs, void *ud,
		   wn_watch **out)
{
	*out = NULL;
	wn_watch *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->cbs = *cbs;
	w->ud = ud;
	w->incoming = strdup(incoming_dir);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int rc = 0;
	if (!w->incoming)
		rc = -ENOMEM;
	else if (w->fd < 0)
		rc = -errno;
	else if ((w->root_wd = inotify_add_watch(w->fd, incoming_dir, ROOT_MASK)) < 0)
		rc = -errno;
	else
		rc = uv_poll_init(loop, &w->poll, w->fd);
	if (rc == 0) {
		w->poll.data = w;
		rc = uv_poll_start(&w->poll, UV_READABLE, on_events);
		if (rc < 0) {
			uv_close((uv_handle_t *)&w->poll, on_closed); /* frees w */
			return rc;
		}
		*out = w;
		return 0;
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->incoming);
	free(w);
	return rc;
}

void wn_watch_stop(wn_watch *w)
{
	if (w)
		uv_close((uv_handle_t *)&w->poll, on_closed);
}
