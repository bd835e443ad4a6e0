"""Integration tests: winnowd across stops, kills and a full disk — every
input ends in done/ or failed/ exactly once, outputs and event lines appear
exactly once, nothing is lost."""
import json
import os
import random
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_daemonlib import WINNOWD, WINNOWD_TEST, DaemonTest, files_in, unique_article, wait_for  # noqa: E402

OUTLETS = ["north", "south", "east"]


class Burst(DaemonTest):
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

    def test_kill9_during_processing_then_restart(self):
        rnd = random.Random(7)
        self.start()
        names = self.drop_burst(300)
        for _ in range(3):
            target = self.delivered_total() + rnd.randint(5, 40)
            wait_for(lambda: self.delivered_total() >= target or self.delivered_total() == 300,
                     timeout=60, what="progress before the kill")
            self.proc.kill()  # SIGKILL: no clean-up at all
            self.proc.wait()
            self.assert_each_in_one_place(names)
            self.start()
        wait_for(lambda: self.delivered_total() == 300, timeout=120, what="all delivered")
        self.assert_spool_settled(names)
        self.assert_outputs_right(names)
        rc, _ = self.stop()
        self.assertEqual(rc, 0)

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
        self.assertIn("intake resumed", self.log())
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

    def test_release_build_has_no_fault_hook(self):
        flag = self.path("disk-is-full")
        open(flag, "w").close()
        self.start(binary=WINNOWD, env={"WN_FAULT_ENOSPC": flag, "WN_FAULT_INDEX_ENOSPC": flag})
        self.drop("north", "s.txt", unique_article(0)[0])
        wait_for(lambda: self.delivered("north") == 1, what="delivery")


if __name__ == "__main__":
    unittest.main(verbosity=2)
