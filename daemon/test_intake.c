/* Unit tests: the intake queue (intake.h) — order, settling, dedup, bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/intake.h"

static void expect_pop(wn_intake *in, uint64_t now, const char *outlet, const char *name, bool scanned)
{
	wn_intake_item it;
	assert_true(wn_intake_pop(in, now, &it));
	assert_string_equal(it.outlet, outlet);
	assert_string_equal(it.name, name);
	assert_int_equal(it.scanned, scanned);
	wn_intake_item_clear(&it);
}

static void test_ready_in_order_and_once(void **state)
{
	(void)state;
	wn_intake *in = wn_intake_new(16);
	assert_int_equal(wn_intake_add_ready(in, "a", "1"), 0);
	assert_int_equal(wn_intake_add_ready(in, "b", "1"), 0);
	assert_int_equal(wn_intake_add_ready(in, "a", "2"), 0);
	assert_int_equal(wn_intake_add_ready(in, "a", "1"), 0); /* again: held once */
	assert_int_equal(wn_intake_len(in), 3);
	assert_true(wn_intake_contains(in, "b", "1"));
	assert_false(wn_intake_contains(in, "b", "2"));
	expect_pop(in, 0, "a", "1", false);
	assert_false(wn_intake_contains(in, "a", "1"));
	expect_pop(in, 0, "b", "1", false);
	expect_pop(in, 0, "a", "2", false);
	wn_intake_item it;
	assert_false(wn_intake_pop(in, 0, &it));
	assert_int_equal(wn_intake_len(in), 0);
	wn_intake_free(in);
}

static void test_settling_waits_for_its_time(void **state)
{
	(void)state;
	wn_intake *in = wn_intake_new(16);
	assert_int_equal(wn_intake_add_settling(in, "o", "late", 300), 0);
	assert_int_equal(wn_intake_add_settling(in, "o", "early", 100), 0);
	assert_int_equal(wn_intake_add_settling(in, "o", "early", 50), 1); /* held: unchanged */
	assert_int_equal(wn_intake_next_due(in), 100);
	wn_intake_item it;
	assert_false(wn_intake_pop(in, 99, &it));
	expect_pop(in, 100, "o", "early", true);
	assert_int_equal(wn_intake_next_due(in), 300);
	assert_false(wn_intake_pop(in, 299, &it));
	expect_pop(in, 1000, "o", "late", true);
	assert_int_equal(wn_intake_next_due(in), UINT64_MAX);
	wn_intake_free(in);
}

static void test_ready_sighting_upgrades_settling(void **state)
{
	(void)state;
	wn_intake *in = wn_intake_new(16);
	assert_int_equal(wn_intake_add_settling(in, "o", "slow", 5000), 0);
	assert_int_equal(wn_intake_add_settling(in, "o", "other", 6000), 0);
	/* the writer closed it: no need to wait */
	assert_int_equal(wn_intake_add_ready(in, "o", "slow"), 0);
	assert_int_equal(wn_intake_len(in), 2);
	expect_pop(in, 0, "o", "slow", false);
	wn_intake_item it;
	assert_false(wn_intake_pop(in, 0, &it));
	wn_intake_free(in);
}

static void test_bounded(void **state)
{
	(void)state;
	wn_intake *in = wn_intake_new(3);
	assert_int_equal(wn_intake_add_ready(in, "o", "1"), 0);
	assert_int_equal(wn_intake_add_ready(in, "o", "2"), 0);
	assert_int_equal(wn_intake_add_settling(in, "o", "3", 10), 0);
	assert_int_equal(wn_intake_add_ready(in, "o", "4"), -ENOBUFS);
	assert_int_equal(wn_intake_add_settling(in, "o", "5", 1), -ENOBUFS);
	assert_int_equal(wn_intake_add_ready(in, "o", "3"), 0); /* held already: fine when full */
	expect_pop(in, 0, "o", "1", false);
	assert_int_equal(wn_intake_add_ready(in, "o", "4"), 0);
	wn_intake_clear(in);
	assert_int_equal(wn_intake_len(in), 0);
	/* many names through a small queue, keys with the same prefix */
	char name[32];
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof name, "n%d-%d", round, i);
			assert_int_equal(wn_intake_add_ready(in, "o", name), 0);
		}
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof name, "n%d-%d", round, i);
			expect_pop(in, 0, "o", name, false);
		}
	}
	wn_intake_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_in_order_and_once),
		cmocka_unit_test(test_settling_waits_for_its_time),
		cmocka_unit_test(test_ready_sighting_upgrades_settling),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
