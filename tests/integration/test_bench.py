"""Integration tests: the benchmark's own tools (bench/). What they produce,
never how fast: the figures are for bench/run.py to print."""
import glob
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import TempDirTest, run  # noqa: E402

ROOT = os.environ.get("WN_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
GEN = os.path.join(ROOT, "bench", "gen_corpus.py")
FLOOR = os.environ.get("WN_BENCH_FLOOR", "floor")
PHASES = os.environ.get("WN_BENCH_PHASES", "phases")
INDEX_LOAD = os.environ.get("WN_BENCH_INDEX_LOAD", "index_load")


def tree(d):
    out = {}
    for p in sorted(glob.glob(os.path.join(d, "**", "*"), recursive=True)):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


class Corpus(TempDirTest):
    def gen(self, name, *args):
        r = run([sys.executable, GEN] + list(args) + [self.path(name)])
        self.assertEqual(r.returncode, 0, r.stderr)
        return tree(self.path(name))

    def test_deterministic_and_shaped(self):
        a = self.gen("a", "--articles", "120", "--outlets", "5", "--seed", "7")
        b = self.gen("b", "--articles", "120", "--outlets", "5", "--seed", "7")
        self.assertEqual(a, b)
        c = self.gen("c", "--articles", "120", "--outlets", "5", "--seed", "8")
        self.assertNotEqual(a, c)
        pages = {k: v for k, v in a.items() if k.endswith(".txt")}
        self.assertEqual(len(pages), 120)
        outlets = {k.split(os.sep)[0] for k in pages}
        self.assertEqual(len(outlets), 5)
        for name, data in pages.items():
            self.assertTrue(2048 <= len(data) <= 20480, (name, len(data)))
            data.decode("utf-8")  # valid UTF-8
        # chrome: within an outlet, every page starts with the same header line
        for o in outlets:
            firsts = {v.split(b"\n", 1)[0] for k, v in pages.items() if k.startswith(o + os.sep)}
            self.assertEqual(len(firsts), 1, o)
        # quotes shared across outlets: some run of 7 words inside quote marks in two outlets
        runs = {}
        for k, v in pages.items():
            text = " ".join(v.decode("utf-8").split())
            for q in re.findall(r"[\"\u201c]([^\"\u201d]{30,})[\"\u201d]", text):
                w = re.findall(r"\w+", q.lower())
                for i in range(len(w) - 6):
                    runs.setdefault(" ".join(w[i:i + 7]), set()).add(k.split(os.sep)[0])
        self.assertTrue(any(len(o) >= 2 for o in runs.values()))
        # syndicated near-duplicates are marked as such in some pages
        self.assertTrue(any(b"first appeared in" in v or b"UPDATE: " in v or b"Watch: " in v
                            for v in pages.values()))


class Floor(TempDirTest):
    def test_moves_every_file_through_the_spool(self):
        inputs = {}
        for i in range(6):
            outlet = "outlet-%d" % (i % 2)
            data = ("article %d\n" % i).encode() * 50
            self.write("spool/incoming/%s/a%d.txt" % (outlet, i), data)
            inputs[(outlet, "a%d" % i)] = data
        r = run([FLOOR, self.path("spool"), self.path("out")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"floor: 6 files", r.stdout)
        self.assertEqual(glob.glob(self.path("spool", "incoming", "*", "*")), [])
        self.assertEqual(glob.glob(self.path("spool", "work", "*", "*")), [])
        self.assertEqual(len(glob.glob(self.path("spool", "done", "*", "*.txt"))), 6)
        for (outlet, stem), data in inputs.items():
            with open(self.path("out", outlet, stem + ".txt"), "rb") as f:
                self.assertEqual(f.read(), data)
            with open(self.path("out", outlet, stem + ".json")) as f:
                rec = json.load(f)
            self.assertEqual(rec["outlet"], outlet)
            self.assertEqual(rec["stats"]["bytes_in"], len(data))
        self.assertEqual([n for n in os.listdir(self.path("out", "outlet-0")) if n.startswith(".")], [])

    def test_usage(self):
        self.assertEqual(run([FLOOR]).returncode, 2)


class Phases(TempDirTest):
    def test_reports_every_phase(self):
        r = run([sys.executable, GEN, "--articles", "12", "--outlets", "2", self.path("c")])
        self.assertEqual(r.returncode, 0, r.stderr)
        files = sorted(glob.glob(self.path("c", "*", "*.txt")))
        r = run([PHASES] + files)
        self.assertEqual(r.returncode, 0, r.stderr)
        fig = json.loads(r.stdout)
        self.assertEqual(fig["articles"], 12)
        self.assertEqual(fig["failed"], 0)
        self.assertEqual(fig["bytes"], sum(os.path.getsize(f) for f in files))
        for p in ("parse", "prepare", "index", "output", "total"):
            self.assertGreaterEqual(fig[p + "_s"], 0)
        self.write("bin/x.bin", b"\0\1\2" * 100)
        r = run([PHASES, files[0], self.path("bin", "x.bin")])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["failed"], 1)


class IndexLoad(TempDirTest):
    def test_load_then_open(self):
        db = self.path("state.db")
        r = run([INDEX_LOAD, "--articles", "300", "--outlets", "5", db], timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        fig = json.loads(r.stdout)
        self.assertEqual(fig["articles"], 300)
        self.assertGreater(fig["duplicates"], 0)  # the syndicated copies were found
        self.assertGreater(fig["store_bytes"], 0)
        r = run([INDEX_LOAD, "--open-only", db])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreaterEqual(json.loads(r.stdout)["ready_s"], 0)
        counted = subprocess.run(["sqlite3", db, "SELECT count(*) FROM articles"],
                                 stdout=subprocess.PIPE, text=True)
        if counted.returncode == 0:  # the sqlite3 shell is optional
            self.assertEqual(int(counted.stdout), 301)

    def test_usage(self):
        self.assertEqual(run([INDEX_LOAD]).returncode, 2)


if __name__ == "__main__":
    unittest.main()
