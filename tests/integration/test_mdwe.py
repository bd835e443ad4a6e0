"""Integration tests: rules still work when the system refuses JIT code.

systemd's MemoryDenyWriteExecute=yes (set in winnowd.service) forbids memory
that is both writable and executable, which PCRE2's JIT compiler needs. The
same refusal is made here with prctl(PR_SET_MDWE) (Linux >= 6.3) by the
helper mdwe_run before it runs the real binary: PCRE2 then fails to
JIT-compile and winnow must fall back to the interpreter with the same
results. On an older kernel the test falls back to winnow's own switch,
WN_NO_JIT=1, which takes the same code path without the kernel's help."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, TempDirTest, load_json, run  # noqa: E402

MDWE_RUN = os.environ.get("WN_MDWE_RUN")

RULES = """\
[quay-ticket-office]
pattern = ^buy (?:ferry )?tickets at the quay office\\b
flags = caseless
action = drop-line

[tide-table-footer]
pattern = ^tide tables for the week\\b
flags = caseless
action = drop-rest
"""

ARTICLE = """\
Ferry Timetable Changes For The Winter

The island ferry will run four times a day from the first of December, the operator said on Tuesday.

Buy ferry tickets at the quay office before nine.

Crews will use the quiet months to repaint the older of the two boats and to fix the loading ramp.

Islanders asked for a later sailing on Fridays, and the operator agreed to try it until March.

Tide tables for the week are printed below.

Monday high water at six.
"""


def jit_count(out):
    m = re.search(r"\((\d+) JIT-compiled", out)
    return int(m.group(1)) if m else None


class JitRefused(TempDirTest):
    def setUp(self):
        super().setUp()
        self.rules = self.path("rules")
        self.write("rules/local.rules", RULES)
        self.src = self.write("in/ferry-news/ferry-winter.txt", ARTICLE)

    def refused(self, args):
        """Run winnow with JIT refused: under PR_SET_MDWE when the kernel has
        it, else with WN_NO_JIT=1. Returns (CompletedProcess, how)."""
        if MDWE_RUN:
            r = run([MDWE_RUN, WINNOW, *args])
            if r.returncode != 77:
                return r, "mdwe"
            print(f"PR_SET_MDWE unavailable: {r.stderr.decode().strip()}; using WN_NO_JIT=1",
                  file=sys.stderr)
        return run([WINNOW, *args], env=dict(os.environ, WN_NO_JIT="1")), "switch"

    def test_rules_compile_without_jit(self):
        plain = run([WINNOW, "rules", "check", self.rules])
        self.assertEqual(plain.returncode, 0, plain.stderr)
        if not jit_count(plain.stdout.decode()):
            self.skipTest("PCRE2 JIT is not available here even when allowed: nothing to refuse")
        r, how = self.refused(["rules", "check", self.rules])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(jit_count(r.stdout.decode()), 0, r.stdout)
        self.assertIn("2 rules OK", r.stdout.decode())
        if how == "mdwe":  # the kernel refused it, and winnow said so
            self.assertIn("JIT unavailable", r.stderr.decode())

    def test_clean_gives_the_same_result_without_jit(self):
        args = ["clean", "--rules", self.rules]
        ok = run([WINNOW, *args, "-o", self.path("jit"), self.src])
        self.assertEqual(ok.returncode, 0, ok.stderr)
        r, _ = self.refused([*args, "-o", self.path("nojit"), self.src])
        self.assertEqual(r.returncode, 0, r.stderr)
        for ext in ("txt", "json"):
            with open(self.path("jit", "ferry-news", "ferry-winter." + ext), "rb") as a, \
                    open(self.path("nojit", "ferry-news", "ferry-winter." + ext), "rb") as b:
                self.assertEqual(a.read(), b.read(), ext)
        # and the rules did their work in the interpreter
        rec = load_json(self.path("nojit", "ferry-news", "ferry-winter.json"))
        reasons = {x["text"]: x["reason"] for x in rec["removed"]}
        self.assertEqual(reasons.get("Buy ferry tickets at the quay office before nine."),
                         "rule:quay-ticket-office")
        self.assertEqual(reasons.get("Monday high water at six."), "rule:tide-table-footer")
        with open(self.path("nojit", "ferry-news", "ferry-winter.txt"), encoding="utf-8") as f:
            body = f.read()
        self.assertIn("repaint the older of the two boats", body)
        self.assertNotIn("quay office", body)

    def test_helper_really_refuses(self):
        # the helper is only worth something if the refusal is real: an RWX
        # mapping must fail in the program it runs (checked with python's mmap)
        if not MDWE_RUN:
            self.skipTest("WN_MDWE_RUN not set")
        code = ("import mmap, sys\n"
                "try:\n"
                "    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
                "except OSError:\n"
                "    sys.exit(3)\n"
                "sys.exit(0)\n")
        r = run([MDWE_RUN, sys.executable, "-c", code])
        if r.returncode == 77:
            self.skipTest(r.stderr.decode().strip())
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(run([sys.executable, "-c", code]).returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
