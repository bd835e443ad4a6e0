/* rules.c — rule files, compilation and the rules filter (see rules.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/rules.h"
#include "filters/prefilter.h"
#include "lib/fsio.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_FILE_MAX (1024 * 1024)
#define INI_LINE_MAX 198 /* inih (Debian build) reads at most 199 bytes a line, newline included */
#define TAG_ALL UINT32_MAX /* prefilter tag: run every rule on this line */

/* The generated table of built-in rule files (rules/meson.build). */
extern const char *const wn_builtin_rule_names[];
extern const char *const wn_builtin_rule_texts[];
extern const size_t wn_builtin_rule_nfiles;

typedef struct wn_rule {
	char *id;
	char *reason;      /* "rule:<id>" */
	char *file;
	unsigned line;     /* of the section header */
	enum wn_rule_action action;
	char **scopes;     /* outlet globs; NULL: every outlet */
	size_t nscopes;
	uint32_t max_words; /* 0: any length */
	pcre2_code *code;
	uint32_t value_group; /* metadata actions: capture group of the value, 0: line */
	bool always;        /* no literal: the regex runs on every line */
	bool jit;
	bool has_first;     /* anchored: a match starts with a byte of `first` */
	uint8_t first[32];  /* bit b: a match may start with byte b */
} wn_rule;

struct wn_ruleset {
	wn_rule *rules;
	size_t n, cap;
	wn_rules_opts opts;
	pcre2_match_context *mctx;
	wn_litset *lits;
	/* Once finished: for each first byte of a line, a row of (n + 63) / 64
	 * words with bit r set when rule r may match a line starting with it
	 * (rule r has no first-byte set, or holds that byte). One AND a line
	 * instead of a test a candidate, which read a cache line of each rule. */
	uint64_t *first_ok;
	uint32_t max_groups;
	bool finished;
	bool jit_refused_logged;
};

static const char *const action_names[] = {
	[WN_RULE_DROP_LINE] = "drop-line", [WN_RULE_DROP_BLOCK] = "drop-block",
	[WN_RULE_DROP_REST] = "drop-rest", [WN_RULE_DROP_BEFORE] = "drop-before",
	[WN_RULE_TITLE] = "title",         [WN_RULE_BYLINE] = "byline",
	[WN_RULE_DATE] = "date",
};

static void diag(const wn_ruleset *rs, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag(const wn_ruleset *rs, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (rs->opts.diag)
		rs->opts.diag(rs->opts.diag_ud, file, line, msg);
	else if (line)
		wn_err("%s:%u: %s", file, line, msg);
	else
		wn_err("%s: %s", file, msg);
}

static void rule_clear(wn_rule *r)
{
	free(r->id);
	free(r->reason);
	free(r->file);
	for (size_t i = 0; i < r->nscopes; i++)
		free(r->scopes[i]);
	free(r->scopes);
	pcre2_code_free(r->code);
}

int wn_ruleset_new(const wn_rules_opts *opts, wn_ruleset **out)
{
	wn_ruleset *rs = calloc(1, sizeof *rs);
	if (!rs)
		return -ENOMEM;
	if (opts)
		rs->opts = *opts;
	if (!rs->opts.match_limit)
		rs->opts.match_limit = WN_RULES_MATCH_LIMIT;
	if (!rs->opts.depth_limit)
		rs->opts.depth_limit = WN_RULES_DEPTH_LIMIT;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->lits = wn_litset_new();
	if (!rs->mctx || !rs->lits) {
		wn_ruleset_free(rs);
		return -ENOMEM;
	}
	pcre2_set_match_limit(rs->mctx, rs->opts.match_limit);
	pcre2_set_depth_limit(rs->mctx, rs->opts.depth_limit);
	*out = rs;
	return 0;
}

void wn_ruleset_free(wn_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_clear(&rs->rules[i]);
	free(rs->rules);
	pcre2_match_context_free(rs->mctx);
	wn_litset_free(rs->lits);
	free(rs->first_ok);
	free(rs);
}

size_t wn_ruleset_count(const wn_ruleset *rs) { return rs->n; }
const char *wn_ruleset_rule_id(const wn_ruleset *rs, size_t i) { return i < rs->n ? rs->rules[i].id : NULL; }

size_t wn_ruleset_jit_count(const wn_ruleset *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->rules[i].jit;
	return n;
}

size_t wn_ruleset_prefiltered_count(const wn_ruleset *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += !rs->rules[i].always;
	return n;
}

size_t wn_builtin_rules_count(void) { return wn_builtin_rule_nfiles; }
const char *wn_builtin_rules_name(size_t i) { return i < wn_builtin_rule_nfiles ? wn_builtin_rule_names[i] : NULL; }
const char *wn_builtin_rules_text(size_t i) { return i < wn_builtin_rule_nfiles ? wn_builtin_rule_texts[i] : NULL; }

/* ---- reading a rule file ---------------------------------------------- */

/* One section of the file as inih reports it. */
typedef struct {
	char *name;
	unsigned line;
	char *id, *pattern, *action, *scope, *flags, *max_words;
	unsigned id_line, pattern_line, action_line, scope_line, flags_line, max_words_line;
	bool broken; /* an error was reported inside it */
} section;

/* Where each call of the inih handler comes from, found by a pre-scan that
 * follows inih's own line rules (the Debian build passes no line numbers). */
typedef struct {
	unsigned line;
	int section;    /* index, -1 before the first section */
	bool continued; /* an indented continuation of the previous value */
} call_site;

typedef struct {
	wn_ruleset *rs;
	const char *file;
	section *secs;
	size_t nsecs;
	call_site *calls;
	size_t ncalls, next_call;
	int errors;
	bool nomem;
} parse_ctx;

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

/* Pre-scan: sections, handler call sites, and syntax errors (which inih
 * would only count). Returns 0 or -ENOMEM. */
static int prescan(parse_ctx *pc, const char *text)
{
	unsigned lineno = 0;
	bool have_name = false; /* inih's prev_name: a key was seen in this section */
	const char *p = text;
	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		if (n > INI_LINE_MAX) {
			diag(pc->rs, pc->file, lineno, "line too long (at most %d bytes; continue a pattern on an indented line)",
			     INI_LINE_MAX);
			pc->errors++;
		}
		size_t lead = 0;
		while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
			lead++;
		const char *s = p + lead;
		size_t rest = n - lead;
		while (rest && (s[rest - 1] == ' ' || s[rest - 1] == '\t' || s[rest - 1] == '\r'))
			rest--;
		if (rest == 0 || *s == ';' || *s == '#') {
			/* blank or comment */
		} else if (have_name && lead > 0) {
			call_site *g = realloc(pc->calls, (pc->ncalls + 1) * sizeof *g);
			if (!g)
				return -ENOMEM;
			pc->calls = g;
			pc->calls[pc->ncalls++] = (call_site){lineno, (int)pc->nsecs - 1, true};
		} else if (*s == '[') {
			const char *close = memchr(s, ']', rest);
			if (!close) {
				diag(pc->rs, pc->file, lineno, "section header without ']'");
				pc->errors++;
			} else {
				section *g = realloc(pc->secs, (pc->nsecs + 1) * sizeof *g);
				if (!g)
					return -ENOMEM;
				pc->secs = g;
				pc->secs[pc->nsecs] = (section){.line = lineno};
				if (!(pc->secs[pc->nsecs].name = trim_dup(s + 1, (size_t)(close - s - 1))))
					return -ENOMEM;
				pc->nsecs++;
				have_name = false;
			}
		} else {
			size_t k = 0;
			while (k < rest && s[k] != '=' && s[k] != ':')
				k++;
			if (k == rest) {
				diag(pc->rs, pc->file, lineno, "expected 'key = value'");
				pc->errors++;
			} else {
				call_site *g = realloc(pc->calls, (pc->ncalls + 1) * sizeof *g);
				if (!g)
					return -ENOMEM;
				pc->calls = g;
				pc->calls[pc->ncalls++] = (call_site){lineno, (int)pc->nsecs - 1, false};
				have_name = true;
			}
		}
		p += n + (eol != NULL);
	}
	return 0;
}

static int set_field(parse_ctx *pc, section *sec, char **field, unsigned *field_line,
		     const call_site *cs, const char *name, const char *value)
{
	if (cs->continued) {
		if (field == &sec->pattern && *field) { /* a long pattern goes on */
			size_t a = strlen(*field), b = strlen(value);
			char *g = realloc(*field, a + b + 1);
			if (!g)
				return -ENOMEM;
			memcpy(g + a, value, b + 1);
			*field = g;
			return 0;
		}
		diag(pc->rs, pc->file, cs->line, "only a pattern may continue on an indented line");
		return -EINVAL;
	}
	if (*field) {
		diag(pc->rs, pc->file, cs->line, "duplicate key '%s' (first on line %u)", name, *field_line);
		return -EINVAL;
	}
	if (!(*field = strdup(value)))
		return -ENOMEM;
	*field_line = cs->line;
	return 0;
}

static int on_ini_pair(void *user, const char *secname, const char *name, const char *value)
{
	(void)secname;
	parse_ctx *pc = user;
	if (pc->next_call >= pc->ncalls) { /* the pre-scan and inih disagree: never expected */
		pc->errors++;
		return 0;
	}
	const call_site *cs = &pc->calls[pc->next_call++];
	if (cs->section < 0) {
		diag(pc->rs, pc->file, cs->line, "'%s' outside a [rule] section", name);
		pc->errors++;
		return 1;
	}
	section *sec = &pc->secs[cs->section];
	int rc;
	if (!strcmp(name, "pattern"))
		rc = set_field(pc, sec, &sec->pattern, &sec->pattern_line, cs, name, value);
	else if (!strcmp(name, "action"))
		rc = set_field(pc, sec, &sec->action, &sec->action_line, cs, name, value);
	else if (!strcmp(name, "scope"))
		rc = set_field(pc, sec, &sec->scope, &sec->scope_line, cs, name, value);
	else if (!strcmp(name, "flags"))
		rc = set_field(pc, sec, &sec->flags, &sec->flags_line, cs, name, value);
	else if (!strcmp(name, "max-words"))
		rc = set_field(pc, sec, &sec->max_words, &sec->max_words_line, cs, name, value);
	else if (!strcmp(name, "id"))
		rc = set_field(pc, sec, &sec->id, &sec->id_line, cs, name, value);
	else {
		diag(pc->rs, pc->file, cs->line, "unknown key '%s' (known: id, pattern, action, scope, flags, max-words)",
		     name);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		pc->nomem = true;
	else if (rc < 0) {
		pc->errors++;
		sec->broken = true;
	}
	return 1;
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool id_taken(const wn_ruleset *rs, const char *id, const wn_rule **by)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].id, id)) {
			*by = &rs->rules[i];
			return true;
		}
	return false;
}

/* Split "a, b c" at commas and white space into trimmed words. */
static int split_words(const char *s, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	while (*s) {
		s += strspn(s, ", \t");
		size_t k = strcspn(s, ", \t");
		if (!k)
			break;
		char **g = realloc(*out, (*n + 1) * sizeof *g);
		if (!g)
			return -ENOMEM;
		*out = g;
		if (!((*out)[*n] = strndup(s, k)))
			return -ENOMEM;
		(*n)++;
		s += k;
	}
	return 0;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/* Longest ASCII run of a literal pattern, or none. */
static int literal_of_plain(const char *pat, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t best = 0, at = 0;
	for (size_t i = 0; pat[i];) {
		size_t k = 0;
		while (pat[i + k] && (unsigned char)pat[i + k] < 0x80)
			k++;
		if (k > best)
			best = k, at = i;
		i += k;
		while (pat[i] && (unsigned char)pat[i] >= 0x80)
			i++;
	}
	if (best < WN_LITERAL_MIN)
		return 0;
	*out = malloc(sizeof **out);
	if (!*out || !((*out)[0] = strndup(pat + at, best))) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	*n = 1;
	return 0;
}

static int reserve(wn_ruleset *rs)
{
	if (rs->n < rs->cap)
		return 0;
	size_t cap = rs->cap ? rs->cap * 2 : 16;
	wn_rule *g = realloc(rs->rules, cap * sizeof *g);
	if (!g)
		return -ENOMEM;
	rs->rules = g;
	rs->cap = cap;
	return 0;
}

/* Validate and compile one section into a rule; -EINVAL after reporting. */
static int build_rule(parse_ctx *pc, section *sec)
{
	wn_ruleset *rs = pc->rs;
	const char *file = pc->file;
	const char *id = sec->id ? sec->id : sec->name;
	unsigned idl = sec->id ? sec->id_line : sec->line;
	int bad = 0;
	const wn_rule *other;
	if (!valid_id(id)) {
		diag(rs, file, idl, "invalid rule id '%s' (1-64 letters, digits, '-', '_', '.')", id);
		bad++;
	} else if (id_taken(rs, id, &other)) {
		diag(rs, file, idl, "duplicate rule id '%s' (also %s:%u)", id, other->file, other->line);
		bad++;
	}
	if (!sec->pattern || !*sec->pattern) {
		diag(rs, file, sec->line, "rule '%s' has no pattern", id);
		bad++;
	}
	int action = -1;
	if (!sec->action) {
		diag(rs, file, sec->line, "rule '%s' has no action", id);
		bad++;
	} else {
		for (size_t a = 0; a < sizeof action_names / sizeof action_names[0]; a++)
			if (!strcmp(sec->action, action_names[a]))
				action = (int)a;
		if (action < 0) {
			diag(rs, file, sec->action_line,
			     "unknown action '%s' (drop-line, drop-block, drop-rest, drop-before, title, byline, date)",
			     sec->action);
			bad++;
		}
	}
	uint32_t options = PCRE2_UTF | PCRE2_UCP;
	if (sec->flags) {
		char **w;
		size_t nw;
		if (split_words(sec->flags, &w, &nw) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < nw; i++) {
			if (!strcmp(w[i], "caseless"))
				options |= PCRE2_CASELESS;
			else if (!strcmp(w[i], "extended"))
				options |= PCRE2_EXTENDED;
			else if (!strcmp(w[i], "literal"))
				options |= PCRE2_LITERAL;
			else if (!strcmp(w[i], "anchored"))
				options |= PCRE2_ANCHORED;
			else {
				diag(rs, file, sec->flags_line, "unknown flag '%s' (caseless, extended, literal, anchored)", w[i]);
				bad++;
			}
		}
		free_words(w, nw);
		if ((options & PCRE2_LITERAL) && (options & PCRE2_EXTENDED)) {
			diag(rs, file, sec->flags_line, "flags 'literal' and 'extended' exclude each other");
			bad++;
		}
	}
	uint32_t max_words = 0;
	if (sec->max_words) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(sec->max_words, &end, 10);
		if (errno || *end || v == 0 || v > 100000 || sec->max_words[0] == '-') {
			diag(rs, file, sec->max_words_line, "max-words must be a number from 1 to 100000");
			bad++;
		} else
			max_words = (uint32_t)v;
	}
	char **scopes = NULL;
	size_t nscopes = 0;
	if (sec->scope) {
		if (split_words(sec->scope, &scopes, &nscopes) < 0)
			return -ENOMEM;
		if (!nscopes) {
			diag(rs, file, sec->scope_line, "empty scope (leave it out to apply to every outlet)");
			bad++;
		}
	}
	pcre2_code *code = NULL;
	if (sec->pattern && *sec->pattern) {
		int err;
		PCRE2_SIZE off;
		code = pcre2_compile((PCRE2_SPTR)sec->pattern, PCRE2_ZERO_TERMINATED, options, &err, &off, NULL);
		if (!code) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(err, msg, sizeof msg);
			diag(rs, file, sec->pattern_line, "pattern: %s at offset %zu", (char *)msg, (size_t)off);
			bad++;
		}
	}
	if (bad) {
		pcre2_code_free(code);
		free_words(scopes, nscopes);
		return -EINVAL;
	}
	wn_rule r = {.action = (enum wn_rule_action)action, .scopes = scopes, .nscopes = nscopes,
		     .max_words = max_words, .code = code, .line = sec->line};
	if (!rs->opts.no_jit) {
		int jrc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		r.jit = jrc == 0;
		if (jrc != 0 && !rs->jit_refused_logged) {
			/* e.g. PCRE2_ERROR_NOMEMORY (-48) under MemoryDenyWriteExecute */
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(jrc, msg, sizeof msg);
			wn_info("rules: JIT unavailable (%s, %d); using the interpreter", (char *)msg, jrc);
			rs->jit_refused_logged = true;
		}
	}
	uint32_t groups = 0;
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (groups > rs->max_groups)
		rs->max_groups = groups;
	int named = pcre2_substring_number_from_name(code, (PCRE2_SPTR) "value");
	r.value_group = named > 0 ? (uint32_t)named : (groups ? 1 : 0);
	if (!(options & PCRE2_LITERAL))
		r.has_first = wn_first_bytes(sec->pattern, options & PCRE2_EXTENDED, options & PCRE2_ANCHORED, r.first);
	char **lits;
	size_t nlits;
	int rc = (options & PCRE2_LITERAL) ? literal_of_plain(sec->pattern, &lits, &nlits)
					    : wn_required_literals(sec->pattern, options & PCRE2_EXTENDED, &lits, &nlits);
	if (rc == 0 && nlits == 0 && !(options & PCRE2_LITERAL)) /* two letters beat every line */
		rc = wn_required_literals_min(sec->pattern, options & PCRE2_EXTENDED, 2, &lits, &nlits);
	size_t len = strlen(id);
	r.id = strdup(id);
	r.file = strdup(file);
	r.reason = malloc(len + 6);
	if (rc < 0 || !r.id || !r.file || !r.reason || reserve(rs) < 0) {
		if (rc == 0)
			wn_literals_free(lits, nlits);
		rule_clear(&r);
		return -ENOMEM;
	}
	memcpy(r.reason, "rule:", 5);
	memcpy(r.reason + 5, id, len + 1);
	r.always = nlits == 0;
	for (size_t i = 0; i < nlits && rc == 0; i++)
		rc = wn_litset_add(rs->lits, lits[i], (uint32_t)rs->n);
	wn_literals_free(lits, nlits);
	if (rc < 0) {
		rule_clear(&r);
		return rc;
	}
	rs->rules[rs->n++] = r;
	return 0;
}

static void free_sections(parse_ctx *pc)
{
	for (size_t i = 0; i < pc->nsecs; i++) {
		section *s = &pc->secs[i];
		free(s->name);
		free(s->id);
		free(s->pattern);
		free(s->action);
		free(s->scope);
		free(s->flags);
		free(s->max_words);
	}
	free(pc->secs);
	free(pc->calls);
}

int wn_ruleset_add_text(wn_ruleset *rs, const char *name, const char *text)
{
	if (rs->finished)
		return -EINVAL;
	parse_ctx pc = {.rs = rs, .file = name};
	int rc = prescan(&pc, text);
	if (rc == 0 && pc.errors == 0) {
		int line = ini_parse_string(text, on_ini_pair, &pc);
		if (line > 0 && pc.errors == 0) { /* a syntax the pre-scan accepted */
			diag(rs, name, (unsigned)line, "syntax error");
			pc.errors++;
		}
		if (pc.nomem)
			rc = -ENOMEM;
		for (size_t i = 0; i < pc.nsecs && rc == 0; i++) {
			if (pc.secs[i].broken)
				continue;
			int brc = build_rule(&pc, &pc.secs[i]);
			if (brc == -ENOMEM)
				rc = brc;
			else if (brc < 0)
				pc.errors++;
		}
	}
	free_sections(&pc);
	if (rc < 0)
		return rc;
	return pc.errors ? -EINVAL : 0;
}

int wn_ruleset_add_file(wn_ruleset *rs, const char *path)
{
	char *buf;
	size_t len;
	int rc = wn_read_file(path, RULE_FILE_MAX, &buf, &len);
	if (rc < 0) {
		diag(rs, path, 0, "%s", wn_strerror(rc));
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		free(buf);
		diag(rs, path, 0, "not a text file");
		return -EINVAL;
	}
	rc = wn_ruleset_add_text(rs, path, buf);
	free(buf);
	return rc;
}

static int rules_file_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 6 && !strcmp(d->d_name + n - 6, ".rules");
}

int wn_ruleset_add_dir(wn_ruleset *rs, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, rules_file_filter, alphasort);
	if (n < 0) {
		int err = errno;
		diag(rs, dir, 0, "%s", strerror(err));
		return err == ENOMEM ? -ENOMEM : -EINVAL;
	}
	int rc = 0;
	if (n == 0) {
		diag(rs, dir, 0, "no *.rules files in this folder");
		rc = -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		if (rc != -ENOMEM) {
			size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
			char *path = malloc(len);
			if (!path)
				rc = -ENOMEM;
			else {
				snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
					 names[i]->d_name);
				int frc = wn_ruleset_add_file(rs, path);
				if (frc < 0 && rc == 0)
					rc = frc;
				else if (frc == -ENOMEM)
					rc = frc;
				free(path);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int wn_ruleset_add_builtin(wn_ruleset *rs)
{
	int rc = 0;
	for (size_t i = 0; i < wn_builtin_rule_nfiles; i++) {
		int frc = wn_ruleset_add_text(rs, wn_builtin_rule_names[i], wn_builtin_rule_texts[i]);
		if (frc < 0 && (rc == 0 || frc == -ENOMEM))
			rc = frc;
	}
	return rc;
}

static int build_first_ok(wn_ruleset *rs)
{
	size_t words = (rs->n + 63) / 64;
	free(rs->first_ok);
	rs->first_ok = calloc(256 * (words ? words : 1), sizeof *rs->first_ok);
	if (!rs->first_ok)
		return -ENOMEM;
	for (unsigned b = 0; b < 256; b++)
		for (size_t r = 0; r < rs->n; r++) {
			const wn_rule *rule = &rs->rules[r];
			if (!rule->has_first || (rule->first[b >> 3] & (1u << (b & 7))))
				rs->first_ok[b * words + (r >> 6)] |= 1ull << (r & 63);
		}
	return 0;
}

int wn_ruleset_finish(wn_ruleset *rs)
{
	if (rs->finished)
		return 0;
	/* Characters that PCRE2 folds to ASCII letters in caseless UTF mode
	 * (KELVIN SIGN, LONG S): a line holding one runs every rule. */
	int rc = wn_litset_add(rs->lits, "\xE2\x84\xAA", TAG_ALL);
	if (rc == 0)
		rc = wn_litset_add(rs->lits, "\xC5\xBF", TAG_ALL);
	if (rc == 0)
		rc = wn_litset_build(rs->lits);
	if (rc == 0)
		rc = build_first_ok(rs);
	if (rc == 0)
		rs->finished = true;
	return rc;
}

/* ---- the filter -------------------------------------------------------- */

/* Candidate rules per line, found by one scan over a window of the
 * document's lines: a bitmap of `words` 64-bit words per line, bit r for
 * rule r. Windows of WINDOW lines bound its size whatever the document. */
#define WINDOW 1024

typedef struct {
	const wn_doc *doc;
	const char *base; /* the window's first line's text: offsets count from here */
	size_t first, end; /* the window: lines first .. end - 1 */
	uint64_t *bits;
	size_t words, nrules;
	size_t line; /* scanning one line (when the lines are not in order): its index */
	/* In-order windows: for every LINE_STEP bytes from base, the last line
	 * starting at or before them (counted from `first`), so that an
	 * occurrence finds its line in a step or two instead of a binary
	 * search (a document has about one occurrence a line). */
	uint16_t *line_at;
	size_t nline_at, line_at_cap;
} cand_map;

/* Bytes a word above which a line is taken to pass a rule's word limit:
 * its words are counted before the regex runs. */
#define LONG_LINE_BYTES_PER_WORD 12

#define LINE_STEP_SHIFT 6
_Static_assert(WINDOW <= UINT16_MAX, "line_at counts lines of a window in 16 bits");

static void mark(cand_map *cm, size_t line, uint32_t tag)
{
	uint64_t *w = cm->bits + (line - cm->first) * cm->words;
	if (tag == TAG_ALL)
		for (size_t r = 0; r < cm->nrules; r += 64)
			w[r >> 6] = cm->nrules - r >= 64 ? UINT64_MAX : (1ull << (cm->nrules - r)) - 1;
	else
		w[tag >> 6] |= 1ull << (tag & 63);
}

/* An occurrence ending at `end` (offset from cm->base): a candidate for the
 * line holding its last byte; in the gap after a line (what white space
 * normalisation left behind), for none. */
static void on_literal_in_doc(uint32_t tag, size_t end, void *ud)
{
	cand_map *cm = ud;
	const char *at = cm->base + end - 1;
	size_t lo = cm->first, hi = cm->end; /* the last line starting at or before `at` */
	if (cm->nline_at) {
		lo += cm->line_at[(end - 1) >> LINE_STEP_SHIFT];
		while (lo + 1 < hi && cm->doc->lines[lo + 1].text <= at)
			lo++;
	} else {
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (cm->doc->lines[mid].text <= at)
				lo = mid;
			else
				hi = mid;
		}
	}
	const wn_line *l = &cm->doc->lines[lo];
	if (at < l->text + l->len)
		mark(cm, lo, tag);
}

/* Fill cm->line_at for a window spanning `span` bytes from cm->base; on
 * lack of memory, leave it empty (occurrences then search). */
static void index_window(cand_map *cm, size_t span)
{
	size_t n = (span >> LINE_STEP_SHIFT) + 1;
	cm->nline_at = 0;
	if (n > cm->line_at_cap) {
		uint16_t *g = realloc(cm->line_at, n * sizeof *g);
		if (!g)
			return;
		cm->line_at = g;
		cm->line_at_cap = n;
	}
	size_t line = cm->first;
	for (size_t k = 0; k < n; k++) {
		const char *at = cm->base + (k << LINE_STEP_SHIFT);
		while (line + 1 < cm->end && cm->doc->lines[line + 1].text <= at)
			line++;
		cm->line_at[k] = (uint16_t)(line - cm->first);
	}
	cm->nline_at = n;
}

static void on_literal_in_line(uint32_t tag, size_t end, void *ud)
{
	(void)end;
	cand_map *cm = ud;
	mark(cm, cm->line, tag);
}

/* Mark the candidates of lines first .. end - 1 (cm->bits cleared). One
 * scan over the text they span when they lie in it in order (as
 * wn_doc_parse leaves them), else line by line. */
static void find_candidates(const wn_doc *doc, const wn_ruleset *rs, cand_map *cm, size_t first, size_t end)
{
	cm->doc = doc;
	cm->first = first;
	cm->end = end;
	bool in_order = true;
	for (size_t i = first + 1; i < end && in_order; i++)
		in_order = doc->lines[i].text >= doc->lines[i - 1].text + doc->lines[i - 1].len + 1;
	if (in_order) {
		cm->base = doc->lines[first].text;
		const wn_line *last = &doc->lines[end - 1];
		size_t span = (size_t)(last->text + last->len - cm->base);
		index_window(cm, span);
		wn_litset_scan_at(rs->lits, cm->base, span, on_literal_in_doc, cm);
		return;
	}
	for (size_t i = first; i < end; i++) {
		cm->line = i;
		if (wn_line_kept(&doc->lines[i]))
			wn_litset_scan_at(rs->lits, doc->lines[i].text, doc->lines[i].len, on_literal_in_line, cm);
	}
}

static bool in_scope(const wn_rule *r, const char *outlet)
{
	if (!r->nscopes)
		return true;
	for (size_t i = 0; i < r->nscopes; i++)
		if (fnmatch(r->scopes[i], outlet ? outlet : "", 0) == 0)
			return true;
	return false;
}

/* Value of a metadata rule's match: its group, else the whole line; trimmed. */
static int set_meta(wn_doc *doc, const wn_rule *r, const wn_line *l, pcre2_match_data *md)
{
	char **field = r->action == WN_RULE_TITLE ? &doc->title
		       : r->action == WN_RULE_BYLINE ? &doc->byline
						     : &doc->date;
	if (*field)
		return 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t a = 0, b = l->len;
	if (r->value_group && r->value_group < pcre2_get_ovector_count(md) &&
	    ov[2 * r->value_group] != PCRE2_UNSET) {
		a = ov[2 * r->value_group];
		b = ov[2 * r->value_group + 1];
	}
	while (a < b && (l->text[a] == ' ' || l->text[a] == '\t'))
		a++;
	while (b > a && (l->text[b - 1] == ' ' || l->text[b - 1] == '\t'))
		b--;
	if (a == b)
		return 0;
	char *v = strndup(l->text + a, b - a);
	if (!v)
		return -ENOMEM;
	int rc = wn_doc_set_field(field, v);
	free(v);
	return rc;
}

/* Apply rule r that matched line i. *stop is set when nothing after i needs
 * looking at; *before is the number of leading lines already dropped by a
 * drop-before rule (so many such matches stay linear). */
static int apply(wn_doc *doc, const wn_rule *r, size_t i, pcre2_match_data *md, bool *stop, size_t *before)
{
	int rc = 0;
	switch (r->action) {
	case WN_RULE_DROP_LINE:
		return wn_doc_remove(doc, i, r->reason);
	case WN_RULE_DROP_BLOCK: {
		const wn_line *l = &doc->lines[i];
		if (l->block == WN_NO_BLOCK)
			return wn_doc_remove(doc, i, r->reason);
		const wn_block *b = &doc->blocks[l->block];
		for (uint32_t j = 0; j < b->count && rc == 0; j++)
			rc = wn_doc_remove(doc, b->first + j, r->reason);
		return rc;
	}
	case WN_RULE_DROP_REST:
		for (size_t j = i; j < doc->nlines && rc == 0; j++)
			if (!doc->lines[j].blank)
				rc = wn_doc_remove(doc, j, r->reason);
		*stop = true;
		return rc;
	case WN_RULE_DROP_BEFORE:
		for (size_t j = *before; j <= i && rc == 0; j++)
			if (!doc->lines[j].blank)
				rc = wn_doc_remove(doc, j, r->reason);
		*before = i + 1;
		return rc;
	case WN_RULE_TITLE:
	case WN_RULE_BYLINE:
	case WN_RULE_DATE:
		rc = set_meta(doc, r, &doc->lines[i], md);
		return rc ? rc : wn_doc_remove(doc, i, r->reason);
	}
	return 0;
}

static int run_rules(wn_doc *doc, const wn_ruleset *rs, bool prefilter)
{
	if (!rs || !rs->n)
		return 0;
	if (!rs->finished)
		return -EINVAL;
	size_t words = (rs->n + 63) / 64;
	uint64_t *usable = calloc(words, sizeof *usable); /* in scope, not skipped */
	uint64_t *always = calloc(words, sizeof *always);
	size_t window = doc->nlines < WINDOW ? doc->nlines : WINDOW;
	cand_map cm = {.words = words, .nrules = rs->n, .bits = malloc((window * words + 1) * sizeof *cm.bits)};
	pcre2_match_data *md = pcre2_match_data_create(rs->max_groups + 1, NULL);
	int rc = 0;
	if (!usable || !always || !cm.bits || !md) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < rs->n; r++) {
		if (in_scope(&rs->rules[r], doc->outlet))
			usable[r >> 6] |= 1ull << (r & 63);
		if (rs->rules[r].always || !prefilter)
			always[r >> 6] |= 1ull << (r & 63);
	}
	bool stop = false;
	size_t before = 0;
	for (size_t i = 0; i < doc->nlines && rc == 0 && !stop; i++) {
		if (i % WINDOW == 0) {
			size_t end = i + WINDOW < doc->nlines ? i + WINDOW : doc->nlines;
			memset(cm.bits, 0, (end - i) * words * sizeof *cm.bits);
			if (prefilter)
				find_candidates(doc, rs, &cm, i, end);
		}
		const wn_line *l = &doc->lines[i];
		if (!wn_line_kept(l))
			continue;
		unsigned char b0 = (unsigned char)l->text[0];
		wn_word_count count;
		wn_word_count_init(&count, l->text, l->len);
		bool done = false;
		/* the candidates in rule order; an anchored rule is no candidate
		 * when its first byte cannot start this line */
		const uint64_t *first_ok = rs->first_ok + (size_t)b0 * words;
		for (size_t w = 0; w < words && rc == 0 && !done; w++) {
			uint64_t bits = (cm.bits[(i % WINDOW) * words + w] | always[w]) & usable[w];
			if (prefilter)
				bits &= first_ok[w];
			while (bits && rc == 0 && !done) {
				size_t ri = w * 64 + (size_t)__builtin_ctzll(bits);
				bits &= bits - 1;
				const wn_rule *r = &rs->rules[ri];
				/* The word limit is checked after the regex ran (counting
				 * the words of a paragraph costs more than a regex that
				 * fails); as if it had been checked first. Except on a
				 * line long enough to pass the limit at any usual word
				 * length: there counting stops early, while an unanchored
				 * regex tries every position (thousands of cycles a line). */
				if (r->max_words && l->len > LONG_LINE_BYTES_PER_WORD * (size_t)r->max_words &&
				    wn_words_exceed(&count, r->max_words))
					continue;
				/* pcre2_jit_match: the same match without pcre2_match's checks */
				int m = r->jit ? pcre2_jit_match(r->code, (PCRE2_SPTR)l->text, l->len, 0,
								 PCRE2_NO_UTF_CHECK, md, rs->mctx)
					       : pcre2_match(r->code, (PCRE2_SPTR)l->text, l->len, 0,
							     PCRE2_NO_UTF_CHECK, md, rs->mctx);
				if (m == PCRE2_ERROR_NOMATCH || (r->max_words && wn_words_exceed(&count, r->max_words)))
					continue;
				if (m < 0) {
					PCRE2_UCHAR msg[256];
					pcre2_get_error_message(m, msg, sizeof msg);
					wn_warn("rule %s skipped for %s (line %u): %s", r->id,
						doc->source ? doc->source : "-", l->lineno, (char *)msg);
					usable[ri >> 6] &= ~(1ull << (ri & 63));
					continue;
				}
				rc = apply(doc, r, i, md, &stop, &before);
				done = true; /* the line has its reason */
			}
		}
	}
out:
	pcre2_match_data_free(md);
	free(usable);
	free(always);
	free(cm.bits);
	free(cm.line_at);
	return rc;
}

int wn_filter_rules(wn_doc *doc, const wn_filter_ctx *ctx)
{
	return run_rules(doc, ctx ? ctx->data : NULL, true);
}

int wn_filter_rules_unfiltered(wn_doc *doc, const wn_filter_ctx *ctx)
{
	return run_rules(doc, ctx ? ctx->data : NULL, false);
}
