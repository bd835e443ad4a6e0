/* process.c — see process.h.
 *
 * Jobs live in two FIFOs, both in claim order: `arrival` (claimed, being
 * prepared, prepared) and `lane` (through the index step, waiting to be
 * delivered). The serial steps run in batches (struct round) on the thread
 * pool: the index step takes the prepared jobs at the head of arrival, up
 * to BATCH_MAX, and puts them on the lane; the delivery takes the lane. One
 * index batch and one delivery run at a time, the one beside the other, and
 * each takes jobs from the head of its queue only, which keeps both in
 * claim order while preparing runs in parallel. Everything but the work
 * callbacks runs on the loop thread; a job is touched by one thread at a
 * time (libuv orders a work callback before its after-callback).
 */
#include "daemon/process.h"
#include "dedup/index.h"
#include "lib/fsio.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/text.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
#define BATCH_MAX WN_PROC_BATCH_MAX

struct cleaner_ref {
	wn_cleaner *c;
	unsigned refs;
};

enum job_state {
	J_CLAIMED,   /* waiting for a prepare slot */
	J_PREPARING, /* on the thread pool */
	J_PREPARED,  /* waiting for the index step */
	J_ABANDONED, /* stopping: left in work/ for the next start */
	J_LANE,      /* through the index step, waiting to be delivered */
	J_ROUND,     /* in a batch on the thread pool */
};

struct job {
	uv_work_t req; /* its prepare */
	wn_proc *p;
	struct job *next;
	enum job_state state;
	wn_claim claim;
	bool recovered;
	uint64_t bytes; /* size of the claimed file */
	uint64_t t0;    /* uv_hrtime at claim */
	struct cleaner_ref *cref;
	wn_doc *doc;
	/* failure, if any: the job then ends in failed/ */
	bool failed;
	wn_failure fail;
	char detail[160];
	/* progress through the serial steps, so a retry resumes where it stopped */
	bool indexed;   /* through the index step, its transaction committed */
	bool reprepare; /* rolled back by the index: clean it again from the file */
	bool outputs_done, event_done, moved, wrote_text;
	bool finished; /* in done/ or failed/ (or vanished): to be freed */
	bool vanished; /* the claimed file is no longer in work/ */
};

struct queue {
	struct job *head, *tail;
};

/* A batch of up to BATCH_MAX jobs in claim order, in the index step or
 * in delivery. */
struct round {
	uv_work_t req;
	wn_proc *p;
	struct job *jobs[BATCH_MAX];
	size_t n;
	bool durable, keep_duplicates; /* options as they were when it started */
	/* where it stopped short on an error, if it did */
	struct job *culprit;
	const char *step;
	int rc;
};

struct wn_proc {
	uv_loop_t *loop;
	wn_spool *sp;
	wn_events *ev;
	struct wn_index *index;
	struct cleaner_ref *cleaner;
	char *outdir;
	unsigned workers, max_jobs;
	bool durable, keep_duplicates;
	wn_proc_cbs cbs;
	void *ud;

	struct queue arrival, lane;
	size_t njobs;
	uint64_t inflight_bytes; /* input bytes of the jobs held */
	unsigned npreparing;
	struct round ix, dv; /* the index step and the delivery, one batch each at a time */
	bool ix_busy, dv_busy;
	wn_atomic_group *group; /* the delivery's output files, committed together */

	/* storage trouble: intake paused, the held step retried on a timer */
	uv_timer_t retry;
	bool paused, probe, lane_held, index_held;
	uint64_t backoff_ms;

	bool stopping, drained;
	wn_proc_counters counters;
};

/* ---- small helpers ---- */

static bool is_disk_full(int rc)
{
	return rc == -ENOSPC || rc == -EDQUOT;
}

/* A name for logs: valid UTF-8 (newlines become spaces in wn_log). */
static char *shown(const char *s)
{
	char *u = wn_utf8_sanitize(s, strlen(s));
	return u ? u : strdup("?");
}

static void q_push(struct queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *q_pop(struct queue *q)
{
	struct job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		j->next = NULL;
	}
	return j;
}

/* Put `front` (emptied) before the jobs of q. */
static void q_prepend(struct queue *q, struct queue *front)
{
	if (!front->head)
		return;
	front->tail->next = q->head;
	if (!q->head)
		q->tail = front->tail;
	q->head = front->head;
	front->head = front->tail = NULL;
}

static struct cleaner_ref *cref_get(struct cleaner_ref *r)
{
	r->refs++;
	return r;
}

static void cref_put(struct cleaner_ref *r)
{
	if (r && --r->refs == 0) {
		wn_cleaner_free(r->c);
		free(r);
	}
}

static void job_free(struct job *j)
{
	wn_doc_free(j->doc);
	wn_claim_clear(&j->claim);
	cref_put(j->cref);
	j->p->njobs--;
	j->p->inflight_bytes -= j->bytes;
	free(j);
}

static void job_fail(struct job *j, const char *stage, int err, const char *detail)
{
	j->failed = true;
	j->fail.stage = stage;
	j->fail.err = err;
	j->fail.detail = NULL;
	if (detail) {
		snprintf(j->detail, sizeof j->detail, "%s", detail);
		j->fail.detail = j->detail;
	}
}

static void advance(wn_proc *p);

/* ---- pausing on storage errors ---- */

static void on_retry(uv_timer_t *t)
{
	wn_proc *p = t->data;
	if (p->lane_held || p->index_held) {
		p->lane_held = p->index_held = false;
		advance(p);
	} else {
		p->probe = true; /* a claim failed: let one claim try again */
		p->cbs.room(p->ud);
	}
}

static void hold(wn_proc *p, const char *what, const char *name, int rc)
{
	char *n = shown(name);
	p->backoff_ms = p->paused ? (p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2)
				  : BACKOFF_FIRST_MS;
	if (!p->paused) {
		p->paused = true;
		if (p->cbs.paused)
			p->cbs.paused(p->ud, true);
	}
	p->probe = false;
	if (is_disk_full(rc))
		wn_warn("disk full while %s %s: %s; intake paused, retrying in %llu ms", what, n,
			wn_strerror(rc), (unsigned long long)p->backoff_ms);
	else
		wn_err("storage error while %s %s: %s; intake paused, retrying in %llu ms", what, n,
		       wn_strerror(rc), (unsigned long long)p->backoff_ms);
	free(n);
	if (!p->stopping)
		uv_timer_start(&p->retry, on_retry, p->backoff_ms, 0);
}

static void resume(wn_proc *p)
{
	if (!p->paused || p->lane_held || p->index_held)
		return;
	p->paused = p->probe = false;
	p->backoff_ms = 0;
	uv_timer_stop(&p->retry);
	wn_notice("storage writable again; intake resumed");
	if (p->cbs.paused)
		p->cbs.paused(p->ud, false);
}

/* ---- prepare: thread pool ---- */

static void prepare_work(uv_work_t *req)
{
	struct job *j = req->data;
	wn_proc *p = j->p;
	char *path = wn_spool_work_path(p->sp, &j->claim);
	char *source = wn_spool_path(p->sp, WN_SPOOL_INCOMING, j->claim.outlet, j->claim.name);
	char *buf = NULL;
	size_t len = 0, max = wn_cleaner_max_bytes(j->cref->c);
	struct stat st;
	int rc;
	if (!path || !source) {
		job_fail(j, "read", -ENOMEM, NULL);
		goto out;
	}
	/* Look before opening: links are never followed, FIFOs and devices never opened. */
	if (lstat(path, &st) < 0) {
		job_fail(j, "read", -errno, NULL);
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		job_fail(j, "read", -ELOOP, "symbolic link (never followed)");
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		job_fail(j, "read", -EISDIR, "a folder, not an article file");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		job_fail(j, "read", -EINVAL, "not a regular file (FIFO, socket or device; never opened)");
		goto out;
	}
	rc = wn_read_file(path, max, &buf, &len);
	if (rc == -WN_ETOOBIG) {
		char d[96];
		snprintf(d, sizeof d, "file exceeds the size limit (max_bytes = %zu)", max);
		job_fail(j, "read", rc, d);
		goto out;
	}
	if (rc < 0) {
		job_fail(j, "read", rc, NULL);
		goto out;
	}
	rc = wn_doc_parse(buf, len, source, j->claim.outlet, &j->doc);
	if (rc < 0) {
		job_fail(j, "decode", rc, NULL);
		goto out;
	}
	rc = wn_cleaner_prepare(j->cref->c, j->doc);
	if (rc < 0)
		job_fail(j, "clean", rc, NULL);
out:
	if (j->failed) {
		wn_doc_free(j->doc);
		j->doc = NULL;
	}
	free(buf);
	free(path);
	free(source);
}

static void prepare_done(uv_work_t *req, int status)
{
	struct job *j = req->data;
	wn_proc *p = j->p;
	p->npreparing--;
	j->state = status == UV_ECANCELED ? J_ABANDONED : J_PREPARED;
	advance(p);
	if (p->cbs.room && !p->stopping)
		p->cbs.room(p->ud);
}

/* ---- fault injection (test builds) ---- */

#ifdef WN_FAULT_INJECTION
/* Test builds only (winnowd-test). While the file named by one of these
 * variables exists, that step fails as if the disk were full: for every
 * article, or, when the file holds a name, only for the article submitted
 * under that name. $WN_FAULT_ENOSPC: writing outputs; $WN_FAULT_INDEX_ENOSPC:
 * the index step (the state store); $WN_FAULT_EVENTS_ENOSPC: the event
 * lines; $WN_FAULT_DONE_ENOSPC: the move to done/.
 * $WN_FAULT_CRASH_AT=index|outputs|events|moves kills the daemon (SIGKILL)
 * in a batch of two or more articles: after its index commit, after its
 * outputs, after its event lines, or after half of its moves.
 * $WN_FAULT_MIN_BATCH=N holds the index step until N articles are ready to be
 * indexed (or every article held is). */
static int injected_fault(const char *var, const struct job *j)
{
	const char *flag = getenv(var);
	FILE *f = flag && *flag ? fopen(flag, "r") : NULL;
	if (!f)
		return 0;
	char want[NAME_MAX + 2];
	size_t n = fread(want, 1, sizeof want - 1, f);
	fclose(f);
	while (n && want[n - 1] == '\n')
		n--;
	want[n] = '\0';
	return !n || !strcmp(want, j->claim.name) ? -ENOSPC : 0;
}

static void injected_crash(const char *point, size_t n)
{
	const char *at = getenv("WN_FAULT_CRASH_AT");
	if (at && n >= 2 && !strcmp(at, point)) {
		wn_notice("fault injection: killed after the %s of a round of %zu", point, n);
		raise(SIGKILL);
	}
}

static size_t injected_min_batch(void)
{
	const char *v = getenv("WN_FAULT_MIN_BATCH");
	return v ? strtoul(v, NULL, 10) : 0;
}
#else
static int injected_fault(const char *var, const struct job *j)
{
	(void)var;
	(void)j;
	return 0;
}

static void injected_crash(const char *point, size_t n)
{
	(void)point;
	(void)n;
}

static size_t injected_min_batch(void)
{
	return 0;
}
#endif

/* ---- the serial steps: thread pool, a batch at a time ----
 *
 * Each step works on the jobs [0, end) of a batch and may cut `end` at the
 * first job it could not take through (stop_at: an error, held and
 * retried) — the jobs before it go on to the next step, the rest wait for
 * the next batch, each resuming where it stopped. Per step, the batch pays
 * one durability barrier, in the order crash safety needs (README, "Crash
 * safety"); the index step runs for one batch while the batch before it
 * goes through the others (index_work, deliver_work):
 *   index    the new jobs in one transaction (group commit); nothing is
 *            written before it is committed
 *   outputs  every file staged and written, made durable together, renamed
 *            into place (.json before .txt), each output folder synced once
 *   events   all their lines in one write, one fdatasync
 *   moves    the originals to done/ (failures to failed/), each folder
 *            synced once
 * A crash anywhere leaves the files in work/; the next start runs them
 * again: the index re-run gives the same results, outputs are rewritten
 * with the same names and content, and lines already logged are not logged
 * again (wn_events_logged). */

static void stop_at(struct round *r, size_t *end, size_t i, const char *step, int rc)
{
	r->culprit = r->jobs[i];
	r->step = step;
	r->rc = rc;
	*end = i;
}

static void round_index(struct round *r, size_t *end)
{
	wn_proc *p = r->p;
	size_t first = 0;
	while (first < *end && r->jobs[first]->indexed)
		first++; /* left over by an earlier batch */
	if (first == *end)
		return;
	int rc = p->index ? wn_index_begin(p->index) : 0;
	size_t i = first;
	for (; rc == 0 && i < *end; i++) {
		struct job *j = r->jobs[i];
		if (j->failed)
			continue;
		rc = injected_fault("WN_FAULT_INDEX_ENOSPC", j);
		if (rc == 0)
			rc = wn_pipeline_index(j->cref->c, p->index, j->doc);
		if (rc == -EINVAL) { /* the article itself: quarantine it */
			wn_doc_free(j->doc);
			j->doc = NULL;
			job_fail(j, "index", rc, NULL);
			rc = 0;
		} else if (rc < 0) {
			/* the state store failed (full, locked, I/O): the article was
			 * rolled back there; clean it again from the file and retry */
			j->reprepare = true;
			break;
		}
	}
	size_t stop = i;
	int crc = p->index ? wn_index_commit(p->index) : 0;
	if (crc < 0) { /* nothing of the batch is stored: clean them all again */
		for (size_t k = first; k < stop; k++)
			if (!r->jobs[k]->failed)
				r->jobs[k]->reprepare = true;
		if (rc == 0) {
			rc = crc;
			i = first;
		}
		stop = first;
	}
	for (size_t k = first; k < stop; k++)
		r->jobs[k]->indexed = true;
	if (rc < 0) {
		stop_at(r, end, i, "indexing", rc);
		*end = stop;
	}
}

static bool same_outputs(const struct job *a, const struct job *b)
{
	return !strcmp(a->doc->outlet, b->doc->outlet) && !strcmp(a->doc->stem, b->doc->stem);
}

/* Of the jobs marked in `in`, job i is the first of its outlet: a folder
 * is synced once per round, for the first job that touched it. */
static bool first_of_outlet(const struct round *r, size_t i, const bool *in)
{
	for (size_t k = 0; k < i; k++)
		if (in[k] && !strcmp(r->jobs[k]->claim.outlet, r->jobs[i]->claim.outlet))
			return false;
	return true;
}

/* Sync each output folder of the jobs marked in `wrote` once; cut at the
 * first job of a folder that fails. */
static void sync_output_dirs(struct round *r, size_t *end, const bool *wrote)
{
	for (size_t i = 0; i < *end; i++) {
		if (!wrote[i] || !first_of_outlet(r, i, wrote))
			continue;
		const char *outlet = r->jobs[i]->claim.outlet;
		char dir[PATH_MAX];
		int rc = snprintf(dir, sizeof dir, "%s/%s", r->p->outdir, outlet) < (int)sizeof dir
				 ? wn_fsync_dir(dir)
				 : -ENAMETOOLONG;
		if (rc < 0) {
			stop_at(r, end, i, "writing the outputs of", rc);
			return;
		}
	}
}

static void round_outputs(struct round *r, size_t *end)
{
	wn_proc *p = r->p;
	size_t mark[BATCH_MAX]; /* where a job's files start in the group */
	bool wrote[BATCH_MAX] = {false};
	wn_atomic_group_durable(p->group, r->durable);
	for (size_t i = 0; i < *end; i++) {
		struct job *j = r->jobs[i];
		if (j->failed || j->outputs_done)
			continue;
		/* the same output names twice (the same name submitted again): the
		 * later one waits for the next batch — its staging names are the
		 * earlier one's, and it must not replace the earlier one's files
		 * before the earlier one's event line is out */
		bool clash = false;
		for (size_t k = 0; k < i && !clash; k++)
			clash = !r->jobs[k]->failed && same_outputs(r->jobs[k], j);
		if (clash) {
			*end = i;
			break;
		}
		mark[i] = wn_atomic_group_len(p->group);
		j->wrote_text = !j->doc->duplicate_of || r->keep_duplicates;
		wn_output_opts oo = {.write_text = j->wrote_text, .group = p->group};
		int rc = injected_fault("WN_FAULT_ENOSPC", j);
		if (rc == 0)
			rc = wn_output_write(p->outdir, j->doc, &oo);
		if (rc == 0) {
			wrote[i] = true;
			continue;
		}
		wn_atomic_group_discard(p->group, mark[i]);
		if (rc == -ENAMETOOLONG || rc == -EILSEQ || rc == -EINVAL) {
			/* this article's outputs cannot be named here: quarantine it.
			 * Other errors (permissions, read-only, I/O) are the storage's: retried. */
			job_fail(j, "output", rc, NULL);
			continue;
		}
		stop_at(r, end, i, "writing the outputs of", rc);
		break;
	}
	size_t done;
	int rc = wn_atomic_group_commit(p->group, &done);
	if (rc < 0) { /* cut at the job the first failed file belongs to */
		size_t k = 0;
		for (size_t i = 0; i < *end; i++)
			if (wrote[i] && mark[i] <= done)
				k = i;
		stop_at(r, end, k, "writing the outputs of", rc);
	}
	if (r->durable)
		sync_output_dirs(r, end, wrote);
	for (size_t i = 0; i < *end; i++)
		if (wrote[i])
			r->jobs[i]->outputs_done = true;
}

static void round_events(struct round *r, size_t *end)
{
	wn_proc *p = r->p;
	char *lines[BATCH_MAX];
	size_t nl = 0, first = SIZE_MAX;
	int rc = 0;
	time_t now = time(NULL);
	for (size_t i = 0; i < *end && rc == 0; i++) {
		struct job *j = r->jobs[i];
		if (j->failed || j->event_done)
			continue;
		/* after a crash between the event lines and the moves to done/,
		 * the line is there already */
		if (j->recovered && wn_events_logged(p->ev, j->claim.claim)) {
			j->event_done = true;
			continue;
		}
		if (first == SIZE_MAX)
			first = i;
		rc = injected_fault("WN_FAULT_EVENTS_ENOSPC", j);
		lines[nl] = rc ? NULL : wn_events_line(j->doc, j->claim.claim, j->claim.name, j->wrote_text, now);
		if (lines[nl])
			nl++;
		else if (rc == 0)
			rc = -ENOMEM;
	}
	if (rc == 0 && nl)
		rc = wn_events_append_lines(p->ev, lines, nl, r->durable);
	for (size_t k = 0; k < nl; k++)
		free(lines[k]);
	if (rc < 0) {
		stop_at(r, end, first, "logging the event of", rc);
		return;
	}
	for (size_t i = 0; i < *end; i++)
		r->jobs[i]->event_done = true;
}

/* True when the claimed file is no longer in work/ (someone removed it). */
static bool work_file_gone(wn_proc *p, const struct job *j)
{
	struct stat st;
	char *path = wn_spool_work_path(p->sp, &j->claim);
	bool gone = path && lstat(path, &st) < 0 && errno == ENOENT;
	free(path);
	return gone;
}

static void round_moves(struct round *r, size_t *end)
{
	wn_proc *p = r->p;
	size_t nmoved = 0;
	for (size_t i = 0; i < *end; i++) {
		struct job *j = r->jobs[i];
		int rc;
		if (j->failed) { /* rare: synced on its own */
			rc = wn_spool_quarantine(p->sp, &j->claim, &j->fail, r->durable);
			if (rc == -ENOENT && work_file_gone(p, j))
				j->vanished = true;
			else if (rc < 0) {
				stop_at(r, end, i, "quarantining", rc);
				break;
			}
			j->finished = true;
			continue;
		}
		if (j->moved)
			continue;
		rc = injected_fault("WN_FAULT_DONE_ENOSPC", j);
		if (rc == 0)
			rc = wn_spool_done(p->sp, &j->claim, false, NULL);
		if (rc == -ENOENT && work_file_gone(p, j)) {
			j->vanished = j->finished = true;
			continue;
		}
		if (rc < 0) {
			stop_at(r, end, i, "moving to done/", rc);
			break;
		}
		j->moved = true;
		if (++nmoved == (r->n + 1) / 2)
			injected_crash("moves", r->n);
	}
	bool in_done[BATCH_MAX];
	for (size_t i = 0; i < *end; i++)
		in_done[i] = r->jobs[i]->moved && !r->jobs[i]->vanished;
	for (size_t i = 0; r->durable && i < *end; i++) {
		if (!in_done[i] || !first_of_outlet(r, i, in_done))
			continue;
		int rc = wn_spool_sync_done(p->sp, r->jobs[i]->claim.outlet);
		if (rc < 0) {
			stop_at(r, end, i, "moving to done/", rc);
			break;
		}
	}
	for (size_t i = 0; i < *end; i++)
		if (r->jobs[i]->moved)
			r->jobs[i]->finished = true;
}

static double ms_since(uint64_t *t)
{
	uint64_t now = uv_hrtime();
	double ms = (double)(now - *t) / 1e6;
	*t = now;
	return ms;
}

static void index_work(uv_work_t *req)
{
	struct round *r = req->data;
	size_t end = r->n;
	uint64_t t = uv_hrtime();
	round_index(r, &end);
	wn_debug("indexed %zu of %zu in %.1f ms", end, r->n, ms_since(&t));
	injected_crash("index", end);
}

static void deliver_work(uv_work_t *req)
{
	struct round *r = req->data;
	size_t end = r->n;
	uint64_t t = uv_hrtime();
	round_outputs(r, &end);
	double outputs_ms = ms_since(&t);
	injected_crash("outputs", end);
	round_events(r, &end);
	double events_ms = ms_since(&t);
	injected_crash("events", end);
	round_moves(r, &end);
	wn_debug("delivered %zu of %zu: outputs %.1f ms, events %.1f ms, moves %.1f ms", end, r->n,
		 outputs_ms, events_ms, ms_since(&t));
}

static void log_outcome(wn_proc *p, struct job *j)
{
	char *outlet = shown(j->claim.outlet), *name = shown(j->claim.name);
	if (j->vanished) {
		wn_err("%s/%s vanished from work/ before it could be moved; nothing left to move", outlet, name);
	} else if (j->failed) {
		p->counters.failed++;
		wn_warn("quarantined %s/%s in failed/: %s: %s", outlet, name, j->fail.stage,
			j->fail.detail ? j->fail.detail : wn_strerror(j->fail.err));
	} else {
		p->counters.processed++;
		if (j->doc->duplicate_of)
			p->counters.duplicates++;
		char *stem = shown(j->doc->stem);
		double ms = (double)(uv_hrtime() - j->t0) / 1e6;
		wn_info("delivered %s/%s as %s/%s (id %s%s%s) in %.1f ms", outlet, name, outlet, stem,
			j->doc->id, j->doc->duplicate_of ? ", duplicate of " : "",
			j->doc->duplicate_of ? j->doc->duplicate_of : "", ms);
		free(stem);
	}
	free(outlet);
	free(name);
}

static void round_done(uv_work_t *req, int status)
{
	struct round *r = req->data;
	wn_proc *p = r->p;
	bool delivery = r == &p->dv;
	(void)status; /* never cancelled */
	if (delivery)
		p->dv_busy = false;
	else
		p->ix_busy = false;
	if (r->culprit) {
		if (delivery)
			p->lane_held = true;
		else
			p->index_held = true;
		hold(p, r->step, r->culprit->claim.name, r->rc);
	}
	struct queue lane = {0}, back = {0};
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = r->jobs[i];
		if (j->finished) {
			log_outcome(p, j);
			job_free(j);
		} else if (j->indexed) {
			j->state = J_LANE;
			q_push(&lane, j);
		} else {
			if (j->reprepare) {
				wn_doc_free(j->doc);
				j->doc = NULL;
				j->reprepare = false;
			}
			j->state = j->doc || j->failed ? J_PREPARED : J_CLAIMED;
			q_push(&back, j);
		}
	}
	/* claim order: what a delivery left goes before what was indexed
	 * meanwhile; what the index did not take, before what came since */
	if (delivery) {
		q_prepend(&p->lane, &lane);
	} else if (lane.head) {
		q_prepend(&lane, &p->lane);
		p->lane = lane;
	}
	q_prepend(&p->arrival, &back);
	if (!r->culprit)
		resume(p);
	advance(p);
	if (p->cbs.room && !p->stopping)
		p->cbs.room(p->ud);
}

/* Queue round r over the n jobs popped from q. */
static void queue_round(wn_proc *p, struct round *r, struct queue *q, size_t n, uv_work_cb work, bool *busy)
{
	for (size_t i = 0; i < n; i++) {
		q_pop(q);
		r->jobs[i]->state = J_ROUND;
	}
	r->p = p;
	r->req.data = r;
	r->n = n;
	r->durable = p->durable;
	r->keep_duplicates = p->keep_duplicates;
	r->culprit = NULL;
	r->step = NULL;
	r->rc = 0;
	int rc = uv_queue_work(p->loop, &r->req, work, round_done);
	if (rc < 0) { /* cannot happen with valid arguments; undo */
		wn_err("cannot queue work: %s", uv_strerror(rc));
		struct queue back = {0};
		for (size_t i = 0; i < n; i++) {
			r->jobs[i]->state = q == &p->lane ? J_LANE : J_PREPARED;
			q_push(&back, r->jobs[i]);
		}
		q_prepend(q, &back);
		return;
	}
	*busy = true;
}

/* The index step for the prepared jobs at the head of arrival: a lone
 * article at once; while a delivery runs, the next batch once half a batch
 * is ready (a delivery costs about the same for one article as for many,
 * so it should not get a small batch indexed early). The lane holds at
 * most one indexed batch waiting. */
static void start_index(wn_proc *p)
{
	if (p->ix_busy || p->index_held || p->lane.head)
		return;
	struct round *r = &p->ix;
	size_t n = 0;
	for (struct job *j = p->arrival.head; j && j->state == J_PREPARED && n < BATCH_MAX; j = j->next)
		r->jobs[n++] = j;
	if (p->dv_busy && n < BATCH_MAX / 2 && !p->stopping)
		return; /* called again as jobs are prepared and when the delivery ends */
	size_t min = injected_min_batch();
	if (n && !(min && !p->stopping && n < min && n < p->njobs))
		queue_round(p, r, &p->arrival, n, index_work, &p->ix_busy);
}

/* Delivery of the lane: what was indexed while the last delivery ran. */
static void start_delivery(wn_proc *p)
{
	if (p->dv_busy || p->lane_held || !p->lane.head)
		return;
	struct round *r = &p->dv;
	size_t n = 0;
	for (struct job *j = p->lane.head; j && n < BATCH_MAX; j = j->next)
		r->jobs[n++] = j;
	queue_round(p, r, &p->lane, n, deliver_work, &p->dv_busy);
}

/* ---- the conveyor ---- */

static void check_drained(wn_proc *p)
{
	if (!p->stopping || p->drained || p->npreparing || p->ix_busy || p->dv_busy)
		return;
	if (!p->lane_held && p->lane.head)
		return; /* still delivering what was prepared */
	if (!p->index_held && !p->lane.head && p->arrival.head && p->arrival.head->state == J_PREPARED)
		return;
	p->drained = true;
	uv_timer_stop(&p->retry);
	size_t left = p->njobs;
	struct job *j;
	while ((j = q_pop(&p->arrival)))
		job_free(j);
	while ((j = q_pop(&p->lane)))
		job_free(j);
	if (left)
		wn_notice("stopping: %zu claimed file(s) stay in work/ and are processed at next start", left);
	if (p->cbs.drained)
		p->cbs.drained(p->ud);
}

static void advance(wn_proc *p)
{
	/* prepare, up to `workers` at once */
	for (struct job *j = p->arrival.head; j && !p->stopping && p->npreparing < p->workers; j = j->next) {
		if (j->state != J_CLAIMED)
			continue;
		int rc = uv_queue_work(p->loop, &j->req, prepare_work, prepare_done);
		if (rc < 0) {
			wn_err("cannot queue work: %s", uv_strerror(rc));
			break;
		}
		j->state = J_PREPARING;
		p->npreparing++;
	}
	/* index and deliver, a batch at a time each, the one beside the other */
	start_delivery(p);
	start_index(p);
	check_drained(p);
}

/* ---- public ---- */

int wn_proc_new(uv_loop_t *loop, wn_spool *sp, wn_events *ev, wn_cleaner *cleaner,
		const wn_proc_opts *o, const wn_proc_cbs *cbs, void *ud, wn_proc **out)
{
	*out = NULL;
	wn_proc *p = calloc(1, sizeof *p);
	struct cleaner_ref *r = calloc(1, sizeof *r);
	char *outdir = strdup(o->outdir);
	wn_atomic_group *g = NULL;
	if (!p || !r || !outdir || wn_atomic_group_new(&g) < 0) {
		free(p);
		free(r);
		free(outdir);
		return -ENOMEM;
	}
	p->group = g;
	r->c = cleaner;
	r->refs = 1;
	p->loop = loop;
	p->sp = sp;
	p->ev = ev;
	p->cleaner = r;
	p->outdir = outdir;
	p->workers = o->workers ? o->workers : 1;
	/* a batch in delivery, one in the index step or waiting, and the ones being prepared */
	p->max_jobs = 2 * BATCH_MAX + 2 * p->workers;
	p->durable = o->durable;
	p->keep_duplicates = o->keep_duplicates;
	p->cbs = *cbs;
	p->ud = ud;
	uv_timer_init(loop, &p->retry);
	p->retry.data = p;
	uv_unref((uv_handle_t *)&p->retry);
	*out = p;
	return 0;
}

static void free_after_close(uv_handle_t *h)
{
	free(h->data);
}

void wn_proc_free(wn_proc *p)
{
	if (!p)
		return;
	struct job *j;
	while ((j = q_pop(&p->arrival)))
		job_free(j);
	while ((j = q_pop(&p->lane)))
		job_free(j);
	cref_put(p->cleaner);
	free(p->outdir);
	wn_atomic_group_free(p->group);
	uv_close((uv_handle_t *)&p->retry, free_after_close); /* frees p */
}

void wn_proc_set_cleaner(wn_proc *p, wn_cleaner *c)
{
	struct cleaner_ref *r = calloc(1, sizeof *r);
	if (!r) {
		wn_err("reload: out of memory; keeping the previous cleaner");
		wn_cleaner_free(c);
		return;
	}
	r->c = c;
	r->refs = 1;
	cref_put(p->cleaner);
	p->cleaner = r;
}

void wn_proc_set_index(wn_proc *p, struct wn_index *idx)
{
	p->index = idx;
}

void wn_proc_set_options(wn_proc *p, bool durable, bool keep_duplicates)
{
	/* taken by each round as it starts */
	p->durable = durable;
	p->keep_duplicates = keep_duplicates;
}

static int add_job(wn_proc *p, const wn_claim *c, bool recovered)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->p = p;
	j->req.data = j;
	j->claim = *c;
	j->recovered = recovered;
	j->t0 = uv_hrtime();
	j->cref = cref_get(p->cleaner);
	j->state = J_CLAIMED;
	struct stat st;
	char *path = wn_spool_work_path(p->sp, &j->claim);
	if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		j->bytes = (uint64_t)st.st_size;
	free(path);
	p->njobs++;
	p->inflight_bytes += j->bytes;
	q_push(&p->arrival, j);
	return 0;
}

int wn_proc_recover(wn_proc *p)
{
	wn_claim *claims;
	size_t n;
	int rc = wn_spool_recover(p->sp, &claims, &n);
	if (rc < 0)
		return rc;
	size_t i;
	for (i = 0; i < n && rc == 0; i++)
		rc = add_job(p, &claims[i], true);
	if (rc == 0) {
		free(claims); /* the claims' strings now belong to the jobs */
		p->counters.recovered += n;
		advance(p);
		return (int)n;
	}
	/* out of memory: the added jobs own claims[0..i-2]; the rest are freed */
	for (size_t k = i - 1; k < n; k++)
		wn_claim_clear(&claims[k]);
	free(claims);
	return rc;
}

bool wn_proc_has_room(const wn_proc *p)
{
	if (p->stopping || p->njobs >= p->max_jobs)
		return false;
	/* A document takes tens of times its size in memory while it is
	 * cleaned (a file of one-letter lines: about 60 times), so the inputs
	 * held at once are bounded too: no new claim while they add up to the
	 * size limit. One file of any size can always be taken. */
	if (p->njobs && p->inflight_bytes >= wn_cleaner_max_bytes(p->cleaner->c))
		return false;
	return !p->paused || (p->probe && !p->lane_held && !p->index_held);
}

int wn_proc_take(wn_proc *p, const char *outlet, const char *name)
{
	wn_claim c;
	int rc = wn_spool_claim(p->sp, outlet, name, &c);
	if (rc == -EINVAL && wn_outlet_valid(outlet) && name[0] != '.') {
		/* the spool cannot take this name (too long for work/): quarantine as is */
		wn_failure f = {.stage = "claim", .err = -ENAMETOOLONG,
				.detail = "file name too long to claim (at most 238 bytes)"};
		rc = wn_spool_quarantine_incoming(p->sp, outlet, name, &f, p->durable);
		if (rc == 0) {
			char *n = shown(name);
			p->counters.failed++;
			wn_warn("quarantined %s/%s in failed/: claim: %s", outlet, n, f.detail);
			free(n);
		}
		return rc;
	}
	if (rc < 0) {
		if (rc != -ENOENT && !p->stopping)
			hold(p, "claiming", name, rc);
		return rc;
	}
	rc = add_job(p, &c, false);
	if (rc < 0) {
		wn_claim_clear(&c); /* stays in work/: taken up at next start */
		return rc;
	}
	resume(p);
	advance(p);
	return 0;
}

void wn_proc_stop(wn_proc *p)
{
	if (p->stopping)
		return;
	p->stopping = true;
	uv_timer_stop(&p->retry);
	/* Not yet started: leave for the next start. Indexing stops at the first
	 * abandoned job, which keeps claim order for the next run. */
	for (struct job *j = p->arrival.head; j; j = j->next) {
		if (j->state == J_CLAIMED)
			j->state = J_ABANDONED;
		else if (j->state == J_PREPARING)
			uv_cancel((uv_req_t *)&j->req); /* only if it has not started */
	}
	advance(p);
}

size_t wn_proc_in_flight(const wn_proc *p)
{
	return p->njobs;
}

bool wn_proc_paused(const wn_proc *p)
{
	return p->paused;
}

const wn_proc_counters *wn_proc_get_counters(const wn_proc *p)
{
	return &p->counters;
}
