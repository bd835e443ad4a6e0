"""Integration tests: boilerplate rules and heuristics through the real
binary — `winnow clean` on chrome-heavy articles, `--rules`,
`winnow rules check` and `winnow explain`."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, TempDirTest, fixture, load_json, run  # noqa: E402

ORCHARD = fixture("chrome", "lakeside-gazette", "orchard-fire.txt")
LIBRARY = fixture("chrome", "northfield-dispatch", "library-roof.txt")

ORCHARD_ARTICLE = [
    "Volunteers kept the flames away from the oldest apple trees in the county",
    "The fire started in dry grass beside the railway line",
    "We had maybe twenty minutes before it reached the first row of trees",
    "Everyone who could carry a hose was out there.",
    "By evening the fire was out and only a shed had been lost.",
    "She thanked the volunteers.",
    "The railway company said it would clear the grass along the line next week.",
]
ORCHARD_CHROME = [
    "fbpx", "[additional-authors]", "Font Size", "Firefighters stand beside", "Did you enjoy",
    "You'll love our weekly roundup", "Editor's Picks", "Latest Articles", "right in your inbox",
    "issues with commenting", "New Bus Route", "Library Extends", "Powered by", "About Us",
    "Privacy Policy", "Fire Crews Save Old Orchard",
]
LIBRARY_ARTICLE = [
    "The repairs to the roof of the Northfield public library were finished on Monday",
    "Builders replaced more than four hundred slates",
    "The work cost less than the council had set aside for it.",
    "Books moved back",
    "Staff spent the weekend carrying boxes of books back from the school hall",
    "Now they can.",
]
LIBRARY_CHROME = [
    "Northfield Dispatch »", "IFRAME", "(BUTTON)", "Football", "Opinion", "[Input]", "____",
    "logo-northfield", "library-roof.jpg", "Facebook", "Twitter", "Related", "Swimming Pool",
    "Rowing Club", "Copyright", "Privacy Policy", "Library Roof Repairs Finished",
]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class CleanChrome(TempDirTest):
    def clean(self, src, *extra, env=None):
        r = run([WINNOW, "clean", "-o", self.path("out"), *extra, src], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        outlet = os.path.basename(os.path.dirname(src))
        stem = os.path.splitext(os.path.basename(src))[0]
        base = self.path("out", outlet, stem)
        return read(base + ".txt"), load_json(base + ".json")

    def check(self, src, article, chrome):
        body, rec = self.clean(src)
        for sentence in article:
            self.assertIn(sentence, body)
        for junk in chrome:
            self.assertNotIn(junk, body)
        return body, rec

    def test_plain_text_page(self):
        body, rec = self.check(ORCHARD, ORCHARD_ARTICLE, ORCHARD_CHROME)
        self.assertEqual(rec["title"], "Fire Crews Save Old Orchard On Mill Road")
        self.assertEqual(rec["date"], "August 9, 2024")
        self.assertEqual(body.count("Volunteers kept the flames"), 1)
        reasons = {x["reason"] for x in rec["removed"]}
        self.assertIn("rule:newsletter-inbox", reasons)
        self.assertIn("heuristic:repeated-caption", reasons)
        self.assertIn("heuristic:footer", reasons)

    def test_text_browser_dump(self):
        body, rec = self.check(LIBRARY, LIBRARY_ARTICLE, LIBRARY_CHROME)
        self.assertEqual(rec["title"], "Library Roof Repairs Finished Ahead Of Schedule")
        self.assertEqual(rec["byline"], "Tomas Varga")
        self.assertEqual(rec["date"], "October 21, 2025")
        removed = {x["line"]: x["reason"] for x in rec["removed"]}
        self.assertEqual(removed[5], "rule:browser-button")
        self.assertEqual(removed[6], "heuristic:header")

    def test_interpreter_gives_the_same_result(self):
        plain_env = dict(os.environ, WN_NO_JIT="1")
        a = self.clean(LIBRARY)
        os.rename(self.path("out"), self.path("jit"))
        b = self.clean(LIBRARY, env=plain_env)
        self.assertEqual(a, b)


class RulesOption(TempDirTest):
    ARTICLE = ("The town band played in the square on Sunday for the first time since the spring, and "
               "more than three hundred people came to listen to it in the sunshine.\n\n"
               "Brought to you by the Friends of the Bandstand\n\n"
               "Sign up for our newsletter today\n")

    def test_rules_dir_adds_to_builtins(self):
        src = self.write("town-post/band.txt", self.ARTICLE)
        self.write("myrules/local.rules", "[friends]\npattern = ^Brought to you by\naction = drop-line\n")
        r = run([WINNOW, "clean", "--rules", self.path("myrules"), src])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("The town band played", out)
        self.assertNotIn("Brought to you by", out)
        self.assertNotIn("Sign up", out)  # the built-in rules still apply

    def test_no_default_rules(self):
        src = self.write("town-post/band.txt", self.ARTICLE)
        self.write("myrules/local.rules", "[friends]\npattern = ^Brought to you by\naction = drop-line\n")
        r = run([WINNOW, "explain", "--no-default-rules", "--rules", self.path("myrules"), src])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("[rule:friends]", out)
        self.assertNotIn("rule:signup", out)

    def test_bad_rules_dir_is_a_usage_error(self):
        src = self.write("town-post/band.txt", self.ARTICLE)
        bad = self.write("bad/x.rules", "[r]\npattern = (\naction = drop-line\n")
        r = run([WINNOW, "clean", "--rules", self.path("bad"), src])
        self.assertEqual(r.returncode, 2)
        self.assertIn(bad + ":2: pattern:", r.stderr.decode())
        self.assertEqual(r.stdout, b"")


class RulesCheck(TempDirTest):
    def test_builtin_rules_are_valid(self):
        r = run([WINNOW, "rules", "check"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"rules OK", r.stdout)

    def test_installed_rules_folder_is_valid(self):
        root = os.environ.get("WN_SOURCE_ROOT")
        if not root:
            self.skipTest("WN_SOURCE_ROOT not set")
        r = run([WINNOW, "rules", "check", os.path.join(root, "rules")])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_problems_as_file_line_message(self):
        a = self.write("rules/a.rules", "[ok]\npattern = fine\naction = drop-line\n\n[x]\npattern = y\naction = zap\n")
        b = self.write("rules/b.rules", "[ok]\npattern = again\naction = drop-line\n\n"
                       "[other]\npattern = z\naction = drop-line\nflavour = mild\n")
        self.write("rules/notes.txt", "not a rule file\n")
        r = run([WINNOW, "rules", "check", self.path("rules")])
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode().splitlines()
        self.assertIn(a + ":7: unknown action 'zap' (drop-line, drop-block, drop-rest, drop-before, title, "
                      "byline, date)", err)
        self.assertTrue(any(x.startswith(b + ":8: unknown key 'flavour'") for x in err), err)
        self.assertTrue(any(x.startswith(b + ":1: duplicate rule id 'ok'") for x in err), err)
        self.assertIn("3 problems found", err)

    def test_single_file_and_missing_paths(self):
        good = self.write("one.rules", "[ok]\npattern = fine\naction = drop-line\n")
        r = run([WINNOW, "rules", "check", good])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"1 rules OK", r.stdout)
        r = run([WINNOW, "rules", "check", self.path("nowhere")])
        self.assertEqual(r.returncode, 1)
        self.assertIn(self.path("nowhere"), r.stderr.decode())
        os.makedirs(self.path("empty"))
        r = run([WINNOW, "rules", "check", self.path("empty")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no *.rules files", r.stderr.decode())
        self.assertEqual(run([WINNOW, "rules"]).returncode, 2)
        self.assertEqual(run([WINNOW, "rules", "frobnicate"]).returncode, 2)


class Explain(TempDirTest):
    def test_every_line_marked_without_colour_when_piped(self):
        r = run([WINNOW, "explain", LIBRARY])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertNotIn("\033[", out)
        lines = out.splitlines()
        self.assertTrue(any(x.startswith("    5 - ") and x.endswith("[rule:browser-button]") for x in lines))
        self.assertTrue(any(x.startswith("   29   ") and "The repairs to the roof" in x for x in lines))
        self.assertTrue(any(x.startswith("   19 - ") and x.endswith("[title]") for x in lines))
        self.assertIn("# byline: Tomas Varga", lines)
        numbered = [x for x in lines if x[:5].strip().isdigit()]
        self.assertEqual(len(numbered), len(read(LIBRARY).splitlines()))

    def test_colour_on_request(self):
        r = run([WINNOW, "explain", "--color", "always", LIBRARY])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"\033[", r.stdout)

    def test_errors(self):
        self.assertEqual(run([WINNOW, "explain"]).returncode, 2)
        r = run([WINNOW, "explain", self.path("missing.txt")])
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"missing.txt", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
