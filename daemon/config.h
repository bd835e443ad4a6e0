/* config.h — winnowd's configuration: defaults, the INI file, flags.
 *
 * Every setting has one key. In the file it is `key = value` in the
 * [winnowd] section (or before any section); on the command line it is
 * `--key VALUE` or `--key=VALUE` with '_' written as '-'. Flags override
 * the file. Other sections are left to other tools and ignored; an unknown
 * key in ours is an error, so a typo never passes silently.
 *
 * Value forms: paths as given (relative ones are relative to the working
 * folder); sizes as bytes with an optional K, M or G suffix (powers of
 * 1024); durations as a number with ms, s, m, h or d (a bare number is
 * seconds); booleans as yes/no, true/false, on/off or 1/0; log levels as
 * error, warning, notice, info or debug.
 */
#ifndef WN_DAEMON_CONFIG_H
#define WN_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct wn_dconfig {
	char *spool;          /* spool root */
	char *out;            /* output folder */
	char *state;          /* state store (dedup index) file */
	char *rules;          /* folder of *.rules files added to the built-in ones; NULL: none */
	bool default_rules;   /* use the built-in rules */
	bool heuristics;      /* run the text heuristics */
	bool jit;             /* JIT-compile rules (falls back by itself when refused) */
	unsigned chrome_min_docs; /* a line in this many articles of an outlet is chrome */
	unsigned chrome_window;   /* ... of the outlet's last this many articles */
	unsigned retention_days;  /* the state store forgets articles after this */
	size_t max_bytes;     /* inputs larger than this are quarantined */
	uint64_t settle_ms;   /* a file found by a scan is taken once unchanged this long */
	uint64_t scan_interval_ms;  /* full rescan of incoming/ (0: only at start and on overflow) */
	uint64_t stats_interval_ms; /* counters logged this often (0: only on SIGUSR1) */
	uint64_t done_retention_ms; /* originals kept in done/ this long (0: forever) */
	uint64_t stop_timeout_ms;   /* SIGTERM: in-flight work gets this long */
	unsigned workers;     /* articles cleaned in parallel on the thread pool */
	bool durable;         /* fsync outputs, events and spool moves */
	bool keep_duplicates; /* write the .txt of a duplicate too */
	int log_level;        /* enum wn_log_level */
} wn_dconfig;

/* Defaults, for a local run from the source folder. */
void wn_dconfig_init(wn_dconfig *c);
void wn_dconfig_free(wn_dconfig *c);

/* Set one key from its text form. Returns 0, -ENOENT for an unknown key or
 * -EINVAL for a bad value (message in err). */
int wn_dconfig_set(wn_dconfig *c, const char *key, const char *value, char *err, size_t errlen);

/* Read an INI file over c. Returns 0, or a negative errno with a message
 * naming the file and line in err; c may be partly updated on error. */
int wn_dconfig_load(wn_dconfig *c, const char *path, char *err, size_t errlen);

/* The key a flag names ("--max-bytes" → "max_bytes"), or NULL. */
const char *wn_dconfig_flag_key(const char *flag, char *buf, size_t buflen);

/* Write the effective configuration as an INI file. */
void wn_dconfig_print(const wn_dconfig *c, FILE *f);

/* One line per key for --help. */
void wn_dconfig_usage(FILE *f);

/* Text forms used by print; exposed for tests. */
int wn_parse_size(const char *s, size_t *out);
int wn_parse_duration_ms(const char *s, uint64_t *out);
int wn_parse_bool(const char *s, bool *out);

#endif
