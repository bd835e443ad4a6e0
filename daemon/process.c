/* process.c — see process.h.
 *
 * Jobs live in two FIFOs, both in claim order: `arrival` (claimed, being
 * prepared, prepared) and `lane` (indexed, waiting for or in delivery).
 * The index step moves the head of arrival to the tail of lane, only when
 * that head is prepared, which is what keeps indexing in claim order while
 * preparing runs in parallel. Everything but the two work callbacks runs on
 * the loop thread; a job is touched by one thread at a time (libuv orders
 * the work callback before its after-callback).
 */
#include "daemon/process.h"
#include "lib/fsio.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

struct cleaner_ref {
	wn_cleaner *c;
	unsigned refs;
};

enum job_state {
	J_CLAIMED,   /* waiting for a prepare slot */
	J_PREPARING, /* on the thread pool */
	J_PREPARED,  /* waiting for its turn to be indexed */
	J_ABANDONED, /* stopping: left in work/ for the next start */
	J_LANE,      /* indexed, waiting for delivery */
	J_DELIVERING,
};

struct job {
	uv_work_t req;
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
	/* delivery progress, so a retry resumes where it stopped */
	bool outputs_done, event_done, wrote_text;
	bool durable, keep_duplicates; /* options as they were when delivery started */
	bool vanished;    /* the claimed file is no longer in work/ */
	int rc;           /* result of the last delivery attempt */
	const char *step; /* what that attempt was doing */
};

struct queue {
	struct job *head, *tail;
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
	bool delivering;

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

/* ---- deliver: thread pool, one at a time ---- */

#ifdef WN_FAULT_INJECTION
/* Test builds only (winnowd-test): while the file named by the variable
 * exists, that step fails as if the disk were full. $WN_FAULT_ENOSPC: writing
 * outputs; $WN_FAULT_INDEX_ENOSPC: the index step (the state store). */
static int injected_fault(const char *var)
{
	const char *flag = getenv(var);
	return flag && *flag && access(flag, F_OK) == 0 ? -ENOSPC : 0;
}
#else
static int injected_fault(const char *var)
{
	(void)var;
	return 0;
}
#endif

static void deliver_work(uv_work_t *req)
{
	struct job *j = req->data;
	wn_proc *p = j->p;
	if (j->failed) {
		j->step = "quarantining";
		j->rc = wn_spool_quarantine(p->sp, &j->claim, &j->fail, j->durable);
		goto check_vanished;
	}
	if (!j->outputs_done) {
		j->step = "writing the outputs of";
		j->wrote_text = !j->doc->duplicate_of || j->keep_duplicates;
		wn_output_opts oo = {.durable = j->durable, .write_text = j->wrote_text};
		j->rc = injected_fault("WN_FAULT_ENOSPC");
		if (j->rc == 0)
			j->rc = wn_output_write(p->outdir, j->doc, &oo);
		if (j->rc < 0)
			return;
		j->outputs_done = true;
	}
	if (!j->event_done) {
		j->step = "logging the event of";
		/* after a crash between the event and the move to done/, the line is there already */
		if (!(j->recovered && wn_events_logged_last(p->ev, j->claim.claim))) {
			char *line = wn_events_line(j->doc, j->claim.claim, j->claim.name, j->wrote_text,
						    time(NULL));
			j->rc = line ? wn_events_append(p->ev, line, j->durable) : -ENOMEM;
			free(line);
			if (j->rc < 0)
				return;
		}
		j->event_done = true;
	}
	j->step = "moving to done/";
	j->rc = wn_spool_done(p->sp, &j->claim, j->durable, NULL);
check_vanished:
	if (j->rc == -ENOENT) {
		struct stat st;
		char *path = wn_spool_work_path(p->sp, &j->claim);
		j->vanished = path && lstat(path, &st) < 0 && errno == ENOENT;
		free(path);
	}
}

static void log_outcome(wn_proc *p, struct job *j)
{
	char *outlet = shown(j->claim.outlet), *name = shown(j->claim.name);
	if (j->failed) {
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

static void deliver_done(uv_work_t *req, int status)
{
	struct job *j = req->data;
	wn_proc *p = j->p;
	p->delivering = false;
	j->state = J_LANE;
	if (status == UV_ECANCELED) {
		/* never started (stopping): it stays in work/ */
		p->lane_held = true;
	} else if (j->rc == 0) {
		q_pop(&p->lane);
		log_outcome(p, j);
		job_free(j);
		resume(p);
	} else if (j->vanished) {
		/* the claimed file was removed from work/ by someone else */
		char *n = shown(j->claim.name);
		wn_err("%s/%s vanished from work/ before it could be moved; nothing left to move", j->claim.outlet, n);
		free(n);
		q_pop(&p->lane);
		job_free(j);
	} else if (!j->failed && !j->outputs_done &&
		   (j->rc == -ENAMETOOLONG || j->rc == -EILSEQ || j->rc == -EINVAL)) {
		/* this article's outputs cannot be named here: quarantine it. Other
		 * errors (permissions, read-only, I/O) are the storage's: retried. */
		job_fail(j, "output", j->rc, NULL);
	} else {
		p->lane_held = true;
		hold(p, j->step, j->claim.name, j->rc);
	}
	advance(p);
	if (p->cbs.room && !p->stopping)
		p->cbs.room(p->ud);
}

/* ---- the conveyor ---- */

static void check_drained(wn_proc *p)
{
	if (!p->stopping || p->drained || p->npreparing || p->delivering)
		return;
	if (p->lane.head && !p->lane_held)
		return; /* still delivering what was prepared */
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
	/* index, in claim order */
	while (!p->index_held && p->arrival.head && p->arrival.head->state == J_PREPARED) {
		struct job *j = p->arrival.head;
		if (!j->failed) {
			int rc = injected_fault("WN_FAULT_INDEX_ENOSPC");
			if (rc == 0)
				rc = wn_pipeline_index(j->cref->c, p->index, j->doc);
			if (rc < 0 && rc != -EINVAL) {
				/* the state store failed (full, locked, I/O): the article was
				 * rolled back there; clean it again from the file and retry */
				wn_doc_free(j->doc);
				j->doc = NULL;
				j->state = J_CLAIMED;
				p->index_held = true;
				hold(p, "indexing", j->claim.name, rc);
				break;
			}
			if (rc < 0) {
				wn_doc_free(j->doc);
				j->doc = NULL;
				job_fail(j, "index", rc, NULL);
			}
		}
		q_pop(&p->arrival);
		j->state = J_LANE;
		q_push(&p->lane, j);
		resume(p);
	}
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
	/* deliver, one at a time */
	if (!p->delivering && !p->lane_held && p->lane.head) {
		struct job *j = p->lane.head;
		j->durable = p->durable;
		j->keep_duplicates = p->keep_duplicates;
		int rc = uv_queue_work(p->loop, &j->req, deliver_work, deliver_done);
		if (rc == 0) {
			j->state = J_DELIVERING;
			p->delivering = true;
		} else {
			wn_err("cannot queue work: %s", uv_strerror(rc));
		}
	}
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
	if (!p || !r || !outdir) {
		free(p);
		free(r);
		free(outdir);
		return -ENOMEM;
	}
	r->c = cleaner;
	r->refs = 1;
	p->loop = loop;
	p->sp = sp;
	p->ev = ev;
	p->cleaner = r;
	p->outdir = outdir;
	p->workers = o->workers ? o->workers : 1;
	p->max_jobs = 2 * p->workers + 2;
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
	/* copied into each job as its delivery starts */
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
