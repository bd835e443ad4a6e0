"""Integration tests: the man pages render cleanly and document what the
binaries actually have: every `winnow` command, every option each command's
--help lists, and every winnowd configuration key."""
import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, run  # noqa: E402

SRC = os.environ.get("WN_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
WINNOWD = os.environ.get("WINNOWD")
PAGES = {name: os.path.join(SRC, "man", name) for name in ("winnow.1", "winnowd.8", "winnow.conf.5")}


def page_text(name):
    """The page's source with roff escapes for '-' undone, for searching."""
    with open(PAGES[name], encoding="utf-8") as f:
        return f.read().replace("\\-", "-")


def help_options(text):
    """Long options (--foo) a --help text lists."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


class Render(unittest.TestCase):
    def test_pages_render_without_warnings(self):
        groff = shutil.which("groff")
        if not groff:
            self.skipTest("groff is not installed (package groff-base)")
        for name, path in PAGES.items():
            r = run([groff, "-man", "-ww", "-z", path])
            self.assertEqual(r.returncode, 0, name)
            self.assertEqual(r.stderr.decode(), "", name)

    def test_pages_have_the_usual_sections(self):
        for name in PAGES:
            text = page_text(name)
            self.assertRegex(text, r"(?m)^\.TH " + re.escape(name.rsplit(".", 1)[0].upper()) + " "
                             + name.rsplit(".", 1)[1] + " ")
            for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
                self.assertRegex(text, r"(?m)^\.SH " + sec + "$", f"{name}: {sec}")


class WinnowPage(unittest.TestCase):
    def commands(self):
        r = run([WINNOW, "--help"])
        self.assertEqual(r.returncode, 0)
        block = r.stdout.decode().split("commands:", 1)[1]
        return re.findall(r"(?m)^  ([a-z]+) ", block)

    def test_every_command_has_a_section(self):
        text = page_text("winnow.1")
        cmds = self.commands()
        self.assertIn("clean", cmds)
        for c in cmds:
            self.assertRegex(text, r"(?m)^\.SS " + c + "$", f"winnow {c} is not documented")
            self.assertRegex(text, r"(?m)^\.B winnow " + c + r"\b", f"winnow {c} not in SYNOPSIS")

    def test_every_option_is_documented(self):
        text = page_text("winnow.1")
        for c in self.commands():
            r = run([WINNOW, c, "--help"])
            self.assertEqual(r.returncode, 0, f"winnow {c} --help")
            for opt in help_options(r.stdout.decode()) - {"--help"}:
                self.assertTrue(opt in text, f"winnow {c} {opt} is not in winnow(1)")


class WinnowdPages(unittest.TestCase):
    def setUp(self):
        if not WINNOWD:
            self.skipTest("winnowd is not built in this tree")

    def test_every_key_is_documented(self):
        r = run([WINNOWD, "--help"])
        self.assertEqual(r.returncode, 0)
        opts = help_options(r.stdout.decode()) - {"--help"}
        self.assertIn("--spool", opts)
        conf, daemon = page_text("winnow.conf.5"), page_text("winnowd.8")
        for opt in opts:
            self.assertTrue(opt in daemon, f"winnowd {opt} is not in winnowd(8)")
            key = opt[2:].replace("-", "_")
            if opt not in ("--config", "--check-config", "--version"):
                self.assertTrue(re.search(r"(?m)^\.BI " + re.escape(key) + " ", conf), f"{key} not in winnow.conf(5)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
