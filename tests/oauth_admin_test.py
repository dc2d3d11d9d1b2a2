#!/usr/bin/python3
"""oauth_admin, the operator commands: hash-secret reads the secret from
standard input (piped, or from a terminal without echoing it) and prints a
hash the config file accepts; check-config prints what a file configures or
names each error and exits 1."""
import base64
import hashlib
import json
import os
import pty
import select
import subprocess
import tempfile
import time
import unittest

import harness

ADMIN = harness.runfile("auth/oauth_admin")


def verify(secret, encoded):
    """PBKDF2-SHA256 check of our hash format, independent of our C++."""
    scheme, iterations, salt, digest = encoded.split("$")
    pad = lambda s: s + "=" * (-len(s) % 4)
    derived = hashlib.pbkdf2_hmac("sha256", secret.encode(), base64.urlsafe_b64decode(pad(salt)),
                                  int(iterations))
    return scheme == "pbkdf2-sha256" and derived == base64.urlsafe_b64decode(pad(digest))


def wait_or_kill(pid, timeout=10):
    """The child's wait status; a child still running after `timeout` s (it
    waits for input that never came) is killed, so the test fails, not hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, 9)
    return os.waitpid(pid, 0)[1]


def run(args, stdin=""):
    return subprocess.run([ADMIN] + args, input=stdin, capture_output=True, text=True, timeout=60)


class HashSecretTest(unittest.TestCase):
    def test_piped_secret(self):
        result = run(["hash-secret"], "correct horse\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        encoded = result.stdout.strip()
        self.assertTrue(encoded.startswith("pbkdf2-sha256$100000$"), encoded)
        self.assertTrue(verify("correct horse", encoded))
        self.assertFalse(verify("correct horse\n", encoded))
        self.assertNotIn("correct horse", result.stdout + result.stderr)

    def test_iterations_and_bad_input(self):
        result = run(["hash-secret", "--iterations=20000"], "s")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("pbkdf2-sha256$20000$"))
        self.assertTrue(verify("s", result.stdout.strip()))
        self.assertEqual(run(["hash-secret"], "\n").returncode, 1)
        self.assertEqual(run(["hash-secret"], "x" * 5000).returncode, 1)
        self.assertEqual(run(["hash-secret", "--iterations=5"], "s").returncode, 2)
        self.assertEqual(run(["frobnicate"]).returncode, 2)

    def test_terminal_does_not_echo(self):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(ADMIN, [ADMIN, "hash-secret"])
        seen = b""

        def read_until(marker, timeout=30):
            nonlocal seen
            deadline = time.monotonic() + timeout
            while marker not in seen and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.5)
                if ready:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    seen += chunk
            return marker in seen

        try:
            self.assertTrue(read_until(b"Secret: "), seen)
            os.write(fd, b"tty-secret-123\n")
            self.assertTrue(read_until(b"Again: "), seen)
            os.write(fd, b"tty-secret-123\n")
            self.assertTrue(read_until(b"pbkdf2-sha256$"), seen)
            read_until(b"\n" * 99, timeout=2)  # the rest of the line
        finally:
            status = wait_or_kill(pid)
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, seen)
        self.assertNotIn(b"tty-secret-123", seen)
        encoded = seen.split(b"pbkdf2-sha256$", 1)[1].split(b"\r\n")[0].decode()
        self.assertTrue(verify("tty-secret-123", "pbkdf2-sha256$" + encoded))


class CheckConfigTest(unittest.TestCase):
    def write(self, config):
        handle, path = tempfile.mkstemp(suffix=".json", dir=os.environ.get("TEST_TMPDIR"))
        with os.fdopen(handle, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        return path

    def test_good_file_is_described(self):
        hash_ = run(["hash-secret", "--iterations=10000"], "pw").stdout.strip()
        path = self.write({
            "public_url": "https://mcp.example.com",
            "clients": [{"client_id": "app", "client_secret_hash": hash_,
                         "redirect_uris": ["https://app.example.com/cb"]}],
            "users": [{"username": "alice", "password_hash": hash_}],
        })
        result = run(["check-config", path])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(path + ": ok", result.stdout)
        self.assertIn("issuer: https://mcp.example.com", result.stdout)
        self.assertIn("  app: confidential", result.stdout)
        self.assertIn("redirect_uri https://app.example.com/cb", result.stdout)
        self.assertIn("users: 1\n  alice\n", result.stdout)
        self.assertNotIn("pbkdf2", result.stdout)

    def test_every_error_is_named(self):
        path = self.write({"bogus": 1, "clients": [{"client_id": "a", "extra": 2}],
                           "users": [{"username": "u"}]})
        result = run(["check-config", path])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        errors = [line for line in result.stderr.splitlines() if "error:" in line]
        self.assertEqual(errors, [
            "  error: config bogus: unknown key",
            "  error: config clients[0].extra: unknown key",
            "  error: config users[0].password_hash: is required",
        ], result.stderr)

    def test_unreadable_and_usage(self):
        result = run(["check-config", "/nonexistent/config.json"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot read /nonexistent/config.json", result.stderr)
        self.assertEqual(run(["check-config"]).returncode, 2)
        self.assertEqual(run(["check-config", self.write("{not json")]).returncode, 1)


if __name__ == "__main__":
    unittest.main()
