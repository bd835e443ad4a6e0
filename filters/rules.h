/* rules.h — boilerplate rules: PCRE2 patterns read from INI rule files.
 *
 * A rule file (`*.rules`, read with inih) holds one section per rule; the
 * section name is the rule id:
 *
 *   [newsletter-inbox]
 *   pattern = \bright in your inbox\b
 *   action  = drop-line
 *   flags   = caseless
 *   scope   = *            ; outlet glob(s), comma separated (fnmatch)
 *   max-words = 20         ; only lines of at most 20 words
 *
 * Actions: drop-line (the matching line), drop-block (its paragraph),
 * drop-rest (the line and everything after it), drop-before (everything
 * before the line, and the line), title / byline / date (the value — the
 * named group "value", else group 1, else the whole line — goes into that
 * metadata field unless it is set already; the line is dropped).
 * Flags: caseless, extended, literal, anchored (comma or space separated).
 * Every removal's reason is "rule:<id>".
 *
 * Patterns are compiled once in UTF mode with Unicode properties; JIT is used
 * unless disabled or refused by the system (pcre2_jit_compile failing, e.g.
 * with PCRE2_ERROR_NOMEMORY under MemoryDenyWriteExecute) — then the
 * interpreter runs, with the same results. Matching has a match limit and a
 * depth limit: a pattern that exceeds them on some line is skipped for the
 * rest of that document and the event is logged; the document is still
 * cleaned by the other rules.
 *
 * Each line is scanned once by a literal prefilter (prefilter.h); only the
 * rules whose required literal occurs in it (and the few rules without a
 * literal) run their regex.
 *
 * A compiled ruleset is immutable and may be shared by threads.
 */
#ifndef WN_RULES_H
#define WN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filters/filter.h"

#define WN_RULES_MATCH_LIMIT 200000u /* backtracking steps per line and rule */
#define WN_RULES_DEPTH_LIMIT 2000u   /* nested backtracking depth */

enum wn_rule_action {
	WN_RULE_DROP_LINE,
	WN_RULE_DROP_BLOCK,
	WN_RULE_DROP_REST,
	WN_RULE_DROP_BEFORE,
	WN_RULE_TITLE,
	WN_RULE_BYLINE,
	WN_RULE_DATE,
};

/* Receives each problem found while loading rules, as file, 1-based line
 * (0 when not tied to a line) and message. */
typedef void (*wn_rules_diag_fn)(void *ud, const char *file, unsigned line, const char *msg);

typedef struct wn_rules_opts {
	bool no_jit;          /* never JIT-compile (as if the system refused) */
	uint32_t match_limit; /* 0: WN_RULES_MATCH_LIMIT */
	uint32_t depth_limit; /* 0: WN_RULES_DEPTH_LIMIT */
	wn_rules_diag_fn diag; /* NULL: problems are logged with wn_err */
	void *diag_ud;
} wn_rules_opts;

typedef struct wn_ruleset wn_ruleset;

/* An empty ruleset. `opts` may be NULL. Returns 0 or -ENOMEM. */
int wn_ruleset_new(const wn_rules_opts *opts, wn_ruleset **out);
void wn_ruleset_free(wn_ruleset *rs);

/* Add the rules in `text`, reported as coming from `name`. Every problem is
 * passed to the diag callback; returns 0, -EINVAL when the text had errors
 * (its valid rules are still added) or -ENOMEM. */
int wn_ruleset_add_text(wn_ruleset *rs, const char *name, const char *text);

/* Add one rule file (a regular file, at most 1 MiB). */
int wn_ruleset_add_file(wn_ruleset *rs, const char *path);

/* Add every `*.rules` file of `dir` in name order (hidden files skipped).
 * A folder without rule files is an error. */
int wn_ruleset_add_dir(wn_ruleset *rs, const char *dir);

/* Add the rules built into winnow (generated from rules/ at build time). */
int wn_ruleset_add_builtin(wn_ruleset *rs);

/* Finish: build the prefilter. No rules can be added afterwards.
 * Returns 0 or -ENOMEM. */
int wn_ruleset_finish(wn_ruleset *rs);

size_t wn_ruleset_count(const wn_ruleset *rs);
/* Rules running JIT-compiled code (0 when JIT is off or refused). */
size_t wn_ruleset_jit_count(const wn_ruleset *rs);
/* Rules with a required literal, whose regex only runs on lines holding it. */
size_t wn_ruleset_prefiltered_count(const wn_ruleset *rs);
/* Id of rule i (in load order). */
const char *wn_ruleset_rule_id(const wn_ruleset *rs, size_t i);

/* Names and texts of the built-in rule files. */
size_t wn_builtin_rules_count(void);
const char *wn_builtin_rules_name(size_t i);
const char *wn_builtin_rules_text(size_t i);

/* The filter: ctx->data is a finished wn_ruleset (NULL: nothing to do). */
int wn_filter_rules(wn_doc *doc, const wn_filter_ctx *ctx);

/* Same, with the prefilter switched off (every rule's regex on every line):
 * for benchmarks and for testing that the prefilter changes nothing. */
int wn_filter_rules_unfiltered(wn_doc *doc, const wn_filter_ctx *ctx);

#endif
