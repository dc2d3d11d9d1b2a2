#!/usr/bin/python3
"""Throttling of failed client authentication through the real gateway: after
N wrong secrets for a client from one address, that client is refused there
with 429 + Retry-After before its secret is checked (even the right one),
while the same client from another address keeps working; a higher limit
applies over all client ids from one address. Clients on 127.0.0.2/127.0.0.3
stand for other addresses (Linux routes all of 127/8 to loopback)."""
import http.client
import json
import os
import unittest
import urllib.parse

import harness

CLIENT = "static-mcp-client-001"
SECRET = "your-secret-key-change-this-in-production"
FORM = "application/x-www-form-urlencoded"


def post(port, path, client_id, secret, source="127.0.0.1", fields=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(source, 0))
    try:
        body = {"grant_type": "refresh_token", "refresh_token": "not-a-real-token"}
        if path != "/token":
            body = {"token": "not-a-real-token"}
        body.update(fields or {})
        conn.request("POST", path, body=urllib.parse.urlencode(body), headers={
            "Content-Type": FORM, "Authorization": harness.basic_auth(client_id, secret)})
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        return harness.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                                data)
    finally:
        conn.close()


class ClientAuthThrottleTest(unittest.TestCase):
    def test_failures_throttle_client_per_address(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "",
                "--client-auth-max-failures", "3",
                "--client-auth-failure-window", "120"]) as gateway:
            port = gateway.ports["http_port"]
            for i in range(3):
                r = post(port, "/token", CLIENT, "wrong-%d" % i)
                self.assertEqual(r.status, 401, (i, r.body))
                self.assertEqual(r.json()["error"], "invalid_client")
            # The right secret from the same address is refused before it is checked.
            for path in ("/token", "/introspect", "/revoke"):
                refused = post(port, path, CLIENT, SECRET)
                self.assertEqual(refused.status, 429, (path, refused.body))
                self.assertEqual(refused.json()["error"], "temporarily_unavailable")
                self.assertEqual(refused.header("cache-control"), "no-store")
                retry = int(refused.header("retry-after"))
                self.assertTrue(1 <= retry <= 120, retry)
            # The same client from another address is unaffected.
            other = post(port, "/token", CLIENT, SECRET, source="127.0.0.2")
            self.assertEqual(other.status, 400, other.body)
            self.assertEqual(other.json()["error"], "invalid_grant")
            self.assertEqual(post(port, "/introspect", CLIENT, SECRET,
                                  source="127.0.0.2").status, 200)

    def test_per_address_limit_over_all_clients(self):
        config = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "client-auth-throttle.json")
        with open(config, "w") as f:
            json.dump({"client_auth_throttle": {"max_failures": 100, "max_failures_per_ip": 4}}, f)
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--config", config],
                env={"MCP_CLIENT_AUTH_FAILURE_WINDOW": "60",
                     "MCP_STATIC_CLIENT_SECRET": SECRET}) as gateway:
            port = gateway.ports["http_port"]
            for i in range(4):
                r = post(port, "/token", "guess-%d" % i, "x", source="127.0.0.3")
                self.assertEqual(r.status, 401, (i, r.body))
            refused = post(port, "/token", CLIENT, SECRET, source="127.0.0.3")
            self.assertEqual(refused.status, 429, refused.body)
            self.assertTrue(1 <= int(refused.header("retry-after")) <= 60)
            ok = post(port, "/token", CLIENT, SECRET)
            self.assertEqual(ok.status, 400, ok.body)  # invalid_grant: authenticated

    def test_bad_flag_is_a_startup_error(self):
        with self.assertRaises(RuntimeError) as raised:
            harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--client-auth-max-failures", "-1"])
        self.assertIn("--client-auth-max-failures", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
