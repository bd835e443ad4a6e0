/* phases.c — where the time of `winnow clean` goes, phase by phase.
 *
 *   phases [--state FILE] [--no-heuristics] FILE...
 *
 * Reads every file into memory first (not timed), then cleans them in the
 * order given exactly as `winnow clean` does (one cleaner, one index —
 * in memory unless --state — committed in batches of 64), timing each
 * phase with CLOCK_THREAD_CPUTIME_ID:
 *   parse    wn_doc_parse (decoder, lines, blocks)
 *   prepare  wn_cleaner_prepare (whitespace, rules, heuristics, repeated)
 *   index    wn_pipeline_index (learned chrome, metadata, quotes, dedup,
 *            state store) and the batch commits
 *   output   wn_doc_body, the JSON record and its text (nothing written)
 * Prints one JSON object: per phase CPU seconds and MB/s of input, plus
 * the totals. The outlet of a file is the name of its folder.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup/index.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/output.h"
#include "lib/pipeline.h"
#include "lib/text.h"

enum { PARSE, PREPARE, INDEX, OUTPUT, NPHASES };
static const char *const phase_names[NPHASES] = {"parse", "prepare", "index", "output"};

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The outlet of a path: its folder's name ("unknown" when not valid). */
static void outlet_of(const char *path, char *out, size_t n)
{
	const char *end = strrchr(path, '/');
	const char *start = end;
	while (start && start > path && start[-1] != '/')
		start--;
	size_t len = end && start ? (size_t)(end - start) : 0;
	snprintf(out, n, "%.*s", (int)len, start ? start : "");
	if (!wn_outlet_valid(out))
		snprintf(out, n, "unknown");
}

struct input {
	const char *path;
	char *buf;
	size_t len;
};

int main(int argc, char **argv)
{
	wn_cleaner_config ccfg = {0};
	wn_index_config icfg = {.chrome_min_docs = WN_CHROME_MIN_DOCS,
				.retention_days = WN_RETENTION_DAYS};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--state") && i + 1 < argc)
			icfg.path = argv[++i];
		else if (!strcmp(argv[i], "--no-heuristics"))
			ccfg.no_heuristics = true;
		else {
			fprintf(stderr, "usage: phases [--state FILE] [--no-heuristics] FILE...\n");
			return 2;
		}
	}
	size_t n = (size_t)(argc - i);
	struct input *in = calloc(n ? n : 1, sizeof *in);
	if (!in)
		return 1;
	size_t bytes = 0;
	for (size_t k = 0; k < n; k++) {
		in[k].path = argv[i + (int)k];
		int rc = wn_read_file(in[k].path, WN_DEFAULT_MAX_BYTES, &in[k].buf, &in[k].len);
		if (rc < 0) {
			fprintf(stderr, "phases: %s: %s\n", in[k].path, wn_strerror(rc));
			return 1;
		}
		bytes += in[k].len;
	}

	char err[512] = "";
	wn_cleaner *cl;
	wn_index *idx;
	if (wn_cleaner_new(&ccfg, &cl, err, sizeof err) < 0 ||
	    wn_index_open(&icfg, &idx, err, sizeof err) < 0 || wn_index_begin(idx) < 0) {
		fprintf(stderr, "phases: %s\n", err);
		return 1;
	}
	double t[NPHASES] = {0};
	size_t failed = 0;
	for (size_t k = 0; k < n; k++) {
		char outlet[256];
		outlet_of(in[k].path, outlet, sizeof outlet);
		wn_doc *doc;
		double t0 = cpu_now();
		int rc = wn_doc_parse(in[k].buf, in[k].len, in[k].path, outlet, &doc);
		double t1 = cpu_now();
		t[PARSE] += t1 - t0;
		if (rc < 0) {
			failed++;
			continue;
		}
		rc = wn_cleaner_prepare(cl, doc);
		double t2 = cpu_now();
		t[PREPARE] += t2 - t1;
		if (rc == 0)
			rc = wn_pipeline_index(cl, idx, doc);
		if (rc == 0 && k % 64 == 63 && (rc = wn_index_commit(idx)) == 0)
			rc = wn_index_begin(idx);
		double t3 = cpu_now();
		t[INDEX] += t3 - t2;
		if (rc == 0) {
			size_t blen;
			char *body = wn_doc_body(doc, &blen);
			char *json = NULL;
			size_t jlen;
			rc = body ? wn_output_json(doc, &json, &jlen) : -ENOMEM;
			free(json);
			free(body);
		}
		t[OUTPUT] += cpu_now() - t3;
		failed += rc < 0;
		wn_doc_free(doc);
	}
	double t0 = cpu_now();
	int rc = wn_index_close(idx);
	t[INDEX] += cpu_now() - t0;
	wn_cleaner_free(cl);

	double total = 0;
	printf("{\"articles\": %zu, \"bytes\": %zu, \"failed\": %zu", n, bytes, failed);
	for (int p = 0; p < NPHASES; p++) {
		total += t[p];
		printf(", \"%s_s\": %.4f, \"%s_mb_per_s\": %.1f", phase_names[p], t[p], phase_names[p],
		       t[p] > 0 ? (double)bytes / t[p] / 1e6 : 0.0);
	}
	printf(", \"total_s\": %.4f, \"total_mb_per_s\": %.1f}\n", total,
	       total > 0 ? (double)bytes / total / 1e6 : 0.0);
	for (size_t k = 0; k < n; k++)
		free(in[k].buf);
	free(in);
	return rc < 0 || failed ? 1 : 0;
}
