/* Unit tests: the spool protocol (spool.h) — layout, submit, claim,
 * recovery, done/ collisions, quarantine, scans, retention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fsio.h"
#include "spool/spool.h"

static char root[64];
static wn_spool *sp;

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/wn-test-spool-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	return wn_spool_open(root, false, &sp);
}

static int teardown(void **state)
{
	(void)state;
	wn_spool_close(sp);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static char *pathf(const char *fmt, ...)
{
	static char buf[4][PATH_MAX];
	static int k;
	char *p = buf[k++ % 4];
	int n = snprintf(p, PATH_MAX, "%s/", root);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p + n, PATH_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return p;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static char *slurp(const char *path)
{
	char *buf;
	size_t len;
	assert_int_equal(wn_read_file(path, 1 << 20, &buf, &len), 0);
	return buf;
}

/* entries of a folder, "." and ".." excluded */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* submit `text` under outlet/name through a pipe-free path: a temp file */
static int submit_text(const char *outlet, const char *name, const char *text, const struct timespec *mt)
{
	char src[PATH_MAX];
	snprintf(src, sizeof src, "%s/src-XXXXXX", root);
	int fd = mkstemp(src);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	int rc = wn_spool_submit_fd(sp, outlet, name, fd, mt);
	close(fd);
	unlink(src);
	return rc;
}

static void test_layout_created(void **state)
{
	(void)state;
	const char *dirs[] = {"tmp", "incoming", "work", "done", "failed"};
	for (size_t i = 0; i < 5; i++) {
		struct stat st;
		assert_int_equal(stat(pathf("%s", dirs[i]), &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	/* opening again is harmless */
	wn_spool *again;
	assert_int_equal(wn_spool_open(root, false, &again), 0);
	wn_spool_close(again);
}

static void test_submit_then_claim(void **state)
{
	(void)state;
	struct timespec old = {.tv_sec = 1000000000, .tv_nsec = 0};
	assert_int_equal(submit_text("herald", "storm.txt", "Storm hits the coast.\n", &old), 0);
	char *in = pathf("incoming/herald/storm.txt");
	char *body = slurp(in);
	assert_string_equal(body, "Storm hits the coast.\n");
	free(body);
	struct stat st;
	assert_int_equal(stat(in, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, old.tv_sec); /* mtime kept: the daemon sees it quiet */
	assert_int_equal(count_entries(pathf("tmp")), 0);

	wn_claim c;
	assert_int_equal(wn_spool_claim(sp, "herald", "storm.txt", &c), 0);
	assert_false(exists(in));
	assert_int_equal(strlen(c.claim), WN_CLAIM_LEN);
	assert_string_equal(c.outlet, "herald");
	assert_string_equal(c.name, "storm.txt");
	char *wp = wn_spool_work_path(sp, &c);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s/work/herald/%s-storm.txt", root, c.claim);
	assert_string_equal(wp, want);
	assert_true(exists(wp));
	free(wp);
	/* a second claim finds nothing: the file is someone else's now */
	wn_claim c2;
	assert_int_equal(wn_spool_claim(sp, "herald", "storm.txt", &c2), -ENOENT);
	wn_claim_clear(&c);
}

static void test_submit_never_replaces(void **state)
{
	(void)state;
	assert_int_equal(submit_text("herald", "same.txt", "first\n", NULL), 0);
	assert_int_equal(submit_text("herald", "same.txt", "second\n", NULL), -EEXIST);
	char *body = slurp(pathf("incoming/herald/same.txt"));
	assert_string_equal(body, "first\n");
	free(body);
	assert_int_equal(count_entries(pathf("tmp")), 0); /* the loser's copy is cleaned up */
	assert_int_equal(submit_text("../x", "a.txt", "x", NULL), -EINVAL);
	assert_int_equal(submit_text("herald", ".hidden", "x", NULL), -EINVAL);
	assert_int_equal(submit_text("herald", "a/b", "x", NULL), -EINVAL);
}

static void test_claim_ids_increase(void **state)
{
	(void)state;
	char prev[WN_CLAIM_LEN + 1] = "";
	for (int i = 0; i < 2000; i++) {
		char id[WN_CLAIM_LEN + 1];
		wn_spool_new_claim(id);
		assert_int_equal(strlen(id), WN_CLAIM_LEN);
		assert_int_equal(strspn(id, "0123456789abcdef"), WN_CLAIM_LEN);
		assert_true(strcmp(id, prev) > 0);
		memcpy(prev, id, sizeof id);
	}
}

static void test_odd_names(void **state)
{
	(void)state;
	const char *names[] = {"with space.txt", "new\nline.txt", "latin1-\xe9t\xe9.txt", "tab\there"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(submit_text("odd", names[i], "Some text.\n", NULL), 0);
		wn_claim c;
		assert_int_equal(wn_spool_claim(sp, "odd", names[i], &c), 0);
		assert_int_equal(wn_spool_done(sp, &c, true, NULL), 0);
		assert_true(exists(pathf("done/odd/%s", names[i])));
		wn_claim_clear(&c);
	}
}

static void test_recover_lists_work_in_claim_order(void **state)
{
	(void)state;
	const char *outlets[] = {"b-outlet", "a-outlet", "b-outlet"};
	const char *names[] = {"one.txt", "two.txt", "three.txt"};
	char claims[3][WN_CLAIM_LEN + 1];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(submit_text(outlets[i], names[i], "text\n", NULL), 0);
		wn_claim c;
		assert_int_equal(wn_spool_claim(sp, outlets[i], names[i], &c), 0);
		memcpy(claims[i], c.claim, sizeof claims[i]);
		wn_claim_clear(&c);
	}
	/* a crash left a reason file half written, and a stray file in work/ */
	mkdir(pathf("failed/a-outlet"), 0755);
	int fd = open(pathf("failed/a-outlet/.y.reason.tmp"), O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open(pathf("work/a-outlet/stray.txt"), O_CREAT | O_WRONLY, 0644);
	close(fd);

	wn_spool_close(sp); /* "restart" */
	assert_int_equal(wn_spool_open(root, false, &sp), 0);
	wn_claim *list;
	size_t n;
	assert_int_equal(wn_spool_recover(sp, &list, &n), 0);
	assert_int_equal(n, 4);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(list[i].claim, claims[i]);
		assert_string_equal(list[i].outlet, outlets[i]);
		assert_string_equal(list[i].name, names[i]);
	}
	/* the stray file got a claim after the others, keeping its name */
	assert_string_equal(list[3].name, "stray.txt");
	assert_true(strcmp(list[3].claim, claims[2]) > 0);
	char *wp = wn_spool_work_path(sp, &list[3]);
	assert_true(exists(wp));
	free(wp);
	assert_false(exists(pathf("failed/a-outlet/.y.reason.tmp")));
	/* new claims sort after recovered ones */
	char next[WN_CLAIM_LEN + 1];
	wn_spool_new_claim(next);
	assert_true(strcmp(next, list[3].claim) > 0);
	wn_claim_list_free(list, n);
}

static void test_done_keeps_earlier_original(void **state)
{
	(void)state;
	wn_claim c1, c2;
	assert_int_equal(submit_text("herald", "dup.txt", "first version\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "herald", "dup.txt", &c1), 0);
	char *n1 = NULL, *n2 = NULL;
	assert_int_equal(wn_spool_done(sp, &c1, false, &n1), 0);
	assert_string_equal(n1, "dup.txt");
	assert_int_equal(submit_text("herald", "dup.txt", "second version\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "herald", "dup.txt", &c2), 0);
	assert_int_equal(wn_spool_done(sp, &c2, true, &n2), 0);
	char want[NAME_MAX + 1];
	snprintf(want, sizeof want, "dup.txt~%s", c2.claim);
	assert_string_equal(n2, want);
	char *a = slurp(pathf("done/herald/dup.txt")), *b = slurp(pathf("done/herald/%s", want));
	assert_string_equal(a, "first version\n");
	assert_string_equal(b, "second version\n");
	assert_int_equal(count_entries(pathf("work/herald")), 0);
	free(a);
	free(b);
	free(n1);
	free(n2);
	wn_claim_clear(&c1);
	wn_claim_clear(&c2);
}

static void test_quarantine_with_reason(void **state)
{
	(void)state;
	wn_claim c;
	assert_int_equal(submit_text("herald", "bad.bin", "x", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "herald", "bad.bin", &c), 0);
	wn_failure f = {.stage = "read", .err = -ELOOP, .detail = "symbolic link (never followed)"};
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, true), 0);
	assert_true(exists(pathf("failed/herald/bad.bin")));
	char *r = slurp(pathf("failed/herald/bad.bin.reason"));
	assert_non_null(strstr(r, "file: incoming/herald/bad.bin\n"));
	assert_non_null(strstr(r, "stage: read\n"));
	assert_non_null(strstr(r, "error: symbolic link (never followed)\n"));
	assert_non_null(strstr(r, "errno: ELOOP ("));
	assert_non_null(strstr(r, "time: 20"));
	free(r);
	assert_int_equal(count_entries(pathf("work/herald")), 0);
	assert_int_equal(count_entries(pathf("failed/herald")), 2);
	wn_claim_clear(&c);
}

static void test_quarantine_names_never_collide(void **state)
{
	(void)state;
	wn_failure f = {.stage = "decode", .err = -10001};
	wn_claim c;
	/* a file whose own name ends in .reason */
	assert_int_equal(submit_text("o", "x.reason", "one\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "o", "x.reason", &c), 0);
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, false), 0);
	char q1[NAME_MAX + 1];
	snprintf(q1, sizeof q1, "x.reason~%s", c.claim);
	assert_true(exists(pathf("failed/o/%s", q1)));
	wn_claim_clear(&c);
	/* then "x": its reason file must not overwrite that file */
	assert_int_equal(submit_text("o", "x", "two\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "o", "x", &c), 0);
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, false), 0);
	wn_claim_clear(&c);
	/* and "x" again: kept beside the first */
	assert_int_equal(submit_text("o", "x", "three\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "o", "x", &c), 0);
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, false), 0);
	char q3[NAME_MAX + 1];
	snprintf(q3, sizeof q3, "x~%s", c.claim);
	wn_claim_clear(&c);
	char *a = slurp(pathf("failed/o/%s", q1)), *b = slurp(pathf("failed/o/x")), *d = slurp(pathf("failed/o/%s", q3));
	assert_string_equal(a, "one\n");
	assert_string_equal(b, "two\n");
	assert_string_equal(d, "three\n");
	free(a);
	free(b);
	free(d);
	char *r = slurp(pathf("failed/o/x.reason"));
	assert_non_null(strstr(r, "error: binary file"));
	assert_null(strstr(r, "errno:")); /* not an errno value */
	free(r);
	assert_int_equal(count_entries(pathf("failed/o")), 6);
}

static void test_quarantine_again_after_crash_reuses_names(void **state)
{
	(void)state;
	wn_claim c;
	assert_int_equal(submit_text("o", "crash.txt", "data\n", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "o", "crash.txt", &c), 0);
	/* crash after the reason was written, before the move */
	mkdir(pathf("failed/o"), 0755);
	int fd = open(pathf("failed/o/crash.txt.reason"), O_CREAT | O_WRONLY, 0644);
	assert_int_equal(write(fd, "stale", 5), 5);
	close(fd);
	wn_failure f = {.stage = "read", .err = -EACCES};
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, false), 0);
	assert_int_equal(count_entries(pathf("failed/o")), 2);
	char *r = slurp(pathf("failed/o/crash.txt.reason"));
	assert_non_null(strstr(r, "errno: EACCES"));
	free(r);
	wn_claim_clear(&c);
}

static void test_symlink_moved_not_followed(void **state)
{
	(void)state;
	char target[PATH_MAX];
	snprintf(target, sizeof target, "%s/secret", root);
	int fd = open(target, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	mkdir(pathf("incoming/o"), 0755);
	assert_int_equal(symlink(target, pathf("incoming/o/link.txt")), 0);
	wn_claim c;
	assert_int_equal(wn_spool_claim(sp, "o", "link.txt", &c), 0);
	char *wp = wn_spool_work_path(sp, &c);
	struct stat st;
	assert_int_equal(lstat(wp, &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* the link moved, not what it points to */
	free(wp);
	wn_failure f = {.stage = "read", .err = -ELOOP};
	assert_int_equal(wn_spool_quarantine(sp, &c, &f, false), 0);
	assert_int_equal(lstat(pathf("failed/o/link.txt"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	char *s = slurp(target);
	assert_string_equal(s, "secret\n");
	free(s);
	wn_claim_clear(&c);
}

static void test_outlet_symlink_never_walked(void **state)
{
	(void)state;
	mkdir(pathf("elsewhere"), 0755);
	int fd = open(pathf("elsewhere/f.txt"), O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_int_equal(symlink(pathf("elsewhere"), pathf("incoming/evil")), 0);
	wn_claim c;
	assert_true(wn_spool_claim(sp, "evil", "f.txt", &c) < 0);
	assert_true(exists(pathf("elsewhere/f.txt")));
	wn_failure f = {.stage = "claim", .err = -EINVAL};
	assert_true(wn_spool_quarantine_incoming(sp, "evil", "f.txt", &f, false) < 0);
	assert_true(exists(pathf("elsewhere/f.txt")));
}

struct seen {
	char files[16][64];
	int nfiles;
	char skipped[8][64];
	int nskipped;
	int outlets;
};

static void on_outlet(void *ud, const char *outlet)
{
	(void)outlet;
	((struct seen *)ud)->outlets++;
}

static int on_file(void *ud, const char *outlet, const char *name, const struct stat *st)
{
	(void)st;
	struct seen *s = ud;
	snprintf(s->files[s->nfiles++], 64, "%s/%s", outlet, name);
	return 0;
}

static void on_skipped(void *ud, const char *what, const char *why)
{
	(void)why;
	struct seen *s = ud;
	snprintf(s->skipped[s->nskipped++], 64, "%s", what);
}

static bool has(char list[][64], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static void test_scan(void **state)
{
	(void)state;
	assert_int_equal(submit_text("alpha", "a1.txt", "x", NULL), 0);
	assert_int_equal(submit_text("alpha", "a2.txt", "x", NULL), 0);
	assert_int_equal(submit_text("beta", "b1.txt", "x", NULL), 0);
	close(open(pathf("incoming/alpha/.partial"), O_CREAT | O_WRONLY, 0644));
	close(open(pathf("incoming/loose.txt"), O_CREAT | O_WRONLY, 0644));
	mkdir(pathf("incoming/.hidden"), 0755);
	mkdir(pathf("incoming/bad\xff"), 0755);
	struct seen s = {0};
	wn_spool_scan_cbs cbs = {on_outlet, on_file, on_skipped};
	assert_int_equal(wn_spool_scan(sp, NULL, &cbs, &s), 0);
	assert_int_equal(s.nfiles, 3);
	assert_true(has(s.files, s.nfiles, "alpha/a1.txt"));
	assert_true(has(s.files, s.nfiles, "alpha/a2.txt"));
	assert_true(has(s.files, s.nfiles, "beta/b1.txt"));
	assert_int_equal(s.outlets, 2);
	assert_int_equal(s.nskipped, 2);
	assert_true(has(s.skipped, s.nskipped, "loose.txt"));
	assert_true(has(s.skipped, s.nskipped, "bad\xff"));
	/* one outlet only */
	struct seen t = {0};
	assert_int_equal(wn_spool_scan(sp, "beta", &cbs, &t), 0);
	assert_int_equal(t.nfiles, 1);
}

static void test_prune(void **state)
{
	(void)state;
	wn_claim c;
	assert_int_equal(submit_text("o", "old.txt", "x", NULL), 0);
	assert_int_equal(wn_spool_claim(sp, "o", "old.txt", &c), 0);
	assert_int_equal(wn_spool_done(sp, &c, false, NULL), 0);
	wn_claim_clear(&c);
	close(open(pathf("tmp/leftover"), O_CREAT | O_WRONLY, 0644));
	size_t removed = 99;
	time_t now = time(NULL);
	/* nothing is an hour old yet */
	assert_int_equal(wn_spool_prune(sp, now - 3600, now - 3600, &removed), 0);
	assert_int_equal(removed, 0);
	assert_true(exists(pathf("done/o/old.txt")));
	/* 0 disables */
	assert_int_equal(wn_spool_prune(sp, 0, 0, &removed), 0);
	assert_int_equal(removed, 0);
	/* a cutoff in the future takes everything */
	assert_int_equal(wn_spool_prune(sp, now + 10, now + 10, &removed), 0);
	assert_int_equal(removed, 2);
	assert_false(exists(pathf("done/o/old.txt")));
	assert_false(exists(pathf("tmp/leftover")));
}

static void test_long_name_quarantined_from_incoming(void **state)
{
	(void)state;
	char name[256];
	memset(name, 'n', 250);
	name[250] = '\0';
	mkdir(pathf("incoming/o"), 0755);
	close(open(pathf("incoming/o/%s", name), O_CREAT | O_WRONLY, 0644));
	wn_claim c;
	assert_int_equal(wn_spool_claim(sp, "o", name, &c), -EINVAL);
	wn_failure f = {.stage = "claim", .err = -ENAMETOOLONG};
	assert_int_equal(wn_spool_quarantine_incoming(sp, "o", name, &f, false), 0);
	assert_int_equal(count_entries(pathf("incoming/o")), 0);
	assert_int_equal(count_entries(pathf("failed/o")), 2);
	assert_int_equal(wn_spool_quarantine_incoming(sp, "o", name, &f, false), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_then_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_never_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_ids_increase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_lists_work_in_claim_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_keeps_earlier_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_names_never_collide, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_again_after_crash_reuses_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_moved_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outlet_symlink_never_walked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_name_quarantined_from_incoming, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
