/* cmd_explain.c — `winnow explain`: every input line, kept or removed and why. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "lib/doc.h"
#include "lib/fsio.h"
#include "lib/pipeline.h"

static void explain_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow explain [--outlet NAME] [--rules DIR] [--no-default-rules]\n"
		"                      [--no-heuristics] [--color WHEN] FILE\n"
		"\n"
		"Clean FILE as 'winnow clean' does and print every input line with its\n"
		"number: kept lines as they are, removed lines marked '-' with the reason\n"
		"in brackets (rule:<id>, heuristic:<feature>, title, byline, date,\n"
		"repeated-title, duplicate-line). Then the metadata found and a count of\n"
		"removals by reason.\n"
		"\n"
		"      --outlet NAME       outlet of the file (default: its folder's name)\n"
		"      --rules DIR         add the rule files DIR/*.rules\n"
		"      --no-default-rules  leave the built-in rules out\n"
		"      --no-heuristics     skip the text heuristics\n"
		"      --color WHEN        auto (colour when stdout is a terminal and\n"
		"                          NO_COLOR is unset), always or never\n"
		"  -h, --help              this text\n");
}

typedef struct {
	const char *kept, *removed, *reason, *meta, *off;
} palette;

static const palette plain = {"", "", "", "", ""};
static const palette colours = {"", "\033[2;31m", "\033[33m", "\033[1;36m", "\033[0m"};

typedef struct {
	const char *reason;
	size_t count;
} tally;

static void count_reason(tally *t, size_t *n, const char *reason)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].reason == reason || !strcmp(t[i].reason, reason)) {
			t[i].count++;
			return;
		}
	t[(*n)++] = (tally){reason, 1};
}

static void print_doc(const wn_doc *doc, const palette *p)
{
	printf("%s# %s (outlet %s)%s\n", p->meta, doc->source, doc->outlet, p->off);
	tally *t = calloc(doc->nlines + 1, sizeof *t);
	size_t nt = 0, kept = 0, nonblank = 0;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		unsigned indent = l->indent > 16 ? 16 : l->indent;
		if (l->blank) {
			printf("%5u\n", l->lineno);
			continue;
		}
		nonblank++;
		if (!l->reason) {
			kept++;
			printf("%5u   %s%*s%s%s\n", l->lineno, p->kept, (int)indent, "", l->text, p->off);
		} else {
			if (t)
				count_reason(t, &nt, l->reason);
			printf("%5u - %s%*s%s%s  %s[%s]%s\n", l->lineno, p->removed, (int)indent, "", l->text, p->off,
			       p->reason, l->reason, p->off);
		}
	}
	printf("%s# title: %s%s\n", p->meta, doc->title ? doc->title : "(none)", p->off);
	printf("%s# byline: %s%s\n", p->meta, doc->byline ? doc->byline : "(none)", p->off);
	printf("%s# date: %s%s\n", p->meta, doc->date ? doc->date : "(none)", p->off);
	printf("%s# kept %zu of %zu non-blank lines%s\n", p->meta, kept, nonblank, p->off);
	for (size_t i = 0; t && i < nt; i++)
		printf("%s#   %-28s %zu%s\n", p->meta, t[i].reason, t[i].count, p->off);
	free(t);
}

int wn_cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"outlet", required_argument, NULL, 'O'},
		{"rules", required_argument, NULL, 'r'},
		{"no-default-rules", no_argument, NULL, 'R'},
		{"no-heuristics", no_argument, NULL, 'H'},
		{"color", required_argument, NULL, 'c'},
		{"colour", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *outlet = NULL, *when = "auto";
	wn_cleaner_config cfg = {.no_jit = wn_cli_no_jit()};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O': outlet = optarg; break;
		case 'r': cfg.rules_dir = optarg; break;
		case 'R': cfg.no_default_rules = true; break;
		case 'H': cfg.no_heuristics = true; break;
		case 'c': when = optarg; break;
		case 'h': explain_usage(stdout); return 0;
		default: explain_usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc || (strcmp(when, "auto") && strcmp(when, "always") && strcmp(when, "never"))) {
		explain_usage(stderr);
		return 2;
	}
	if (outlet && !wn_outlet_valid(outlet)) {
		fprintf(stderr, "winnow explain: invalid outlet name '%s'\n", outlet);
		return 2;
	}
	const char *path = argv[optind];
	bool colour = !strcmp(when, "always") ||
		      (!strcmp(when, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	wn_cleaner *cl;
	char err[512] = "";
	int rc = wn_cleaner_new(&cfg, &cl, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "winnow explain: %s\n", err[0] ? err : wn_strerror(rc));
		return rc == -EINVAL ? 2 : 1;
	}
	char *owned_outlet = outlet ? strdup(outlet) : wn_outlet_of_path(path);
	char *buf = NULL;
	size_t len;
	wn_doc *doc = NULL;
	rc = owned_outlet ? wn_read_file(path, wn_cleaner_max_bytes(cl), &buf, &len) : -ENOMEM;
	if (rc == 0)
		rc = wn_doc_parse(buf, len, path, owned_outlet, &doc);
	if (rc == 0)
		rc = wn_cleaner_prepare(cl, doc);
	if (rc == 0)
		rc = wn_pipeline_index(cl, NULL, doc);
	if (rc == 0)
		print_doc(doc, colour ? &colours : &plain);
	else
		fprintf(stderr, "winnow explain: %s: %s\n", path, wn_strerror(rc));
	wn_doc_free(doc);
	free(buf);
	free(owned_outlet);
	wn_cleaner_free(cl);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -EIO;
	return rc == 0 ? 0 : 1;
}
