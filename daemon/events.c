/* events.c — see events.h. */
#include "daemon/events.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAIL_MAX (4u << 20) /* the last line is looked for in this much of the tail */

struct wn_events {
	char *path;
	char last_claim[32];
};

/* Cut a torn last line, then remember the claim of the last whole line. */
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
	if (end > 0) {
		size_t start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		json_t *j = json_loadb(buf + start, end - 1 - start, 0, NULL);
		const char *claim = json_string_value(json_object_get(j, "claim"));
		if (claim)
			snprintf(ev->last_claim, sizeof ev->last_claim, "%s", claim);
		json_decref(j);
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
	free(ev);
}

bool wn_events_logged_last(const wn_events *ev, const char *claim)
{
	return ev->last_claim[0] && !strcmp(ev->last_claim, claim);
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
	int fd = open(ev->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(line);
	char *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(buf, line, len);
	buf[len++] = '\n';
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
