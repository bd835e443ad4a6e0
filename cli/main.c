/* main.c — `winnow`: the command-line front end. Dispatches to one
 * subcommand per file (commands.h). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/log.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"clean", wn_cmd_clean, "clean article files (or stdin) into cleaned text and JSON"},
	{"explain", wn_cmd_explain, "show every line of an article as kept or removed, and why"},
	{"rules", wn_cmd_rules, "check rule files ('rules check [DIR]'), list or benchmark rules"},
	{"learn", wn_cmd_learn, "learn an outlet's site chrome from sample pages"},
	{"quotes", wn_cmd_quotes, "list quotes repeated across articles and outlets"},
	{"stats", wn_cmd_stats, "what the state store holds"},
	{"submit", wn_cmd_submit, "drop article files into a winnowd spool (tmp + rename)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: winnow COMMAND [OPTIONS] [ARGS]\n\n"
		   "winnow strips boilerplate from scraped articles and finds what outlets repeat.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'winnow COMMAND --help' describes one command. 'winnow --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	wn_log_set_ident("winnow");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("winnow %s\n", WN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "winnow: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
