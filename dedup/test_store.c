/* Unit tests: the SQLite store (store.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "dedup/store.h"

/* A statement left on a row across COMMIT would keep a read transaction
 * open and pin the write-ahead log (it could never be checkpointed): the
 * store resets its cached statements on transaction control. */
static void test_transaction_control_resets_statements(void **state)
{
	(void)state;
	char dir[] = "/tmp/wn-test-store-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/s.db", dir);
	wn_store *st;
	char err[256];
	assert_int_equal(wn_store_open(path, false, false, &st, err, sizeof err), 0);

	sqlite3_stmt *add = wn_store_stmt(st, WN_SQL_OUTLET_ADD);
	sqlite3_bind_int64(add, 1, 1);
	sqlite3_bind_text(add, 2, "harbour", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(add), SQLITE_DONE);
	sqlite3_stmt *get = wn_store_stmt(st, WN_SQL_OUTLET_GET);
	sqlite3_bind_text(get, 1, "harbour", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(get), SQLITE_ROW);
	assert_true(sqlite3_stmt_busy(get));

	assert_int_equal(wn_store_exec(st, "BEGIN"), 0);
	assert_false(sqlite3_stmt_busy(get));
	assert_int_equal(wn_store_exec(st, "COMMIT"), 0);
	wn_store_close(st);

	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction_control_resets_statements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
