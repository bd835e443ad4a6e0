"""Helpers for the winnowd integration tests: run the real daemon on a
temporary spool, wait for what it does by polling with deadlines, and check
the spool's invariants."""
import json
import os
import signal
import subprocess
import time

from wn_testlib import WINNOW, TempDirTest

WINNOWD = os.environ.get("WINNOWD", "winnowd")
WINNOWD_TEST = os.environ.get("WINNOWD_TEST", WINNOWD)  # built with fault injection
SLOW = os.environ.get("WN_SLOW_FACTOR", "")  # sanitizer builds run slower


def deadline(seconds):
    """Seconds scaled for slow (sanitizer) builds."""
    return seconds * (float(SLOW) if SLOW else 1.0)


def wait_for(pred, timeout=20.0, what="condition", interval=0.02):
    """Poll pred() until it returns a true value; fail after timeout seconds."""
    end = time.monotonic() + deadline(timeout)
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def article(title, paragraphs):
    """An invented article: a title line, blank line, paragraphs."""
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


_ADJ = ["quiet", "busy", "narrow", "ancient", "windy", "crowded", "flooded", "sunny", "muddy", "painted",
        "hidden", "famous", "rusty", "wooden", "modern", "frozen", "gentle", "broken", "golden", "silver"]
_NOUN = ["ferry", "bakery", "lighthouse", "council", "orchard", "market", "library", "footbridge", "choir",
         "harbour", "school", "museum", "festival", "railway", "quarry", "garden", "brewery", "chapel",
         "stadium", "workshop"]
_VERB = ["reopened", "welcomed", "repaired", "celebrated", "inspected", "replaced", "extended", "closed",
         "restored", "measured", "painted", "visited", "funded", "rebuilt", "moved", "opened", "cleaned",
         "surveyed", "lit", "guarded"]
_PLACE = ["the quay", "the old mill", "the high street", "the river bend", "the north gate", "the village green",
          "the station", "the headland", "the town hall", "the marsh road"]
_DAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def unique_article(i):
    """(text, title, body) of an invented article that no other i repeats:
    a headline and two paragraphs of varied sentences (seeded by i)."""
    import random
    r = random.Random(i * 7919 + 17)

    def sentence():
        return "The %s %s %s the %s %s near %s on %s, residents said." % (
            r.choice(_ADJ), r.choice(_NOUN), r.choice(_VERB), r.choice(_ADJ), r.choice(_NOUN),
            r.choice(_PLACE), r.choice(_DAY))

    title = "%s %s %s In Report %d" % (r.choice(_ADJ).title(), r.choice(_NOUN).title(),
                                       r.choice(_VERB).title(), i)
    paras = [" ".join(sentence() for _ in range(4)) for _ in range(2)]
    return article(title, paras), title, "\n\n".join(paras) + "\n"


def files_in(d):
    """Names (bytes) in folder d, dot names included; [] when missing."""
    try:
        return sorted(os.listdir(os.fsencode(d)))
    except FileNotFoundError:
        return []


class DaemonTest(TempDirTest):
    """A temporary spool and output folder, and a winnowd to run on them."""

    settings = {}

    def setUp(self):
        super().setUp()
        self.spool = self.path("spool")
        self.out = self.path("out")
        self.conf = self.path("winnow.conf")
        self.logfile = self.path("winnowd.log")
        self.proc = None
        self.write_config()

    def tearDown(self):
        # Every test ends with a graceful stop, so leaks (LeakSanitizer runs at
        # exit) and sanitizer reports fail the test that caused them.
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    rc = self.proc.wait(timeout=deadline(10))
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    rc = "hung"
                self.assertEqual(rc, 0, "winnowd did not stop cleanly:\n" + self.log()[-4000:])
            log = self.log()
            for bad in ("Sanitizer", "runtime error:"):
                self.assertNotIn(bad, log, log[-4000:])
        finally:
            super().tearDown()

    def write_config(self, extra=None, raw=None):
        s = {"spool": self.spool, "out": self.out, "state": self.path("state", "winnow.db"),
             "settle": "100ms", "scan_interval": "1s", "stats_interval": "0",
             "durable": "no", "workers": "2", "log_level": "debug"}
        s.update(self.settings)
        s.update(extra or {})
        with open(self.conf, "w") as f:
            f.write("[winnowd]\n" + "".join("%s = %s\n" % kv for kv in s.items()) + (raw or ""))

    def start(self, binary=None, env=None, args=(), wrap=()):
        """Start winnowd and wait until it is ready. wrap: a command prefix
        that execs the daemon in the same process (setpriv, unshare)."""
        e = dict(os.environ)
        e.update(env or {})
        seen = len(self.log())  # the log is appended to across restarts: wait for this one's ready
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(list(wrap) + [binary or WINNOWD, "--config", self.conf] + list(args),
                                     stdout=log, stderr=log, env=e)
        log.close()
        wait_for(lambda: "ready:" in self.log()[seen:] or self.proc.poll() is not None,
                 what="winnowd ready")
        self.assertIsNone(self.proc.poll(), self.log())
        return self.proc

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Signal the daemon; returns (exit status, seconds it took)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=deadline(timeout))
        return rc, time.monotonic() - t0

    def log(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def sp(self, *parts):
        return os.path.join(self.spool, *parts)

    def drop(self, outlet, name, data):
        """Producer side done right: write into tmp/, then rename into incoming/."""
        os.makedirs(self.sp("tmp"), exist_ok=True)
        os.makedirs(self.sp("incoming", outlet), exist_ok=True)
        name_b = os.fsencode(name)
        tmp = os.path.join(os.fsencode(self.sp("tmp")), b"drop-" + name_b.replace(b"/", b"_"))
        with open(tmp, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.rename(tmp, os.path.join(os.fsencode(self.sp("incoming", outlet)), name_b))

    def submit(self, outlet, *paths):
        return subprocess.run([WINNOW, "submit", "--spool", self.spool, "--outlet", outlet] + list(paths),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def events(self):
        try:
            with open(os.path.join(self.out, "events.jsonl"), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        self.assertTrue(text == "" or text.endswith("\n"), "torn last line in events.jsonl")
        return [json.loads(line) for line in text.splitlines()]

    def count(self, *parts):
        return len([n for n in files_in(self.sp(*parts)) if not n.startswith(b".")])

    def delivered(self, outlet):
        return self.count("done", outlet)

    def assert_spool_settled(self, names_by_outlet):
        """Every input ended in done/ or failed/ exactly once, outputs and
        event lines exactly once, nothing left in incoming/ or work/, no
        staging names visible in the output."""
        total = 0
        for outlet, names in names_by_outlet.items():
            done = files_in(self.sp("done", outlet))
            failed = [n for n in files_in(self.sp("failed", outlet)) if not n.endswith(b".reason")]
            self.assertEqual(files_in(self.sp("incoming", outlet)), [])
            self.assertEqual(files_in(self.sp("work", outlet)), [])
            self.assertEqual(sorted(done + failed), sorted(os.fsencode(n) for n in names),
                             "each input exactly once in done/ or failed/")
            outs = files_in(os.path.join(self.out, outlet))
            self.assertEqual([n for n in outs if n.startswith(b".")], [], "staging leftovers")
            for n in done:
                stem = n.split(b"~", 1)[0].rsplit(b".", 1)[0]
                self.assertIn(stem + b".json", outs)
                with open(os.path.join(os.fsencode(self.out), os.fsencode(outlet), stem + b".json")) as f:
                    duplicate = json.load(f)["duplicate_of"] is not None
                if not duplicate:  # a duplicate has no .txt unless keep_duplicates
                    self.assertIn(stem + b".txt", outs)
            total += len(done)
        ev = self.events()
        keys = [(e["outlet"], e["file"]) for e in ev]
        self.assertEqual(len(keys), len(set(keys)), "an article logged twice in events.jsonl")
        self.assertEqual(len(ev), total, "one event line per delivered article")
