/* prefilter.h — cheap literal checks that decide which regexes to run.
 *
 * Many rules must not mean many regex passes per line.  Most rule patterns
 * contain a literal that any match must contain ("in your inbox", "powered
 * by").  wn_required_literals() extracts such literals from a PCRE2 pattern
 * (conservatively: when in doubt it finds none, and the rule simply always
 * runs).  A wn_litset is an Aho-Corasick automaton over all literals of all
 * rules: one pass over a line reports every literal present, ASCII case
 * folded, so only the rules whose literal occurs run their regex.
 *
 * The prefilter may report a rule whose regex then does not match; it never
 * misses a rule that would match (tested against the plain regex).
 */
#ifndef WN_PREFILTER_H
#define WN_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Literals shorter than this are not worth a prefilter. */
#define WN_LITERAL_MIN 3

/* Required literals of `pattern` (PCRE2 syntax), ASCII-lowercased: a match is
 * only possible if at least one of them occurs in the subject (case folded).
 * `extended` is true when the pattern is compiled with PCRE2_EXTENDED.
 * On success *out holds *n malloc'd strings (free with wn_literals_free);
 * *n == 0 means "no usable literal: always run the regex".
 * Returns 0 or -ENOMEM. */
int wn_required_literals(const char *pattern, bool extended, char ***out, size_t *n);

/* The same with literals of at least `minlen` bytes (1 or more): shorter
 * literals filter less, but a rule with a two-letter one ("vk", "AP") need
 * not run on every line. */
int wn_required_literals_min(const char *pattern, bool extended, size_t minlen, char ***out, size_t *n);
void wn_literals_free(char **lits, size_t n);

/* First bytes of an anchored pattern: when every match of `pattern`
 * (PCRE2 syntax, UTF mode) must start at the start of the subject
 * (each top-level branch begins with ^ or \A, or `anchored` is set: the
 * PCRE2_ANCHORED option) and consume a first character, set[b / 8] bit b % 8
 * is set for every byte b a match can start with, and the result is true.
 * Conservative: letters count in both cases, any letter and anything not
 * ASCII admits every byte >= 0x80 (caseless matching folds K and S to
 * non-ASCII letters), and whatever is not understood gives false (no
 * restriction: the regex must run). */
bool wn_first_bytes(const char *pattern, bool extended, bool anchored, uint8_t set[32]);

typedef struct wn_litset wn_litset;

/* An empty set; add literals with wn_litset_add, then wn_litset_build. */
wn_litset *wn_litset_new(void);
void wn_litset_free(wn_litset *s);

/* Register `lit` (non-empty, matched ASCII case-insensitively) for `tag`
 * (for rules: the rule index). Returns 0 or -ENOMEM / -EINVAL. */
int wn_litset_add(wn_litset *s, const char *lit, uint32_t tag);

/* Build the automaton. Returns 0 or -ENOMEM. */
int wn_litset_build(wn_litset *s);

/* Scan `len` bytes at `text`; call hit(tag, ud) for every occurrence of a
 * registered literal (a tag can be reported more than once), except that
 * inside a run of one repeated byte ("______" holds "____" three times)
 * only the first is reported. (Bytes other than letters and the space may
 * share a column of the automaton and then count as one byte here.) */
void wn_litset_scan(const wn_litset *s, const char *text, size_t len,
		    void (*hit)(uint32_t tag, void *ud), void *ud);

/* The automaton looks for the first WN_LITERAL_KEEP bytes of each literal
 * (as required as the whole; fewer states, a table that stays in cache):
 * it may report a literal of which only those occur, never miss one. */
#define WN_LITERAL_KEEP 8

/* The same, with an offset inside each occurrence: hit(tag, end, ud), `end`
 * just past its first min(length, WN_LITERAL_KEEP) bytes. A long text is
 * scanned in parts side by side (each step of the automaton waits for the
 * one before; four independent ones overlap), so occurrences are not
 * reported in order, and one may be reported twice. */
void wn_litset_scan_at(const wn_litset *s, const char *text, size_t len,
		       void (*hit)(uint32_t tag, size_t end, void *ud), void *ud);

#endif
