/* notify.h — tell the service manager how the daemon is doing: the systemd
 * notification protocol (sd_notify(3)), spoken by hand, without libsystemd.
 *
 * Contract:
 *  - every message is one datagram of "KEY=VALUE" lines sent to the
 *    AF_UNIX socket named by $NOTIFY_SOCKET: an absolute path, or an
 *    abstract name written with a leading '@';
 *  - when $NOTIFY_SOCKET is unset or empty nothing is sent and every call
 *    returns 0: the daemon runs the same outside systemd;
 *  - a socket per message, closed at once, nothing kept between calls; the
 *    kernel attaches our PID, which is how systemd attributes the message
 *    (NotifyAccess=main: send from the main process, any thread);
 *  - all functions return 0 or a negative errno (-EAFNOSUPPORT for a
 *    socket address that is neither a path nor '@', -EINVAL for one too
 *    long, -EINVAL for an empty message). Never logs, never exits: a
 *    failed notification is the caller's to report.
 *  - $NOTIFY_SOCKET and $WATCHDOG_* are read, never unset: nothing else
 *    in the process reads them.
 */
#ifndef WN_NOTIFY_H
#define WN_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* True when $NOTIFY_SOCKET names a socket to talk to. */
bool wn_notify_enabled(void);

/* Send `state` (one or more "KEY=VALUE" lines, separated by '\n') as it is. */
int wn_notify(const char *state);

/* "READY=1": start-up (or a reload) is complete. */
int wn_notify_ready(void);

/* "STATUS=<text>": one line shown by `systemctl status`. printf-style; any
 * newline in the result becomes a space so it stays one field. */
int wn_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "WATCHDOG=1": the keep-alive ping, due at least every $WATCHDOG_USEC. */
int wn_notify_watchdog(void);

/* "RELOADING=1" with "MONOTONIC_USEC=<CLOCK_MONOTONIC now>": a reload has
 * begun; follow with wn_notify_ready() when it is done. */
int wn_notify_reloading(void);

/* "STOPPING=1": shutdown has begun. */
int wn_notify_stopping(void);

/* "EXTEND_TIMEOUT_USEC=<usec>": ask for more time for the current start,
 * reload or stop (a long start-up scan). */
int wn_notify_extend_timeout(uint64_t usec);

/* The watchdog interval asked of this process: *usec is set from
 * $WATCHDOG_USEC when it is a positive decimal number and $WATCHDOG_PID is
 * unset or our PID. Returns 1 when the watchdog is on, 0 when it is off
 * (unset, not for us) with *usec = 0, -EINVAL when a variable is malformed. */
int wn_notify_watchdog_usec(uint64_t *usec);

#endif
