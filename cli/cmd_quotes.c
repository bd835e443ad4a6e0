/* cmd_quotes.c — `winnow quotes`: quotes repeated across articles. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/state_opt.h"
#include "dedup/index.h"
#include "lib/text.h"

static void quotes_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow quotes [--state FILE] [--min-outlets N] [--json]\n"
		"\n"
		"List the quotes found in more than one article, the most widely repeated\n"
		"first: a representative text (the longest variant), the outlets, the\n"
		"articles and when the quote was first seen. Only reads the store.\n"
		"\n"
		"      --state FILE     the state store (default: $WINNOW_STATE, else\n"
		"                       state/winnow.db)\n"
		"      --min-outlets N  only quotes found in at least N outlets (default 2;\n"
		"                       1 also lists repeats within one outlet)\n"
		"      --json           a JSON array of {text, outlets, articles, first_seen}\n"
		"  -h, --help           this text\n");
}

static void print_text(json_t *list)
{
	size_t i;
	json_t *q;
	json_array_foreach(list, i, q) {
		json_t *outlets = json_object_get(q, "outlets");
		json_t *articles = json_object_get(q, "articles");
		printf("%s“%s”\n  %zu outlets, %zu articles, first seen %s\n", i ? "\n" : "",
		       json_string_value(json_object_get(q, "text")), json_array_size(outlets),
		       json_array_size(articles), json_string_value(json_object_get(q, "first_seen")));
		size_t j;
		json_t *a;
		json_array_foreach(articles, j, a)
			printf("  %s  %s\n", json_string_value(json_object_get(a, "id")),
			       json_string_value(json_object_get(a, "outlet")));
	}
}

int wn_cmd_quotes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 's'},
		{"min-outlets", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	wn_index_config cfg = {.path = wn_default_state(), .read_only = true};
	unsigned min_outlets = 2;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': cfg.path = optarg; break;
		case 'm':
			if (!(min_outlets = wn_parse_count(optarg))) {
				fprintf(stderr, "winnow quotes: --min-outlets needs a positive number\n");
				return 2;
			}
			break;
		case 'j': json = true; break;
		case 'h': quotes_usage(stdout); return 0;
		default: quotes_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		quotes_usage(stderr);
		return 2;
	}
	wn_index *idx;
	int rc = wn_cli_index_open("quotes", &cfg, &idx);
	if (rc < 0)
		return 1;
	json_t *list;
	rc = wn_index_quotes(idx, min_outlets, &list);
	wn_index_close(idx);
	if (rc < 0) {
		fprintf(stderr, "winnow quotes: %s: %s\n", cfg.path, wn_strerror(rc));
		return 1;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(list);
	}
	json_decref(list);
	return fflush(stdout) == 0 ? 0 : 1;
}
