/* commands.h — the subcommands of the `winnow` CLI, one file each.
 * Each takes the arguments after its name (argv[0] is the command name)
 * and returns the process exit status: 0 success, 1 some input failed,
 * 2 usage error. */
#ifndef WN_CLI_COMMANDS_H
#define WN_CLI_COMMANDS_H

int wn_cmd_clean(int argc, char **argv);
int wn_cmd_learn(int argc, char **argv);
int wn_cmd_quotes(int argc, char **argv);
int wn_cmd_stats(int argc, char **argv);

#endif
