/* Unit tests: the notification protocol (notify.h) against a real datagram
 * socket, bound at a path and at an abstract name, as systemd binds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/notify.h"

struct listener {
	int fd;
	char env[128]; /* the $NOTIFY_SOCKET value that reaches it */
	char dir[64];  /* temporary folder of a path socket, else "" */
};

static void bind_or_fail(struct listener *l, const struct sockaddr_un *sa, socklen_t len)
{
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	int one = 1; /* have the kernel attach the sender's credentials, as systemd does */
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one), 0);
	assert_int_equal(bind(l->fd, (const struct sockaddr *)sa, len), 0);
}

static int setup_path(void **state)
{
	struct listener *l = calloc(1, sizeof *l);
	strcpy(l->dir, "/tmp/wn-test-notify-XXXXXX");
	if (!mkdtemp(l->dir))
		return -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", l->dir);
	bind_or_fail(l, &sa, sizeof sa);
	snprintf(l->env, sizeof l->env, "%s", sa.sun_path);
	setenv("NOTIFY_SOCKET", l->env, 1);
	*state = l;
	return 0;
}

static int setup_abstract(void **state)
{
	struct listener *l = calloc(1, sizeof *l);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char name[64];
	int n = snprintf(name, sizeof name, "wn-test-notify/%d/%ld", (int)getpid(), (long)time(NULL));
	memcpy(sa.sun_path + 1, name, (size_t)n); /* sun_path[0] == 0: abstract */
	bind_or_fail(l, &sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n));
	snprintf(l->env, sizeof l->env, "@%s", name);
	setenv("NOTIFY_SOCKET", l->env, 1);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	struct listener *l = *state;
	close(l->fd);
	if (*l->dir) {
		char p[128];
		snprintf(p, sizeof p, "%s/notify", l->dir);
		unlink(p);
		rmdir(l->dir);
	}
	free(l);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

/* The next datagram, which must already be queued: a datagram to a local
 * socket is in the receiver's queue when sendto() returns, so no waiting.
 * Checks that it came from this process. Returns a static buffer. */
static const char *next_message(struct listener *l)
{
	static char buf[1024];
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			    .msg_controllen = sizeof ctl};
	ssize_t n = recvmsg(l->fd, &mh, MSG_DONTWAIT);
	assert_true(n >= 0);
	assert_false(mh.msg_flags & MSG_TRUNC);
	buf[n] = 0;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_CREDENTIALS);
	struct ucred cred;
	memcpy(&cred, CMSG_DATA(c), sizeof cred);
	assert_int_equal(cred.pid, getpid());
	return buf;
}

static void assert_queue_empty(struct listener *l)
{
	char b[16];
	assert_int_equal(recv(l->fd, b, sizeof b, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void check_all_messages(struct listener *l)
{
	assert_true(wn_notify_enabled());
	assert_int_equal(wn_notify_ready(), 0);
	assert_string_equal(next_message(l), "READY=1");
	assert_int_equal(wn_notify_watchdog(), 0);
	assert_string_equal(next_message(l), "WATCHDOG=1");
	assert_int_equal(wn_notify_stopping(), 0);
	assert_string_equal(next_message(l), "STOPPING=1");
	assert_int_equal(wn_notify_status("%d queued, %s", 3, "5 done"), 0);
	assert_string_equal(next_message(l), "STATUS=3 queued, 5 done");
	assert_int_equal(wn_notify_extend_timeout(30000000), 0);
	assert_string_equal(next_message(l), "EXTEND_TIMEOUT_USEC=30000000");
	assert_int_equal(wn_notify("READY=1\nSTATUS=idle"), 0);
	assert_string_equal(next_message(l), "READY=1\nSTATUS=idle");

	/* RELOADING=1 carries the CLOCK_MONOTONIC time it was sent at */
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(wn_notify_reloading(), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	const char *m = next_message(l);
	unsigned long long us;
	char rest;
	assert_int_equal(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu%c", &us, &rest), 1);
	assert_true(us >= (unsigned long long)a.tv_sec * 1000000u + (unsigned long long)a.tv_nsec / 1000u);
	assert_true(us <= (unsigned long long)b.tv_sec * 1000000u + (unsigned long long)b.tv_nsec / 1000u);
	assert_queue_empty(l);
}

static void test_path_socket(void **state) { check_all_messages(*state); }
static void test_abstract_socket(void **state) { check_all_messages(*state); }

static void test_unset_is_silent_noop(void **state)
{
	struct listener *l = *state;
	unsetenv("NOTIFY_SOCKET");
	assert_false(wn_notify_enabled());
	assert_int_equal(wn_notify_ready(), 0);
	assert_int_equal(wn_notify_status("x %d", 1), 0);
	assert_int_equal(wn_notify_watchdog(), 0);
	assert_int_equal(wn_notify_reloading(), 0);
	assert_int_equal(wn_notify_stopping(), 0);
	setenv("NOTIFY_SOCKET", "", 1); /* empty counts as unset */
	assert_false(wn_notify_enabled());
	assert_int_equal(wn_notify_ready(), 0);
	assert_queue_empty(l);
}

static void test_status_stays_one_line(void **state)
{
	struct listener *l = *state;
	assert_int_equal(wn_notify_status("a\nb\r\nc"), 0);
	assert_string_equal(next_message(l), "STATUS=a b  c");
	/* an over-long status is cut, not overflowed */
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(wn_notify_status("%s", big), 0);
	const char *m = next_message(l);
	assert_int_equal(strncmp(m, "STATUS=xxx", 10), 0);
	assert_true(strlen(m) < 600);
}

static void test_bad_addresses(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(wn_notify_ready(), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(wn_notify_ready(), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(wn_notify_ready(), -EINVAL);
	char longp[200] = "/";
	memset(longp + 1, 'a', 150);
	setenv("NOTIFY_SOCKET", longp, 1);
	assert_int_equal(wn_notify_ready(), -EINVAL);
	setenv("NOTIFY_SOCKET", "/nonexistent-wn-dir/notify", 1);
	assert_int_equal(wn_notify_ready(), -ENOENT);
	assert_int_equal(wn_notify(""), -EINVAL);
}

static void test_watchdog_usec(void **state)
{
	(void)state;
	uint64_t us = 99;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(wn_notify_watchdog_usec(&us), 0);
	assert_int_equal(us, 0);

	setenv("WATCHDOG_USEC", "5000000", 1);
	assert_int_equal(wn_notify_watchdog_usec(&us), 1);
	assert_int_equal(us, 5000000);

	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(wn_notify_watchdog_usec(&us), 1);
	assert_int_equal(us, 5000000);

	snprintf(pid, sizeof pid, "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1); /* meant for someone else */
	assert_int_equal(wn_notify_watchdog_usec(&us), 0);
	assert_int_equal(us, 0);

	setenv("WATCHDOG_PID", "12ab", 1);
	assert_int_equal(wn_notify_watchdog_usec(&us), -EINVAL);
	unsetenv("WATCHDOG_PID");

	const char *bad[] = {"0", "abc", "12x", "-5", " 5", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		assert_int_equal(wn_notify_watchdog_usec(&us), -EINVAL);
		assert_int_equal(us, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_socket, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_abstract_socket, setup_abstract, teardown),
		cmocka_unit_test_setup_teardown(test_unset_is_silent_noop, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_status_stays_one_line, setup_abstract, teardown),
		cmocka_unit_test_setup_teardown(test_bad_addresses, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_usec, setup_path, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
