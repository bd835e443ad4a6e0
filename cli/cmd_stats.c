/* cmd_stats.c — `winnow stats`: what the state store holds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/state_opt.h"
#include "dedup/index.h"
#include "lib/text.h"

static void stats_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow stats [--state FILE] [--json]\n"
		"\n"
		"Print what the state store holds: articles, outlets, duplicates, quotes\n"
		"repeated in several articles (and across outlets), learned chrome lines\n"
		"and the size of the store on disk. Only reads the store.\n"
		"\n"
		"      --state FILE  the state store (default: $WINNOW_STATE, else\n"
		"                    state/winnow.db)\n"
		"      --json        one JSON object instead of text\n"
		"  -h, --help        this text\n");
}

int wn_cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	wn_index_config cfg = {.path = wn_default_state(), .read_only = true};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': cfg.path = optarg; break;
		case 'j': json = true; break;
		case 'h': stats_usage(stdout); return 0;
		default: stats_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		stats_usage(stderr);
		return 2;
	}
	wn_index *idx;
	int rc = wn_cli_index_open("stats", &cfg, &idx);
	if (rc < 0)
		return 1;
	wn_index_stats st;
	rc = wn_index_stats_get(idx, &st);
	wn_index_close(idx);
	if (rc < 0) {
		fprintf(stderr, "winnow stats: %s: %s\n", cfg.path, wn_strerror(rc));
		return 1;
	}
	if (json)
		printf("{\"articles\": %" PRId64 ", \"outlets\": %" PRId64 ", \"duplicates\": %" PRId64
		       ", \"repeated_quotes\": %" PRId64 ", \"cross_outlet_quotes\": %" PRId64
		       ", \"chrome_lines\": %" PRId64 ", \"store_bytes\": %" PRId64 "}\n",
		       st.articles, st.outlets, st.duplicates, st.repeated_quotes,
		       st.cross_outlet_quotes, st.chrome_lines, st.store_bytes);
	else
		printf("articles         %" PRId64 "\n"
		       "outlets          %" PRId64 "\n"
		       "duplicates       %" PRId64 "\n"
		       "repeated quotes  %" PRId64 " (%" PRId64 " across outlets)\n"
		       "chrome lines     %" PRId64 "\n"
		       "store size       %" PRId64 " bytes\n",
		       st.articles, st.outlets, st.duplicates, st.repeated_quotes,
		       st.cross_outlet_quotes, st.chrome_lines, st.store_bytes);
	return fflush(stdout) == 0 ? 0 : 1;
}
