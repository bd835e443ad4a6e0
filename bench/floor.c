/* floor.c — the spool floor: what winnowd's file handling costs with no
 * cleaning at all, to set the daemon's end-to-end figure against.
 *
 *   floor [--no-fsync] SPOOL OUT
 *
 * For every file in SPOOL/incoming/<outlet>/ (one pass, in directory order,
 * one thread), the same steps the daemon takes for an article:
 *   1. claim: rename into SPOOL/work/<outlet>/
 *   2. read it (wn_read_file: O_NOFOLLOW, bounded)
 *   3. write two outputs, OUT/<outlet>/<stem>.json then <stem>.txt, each to a
 *      staging name, fsync'd, renamed into place (wn_write_atomic)
 *   4. fsync the output folder
 *   5. move the original to SPOOL/done/<outlet>/
 * The .txt is the input as is; the .json a small record of the same shape
 * as the daemon's. Prints "floor: N files, B bytes, S s" on stdout.
 * Exit status 0, or 1 when some file could not be moved through.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/pipeline.h"
#include "lib/text.h"

struct floor_run {
	const char *spool, *out;
	bool durable;
	size_t files, bytes, failed;
};

static int join3(char *buf, size_t n, const char *a, const char *b, const char *c)
{
	int w = c ? snprintf(buf, n, "%s/%s/%s", a, b, c) : snprintf(buf, n, "%s/%s", a, b);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* Steps 1-5 for one file of one outlet. */
static int move_through(struct floor_run *r, const char *outlet, const char *name)
{
	char in[PATH_MAX], work_dir[PATH_MAX], work[PATH_MAX], done_dir[PATH_MAX], done[PATH_MAX],
		out_dir[PATH_MAX], spool_work[PATH_MAX], spool_done[PATH_MAX], spool_in[PATH_MAX];
	if (join3(spool_in, sizeof spool_in, r->spool, "incoming", outlet) ||
	    join3(spool_work, sizeof spool_work, r->spool, "work", NULL) ||
	    join3(spool_done, sizeof spool_done, r->spool, "done", NULL) ||
	    join3(in, sizeof in, spool_in, name, NULL) ||
	    join3(work_dir, sizeof work_dir, spool_work, outlet, NULL) ||
	    join3(work, sizeof work, work_dir, name, NULL) ||
	    join3(done_dir, sizeof done_dir, spool_done, outlet, NULL) ||
	    join3(done, sizeof done, done_dir, name, NULL) ||
	    join3(out_dir, sizeof out_dir, r->out, outlet, NULL))
		return -ENAMETOOLONG;

	int rc = wn_mkdir_p(work_dir, 0755);
	if (rc == 0 && rename(in, work) < 0)
		rc = -errno;
	if (rc < 0)
		return rc;

	char *buf = NULL;
	size_t len = 0;
	rc = wn_read_file(work, WN_DEFAULT_MAX_BYTES, &buf, &len);
	if (rc < 0)
		return rc;

	char stem[NAME_MAX + 1], id[WN_ID_LEN + 1], json[2048], fname[NAME_MAX + 1], esc[1024];
	const char *dot = strrchr(name, '.');
	size_t sn = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	snprintf(stem, sizeof stem, "%.*s", (int)sn, name);
	wn_article_id(outlet, stem, id);
	/* the outlet as a JSON string: escape quotes, backslashes and controls */
	size_t e = 0;
	for (const unsigned char *c = (const unsigned char *)outlet; *c && e + 7 < sizeof esc; c++) {
		if (*c == '"' || *c == '\\')
			e += (size_t)snprintf(esc + e, 3, "\\%c", *c);
		else if (*c < 0x20)
			e += (size_t)snprintf(esc + e, 7, "\\u%04x", *c);
		else
			esc[e++] = (char)*c;
	}
	esc[e] = '\0';
	int jn = snprintf(json, sizeof json,
			  "{\n  \"id\": \"%s\",\n  \"outlet\": \"%s\",\n  \"duplicate_of\": null,\n"
			  "  \"removed\": [],\n  \"quotes\": [],\n  \"stats\": {\"bytes_in\": %zu}\n}\n",
			  id, esc, len);
	rc = wn_mkdir_p(out_dir, 0755);
	if (rc == 0 && snprintf(fname, sizeof fname, "%s.json", stem) < (int)sizeof fname)
		rc = wn_write_atomic(out_dir, fname, json, (size_t)jn, r->durable);
	if (rc == 0 && snprintf(fname, sizeof fname, "%s.txt", stem) < (int)sizeof fname)
		rc = wn_write_atomic(out_dir, fname, buf, len, r->durable);
	if (rc == 0 && r->durable)
		rc = wn_fsync_dir(out_dir);
	free(buf);
	if (rc < 0)
		return rc;

	rc = wn_mkdir_p(done_dir, 0755);
	if (rc == 0 && rename(work, done) < 0)
		rc = -errno;
	if (rc == 0) {
		r->files++;
		r->bytes += len;
	}
	return rc;
}

static int run_outlet(struct floor_run *r, const char *outlet)
{
	char dir[PATH_MAX];
	if (join3(dir, sizeof dir, r->spool, "incoming", outlet))
		return -ENAMETOOLONG;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int rc = move_through(r, outlet, e->d_name);
		if (rc < 0) {
			fprintf(stderr, "floor: %s/%s: %s\n", outlet, e->d_name, wn_strerror(rc));
			r->failed++;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_run r = {.durable = true};
	int i = 1;
	if (i < argc && !strcmp(argv[i], "--no-fsync")) {
		r.durable = false;
		i++;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: floor [--no-fsync] SPOOL OUT\n");
		return 2;
	}
	r.spool = argv[i];
	r.out = argv[i + 1];

	char incoming[PATH_MAX];
	if (join3(incoming, sizeof incoming, r.spool, "incoming", NULL))
		return 2;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	DIR *d = opendir(incoming);
	if (!d) {
		fprintf(stderr, "floor: %s: %s\n", incoming, strerror(errno));
		return 1;
	}
	/* Outlet folders first, then their files: the names are read before
	 * anything is renamed out of a folder being listed. */
	char **outlets = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type == DT_REG)
			continue;
		char **grown = realloc(outlets, (n + 1) * sizeof *outlets);
		if (!grown || !(grown[n] = strdup(e->d_name))) {
			fprintf(stderr, "floor: out of memory\n");
			return 1;
		}
		outlets = grown;
		n++;
	}
	closedir(d);
	for (size_t k = 0; k < n; k++) {
		int rc = run_outlet(&r, outlets[k]);
		if (rc < 0 && rc != -ENOTDIR) {
			fprintf(stderr, "floor: %s: %s\n", outlets[k], wn_strerror(rc));
			r.failed++;
		}
		free(outlets[k]);
	}
	free(outlets);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("floor: %zu files, %zu bytes, %.3f s%s\n", r.files, r.bytes, s,
	       r.durable ? "" : " (no fsync)");
	return r.failed ? 1 : 0;
}
