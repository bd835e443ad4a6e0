/* config.c — see config.h. One table lists every key; the file parser,
 * the flag parser, --check-config and --help all read it. */
#include "daemon/config.h"
#include "lib/log.h"
#include "dedup/index.h"
#include "lib/pipeline.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum key_type { K_PATH, K_OPT_PATH, K_SIZE, K_DURATION, K_BOOL, K_UINT, K_LEVEL };

static const struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *help;
	unsigned max; /* K_UINT: accepted range 1..max */
} keys[] = {
#define K(n, t, h) {#n, t, offsetof(wn_dconfig, n), h, 0}
	K(spool, K_PATH, "spool root (incoming/, tmp/, work/, done/, failed/)"),
	K(out, K_PATH, "output folder (<outlet>/<stem>.json and .txt, events.jsonl)"),
	K(state, K_PATH, "the state store (SQLite): learned chrome, quotes, duplicates"),
	K(rules, K_OPT_PATH, "folder of *.rules files, added to the built-in rules (empty: none)"),
	K(default_rules, K_BOOL, "use the built-in rules"),
	K(heuristics, K_BOOL, "run the text heuristics"),
	K(jit, K_BOOL, "JIT-compile rules (the interpreter is used when the system refuses)"),
	{"chrome_min_docs", K_UINT, offsetof(wn_dconfig, chrome_min_docs),
	 "a line in this many articles of an outlet is chrome", 1000000},
	{"chrome_window", K_UINT, offsetof(wn_dconfig, chrome_window),
	 "chrome_min_docs counts among the outlet's last this many articles", 1000000},
	{"retention_days", K_UINT, offsetof(wn_dconfig, retention_days),
	 "the state store forgets articles not seen for this many days", 1000000},
	K(max_bytes, K_SIZE, "larger inputs are quarantined"),
	{"settle", K_DURATION, offsetof(wn_dconfig, settle_ms),
	 "a file found by a scan is taken once unchanged this long", 0},
	{"scan_interval", K_DURATION, offsetof(wn_dconfig, scan_interval_ms),
	 "full rescan of incoming/ this often (0: never)", 0},
	{"stats_interval", K_DURATION, offsetof(wn_dconfig, stats_interval_ms),
	 "counters logged this often (0: only on SIGUSR1)", 0},
	{"done_retention", K_DURATION, offsetof(wn_dconfig, done_retention_ms),
	 "originals kept in done/ this long (0: forever)", 0},
	{"stop_timeout", K_DURATION, offsetof(wn_dconfig, stop_timeout_ms),
	 "on SIGTERM, in-flight work gets this long", 0},
	{"workers", K_UINT, offsetof(wn_dconfig, workers), "articles cleaned in parallel (1..64)", 64},
	K(durable, K_BOOL, "fsync outputs, events.jsonl and spool moves"),
	K(keep_duplicates, K_BOOL, "write the .txt of a duplicate article too"),
	K(log_level, K_LEVEL, "error, warning, notice, info or debug"),
#undef K
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const struct {
	const char *name;
	int level;
} levels[] = {
	{"error", WN_LOG_ERR}, {"warning", WN_LOG_WARNING}, {"notice", WN_LOG_NOTICE},
	{"info", WN_LOG_INFO}, {"debug", WN_LOG_DEBUG},
};

void wn_dconfig_init(wn_dconfig *c)
{
	memset(c, 0, sizeof *c);
	c->spool = strdup("spool");
	c->out = strdup("out");
	c->state = strdup("state/winnow.db");
	c->rules = NULL;
	c->default_rules = true;
	c->heuristics = true;
	c->jit = true;
	c->chrome_min_docs = WN_CHROME_MIN_DOCS;
	c->chrome_window = WN_CHROME_WINDOW;
	c->retention_days = WN_RETENTION_DAYS;
	c->max_bytes = WN_DEFAULT_MAX_BYTES;
	c->settle_ms = 5000;
	c->scan_interval_ms = 60000;
	c->stats_interval_ms = 300000;
	c->done_retention_ms = 7ull * 24 * 3600 * 1000;
	c->stop_timeout_ms = 5000;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	c->workers = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
	c->durable = true;
	c->keep_duplicates = false;
	c->log_level = WN_LOG_INFO;
}

void wn_dconfig_free(wn_dconfig *c)
{
	free(c->spool);
	free(c->out);
	free(c->state);
	free(c->rules);
	memset(c, 0, sizeof *c);
}

int wn_parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	unsigned shift = 0;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -EINVAL;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (SIZE_MAX >> shift))
		return -EINVAL;
	*out = (size_t)(v << shift);
	return 0;
}

int wn_parse_duration_ms(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	double unit = 1000;
	if (!strcmp(end, "ms"))
		unit = 1;
	else if (!strcmp(end, "s") || !*end)
		unit = 1000;
	else if (!strcmp(end, "m"))
		unit = 60e3;
	else if (!strcmp(end, "h"))
		unit = 3600e3;
	else if (!strcmp(end, "d"))
		unit = 86400e3;
	else
		return -EINVAL;
	double ms = v * unit;
	if (ms > 1e15) /* about 30,000 years: surely a mistake */
		return -EINVAL;
	*out = (uint64_t)(ms + 0.5);
	return 0;
}

int wn_parse_bool(const char *s, bool *out)
{
	static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

int wn_dconfig_set(wn_dconfig *c, const char *key, const char *value, char *err, size_t errlen)
{
	const struct key *k = find_key(key);
	if (!k) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -ENOENT;
	}
	void *field = (char *)c + k->offset;
	int rc = 0;
	const char *want = "";
	char range[48];
	switch (k->type) {
	case K_PATH:
	case K_OPT_PATH: {
		if (!*value && k->type == K_PATH) {
			rc = -EINVAL;
			want = "a path";
			break;
		}
		char *copy = *value ? strdup(value) : NULL;
		if (*value && !copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		break;
	}
	case K_SIZE: {
		size_t v;
		rc = wn_parse_size(value, &v);
		if (rc == 0 && v == 0)
			rc = -EINVAL;
		if (rc == 0)
			*(size_t *)field = v;
		want = "a positive size such as 16M";
		break;
	}
	case K_DURATION:
		rc = wn_parse_duration_ms(value, (uint64_t *)field);
		want = "a duration such as 500ms, 5s, 10m, 1h or 7d";
		break;
	case K_BOOL:
		rc = wn_parse_bool(value, (bool *)field);
		want = "yes or no";
		break;
	case K_UINT: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(value, &end, 10);
		if (errno || end == value || *end || *value == '-' || v < 1 || v > k->max)
			rc = -EINVAL;
		else
			*(unsigned *)field = (unsigned)v;
		snprintf(range, sizeof range, "a number from 1 to %u", k->max);
		want = range;
		break;
	}
	case K_LEVEL:
		rc = -EINVAL;
		for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
			if (!strcasecmp(value, levels[i].name)) {
				*(int *)field = levels[i].level;
				rc = 0;
			}
		want = "error, warning, notice, info or debug";
		break;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: '%s' is not %s", key, value, want);
	return rc;
}

struct load_ctx {
	wn_dconfig *c;
	char msg[256];
};

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *lc = user;
	if (section[0] && strcmp(section, "winnowd"))
		return 1; /* another tool's section */
	if (lc->msg[0])
		return 0; /* keep the first error only */
	return wn_dconfig_set(lc->c, name, value, lc->msg, sizeof lc->msg) == 0;
}

int wn_dconfig_load(wn_dconfig *c, const char *path, char *err, size_t errlen)
{
	struct load_ctx lc = {.c = c};
	int rc = ini_parse(path, on_ini_entry, &lc);
	if (rc == 0)
		return 0;
	if (rc == -1) {
		int e = errno ? errno : ENOENT;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
		return -e;
	}
	if (rc == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(err, errlen, "%s:%d: %s", path, rc, lc.msg[0] ? lc.msg : "syntax error");
	return -EINVAL;
}

const char *wn_dconfig_flag_key(const char *flag, char *buf, size_t buflen)
{
	if (strncmp(flag, "--", 2))
		return NULL;
	flag += 2;
	size_t n = strcspn(flag, "=");
	if (n == 0 || n >= buflen)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = flag[i] == '-' ? '_' : flag[i];
	buf[n] = '\0';
	return find_key(buf) ? buf : NULL;
}

static void print_duration(FILE *f, uint64_t ms)
{
	if (ms && ms % 86400000 == 0)
		fprintf(f, "%llud\n", (unsigned long long)(ms / 86400000));
	else if (ms && ms % 3600000 == 0)
		fprintf(f, "%lluh\n", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		fprintf(f, "%llum\n", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		fprintf(f, "%llus\n", (unsigned long long)(ms / 1000));
	else
		fprintf(f, "%llums\n", (unsigned long long)ms);
}

void wn_dconfig_print(const wn_dconfig *c, FILE *f)
{
	fprintf(f, "[winnowd]\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const void *field = (const char *)c + k->offset;
		fprintf(f, "%s = ", k->name);
		switch (k->type) {
		case K_PATH:
		case K_OPT_PATH: {
			const char *s = *(char *const *)field;
			fprintf(f, "%s\n", s ? s : "");
			break;
		}
		case K_SIZE: fprintf(f, "%zu\n", *(const size_t *)field); break;
		case K_DURATION: print_duration(f, *(const uint64_t *)field); break;
		case K_BOOL: fprintf(f, "%s\n", *(const bool *)field ? "yes" : "no"); break;
		case K_UINT: fprintf(f, "%u\n", *(const unsigned *)field); break;
		case K_LEVEL: {
			int lv = *(const int *)field;
			const char *name = "info";
			for (size_t j = 0; j < sizeof levels / sizeof levels[0]; j++)
				if (levels[j].level == lv)
					name = levels[j].name;
			fprintf(f, "%s\n", name);
			break;
		}
		}
	}
}

void wn_dconfig_usage(FILE *f)
{
	char flag[64];
	for (size_t i = 0; i < NKEYS; i++) {
		size_t n = strlen(keys[i].name);
		for (size_t j = 0; j <= n; j++)
			flag[j] = keys[i].name[j] == '_' ? '-' : keys[i].name[j];
		fprintf(f, "  --%-16s %s\n", flag, keys[i].help);
	}
}
