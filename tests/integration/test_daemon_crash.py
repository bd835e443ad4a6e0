"""Integration tests: winnowd across stops, kills and a full disk — every
input ends in done/ or failed/ exactly once, outputs and event lines appear
exactly once, nothing is lost."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW  # noqa: E402
from wn_daemonlib import WINNOWD, WINNOWD_TEST, DaemonTest, files_in, unique_article, wait_for  # noqa: E402

OUTLETS = ["north", "south", "east"]


class BurstCase(DaemonTest):
    """Runs of many articles across three outlets, and what must hold of them."""

    settings = {"durable": "yes"}

    def drop_burst(self, n):
        names = {o: [] for o in OUTLETS}
        for o in OUTLETS:
            os.makedirs(self.sp("incoming", o), exist_ok=True)
        for i in range(n):
            o = OUTLETS[i % 3]
            name = "story-%04d.txt" % i
            names[o].append(name)
            self.drop(o, name, unique_article(i)[0])
        return names

    def delivered_total(self):
        return sum(self.delivered(o) for o in OUTLETS)

    def where(self, outlet, name):
        """The places an input is in (each must be exactly one)."""
        places = []
        n = os.fsencode(name)
        if n in files_in(self.sp("incoming", outlet)):
            places.append("incoming")
        if any(w.endswith(b"-" + n) for w in files_in(self.sp("work", outlet))):
            places.append("work")
        if n in files_in(self.sp("done", outlet)):
            places.append("done")
        if n in files_in(self.sp("failed", outlet)):
            places.append("failed")
        return places

    def assert_each_in_one_place(self, names):
        for o, ns in names.items():
            for n in ns:
                self.assertEqual(len(self.where(o, n)), 1, (o, n, self.where(o, n)))

    def assert_outputs_right(self, names):
        for o, ns in names.items():
            for n in ns:
                _, title, body = unique_article(int(n[6:10]))
                stem = n[:-4]
                with open(os.path.join(self.out, o, stem + ".txt")) as f:
                    self.assertEqual(f.read(), body)
                with open(os.path.join(self.out, o, stem + ".json")) as f:
                    rec = json.load(f)
                self.assertEqual(rec["title"], title)
                self.assertIsNone(rec["duplicate_of"], "counted twice in the state store?")

    def launch(self):
        """Start winnowd without waiting for it to be ready (a kill may
        then land in recovery or the start-up scan)."""
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen([WINNOWD, "--config", self.conf], stdout=log, stderr=log)
        log.close()

    def assert_consumer_view(self, names, binaries):
        """What a consumer may rely on at any moment, crash or not: each
        input in exactly one place, a visible .txt has its .json, every
        event line names files that are there, no line twice."""
        self.assert_each_in_one_place(names)
        self.assert_each_in_one_place(binaries)
        for o in OUTLETS:
            outs = set(files_in(os.path.join(self.out, o)))
            for n in outs:
                if n.endswith(b".txt") and not n.startswith(b"."):
                    self.assertIn(n[:-4] + b".json", outs, "a .txt visible before its .json")
        ev = self.events()
        for e in ev:
            self.assertTrue(os.path.exists(os.path.join(self.out, e["json"])), e)
            self.assertTrue(e["txt"] is None or os.path.exists(os.path.join(self.out, e["txt"])), e)
        keys = [(e["outlet"], e["file"]) for e in ev]
        self.assertEqual(len(keys), len(set(keys)), "an article logged twice in events.jsonl")

    def store_view(self, path):
        """A state store as SQLite shows it (schema in README, State store)."""
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
            return {
                "articles": q("SELECT count(*), count(DISTINCT id), count(DISTINCT seq) FROM articles")[0],
                "ids": {r[0] for r in q("SELECT id FROM articles")},
                "duplicates": q("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0],
                "chrome_docs": q("SELECT count(*), count(DISTINCT id) FROM chrome_docs")[0],
                "line_docs": {(o, k): d for o, k, d in q("SELECT name, line_key, docs FROM chrome_lines "
                                                         "JOIN outlets USING (outlet_id)")},
            }
        finally:
            db.close()

    def reference_store(self, names):
        """The same articles recorded once each, without crashes, by winnow clean."""
        ref = self.path("ref.db")
        paths = [self.sp("done", o, nm) for o in OUTLETS for nm in names[o]]
        r = subprocess.run([WINNOW, "clean", "--state", ref, "-o", self.path("ref-out")] + paths,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.store_view(ref)


class Burst(BurstCase):
    def test_sigterm_during_burst_then_restart(self):
        self.start()
        names = self.drop_burst(300)
        wait_for(lambda: self.delivered_total() >= 10, what="some deliveries")
        rc, took = self.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, self.log())
        self.assertLess(took, 5.0)
        self.assert_each_in_one_place(names)
        self.assertLess(self.delivered_total(), 300, "the burst should still be running")
        self.start()
        wait_for(lambda: self.delivered_total() == 300, timeout=120, what="all delivered after restart")
        self.assert_spool_settled(names)
        self.assert_outputs_right(names)

    def test_sigterm_during_start_up_is_a_graceful_stop(self):
        names = self.drop_burst(6)
        # raised after the store opened; it may be gone before its ready line is read
        with open(self.logfile, "ab") as log:
            self.proc = subprocess.Popen([WINNOWD_TEST, "--config", self.conf], stdout=log, stderr=log,
                                         env=dict(os.environ, WN_FAULT_SIGTERM_AT_START="1"))
        rc = self.proc.wait(timeout=60)
        self.assertEqual(rc, 0, self.log())
        self.assertIn("stopping (SIGTERM)", self.log())
        self.assert_each_in_one_place(names)
        self.start()
        wait_for(lambda: self.delivered_total() == 6, what="all delivered after restart")
        self.assert_spool_settled(names)

    @unittest.skipIf(os.environ.get("WN_VALGRIND"), "too slow under valgrind (ASan runs it)")
    def test_kill9_torture(self):
        # Random kill moments, seeded and printed so a failure can be replayed:
        # WN_TORTURE_SEED=<seed> python3 tests/integration/test_daemon_crash.py Burst.test_kill9_torture
        seed = int(os.environ.get("WN_TORTURE_SEED") or random.SystemRandom().randrange(1 << 31))
        print("\n  crash torture seed %d (replay with WN_TORTURE_SEED=%d)" % (seed, seed), file=sys.stderr)
        rnd = random.Random(seed)
        n = 400
        for o in OUTLETS:
            os.makedirs(self.sp("incoming", o), exist_ok=True)
        names = {o: [] for o in OUTLETS}
        binaries = {o: [] for o in OUTLETS}
        for i in range(n):  # half waiting before the first start, half dropped while it runs
            if i == n // 2:
                self.start()
            o = OUTLETS[i % 3]
            names[o].append("story-%04d.txt" % i)
            self.drop(o, names[o][-1], unique_article(i)[0])
            if i % 50 == 7:  # some that go to failed/, killed at too
                binaries[o].append("blob-%04d.bin" % i)
                self.drop(o, binaries[o][-1], bytes(rnd.randrange(256) for _ in range(64)) + b"\0")
        kills = []
        for round_ in range(6):
            before = self.delivered_total()
            if before >= n:
                break
            if round_ % 3 == 2:  # in start-up: recovery, staging clean-up, the first scan
                self.proc.kill()
                self.proc.wait()
                self.launch()
                delay = rnd.uniform(0, 0.08)
                time.sleep(delay)  # not synchronisation: a random moment to kill at
                kills.append("start+%.0fms" % (delay * 1000))
            else:  # while delivering
                target = before + rnd.randint(1, 40)
                wait_for(lambda: self.delivered_total() >= min(target, n), timeout=60,
                         what="progress before kill %d (seed %d)" % (round_, seed))
                delay = rnd.uniform(0, 0.03)
                time.sleep(delay)
                kills.append("after %d delivered+%.0fms" % (target, delay * 1000))
            self.proc.kill()  # SIGKILL: no clean-up at all
            self.proc.wait()
            self.assert_consumer_view(names, binaries)
            self.start()
        print("  kills: " + ", ".join(kills), file=sys.stderr)
        nbin = sum(len(b) for b in binaries.values())
        wait_for(lambda: self.delivered_total() == n and
                 sum(self.count("failed", o) for o in OUTLETS) == 2 * nbin,
                 timeout=120, what="all settled (seed %d)" % seed)
        rc, _ = self.stop()
        self.assertEqual(rc, 0, self.log()[-3000:])

        everything = {o: names[o] + binaries[o] for o in OUTLETS}
        self.assert_spool_settled(everything)
        self.assert_outputs_right(names)
        ids = set()
        for o in OUTLETS:  # exactly one .json and one .txt per article, nothing else
            want = sorted([s[:-4].encode() + e for s in names[o] for e in (b".json", b".txt")])
            self.assertEqual(files_in(os.path.join(self.out, o)), want)
            self.assertEqual(sorted(files_in(self.sp("failed", o))),
                             sorted([b.encode() for b in binaries[o]] + [b.encode() + b".reason" for b in binaries[o]]))
            for s in names[o]:
                with open(os.path.join(self.out, o, s[:-4] + ".json")) as f:
                    ids.add(json.load(f)["id"])
        ev = self.events()
        self.assertEqual(len(ev), n)
        self.assertEqual({e["id"] for e in ev}, ids)
        st, ref = self.store_view(self.path("state", "winnow.db")), self.reference_store(names)
        self.assertEqual(st["articles"], (n, n, n), "each article once in the state store")
        self.assertEqual(st["ids"], ids)
        self.assertEqual(st["duplicates"], 0, "a re-run counted as a duplicate of itself")
        self.assertEqual(st["chrome_docs"], (n, n), "a page counted twice for chrome")
        self.assertEqual(st["line_docs"], ref["line_docs"], "chrome line counts differ from one clean run")
        self.assertEqual(ref["articles"], (n, n, n))

    def test_crash_between_event_and_done_logs_once(self):
        # The state a crash leaves between appending the event line and the
        # move to done/: the claimed file in work/, outputs and the line in place.
        claim = "00000000000000aa"
        os.makedirs(self.sp("work", "north"))
        with open(self.sp("work", "north", claim + "-late.txt"), "w") as f:
            f.write(unique_article(1)[0])
        os.makedirs(self.out)
        line = {"time": "2026-01-01T00:00:00Z", "id": "x", "outlet": "north", "file": "late.txt",
                "json": "north/late.json", "txt": "north/late.txt", "duplicate_of": None,
                "repeated_quotes": [], "claim": claim}
        with open(os.path.join(self.out, "events.jsonl"), "w") as f:
            f.write(json.dumps(line) + "\n")
        # and a claimed file whose event was never written
        with open(self.sp("work", "north", "00000000000000ab-early.txt"), "w") as f:
            f.write(unique_article(2)[0])
        # staging leftovers of the crash
        os.makedirs(os.path.join(self.out, "north"))
        open(os.path.join(self.out, "north", ".late.json.tmp"), "w").close()
        os.makedirs(self.sp("failed", "north"))
        open(self.sp("failed", "north", ".x.reason.tmp"), "w").close()
        self.start()
        wait_for(lambda: self.delivered("north") == 2, what="recovered files delivered")
        self.assertIn("recovered 2 claimed file(s)", self.log())
        self.assert_spool_settled({"north": ["late.txt", "early.txt"]})
        self.assertEqual([e["file"] for e in self.events()], ["late.txt", "early.txt"])
        self.assertEqual(files_in(self.sp("failed", "north")), [])


def old_mtimes(spool, names):
    """Make dropped files look long settled, so the start-up scan claims
    them all at once (in one pass, before any is prepared)."""
    for o, ns in names.items():
        for n in ns:
            os.utime(os.path.join(spool, "incoming", o, n), (1, 1))


def store_articles(state):
    r = subprocess.run([WINNOW, "stats", "--json", "--state", state], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["articles"]


class MidBatch(BurstCase):
    """A kill -9 inside a round of several articles, at each boundary the
    crash safety rests on; winnowd-test kills itself there (SIGKILL), so the
    moment is exact. The next start delivers each article once."""

    settings = {"durable": "yes"}
    N = 8

    def crash_at(self, point):
        names = {o: [] for o in OUTLETS}
        for i in range(self.N):
            o = OUTLETS[i % 3]
            names[o].append("story-%04d.txt" % i)
            self.drop(o, names[o][-1], unique_article(i)[0])
        old_mtimes(self.spool, names)
        env = dict(os.environ, WN_FAULT_CRASH_AT=point, WN_FAULT_MIN_BATCH=str(self.N))
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen([WINNOWD_TEST, "--config", self.conf], stdout=log, stderr=log, env=env)
        log.close()
        self.assertEqual(self.proc.wait(timeout=60), -signal.SIGKILL, self.log()[-3000:])
        self.assertIn("fault injection: killed after the %s of a round of %d" % (point, self.N), self.log())
        self.assert_consumer_view(names, {o: [] for o in OUTLETS})
        return names

    def outputs_in_place(self, names):
        return sum(os.path.exists(os.path.join(self.out, o, n[:-4] + ".txt")) for o in OUTLETS for n in names[o])

    def in_work(self):
        return sum(self.count("work", o) for o in OUTLETS)

    def restart_and_check(self, names):
        self.start()
        wait_for(lambda: self.delivered_total() == self.N, what="all delivered after the restart")
        self.assertIn("recovered %d claimed file(s)" % self.in_work_at_start, self.log())
        self.assert_spool_settled(names)
        self.assert_outputs_right(names)  # duplicate_of null: not counted twice in the store
        self.assertEqual(store_articles(self.path("state", "winnow.db")), self.N)
        ev = self.events()
        self.assertEqual(sorted(e["file"] for e in ev), sorted(n for ns in names.values() for n in ns))

    def test_kill_after_index_commit(self):
        names = self.crash_at("index")
        self.assertEqual(self.outputs_in_place(names), 0, "outputs before the round got to them")
        self.assertEqual(self.events(), [])
        self.assertEqual(store_articles(self.path("state", "winnow.db")), self.N, "the batch was committed")
        self.in_work_at_start = self.in_work()
        self.assertEqual(self.in_work_at_start, self.N)
        self.restart_and_check(names)

    def test_kill_after_outputs(self):
        names = self.crash_at("outputs")
        self.assertEqual(self.outputs_in_place(names), self.N)
        self.assertEqual(self.events(), [])
        self.in_work_at_start = self.in_work()
        self.assertEqual(self.in_work_at_start, self.N)
        self.restart_and_check(names)

    def test_kill_after_event_lines(self):
        names = self.crash_at("events")
        self.assertEqual(len(self.events()), self.N)
        self.in_work_at_start = self.in_work()
        self.assertEqual(self.in_work_at_start, self.N)
        self.restart_and_check(names)  # no line twice

    def test_kill_halfway_through_moves(self):
        names = self.crash_at("moves")
        self.assertEqual(len(self.events()), self.N)
        self.assertEqual(self.delivered_total(), self.N // 2)
        self.in_work_at_start = self.in_work()
        self.assertEqual(self.in_work_at_start, self.N // 2)
        self.restart_and_check(names)


class DiskFull(DaemonTest):
    def test_disk_full_pauses_intake_and_loses_nothing(self):
        flag = self.path("disk-is-full")
        open(flag, "w").close()
        self.start(binary=WINNOWD_TEST, env={"WN_FAULT_ENOSPC": flag})
        for i in range(4):
            self.drop("north", "s%d.txt" % i, unique_article(i)[0])
        wait_for(lambda: "disk full while writing the outputs" in self.log(), what="disk full logged")
        wait_for(lambda: "retrying in 2000 ms" in self.log(), what="backoff")
        self.assertEqual(self.count("done", "north"), 0)
        self.assertEqual(self.count("failed", "north"), 0)
        self.assertFalse(os.path.exists(os.path.join(self.out, "north", "s0.json")))
        waiting = self.count("incoming", "north") + self.count("work", "north")
        self.assertEqual(waiting, 4, "every file is still waiting in incoming/ or work/")
        os.unlink(flag)  # space is back
        wait_for(lambda: self.delivered("north") == 4, timeout=30, what="delivery after space returns")
        wait_for(lambda: "intake resumed" in self.log(), what="intake resumed logged")
        self.assert_spool_settled({"north": ["s%d.txt" % i for i in range(4)]})

    def test_state_store_full_pauses_intake_and_loses_nothing(self):
        flag = self.path("store-is-full")
        open(flag, "w").close()
        self.start(binary=WINNOWD_TEST, env={"WN_FAULT_INDEX_ENOSPC": flag})
        for i in range(4):
            self.drop("north", "s%d.txt" % i, unique_article(i)[0])
        wait_for(lambda: "disk full while indexing" in self.log(), what="disk full logged")
        wait_for(lambda: "retrying in 2000 ms" in self.log(), what="backoff")
        self.assertEqual(self.count("done", "north") + self.count("failed", "north"), 0)
        self.assertEqual(self.count("incoming", "north") + self.count("work", "north"), 4)
        os.unlink(flag)
        wait_for(lambda: self.delivered("north") == 4, timeout=30, what="delivery after space returns")
        self.assert_spool_settled({"north": ["s%d.txt" % i for i in range(4)]})
        for i in range(4):  # cleaned again from the file: the whole article, once in the store
            with open(os.path.join(self.out, "north", "s%d.txt" % i)) as f:
                self.assertEqual(f.read(), unique_article(i)[2])
            with open(os.path.join(self.out, "north", "s%d.json" % i)) as f:
                self.assertIsNone(json.load(f)["duplicate_of"])

    # A round of six in which one article's step fails: the articles before
    # it go on, it and the ones after wait in work/ and are retried with
    # backoff; nothing is lost or doubled. The flag file names the article.
    N = 6

    def batch_with_failing_step(self, var, failing="s3.txt"):
        flag = self.path("fault")
        with open(flag, "w") as f:
            f.write(failing + "\n")
        names = ["s%d.txt" % i for i in range(self.N)]
        for i, n in enumerate(names):
            self.drop("north", n, unique_article(i)[0])
        old_mtimes(self.spool, {"north": names})
        self.start(binary=WINNOWD_TEST, env={var: flag, "WN_FAULT_MIN_BATCH": str(self.N)})
        return flag, names

    def finish_batch(self, flag, names):
        wait_for(lambda: "retrying in 2000 ms" in self.log(), what="retried with backoff")
        os.unlink(flag)
        wait_for(lambda: self.delivered("north") == self.N, timeout=30, what="the rest delivered")
        wait_for(lambda: "intake resumed" in self.log(), what="intake resumed logged")
        self.assert_spool_settled({"north": names})
        self.assertEqual([e["file"] for e in self.events()], names, "one line each, in claim order")
        for i, n in enumerate(names):
            with open(os.path.join(self.out, "north", n[:-4] + ".txt")) as f:
                self.assertEqual(f.read(), unique_article(i)[2])
            with open(os.path.join(self.out, "north", n[:-4] + ".json")) as f:
                self.assertIsNone(json.load(f)["duplicate_of"])

    def test_batch_outputs_fail_for_one_article(self):
        flag, names = self.batch_with_failing_step("WN_FAULT_ENOSPC")
        wait_for(lambda: "disk full while writing the outputs of s3.txt" in self.log(), what="disk full logged")
        wait_for(lambda: self.delivered("north") == 3, what="the three before it delivered")
        self.assertEqual(self.count("work", "north"), 3)
        self.assertEqual([e["file"] for e in self.events()], names[:3])
        self.assertFalse(os.path.exists(os.path.join(self.out, "north", "s3.json")))
        self.finish_batch(flag, names)

    def test_batch_index_fails_for_one_article(self):
        flag, names = self.batch_with_failing_step("WN_FAULT_INDEX_ENOSPC")
        wait_for(lambda: "disk full while indexing s3.txt" in self.log(), what="disk full logged")
        wait_for(lambda: self.delivered("north") == 3, what="the three before it delivered")
        self.assertEqual(self.count("work", "north"), 3)
        self.finish_batch(flag, names)
        self.assertEqual(store_articles(self.path("state", "winnow.db")), self.N)

    def test_batch_event_lines_fail(self):
        # the lines of a round are one write: they fail together
        flag, names = self.batch_with_failing_step("WN_FAULT_EVENTS_ENOSPC")
        wait_for(lambda: "disk full while logging the event of s0.txt" in self.log(), what="disk full logged")
        self.assertEqual(self.events(), [])
        self.assertEqual(self.count("work", "north"), self.N)
        for n in names:  # the outputs were in place before the line was tried
            self.assertTrue(os.path.exists(os.path.join(self.out, "north", n[:-4] + ".txt")))
        self.finish_batch(flag, names)

    def test_batch_move_fails_for_one_article_then_kill(self):
        # moving s3 fails after every line is logged; a kill -9 while it waits,
        # and the next start moves the rest without logging them again
        flag, names = self.batch_with_failing_step("WN_FAULT_DONE_ENOSPC")
        wait_for(lambda: "disk full while moving to done/ s3.txt" in self.log(), what="disk full logged")
        self.assertEqual(self.delivered("north"), 3)
        self.assertEqual(len(self.events()), self.N)
        self.proc.kill()
        self.proc.wait()
        os.unlink(flag)
        self.start()
        wait_for(lambda: self.delivered("north") == self.N, what="the rest delivered after the restart")
        self.assertIn("recovered 3 claimed file(s)", self.log())
        self.assert_spool_settled({"north": names})
        self.assertEqual([e["file"] for e in self.events()], names)

    def test_batch_move_fails_for_one_article(self):
        flag, names = self.batch_with_failing_step("WN_FAULT_DONE_ENOSPC")
        wait_for(lambda: "disk full while moving to done/ s3.txt" in self.log(), what="disk full logged")
        self.finish_batch(flag, names)

    def test_release_build_has_no_fault_hook(self):
        flag = self.path("disk-is-full")
        open(flag, "w").close()
        self.start(binary=WINNOWD, env={"WN_FAULT_ENOSPC": flag, "WN_FAULT_INDEX_ENOSPC": flag,
                                        "WN_FAULT_EVENTS_ENOSPC": flag, "WN_FAULT_DONE_ENOSPC": flag,
                                        "WN_FAULT_CRASH_AT": "index", "WN_FAULT_MIN_BATCH": "9"})
        self.drop("north", "s.txt", unique_article(0)[0])
        wait_for(lambda: self.delivered("north") == 1, what="delivery")


if __name__ == "__main__":
    unittest.main(verbosity=2)
