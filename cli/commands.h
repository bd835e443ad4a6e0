/* commands.h — the subcommands of the `winnow` CLI, one file each.
 * Each takes the arguments after its name (argv[0] is the command name)
 * and returns the process exit status: 0 success, 1 some input failed,
 * 2 usage error. */
#ifndef WN_CLI_COMMANDS_H
#define WN_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdlib.h>

int wn_cmd_clean(int argc, char **argv);
int wn_cmd_submit(int argc, char **argv);
int wn_cmd_learn(int argc, char **argv);
int wn_cmd_quotes(int argc, char **argv);
int wn_cmd_stats(int argc, char **argv);
int wn_cmd_explain(int argc, char **argv);
int wn_cmd_rules(int argc, char **argv);

/* Outlet of a file: the name of the folder it sits in ("unknown" when that
 * is no valid outlet name); NULL only without memory. Caller frees. */
char *wn_outlet_of_path(const char *path);

/* True when the environment asks for rules without JIT (WN_NO_JIT set and
 * not "0"): the path taken when the system refuses JIT, made testable. */
static inline bool wn_cli_no_jit(void)
{
	const char *v = getenv("WN_NO_JIT");
	return v && *v && !(v[0] == '0' && v[1] == '\0');
}

#endif
