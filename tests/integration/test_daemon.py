"""Integration tests: winnowd on a temporary spool — intake (rename, submit,
slow writers, bursts, files dropped while down), outputs, events.jsonl,
hostile files, signals and reload, configuration."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_daemonlib import WINNOWD, WINNOWD_TEST, DaemonTest, article, files_in, unique_article, wait_for  # noqa: E402
from wn_testlib import WINNOW, load_json, run  # noqa: E402

STORY = article("Harbour Lights Switched On Again", [
    "The old harbour lights shone again on Friday after a winter of repairs.",
    "Volunteers replaced forty lamps and repainted the iron posts by hand.",
])


class Intake(DaemonTest):
    def test_rename_drop_delivers_outputs_event_and_done(self):
        self.start()
        self.drop("herald", "lights.txt", STORY)
        wait_for(lambda: self.delivered("herald") == 1, what="delivery")
        base = os.path.join(self.out, "herald", "lights")
        body = open(base + ".txt", encoding="utf-8").read()
        rec = load_json(base + ".json")
        self.assertIn("forty lamps", body)
        self.assertNotIn("Harbour Lights Switched On Again", body)  # the title is metadata
        self.assertEqual(rec["title"], "Harbour Lights Switched On Again")
        self.assertEqual(rec["outlet"], "herald")
        self.assertEqual(rec["source"], self.sp("incoming", "herald", "lights.txt"))
        self.assertEqual(open(self.sp("done", "herald", "lights.txt")).read(), STORY)
        ev = wait_for(self.events, what="event line")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["id"], rec["id"])
        self.assertEqual(ev[0]["json"], "herald/lights.json")
        self.assertEqual(ev[0]["txt"], "herald/lights.txt")
        self.assertEqual(ev[0]["file"], "lights.txt")
        self.assertIsNone(ev[0]["duplicate_of"])
        self.assertEqual(ev[0]["repeated_quotes"], [])
        self.assertRegex(ev[0]["claim"], r"^[0-9a-f]{16}$")
        self.assert_spool_settled({"herald": ["lights.txt"]})

    def test_winnow_submit(self):
        self.start()
        src = [self.write("src/a.txt", unique_article(1)[0]), self.write("src/b.txt", unique_article(2)[0])]
        r = self.submit("courier", *src)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.delivered("courier") == 2, what="two deliveries")
        self.assertEqual(open(os.path.join(self.out, "courier", "b.txt")).read(), unique_article(2)[2])
        self.assertEqual(files_in(self.sp("tmp")), [])
        self.assert_spool_settled({"courier": ["a.txt", "b.txt"]})

    def test_new_outlet_folder_is_watched(self):
        self.start()
        for i, outlet in enumerate(["first", "second", "third"]):
            self.drop(outlet, "n%d.txt" % i, STORY)
        wait_for(lambda: all(self.delivered(o) == 1 for o in ["first", "second", "third"]),
                 what="deliveries in three new outlets")
        # a file written in place (closed after writing) into an existing outlet
        with open(self.sp("incoming", "first", "inplace.txt"), "w") as f:
            f.write(STORY)
        wait_for(lambda: self.delivered("first") == 2, what="in-place file")

    def test_slow_writer_never_read_half(self):
        # Scans run often and would take any file quiet for `settle`; the
        # half-written file is quiet far longer than that between scans —
        # yet it is open for writing, so it must not be taken.
        self.write_config({"settle": "100ms", "scan_interval": "150ms"})
        self.start()
        first, rest = "The opening half of a slowly written story.\n\n", "The closing half arrives later.\n"
        os.makedirs(self.sp("incoming", "slow"), exist_ok=True)
        f = open(self.sp("incoming", "slow", "story.txt"), "w")
        f.write(first)
        f.flush()
        os.utime(self.sp("incoming", "slow", "story.txt"), (1, 1))  # look long quiet to a scan
        scans = self.log().count("scanned incoming/:")
        wait_for(lambda: self.log().count("scanned incoming/:") >= scans + 3, what="three scans")
        self.assertEqual(self.delivered("slow"), 0, "a half-written file was taken")
        f.write(rest)
        f.close()
        wait_for(lambda: self.delivered("slow") == 1, what="delivery after close")
        body = open(os.path.join(self.out, "slow", "story.txt")).read()
        self.assertIn("opening half", body)
        self.assertIn("closing half", body)
        self.assertEqual(len(self.events()), 1)

    def test_thousand_files_at_once(self):
        self.start()
        names = {"alpha": [], "beta": []}
        for outlet in names:
            os.makedirs(self.sp("incoming", outlet), exist_ok=True)
        for i in range(1000):
            outlet = "alpha" if i % 2 else "beta"
            name = "story-%04d.txt" % i
            names[outlet].append(name)
            self.drop(outlet, name, unique_article(i)[0])
        wait_for(lambda: self.delivered("alpha") + self.delivered("beta") == 1000, timeout=120,
                 what="1000 deliveries")
        self.assert_spool_settled(names)
        ev = self.events()
        self.assertEqual(len({e["claim"] for e in ev}), 1000)
        body = open(os.path.join(self.out, "alpha", "story-0999.txt")).read()
        self.assertEqual(body, unique_article(999)[2])

    def test_files_dropped_while_down(self):
        for i in range(5):
            self.drop("early", "e%d.txt" % i, unique_article(i)[0])
        self.start()
        wait_for(lambda: self.delivered("early") == 5, what="backlog delivered")
        self.assert_spool_settled({"early": ["e%d.txt" % i for i in range(5)]})

    def test_odd_names(self):
        self.start()
        names = [b"with space.txt", b"new\nline.txt", b"caf\xe9-latin1.txt"]
        for i, n in enumerate(names):
            self.drop("odd", n, unique_article(i)[0])
        wait_for(lambda: self.delivered("odd") == 3, what="odd names delivered")
        outs = files_in(os.path.join(self.out, "odd"))
        for n in names:
            self.assertIn(n.rsplit(b".", 1)[0] + b".txt", outs)
        self.assertEqual(len(self.events()), 3)

    def test_duplicate_is_marked_and_has_no_text(self):
        self.start()
        text = unique_article(5)[0]
        self.drop("herald", "orig.txt", text)
        wait_for(lambda: self.delivered("herald") == 1, what="first delivery")
        self.drop("wire", "copy.txt", text)  # the same article, syndicated
        wait_for(lambda: self.delivered("wire") == 1, what="second delivery")
        orig = load_json(os.path.join(self.out, "herald", "orig.json"))
        copy = load_json(os.path.join(self.out, "wire", "copy.json"))
        self.assertEqual(copy["duplicate_of"], orig["id"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "wire", "copy.txt")))
        ev = self.events()
        self.assertEqual(ev[1]["duplicate_of"], orig["id"])
        self.assertIsNone(ev[1]["txt"])
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: "duplicates=1 " in self.log(), what="counted as a duplicate")
        self.assert_spool_settled({"herald": ["orig.txt"], "wire": ["copy.txt"]})
        # keep_duplicates writes the text too (applied by a reload)
        self.write_config({"keep_duplicates": "yes"})
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in self.log(), what="reload")
        self.drop("wire", "copy2.txt", text)
        wait_for(lambda: self.delivered("wire") == 2, what="third delivery")
        self.assertTrue(os.path.exists(os.path.join(self.out, "wire", "copy2.txt")))

    def test_repeated_quote_in_event_line(self):
        self.start()
        quote = ' "We will keep the lighthouse burning for another hundred years," the keeper said.\n'
        self.drop("herald", "one.txt", unique_article(21)[0].rstrip("\n") + quote)
        wait_for(lambda: self.delivered("herald") == 1, what="first delivery")
        self.drop("wire", "two.txt", unique_article(22)[0].rstrip("\n") + quote)
        wait_for(lambda: self.delivered("wire") == 1, what="second delivery")
        ev = self.events()
        self.assertEqual(ev[0]["repeated_quotes"], [])
        rq = ev[1]["repeated_quotes"]
        self.assertEqual(len(rq), 1)
        self.assertIn("lighthouse burning", rq[0]["text"])
        self.assertEqual(rq[0]["repeated_in"], [{"id": ev[0]["id"], "outlet": "herald", "same_outlet": False}])

    def test_state_store_survives_restart(self):
        self.start()
        text = unique_article(6)[0]
        self.drop("herald", "first.txt", text)
        wait_for(lambda: self.delivered("herald") == 1, what="first delivery")
        self.assertEqual(self.stop()[0], 0)
        self.assertTrue(os.path.exists(self.path("state", "winnow.db")))
        self.start()
        self.drop("wire", "again.txt", text)
        wait_for(lambda: self.delivered("wire") == 1, what="delivery after restart")
        first = load_json(os.path.join(self.out, "herald", "first.json"))
        self.assertEqual(load_json(os.path.join(self.out, "wire", "again.json"))["duplicate_of"], first["id"])

    def test_same_name_again_keeps_both_originals(self):
        self.start()
        self.drop("herald", "again.txt", STORY)
        wait_for(lambda: self.delivered("herald") == 1, what="first delivery")
        self.drop("herald", "again.txt", STORY.replace("forty", "sixty"))
        wait_for(lambda: self.delivered("herald") == 2, what="second delivery")
        done = files_in(self.sp("done", "herald"))
        self.assertIn(b"again.txt", done)
        self.assertTrue(any(n.startswith(b"again.txt~") for n in done), done)
        self.assertIn("forty", open(self.sp("done", "herald", "again.txt")).read())
        self.assertIn("sixty", open(os.path.join(self.out, "herald", "again.txt")).read())
        self.assertEqual(len(self.events()), 2)


    def test_same_stem_twice_in_one_round(self):
        # brief.md and brief.txt have the same outputs; claimed together, the
        # later one waits for the next round, so each event line is written
        # while its own outputs are in place, and the later one's stay
        for name, text in (("brief.md", STORY.replace("forty", "sixty")), ("brief.txt", STORY)):
            self.drop("herald", name, text)
            os.utime(self.sp("incoming", "herald", name), (1, 1))  # claimed at once, .md first
        self.start(binary=WINNOWD_TEST, env={"WN_FAULT_MIN_BATCH": "2"})
        wait_for(lambda: self.delivered("herald") == 2, what="both delivered")
        self.assertIn("delivered 1 of 2:", self.log())
        self.assertEqual([e["file"] for e in self.events()], ["brief.md", "brief.txt"])
        with open(os.path.join(self.out, "herald", "brief.txt")) as f:
            self.assertIn("forty", f.read())
        self.assert_spool_settled({"herald": ["brief.md", "brief.txt"]})


class HostileInput(DaemonTest):
    settings = {"max_bytes": "2K"}

    def reason(self, outlet, name):
        path = self.sp("failed", outlet, name + ".reason")
        # the reason is written first, then the file moved: wait for both
        wait_for(lambda: os.path.exists(path) and os.path.lexists(self.sp("failed", outlet, name)),
                 what=name + " quarantined")
        with open(path, encoding="utf-8") as f:
            return f.read()

    def test_symlink_quarantined_never_followed(self):
        secret = self.write("secret/passwd", "root:x:0:0:secret-marker:/root:/bin/bash\n")
        self.start()
        os.makedirs(self.sp("incoming", "evil"), exist_ok=True)
        os.symlink(secret, self.sp("incoming", "evil", "link.txt"))   # made in place: found by a scan
        os.symlink(secret, self.sp("tmp", "l2"))
        os.rename(self.sp("tmp", "l2"), self.sp("incoming", "evil", "moved.txt"))  # renamed in
        for name in ("link.txt", "moved.txt"):
            r = self.reason("evil", name)
            self.assertIn("symbolic link", r)
            self.assertIn("errno: ELOOP", r)
            self.assertTrue(os.path.islink(self.sp("failed", "evil", name)))
        self.assertFalse(os.path.exists(os.path.join(self.out, "evil")))
        self.assertEqual(open(secret).read(), "root:x:0:0:secret-marker:/root:/bin/bash\n")
        self.assertNotIn("secret-marker", open(os.path.join(self.out, "events.jsonl")).read()
                         if os.path.exists(os.path.join(self.out, "events.jsonl")) else "")

    def test_binary_quarantined_with_reason(self):
        self.start()
        self.drop("herald", "blob.bin", b"\x00\x01\x02binary\x00\xff" * 20)
        r = self.reason("herald", "blob.bin")
        self.assertIn("stage: decode", r)
        self.assertIn("binary", r)
        self.assertRegex(r, r"time: \d{4}-\d\d-\d\dT")
        self.assertFalse(os.path.exists(os.path.join(self.out, "herald", "blob.json")))
        self.assertEqual(self.events(), [])
        self.drop("herald", "fine.txt", STORY)  # and the daemon goes on
        wait_for(lambda: self.delivered("herald") == 1, what="next file")

    def test_fifo_and_oversize_quarantined_daemon_goes_on(self):
        self.start()
        os.makedirs(self.sp("incoming", "herald"), exist_ok=True)
        os.mkfifo(self.sp("incoming", "herald", "pipe.txt"))
        self.drop("herald", "huge.txt", "word " * 1000)
        self.assertIn("not a regular file", self.reason("herald", "pipe.txt"))
        self.assertIn("size limit", self.reason("herald", "huge.txt"))
        self.drop("herald", "fine.txt", STORY)
        wait_for(lambda: self.delivered("herald") == 1, what="next file")
        self.assertEqual(self.count("failed", "herald"), 4)

    def test_empty_and_invalid_utf8_are_cleaned_not_failed(self):
        self.start()
        self.drop("herald", "empty.txt", b"")
        self.drop("herald", "bad-utf8.txt", b"A caf\xc3\xa9 and a bad \xff byte in a line.\n")
        wait_for(lambda: self.delivered("herald") == 2, what="two deliveries")
        self.assertIn("\ufffd", open(os.path.join(self.out, "herald", "bad-utf8.txt"), encoding="utf-8").read())
        self.assertEqual(open(os.path.join(self.out, "herald", "empty.txt")).read(), "")

    def test_vanished_before_claim_is_skipped(self):
        # a hard link raises no close/rename event: only a scan finds it,
        # and it must then wait the settle time — long enough to remove it
        self.write_config({"settle": "1s", "scan_interval": "100ms"})
        os.makedirs(self.sp("incoming", "herald"))
        self.start()
        src = self.write("src/ghost.txt", STORY)
        os.link(src, self.sp("incoming", "herald", "ghost.txt"))
        wait_for(lambda: "scanned incoming/: 1 file(s) found" in self.log(), what="the scan")
        os.unlink(self.sp("incoming", "herald", "ghost.txt"))
        wait_for(lambda: "skipped herald/ghost.txt: vanished" in self.log(), what="vanished logged")
        self.drop("herald", "real.txt", STORY)
        wait_for(lambda: self.delivered("herald") == 1, what="delivery")
        self.assertEqual(self.count("failed", "herald"), 0)
        self.assertEqual([e["file"] for e in self.events()], ["real.txt"])
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: "skipped=1 " in self.log(), what="counted as skipped")


class Signals(DaemonTest):
    def test_sigterm_exits_zero_quickly(self):
        self.start()
        self.drop("herald", "a.txt", STORY)
        wait_for(lambda: self.delivered("herald") == 1, what="delivery")
        rc, took = self.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, self.log())
        self.assertLess(took, 5)
        self.assertIn("stopped", self.log())

    def test_sigint_exits_zero(self):
        self.start()
        rc, _ = self.stop(signal.SIGINT)
        self.assertEqual(rc, 0, self.log())

    def test_sigusr1_logs_counters(self):
        self.start()
        self.drop("herald", "a.txt", STORY)
        self.drop("herald", "b.bin", b"\x00\x00\x00")
        wait_for(lambda: self.delivered("herald") == 1 and self.count("failed", "herald") == 2,
                 what="one delivered, one quarantined")
        self.proc.send_signal(signal.SIGUSR1)
        line = wait_for(lambda: [l for l in self.log().splitlines() if "counters:" in l], what="counters")
        self.assertIn("processed=1 ", line[-1])
        self.assertIn("failed=1 ", line[-1])
        self.assertIn("queued=0 ", line[-1])

    def test_sighup_broken_config_keeps_old_and_lives(self):
        self.write_config({"max_bytes": "1M"})
        self.start()
        # all or nothing: a valid line before the broken one must not apply either
        self.write_config({"max_bytes": "10"}, raw="this line is not ini\n")
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload failed" in self.log(), what="reload failure logged")
        self.assertIn("keeping the previous configuration", self.log())
        self.drop("herald", "a.txt", STORY)  # > 10 bytes: would fail under the broken config
        wait_for(lambda: self.delivered("herald") == 1, what="delivery after failed reload")
        # a missing rule folder is refused the same way
        self.write_config({"max_bytes": "10", "rules": self.path("no-such-rules")})
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.log().count("reload failed") == 2, what="second reload failure")
        self.assertIn("no-such-rules", self.log())
        # a good one applies
        self.write_config({"max_bytes": "10"})
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in self.log(), what="reload")
        self.drop("herald", "b.txt", STORY)
        wait_for(lambda: os.path.exists(self.sp("failed", "herald", "b.txt.reason")), what="size limit applied")
        self.assertIsNone(self.proc.poll())

    def test_sighup_broken_rule_file_keeps_old_rules(self):
        rules = self.path("rules")
        os.makedirs(rules)
        rule_file = os.path.join(rules, "local.rules")
        with open(rule_file, "w") as f:
            f.write("[drop-ferry-timetable]\npattern = ^Ferry timetable:\naction = drop-line\n")
        self.write_config({"rules": rules})
        self.start()
        text = unique_article(11)[0] + "\nFerry timetable: boats leave every hour from the quay.\n"

        def removed_by(name):
            path = os.path.join(self.out, "herald", name + ".json")
            wait_for(lambda: os.path.exists(path), what=name + " delivered")
            return {x["reason"] for x in load_json(path)["removed"]}

        self.drop("herald", "a.txt", text)
        self.assertIn("rule:drop-ferry-timetable", removed_by("a"))
        with open(rule_file, "w") as f:  # now broken: the reload must keep the rule above
            f.write("[[[ this is not a rule (((\n")
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload failed" in self.log(), what="reload failure logged")
        self.assertIn("local.rules:1", self.log())
        self.drop("herald", "b.txt", text.replace("Report 11", "Report 12"))
        self.assertIn("rule:drop-ferry-timetable", removed_by("b"))
        with open(rule_file, "w") as f:  # a good file: its reload applies
            f.write("[drop-boats]\npattern = boats leave every hour\naction = drop-line\n")
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in self.log(), what="reload")
        self.drop("herald", "c.txt", text.replace("Report 11", "Report 13"))
        reasons = removed_by("c")
        self.assertNotIn("rule:drop-ferry-timetable", reasons)
        self.assertIn("rule:drop-boats", reasons)
        self.assertIsNone(self.proc.poll())

    def test_check_config_reports_broken_rule_file(self):
        rules = self.path("rules")
        os.makedirs(rules)
        with open(os.path.join(rules, "broken.rules"), "w") as f:
            f.write("[[[ this is not a rule (((\n")
        r = run([WINNOWD, "--check-config", "--config", self.conf, "--rules", rules])
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"broken.rules:1", r.stderr)


class Configuration(DaemonTest):
    def test_check_config_prints_effective_settings(self):
        r = run([WINNOWD, "--config", self.conf, "--check-config", "--workers", "3", "--out=/elsewhere"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("[winnowd]\n", out)
        self.assertIn("spool = %s\n" % self.spool, out)
        self.assertIn("out = /elsewhere\n", out)  # flags override the file
        self.assertIn("workers = 3\n", out)
        self.assertIn("settle = 100ms\n", out)
        self.assertFalse(os.path.exists(self.spool), "--check-config must not touch the spool")

    def test_check_config_errors(self):
        self.write_config(raw="bogus_key = 1\n")
        r = run([WINNOWD, "--config", self.conf, "--check-config"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown key 'bogus_key'", r.stderr.decode())
        self.assertIn(self.conf + ":", r.stderr.decode())
        r = run([WINNOWD, "--check-config", "--settle", "soon"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("settle", r.stderr.decode())
        r = run([WINNOWD, "--check-config", "--chrome-min-docs", "4", "--chrome-window", "3"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("chrome_window = 3 is smaller than chrome_min_docs = 4", r.stderr.decode())
        self.assertEqual(run([WINNOWD, "--check-config", "--chrome-min-docs", "4",
                              "--chrome-window", "4"]).returncode, 0)
        self.assertEqual(run([WINNOWD, "--no-such-flag"]).returncode, 2)
        self.assertEqual(run([WINNOWD, "--spool"]).returncode, 2)
        r = run([WINNOWD, "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--max-bytes", r.stdout)

    def test_flags_override_config_file(self):
        other = self.path("other-out")
        self.start(args=["--out", other])
        self.drop("herald", "a.txt", STORY)
        wait_for(lambda: os.path.exists(os.path.join(other, "herald", "a.json")), what="output in --out")
        self.assertFalse(os.path.exists(os.path.join(self.out, "herald")))


class Submit(DaemonTest):
    def test_submit_errors(self):
        src = self.write("src/a.txt", STORY)
        r = run([WINNOW, "submit", "--spool", self.spool, src])
        self.assertEqual(r.returncode, 2)  # --outlet is required
        self.assertEqual(run([WINNOW, "submit", "--spool", self.spool, "--outlet", "../x", src]).returncode, 2)
        self.assertEqual(self.submit("o", src).returncode, 0)
        r = self.submit("o", src)  # the same name is still waiting: never replaced
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"already waiting", r.stderr)
        link = self.path("src", "link.txt")
        os.symlink(src, link)
        r = self.submit("o", link, self.path("src", "missing.txt"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"link.txt", r.stderr)
        self.assertIn(b"missing.txt", r.stderr)
        self.assertEqual(files_in(self.sp("incoming", "o")), [b"a.txt"])
        self.assertEqual(files_in(self.sp("tmp")), [])
        self.assertFalse(os.path.exists(self.sp("work")), "a producer creates only tmp/ and incoming/")

    def test_submit_stdin_and_mtime(self):
        src = self.write("src/old.txt", STORY)
        os.utime(src, (1000000000, 1000000000))
        self.assertEqual(self.submit("o", src).returncode, 0)
        self.assertEqual(os.stat(self.sp("incoming", "o", "old.txt")).st_mtime, 1000000000)
        r = subprocess.run([WINNOW, "submit", "--spool", self.spool, "--outlet", "o", "--name", "piped.txt", "-"],
                           input=STORY.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(open(self.sp("incoming", "o", "piped.txt")).read(), STORY)


if __name__ == "__main__":
    unittest.main(verbosity=2)
