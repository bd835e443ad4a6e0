/* main.c — winnowd: watches a spool, cleans every article dropped into
 * it and delivers the results (README.md, "winnowd").
 *
 * This file wires the pieces on one libuv loop: configuration (config.h),
 * the spool (spool/spool.h), inotify hints (watch.h), the queue of sighted
 * files (intake.h), the processing pipeline (process.h) and events.jsonl
 * (events.h); plus signals, timers, counters and the service-manager hooks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "daemon/config.h"
#include "daemon/events.h"
#include "daemon/intake.h"
#include "daemon/notify.h"
#include "daemon/process.h"
#include "daemon/watch.h"
#include "dedup/index.h"
#include "lib/fsio.h"
#include "lib/log.h"
#include "lib/pipeline.h"
#include "lib/text.h"
#include "spool/spool.h"

#define INTAKE_CAP 4096                     /* names held at once; more wait for a rescan */
#define PRUNE_EVERY_MS (3600u * 1000)       /* retention of done/ and tmp/ */
#define TMP_MAX_AGE_S (36 * 3600)           /* a producer's file untouched this long in tmp/ is dead (Maildir) */
#define STATUS_REFRESH_MS 1000u             /* STATUS= re-sent this often when it changed */
#define WARNED_MAX 256                      /* skipped names remembered, so scans do not repeat warnings */

struct override {
	char *key, *value;
};

struct daemon {
	uv_loop_t *loop;
	wn_dconfig cfg;
	const char *config_path;
	struct override *ov; /* flags, re-applied over the file on every reload */
	size_t nov;

	wn_spool *sp;
	wn_events *ev;
	wn_proc *proc;
	wn_watch *watch;
	wn_intake *intake;
	struct wn_index *index;

	uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
	uv_timer_t scan_timer, settle_timer, stats_timer, prune_timer, stop_timer;
	uv_work_t prune_req;
	bool pruning, stopping, proc_drained, finished, rescan_pending, in_pump;
	uint64_t skipped;
	char *warned[WARNED_MAX];
	size_t nwarned;

	uv_timer_t watchdog_timer, status_timer; /* service manager (notify.h) */
	char status_sent[256];                   /* the last STATUS= sent */
	bool notify_warned;
};

/* ---- service manager (systemd's notification protocol, notify.h) -------
 * All on the loop thread, and silent without $NOTIFY_SOCKET:
 *   hook_ready      READY=1 with STATUS=: recovery queued, start-up scan
 *                   done, watch in place; and again at the end of a reload
 *   hook_reloading  RELOADING=1 as a SIGHUP reload begins
 *   hook_stopping   STOPPING=1 on SIGTERM/SIGINT
 *   hook_status     STATUS=<counters>, sent when it changed: when counters
 *                   are logged, when intake pauses or resumes, and from a
 *                   timer every STATUS_REFRESH_MS so `systemctl status` is live
 *   hook_timers     once at start: WATCHDOG=1 at half of $WATCHDOG_USEC (a
 *                   loop that stops turning stops the pings, and systemd
 *                   restarts the service), and the status refresh
 * The timers are unref'd, so they never keep the loop alive; close_all
 * closes them at exit. */
static void status_line(struct daemon *d, char *buf, size_t len);

static void notify_check(struct daemon *d, int rc, const char *what)
{
	if (rc < 0 && !d->notify_warned) {
		wn_warn("cannot tell the service manager %s ($NOTIFY_SOCKET): %s", what, strerror(-rc));
		d->notify_warned = true; /* once: the socket will not get better */
	}
}

static void hook_status(struct daemon *d, const char *status)
{
	if (!wn_notify_enabled() || !strcmp(status, d->status_sent))
		return;
	snprintf(d->status_sent, sizeof d->status_sent, "%s", status);
	notify_check(d, wn_notify_status("%s", status), "STATUS");
}

static void hook_ready(struct daemon *d)
{
	if (!wn_notify_enabled())
		return;
	char line[256], msg[sizeof line + 32];
	status_line(d, line, sizeof line);
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", line);
	snprintf(d->status_sent, sizeof d->status_sent, "%s", line);
	notify_check(d, wn_notify(msg), "READY=1");
}

static void hook_reloading(struct daemon *d)
{
	notify_check(d, wn_notify_reloading(), "RELOADING=1");
}

static void hook_stopping(struct daemon *d)
{
	notify_check(d, wn_notify_stopping(), "STOPPING=1");
}

static void on_watchdog_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	notify_check(d, wn_notify_watchdog(), "WATCHDOG=1");
}

static void on_status_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	char line[256];
	status_line(d, line, sizeof line);
	hook_status(d, line);
}

static void hook_timers(struct daemon *d)
{
	if (!wn_notify_enabled())
		return;
	uint64_t usec;
	int rc = wn_notify_watchdog_usec(&usec);
	if (rc < 0)
		wn_warn("ignoring a malformed $WATCHDOG_USEC or $WATCHDOG_PID");
	if (rc > 0) {
		uint64_t ms = usec / 2000 ? usec / 2000 : 1;
		uv_timer_init(d->loop, &d->watchdog_timer);
		d->watchdog_timer.data = d;
		uv_timer_start(&d->watchdog_timer, on_watchdog_timer, ms, ms);
		uv_unref((uv_handle_t *)&d->watchdog_timer);
		wn_info("watchdog: pinging the service manager every %llu ms", (unsigned long long)ms);
	}
	uv_timer_init(d->loop, &d->status_timer);
	d->status_timer.data = d;
	uv_timer_start(&d->status_timer, on_status_timer, STATUS_REFRESH_MS, STATUS_REFRESH_MS);
	uv_unref((uv_handle_t *)&d->status_timer);
}

/* ---- counters ---- */

static void status_line(struct daemon *d, char *buf, size_t len)
{
	const wn_proc_counters *c = wn_proc_get_counters(d->proc);
	snprintf(buf, len,
		 "processed=%llu duplicates=%llu failed=%llu skipped=%llu recovered=%llu queued=%zu "
		 "in_flight=%zu paused=%s",
		 (unsigned long long)c->processed, (unsigned long long)c->duplicates,
		 (unsigned long long)c->failed, (unsigned long long)d->skipped,
		 (unsigned long long)c->recovered, wn_intake_len(d->intake), wn_proc_in_flight(d->proc),
		 wn_proc_paused(d->proc) ? "yes" : "no");
}

static void log_counters(struct daemon *d)
{
	char line[256];
	status_line(d, line, sizeof line);
	wn_notice("counters: %s", line);
	hook_status(d, line);
}

/* ---- sightings, scans, claims ---- */

static void full_scan(struct daemon *d, const char *why);
static void on_settle(uv_timer_t *t);

static char *shown(const char *s)
{
	char *u = wn_utf8_sanitize(s, strlen(s));
	return u ? u : strdup("?");
}

/* Whether a process holds the file open for writing, as far as the kernel
 * will tell: it refuses a read lease (EAGAIN) while a writer has the file
 * open. Leases need the file's owner or CAP_LEASE; without them this says
 * false and the settle time alone decides. Opened non-blocking, never
 * through a link. */
static bool held_open_for_writing(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool busy = false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
			fcntl(fd, F_SETLEASE, F_UNLCK);
		else
			busy = errno == EAGAIN;
	}
	close(fd);
	return busy;
}

/* A file found by a scan may be taken once quiet for the settle time and
 * not open for writing; otherwise, how long to wait before looking again. */
static uint64_t wait_before_taking(struct daemon *d, const char *outlet, const char *name)
{
	char *path = wn_spool_path(d->sp, WN_SPOOL_INCOMING, outlet, name);
	struct stat st;
	uint64_t wait = 0;
	if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t age_ms = (int64_t)(now.tv_sec - st.st_mtim.tv_sec) * 1000 +
				 (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
		if (age_ms < 0)
			wait = d->cfg.settle_ms;
		else if ((uint64_t)age_ms < d->cfg.settle_ms)
			wait = d->cfg.settle_ms - (uint64_t)age_ms;
		else if (wn_watch_is_writing(d->watch, outlet, name) || held_open_for_writing(path)) {
			wn_debug("incoming/%s/%s is still open for writing; waiting", outlet, name);
			wait = d->cfg.settle_ms > 100 ? d->cfg.settle_ms : 100;
		}
	}
	free(path); /* gone or not a regular file: the claim will tell */
	return wait;
}

static void pump(struct daemon *d)
{
	if (d->stopping || d->in_pump)
		return;
	d->in_pump = true;
	wn_intake_item it;
	while (wn_proc_has_room(d->proc) && wn_intake_pop(d->intake, uv_now(d->loop), &it)) {
		uint64_t wait = it.scanned ? wait_before_taking(d, it.outlet, it.name) : 0;
		if (wait) {
			if (wn_intake_add_settling(d->intake, it.outlet, it.name, uv_now(d->loop) + wait) < 0)
				d->rescan_pending = true;
			wn_intake_item_clear(&it);
			continue;
		}
		int rc = wn_proc_take(d->proc, it.outlet, it.name);
		if (rc == -ENOENT) {
			char *n = shown(it.name);
			d->skipped++;
			wn_info("skipped %s/%s: vanished before it could be claimed", it.outlet, n);
			free(n);
		} else if (rc < 0) {
			/* still in incoming/: try it again once intake resumes */
			if (wn_intake_add_ready(d->intake, it.outlet, it.name) < 0)
				d->rescan_pending = true;
		}
		wn_intake_item_clear(&it);
	}
	d->in_pump = false;
	/* a scan stopped by a full queue goes on once the queue has drained */
	if (d->rescan_pending && wn_intake_len(d->intake) == 0 && !wn_proc_paused(d->proc))
		full_scan(d, NULL);
	/* Wake up when the next settling file is due — unless there is no room,
	 * then the pipeline calls back when there is (a timer re-armed at 0 from
	 * its own callback would spin). */
	uint64_t due = wn_intake_next_due(d->intake);
	if (due != UINT64_MAX && wn_proc_has_room(d->proc)) {
		uint64_t now = uv_now(d->loop);
		uv_timer_start(&d->settle_timer, on_settle, due > now ? due - now : 1, 0);
	} else {
		uv_timer_stop(&d->settle_timer);
	}
}

static void on_settle(uv_timer_t *t)
{
	pump(t->data);
}

struct found {
	char *outlet, *name;
	struct timespec mtime;
	bool regular;
};

struct scan_ctx {
	struct daemon *d;
	struct found *items;
	size_t n, limit;
	bool first;
};

/* True the first time `key` is seen: scans repeat, warnings should not. */
static bool first_time(struct daemon *d, const char *key)
{
	for (size_t i = 0; i < d->nwarned; i++)
		if (!strcmp(d->warned[i], key))
			return false;
	if (d->nwarned < WARNED_MAX)
		d->warned[d->nwarned++] = strdup(key);
	return true;
}

static void scan_outlet_cb(void *ud, const char *outlet)
{
	struct scan_ctx *sc = ud;
	int rc = sc->d->watch ? wn_watch_add_outlet(sc->d->watch, outlet) : 0;
	char key[160];
	snprintf(key, sizeof key, "\001watch %s", outlet); /* cannot clash with a file name */
	if (rc < 0 && first_time(sc->d, key))
		wn_warn("cannot watch incoming/%s: %s; relying on scans", outlet, strerror(-rc));
}

static void scan_skipped_cb(void *ud, const char *what, const char *why)
{
	struct scan_ctx *sc = ud;
	if (!first_time(sc->d, what))
		return; /* said so before */
	char *n = shown(what);
	wn_warn("skipped incoming/%s: %s", n, why);
	free(n);
}

static int scan_file_cb(void *ud, const char *outlet, const char *name, const struct stat *st)
{
	struct scan_ctx *sc = ud;
	if (wn_intake_contains(sc->d->intake, outlet, name))
		return 0; /* held already */
	if (sc->n >= sc->limit)
		return 1;
	struct found *f = &sc->items[sc->n];
	f->outlet = strdup(outlet);
	f->name = strdup(name);
	if (!f->outlet || !f->name) {
		free(f->outlet);
		free(f->name);
		return 1;
	}
	f->mtime = st->st_mtim;
	f->regular = S_ISREG(st->st_mode);
	sc->n++;
	return 0;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	int c = strcmp(x->outlet, y->outlet);
	return c ? c : strcmp(x->name, y->name);
}

/* Scan incoming/ (one outlet, or all when outlet is NULL). What is found
 * waits in the intake, oldest first, until quiet for the settle time. */
static void scan(struct daemon *d, const char *outlet)
{
	size_t room = wn_intake_cap(d->intake) - wn_intake_len(d->intake);
	struct scan_ctx sc = {.d = d, .limit = room};
	sc.items = calloc(room ? room : 1, sizeof *sc.items);
	if (!sc.items) {
		d->rescan_pending = true;
		return;
	}
	static const wn_spool_scan_cbs cbs = {scan_outlet_cb, scan_file_cb, scan_skipped_cb};
	int rc = wn_spool_scan(d->sp, outlet, &cbs, &sc);
	if (rc < 0)
		wn_err("scanning incoming/: %s", strerror(-rc));
	if (rc == 1 || rc < 0)
		d->rescan_pending = true; /* more than fits: the rest after the queue drains */
	wn_debug("scanned incoming/%s: %zu file(s) found", outlet ? outlet : "", sc.n);
	qsort(sc.items, sc.n, sizeof *sc.items, cmp_found);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ms = uv_now(d->loop);
	for (size_t i = 0; i < sc.n; i++) {
		struct found *f = &sc.items[i];
		uint64_t due = now_ms; /* links, FIFOs, folders: nothing is being written */
		if (f->regular) {
			int64_t age_ms = (int64_t)(now.tv_sec - f->mtime.tv_sec) * 1000 +
					 (now.tv_nsec - f->mtime.tv_nsec) / 1000000;
			if (age_ms < 0)
				due = now_ms + d->cfg.settle_ms;
			else if ((uint64_t)age_ms < d->cfg.settle_ms)
				due = now_ms + d->cfg.settle_ms - (uint64_t)age_ms;
		}
		if (wn_intake_add_settling(d->intake, f->outlet, f->name, due) < 0)
			d->rescan_pending = true;
		free(f->outlet);
		free(f->name);
	}
	free(sc.items);
}

static void full_scan(struct daemon *d, const char *why)
{
	if (d->stopping)
		return;
	if (wn_intake_len(d->intake) >= wn_intake_cap(d->intake)) {
		d->rescan_pending = true; /* once there is room */
		return;
	}
	if (why)
		wn_info("rescanning incoming/: %s", why);
	d->rescan_pending = false;
	scan(d, NULL);
	pump(d);
}

static void on_watch_file(void *ud, const char *outlet, const char *name)
{
	struct daemon *d = ud;
	if (d->stopping)
		return;
	if (wn_intake_add_ready(d->intake, outlet, name) < 0)
		d->rescan_pending = true;
	pump(d);
}

static void on_watch_outlet(void *ud, const char *outlet)
{
	struct daemon *d = ud;
	if (d->stopping)
		return;
	wn_info("new outlet folder incoming/%s", outlet);
	scan(d, outlet);
	pump(d);
}

static void on_watch_rescan(void *ud, const char *why)
{
	full_scan(ud, why);
}

static void on_room(void *ud)
{
	pump(ud);
}

static void on_paused(void *ud, bool on)
{
	struct daemon *d = ud;
	char line[256];
	status_line(d, line, sizeof line);
	hook_status(d, line);
	if (!on)
		pump(d);
}

/* ---- timers ---- */

static void on_scan_timer(uv_timer_t *t)
{
	full_scan(t->data, NULL);
}

static void on_stats_timer(uv_timer_t *t)
{
	log_counters(t->data);
}

struct prune_job {
	struct daemon *d;
	time_t cutoff, tmp_cutoff;
	size_t removed;
	int rc;
};

static void prune_work(uv_work_t *req)
{
	struct prune_job *pj = req->data;
	pj->rc = wn_spool_prune(pj->d->sp, pj->cutoff, pj->tmp_cutoff, &pj->removed);
}

static void finish(struct daemon *d);

static void prune_done(uv_work_t *req, int status)
{
	struct prune_job *pj = req->data;
	struct daemon *d = pj->d;
	d->pruning = false;
	if (status == 0 && pj->rc < 0)
		wn_warn("retention: %s", strerror(-pj->rc));
	else if (status == 0 && pj->removed)
		wn_info("retention: removed %zu old file(s) from done/ and tmp/", pj->removed);
	free(pj);
	if (d->stopping && d->proc_drained)
		finish(d);
}

static void on_prune_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	if (d->pruning || d->stopping)
		return;
	struct prune_job *pj = calloc(1, sizeof *pj);
	if (!pj)
		return;
	time_t now = time(NULL);
	pj->d = d;
	pj->cutoff = d->cfg.done_retention_ms ? now - (time_t)(d->cfg.done_retention_ms / 1000) : 0;
	pj->tmp_cutoff = now - TMP_MAX_AGE_S;
	d->prune_req.data = pj;
	if (uv_queue_work(d->loop, &d->prune_req, prune_work, prune_done) == 0)
		d->pruning = true;
	else
		free(pj);
}

static void arm_timers(struct daemon *d)
{
	uint64_t scan = d->cfg.scan_interval_ms, stats = d->cfg.stats_interval_ms;
	if (scan)
		uv_timer_start(&d->scan_timer, on_scan_timer, scan, scan);
	else
		uv_timer_stop(&d->scan_timer);
	if (stats)
		uv_timer_start(&d->stats_timer, on_stats_timer, stats, stats);
	else
		uv_timer_stop(&d->stats_timer);
}

/* ---- configuration and reload ---- */

static int apply_overrides(struct daemon *d, wn_dconfig *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < d->nov; i++) {
		int rc = wn_dconfig_set(c, d->ov[i].key, d->ov[i].value, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* What the state store is opened with. */
static wn_index_config index_config(const wn_dconfig *c)
{
	return (wn_index_config){.path = c->state, .chrome_min_docs = c->chrome_min_docs,
				 .chrome_window = c->chrome_window,
				 .retention_days = c->retention_days, .durable = c->durable};
}

static int load_config(struct daemon *d, wn_dconfig *c, char *err, size_t errlen)
{
	wn_dconfig_init(c);
	int rc = d->config_path ? wn_dconfig_load(c, d->config_path, err, errlen) : 0;
	if (rc == 0)
		rc = apply_overrides(d, c, err, errlen);
	wn_index_config ic = index_config(c);
	if (rc == 0 && !wn_index_chrome_window_ok(&ic)) {
		snprintf(err, errlen, "chrome_window = %u is smaller than chrome_min_docs = %u",
			 c->chrome_window, c->chrome_min_docs);
		rc = -EINVAL;
	}
	return rc;
}

/* True when the environment asks for rules without JIT (WN_NO_JIT set and
 * not "0"), as for the winnow commands: the path taken when the system
 * refuses JIT, made testable. */
static bool env_no_jit(void)
{
	const char *v = getenv("WN_NO_JIT");
	return v && *v && strcmp(v, "0") != 0;
}

/* The cleaner a configuration asks for: this is where the rule folder is
 * compiled, so a broken rule file fails here and nothing is swapped. */
static int build_cleaner(const wn_dconfig *c, wn_cleaner **out, char *err, size_t errlen)
{
	if (c->rules) { /* a folder that is not there is a mistake, not "no rules" */
		DIR *dir = opendir(c->rules);
		if (!dir) {
			int e = errno;
			snprintf(err, errlen, "rules: %s: %s", c->rules, strerror(e));
			return -e;
		}
		closedir(dir);
	}
	wn_cleaner_config cc = {.max_bytes = c->max_bytes, .rules_dir = c->rules,
				.no_default_rules = !c->default_rules, .no_heuristics = !c->heuristics,
				.no_jit = !c->jit || env_no_jit()};
	err[0] = '\0';
	int rc = wn_cleaner_new(&cc, out, err, errlen);
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "%s", wn_strerror(rc));
	return rc;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Keys that cannot change under a running daemon keep their old value. */
static void keep_restart_keys(struct daemon *d, wn_dconfig *nc)
{
	char **pairs[][2] = {{&nc->spool, &d->cfg.spool}, {&nc->out, &d->cfg.out},
			     {&nc->state, &d->cfg.state}};
	static const char *names[] = {"spool", "out", "state"};
	for (size_t i = 0; i < 3; i++) {
		if (!same_str(*pairs[i][0], *pairs[i][1]))
			wn_warn("reload: '%s' changed; it takes effect after a restart", names[i]);
		char *t = *pairs[i][0];
		*pairs[i][0] = *pairs[i][1];
		*pairs[i][1] = t;
	}
	unsigned *nums[][2] = {{&nc->workers, &d->cfg.workers},
			       {&nc->chrome_min_docs, &d->cfg.chrome_min_docs},
			       {&nc->chrome_window, &d->cfg.chrome_window},
			       {&nc->retention_days, &d->cfg.retention_days}};
	static const char *num_names[] = {"workers", "chrome_min_docs", "chrome_window",
					  "retention_days"};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (*nums[i][0] != *nums[i][1])
			wn_warn("reload: '%s' changed; it takes effect after a restart", num_names[i]);
		*nums[i][0] = *nums[i][1];
	}
}

static void reload(struct daemon *d)
{
	hook_reloading(d);
	wn_notice("reloading configuration%s%s", d->config_path ? " from " : "",
		  d->config_path ? d->config_path : "");
	wn_dconfig nc;
	char err[512] = "";
	wn_cleaner *cl = NULL;
	int rc = load_config(d, &nc, err, sizeof err);
	if (rc == 0)
		rc = build_cleaner(&nc, &cl, err, sizeof err);
	if (rc < 0) {
		wn_err("reload failed: %s; keeping the previous configuration and rules", err);
		wn_dconfig_free(&nc);
		hook_ready(d);
		return;
	}
	keep_restart_keys(d, &nc);
	wn_dconfig old = d->cfg;
	d->cfg = nc;
	wn_dconfig_free(&old);
	wn_log_set_level(d->cfg.log_level);
	wn_proc_set_cleaner(d->proc, cl);
	wn_proc_set_options(d->proc, d->cfg.durable, d->cfg.keep_duplicates);
	arm_timers(d);
	wn_notice("configuration reloaded");
	hook_ready(d);
	pump(d);
}

/* ---- signals and stopping ---- */

static void close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void finish(struct daemon *d)
{
	if (d->finished || d->pruning)
		return;
	d->finished = true;
	if (d->index && wn_index_close(d->index) < 0)
		wn_err("closing the state store %s failed", d->cfg.state);
	d->index = NULL;
	wn_proc_free(d->proc); /* closes its own timer */
	d->proc = NULL;
	wn_watch_stop(d->watch);
	d->watch = NULL;
	uv_walk(d->loop, close_one, NULL);
}

static void on_drained(void *ud)
{
	struct daemon *d = ud;
	d->proc_drained = true;
	finish(d);
}

static void on_stop_timeout(uv_timer_t *t)
{
	struct daemon *d = t->data;
	wn_warn("stopping: in-flight work did not finish within %llu ms; exiting, files left in work/ "
		"are processed at next start", (unsigned long long)d->cfg.stop_timeout_ms);
	fflush(NULL);
	_exit(0);
}

static void begin_stop(struct daemon *d, const char *why)
{
	if (d->stopping) {
		wn_notice("%s: already stopping", why);
		return;
	}
	d->stopping = true;
	hook_stopping(d);
	wn_notice("stopping (%s): intake closed, finishing in-flight work", why);
	log_counters(d);
	uv_timer_stop(&d->scan_timer);
	uv_timer_stop(&d->settle_timer);
	uv_timer_stop(&d->stats_timer);
	uv_timer_stop(&d->prune_timer);
	wn_watch_stop(d->watch);
	d->watch = NULL;
	wn_intake_clear(d->intake);
	uv_timer_start(&d->stop_timer, on_stop_timeout, d->cfg.stop_timeout_ms, 0);
	uv_unref((uv_handle_t *)&d->stop_timer);
	wn_proc_stop(d->proc);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	switch (signum) {
	case SIGTERM: begin_stop(d, "SIGTERM"); break;
	case SIGINT: begin_stop(d, "SIGINT"); break;
	case SIGHUP:
		if (!d->stopping)
			reload(d);
		break;
	case SIGUSR1: log_counters(d); break;
	}
}

/* ---- start-up ---- */

/* Output staging names (".<name>.tmp") left by a crash are never visible
 * to consumers, who ignore dot names; remove them. */
static void remove_output_staging(const char *outdir)
{
	DIR *top = opendir(outdir);
	if (!top)
		return;
	struct dirent *de;
	while ((de = readdir(top))) {
		if (de->d_name[0] == '.')
			continue;
		int fd = openat(dirfd(top), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *sub = fd < 0 ? NULL : fdopendir(fd);
		if (!sub) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(sub)))
			if (wn_is_staging_name(e->d_name))
				unlinkat(fd, e->d_name, 0);
		closedir(sub);
	}
	closedir(top);
}

/* The state store: its folder is created, its file opened (or created). */
static int open_state(struct daemon *d, char *err, size_t errlen)
{
	char *dir = strdup(d->cfg.state);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = wn_mkdir_p(dir, 0755);
	}
	free(dir);
	if (rc < 0) {
		snprintf(err, errlen, "state store %s: %s", d->cfg.state, strerror(-rc));
		return rc;
	}
	wn_index_config ic = index_config(&d->cfg);
	char msg[400] = "";
	rc = wn_index_open(&ic, &d->index, msg, sizeof msg);
	if (rc < 0)
		snprintf(err, errlen, "state store %s: %s", d->cfg.state, msg[0] ? msg : wn_strerror(rc));
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: winnowd [--config FILE] [--check-config] [--KEY VALUE]...\n"
		   "\n"
		   "Watch SPOOL/incoming/<outlet>/, clean every article dropped there into\n"
		   "OUT/<outlet>/<stem>.json and .txt, log each delivery in OUT/events.jsonl,\n"
		   "and keep originals in SPOOL/done/ (failures in SPOOL/failed/ with a reason).\n"
		   "\n"
		   "  -c, --config FILE  read settings from FILE (INI, section [winnowd])\n"
		   "      --check-config check the settings (and rules), print them, exit\n"
		   "  -h, --help         this text\n"
		   "      --version      print the version\n"
		   "\n"
		   "Every setting can be given as a flag, overriding the file:\n");
	wn_dconfig_usage(f);
	fprintf(f, "\nSignals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads the configuration\n"
		   "and rules, SIGUSR1 logs the counters.\n");
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(struct daemon *d, int argc, char **argv, bool *check)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("winnowd %s\n", WN_VERSION);
			return 0;
		}
		if (!strcmp(a, "--check-config")) {
			*check = true;
			continue;
		}
		char keybuf[64];
		const char *key = NULL, *value = NULL;
		if (!strcmp(a, "-c") || !strcmp(a, "--config") || !strncmp(a, "--config=", 9)) {
			key = "config";
		} else if (!(key = wn_dconfig_flag_key(a, keybuf, sizeof keybuf))) {
			fprintf(stderr, "winnowd: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(stderr, "winnowd: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(key, "config")) {
			d->config_path = value;
			continue;
		}
		struct override *ov = realloc(d->ov, (d->nov + 1) * sizeof *ov);
		if (!ov)
			return 1;
		d->ov = ov;
		d->ov[d->nov].key = strdup(key);
		d->ov[d->nov].value = strdup(value);
		d->nov++;
	}
	return -1;
}

static void free_daemon(struct daemon *d)
{
	wn_intake_free(d->intake);
	wn_events_close(d->ev);
	wn_spool_close(d->sp);
	wn_dconfig_free(&d->cfg);
	for (size_t i = 0; i < d->nov; i++) {
		free(d->ov[i].key);
		free(d->ov[i].value);
	}
	free(d->ov);
	for (size_t i = 0; i < d->nwarned; i++)
		free(d->warned[i]);
}

static void timer_init(struct daemon *d, uv_timer_t *t)
{
	uv_timer_init(d->loop, t);
	t->data = d;
}

static void signal_init(struct daemon *d, uv_signal_t *s, int signum)
{
	uv_signal_init(d->loop, s);
	s->data = d;
	uv_signal_start(s, on_signal, signum);
}

static int run(struct daemon *d)
{
	/* First: a stop asked for while the state store loads or work/ is
	 * recovered is then a graceful stop once the loop runs, not a death by
	 * the default action. */
	signal_init(d, &d->sig_term, SIGTERM);
	signal_init(d, &d->sig_int, SIGINT);
	signal_init(d, &d->sig_hup, SIGHUP);
	signal_init(d, &d->sig_usr1, SIGUSR1);
	char err[512] = "";
	int rc = wn_spool_open(d->cfg.spool, false, &d->sp);
	if (rc < 0) {
		wn_err("spool %s: %s", d->cfg.spool, strerror(-rc));
		return 1;
	}
	if ((rc = wn_mkdir_p(d->cfg.out, 0755)) < 0) {
		wn_err("output folder %s: %s", d->cfg.out, strerror(-rc));
		return 1;
	}
	remove_output_staging(d->cfg.out);
	if ((rc = wn_events_open(d->cfg.out, &d->ev)) < 0) {
		wn_err("%s/events.jsonl: %s", d->cfg.out, strerror(-rc));
		return 1;
	}
	wn_cleaner *cl;
	if (build_cleaner(&d->cfg, &cl, err, sizeof err) < 0) {
		wn_err("%s", err);
		return 1;
	}
	if ((rc = open_state(d, err, sizeof err)) < 0) {
		wn_err("%s", err);
		wn_cleaner_free(cl);
		return 1;
	}
#ifdef WN_FAULT_INJECTION
	/* Test builds only: a stop asked for in the middle of start-up. */
	if (getenv("WN_FAULT_SIGTERM_AT_START"))
		raise(SIGTERM);
#endif
	d->intake = wn_intake_new(INTAKE_CAP);
	wn_proc_opts po = {.outdir = d->cfg.out, .workers = d->cfg.workers,
			   .durable = d->cfg.durable, .keep_duplicates = d->cfg.keep_duplicates};
	wn_proc_cbs pc = {.room = on_room, .paused = on_paused, .drained = on_drained};
	if (!d->intake || wn_proc_new(d->loop, d->sp, d->ev, cl, &po, &pc, d, &d->proc) < 0) {
		wn_cleaner_free(cl);
		wn_err("out of memory");
		return 1;
	}
	wn_proc_set_index(d->proc, d->index);

	timer_init(d, &d->scan_timer);
	timer_init(d, &d->settle_timer);
	timer_init(d, &d->stats_timer);
	timer_init(d, &d->prune_timer);
	timer_init(d, &d->stop_timer);

	int n = wn_proc_recover(d->proc);
	if (n < 0)
		wn_err("recovering work/: %s", strerror(-n));
	else if (n > 0)
		wn_notice("recovered %d claimed file(s) from work/; processing them again", n);

	char *incoming = wn_spool_path(d->sp, WN_SPOOL_INCOMING, NULL, NULL);
	wn_watch_cbs wc = {.file = on_watch_file, .outlet = on_watch_outlet, .rescan = on_watch_rescan};
	rc = incoming ? wn_watch_start(d->loop, incoming, &wc, d, &d->watch) : -ENOMEM;
	free(incoming);
	if (rc < 0)
		wn_warn("inotify unavailable (%s); finding files by scanning every %llu ms", strerror(-rc),
			(unsigned long long)d->cfg.scan_interval_ms);
	scan(d, NULL); /* after the watch is in place: nothing falls in between */
	arm_timers(d);
	uv_timer_start(&d->prune_timer, on_prune_timer, 0, PRUNE_EVERY_MS);
	hook_timers(d);
	wn_notice("ready: spool %s, output %s, %u worker(s), %s", d->cfg.spool, d->cfg.out,
		  d->cfg.workers, d->cfg.durable ? "durable" : "not durable (no fsync)");
	hook_ready(d);
	pump(d);

	uv_run(d->loop, UV_RUN_DEFAULT);
	wn_notice("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	wn_log_set_ident("winnowd");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN); /* a lease probe broken by a writer must not kill us */
	struct daemon d = {0};
	bool check = false;
	int status = parse_args(&d, argc, argv, &check);
	if (status >= 0) {
		free_daemon(&d);
		return status;
	}
	char err[512] = "";
	if (load_config(&d, &d.cfg, err, sizeof err) < 0) {
		fprintf(stderr, "winnowd: %s\n", err);
		free_daemon(&d);
		return check ? 1 : 2;
	}
	if (check) {
		wn_cleaner *cl;
		if (build_cleaner(&d.cfg, &cl, err, sizeof err) < 0) {
			fprintf(stderr, "winnowd: %s\n", err);
			free_daemon(&d);
			return 1;
		}
		wn_cleaner_free(cl);
		wn_dconfig_print(&d.cfg, stdout);
		free_daemon(&d);
		return 0;
	}
	wn_log_set_level(d.cfg.log_level);
	/* uv_queue_work shares libuv's pool with uv_fs_*: room for the workers
	 * and the two rounds (index, delivery) side by side; the daily
	 * retention sweep borrows a round's thread for a moment. A thread more
	 * would hold more memory in flight (test_bounds InFlight). */
	if (!getenv("UV_THREADPOOL_SIZE")) {
		char n[16];
		snprintf(n, sizeof n, "%u", d.cfg.workers + 2);
		setenv("UV_THREADPOOL_SIZE", n, 1);
	}
	/* Every thread that allocates gets a malloc arena, which keeps what a
	 * big document freed there for that thread alone: one arena per
	 * preparer and one for the two rounds to share keep the memory held
	 * close to what is in flight. Before any thread starts. */
	mallopt(M_ARENA_MAX, (int)d.cfg.workers + 1);
	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		wn_err("cannot start the event loop");
		free_daemon(&d);
		return 1;
	}
	d.loop = &loop;
	status = run(&d);
	if (status != 0) {
		if (d.index)
			wn_index_close(d.index);
		if (d.proc) {
			wn_proc_free(d.proc);
			d.proc = NULL;
		}
		wn_watch_stop(d.watch);
		uv_walk(&loop, close_one, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	uv_loop_close(&loop);
	free_daemon(&d);
	uv_library_shutdown();
	return status;
}
