/* notify.c — see notify.h. */
#include "daemon/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *notify_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	return s && *s ? s : NULL;
}

bool wn_notify_enabled(void) { return notify_socket() != NULL; }

/* Fill `sa` from a $NOTIFY_SOCKET value; returns the address length or a
 * negative errno. An abstract name has no terminating NUL: its length is
 * exactly the name's, or the kernel would bind a different name. */
static int socket_address(const char *name, struct sockaddr_un *sa)
{
	size_t len = strlen(name);
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (name[0] == '@') {
		if (len < 2 || len > sizeof sa->sun_path)
			return -EINVAL;
		memcpy(sa->sun_path + 1, name + 1, len - 1);
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	if (name[0] != '/')
		return -EAFNOSUPPORT; /* e.g. the vsock: form of newer systemd */
	if (len >= sizeof sa->sun_path)
		return -EINVAL;
	memcpy(sa->sun_path, name, len + 1);
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int wn_notify(const char *state)
{
	const char *name = notify_socket();
	if (!name)
		return 0;
	size_t len = strlen(state);
	if (len == 0)
		return -EINVAL;
	struct sockaddr_un sa;
	int salen = socket_address(name, &sa);
	if (salen < 0)
		return salen;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	ssize_t n;
	do
		n = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, (socklen_t)salen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EMSGSIZE; /* a datagram goes whole or not at all; never seen */
	close(fd);
	return rc;
}

int wn_notify_ready(void) { return wn_notify("READY=1"); }
int wn_notify_watchdog(void) { return wn_notify("WATCHDOG=1"); }
int wn_notify_stopping(void) { return wn_notify("STOPPING=1"); }

int wn_notify_status(const char *fmt, ...)
{
	if (!wn_notify_enabled())
		return 0;
	char msg[512] = "STATUS=";
	size_t head = strlen(msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + head, sizeof msg - head, fmt, ap); /* a longer status is cut */
	va_end(ap);
	for (char *p = msg + head; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return wn_notify(msg);
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int wn_notify_reloading(void)
{
	/* MONOTONIC_USEC lets systemd (>= 253) tell this reload from an older
	 * one; older versions ignore the field. */
	char msg[64];
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)monotonic_usec());
	return wn_notify(msg);
}

int wn_notify_extend_timeout(uint64_t usec)
{
	char msg[64];
	snprintf(msg, sizeof msg, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)usec);
	return wn_notify(msg);
}

/* Parse a whole positive decimal number; -EINVAL for anything else. */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int wn_notify_watchdog_usec(uint64_t *usec)
{
	*usec = 0;
	const char *us = getenv("WATCHDOG_USEC");
	if (!us || !*us)
		return 0;
	const char *pid = getenv("WATCHDOG_PID");
	if (pid && *pid) {
		uint64_t p;
		if (parse_u64(pid, &p) < 0)
			return -EINVAL;
		if (p != (uint64_t)getpid())
			return 0; /* meant for another process (we were forked off) */
	}
	uint64_t v;
	if (parse_u64(us, &v) < 0)
		return -EINVAL;
	*usec = v;
	return 1;
}
