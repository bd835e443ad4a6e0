"""Integration tests: hostile input, through winnowd and through `winnow
clean` — odd encodings, binary, size limits, huge lines, a million lines,
links, FIFOs, unreadable files, odd names, files that vanish, a rule that
backtracks for ever, and a real full disk. Bad input never stops the daemon,
is never lost, and never leaks what a link points to."""
import json
import os
import random
import resource
import shutil
import signal
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_daemonlib import (SLOW, WINNOWD_TEST, DaemonTest, files_in, unique_article,  # noqa: E402
                          wait_for)
from wn_testlib import WINNOW, TempDirTest, load_json, run  # noqa: E402

IS_ROOT = os.geteuid() == 0
# ./dev.sh valgrind: the inputs of many megabytes take minutes under memcheck
heavy = unittest.skipIf(os.environ.get("WN_VALGRIND"), "too slow under valgrind (ASan runs it)")
SANITIZED = bool(SLOW)  # sanitizer builds: memory figures mean nothing there

# A French line in Windows-1252, dense in bytes above 0x7F (over 10%).
CP1252_TEXT = "\u201c\u00c9t\u00e9 \u00e0 l'\u00eele\u201d \u2014 d\u00e9j\u00e0 vu, \u00e7a c'est s\u00fbr.\n"
BODY = "The harbour council met on Friday to discuss the new ferry timetable, residents said.\n"


def rule_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


EVIL_RULES = ("[evil]\npattern = ^(a+)+$\naction = drop-line\n\n"
              "[ferry]\npattern = ^Ferry timetable:\naction = drop-line\n")


def evil_article(i):
    """An article with a line that makes ^(a+)+$ backtrack for ever, and a
    line another rule of the same file removes."""
    text = unique_article(i)[0]
    return text + "\n" + "a" * 40 + "!\n\nFerry timetable: boats leave every hour from the quay.\n"


def slurp(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


def peak_rss_kb_of(args):
    """Run args in a fresh interpreter whose only child it is; return
    (returncode, peak RSS of that child in KiB)."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
            "sys.stderr.write(r.stderr.decode('utf-8', 'replace'))\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    r = subprocess.run([sys.executable, "-c", code] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    rc, kb = r.stdout.split()
    return int(rc), int(kb), r.stderr.decode()


def proc_status(pid, key):
    """A kB figure from /proc/PID/status (VmHWM, VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


class DaemonHostile(DaemonTest):
    """Each kind of hostile input through winnowd."""

    def reason(self, outlet, name):
        moved = os.path.join(os.fsencode(self.sp("failed", outlet)), os.fsencode(name))
        path = moved + b".reason"
        # the reason is written first, then the file moved: wait for both
        wait_for(lambda: os.path.exists(path) and os.path.lexists(moved), what="%r quarantined" % name)
        with open(path, encoding="utf-8") as f:
            return f.read()

    def outp(self, outlet, name):
        return os.path.join(self.out, outlet, name)

    def record(self, outlet, stem):
        return load_json(self.outp(outlet, stem + ".json"))

    def test_encodings_are_cleaned_not_failed(self):
        self.start()
        self.drop("enc", "empty.txt", b"")
        self.drop("enc", "bad-utf8.txt", BODY.encode().replace(b"ferry", b"f\xffe\xc3rry") + b"\xed\xa0\x80\n")
        self.drop("enc", "utf16le.txt", b"\xff\xfe" + BODY.replace("ferry", "f\u00e9rry").encode("utf-16-le"))
        self.drop("enc", "utf16be.txt", b"\xfe\xff" + BODY.replace("ferry", "f\u00e9rry").encode("utf-16-be"))
        self.drop("enc", "cp1252.txt", CP1252_TEXT.encode("cp1252"))
        wait_for(lambda: self.delivered("enc") == 5, what="five deliveries")
        self.assertEqual(self.count("failed", "enc"), 0)

        self.assertEqual(slurp(self.outp("enc", "empty.txt"), "rb"), b"")
        self.assertEqual(self.record("enc", "empty")["stats"]["bytes_in"], 0)

        bad = slurp(self.outp("enc", "bad-utf8.txt"))
        self.assertIn("f\ufffde\ufffdrry", bad)
        self.assertEqual(self.record("enc", "bad-utf8")["stats"]["invalid_replaced"], 5)

        for stem, enc in (("utf16le", "utf-16le"), ("utf16be", "utf-16be")):
            self.assertEqual(slurp(self.outp("enc", stem + ".txt")),
                             BODY.replace("ferry", "f\u00e9rry"))
            self.assertEqual(self.record("enc", stem)["stats"]["encoding"], enc)

        rec = self.record("enc", "cp1252")
        self.assertEqual(rec["stats"]["encoding"], "windows-1252")
        kept = slurp(self.outp("enc", "cp1252.txt"))
        removed = "".join(r["text"] for r in rec["removed"])
        self.assertIn("d\u00e9j\u00e0 vu", kept + removed)
        self.assertIn("\u201c\u00c9t\u00e9", kept + removed)
        self.assertEqual(len(self.events()), 5)
        self.assert_spool_settled({"enc": ["empty.txt", "bad-utf8.txt", "utf16le.txt", "utf16be.txt",
                                           "cp1252.txt"]})

    def test_binary_random_bytes_and_nuls_quarantined(self):
        self.start()
        rnd = random.Random(20260314)
        blob = bytes(rnd.randrange(256) for _ in range(4096))
        no_nul = blob.replace(b"\x00", b"\x01")
        self.drop("bin", "random.bin", blob)
        self.drop("bin", "random-no-nul.txt", no_nul)
        self.drop("bin", "nuls.txt", BODY.encode() + b"\x00" * 64 + BODY.encode())
        for name in ("random.bin", "random-no-nul.txt", "nuls.txt"):
            r = self.reason("bin", name)
            self.assertIn("stage: decode", r)
            self.assertIn("binary", r)
        self.assertEqual(slurp(self.sp("failed", "bin", "random.bin"), "rb"), blob)  # kept intact
        self.assertEqual(slurp(self.sp("failed", "bin", "random-no-nul.txt"), "rb"), no_nul)
        self.assertFalse(os.path.exists(os.path.join(self.out, "bin")))
        self.assertEqual(self.events(), [])
        self.drop("bin", "fine.txt", unique_article(1)[0])
        wait_for(lambda: self.delivered("bin") == 1, what="the daemon goes on")

    def test_size_limit_boundary(self):
        self.write_config({"max_bytes": "2K"})
        self.start()
        exact = (BODY * 100).encode()[:2047] + b"\n"
        self.assertEqual(len(exact), 2048)
        self.drop("size", "exact.txt", exact)
        self.drop("size", "over.txt", exact + b"x")
        r = self.reason("size", "over.txt")
        self.assertIn("stage: read", r)
        self.assertIn("size limit (max_bytes = 2048)", r)
        wait_for(lambda: self.delivered("size") == 1, what="the file at the limit delivered")
        self.assertEqual(self.record("size", "exact")["stats"]["bytes_in"], 2048)
        self.assertEqual(os.path.getsize(self.sp("failed", "size", "over.txt")), 2049)

    @heavy
    def test_ten_megabyte_line(self):
        self.start()  # default max_bytes: 16 MiB
        sentence = "The harbour council met again on Friday evening to argue about the ferry. "
        line = (sentence * (10 * 1024 * 1024 // len(sentence) + 1))[:10 * 1024 * 1024 - 1] + "\n"
        self.drop("long", "line.txt", line)
        self.drop("long", "after.txt", unique_article(2)[0])
        wait_for(lambda: self.delivered("long") == 2, timeout=60, what="the 10 MB line delivered")
        rec = self.record("long", "line")
        self.assertEqual(rec["stats"]["bytes_in"], 10 * 1024 * 1024)
        self.assertEqual(rec["stats"]["lines_in"], 1)
        body = slurp(self.outp("long", "line.txt"))
        # the one line is either kept or listed as removed, whole either way
        whole = body.strip() if body.strip() else "".join(r["text"] for r in rec["removed"])
        self.assertEqual(len(whole), len(line.strip()))
        self.assertEqual(len(self.events()), 2)

    @heavy
    def test_million_tiny_lines(self):
        self.write_config({"max_bytes": "64M"})
        self.start()
        rss0 = proc_status(self.proc.pid, "VmRSS")
        data = b"".join(b"w%d\n" % (i % 1000) for i in range(1000000))
        self.drop("tiny", "million.txt", data)
        self.drop("tiny", "next.txt", unique_article(3)[0])
        wait_for(lambda: self.delivered("tiny") == 2, timeout=40, what="a million lines delivered")
        hwm = proc_status(self.proc.pid, "VmHWM")
        rec = self.record("tiny", "million")
        self.assertEqual(rec["stats"]["lines_in"], 1000000)
        kept = [l for l in slurp(self.outp("tiny", "million.txt")).split("\n") if l]
        self.assertEqual(len(kept) + len(rec["removed"]), 1000000, "every line kept or listed as removed")
        print("\n  million tiny lines (%d bytes): daemon RSS at start %d KiB, peak %d KiB"
              % (len(data), rss0, hwm), file=sys.stderr)
        if SANITIZED:
            print("  (sanitizer build: the memory bound is checked in the plain build only)", file=sys.stderr)
        else:
            self.assertLess(hwm, 400 * 1024, "peak RSS for a 4.9 MB file of a million lines")

    def test_symlink_to_etc_passwd_never_followed(self):
        with open("/etc/passwd", "rb") as f:
            passwd = f.read()
        first = passwd.split(b"\n", 1)[0]
        self.start()
        os.makedirs(self.sp("incoming", "evil"), exist_ok=True)
        os.symlink("/etc/passwd", self.sp("incoming", "evil", "passwd.txt"))   # found by a scan
        os.symlink("/etc/passwd", self.sp("tmp", "p2"))
        os.rename(self.sp("tmp", "p2"), self.sp("incoming", "evil", "renamed.txt"))  # an event
        for name in ("passwd.txt", "renamed.txt"):
            r = self.reason("evil", name)
            self.assertIn("symbolic link", r)
            self.assertIn("errno: ELOOP", r)
            self.assertEqual(os.readlink(self.sp("failed", "evil", name)), "/etc/passwd")
        self.drop("evil", "fine.txt", unique_article(4)[0])
        wait_for(lambda: self.delivered("evil") == 1, what="the next file")
        with open("/etc/passwd", "rb") as f:
            self.assertEqual(f.read(), passwd)
        for root, _, names in os.walk(self.out):
            for n in names:
                with open(os.path.join(root, n), "rb") as f:
                    self.assertNotIn(first, f.read(), "content of /etc/passwd in " + n)
        self.assertEqual(sorted(files_in(os.path.join(self.out, "evil"))), [b"fine.json", b"fine.txt"])

    def test_symlinked_outlet_folder_left_alone(self):
        victim = self.path("victim")
        os.makedirs(victim)
        canary = os.path.join(victim, "canary.txt")
        with open(canary, "w") as f:
            f.write(unique_article(5)[0])
        os.makedirs(self.sp("incoming"), exist_ok=True)
        os.symlink(victim, self.sp("incoming", "linked"))
        self.start()
        wait_for(lambda: "skipped incoming/linked" in self.log(), what="the warning")
        self.drop("real", "a.txt", unique_article(6)[0])
        wait_for(lambda: self.delivered("real") == 1, what="delivery elsewhere")
        self.assertEqual(os.listdir(victim), ["canary.txt"])  # nothing claimed through the link
        self.assertFalse(os.path.exists(os.path.join(self.out, "linked")))

    def test_fifo_never_opened(self):
        self.start()
        os.makedirs(self.sp("incoming", "pipes"), exist_ok=True)
        os.mkfifo(self.sp("incoming", "pipes", "made-here.txt"))      # found by a scan
        os.mkfifo(self.sp("tmp", "f2"))
        os.rename(self.sp("tmp", "f2"), self.sp("incoming", "pipes", "renamed.txt"))  # an event
        for name in ("made-here.txt", "renamed.txt"):
            self.assertIn("never opened", self.reason("pipes", name))
            self.assertTrue(stat.S_ISFIFO(os.lstat(self.sp("failed", "pipes", name)).st_mode))
        self.drop("pipes", "fine.txt", unique_article(7)[0])
        wait_for(lambda: self.delivered("pipes") == 1, what="the daemon is not blocked")

    def test_unreadable_file_quarantined(self):
        wrap = []
        if IS_ROOT:
            # root reads anything: run the daemon as root without the
            # capabilities that override file permissions
            if not shutil.which("setpriv"):
                self.skipTest("running as root and setpriv(1) is missing: cannot drop CAP_DAC_OVERRIDE")
            wrap = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
        os.makedirs(self.sp("incoming", "perm"), exist_ok=True)
        self.start(wrap=wrap)
        if IS_ROOT:
            with open("/proc/%d/status" % self.proc.pid) as f:
                eff = int([l for l in f if l.startswith("CapEff:")][0].split()[1], 16)
            self.assertEqual(eff & 0b110, 0, "CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH still effective")
        self.drop("perm", "open.txt", unique_article(8)[0])
        secret = unique_article(9)[0].encode()
        tmp = self.sp("tmp", "locked")  # written unreadable, then renamed in
        with open(tmp, "wb") as f:
            f.write(secret)
        os.chmod(tmp, 0)
        os.rename(tmp, self.sp("incoming", "perm", "locked2.txt"))
        r = self.reason("perm", "locked2.txt")
        self.assertIn("stage: read", r)
        self.assertIn("EACCES", r)
        self.assertEqual(stat.S_IMODE(os.stat(self.sp("failed", "perm", "locked2.txt")).st_mode), 0)
        with open(self.sp("failed", "perm", "locked2.txt"), "rb") as f:
            self.assertEqual(f.read(), secret)  # kept whole (we, the test, may read it)
        wait_for(lambda: self.delivered("perm") == 1, what="the readable one delivered")
        self.assertFalse(os.path.exists(self.outp("perm", "locked2.json")))

    def test_odd_names(self):
        self.start()
        names = [b"with space.txt", b"new\nline.txt", b"caf\xe9-latin1.txt", b"tab\there.txt",
                 b"quote\"and\\back.txt", b"-dash.txt"]
        for i, n in enumerate(names):
            self.drop("odd", n, unique_article(10 + i)[0])
        wait_for(lambda: self.delivered("odd") == len(names), what="odd names delivered")
        self.assert_spool_settled({"odd": names})
        outs = files_in(os.path.join(self.out, "odd"))
        for i, n in enumerate(names):
            stem = n.rsplit(b".", 1)[0]
            self.assertIn(stem + b".txt", outs)
            with open(os.path.join(os.fsencode(self.out), b"odd", stem + b".txt"), encoding="utf-8") as f:
                self.assertEqual(f.read(), unique_article(10 + i)[2])
        files = sorted(e["file"] for e in self.events())
        self.assertEqual(files, sorted(n.decode("utf-8", "replace") for n in names))
        self.assertIn("caf\ufffd-latin1.txt", files)

    def test_deleted_between_event_and_claim(self):
        # Hold intake (a disk full while delivering the first file), so the
        # next files wait in the queue after their event; delete one there.
        flag = self.path("disk-is-full")
        open(flag, "w").close()
        self.start(binary=WINNOWD_TEST, env={"WN_FAULT_ENOSPC": flag})
        self.drop("race", "first.txt", unique_article(20)[0])
        wait_for(lambda: "disk full while writing the outputs" in self.log(), what="intake paused")
        self.drop("race", "ghost.txt", unique_article(21)[0])
        self.drop("race", "real.txt", unique_article(22)[0])

        def queued():
            self.proc.send_signal(signal.SIGUSR1)
            return wait_for(lambda: [l for l in self.log().splitlines() if "counters:" in l], what="counters")[-1]
        wait_for(lambda: "queued=2 " in queued(), what="both files queued after their events", interval=0.2)
        os.unlink(self.sp("incoming", "race", "ghost.txt"))
        os.unlink(flag)
        wait_for(lambda: self.delivered("race") == 2, timeout=30, what="the others delivered")
        wait_for(lambda: "skipped race/ghost.txt: vanished" in self.log(), what="vanished logged")
        self.assertEqual(self.count("failed", "race"), 0)
        self.assertEqual(sorted(e["file"] for e in self.events()), ["first.txt", "real.txt"])
        self.assert_spool_settled({"race": ["first.txt", "real.txt"]})

    def test_catastrophic_rule_is_cut_off(self):
        rules = self.path("rules")
        rule_file(os.path.join(rules, "evil.rules"), EVIL_RULES)
        self.write_config({"rules": rules})
        self.start()
        self.drop("regex", "jit.txt", evil_article(30))
        wait_for(lambda: self.delivered("regex") == 1, timeout=15, what="delivery despite the rule")
        self.write_config({"rules": rules, "jit": "no"})  # the interpreter has its own limits
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in self.log(), what="reload")
        self.drop("regex", "interp.txt", evil_article(31))
        wait_for(lambda: self.delivered("regex") == 2, timeout=15, what="delivery without JIT")
        for stem, i in (("jit", 30), ("interp", 31)):
            self.assertIn("rule evil skipped for %s" % self.sp("incoming", "regex", stem + ".txt"), self.log())
            rec = self.record("regex", stem)
            reasons = {r["reason"] for r in rec["removed"]}
            self.assertIn("rule:ferry", reasons)   # the other rules still ran
            self.assertNotIn("rule:evil", reasons)
            body = slurp(self.outp("regex", stem + ".txt"))
            self.assertIn(unique_article(i)[2].split("\n")[0], body)  # the article is there


class DiskFullTmpfs(DaemonTest):
    """A real full disk: the output folder is a small tmpfs mounted in a
    private mount namespace of the daemon (root, or an unprivileged user
    namespace). The test sees it through /proc/PID/root."""

    SIZE = 1024 * 1024

    def wrap(self):
        if not shutil.which("unshare"):
            self.skipTest("unshare(1) missing: the injected disk-full tests cover this path")
        base = ["unshare", "--mount", "--propagation", "private"]
        if not IS_ROOT:
            base[1:1] = ["--user", "--map-root-user"]
        mount = 'mount -t tmpfs -o size=%d,mode=0755 winnow-test "$0" && exec "$@"' % self.SIZE
        probe = subprocess.run(base + ["sh", "-c", mount, self.out, "true"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        if probe.returncode != 0:
            self.skipTest("cannot mount a tmpfs in a private namespace here (%s); the injected disk-full "
                          "tests cover this path" % probe.stderr.decode().strip())
        return base + ["sh", "-c", mount, self.out]

    def inside(self, *parts):
        return "/proc/%d/root%s" % (self.proc.pid, os.path.join(self.out, *parts))

    def fill(self):
        """Fill the tmpfs; returns the filler's path (a dot name consumers ignore)."""
        path = self.inside(".filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        chunk = b"\0" * 4096
        try:
            while os.write(fd, chunk) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        return path

    def test_real_full_disk_pauses_and_resumes(self):
        os.makedirs(self.out)
        wrap = self.wrap()
        self.start(wrap=wrap)
        self.assertEqual(os.statvfs(self.inside()).f_blocks * os.statvfs(self.inside()).f_frsize, self.SIZE)
        self.drop("north", "s0.txt", unique_article(0)[0])
        wait_for(lambda: self.delivered("north") == 1, what="a delivery onto the tmpfs")
        filler = self.fill()
        names = ["s%d.txt" % i for i in range(1, 6)]
        for i, n in enumerate(names, 1):
            self.drop("north", n, unique_article(i)[0])
        wait_for(lambda: "disk full while" in self.log(), what="disk full logged")
        wait_for(lambda: "retrying in 2000 ms" in self.log(), what="a second try, backing off")
        self.assertEqual(self.delivered("north"), 1)
        self.assertEqual(self.count("failed", "north"), 0, "a full disk must not quarantine")
        self.assertEqual(self.count("incoming", "north") + self.count("work", "north"), 5)
        visible = [n for n in os.listdir(self.inside("north")) if not n.startswith(".")]
        self.assertEqual(sorted(visible), ["s0.json", "s0.txt"], "nothing half-written is visible")
        with open(self.inside("events.jsonl")) as f:
            lines = f.read()
        self.assertTrue(lines.endswith("\n") and len(lines.splitlines()) == 1, "no torn or extra event line")
        os.unlink(filler)  # space is back
        wait_for(lambda: self.delivered("north") == 6, timeout=30, what="delivery after space returns")
        wait_for(lambda: "intake resumed" in self.log(), what="intake resumed logged")  # after the round
        self.assertEqual(self.count("failed", "north"), 0)
        outs = sorted(n for n in os.listdir(self.inside("north")))
        self.assertEqual(outs, sorted(["s%d.%s" % (i, e) for i in range(6) for e in ("json", "txt")]))
        for i in range(6):
            with open(self.inside("north", "s%d.txt" % i)) as f:
                self.assertEqual(f.read(), unique_article(i)[2])
        with open(self.inside("events.jsonl")) as f:
            ev = [json.loads(l) for l in f.read().splitlines()]
        self.assertEqual(sorted(e["file"] for e in ev), ["s%d.txt" % i for i in range(6)])
        rc, _ = self.stop()
        self.assertEqual(rc, 0, self.log()[-3000:])


class CleanHostile(TempDirTest):
    """The same inputs through `winnow clean`."""

    def clean(self, *args, stdin=None):
        return run([WINNOW, "clean", "-o", self.path("out")] + list(args), stdin=stdin)

    def test_encodings(self):
        files = {"empty.txt": b"", "bad.txt": b"A bad \xff\xfe byte pair here.\n",
                 "le.txt": b"\xff\xfe" + BODY.replace("ferry", "f\u00e9rry").encode("utf-16-le"),
                 "cp.txt": CP1252_TEXT.encode("cp1252")}
        paths = [self.write("enc/" + n, d) for n, d in files.items()]
        r = self.clean(*paths)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = lambda n: self.path("out", "enc", n)  # noqa: E731
        self.assertEqual(slurp(out("empty.txt"), "rb"), b"")
        self.assertIn("\ufffd", slurp(out("bad.txt")))
        self.assertEqual(load_json(out("bad.json"))["stats"]["invalid_replaced"], 2)
        self.assertEqual(slurp(out("le.txt")), BODY.replace("ferry", "f\u00e9rry"))
        rec = load_json(out("cp.json"))
        self.assertEqual(rec["stats"]["encoding"], "windows-1252")
        self.assertIn("d\u00e9j\u00e0", slurp(out("cp.txt"))
                      + "".join(x["text"] for x in rec["removed"]))

    def test_binary_random_bytes(self):
        rnd = random.Random(99)
        blob = bytes(rnd.randrange(256) for _ in range(4096))
        p = self.write("bin/random.bin", blob)
        q = self.write("bin/no-nul.bin", blob.replace(b"\0", b"\1"))
        r = self.clean(p, q)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode().count("binary"), 2)
        self.assertFalse(os.path.exists(self.path("out", "bin")))

    def test_fifo_and_symlink_to_passwd_refused_without_blocking(self):
        os.makedirs(self.path("o"))
        os.mkfifo(self.path("o", "fifo.txt"))
        os.symlink("/etc/passwd", self.path("o", "passwd.txt"))
        r = run([WINNOW, "clean", "-o", self.path("out"), self.path("o", "fifo.txt"),
                 self.path("o", "passwd.txt")], timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("fifo.txt", r.stderr.decode())
        self.assertIn("passwd.txt", r.stderr.decode())
        self.assertFalse(os.path.exists(self.path("out", "o")))

    def test_odd_names(self):
        names = [b"with space.txt", b"new\nline.txt", b"caf\xe9.txt"]
        paths = [self.write(os.path.join("odd", n.decode("utf-8", "surrogateescape")), unique_article(i)[0])
                 for i, n in enumerate(names)]
        r = self.clean(*paths)
        self.assertEqual(r.returncode, 0, r.stderr)
        outs = files_in(self.path("out", "odd"))
        for i, n in enumerate(names):
            stem = n.rsplit(b".", 1)[0]
            self.assertIn(stem + b".json", outs)
            with open(os.path.join(os.fsencode(self.path("out", "odd")), stem + b".txt"), encoding="utf-8") as f:
                self.assertEqual(f.read(), unique_article(i)[2])
        rec = load_json(os.path.join(os.fsencode(self.path("out", "odd")), b"caf\xe9.json"))
        self.assertTrue(rec["source"].endswith("caf\ufffd.txt"))

    @heavy
    def test_ten_megabyte_line(self):
        sentence = "The ferry was late again on Friday, residents said. "
        line = (sentence * (10 * 1024 * 1024 // len(sentence) + 1))[:10 * 1024 * 1024 - 1] + "\n"
        p = self.write("long/line.txt", line)
        r = self.clean(p)
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = load_json(self.path("out", "long", "line.json"))
        self.assertEqual(rec["stats"]["bytes_in"], 10 * 1024 * 1024)
        body = slurp(self.path("out", "long", "line.txt"))
        whole = body.strip() or "".join(x["text"] for x in rec["removed"])
        self.assertEqual(len(whole), len(line.strip()))

    @heavy
    def test_million_repeated_lines_memory(self):
        # every line but the first is a repeat: a million entries in removed[]
        p = self.write("tiny/million.txt", b"a\n" * 1000000)
        rc, kb, err = peak_rss_kb_of([WINNOW, "clean", "-o", self.path("out"), p])
        self.assertEqual(rc, 0, err)
        rec = load_json(self.path("out", "tiny", "million.json"))
        self.assertEqual(len(rec["removed"]), 999999)
        print("\n  winnow clean, a million repeated lines (2 MB): peak RSS %d KiB" % kb, file=sys.stderr)
        if SANITIZED:
            print("  (sanitizer build: the memory bound is checked in the plain build only)", file=sys.stderr)
        else:
            self.assertLess(kb, 300 * 1024)

    def test_catastrophic_rule(self):
        rules = self.path("rules")
        rule_file(os.path.join(rules, "evil.rules"), EVIL_RULES)
        p = self.write("regex/a.txt", evil_article(40))
        for env in ({}, {"WN_NO_JIT": "1"}):
            e = dict(os.environ)
            e.update(env)
            r = run([WINNOW, "clean", "--rules", rules, "-o", self.path("out"), p], env=e, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("rule evil skipped for", r.stderr.decode())
            rec = load_json(self.path("out", "regex", "a.json"))
            reasons = {x["reason"] for x in rec["removed"]}
            self.assertIn("rule:ferry", reasons)
            self.assertNotIn("rule:evil", reasons)

    def test_unreadable(self):
        p = self.write("perm/locked.txt", BODY, mode=0)
        cmd = [WINNOW, "clean", "-o", self.path("out"), p]
        if IS_ROOT:
            if not shutil.which("setpriv"):
                self.skipTest("running as root and setpriv(1) is missing")
            cmd = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"] + cmd
        r = run(cmd)
        self.assertEqual(r.returncode, 1)
        self.assertIn("locked.txt", r.stderr.decode())
        self.assertIn("Permission denied", r.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
