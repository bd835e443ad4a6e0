/* index_load.c — fill a state store with N synthetic articles, or time
 * opening one.
 *
 *   index_load --articles N [--outlets M] [--seed S] STATE
 *   index_load --open-only STATE
 *
 * Load: N short articles (~1.2 KB: a headline, a byline, five paragraphs of
 * random words from a large made-up vocabulary, one quote of their own and
 * sometimes one from a shared pool, the outlet's header and footer lines;
 * 5% are copies of a recent article of another outlet with a cut ending)
 * go through whitespace and wn_pipeline_index — learned chrome, metadata,
 * quotes, near-duplicates, the store — committed 1000 per transaction, as
 * the daemon's group commit would. Rules and heuristics are skipped: they
 * do not touch the store. Prints one JSON line: articles, load_s,
 * articles_per_s, base_rss_kib (after opening the empty store),
 * peak_rss_kib, rss_per_article (bytes above the base), store_bytes,
 * store_per_article, duplicates, repeated_quotes.
 *
 * Open only: times wn_index_open on an existing store and one new article
 * through the index (what a daemon does before it is ready), then closing
 * it (which saves the index snapshot, `STATE-index`, when memory changed),
 * and prints open_s, first_article_s, ready_s (the two), close_s,
 * peak_rss_kib and rss_kib (after the first article).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dedup/index.h"
#include "filters/filter.h"
#include "lib/doc.h"
#include "lib/pipeline.h"
#include "lib/text.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned below(unsigned n) { return (unsigned)(rnd() % n); }

/* Words of two to four syllables: ~ 40^3 distinct, so unrelated articles
 * share almost no run of words, as real ones do. */
static const char *const syl[] = {
	"ba", "ko", "ri", "sen", "tal", "mer", "du", "vin", "lo", "pra", "ste", "gor", "ni", "ham",
	"wel", "cas", "tor", "fen", "lu", "dra", "mi", "sor", "pe", "bel", "qua", "rin", "to", "zel",
	"ha", "mon", "ver", "gal", "shi", "brun", "ta", "lis", "kor", "nem", "ost", "pal",
};

typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			fprintf(stderr, "index_load: out of memory\n");
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void word(sbuf *b, bool cap)
{
	unsigned n = 2 + below(3);
	size_t at = b->len;
	for (unsigned i = 0; i < n; i++)
		puts_(b, syl[below(sizeof syl / sizeof syl[0])]);
	if (cap)
		b->p[at] = (char)(b->p[at] - 'a' + 'A');
}

static void sentence(sbuf *b, unsigned words)
{
	for (unsigned i = 0; i < words; i++) {
		if (i)
			puts_(b, " ");
		word(b, i == 0);
	}
	puts_(b, ".");
}

#define QUOTE_POOL 10000
static char *quote_pool[QUOTE_POOL];

static const char *shared_quote(void)
{
	unsigned i = below(QUOTE_POOL);
	if (!quote_pool[i]) {
		sbuf q = {0};
		sentence(&q, 10 + below(8));
		quote_pool[i] = q.p;
	}
	return quote_pool[i];
}

/* The body paragraphs of one article (kept for syndication). */
static char *make_body(void)
{
	sbuf b = {0};
	for (int p = 0; p < 5; p++) {
		for (int s = 0; s < 3; s++) {
			if (s)
				puts_(&b, " ");
			sentence(&b, 8 + below(8));
		}
		puts_(&b, "\n\n");
		if (p == 1) {
			puts_(&b, "\"");
			sbuf q = {0};
			sentence(&q, 9 + below(8));
			puts_(&b, q.p);
			free(q.p);
			puts_(&b, "\" said Hal Ames.\n\n");
		}
		if (p == 3 && below(10) < 3) {
			puts_(&b, "\"");
			puts_(&b, shared_quote());
			puts_(&b, "\" the minister said.\n\n");
		}
	}
	return b.p;
}

static void page(sbuf *out, unsigned outlet, const char *body, unsigned long k, bool cut)
{
	char line[256];
	out->len = 0;
	snprintf(line, sizeof line, "Outlet %u News | Sport | Weather | Sign in\nThe Outlet %u Daily\n\n",
		 outlet, outlet);
	puts_(out, line);
	snprintf(line, sizeof line, "Headline Number %lu About ", k);
	puts_(out, line);
	word(out, true);
	puts_(out, "\n\nBy Ana Lind | March 3, 2025\n\n");
	size_t n = strlen(body);
	if (cut) { /* a syndicated copy ends a paragraph or two early */
		const char *p = body + n;
		for (int cuts = 0; cuts < 3 && p > body; cuts++)
			while (--p > body && !(p[0] == '\n' && p[-1] == '\n'))
				;
		n = (size_t)(p - body);
	}
	put(out, body, n);
	snprintf(line, sizeof line, "\n\nSign up for the Outlet %u newsletter\n(c) 2025 Outlet %u Media\n",
		 outlet, outlet);
	puts_(out, line);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * 4;
}

static int one(const wn_cleaner *cl, wn_index *idx, const char *text, size_t len, unsigned outlet,
	       unsigned long k)
{
	char source[64], name[32];
	snprintf(source, sizeof source, "load/outlet-%u/a%lu.txt", outlet, k);
	snprintf(name, sizeof name, "outlet-%u", outlet);
	wn_doc *doc;
	int rc = wn_doc_parse(text, len, source, name, &doc);
	if (rc == 0)
		rc = wn_filter_whitespace(doc, NULL);
	if (rc == 0)
		rc = wn_pipeline_index(cl, idx, doc);
	wn_doc_free(doc);
	return rc;
}

static int fail(const char *what, int rc, const char *err)
{
	fprintf(stderr, "index_load: %s: %s\n", what, err && err[0] ? err : wn_strerror(rc));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	unsigned outlets = 100;
	bool open_only = false;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--articles") && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--outlets") && i + 1 < argc)
			outlets = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng_state ^= strtoull(argv[++i], NULL, 10) * 0x9E3779B97F4A7C15ull;
		else if (!strcmp(argv[i], "--open-only"))
			open_only = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path || (!open_only && n == 0) || outlets == 0) {
		fprintf(stderr, "usage: index_load --articles N [--outlets M] [--seed S] STATE\n"
				"       index_load --open-only STATE\n");
		return 2;
	}
	char err[512] = "";
	wn_cleaner_config ccfg = {0};
	wn_cleaner *cl;
	int rc = wn_cleaner_new(&ccfg, &cl, err, sizeof err);
	if (rc < 0)
		return fail("cleaner", rc, err);
	wn_index_config icfg = {.path = path, .chrome_min_docs = WN_CHROME_MIN_DOCS,
				.retention_days = WN_RETENTION_DAYS};
	wn_index *idx;
	sbuf text = {0};

	if (open_only) {
		rng_state ^= (uint64_t)time(NULL); /* a new article each time */
		char *body = make_body();
		page(&text, 0, body, 0, false);
		free(body);
		double t0 = now();
		rc = wn_index_open(&icfg, &idx, err, sizeof err);
		if (rc < 0)
			return fail(path, rc, err);
		double t1 = now();
		rc = one(cl, idx, text.p, text.len, 0, (unsigned long)(rnd() % 1000000000));
		double t2 = now();
		long rss = rss_kib();
		if (rc == 0)
			rc = wn_index_close(idx);
		else
			wn_index_close(idx);
		if (rc < 0)
			return fail("first article", rc, NULL);
		double t3 = now();
		printf("{\"open_s\": %.4f, \"first_article_s\": %.4f, \"ready_s\": %.4f, \"close_s\": %.4f, "
		       "\"peak_rss_kib\": %ld, \"rss_kib\": %ld}\n",
		       t1 - t0, t2 - t1, t2 - t0, t3 - t2, peak_rss_kib(), rss);
		free(text.p);
		wn_cleaner_free(cl);
		return 0;
	}

	rc = wn_index_open(&icfg, &idx, err, sizeof err);
	if (rc < 0)
		return fail(path, rc, err);
	long base = rss_kib();
	enum { RECENT = 64 };
	char *recent[RECENT] = {0};
	unsigned recent_outlet[RECENT] = {0};
	double t0 = now();
	rc = wn_index_begin(idx);
	for (unsigned long k = 0; k < n && rc == 0; k++) {
		unsigned outlet = below(outlets);
		unsigned slot = below(RECENT);
		bool copy = recent[slot] && below(100) < 5;
		if (copy) {
			if (outlet == recent_outlet[slot])
				outlet = (outlet + 1) % outlets;
			page(&text, outlet, recent[slot], k, true);
		} else {
			char *body = make_body();
			page(&text, outlet, body, k, false);
			free(recent[slot]);
			recent[slot] = body;
			recent_outlet[slot] = outlet;
		}
		rc = one(cl, idx, text.p, text.len, outlet, k);
		if (rc == 0 && k % 1000 == 999 && (rc = wn_index_commit(idx)) == 0)
			rc = wn_index_begin(idx);
	}
	if (rc < 0)
		return fail("loading", rc, NULL);
	wn_index_stats st = {0};
	rc = wn_index_commit(idx);
	if (rc == 0)
		rc = wn_index_stats_get(idx, &st);
	double t1 = now();
	long peak = peak_rss_kib();
	if (rc == 0)
		rc = wn_index_close(idx);
	if (rc < 0)
		return fail("committing", rc, NULL);
	printf("{\"articles\": %lu, \"load_s\": %.2f, \"articles_per_s\": %.0f, \"base_rss_kib\": %ld, "
	       "\"peak_rss_kib\": %ld, \"rss_per_article\": %.1f, \"store_bytes\": %" PRId64
	       ", \"store_per_article\": %.1f, \"duplicates\": %" PRId64 ", \"repeated_quotes\": %" PRId64
	       "}\n",
	       n, t1 - t0, (double)n / (t1 - t0), base, peak, (double)(peak - base) * 1024.0 / (double)n,
	       st.store_bytes, (double)st.store_bytes / (double)n, st.duplicates, st.repeated_quotes);
	for (int i = 0; i < RECENT; i++)
		free(recent[i]);
	for (int i = 0; i < QUOTE_POOL; i++)
		free(quote_pool[i]);
	free(text.p);
	wn_cleaner_free(cl);
	return 0;
}
