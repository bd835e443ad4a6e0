/* Unit tests: winnowd configuration (config.h) — value forms, the INI
 * file, flags, and the printed form read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config.h"
#include "lib/log.h"

static char path[64];

static void write_file(const char *text)
{
	strcpy(path, "/tmp/wn-test-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_value_forms(void **state)
{
	(void)state;
	size_t sz;
	assert_int_equal(wn_parse_size("16M", &sz), 0);
	assert_int_equal(sz, 16u << 20);
	assert_int_equal(wn_parse_size("100", &sz), 0);
	assert_int_equal(sz, 100);
	assert_int_equal(wn_parse_size("2KiB", &sz), 0);
	assert_int_equal(sz, 2048);
	assert_int_equal(wn_parse_size("1g", &sz), 0);
	assert_int_equal(sz, 1u << 30);
	assert_int_equal(wn_parse_size("12Q", &sz), -EINVAL);
	assert_int_equal(wn_parse_size("-1", &sz), -EINVAL);
	assert_int_equal(wn_parse_size("", &sz), -EINVAL);

	uint64_t ms;
	assert_int_equal(wn_parse_duration_ms("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(wn_parse_duration_ms("5", &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(wn_parse_duration_ms("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(wn_parse_duration_ms("10m", &ms), 0);
	assert_int_equal(ms, 600000);
	assert_int_equal(wn_parse_duration_ms("7d", &ms), 0);
	assert_int_equal(ms, 7ull * 86400000);
	assert_int_equal(wn_parse_duration_ms("5 parsecs", &ms), -EINVAL);
	assert_int_equal(wn_parse_duration_ms("-3s", &ms), -EINVAL);

	bool b;
	assert_int_equal(wn_parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(wn_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(wn_parse_bool("maybe", &b), -EINVAL);
}

static void test_defaults(void **state)
{
	(void)state;
	wn_dconfig c;
	wn_dconfig_init(&c);
	assert_string_equal(c.spool, "spool");
	assert_string_equal(c.out, "out");
	assert_string_equal(c.state, "state/winnow.db");
	assert_null(c.rules);
	assert_int_equal(c.max_bytes, 16u << 20);
	assert_true(c.durable);
	assert_true(c.workers >= 1 && c.workers <= 8);
	assert_int_equal(c.log_level, WN_LOG_INFO);
	assert_int_equal(c.chrome_min_docs, 3);
	assert_int_equal(c.chrome_window, 500);
	assert_int_equal(c.retention_days, 30);
	assert_true(c.default_rules && c.heuristics && c.jit);
	char err[128];
	assert_int_equal(wn_dconfig_set(&c, "retention_days", "365", err, sizeof err), 0);
	assert_int_equal(c.retention_days, 365);
	assert_int_equal(wn_dconfig_set(&c, "workers", "65", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "from 1 to 64"));
	assert_int_equal(wn_dconfig_set(&c, "jit", "no", err, sizeof err), 0);
	assert_false(c.jit);
	wn_dconfig_free(&c);
}

static void test_load_file(void **state)
{
	(void)state;
	write_file("# winnowd settings\n"
		   "log_level = debug\n"
		   "[winnowd]\n"
		   "spool = /var/spool/winnow\n"
		   "out = /var/lib/winnow/out ; where cleaned articles go\n"
		   "state = /var/lib/winnow/state.db\n"
		   "rules = /etc/winnow/rules\n"
		   "max_bytes = 1M\n"
		   "settle = 250ms\n"
		   "durable = no\n"
		   "workers = 3\n"
		   "[someone-else]\n"
		   "whatever = 1\n");
	wn_dconfig c;
	wn_dconfig_init(&c);
	char err[256] = "";
	assert_int_equal(wn_dconfig_load(&c, path, err, sizeof err), 0);
	assert_string_equal(c.spool, "/var/spool/winnow");
	assert_string_equal(c.out, "/var/lib/winnow/out");
	assert_string_equal(c.state, "/var/lib/winnow/state.db");
	assert_string_equal(c.rules, "/etc/winnow/rules");
	assert_int_equal(c.max_bytes, 1u << 20);
	assert_int_equal(c.settle_ms, 250);
	assert_false(c.durable);
	assert_int_equal(c.workers, 3);
	assert_int_equal(c.log_level, WN_LOG_DEBUG);
	/* a flag overrides the file */
	assert_int_equal(wn_dconfig_set(&c, "out", "elsewhere", err, sizeof err), 0);
	assert_string_equal(c.out, "elsewhere");
	/* an empty optional path unsets it */
	assert_int_equal(wn_dconfig_set(&c, "rules", "", err, sizeof err), 0);
	assert_null(c.rules);
	wn_dconfig_free(&c);
	unlink(path);
}

static void test_errors_name_file_line_and_key(void **state)
{
	(void)state;
	wn_dconfig c;
	char err[256];
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[winnowd]\nspool = s\nmax_byte = 5\n", ":3: unknown key 'max_byte'"},
		{"[winnowd]\nworkers = 0\n", ":2: workers: '0' is not a number from 1 to 64"},
		{"settle = soon\n", ":1: settle: 'soon' is not a duration"},
		{"[winnowd]\ndurable = perhaps\n", ":2: durable: 'perhaps' is not yes or no"},
		{"[winnowd\nspool = x\n", ":1: "},
		{"[winnowd]\nspool =\n", ":2: spool: '' is not a path"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(cases[i].text);
		wn_dconfig_init(&c);
		err[0] = '\0';
		assert_int_equal(wn_dconfig_load(&c, path, err, sizeof err), -EINVAL);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		assert_non_null(strstr(err, path));
		wn_dconfig_free(&c);
		unlink(path);
	}
	wn_dconfig_init(&c);
	assert_int_equal(wn_dconfig_load(&c, "/nonexistent/winnow.conf", err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/winnow.conf"));
	assert_int_equal(wn_dconfig_set(&c, "nope", "1", err, sizeof err), -ENOENT);
	wn_dconfig_free(&c);
}

static void test_flag_keys(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(wn_dconfig_flag_key("--max-bytes", buf, sizeof buf), "max_bytes");
	assert_string_equal(wn_dconfig_flag_key("--max-bytes=5", buf, sizeof buf), "max_bytes");
	assert_string_equal(wn_dconfig_flag_key("--spool", buf, sizeof buf), "spool");
	assert_string_equal(wn_dconfig_flag_key("--done-retention=1d", buf, sizeof buf), "done_retention");
	assert_null(wn_dconfig_flag_key("--nope", buf, sizeof buf));
	assert_null(wn_dconfig_flag_key("-s", buf, sizeof buf));
	assert_null(wn_dconfig_flag_key("spool", buf, sizeof buf));
}

static void test_printed_form_reads_back(void **state)
{
	(void)state;
	wn_dconfig a, b;
	wn_dconfig_init(&a);
	char err[256];
	assert_int_equal(wn_dconfig_set(&a, "settle", "1500ms", err, sizeof err), 0);
	assert_int_equal(wn_dconfig_set(&a, "done_retention", "3d", err, sizeof err), 0);
	assert_int_equal(wn_dconfig_set(&a, "rules", "r", err, sizeof err), 0);
	assert_int_equal(wn_dconfig_set(&a, "keep_duplicates", "yes", err, sizeof err), 0);
	assert_int_equal(wn_dconfig_set(&a, "log_level", "warning", err, sizeof err), 0);
	strcpy(path, "/tmp/wn-test-conf-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	wn_dconfig_print(&a, f);
	fclose(f);
	wn_dconfig_init(&b);
	assert_int_equal(wn_dconfig_load(&b, path, err, sizeof err), 0);
	assert_int_equal(b.settle_ms, 1500);
	assert_int_equal(b.done_retention_ms, 3ull * 86400000);
	assert_string_equal(b.rules, "r");
	assert_true(b.keep_duplicates);
	assert_int_equal(b.log_level, WN_LOG_WARNING);
	assert_int_equal(b.max_bytes, a.max_bytes);
	assert_int_equal(b.stats_interval_ms, a.stats_interval_ms);
	wn_dconfig_free(&a);
	wn_dconfig_free(&b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_errors_name_file_line_and_key),
		cmocka_unit_test(test_flag_keys),
		cmocka_unit_test(test_printed_form_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
