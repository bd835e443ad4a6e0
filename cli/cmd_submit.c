/* cmd_submit.c — `winnow submit`: drop files into a winnowd spool safely.
 * Each file is copied to tmp/, fsynced and renamed into incoming/<outlet>/
 * (spool.h), so the daemon never sees a partial file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "lib/doc.h"
#include "lib/text.h"
#include "spool/spool.h"

static void submit_usage(FILE *f)
{
	fprintf(f,
		"usage: winnow submit [--spool DIR] --outlet NAME [--name NAME] FILE...\n"
		"\n"
		"Drop article files into a winnowd spool as DIR/incoming/<outlet>/<name>:\n"
		"each is copied to DIR/tmp/, fsynced, then renamed into place, so the\n"
		"daemon never reads half a file. The copy keeps the file's modification\n"
		"time. FILE '-' reads stdin (then --name is needed).\n"
		"\n"
		"  -s, --spool DIR    the spool (default ./spool; created if missing)\n"
		"  -O, --outlet NAME  outlet of the files (one path component)\n"
		"  -n, --name NAME    name in the spool (one FILE only; default: FILE's name)\n"
		"  -h, --help         this text\n"
		"\n"
		"A file of the same name still waiting in incoming/ is not replaced: that\n"
		"FILE fails. Symbolic links and anything but regular files are refused.\n"
		"Exit status: 0 all submitted, 1 some failed (named on stderr), 2 usage error.\n");
}

static int submit_one(wn_spool *sp, const char *outlet, const char *path, const char *name)
{
	if (!strcmp(path, "-"))
		return wn_spool_submit_fd(sp, outlet, name, STDIN_FILENO, NULL);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (rc == 0)
		rc = wn_spool_submit_fd(sp, outlet, name, fd, &st.st_mtim);
	close(fd);
	return rc;
}

static const char *explain(int rc)
{
	switch (-rc) {
	case ELOOP: return "symbolic link (not followed; give the target's path)";
	case EINVAL: return "not a regular file, or a name the spool cannot take";
	case EEXIST: return "a file of that name is already waiting in incoming/";
	default: return wn_strerror(rc);
	}
}

int wn_cmd_submit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"spool", required_argument, NULL, 's'},
		{"outlet", required_argument, NULL, 'O'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *spool = "spool", *outlet = NULL, *name = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:O:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': spool = optarg; break;
		case 'O': outlet = optarg; break;
		case 'n': name = optarg; break;
		case 'h': submit_usage(stdout); return 0;
		default: submit_usage(stderr); return 2;
		}
	}
	int nfiles = argc - optind;
	if (!outlet || nfiles == 0) {
		fprintf(stderr, "winnow submit: %s\n", !outlet ? "--outlet NAME is required" : "no FILE given");
		submit_usage(stderr);
		return 2;
	}
	if (!wn_outlet_valid(outlet)) {
		fprintf(stderr, "winnow submit: invalid outlet name '%s' (one path component, not starting with '.')\n",
			outlet);
		return 2;
	}
	if (name && nfiles != 1) {
		fprintf(stderr, "winnow submit: --name takes exactly one FILE\n");
		return 2;
	}
	if (name && !wn_spool_name_valid(name)) {
		fprintf(stderr, "winnow submit: invalid --name '%s' (no '/', not starting with '.', at most %d bytes)\n",
			name, WN_SPOOL_NAME_MAX);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-") && !name) {
			fprintf(stderr, "winnow submit: reading stdin ('-') needs --name\n");
			return 2;
		}
	wn_spool *sp;
	int rc = wn_spool_open(spool, true, &sp);
	if (rc < 0) {
		fprintf(stderr, "winnow submit: spool %s: %s\n", spool, wn_strerror(rc));
		return 1;
	}
	int status = 0;
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		const char *base = strrchr(path, '/');
		const char *as = name ? name : base ? base + 1 : path;
		rc = wn_spool_name_valid(as) ? submit_one(sp, outlet, path, as) : -EINVAL;
		if (rc < 0) {
			fprintf(stderr, "winnow submit: %s: %s\n", path, explain(rc));
			status = 1;
		}
	}
	wn_spool_close(sp);
	return status;
}
