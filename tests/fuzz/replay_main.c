/* replay_main.c — runs a fuzz harness once on given files and folders.
 *
 *   replay_<harness> PATH...
 *
 * Linked with a harness instead of libFuzzer, so every harness is built by
 * any compiler and replays its seed corpus and its crash regressions
 * (tests/fuzz/corpus/<harness>/, tests/fuzz/regressions/<harness>/) in the
 * ordinary suite, under ASan/UBSan in the sanitizer build. A folder that
 * does not exist is skipped (a harness may have no regressions yet).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fsio.h"
#include "lib/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, size_t *count)
{
	char *buf;
	size_t len;
	int rc = wn_read_file(path, 64u << 20, &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, wn_strerror(rc));
		return 1;
	}
	/* An exact-size copy, so ASan sees a read past the end of the input. */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		free(buf);
		return 1;
	}
	memcpy(copy, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	(*count)++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : 1;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int failed = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || !(grown[n] = wn_path_join(dir, e->d_name))) {
			free(grown ? grown : names);
			closedir(d);
			return 1;
		}
		names = grown;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		failed |= replay_file(names[i], count);
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	size_t count = 0;
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0)
			continue;
		failed |= S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) : replay_file(argv[i], &count);
	}
	printf("replayed %zu inputs\n", count);
	return failed || count == 0;
}
