/* mdwe_run — run a program with writable+executable memory refused, the
 * way systemd's MemoryDenyWriteExecute=yes refuses it, to test that the
 * program still works (PCRE2 falls back from JIT to its interpreter).
 *
 *   mdwe_run PROGRAM [ARG...]
 *
 * Sets prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) (Linux >= 6.3), which
 * execve keeps, proves it took effect with an RWX mapping that must fail,
 * then executes PROGRAM. Exits 77 (the "skip" status of test harnesses)
 * with a reason on stderr when the kernel cannot do it, 127 when PROGRAM
 * cannot be run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1UL
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mdwe_run PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0UL, 0UL, 0UL) != 0) {
		fprintf(stderr, "mdwe_run: PR_SET_MDWE refused (%s): kernel older than 6.3?\n",
			strerror(errno));
		return 77;
	}
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		munmap(p, 4096);
		fprintf(stderr, "mdwe_run: PR_SET_MDWE set but an RWX mapping still succeeds\n");
		return 77;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "mdwe_run: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
