#!/usr/bin/python3
"""The SQLite store survives kill -9 of the real gateway.

Tokens are issued through the real OAuth flow; one family is revoked and one
code is used; then the gateway is killed with SIGKILL (no shutdown code runs)
and restarted on the same file. Refresh tokens issued before the kill still
work, the revoked family stays revoked, the used code stays used. A second
round kills the gateway while a client is rotating refresh tokens as fast as
it can: every access token acknowledged before the kill still works."""
import os
import signal
import stat
import threading
import time
import unittest

import harness
import storage_common as sc


class SqliteDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.data_dir = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"),
                                     "sqlite-%d" % time.monotonic_ns(), "data")
        self.db = os.path.join(self.data_dir, "auth.db")
        self.port = harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.redirect = self.base + "/callback"

    def start(self):
        return harness.ServerProcess("gateway/gateway", [
            "--port", str(self.port), "--grpc-listen", "", "--public-url", self.base],
            env={"MCP_DATA_DIR": self.data_dir})  # The default store: sqlite under it.

    def kill9(self, gateway):
        gateway.proc.send_signal(signal.SIGKILL)
        gateway.proc.wait()
        gateway.stop()

    def test_state_survives_kill_9(self):
        gateway = self.start()
        try:
            kept = harness.obtain_tokens(self.port, self.redirect)
            revoked = harness.obtain_tokens(self.port, self.redirect)
            self.assertEqual(sc.revoke(self.port, revoked["refresh_token"]).status, 200)
            code, verifier = sc.obtain_code(self.port, self.redirect)
            first = sc.exchange(self.port, code, verifier, self.redirect)
            self.assertEqual(first.status, 200, first.body)
            rotated = sc.refresh(self.port, kept["refresh_token"])
            self.assertEqual(rotated.status, 200, rotated.body)
            rotated = rotated.json()
            self.assertIn("token store: sqlite:" + self.db, gateway.read_log())
        finally:
            self.kill9(gateway)

        # Private file in a private directory, created on first start.
        self.assertEqual(stat.S_IMODE(os.stat(self.db).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.data_dir).st_mode), 0o700)
        with open(self.db, "rb") as f:
            content = f.read()
        for name in ("-wal",):
            if os.path.exists(self.db + name):
                with open(self.db + name, "rb") as f:
                    content += f.read()
        # Only digests are stored, never a raw token or code.
        for secret in (kept["access_token"], rotated["refresh_token"], code):
            self.assertNotIn(secret.encode(), content)

        with self.start() as gateway:
            # Issued before the kill: still valid.
            self.assertEqual(sc.mcp_initialize(self.port, rotated["access_token"]).status, 200)
            again = sc.refresh(self.port, rotated["refresh_token"])
            self.assertEqual(again.status, 200, again.body)
            self.assertEqual(sc.mcp_initialize(self.port, again.json()["access_token"]).status,
                             200)
            # Revoked before the kill: still revoked.
            self.assertEqual(sc.mcp_initialize(self.port, revoked["access_token"]).status, 401)
            self.assertEqual(sc.refresh(self.port, revoked["refresh_token"]).status, 400)
            # Used before the kill: a replay fails and revokes what it issued.
            replay = sc.exchange(self.port, code, verifier, self.redirect)
            self.assertEqual(replay.status, 400)
            self.assertIn("already used", replay.json()["error_description"])
            self.assertEqual(
                sc.mcp_initialize(self.port, first.json()["access_token"]).status, 401)
            # The pre-kill refresh token was rotated: presenting it is reuse.
            self.assertEqual(sc.refresh(self.port, kept["refresh_token"]).status, 400)

    def test_kill_9_under_load_loses_no_acknowledged_token(self):
        for round_number in range(2):
            gateway = self.start()
            tokens = harness.obtain_tokens(self.port, self.redirect)
            acknowledged = []  # the tokens of each /token response that arrived
            stop = threading.Event()

            def rotate(current):
                while not stop.is_set():
                    try:
                        response = sc.refresh(self.port, current)
                    except OSError:
                        return  # the server died mid-request
                    if response.status != 200:
                        return
                    body = response.json()
                    acknowledged.append(body)
                    current = body["refresh_token"]

            worker = threading.Thread(target=rotate, args=(tokens["refresh_token"],))
            worker.start()
            time.sleep(0.5 + 0.3 * round_number)
            self.kill9(gateway)  # at whatever point the rotation loop is
            stop.set()
            worker.join()
            self.assertGreater(len(acknowledged), 5)
            with self.start():
                # Each rotation deletes the access token of the one before,
                # so the last acknowledged one is live unless one more
                # rotation committed before its answer was lost in the kill:
                # then presenting its refresh token is reuse of a known
                # generation. A lost commit would leave neither.
                last = acknowledged[-1]
                if sc.mcp_initialize(self.port, last["access_token"]).status != 200:
                    reuse = sc.refresh(self.port, last["refresh_token"])
                    self.assertEqual(reuse.status, 400, reuse.body)
                    self.assertIn("already used", reuse.json()["error_description"],
                                  "round %d: an acknowledged rotation was lost" % round_number)
                else:
                    # Live: its chain is at that generation, and the older
                    # generations are known as rotated.
                    self.assertEqual(sc.refresh(self.port, last["refresh_token"]).status, 200)
                    reuse = sc.refresh(self.port, acknowledged[0]["refresh_token"])
                    self.assertIn("already used", reuse.json()["error_description"],
                                  "round %d: an acknowledged rotation was lost" % round_number)


if __name__ == "__main__":
    unittest.main()
