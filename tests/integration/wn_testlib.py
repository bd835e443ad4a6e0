"""Helpers shared by the integration tests: run the real binaries on
temporary folders and read what they wrote."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

WINNOW = os.environ.get("WINNOW", "winnow")
FIXTURES = os.environ.get("WN_FIXTURES", os.path.join(os.path.dirname(__file__), "..", "fixtures"))


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def run(args, stdin=None, timeout=60, env=None):
    """Run a command; returns CompletedProcess with bytes stdout/stderr."""
    return subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=env)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary folder in self.tmp."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wn-it-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, rel, data, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(p, mode)
        return p
