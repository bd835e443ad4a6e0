/* state_opt.h — the --state option shared by the subcommands that read or
 * write the state store. */
#ifndef WN_CLI_STATE_OPT_H
#define WN_CLI_STATE_OPT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "dedup/index.h"
#include "lib/text.h"

/* Where `winnow stats` and `winnow quotes` look without --state:
 * $WINNOW_STATE, else state/winnow.db (the local default). */
static inline const char *wn_default_state(void)
{
	const char *env = getenv("WINNOW_STATE");
	return env && env[0] ? env : "state/winnow.db";
}

/* A positive count from an option argument; 0 when invalid. */
static inline unsigned wn_parse_count(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	return (*s && !*end && v > 0 && v < 1000000000ul) ? (unsigned)v : 0;
}

/* A chrome window smaller than the pages needed to call a line chrome
 * would never find chrome: refuse it with one line on stderr. */
static inline bool wn_cli_chrome_window_ok(const char *cmd, const wn_index_config *cfg)
{
	if (wn_index_chrome_window_ok(cfg))
		return true;
	fprintf(stderr, "winnow %s: --chrome-window %u is smaller than --chrome-min-docs %u\n", cmd,
		cfg->chrome_window, cfg->chrome_min_docs ? cfg->chrome_min_docs : WN_CHROME_MIN_DOCS);
	return false;
}

/* Open the state store for subcommand `cmd`; on failure print one line
 * "winnow CMD: why" on stderr. Returns 0 or a negative errno. */
static inline int wn_cli_index_open(const char *cmd, const wn_index_config *cfg, wn_index **idx)
{
	char err[512] = "";
	int rc = wn_index_open(cfg, idx, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "winnow %s: %s\n", cmd, err[0] ? err : wn_strerror(rc));
	return rc;
}

#endif
