/* events.c — see events.h. */
#include "daemon/events.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAIL_MAX (4u << 20) /* the last line is looked for in this much of the tail */

struct wn_events {
	char *path;
	uint64_t *claims; /* of the lines in the tail at open, sorted */
	size_t nclaims;
};

static bool parse_claim(const char *s, size_t len, uint64_t *out)
{
	if (len != 16)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* The claim of one line: found by its key, which the daemon writes last
 * (an escaped quote inside a string value cannot look like it); any other
 * form is parsed as JSON. */
static bool line_claim(const char *line, size_t len, uint64_t *out)
{
	static const char key[] = "\"claim\":\"";
	const size_t klen = sizeof key - 1;
	if (len >= klen + 18 && !memcmp(line + len - klen - 18, key, klen) &&
	    !memcmp(line + len - 2, "\"}", 2))
		return parse_claim(line + len - 18, 16, out);
	json_t *j = json_loadb(line, len, 0, NULL);
	const char *claim = json_string_value(json_object_get(j, "claim"));
	bool ok = claim && parse_claim(claim, strlen(claim), out);
	json_decref(j);
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Remember the claims of the whole lines in buf[0..end). */
static int collect_claims(wn_events *ev, const char *buf, size_t end)
{
	size_t lines = 0;
	for (size_t i = 0; i < end; i++)
		lines += buf[i] == '\n';
	ev->claims = malloc((lines ? lines : 1) * sizeof *ev->claims);
	if (!ev->claims)
		return -ENOMEM;
	for (size_t start = 0; start < end;) {
		const char *nl = memchr(buf + start, '\n', end - start);
		size_t stop = (size_t)(nl - buf);
		if (line_claim(buf + start, stop - start, &ev->claims[ev->nclaims]))
			ev->nclaims++;
		start = stop + 1;
	}
	qsort(ev->claims, ev->nclaims, sizeof *ev->claims, cmp_u64);
	return 0;
}

/* Cut a torn last line, then remember the claims of the whole lines in the tail. */
static int read_tail(wn_events *ev)
{
	int fd = open(ev->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	size_t n = (size_t)st.st_size < TAIL_MAX ? (size_t)st.st_size : TAIL_MAX;
	off_t base = st.st_size - (off_t)n;
	char *buf = malloc(n + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, n, base) != (ssize_t)n) {
		rc = -EIO;
		free(buf);
		goto out;
	}
	size_t end = n;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	if (end < n && (end > 0 || base == 0) && ftruncate(fd, base + (off_t)end) < 0)
		rc = -errno;
	if (rc == 0) {
		/* the first line of a cut window may be a part: skip it */
		size_t start = 0;
		if (base > 0)
			while (start < end && buf[start++] != '\n')
				;
		rc = collect_claims(ev, buf + start, end - start);
	}
	free(buf);
out:
	close(fd);
	return rc;
}

int wn_events_open(const char *outdir, wn_events **out)
{
	*out = NULL;
	wn_events *ev = calloc(1, sizeof *ev);
	if (!ev)
		return -ENOMEM;
	if (asprintf(&ev->path, "%s/events.jsonl", outdir) < 0) {
		free(ev);
		return -ENOMEM;
	}
	int rc = read_tail(ev);
	if (rc < 0) {
		wn_events_close(ev);
		return rc;
	}
	*out = ev;
	return 0;
}

void wn_events_close(wn_events *ev)
{
	if (!ev)
		return;
	free(ev->path);
	free(ev->claims);
	free(ev);
}

bool wn_events_logged(const wn_events *ev, const char *claim)
{
	uint64_t v;
	return ev->nclaims && parse_claim(claim, strlen(claim), &v) &&
	       bsearch(&v, ev->claims, ev->nclaims, sizeof v, cmp_u64) != NULL;
}

static json_t *sanitized(const char *s)
{
	char *u = wn_utf8_sanitize(s, strlen(s));
	json_t *j = u ? json_string(u) : NULL;
	free(u);
	return j;
}

static json_t *rel_path(const wn_doc *doc, const char *ext)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s/%s.%s", doc->outlet, doc->stem, ext);
	return sanitized(buf);
}

static json_t *repeated_quotes(const wn_doc *doc)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < doc->nquotes; i++) {
		const wn_quote *q = &doc->quotes[i];
		if (!q->nrepeated)
			continue;
		json_t *in = json_array();
		for (size_t j = 0; in && j < q->nrepeated; j++)
			json_array_append_new(in, json_pack("{s:s, s:s, s:b}", "id", q->repeated_in[j].id,
							    "outlet", q->repeated_in[j].outlet,
							    "same_outlet", q->repeated_in[j].same_outlet));
		json_array_append_new(arr, json_pack("{s:s, s:o}", "text", q->text, "repeated_in",
						     in ? in : json_array()));
	}
	return arr;
}

char *wn_events_line(const wn_doc *doc, const char *claim, const char *file, bool wrote_text,
		     time_t when)
{
	struct tm tm;
	char stamp[32];
	gmtime_r(&when, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}",
			      "time", stamp, "id", doc->id, "outlet", doc->outlet,
			      "file", sanitized(file), "json", rel_path(doc, "json"),
			      "txt", wrote_text ? rel_path(doc, "txt") : json_null(),
			      "duplicate_of", doc->duplicate_of ? json_string(doc->duplicate_of) : json_null(),
			      "repeated_quotes", repeated_quotes(doc), "claim", claim);
	char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	return line;
}

int wn_events_append(wn_events *ev, const char *line, bool durable)
{
	char *lines[1] = {(char *)line};
	return wn_events_append_lines(ev, lines, 1, durable);
}

int wn_events_append_lines(wn_events *ev, char *const *lines, size_t n, bool durable)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	if (!len)
		return 0;
	char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);
		memcpy(buf + off, lines[i], l);
		off += l;
		buf[off++] = '\n';
	}
	int fd = open(ev->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		free(buf);
		return -e;
	}
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : 0;
	if (rc == 0) {
		ssize_t w = write(fd, buf, len); /* one write: readers never see half a line */
		if (w != (ssize_t)len) {
			rc = w < 0 ? -errno : -ENOSPC;
			int cut = ftruncate(fd, st.st_size); /* no torn line left behind */
			(void)cut;
		}
	}
	if (rc == 0 && durable && fdatasync(fd) < 0)
		rc = -errno;
	free(buf);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}
