/* normfp.c — CPU time of the dedup text functions alone.
 *
 *   normfp [--rounds N] FILE...
 *
 * Parses and prepares every file as `winnow clean` does and keeps its body
 * (not timed), then times N rounds (default 5) of, per body:
 *   norm      wn_norm_words on the body
 *   fp        wn_fp_body on those words
 *   quotes    wn_quotes_find on the body
 *   qgrams    wn_norm_words + wn_fp_quote_grams on each quote's text
 * Prints one JSON object: CPU seconds of each in its fastest round (the
 * machine may be shared: the minimum is the least disturbed), and a checksum of
 * every result (words, signatures, grams) so two builds can be compared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup/fingerprint.h"
#include "dedup/normalise.h"
#include "dedup/quotes.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/pipeline.h"
#include "lib/text.h"

enum { NORM, FP, QUOTES, QGRAMS, NPARTS };
static const char *const part_names[NPARTS] = {"norm", "fp", "quotes", "qgrams"};

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* FNV-1a over bytes: a checksum of results, not a hash for tables. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001B3ull;
	return h;
}

struct body {
	char *s;
	size_t len;
};

static int load(char **paths, size_t n, struct body *out, size_t *bytes)
{
	char err[512] = "";
	wn_cleaner_config ccfg = {0};
	wn_cleaner *cl;
	if (wn_cleaner_new(&ccfg, &cl, err, sizeof err) < 0) {
		fprintf(stderr, "normfp: %s\n", err);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		char *buf;
		size_t len;
		wn_doc *doc;
		int rc = wn_read_file(paths[k], WN_DEFAULT_MAX_BYTES, &buf, &len);
		if (rc == 0) {
			rc = wn_doc_parse(buf, len, paths[k], "bench", &doc);
			free(buf);
		}
		if (rc == 0) {
			rc = wn_cleaner_prepare(cl, doc);
			out[k].s = rc == 0 ? wn_doc_body(doc, &out[k].len) : NULL;
			wn_doc_free(doc);
		}
		if (rc < 0 || !out[k].s) {
			fprintf(stderr, "normfp: %s: %s\n", paths[k], wn_strerror(rc < 0 ? rc : -ENOMEM));
			wn_cleaner_free(cl);
			return -1;
		}
		*bytes += out[k].len;
	}
	wn_cleaner_free(cl);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = 5, i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
		rounds = atoi(argv[i + 1]), i += 2;
	if (i >= argc || rounds < 1) {
		fprintf(stderr, "usage: normfp [--rounds N] FILE...\n");
		return 2;
	}
	size_t n = (size_t)(argc - i), bytes = 0;
	struct body *b = calloc(n, sizeof *b);
	if (!b || load(argv + i, n, b, &bytes) < 0)
		return 1;
	double best[NPARTS];
	for (int p = 0; p < NPARTS; p++)
		best[p] = 1e30;
	uint64_t sum = 0xCBF29CE484222325ull;
	size_t words = 0, quotes = 0;
	for (int r = 0; r < rounds; r++) {
		double t[NPARTS] = {0};
		for (size_t k = 0; k < n; k++) {
			double t0 = cpu_now();
			wn_words w;
			if (wn_norm_words(b[k].s, b[k].len, &w) < 0)
				return 1;
			double t1 = cpu_now();
			wn_body_sig sig;
			if (wn_fp_body(&w, &sig) < 0)
				return 1;
			double t2 = cpu_now();
			wn_quote_span *spans;
			size_t ns;
			if (wn_quotes_find(b[k].s, b[k].len, &spans, &ns) < 0)
				return 1;
			double t3 = cpu_now();
			for (size_t q = 0; q < ns; q++) {
				wn_words qw;
				uint64_t *grams;
				size_t ng;
				const char *qs = b[k].s + spans[q].start;
				if (wn_norm_words(qs, spans[q].end - spans[q].start, &qw) < 0 ||
				    wn_fp_quote_grams(&qw, &grams, &ng) < 0)
					return 1;
				if (r == 0)
					sum = mix(sum, grams, ng * sizeof *grams);
				free(grams);
				wn_words_free(&qw);
			}
			double t4 = cpu_now();
			t[NORM] += t1 - t0;
			t[FP] += t2 - t1;
			t[QUOTES] += t3 - t2;
			t[QGRAMS] += t4 - t3;
			if (r == 0) {
				sum = mix(sum, w.hash, w.n * sizeof *w.hash);
				sum = mix(sum, w.content, w.n * sizeof *w.content);
				sum = mix(sum, &sig, sizeof sig);
				sum = mix(sum, spans, ns * sizeof *spans);
				words += w.n;
				quotes += ns;
			}
			free(spans);
			wn_words_free(&w);
		}
		for (int p = 0; p < NPARTS; p++)
			best[p] = t[p] < best[p] ? t[p] : best[p];
	}
	printf("{\"bodies\": %zu, \"bytes\": %zu, \"words\": %zu, \"quotes\": %zu, \"rounds\": %d", n,
	       bytes, words, quotes, rounds);
	for (int p = 0; p < NPARTS; p++)
		printf(", \"%s_s\": %.4f", part_names[p], best[p]);
	printf(", \"checksum\": \"%016llx\"}\n", (unsigned long long)sum);
	for (size_t k = 0; k < n; k++)
		free(b[k].s);
	free(b);
	return 0;
}
