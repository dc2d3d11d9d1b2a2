#!/usr/bin/python3
"""/authorize limits through the real gateway (issue #13, hostile item 9):
each accepted request stores a pending authorization, so requests are rate
limited per client address (an HTML 429 + Retry-After) and pending
authorizations are capped in all (an HTML 503 + Retry-After). Clients on
127.0.0.x stand for other addresses (Linux routes all of 127/8 to loopback)."""
import http.client
import unittest
import urllib.parse

import harness

REDIRECT = "http://127.0.0.1:9/callback"


def authorize(port, source="127.0.0.1"):
    _, challenge = harness.pkce_pair()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "static-mcp-client-001",
        "redirect_uri": REDIRECT, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.request("GET", "/authorize?" + query)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        return harness.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


class AuthorizeLimitsTest(unittest.TestCase):
    def test_rate_limited_per_address(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--redirect-uris", REDIRECT,
                "--authorize-rate-limit", "0.01", "--authorize-rate-burst", "3"]) as gateway:
            port = gateway.ports["http_port"]
            for i in range(3):
                r = authorize(port, "127.0.0.2")
                self.assertEqual(r.status, 302, (i, r.body))
                self.assertTrue(r.header("location").startswith("/login?"))
            limited = authorize(port, "127.0.0.2")
            self.assertEqual(limited.status, 429, limited.body)
            self.assertTrue(limited.header("content-type").startswith("text/html"))
            self.assertIn("Too many authorization requests from this address", limited.body)
            self.assertTrue(1 <= int(limited.header("retry-after")) <= 100,
                            limited.header("retry-after"))
            self.assertIsNone(limited.header("location"))
            # Another address is unaffected.
            self.assertEqual(authorize(port, "127.0.0.3").status, 302)

    def test_pending_authorizations_are_capped(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--redirect-uris", REDIRECT],
                env={"MCP_MAX_PENDING_AUTHORIZATIONS": "4"}) as gateway:
            port = gateway.ports["http_port"]
            # From four addresses, so that the rate limit is not what stops them.
            for i in range(4):
                r = authorize(port, "127.0.1.%d" % (i + 1))
                self.assertEqual(r.status, 302, (i, r.body))
            full = authorize(port, "127.0.1.9")
            self.assertEqual(full.status, 503, full.body)
            self.assertTrue(full.header("content-type").startswith("text/html"))
            self.assertIn("Too many sign-ins are in progress", full.body)
            self.assertEqual(full.header("retry-after"), "60")
            self.assertIsNone(full.header("location"))

    def test_bad_values_are_refused_at_startup(self):
        import subprocess
        for args in (["--authorize-rate-limit=-1"], ["--authorize-rate-burst=0"],
                     ["--max-pending-authorizations=many"]):
            result = subprocess.run([harness.runfile("gateway/gateway"), "--port", "0",
                                     "--grpc-listen", "", "--store", "memory"] + args,
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn(args[0].split("=")[0], result.stderr)


if __name__ == "__main__":
    unittest.main()
