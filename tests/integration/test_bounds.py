"""Integration tests: resource bounds of winnowd — a backlog of 100,000
files costs bounded memory and file descriptors, and the state store
forgets what retention says it must, so it does not grow without end."""
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_daemonlib import SLOW, DaemonTest, files_in, unique_article, wait_for  # noqa: E402

SANITIZED = bool(SLOW)
heavy = unittest.skipIf(os.environ.get("WN_VALGRIND"), "too slow under valgrind (ASan runs it)")
DAY = 86400


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


@heavy
class Backlog(DaemonTest):
    """100,000 tiny files waiting before the daemon starts. Created on a
    tmpfs (/dev/shm) where there is one: the test is about the daemon, and
    creating 100,000 files on a disk with online discard takes 15 s here."""

    BACKLOG = 100000
    WORK_THROUGH = 8000          # past the first refills of the bounded intake queue (4096)
    RSS_BOUND_KB = 24 * 1024     # plain build: about 8 MB here; an unbounded queue of 100k names: 31 MB
    FD_BOUND = 64

    def setUp(self):
        shm = "/dev/shm"
        self.on_tmpfs = os.path.isdir(shm) and os.access(shm, os.W_OK)
        if not self.on_tmpfs:
            self.BACKLOG = 20000
            print("\n  /dev/shm not writable: a backlog of %d files on %s" % (self.BACKLOG, tempfile.gettempdir()),
                  file=sys.stderr)
        super().setUp()
        if self.on_tmpfs:  # move the whole test folder onto the tmpfs
            shutil.rmtree(self.tmp)
            self.tmp = tempfile.mkdtemp(prefix="wn-it-", dir=shm)
            self.spool, self.out = self.path("spool"), self.path("out")
            self.conf, self.logfile = self.path("winnow.conf"), self.path("winnowd.log")
            self.write_config()

    def test_backlog_of_100k_files_bounded_memory_and_fds(self):
        self.write_config({"log_level": "notice", "scan_interval": "1s"})
        outlets = ["east", "west"]
        t0 = time.monotonic()
        for o in outlets:
            os.makedirs(self.sp("incoming", o))
        dirs = [os.open(self.sp("incoming", o), os.O_RDONLY | os.O_DIRECTORY) for o in outlets]
        try:
            for i in range(self.BACKLOG):
                fd = os.open("n%06d.txt" % i, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=dirs[i % 2])
                os.write(fd, b"Note %d: the harbour council met on Friday, residents said.\n" % i)
                os.close(fd)
        finally:
            for d in dirs:
                os.close(d)
        made = time.monotonic() - t0

        self.start()
        pid = self.proc.pid
        hwm = fds = queued = 0
        t1 = time.monotonic()

        def delivered():
            return sum(self.delivered(o) for o in outlets)

        def progress():
            nonlocal hwm, fds
            hwm = max(hwm, proc_status(pid, "VmHWM"))
            fds = max(fds, open_fds(pid))
            return delivered() >= self.WORK_THROUGH
        wait_for(progress, timeout=90, interval=0.05, what="%d of the backlog delivered" % self.WORK_THROUGH)
        took = time.monotonic() - t1
        self.proc.send_signal(signal.SIGUSR1)
        line = wait_for(lambda: [l for l in self.log().splitlines() if "counters:" in l], what="counters")[-1]
        queued = int(line.split("queued=")[1].split()[0])
        rc, _ = self.stop()
        self.assertEqual(rc, 0, self.log()[-3000:])
        n = delivered()
        print("\n  backlog %d files (made in %.1f s%s): %d delivered in %.1f s; peak RSS %d KiB, "
              "at most %d open fds, %d queued at the end"
              % (self.BACKLOG, made, " on tmpfs" if self.on_tmpfs else "", n, took, hwm, fds, queued),
              file=sys.stderr)

        self.assertLessEqual(queued, 4096, "the intake queue holds at most 4096 names")
        self.assertLess(fds, self.FD_BOUND, "open file descriptors")
        if SANITIZED:
            print("  (sanitizer build: the RSS bound is checked in the plain build only)", file=sys.stderr)
        else:
            self.assertLess(hwm, self.RSS_BOUND_KB, "peak RSS with a backlog of %d files" % self.BACKLOG)
        # nothing lost or doubled: every file in exactly one place
        seen = {}
        for o in outlets:
            for where in ("incoming", "done", "failed"):
                for name in files_in(self.sp(where, o)):
                    seen.setdefault((o, name), []).append(where)
            for name in files_in(self.sp("work", o)):
                seen.setdefault((o, name.split(b"-", 1)[1]), []).append("work")
        self.assertEqual(len(seen), self.BACKLOG)
        self.assertEqual([k for k, v in seen.items() if len(v) != 1], [])
        self.assertEqual(len(self.events()), n)


@heavy
class InFlight(DaemonTest):
    """A document takes tens of times its size in memory while it is
    cleaned, so winnowd holds no more input than max_bytes at once (plus
    the one file that crosses it): four files just under the limit, made
    of one-letter lines (the worst case), are never all in flight."""

    settings = {"max_bytes": "1M", "workers": "2", "log_level": "notice"}

    def test_inputs_in_flight_bounded_by_max_bytes(self):
        data = b"a\n" * (512 * 1024 - 1) + b"z"  # 1 MiB - 1 byte
        os.makedirs(self.sp("incoming", "big"))
        for i in range(4):
            path = self.sp("incoming", "big", "b%d.txt" % i)
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (1, 1))
        self.start()
        most, hwm = 0, 0

        def sample():
            nonlocal most, hwm
            hwm = max(hwm, proc_status(self.proc.pid, "VmHWM"))
            self.proc.send_signal(signal.SIGUSR1)
            lines = [l for l in self.log().splitlines() if "counters:" in l]
            for l in lines:
                most = max(most, int(l.split("in_flight=")[1].split()[0]))
            return self.delivered("big") == 4
        wait_for(sample, timeout=60, interval=0.05, what="four big files delivered")
        print("\n  4 files of 1 MiB one-letter lines, max_bytes 1M: at most %d in flight, peak RSS %d KiB"
              % (most, hwm), file=sys.stderr)
        self.assertGreaterEqual(most, 1)
        self.assertLessEqual(most, 2, "more input in flight than max_bytes allows")
        if not SANITIZED:
            self.assertLess(hwm, 200 * 1024)


class Retention(DaemonTest):
    """The state store forgets articles, quotes, fingerprints and chrome
    counts older than retention_days. Time is advanced by moving the
    stored times back (README, State store: Unix seconds), which is what
    the store sees after that many days."""

    settings = {"retention_days": "30"}

    def db(self):
        return sqlite3.connect(self.path("state", "winnow.db"))

    def counts(self):
        db = self.db()
        try:
            q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
            return {t: q("SELECT count(*) FROM " + t) for t in
                    ("articles", "quotes", "chrome_docs", "chrome_lines")}
        finally:
            db.close()

    def orphans(self):
        db = self.db()
        try:
            q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
            return q("SELECT count(*) FROM quotes WHERE seq NOT IN (SELECT seq FROM articles)")
        finally:
            db.close()

    def age_store(self, days):
        """Everything in the store becomes `days` older; expiry last ran two days ago."""
        db = self.db()
        try:
            s = days * DAY
            db.execute("UPDATE articles SET first_seen = first_seen - ?", (s,))
            db.execute("UPDATE chrome_docs SET first_seen = first_seen - ?", (s,))
            db.execute("UPDATE chrome_lines SET last_seen = last_seen - ?", (s,))
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) - ? WHERE key = 'expired_at'", (2 * DAY,))
            db.commit()
        finally:
            db.close()

    def text(self, i):
        """A distinct article with a quote of more than seven words (quotes are indexed too)."""
        quote = ('"The footbridge number %d will reopen once the hinges are replaced next spring," '
                 "the engineer said.\n" % i)
        return unique_article(i)[0] + "\n" + quote

    def generation(self, g, per):
        """Start, deliver `per` new articles, stop. Returns their names."""
        self.start()
        names = ["g%d-%02d.txt" % (g, i) for i in range(per)]
        for i, n in enumerate(names):
            self.drop("north" if i % 2 else "south", n, self.text(1000 * g + i))
        wait_for(lambda: self.delivered("north") + self.delivered("south") >= (g + 1) * per,
                 what="generation %d delivered" % g)
        rc, _ = self.stop()
        self.assertEqual(rc, 0, self.log()[-3000:])
        return names

    def test_store_bounded_by_retention(self):
        per = 20
        self.generation(0, per)
        first = self.counts()
        self.assertEqual(first["articles"], per)
        for t in ("quotes", "chrome_docs", "chrome_lines"):
            self.assertGreater(first[t], 0, t)
        size0 = os.path.getsize(self.path("state", "winnow.db"))

        sizes = []
        for g in range(1, 4):  # each generation 31 days after the one before
            self.age_store(31)
            self.generation(g, per)
            c = self.counts()
            self.assertEqual(c["articles"], per, "only the last generation is kept (generation %d)" % g)
            self.assertEqual(c["chrome_docs"], per)
            for t in ("quotes", "chrome_lines"):
                self.assertLessEqual(c[t], first[t] * 1.5, "%s grows past retention" % t)
            self.assertEqual(self.orphans(), 0, "rows left of expired articles")
            sizes.append(os.path.getsize(self.path("state", "winnow.db")))
        self.assertLessEqual(max(sizes), 2 * size0, "store file %s (first %d)" % (sizes, size0))

        # within retention nothing goes: 10 more days, no expiry of the last generation
        self.age_store(10)
        self.start()
        self.drop("east", "late.txt", unique_article(999)[0])
        wait_for(lambda: self.delivered("east") == 1, what="one more")
        self.assertEqual(self.counts()["articles"], per + 1)
        # an expired article is forgotten: sent again it is new, not a duplicate;
        # one still held is found
        self.drop("east", "old-again.txt", self.text(1000 * 1 + 3))
        self.drop("east", "recent-again.txt", self.text(1000 * 3 + 3))
        wait_for(lambda: self.delivered("east") == 3, what="two re-sent articles")
        ev = {e["file"]: e for e in self.events()}
        self.assertIsNone(ev["old-again.txt"]["duplicate_of"])
        self.assertIsNotNone(ev["recent-again.txt"]["duplicate_of"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
