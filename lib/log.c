/* log.c — see log.h. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int max_level = WN_LOG_INFO;
static const char *log_ident = "winnow";

void wn_log_set_level(int level) { max_level = level; }
int wn_log_get_level(void) { return max_level; }
void wn_log_set_ident(const char *ident) { log_ident = ident ? ident : "winnow"; }

static const char *level_name(int level)
{
	switch (level) {
	case WN_LOG_ERR: return "error";
	case WN_LOG_WARNING: return "warning";
	case WN_LOG_NOTICE: return "notice";
	case WN_LOG_INFO: return "info";
	default: return "debug";
	}
}

void wn_log(int level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char line[2048];
	int n;
	if (getenv("JOURNAL_STREAM"))
		n = snprintf(line, sizeof line, "<%d>", level);
	else
		n = snprintf(line, sizeof line, "%s: %s: ", log_ident, level_name(level));
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* One event, one line: newlines inside a message (file names) are shown as spaces. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
