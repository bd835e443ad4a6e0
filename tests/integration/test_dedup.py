"""Integration tests: the state store through the real binary —
`winnow clean --state`, `winnow quotes`, `winnow stats`, `winnow learn`."""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, TempDirTest, fixture, load_json, run  # noqa: E402

ORIGINAL = fixture("dedup", "harbour-post", "footbridge-delay.txt")
SAME_EVENT = fixture("dedup", "coast-ledger", "hinge-fault.txt")
SYNDICATED = fixture("dedup", "valley-wire", "footbridge-hinges.txt")
UNRELATED = fixture("dedup", "hill-gazette", "wet-summer.txt")


def gen_page(outlet, n):
    """A page of a generated outlet: its chrome around paragraphs of its own
    (every few words vary from page to page, so pages are not near-duplicates)."""
    desks = ["planning", "harbour", "schools", "transport", "library", "parks", "housing"]
    verbs = ["approved", "rejected", "deferred", "amended", "welcomed"]
    things = ["quay", "ferry", "lifeboat", "market", "bandstand", "causeway", "lighthouse",
              "boatyard", "chapel", "orchard", "mill"]
    names = ["Ada Brell", "Tomas Quill", "Nia Varden", "Oskar Lune", "Bea Corran", "Idris Mott"]
    months = ["March", "April", "May", "June", "July", "August", "September", "October"]
    body = ""
    for i in range(3):
        k = n * 3 + i
        body += (f"The {desks[k % 7]} committee {verbs[k % 5]} the {things[k % 11]} plan, "
                 f"and {names[k % 6]} said the {things[(k + 3) % 11]} would "
                 f"{verbs[(k + 2) % 5]} its {desks[(k + 4) % 7]} budget by {months[k % 8]}.\n\n")
    return (f"{outlet} | Home | News | Sport | Weather\n"
            f"Sign up to our newsletter for the morning headlines\n\n"
            f"Council notes, part {chr(65 + n)}\n\n{body}"
            f"Copyright {2010 + n} {outlet} Media Ltd. All rights reserved.\n")


class StateStore(TempDirTest):
    def clean(self, *args, out="out"):
        r = run([WINNOW, "clean", "--state", self.path("state.db"), "-o", self.path(out), *args])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def record(self, outlet, stem, out="out"):
        return load_json(self.path(out, outlet, stem + ".json"))

    def stats(self):
        r = run([WINNOW, "stats", "--state", self.path("state.db"), "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_quotes_and_duplicates_across_runs(self):
        self.clean(ORIGINAL)
        # a second run on the same store sees the first run's articles
        self.clean(SAME_EVENT, SYNDICATED, UNRELATED)
        orig = self.record("harbour-post", "footbridge-delay")
        other = self.record("coast-ledger", "hinge-fault")
        synd = self.record("valley-wire", "footbridge-hinges")
        farm = self.record("hill-gazette", "wet-summer")
        self.assertEqual(orig["quotes"] and orig["quotes"][0]["repeated_in"], [])
        repeated = [q for q in other["quotes"] if q["repeated_in"]]
        self.assertEqual(len(repeated), 2)
        for q in repeated:
            self.assertEqual(q["repeated_in"],
                             [{"id": orig["id"], "outlet": "harbour-post", "same_outlet": False}])
        texts = " | ".join(q["text"] for q in repeated)
        self.assertIn("We are not going to put a single walker", texts)
        self.assertIn("until the foundry has recast both hinges", texts)
        # offsets are bytes into the .txt body
        with open(self.path("out", "coast-ledger", "hinge-fault.txt"), "rb") as f:
            body = f.read()
        for q in other["quotes"]:
            self.assertEqual(body[q["start"]:q["end"]].decode("utf-8"), q["text"])
        # same event, shared quotes: not a duplicate; the syndicated copy is
        self.assertIsNone(other["duplicate_of"])
        self.assertEqual(synd["duplicate_of"], orig["id"])
        self.assertFalse(os.path.exists(self.path("out", "valley-wire", "footbridge-hinges.txt")))
        self.assertTrue(all(not q["repeated_in"] for q in farm["quotes"]))

        st = self.stats()
        self.assertEqual((st["articles"], st["outlets"], st["duplicates"]), (4, 4, 1))
        self.assertGreater(st["store_bytes"], 0)

        r = run([WINNOW, "quotes", "--state", self.path("state.db"), "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        quotes = json.loads(r.stdout)
        self.assertGreaterEqual(len(quotes), 2)
        for q in quotes:
            self.assertTrue({"text", "outlets", "articles", "first_seen"} <= set(q))
            self.assertGreaterEqual(len(q["outlets"]), 2)
        walker = [q for q in quotes if "single walker" in q["text"]]
        self.assertEqual(len(walker), 1)
        self.assertIn("harbour-post", walker[0]["outlets"])
        self.assertIn("coast-ledger", walker[0]["outlets"])
        self.assertIn(orig["id"], [a["id"] for a in walker[0]["articles"]])
        r = run([WINNOW, "quotes", "--state", self.path("state.db"), "--json", "--min-outlets", "5"])
        self.assertEqual(json.loads(r.stdout), [])
        r = run([WINNOW, "quotes", "--state", self.path("state.db")])
        self.assertEqual(r.returncode, 0)
        self.assertIn("single walker", r.stdout.decode())

    def test_keep_duplicates_writes_text(self):
        r = run([WINNOW, "clean", "--keep-duplicates", "-o", self.path("out"), ORIGINAL, SYNDICATED])
        self.assertEqual(r.returncode, 0, r.stderr)
        synd = self.record("valley-wire", "footbridge-hinges")
        self.assertIsNotNone(synd["duplicate_of"])  # in memory within one run
        self.assertTrue(os.path.exists(self.path("out", "valley-wire", "footbridge-hinges.txt")))

    def test_rerun_same_files_is_idempotent(self):
        files = [ORIGINAL, SAME_EVENT, SYNDICATED]
        self.clean(*files, out="a")
        before = self.stats()
        self.clean(*reversed(files), out="b")
        self.assertEqual(self.stats(), before)
        for outlet, stem in [("harbour-post", "footbridge-delay"), ("coast-ledger", "hinge-fault"),
                             ("valley-wire", "footbridge-hinges")]:
            self.assertEqual(self.record(outlet, stem, "a"), self.record(outlet, stem, "b"))

    def test_schema_version_mismatch_is_refused(self):
        self.clean(ORIGINAL)
        db = sqlite3.connect(self.path("state.db"))
        db.execute("PRAGMA user_version = 7")
        db.close()
        for cmd in (["stats"], ["quotes"], ["clean", "-o", self.path("x"), SAME_EVENT]):
            r = run([WINNOW, *cmd, "--state", self.path("state.db")])
            self.assertEqual(r.returncode, 1, cmd)
            self.assertIn("schema version 7", r.stderr.decode())
            self.assertIn("newer", r.stderr.decode())
        self.assertFalse(os.path.exists(self.path("x")))
        db = sqlite3.connect(self.path("state.db"))
        self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 7)
        self.assertEqual(db.execute("SELECT count(*) FROM articles").fetchone()[0], 1)
        db.close()

    def test_missing_or_foreign_store(self):
        r = run([WINNOW, "stats", "--state", self.path("nope.db")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.db", r.stderr.decode())
        self.assertFalse(os.path.exists(self.path("nope.db")))
        junk = self.write("junk.db", "plain text, not a database\n")
        r = run([WINNOW, "clean", "--state", junk, "-o", self.path("out"), ORIGINAL])
        self.assertEqual(r.returncode, 1)
        self.assertIn("junk.db", r.stderr.decode())
        with open(junk) as f:
            self.assertEqual(f.read(), "plain text, not a database\n")

    def test_store_is_queryable_with_sqlite(self):
        self.clean(ORIGINAL, SAME_EVENT)
        db = sqlite3.connect(self.path("state.db"))
        rows = db.execute("SELECT a.id, o.name FROM articles a JOIN outlets o USING (outlet_id)"
                          " ORDER BY seq").fetchall()
        self.assertEqual([r[1] for r in rows], ["harbour-post", "coast-ledger"])
        self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        db.close()


# Options that leave learned chrome as the only boilerplate filter.
ISOLATED = ["--no-default-rules", "--no-heuristics"]


class LearnedChrome(TempDirTest):
    def pages(self, outlet, n, first=0):
        return [self.write(f"in/{outlet}/page{i}.txt", gen_page(outlet, i))
                for i in range(first, first + n)]

    def test_chrome_learned_within_one_run(self):
        files = self.pages("gen-times", 5)
        # learned chrome alone: the built-in rules and heuristics would take these lines first
        r = run([WINNOW, "clean", *ISOLATED, "-o", self.path("out"), *files])
        self.assertEqual(r.returncode, 0, r.stderr)
        for i in range(5):
            rec = load_json(self.path("out", "gen-times", f"page{i}.json"))
            chrome = [x["text"] for x in rec["removed"] if x["reason"] == "chrome"]
            with open(self.path("out", "gen-times", f"page{i}.txt")) as f:
                body = f.read()
            if i < 2:
                self.assertEqual(chrome, [])
            else:
                self.assertEqual(len(chrome), 3, chrome)
                self.assertNotIn("Sign up to our newsletter", body)
                self.assertNotIn("Copyright", body)
            self.assertIsNone(rec["duplicate_of"])
            self.assertEqual(body.count(" committee "), 3)
            self.assertIn(gen_page("gen-times", i).split("\n\n")[2].strip(), body)

    def test_chrome_window_counts_recent_pages_only(self):
        offer = "Readers save a third on the winter walking guide"
        def pages(folder):
            out = []
            for i in range(6):  # the offer in pages 0, 1 and 5: three pages, but not three recent ones
                text = gen_page("gen-times", i)
                if i in (0, 1, 5):
                    text = text.replace("\n\nCouncil notes", f"\n\n{offer}\n\nCouncil notes")
                out.append(self.write(f"{folder}/gen-times/page{i}.txt", text))
            return out
        for window, chrome_at_last in (("3", False), ("6", True)):
            files = pages(f"in-{window}")
            r = run([WINNOW, "clean", *ISOLATED, "--chrome-window", window, "-o",
                     self.path(f"out-{window}"), *files])
            self.assertEqual(r.returncode, 0, r.stderr)
            rec = load_json(self.path(f"out-{window}", "gen-times", "page5.json"))
            chrome = [x["text"] for x in rec["removed"] if x["reason"] == "chrome"]
            self.assertEqual(offer in chrome, chrome_at_last, (window, chrome))
            # the page chrome seen on every page is chrome in both
            self.assertIn("Sign up to our newsletter for the morning headlines", chrome)
        r = run([WINNOW, "clean", "--chrome-window", "2", files[0]])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--chrome-window 2 is smaller than --chrome-min-docs 3", r.stderr.decode())

    def test_learn_primes_an_outlet(self):
        samples = self.pages("gen-times", 3)
        state = self.path("state.db")
        r = run([WINNOW, "learn", "--outlet", "gen-times", "--state", state, *samples])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("gen-times: 3 pages learned, 3 chrome lines", out)
        self.assertIn("Sign up to our newsletter", out)
        # learning the same pages again counts nothing twice
        r = run([WINNOW, "learn", "--outlet", "gen-times", "--state", state, "--json", *samples])
        lines = json.loads(r.stdout)
        self.assertEqual(len(lines), 3)
        self.assertTrue(all(x["docs"] == 3 for x in lines))
        # the first article after learning already loses the chrome ...
        article = self.pages("gen-times", 1, first=4)[0]
        r = run([WINNOW, "clean", *ISOLATED, "--state", state, "-o", self.path("out"), article])
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = load_json(self.path("out", "gen-times", "page4.json"))
        self.assertEqual(sum(x["reason"] == "chrome" for x in rec["removed"]), 3)
        # ... and another outlet with the same lines keeps them
        other = self.write("in/other-post/first.txt", gen_page("gen-times", 6))
        r = run([WINNOW, "clean", *ISOLATED, "--state", state, "-o", self.path("out"), other])
        rec = load_json(self.path("out", "other-post", "first.json"))
        self.assertEqual([x for x in rec["removed"] if x["reason"] == "chrome"], [])
        st = json.loads(run([WINNOW, "stats", "--state", state, "--json"]).stdout)
        self.assertEqual(st["articles"], 2)
        self.assertEqual(st["chrome_lines"], 3)

    def test_learn_without_state_previews(self):
        samples = self.pages("gen-times", 2)
        r = run([WINNOW, "learn", "--chrome-min-docs", "2", *samples])  # outlet from the folder
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("gen-times: 2 pages learned, 3 chrome lines", r.stdout.decode())
        self.assertEqual(run([WINNOW, "learn"]).returncode, 2)
        r = run([WINNOW, "learn", "--outlet", "x", self.path("missing.txt")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing.txt", r.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
