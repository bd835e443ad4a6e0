"""Integration tests: the `winnow clean` binary, its files, JSON and errors."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, TempDirTest, fixture, load_json, run  # noqa: E402


class CleanFiles(TempDirTest):
    def test_outputs_json_and_text(self):
        src = fixture("clean", "quarry-gazette", "lantern-fair.txt")
        r = run([WINNOW, "clean", "-o", self.path("out"), src])
        self.assertEqual(r.returncode, 0, r.stderr)
        base = self.path("out", "quarry-gazette", "lantern-fair")
        body = open(base + ".txt", encoding="utf-8").read()
        rec = load_json(base + ".json")
        # the title is metadata, not body, and is not repeated
        self.assertEqual(rec["title"], "Lantern Fair Returns To The Old Quarry")
        self.assertNotIn("Lantern Fair Returns", body)
        self.assertEqual(rec["byline"], "Ines Calder")
        self.assertEqual(rec["date"], "October 2, 2025")
        self.assertEqual(rec["outlet"], "quarry-gazette")
        self.assertEqual(rec["source"], src)
        self.assertRegex(rec["id"], r"^[0-9a-f]{16}$")
        self.assertIsNone(rec["duplicate_of"])
        self.assertEqual(rec["quotes"], [])
        # the repeated lead paragraph is kept once
        self.assertEqual(body.count("After a gap of six years"), 1)
        self.assertTrue(body.startswith("After a gap of six years"))
        self.assertTrue(body.endswith("every autumn from now on.\n"))
        self.assertNotIn("\n\n\n", body)
        reasons = {(x["line"], x["reason"]) for x in rec["removed"]}
        self.assertIn((1, "title"), reasons)
        self.assertIn((3, "duplicate-line"), reasons)
        self.assertIn((13, "duplicate-line"), reasons)
        self.assertEqual(rec["stats"]["lines_in"], 15)
        self.assertEqual(rec["stats"]["bytes_out"], len(body.encode("utf-8")))
        # every removed line is explained with its original text
        for x in rec["removed"]:
            self.assertTrue(x["text"] and x["reason"])

    def test_outlet_flag_overrides_folder(self):
        src = fixture("clean", "quarry-gazette", "lantern-fair.txt")
        r = run([WINNOW, "clean", "-o", self.path("out"), "--outlet", "elsewhere", src])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.path("out", "elsewhere", "lantern-fair.txt")))

    def test_outlet_follows_each_files_folder(self):
        # folders interleaved, one of them reached through a symlinked folder:
        # each file goes to the outlet of the folder it sits in
        a1 = self.write("alpha-news/one.txt", "First article of alpha.\n")
        b1 = self.write("gamma-news/two.txt", "First article of beta.\n")
        a2 = self.write("alpha-news/three.txt", "Second article of alpha.\n")
        os.symlink(self.path("gamma-news"), self.path("delta-link"))
        b2 = self.write("gamma-news/four.txt", "Second article of beta.\n")
        b2_link = self.path("delta-link", "four.txt")
        r = run([WINNOW, "clean", "-o", self.path("out"), a1, b1, a2, b2_link, b2])
        self.assertEqual(r.returncode, 0, r.stderr)
        for outlet, stem in (("alpha-news", "one"), ("gamma-news", "two"),
                             ("alpha-news", "three"), ("gamma-news", "four")):
            rec = load_json(self.path("out", outlet, stem + ".json"))
            self.assertEqual(rec["outlet"], outlet)
        self.assertEqual(sorted(os.listdir(self.path("out"))), ["alpha-news", "gamma-news"])

    def test_same_input_same_id_and_output(self):
        src = fixture("clean", "quarry-gazette", "lantern-fair.txt")
        for d in ("a", "b"):
            self.assertEqual(run([WINNOW, "clean", "-o", self.path(d), src]).returncode, 0)
        a = load_json(self.path("a", "quarry-gazette", "lantern-fair.json"))
        b = load_json(self.path("b", "quarry-gazette", "lantern-fair.json"))
        self.assertEqual(a, b)

    def test_no_staging_leftovers(self):
        src = fixture("clean", "quarry-gazette", "lantern-fair.txt")
        run([WINNOW, "clean", "-o", self.path("out"), src])
        names = os.listdir(self.path("out", "quarry-gazette"))
        self.assertEqual(sorted(names), ["lantern-fair.json", "lantern-fair.txt"])


class CleanStdin(TempDirTest):
    def test_stdin_to_stdout(self):
        text = "Short Headline Here\n\nA first paragraph of the story.\r\n\r\n\r\n  A second   one.\n"
        r = run([WINNOW, "clean"], stdin=text.encode())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), "A first paragraph of the story.\n\nA second one.\n")

    def test_invalid_utf8_is_replaced_not_failed(self):
        r = run([WINNOW, "clean"], stdin="caf\u00e9 ok \xff\xfe bad bytes.\n".encode("utf-8").replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\ufffd", r.stdout.decode("utf-8"))

    def test_stdin_with_out_dir(self):
        r = run([WINNOW, "clean", "-o", self.path("out"), "--outlet", "pipe"], stdin=b"One line of text.\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = load_json(self.path("out", "pipe", "stdin.json"))
        self.assertEqual(rec["source"], "-")


class CleanErrors(TempDirTest):
    def test_missing_and_binary_files_named_others_processed(self):
        good = self.write("o/good.txt", "A plain paragraph of article text.\n")
        binary = self.write("o/blob.bin", b"\x00\x01\x02binary\x00stuff")
        missing = self.path("o", "missing.txt")
        r = run([WINNOW, "clean", "-o", self.path("out"), missing, binary, good])
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn(missing, err)
        self.assertIn(binary, err)
        self.assertIn("binary", err)
        self.assertEqual(len(err.strip().splitlines()), 2)
        self.assertTrue(os.path.exists(self.path("out", "o", "good.txt")))
        self.assertFalse(os.path.exists(self.path("out", "o", "blob.json")))

    def test_missing_folder_reports_missing_file(self):
        missing = self.path("no-such-folder", "a.txt")
        r = run([WINNOW, "clean", "-o", self.path("out"), missing])
        self.assertEqual(r.returncode, 1)
        self.assertIn("No such file or directory", r.stderr.decode())

    def test_symlink_not_followed(self):
        target = self.write("secret/passwd", "root:x:0:0:root:/root:/bin/bash\n")
        os.makedirs(self.path("o"), exist_ok=True)
        link = self.path("o", "link.txt")
        os.symlink(target, link)
        r = run([WINNOW, "clean", "-o", self.path("out"), link])
        self.assertEqual(r.returncode, 1)
        self.assertIn("link.txt", r.stderr.decode())
        self.assertFalse(os.path.exists(self.path("out", "o")))

    def test_size_limit(self):
        big = self.write("o/big.txt", "word " * 1000)
        r = run([WINNOW, "clean", "--max-bytes", "100", "-o", self.path("out"), big])
        self.assertEqual(r.returncode, 1)
        self.assertIn("size limit", r.stderr.decode())

    def test_usage_errors(self):
        self.assertEqual(run([WINNOW, "clean", "--no-such-flag"]).returncode, 2)
        self.assertEqual(run([WINNOW, "clean", "--outlet", "../x"], stdin=b"").returncode, 2)
        self.assertEqual(run([WINNOW, "frobnicate"]).returncode, 2)
        self.assertEqual(run([WINNOW]).returncode, 2)

    def test_help(self):
        r = run([WINNOW, "clean", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"usage: winnow clean", r.stdout)
        r = run([WINNOW, "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"clean", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
