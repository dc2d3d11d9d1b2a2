#!/usr/bin/python3
"""Scale-out on one PostgreSQL: two auth_server processes and two gateways
(each reaching its own auth_server with --auth-target), all real binaries,
sharing a throwaway PostgreSQL cluster (tools/pgtemp).

- A full OAuth + MCP flow crosses instances: authorize at A, sign in at B,
  redeem at B, call /mcp at A, refresh at B, revoke at A, seen at B within
  the documented bound.
- The redemption races hold across instances: many threads redeeming one
  refresh token (or one code) through both gateways -> exactly one 200.
- The database restarts mid-run: requests get 503 while it is down and
  succeed again afterwards without restarting any of our processes.
- A bad URL or an unreachable database is a clear startup error.

Fails (does not skip) when PostgreSQL cannot be started."""
import secrets
import threading
import time
import unittest

import harness
import storage_common as sc

# How late a revocation may take effect at another gateway: the gateway's
# token validation cache (at most 5 s by default), plus slack for a loaded
# machine. The store itself is read on every validation.
REVOCATION_BOUND_SECONDS = 5 + 5
STORE_PASSWORD = "pg-pw-" + secrets.token_urlsafe(12)


class PostgresScaleOutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = sc.PostgresCluster()
        cls.processes = []
        try:
            cls.port_a = harness.free_port()
            cls.port_b = harness.free_port()
            # One issuer and resource for the whole deployment.
            cls.base = "http://127.0.0.1:%d" % cls.port_a
            cls.redirect = cls.base + "/callback"
            store = "--store=" + cls.pg.url
            auth_a = cls.start("auth/auth_server", [
                "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base, store])
            # B's URL carries a password (the cluster trusts loopback and
            # ignores it), which must never reach its log.
            auth_b = cls.start("auth/auth_server", [
                "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
                store + "?password=" + STORE_PASSWORD])
            cls.auth_b = auth_b
            # A shared session key: an MCP session opened at one gateway is
            # valid at the other (no sticky routing).
            session_key = {"MCP_SESSION_KEY": "k" * 48}
            for port, auth in ((cls.port_a, auth_a), (cls.port_b, auth_b)):
                cls.start("gateway/gateway", [
                    "--port", str(port), "--grpc-listen", "", "--public-url", cls.base,
                    "--auth-target", "127.0.0.1:%d" % auth.ports["grpc_port"]], env=session_key)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls, binary, args, env=None):
        process = harness.ServerProcess(binary, args, env=env)
        cls.processes.append(process)
        return process

    @classmethod
    def tearDownClass(cls):
        for process in reversed(cls.processes):
            process.stop()
        cls.pg.stop()

    def tokens(self):
        code, verifier = sc.obtain_code(self.port_a, self.redirect)
        response = sc.exchange(self.port_b, code, verifier, self.redirect)
        self.assertEqual(response.status, 200, response.body)
        return response.json()

    def test_flow_crosses_instances(self):
        # The authorization request is made at A, the sign-in happens at B.
        code, verifier = sc.obtain_code(self.port_a, self.redirect, login_port=self.port_b)
        issued = sc.exchange(self.port_b, code, verifier, self.redirect)
        self.assertEqual(issued.status, 200, issued.body)
        tokens = issued.json()
        # The code is used everywhere now.
        self.assertEqual(sc.exchange(self.port_a, code, verifier, self.redirect).status, 400)
        tokens = self.tokens()

        # Issued through B, used at A's /mcp (a real tool call).
        init = sc.mcp_initialize(self.port_a, tokens["access_token"])
        self.assertEqual(init.status, 200, init.body)
        echoed = sc.mcp_echo(self.port_a, tokens["access_token"], init.header("mcp-session-id"),
                             "across instances")
        self.assertEqual(echoed.json()["result"]["structuredContent"]["echo"],
                         "across instances")
        # The session opened at A works at B.
        at_b = sc.mcp_echo(self.port_b, tokens["access_token"], init.header("mcp-session-id"),
                           "same session, other gateway")
        self.assertEqual(at_b.status, 200, at_b.body)
        self.assertEqual(at_b.json()["result"]["structuredContent"]["echo"],
                         "same session, other gateway")
        # Refreshed at B, and the new access token works at both.
        refreshed = sc.refresh(self.port_b, tokens["refresh_token"])
        self.assertEqual(refreshed.status, 200, refreshed.body)
        new = refreshed.json()
        self.assertEqual(sc.mcp_initialize(self.port_a, new["access_token"]).status, 200)
        self.assertEqual(sc.mcp_initialize(self.port_b, new["access_token"]).status, 200)
        # The old refresh token is rotated for A too.
        self.assertEqual(sc.refresh(self.port_a, tokens["refresh_token"]).status, 400)

        # Revoked at A, seen at B within the bound.
        other = self.tokens()
        self.assertEqual(sc.mcp_initialize(self.port_b, other["access_token"]).status, 200)
        self.assertEqual(sc.revoke(self.port_a, other["refresh_token"]).status, 200)
        self.assertEqual(sc.refresh(self.port_b, other["refresh_token"]).status, 400)
        started = time.monotonic()
        while sc.mcp_initialize(self.port_b, other["access_token"]).status != 401:
            self.assertLess(time.monotonic() - started, REVOCATION_BOUND_SECONDS,
                            "revocation at A not seen at B in time")
            time.sleep(0.2)

    def race(self, attempt, threads=16):
        """Runs attempt(port) on `threads` threads, half per gateway, started
        together; returns the HTTP statuses."""
        barrier = threading.Barrier(threads)
        statuses = []
        lock = threading.Lock()

        def run(i):
            port = self.port_a if i % 2 == 0 else self.port_b
            barrier.wait()
            status = attempt(port).status
            with lock:
                statuses.append(status)

        workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return statuses

    def test_refresh_race_across_gateways_has_one_winner(self):
        for _ in range(3):
            tokens = self.tokens()
            statuses = self.race(lambda port: sc.refresh(port, tokens["refresh_token"]))
            self.assertEqual(statuses.count(200), 1, statuses)
            self.assertEqual(statuses.count(400), len(statuses) - 1, statuses)

    def test_code_race_across_gateways_has_one_winner(self):
        code, verifier = sc.obtain_code(self.port_a, self.redirect)
        statuses = self.race(lambda port: sc.exchange(port, code, verifier, self.redirect))
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertEqual(statuses.count(400), len(statuses) - 1, statuses)

    def test_database_restart_gives_503_then_recovers(self):
        before = self.tokens()
        unseen = self.tokens()  # never validated before the outage: no cache hit
        self.assertEqual(sc.mcp_initialize(self.port_a, before["access_token"]).status, 200)
        self.pg.down()
        try:
            down_refresh = sc.refresh(self.port_a, before["refresh_token"])
            self.assertEqual(down_refresh.status, 503, down_refresh.body)
            self.assertEqual(down_refresh.json()["error"], "temporarily_unavailable")
            self.assertEqual(down_refresh.header("retry-after"), "1")
            self.assertEqual(sc.mcp_initialize(self.port_b, unseen["access_token"]).status, 503)
            with self.assertRaises(RuntimeError) as failed:
                sc.obtain_code(self.port_b, self.redirect)
            self.assertIn("503", str(failed.exception))
        finally:
            self.pg.up()
        # No process was restarted: the pools reconnect by themselves.
        started = time.monotonic()
        while True:
            response = sc.refresh(self.port_a, before["refresh_token"])
            if response.status == 200:
                break
            self.assertEqual(response.status, 503, response.body)
            self.assertLess(time.monotonic() - started, 15, "did not recover")
            time.sleep(0.2)
        self.assertEqual(sc.mcp_initialize(self.port_b, unseen["access_token"]).status, 200)
        self.assertEqual(sc.mcp_initialize(self.port_a, response.json()["access_token"]).status,
                         200)
        self.tokens()  # the whole flow works again

    def test_store_password_is_not_logged(self):
        self.tokens()  # B has used the database
        log = self.auth_b.read_log()
        self.assertIn("password=***", log)
        self.assertNotIn(STORE_PASSWORD, log)

    def test_bad_url_and_unreachable_database_are_clear_startup_errors(self):
        # The password in each form libpq takes it, none of which may show.
        for store, expected in (
                ("postgres://u:s3cret@127.0.0.1:1/db",
                 "cannot connect to PostgreSQL (user=u password=*** dbname=db host=127.0.0.1"
                 " port=1)"),
                ("postgres://u@127.0.0.1:1/db?password=s3cret",
                 "cannot connect to PostgreSQL (user=u password=*** dbname=db host=127.0.0.1"
                 " port=1)"),
                ("postgres://[bad", "invalid PostgreSQL URL"),
                ("postgres://u:s3cret%zz@127.0.0.1:1/db",
                 'invalid PostgreSQL URL: invalid percent-encoded token: "..."'),
                ("postgres://u:s3cret@[bad", "invalid PostgreSQL URL"),
                ("host=127.0.0.1 port=1 password=s3cret",
                 "unknown --store 'password=*** host=127.0.0.1 port=1'"),
                ("redis://x", "unknown --store")):
            for binary in ("auth/auth_server", "gateway/gateway"):
                with self.assertRaises(RuntimeError) as failed:
                    harness.ServerProcess(binary, [
                        "--grpc-listen", "127.0.0.1:0", "--port", "0", "--store=" + store],
                        ready_timeout=20)
                self.assertIn(expected, str(failed.exception))
                self.assertNotIn("s3cret", str(failed.exception))


if __name__ == "__main__":
    unittest.main()
