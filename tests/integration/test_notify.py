"""Integration tests: winnowd speaks systemd's notification protocol.

A datagram socket stands in for systemd: winnowd is started with
$NOTIFY_SOCKET (a path, or an abstract '@' name) and $WATCHDOG_USEC, and the
test reads what it says: READY=1 once it watches the spool, WATCHDOG=1 at
half the interval, STATUS= with counters, RELOADING=1 then READY=1 around
SIGHUP, STOPPING=1 on SIGTERM. The kernel's credentials on each datagram
show it came from the daemon's own PID, as systemd requires."""
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from wn_testlib import WINNOW, TempDirTest  # noqa: E402

WINNOWD = os.environ.get("WINNOWD", "winnowd")
DEADLINE = 30.0 if os.environ.get("WN_SLOW") else 15.0


class Listener:
    """A bound SOCK_DGRAM socket collecting notification messages."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(address)
        self.messages = []  # (monotonic time, sender pid, {key: value}, raw text)

    def close(self):
        self.sock.close()

    def _receive(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        text = data.decode()
        fields = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
        msg = (time.monotonic(), pid, fields, text)
        self.messages.append(msg)
        return msg

    def wait_for(self, pred, what, deadline=DEADLINE):
        """The first message from now on for which pred(fields) holds."""
        end = time.monotonic() + deadline
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {deadline}s; got {[m[3] for m in self.messages]}")
            m = self._receive(left)
            if m and pred(m[2]):
                return m


class NotifyTest(TempDirTest):
    abstract = False

    def setUp(self):
        super().setUp()
        if self.abstract:
            name = f"wn-test-notify/{os.getpid()}/{id(self)}"
            self.listener = Listener("\0" + name)
            self.notify_socket = "@" + name
        else:
            self.notify_socket = self.path("notify.sock")
            self.listener = Listener(self.notify_socket)
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.listener.close()
        super().tearDown()

    def start(self, **env_extra):
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_socket, **env_extra)
        self.proc = subprocess.Popen(
            [WINNOWD, "--spool", self.path("spool"), "--out", self.path("out"),
             "--state", self.path("state.db"), "--settle", "100ms"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self.proc

    def stop(self, signal_it=True):
        if signal_it:
            self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=DEADLINE)
        return self.proc.returncode, err.decode(errors="replace")

    def submit(self, outlet, name, text):
        src = self.write(os.path.join("src", name), text)
        r = subprocess.run([WINNOW, "submit", "--spool", self.path("spool"), "--outlet", outlet, src],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)

    def wait_file(self, path):
        end = time.monotonic() + DEADLINE
        while not os.path.exists(path):
            self.assertIsNone(self.proc.poll(), "winnowd exited")
            if time.monotonic() > end:
                self.fail(f"{path} did not appear within {DEADLINE}s")
            self.listener._receive(0.05)  # keep draining messages while polling

    def test_lifecycle(self):
        usec = 1_000_000
        proc = self.start(WATCHDOG_USEC=str(usec))
        ready = self.listener.wait_for(lambda f: f.get("READY") == "1", "READY=1")
        self.assertEqual(ready[1], proc.pid, "the message must come from the main process")
        # READY means the watch is in place: a file dropped now is cleaned
        self.submit("notify-times", "first-story.txt",
                    "A Headline For The Notify Test\n\nThe council met on Monday to talk about the bridge.\n")
        self.wait_file(self.path("out", "notify-times", "first-story.txt"))
        # STATUS carries the live counters: one processed
        self.listener.wait_for(lambda f: "processed=1 " in f.get("STATUS", ""),
                               "STATUS with processed=1")

        # WATCHDOG=1 at half the interval: pings keep coming, never a full interval apart
        pings = [self.listener.wait_for(lambda f: f.get("WATCHDOG") == "1", "WATCHDOG=1")[0]
                 for _ in range(3)]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertTrue(all(g < usec / 1e6 for g in gaps), gaps)

        # SIGHUP: RELOADING=1 (with the monotonic time it began) then READY=1
        before = time.clock_gettime(time.CLOCK_MONOTONIC)
        proc.send_signal(signal.SIGHUP)
        rel = self.listener.wait_for(lambda f: f.get("RELOADING") == "1", "RELOADING=1")
        mono = int(rel[2]["MONOTONIC_USEC"]) / 1e6
        self.assertTrue(before <= mono <= time.clock_gettime(time.CLOCK_MONOTONIC), (before, mono))
        self.listener.wait_for(lambda f: f.get("READY") == "1", "READY=1 after the reload")
        self.assertIsNone(proc.poll())

        # SIGTERM: STOPPING=1, then a clean exit
        proc.send_signal(signal.SIGTERM)
        stop = self.listener.wait_for(lambda f: f.get("STOPPING") == "1", "STOPPING=1")
        self.assertEqual(stop[1], proc.pid)
        rc, err = self.stop(signal_it=False)
        self.assertEqual(rc, 0, err)
        # every message came from winnowd itself
        self.assertEqual({m[1] for m in self.listener.messages}, {proc.pid})

    def test_watchdog_meant_for_another_process_is_ignored(self):
        # WATCHDOG_PID names someone else: no pings (systemd would not expect any)
        self.start(WATCHDOG_USEC="100000", WATCHDOG_PID="1")
        self.listener.wait_for(lambda f: f.get("READY") == "1", "READY=1")
        # ten intervals without a ping: a bounded wait for an absence
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            self.listener._receive(end - time.monotonic())
        self.assertFalse([m for m in self.listener.messages if m[2].get("WATCHDOG")])
        rc, err = self.stop()
        self.assertEqual(rc, 0, err)


class NotifyAbstractTest(NotifyTest):
    """The same over an abstract socket name ('@…' in $NOTIFY_SOCKET)."""
    abstract = True


class WithoutSystemd(TempDirTest):
    def test_runs_silently_without_notify_socket(self):
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        proc = subprocess.Popen(
            [WINNOWD, "--spool", self.path("spool"), "--out", self.path("out"),
             "--state", self.path("state.db"), "--settle", "100ms"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            src = self.write("src/quiet.txt", "A Quiet Headline Here\n\nNothing to tell the manager today.\n")
            r = subprocess.run([WINNOW, "submit", "--spool", self.path("spool"), "--outlet", "q", src],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=DEADLINE)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = self.path("out", "q", "quiet.txt")
            end = time.monotonic() + DEADLINE
            while not os.path.exists(out):
                self.assertIsNone(proc.poll(), "winnowd exited")
                self.assertLess(time.monotonic(), end, "no output")
                time.sleep(0.05)  # polling a file with a deadline
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=DEADLINE)
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(b"notify", err.lower())


if __name__ == "__main__":
    unittest.main(verbosity=2)
