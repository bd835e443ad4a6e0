/* cmd_rules.c — `winnow rules`: check rule files, benchmark the rules. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "filters/filter.h"
#include "filters/rules.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/pipeline.h"

static void rules_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow rules check [PATH]\n"
		"       winnow rules bench [--rules DIR] [--no-default-rules] [-n ROUNDS] FILE...\n"
		"\n"
		"check  validate rule files: PATH is a folder (its *.rules files) or one\n"
		"       file; without PATH, the rules built into winnow. Each problem is\n"
		"       printed on stderr as 'file:line: message'. Exit status 0 when all\n"
		"       rules are valid, 1 when some are not, 2 on usage errors.\n"
		"bench  time the rules filter on FILE... (after white-space folding), with\n"
		"       the literal prefilter and with every rule run on every line.\n");
}

static void print_problem(void *ud, const char *file, unsigned line, const char *msg)
{
	unsigned *count = ud;
	(*count)++;
	if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static int rules_check(int argc, char **argv)
{
	if (argc > 2) {
		rules_usage(stderr);
		return 2;
	}
	const char *path = argc == 2 ? argv[1] : NULL;
	unsigned problems = 0;
	wn_rules_opts ro = {.no_jit = wn_cli_no_jit(), .diag = print_problem, .diag_ud = &problems};
	wn_ruleset *rs;
	if (wn_ruleset_new(&ro, &rs) < 0) {
		fprintf(stderr, "winnow rules: out of memory\n");
		return 1;
	}
	int rc;
	struct stat st;
	if (!path)
		rc = wn_ruleset_add_builtin(rs);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = wn_ruleset_add_dir(rs, path);
	else
		rc = wn_ruleset_add_file(rs, path);
	if (rc == 0)
		rc = wn_ruleset_finish(rs);
	int status = 0;
	if (rc == -ENOMEM) {
		fprintf(stderr, "winnow rules: out of memory\n");
		status = 1;
	} else if (rc < 0 || problems) {
		fprintf(stderr, "%u problem%s found\n", problems, problems == 1 ? "" : "s");
		status = 1;
	} else {
		printf("%s: %zu rules OK (%zu JIT-compiled, %zu with a literal prefilter)\n",
		       path ? path : "built-in rules", wn_ruleset_count(rs), wn_ruleset_jit_count(rs),
		       wn_ruleset_prefiltered_count(rs));
	}
	wn_ruleset_free(rs);
	return status;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds spent in `filter` over all inputs, each parsed afresh. */
static int time_filter(wn_filter_fn filter, const wn_ruleset *rs, char **bufs, size_t *lens, int n,
		       double *secs)
{
	*secs = 0;
	for (int i = 0; i < n; i++) {
		wn_doc *doc;
		int rc = wn_doc_parse(bufs[i], lens[i], "bench", "bench", &doc);
		if (rc == -WN_EBINARY)
			continue;
		if (rc < 0)
			return rc;
		wn_filter_ctx ctx = {.outlet = "bench", .data = rs};
		rc = wn_filter_whitespace(doc, &ctx);
		double t0 = now();
		if (rc == 0)
			rc = filter(doc, &ctx);
		*secs += now() - t0;
		wn_doc_free(doc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int rules_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"no-default-rules", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	bool no_default = false;
	long rounds = 5;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': dir = optarg; break;
		case 'R': no_default = true; break;
		case 'n': rounds = strtol(optarg, NULL, 10); break;
		default: rules_usage(stderr); return 2;
		}
	}
	if (optind == argc || rounds < 1) {
		rules_usage(stderr);
		return 2;
	}
	unsigned problems = 0;
	wn_rules_opts ro = {.no_jit = wn_cli_no_jit(), .diag = print_problem, .diag_ud = &problems};
	wn_ruleset *rs;
	int rc = wn_ruleset_new(&ro, &rs);
	if (rc == 0 && !no_default)
		rc = wn_ruleset_add_builtin(rs);
	if (rc == 0 && dir)
		rc = wn_ruleset_add_dir(rs, dir);
	if (rc == 0)
		rc = wn_ruleset_finish(rs);
	int n = argc - optind;
	char **bufs = calloc((size_t)n, sizeof *bufs);
	size_t *lens = calloc((size_t)n, sizeof *lens);
	size_t total = 0;
	if (rc == 0 && (!bufs || !lens))
		rc = -ENOMEM;
	for (int i = 0; i < n && rc == 0; i++) {
		rc = wn_read_file(argv[optind + i], WN_DEFAULT_MAX_BYTES, &bufs[i], &lens[i]);
		if (rc < 0)
			fprintf(stderr, "winnow rules: %s: %s\n", argv[optind + i], wn_strerror(rc));
		total += lens[i];
	}
	double fast = 0, slow = 0;
	for (long r = 0; r < rounds && rc == 0; r++) {
		double a, b;
		rc = time_filter(wn_filter_rules, rs, bufs, lens, n, &a);
		if (rc == 0)
			rc = time_filter(wn_filter_rules_unfiltered, rs, bufs, lens, n, &b);
		fast += a;
		slow += b;
	}
	if (rc == 0) {
		double mb = (double)total * (double)rounds / 1e6;
		printf("%zu rules (%zu JIT-compiled), %d files, %.2f MB x %ld rounds\n", wn_ruleset_count(rs),
		       wn_ruleset_jit_count(rs), n, (double)total / 1e6, rounds);
		printf("with literal prefilter:    %8.1f MB/s\n", mb / (fast > 0 ? fast : 1e-9));
		printf("every rule on every line:  %8.1f MB/s\n", mb / (slow > 0 ? slow : 1e-9));
	} else if (problems == 0) {
		fprintf(stderr, "winnow rules: %s\n", wn_strerror(rc));
	}
	for (int i = 0; bufs && i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
	wn_ruleset_free(rs);
	return rc == 0 ? 0 : (rc == -EINVAL ? 2 : 1);
}

int wn_cmd_rules(int argc, char **argv)
{
	if (argc < 2) {
		rules_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		rules_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "check"))
		return rules_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return rules_bench(argc - 1, argv + 1);
	fprintf(stderr, "winnow rules: unknown subcommand '%s'\n", argv[1]);
	rules_usage(stderr);
	return 2;
}
