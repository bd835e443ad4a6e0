/* cmd_clean.c — `winnow clean`: the cleaning chain as a pipeline filter. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/pipeline.h"
#include "cli/state_opt.h"
#include "dedup/index.h"

static void clean_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow clean [-o DIR] [--outlet NAME] [--max-bytes N] [--state FILE]\n"
		"                    [--keep-duplicates] [--chrome-min-docs N] [--chrome-window N]\n"
		"                    [--retention-days N]\n"
		"                    [--rules DIR] [--no-default-rules] [--no-heuristics] [FILE...]\n"
		"\n"
		"Clean scraped article files. With no FILE, read stdin and write the cleaned\n"
		"body to stdout. With -o, write DIR/<outlet>/<stem>.json and .txt per file\n"
		"(the .txt last); without -o, print each cleaned body to stdout.\n"
		"Files are processed in the order given.\n"
		"\n"
		"  -o, --out DIR      output folder (created if missing)\n"
		"      --outlet NAME  outlet of every input (default: the name of the\n"
		"                     folder the file sits in; 'stdin' for stdin)\n"
		"      --max-bytes N  refuse inputs larger than N bytes (default 16 MiB)\n"
		"      --state FILE   the state store (SQLite): learned chrome, quotes and\n"
		"                     duplicates persist across runs (default: in memory for\n"
		"                     this run only)\n"
		"      --keep-duplicates  write the .txt of a duplicate article too\n"
		"      --chrome-min-docs N  a line in N pages of one outlet is chrome (default 3)\n"
		"      --chrome-window N    ... counted among its last N pages (default 500)\n"
		"      --retention-days N   forget articles and counts after N days (default 30)\n"
		"      --rules DIR    add the rule files DIR/*.rules to the built-in rules\n"
		"      --no-default-rules  leave the built-in rules out (only --rules)\n"
		"      --no-heuristics     skip the text heuristics (rules and learned\n"
		"                          chrome only, e.g. for text extracted already)\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: 0 all inputs cleaned, 1 some input failed (one line on\n"
		"stderr names it; the others are still processed), 2 usage error or\n"
		"invalid rule files. WN_NO_JIT=1 in the environment matches rules\n"
		"without PCRE2's JIT compiler.\n");
}

char *wn_outlet_of_path(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return NULL;
	char resolved[PATH_MAX];
	char *dir = dirname(copy);
	char *name = NULL;
	/* A folder that cannot be resolved (missing) gives "unknown": reading
	 * the file then reports the real error. */
	if (realpath(dir, resolved)) {
		char *base = strrchr(resolved, '/');
		name = strdup(base && base[1] ? base + 1 : "unknown");
	} else {
		name = strdup("unknown");
	}
	free(copy);
	if (name && !wn_outlet_valid(name)) {
		free(name);
		name = strdup("unknown");
	}
	return name;
}

struct clean_opts {
	const char *outdir;
	const char *outlet;
	size_t max_bytes;
	const char *rules_dir;
	bool no_default_rules;
	bool no_heuristics;
	bool keep_duplicates;
	wn_index_config index;
};

static int clean_one(const wn_cleaner *cl, wn_index *idx, const struct clean_opts *o,
		     const char *path, const char *bytes, size_t len, const char *outlet)
{
	wn_doc *doc;
	int rc = wn_doc_parse(bytes, len, path, outlet, &doc);
	if (rc < 0)
		return rc;
	rc = wn_cleaner_prepare(cl, doc);
	if (rc == 0)
		rc = wn_pipeline_index(cl, idx, doc);
	/* A duplicate gets its record, not a second copy of the text. */
	bool text = !doc->duplicate_of || o->keep_duplicates;
	if (rc == 0 && o->outdir) {
		wn_output_opts oo = {.durable = false, .write_text = text};
		rc = wn_output_write(o->outdir, doc, &oo);
	} else if (rc == 0 && text) {
		size_t blen;
		char *body = wn_doc_body(doc, &blen);
		if (!body)
			rc = -ENOMEM;
		else if (fwrite(body, 1, blen, stdout) != blen)
			rc = -EIO;
		free(body);
	}
	wn_doc_free(doc);
	return rc;
}

#define CLEAN_BATCH 64 /* articles per state-store transaction */

static int commit_batch(wn_index *idx)
{
	int rc = wn_index_commit(idx);
	if (rc == 0)
		rc = wn_index_begin(idx);
	if (rc < 0)
		fprintf(stderr, "winnow clean: state store: %s\n", wn_strerror(rc));
	return rc;
}

int wn_cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},
		{"outlet", required_argument, NULL, 'O'},
		{"max-bytes", required_argument, NULL, 'm'},
		{"rules", required_argument, NULL, 'L'},
		{"no-default-rules", no_argument, NULL, 'R'},
		{"no-heuristics", no_argument, NULL, 'H'},
		{"state", required_argument, NULL, 's'},
		{"keep-duplicates", no_argument, NULL, 'k'},
		{"chrome-min-docs", required_argument, NULL, 'n'},
		{"chrome-window", required_argument, NULL, 'w'},
		{"retention-days", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct clean_opts o = {.max_bytes = WN_DEFAULT_MAX_BYTES};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.outdir = optarg; break;
		case 'O': o.outlet = optarg; break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*end || v == 0) {
				fprintf(stderr, "winnow clean: --max-bytes needs a positive number\n");
				return 2;
			}
			o.max_bytes = (size_t)v;
			break;
		}
		case 'L': o.rules_dir = optarg; break;
		case 'R': o.no_default_rules = true; break;
		case 'H': o.no_heuristics = true; break;
		case 's': o.index.path = optarg; break;
		case 'k': o.keep_duplicates = true; break;
		case 'n':
		case 'w':
		case 'r': {
			unsigned v = wn_parse_count(optarg);
			if (!v) {
				fprintf(stderr, "winnow clean: --%s needs a positive number\n",
					c == 'n' ? "chrome-min-docs" : c == 'w' ? "chrome-window" : "retention-days");
				return 2;
			}
			*(c == 'n' ? &o.index.chrome_min_docs
			  : c == 'w' ? &o.index.chrome_window : &o.index.retention_days) = v;
			break;
		}
		case 'h': clean_usage(stdout); return 0;
		default: clean_usage(stderr); return 2;
		}
	}
	if (!wn_cli_chrome_window_ok("clean", &o.index))
		return 2;
	if (o.outlet && !wn_outlet_valid(o.outlet)) {
		fprintf(stderr, "winnow clean: invalid outlet name '%s' (one path component, not starting with '.')\n",
			o.outlet);
		return 2;
	}
	wn_cleaner_config cfg = {.max_bytes = o.max_bytes, .rules_dir = o.rules_dir,
				 .no_default_rules = o.no_default_rules, .no_heuristics = o.no_heuristics,
				 .no_jit = wn_cli_no_jit()};
	wn_cleaner *cl;
	char err[512] = "";
	int rc = wn_cleaner_new(&cfg, &cl, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "winnow clean: %s\n", err[0] ? err : wn_strerror(rc));
		return rc == -EINVAL ? 2 : 1;
	}
	wn_index *idx;
	rc = wn_cli_index_open("clean", &o.index, &idx);
	if (rc < 0) {
		wn_cleaner_free(cl);
		return 1;
	}
	int status = 0;
	rc = wn_index_begin(idx);
	if (rc < 0) {
		fprintf(stderr, "winnow clean: state store: %s\n", wn_strerror(rc));
		status = 1;
	}
	if (optind == argc) {
		char *buf;
		size_t len;
		rc = wn_read_fd(STDIN_FILENO, o.max_bytes, &buf, &len);
		if (rc == 0) {
			rc = clean_one(cl, idx, &o, "-", buf, len, o.outlet ? o.outlet : "stdin");
			free(buf);
		}
		if (rc < 0) {
			fprintf(stderr, "winnow clean: <stdin>: %s\n", wn_strerror(rc));
			status = 1;
		}
	}
	/* Files of one folder usually come together: the outlet (a realpath
	 * of the folder) is looked up again only when the folder part of the
	 * path changes. */
	char *outlet = NULL;
	const char *outlet_dir = NULL; /* argv[] path whose folder part gave outlet */
	size_t outlet_dirlen = 0;
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		char *buf = NULL;
		size_t len;
		const char *slash = strrchr(path, '/');
		size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
		if (!outlet || !outlet_dir || dirlen != outlet_dirlen || memcmp(path, outlet_dir, dirlen)) {
			free(outlet);
			outlet = o.outlet ? strdup(o.outlet) : wn_outlet_of_path(path);
			outlet_dir = path;
			outlet_dirlen = dirlen;
		}
		rc = outlet ? wn_read_file(path, o.max_bytes, &buf, &len) : -ENOMEM;
		if (rc == 0)
			rc = clean_one(cl, idx, &o, path, buf, len, outlet);
		if (rc < 0) {
			fprintf(stderr, "winnow clean: %s: %s\n", path, wn_strerror(rc));
			status = 1;
		}
		free(buf);
		/* Group commit: a run that is cut short loses only the last batch
		 * from the store, and cleaning those files again gives the same. */
		if ((i - optind) % CLEAN_BATCH == CLEAN_BATCH - 1 && commit_batch(idx) < 0)
			status = 1;
	}
	free(outlet);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "winnow clean: writing stdout: %s\n", strerror(errno));
		status = 1;
	}
	if (wn_index_close(idx) < 0) {
		fprintf(stderr, "winnow clean: closing the state store failed\n");
		status = 1;
	}
	wn_cleaner_free(cl);
	return status;
}
