/* log.h — the one place winnow writes diagnostics.
 *
 * Every module logs through wn_log(); the binaries decide where it goes.
 * Lines go to stderr, one line per event.  When stderr is connected to the
 * journal (systemd sets $JOURNAL_STREAM) each line carries a "<N>" syslog
 * priority prefix so journald keeps the level; otherwise a readable
 * "level: " prefix is used.  Thread-safe: each line is one write(2).
 */
#ifndef WN_LOG_H
#define WN_LOG_H

enum wn_log_level {
	WN_LOG_ERR = 3,
	WN_LOG_WARNING = 4,
	WN_LOG_NOTICE = 5,
	WN_LOG_INFO = 6,
	WN_LOG_DEBUG = 7,
};

/* Messages above this level are dropped (default WN_LOG_INFO). */
void wn_log_set_level(int level);
int wn_log_get_level(void);

/* Name shown before each message when not writing to the journal
 * (default "winnow"). The string must outlive all logging. */
void wn_log_set_ident(const char *ident);

void wn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define wn_err(...)    wn_log(WN_LOG_ERR, __VA_ARGS__)
#define wn_warn(...)   wn_log(WN_LOG_WARNING, __VA_ARGS__)
#define wn_notice(...) wn_log(WN_LOG_NOTICE, __VA_ARGS__)
#define wn_info(...)   wn_log(WN_LOG_INFO, __VA_ARGS__)
#define wn_debug(...)  wn_log(WN_LOG_DEBUG, __VA_ARGS__)

#endif
