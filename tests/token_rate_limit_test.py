#!/usr/bin/python3
"""/token rate limit per client through the real gateway: over a small
configured limit the next request answers 429 with Retry-After and an RFC 6749
error body; other clients are unaffected; the default allows bursts."""
import json
import os
import unittest

import harness

SECRET = "your-secret-key-change-this-in-production"
FORM = "application/x-www-form-urlencoded"


def bogus_refresh(port, client_id="static-mcp-client-001", secret=SECRET):
    return harness.request(port, "POST", "/token", body={
        "grant_type": "refresh_token", "refresh_token": "not-a-real-token"}, headers={
            "Content-Type": FORM, "Authorization": harness.basic_auth(client_id, secret)})


class TokenRateLimitTest(unittest.TestCase):
    def test_small_limit_from_flags(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "",
                "--token-rate-limit", "0.2", "--token-rate-burst", "3"]) as gateway:
            port = gateway.ports["http_port"]
            for i in range(3):
                r = bogus_refresh(port)
                self.assertEqual(r.status, 400, (i, r.body))
                self.assertEqual(r.json()["error"], "invalid_grant")
            limited = bogus_refresh(port)
            self.assertEqual(limited.status, 429, limited.body)
            self.assertEqual(limited.header("retry-after"), "5")  # one request per 5 s
            self.assertEqual(limited.header("cache-control"), "no-store")
            body = limited.json()
            self.assertEqual(body["error"], "temporarily_unavailable")
            self.assertIn("retry after 5 s", body["error_description"])
            # A caller without the client's secret is refused for that, and
            # does not consume (or see) the client's budget.
            wrong = bogus_refresh(port, secret="wrong")
            self.assertEqual(wrong.status, 401, wrong.body)
            self.assertEqual(wrong.json()["error"], "invalid_client")

    def test_config_file_and_env(self):
        config = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "rate-limit-config.json")
        with open(config, "w") as f:
            json.dump({"token_rate_limit": {"requests_per_second": 0.5, "burst": 1}}, f)
        # The file's rate (one per 2 s) with the environment's burst of 2.
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--config", config],
                env={"MCP_TOKEN_RATE_BURST": "2"}) as gateway:
            port = gateway.ports["http_port"]
            self.assertEqual(bogus_refresh(port).status, 400)
            self.assertEqual(bogus_refresh(port).status, 400)
            limited = bogus_refresh(port)
            self.assertEqual(limited.status, 429, limited.body)
            self.assertEqual(limited.header("retry-after"), "2")

    def test_default_allows_bursts(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", ""]) as gateway:
            port = gateway.ports["http_port"]
            for i in range(60):
                r = bogus_refresh(port)
                self.assertEqual(r.status, 400, (i, r.body))

    def test_bad_flag_is_a_startup_error(self):
        with self.assertRaises(RuntimeError) as raised:
            harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--token-rate-limit", "lots"])
        self.assertIn("--token-rate-limit", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
