/* cmd_learn.c — `winnow learn`: prime an outlet's chrome from sample pages. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/state_opt.h"
#include "dedup/index.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/pipeline.h"

static void learn_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow learn [--outlet NAME] [--state FILE] [--chrome-min-docs N]\n"
		"                    [--chrome-window N] [--json] FILE...\n"
		"\n"
		"Count the lines of sample pages of one outlet, as `winnow clean` does for\n"
		"every article, so that the outlet's chrome (lines seen in N of its pages)\n"
		"is known before its first articles come. Each page counts once, however\n"
		"often it is learned. Then print the outlet's chrome lines.\n"
		"\n"
		"      --outlet NAME        the outlet (default: the folder of the first FILE)\n"
		"      --state FILE         the state store to prime (default: in memory, so\n"
		"                           the run only shows what would be chrome)\n"
		"      --chrome-min-docs N  a line in N pages is chrome (default 3)\n"
		"      --chrome-window N    ... among the outlet's last N pages (default 500)\n"
		"      --json               the chrome lines as a JSON array\n"
		"  -h, --help               this text\n");
}

static char *folder_name(const char *path)
{
	char *copy = strdup(path), resolved[PATH_MAX];
	char *name = NULL;
	if (copy && realpath(dirname(copy), resolved)) {
		char *base = strrchr(resolved, '/');
		if (base && base[1] && wn_outlet_valid(base + 1))
			name = strdup(base + 1);
	}
	free(copy);
	return name;
}

static int learn_file(const wn_cleaner *cl, wn_index *idx, const char *path, const char *outlet)
{
	char *buf;
	size_t len;
	int rc = wn_read_file(path, wn_cleaner_max_bytes(cl), &buf, &len);
	if (rc < 0)
		return rc;
	wn_doc *doc;
	rc = wn_doc_parse(buf, len, path, outlet, &doc);
	free(buf);
	if (rc < 0)
		return rc;
	rc = wn_cleaner_prepare(cl, doc);
	if (rc == 0)
		rc = wn_index_learn(idx, doc);
	wn_doc_free(doc);
	return rc;
}

int wn_cmd_learn(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"outlet", required_argument, NULL, 'O'},
		{"state", required_argument, NULL, 's'},
		{"chrome-min-docs", required_argument, NULL, 'n'},
		{"chrome-window", required_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	wn_index_config cfg = {0};
	char *outlet = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O':
			free(outlet);
			outlet = strdup(optarg);
			break;
		case 's': cfg.path = optarg; break;
		case 'n':
			if (!(cfg.chrome_min_docs = wn_parse_count(optarg))) {
				fprintf(stderr, "winnow learn: --chrome-min-docs needs a positive number\n");
				free(outlet);
				return 2;
			}
			break;
		case 'w':
			if (!(cfg.chrome_window = wn_parse_count(optarg))) {
				fprintf(stderr, "winnow learn: --chrome-window needs a positive number\n");
				free(outlet);
				return 2;
			}
			break;
		case 'j': json = true; break;
		case 'h': learn_usage(stdout); free(outlet); return 0;
		default: learn_usage(stderr); free(outlet); return 2;
		}
	}
	if (!wn_cli_chrome_window_ok("learn", &cfg)) {
		free(outlet);
		return 2;
	}
	if (optind == argc) {
		fprintf(stderr, "winnow learn: no sample pages given\n");
		learn_usage(stderr);
		free(outlet);
		return 2;
	}
	if (!outlet)
		outlet = folder_name(argv[optind]);
	if (!outlet || !wn_outlet_valid(outlet)) {
		fprintf(stderr, "winnow learn: give a valid outlet name with --outlet NAME\n");
		free(outlet);
		return 2;
	}
	wn_cleaner *cl;
	wn_index *idx;
	char err[512] = "";
	int rc = wn_cleaner_new(NULL, &cl, err, sizeof err);
	if (rc == 0 && (rc = wn_index_open(&cfg, &idx, err, sizeof err)) < 0)
		wn_cleaner_free(cl);
	if (rc < 0) {
		fprintf(stderr, "winnow learn: %s\n", err[0] ? err : wn_strerror(rc));
		free(outlet);
		return 1;
	}
	int status = 0;
	size_t learned = 0;
	for (int i = optind; i < argc; i++) {
		rc = learn_file(cl, idx, argv[i], outlet);
		if (rc < 0) {
			fprintf(stderr, "winnow learn: %s: %s\n", argv[i], wn_strerror(rc));
			status = 1;
		} else {
			learned++;
		}
	}
	json_t *lines = NULL;
	rc = wn_index_chrome_lines(idx, outlet, &lines);
	if (wn_index_close(idx) < 0 || rc < 0) {
		fprintf(stderr, "winnow learn: the state store failed\n");
		status = 1;
	}
	if (lines && json) {
		json_dumpf(lines, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else if (lines) {
		printf("%s: %zu pages learned, %zu chrome lines\n", outlet, learned,
		       json_array_size(lines));
		size_t i;
		json_t *l;
		json_array_foreach(lines, i, l)
			printf("  [%lld pages] %s\n",
			       (long long)json_integer_value(json_object_get(l, "docs")),
			       json_string_value(json_object_get(l, "text")));
	}
	json_decref(lines);
	wn_cleaner_free(cl);
	free(outlet);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
