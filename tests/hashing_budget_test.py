#!/usr/bin/python3
"""The hashing budget through the real gateway (issue 13, item 3): with one
hashing thread and one waiting place (--hash-threads 1 --hash-queue 1) and a
user whose password hash takes most of a second to check, a burst of sign-ins from
different addresses saturates the budget. Excess sign-ins get a 503 HTML page
with Retry-After at once, while /token (refresh grant), /introspect and
/revoke keep answering within a second; the admitted sign-ins are checked.
Sources 127.0.2.x stand for other addresses (all of 127/8 is loopback)."""
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import time
import unittest
import urllib.parse

import harness

CLIENT = "static-mcp-client-001"
SECRET = "your-secret-key-change-this-in-production"
FORM = "application/x-www-form-urlencoded"
# ~0.35 s of PBKDF2 per check on an idle core: long enough to keep the budget
# busy while three token calls run, short enough that the two admitted checks
# end within the gateway's 10 s RPC deadline on a loaded machine, under ASan too.
SLOW_ITERATIONS = 800000


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def encoded_hash(password, iterations):
    salt = os.urandom(16)
    return "pbkdf2-sha256$%d$%s$%s" % (
        iterations, b64url(salt), b64url(hashlib.pbkdf2_hmac("sha256", password.encode(), salt,
                                                             iterations)))


def slow_hash():
    """A hash that takes SLOW_ITERATIONS to check and no password matches."""
    return "pbkdf2-sha256$%d$%s$%s" % (SLOW_ITERATIONS, b64url(os.urandom(16)),
                                       b64url(os.urandom(32)))


def post(port, path, fields, headers=None, source="127.0.0.1", timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        all_headers = {"Content-Type": FORM}
        all_headers.update(headers or {})
        started = time.monotonic()
        conn.request("POST", path, body=urllib.parse.urlencode(fields), headers=all_headers)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        response = harness.Response(resp.status,
                                    {k.lower(): v for k, v in resp.getheaders()}, data)
        response.seconds = time.monotonic() - started
        return response
    finally:
        conn.close()


class HashingBudgetTest(unittest.TestCase):
    def test_sign_in_flood_is_refused_at_once_and_token_traffic_flows(self):
        config = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "hashing-budget.json")
        with open(config, "w") as f:
            # "slow" first: the dummy hash for unknown users takes the last
            # user's cost.
            json.dump({"users": [
                {"username": "slow", "password_hash": slow_hash()},
                {"username": "alice", "password_hash": encoded_hash("alice-pw", 1000)}]}, f)
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess("gateway/gateway", [
                "--port", str(port), "--public-url", base, "--grpc-listen", "",
                "--config", config, "--metrics",
                "--hash-threads", "1", "--hash-queue", "1"]) as gateway:
            tokens = harness.obtain_tokens(port, base + "/callback", username="alice",
                                           password="alice-pw")
            # A pending sign-in for the flood.
            _, challenge = harness.pkce_pair()
            started = harness.request(port, "GET", "/authorize?" + urllib.parse.urlencode({
                "response_type": "code", "client_id": CLIENT,
                "redirect_uri": base + "/callback", "code_challenge": challenge,
                "code_challenge_method": "S256"}))
            self.assertEqual(started.status, 302, started.body)
            page = harness.request(port, "GET", started.header("location"))
            form = dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"',
                                   page.body))
            self.assertEqual(len(form), 2, page.body)
            form.update({"username": "slow", "password": "wrong"})

            pool = concurrent.futures.ThreadPoolExecutor(max_workers=6)
            try:
                logins = [pool.submit(post, port, "/login", form,
                                      source="127.0.2.%d" % (i + 1), timeout=120)
                          for i in range(6)]
                # One sign-in is checked, one waits: the others are refused at once.
                deadline = time.monotonic() + 10
                while (sum(f.done() for f in logins) < 4 and time.monotonic() < deadline):
                    time.sleep(0.01)
                refused = [f.result() for f in logins if f.done() and f.result().status == 503]
                self.assertGreaterEqual(len(refused), 4, [f.result().body[:300] for f in logins
                                                          if f.done()])
                for r in refused:
                    self.assertTrue(r.header("content-type").startswith("text/html"),
                                    r.header("content-type"))
                    self.assertEqual(r.header("retry-after"), "2")
                    self.assertIn("Too many sign-ins", r.body)
                    self.assertLess(r.seconds, 1.0)

                # Meanwhile token traffic keeps its latency.
                basic = {"Authorization": harness.basic_auth(CLIENT, SECRET)}
                refreshed = post(port, "/token", {"grant_type": "refresh_token",
                                                  "refresh_token": tokens["refresh_token"]},
                                 basic, timeout=1)
                self.assertEqual(refreshed.status, 200, refreshed.body)
                fresh = refreshed.json()
                introspected = post(port, "/introspect", {"token": fresh["access_token"]},
                                    basic, timeout=1)
                self.assertEqual(introspected.status, 200, introspected.body)
                self.assertIs(introspected.json()["active"], True)
                revoked = post(port, "/revoke", {"token": fresh["refresh_token"]}, basic,
                               timeout=1)
                self.assertEqual(revoked.status, 200, revoked.body)
                # The budget was busy all along, or this proved nothing.
                self.assertFalse(all(f.done() for f in logins))

                # The admitted sign-ins are checked (wrong password), not dropped.
                results = [f.result() for f in logins]
                statuses = sorted(r.status for r in results)
                self.assertIn(401, statuses)
                self.assertEqual(set(statuses), {401, 503},
                                 [(r.status, r.body[:300]) for r in results])
            finally:
                pool.shutdown(wait=True)

            metrics = harness.request(port, "GET", "/metrics")
            self.assertEqual(metrics.status, 200)
            match = re.search(r'^auth_hashing_refused_total\{kind="sign_in"\} (\d+)$',
                              metrics.body, re.M)
            self.assertIsNotNone(match, metrics.body[:2000])
            self.assertEqual(int(match.group(1)),
                             sum("Too many sign-ins" in r.body for r in results),
                             [(r.status, r.header("retry-after"), r.body[-600:])
                              for r in results if r.status == 503])


if __name__ == "__main__":
    unittest.main()
