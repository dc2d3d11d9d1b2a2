#!/usr/bin/python3
"""Operability through the real gateway binary: request ids (accepted, replaced
when insane, returned, propagated to AuthService and ToolService log lines via
gRPC metadata), JSON access-log lines (fields, no query strings, principal on
/mcp, --access-log off, --log-level warning) and GET /metrics (only with
--metrics; HTTP, token, MCP session/stream and gRPC client series)."""
import json
import os
import re
import socket
import time
import unittest
import urllib.parse

import harness

GATEWAY = "gateway/gateway"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def access_lines(log):
    """The access-log records in a server log (one JSON object per line)."""
    records = []
    for line in log.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("type") == "access":
                records.append(record)
    return records


def wait_for(predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def metric_value(text, series):
    """The value of one exact series line (name plus labels), or None."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[-1])
    return None


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.redirect = cls.base + "/callback"
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--metrics", "--log-level", "debug"])
        cls.tokens = harness.obtain_tokens(cls.port, cls.redirect)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def mcp(self, message, session=None, request_id=None):
        return harness.mcp_post(self.port, self.tokens["access_token"], message, session=session,
                                headers={"X-Request-Id": request_id} if request_id else None)

    def initialize(self):
        response = self.mcp({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "observability_test", "version": "1"}}})
        self.assertEqual(response.status, 200, response.body)
        return response.header("mcp-session-id")

    def record_for(self, request_id):
        return wait_for(lambda: next((r for r in access_lines(self.server.read_log())
                                      if r["request_id"] == request_id), None))

    # -- request ids -------------------------------------------------------------
    def test_sane_request_id_is_kept_returned_and_logged(self):
        response = harness.request(self.port, "GET", "/healthz",
                                   headers={"X-Request-Id": "itest-health-1"})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("x-request-id"), "itest-health-1")
        record = self.record_for("itest-health-1")
        self.assertIsNotNone(record)
        self.assertEqual(record["method"], "GET")
        self.assertEqual(record["route"], "/healthz")
        self.assertEqual(record["status"], 200)
        self.assertEqual(record["remote_ip"], "127.0.0.1")
        self.assertIsInstance(record["latency_ms"], (int, float))
        self.assertRegex(record["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_insane_request_id_is_replaced(self):
        for bad in ["has space", "x" * 129, "caf\u00e9"]:
            response = harness.request(self.port, "GET", "/healthz",
                                       headers={"X-Request-Id": bad.encode("utf-8")})
            returned = response.header("x-request-id")
            # A generated id: the process's random prefix (96 bits, base64url),
            # "-", a hexadecimal counter (common/request_id.h).
            self.assertRegex(returned, r"^[A-Za-z0-9_-]{16}-[0-9a-f]+$")
        a = harness.request(self.port, "GET", "/healthz").header("x-request-id")
        b = harness.request(self.port, "GET", "/healthz").header("x-request-id")
        self.assertNotEqual(a, b)

    def test_request_id_reaches_auth_service_logs(self):
        response = harness.request(self.port, "POST", "/token", body={
            "grant_type": "refresh_token", "refresh_token": "not-a-real-token"}, headers=dict(
                FORM, Authorization=harness.basic_auth(
                    "static-mcp-client-001", "your-secret-key-change-this-in-production"),
                **{"X-Request-Id": "itest-token-7"}))
        self.assertEqual(response.status, 400)
        self.assertEqual(response.header("x-request-id"), "itest-token-7")
        line = wait_for(lambda: re.search(
            r"request_id=itest-token-7 auth: token grant refresh_token refused: invalid_grant",
            self.server.read_log()))
        self.assertIsNotNone(line, self.server.read_log()[-3000:])

    def test_request_id_reaches_tool_service_logs_and_principal_is_logged(self):
        session = self.initialize()
        response = self.mcp({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                             "params": {"name": "echo", "arguments": {"message": "hi"}}},
                            session=session, request_id="itest-tool-3")
        self.assertEqual(response.status, 200, response.body)
        self.assertIsNotNone(wait_for(lambda: re.search(
            r"request_id=itest-tool-3 tools: calling 'echo'", self.server.read_log())))
        record = self.record_for("itest-tool-3")
        self.assertEqual(record["route"], "/mcp")
        self.assertEqual(record["client_id"], "static-mcp-client-001")
        self.assertEqual(record["user"], "demo_user")

    # -- access log --------------------------------------------------------------
    def test_query_strings_are_never_logged(self):
        secret_state = "st-" + "q" * 20
        harness.request(self.port, "GET", "/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": "static-mcp-client-001",
            "state": secret_state, "code": "cd-secretcode"}),
            headers={"X-Request-Id": "itest-query"})
        record = self.record_for("itest-query")
        self.assertEqual(record["route"], "/authorize")
        log = self.server.read_log()
        self.assertNotIn(secret_state, log)
        self.assertNotIn("cd-secretcode", log)
        # Tokens obtained in setUpClass never reach the log either.
        self.assertNotIn(self.tokens["access_token"], log)
        self.assertNotIn(self.tokens["refresh_token"], log)

    def test_every_access_line_is_one_json_object(self):
        harness.request(self.port, "GET", "/no/such/thing", headers={"X-Request-Id": "itest-404"})
        record = self.record_for("itest-404")
        self.assertEqual(record["status"], 404)
        self.assertNotIn("client_id", record)
        for line in self.server.read_log().splitlines():
            if line.startswith("{"):
                json.loads(line)

    # -- metrics -----------------------------------------------------------------
    def test_metrics(self):
        session = self.initialize()
        self.mcp({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, session=session)
        harness.request(self.port, "GET", "/healthz")
        harness.request(self.port, "GET", "/definitely/unknown/path")
        harness.request(self.port, "POST", "/token", body={
            "grant_type": "authorization_code", "code": "bogus", "redirect_uri": self.redirect,
            "code_verifier": "x" * 43}, headers=dict(FORM, Authorization=harness.basic_auth(
                "static-mcp-client-001", "your-secret-key-change-this-in-production")))
        # An open SSE stream counts while it is open.
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            sock.sendall(("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
                          "Authorization: Bearer %s\r\nMcp-Session-Id: %s\r\n"
                          "MCP-Protocol-Version: 2025-11-25\r\n\r\n"
                          % (self.port, self.tokens["access_token"], session)).encode())
            self.assertIn(b"200", sock.recv(4096))
            # The client can read the headers before the server has attached
            # the stream (and counted it): poll, within a bound.
            deadline = time.monotonic() + 10
            while True:
                response = harness.request(self.port, "GET", "/metrics")
                self.assertEqual(response.status, 200)
                text = response.body
                if (metric_value(text, "mcp_open_sse_streams") or 0) >= 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertTrue(response.header("content-type").startswith("text/plain; version=0.0.4"))
            self.assertGreaterEqual(metric_value(text, "mcp_open_sse_streams"), 1)
        finally:
            sock.close()
        self.assertGreaterEqual(
            metric_value(text, 'http_requests_total{route="/healthz",status="200"}'), 1)
        self.assertGreaterEqual(
            metric_value(text, 'http_requests_total{route="other",status="404"}'), 1)
        self.assertNotIn("definitely", text)
        self.assertGreaterEqual(
            metric_value(text, 'http_request_duration_seconds_count{route="/mcp"}'), 2)
        self.assertIn('http_request_duration_seconds_bucket{route="/mcp",le="+Inf"}', text)
        self.assertGreaterEqual(
            metric_value(text, 'oauth_token_grants_total{grant_type="authorization_code"}'), 1)
        self.assertGreaterEqual(metric_value(
            text, 'oauth_token_failures_total{grant_type="authorization_code",'
                  'error="invalid_grant"}'), 1)
        self.assertGreaterEqual(metric_value(text, "mcp_active_sessions"), 1)
        for method in ["AuthService/Token", "AuthService/ValidateAccessToken",
                       "ToolService/ListTools", "Health/Check"]:
            self.assertGreaterEqual(metric_value(
                text, 'grpc_client_call_duration_seconds_count{method="%s"}' % method), 1,
                method)
        # The stream's end is counted too.
        closed = wait_for(lambda: metric_value(
            harness.request(self.port, "GET", "/metrics").body, "mcp_open_sse_streams") == 0)
        self.assertTrue(closed)


class SwitchesTest(unittest.TestCase):
    def test_metrics_off_by_default_and_access_log_off(self):
        with harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen", "127.0.0.1:0",
                                             "--access-log", "off"]) as server:
            port = server.ports["http_port"]
            self.assertEqual(harness.request(port, "GET", "/metrics").status, 404)
            self.assertEqual(harness.request(port, "GET", "/healthz").status, 200)
            time.sleep(0.2)
            self.assertEqual(access_lines(server.read_log()), [])

    def test_log_level_warning_silences_access_lines(self):
        with harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen", "127.0.0.1:0",
                                             "--log-level", "warning"]) as server:
            port = server.ports["http_port"]
            self.assertEqual(harness.request(port, "GET", "/healthz").status, 200)
            time.sleep(0.2)
            self.assertEqual(access_lines(server.read_log()), [])

    def test_plain_http_public_url_needs_a_tls_proxy(self):
        import subprocess
        result = subprocess.run([harness.runfile(GATEWAY), "--port", "0", "--grpc-listen", "",
                                 "--store", "memory", "--public-url", "http://mcp.example.com"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("neither https nor loopback", result.stderr)
        with harness.ServerProcess(GATEWAY, [
                "--port", "0", "--grpc-listen", "127.0.0.1:0", "--public-url",
                "http://mcp.example.com", "--behind-tls-proxy",
                "--trusted-proxies", "127.0.0.1"]) as server:
            self.assertEqual(harness.request(server.ports["http_port"], "GET", "/healthz").status,
                             200)

    def test_tls_proxy_without_trusted_proxies_is_refused(self):
        # Behind a proxy without its address every client would be the proxy:
        # one throttled client would throttle everyone.
        import subprocess
        base = [harness.runfile(GATEWAY), "--port", "0", "--grpc-listen", "",
                "--store", "memory", "--public-url", "http://mcp.example.com"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCP_")}
        for args, extra_env in [(["--behind-tls-proxy"], {}),
                                ([], {"MCP_BEHIND_TLS_PROXY": "on"})]:
            result = subprocess.run(base + args, capture_output=True, text=True, timeout=30,
                                    env=dict(env, **extra_env))
            self.assertEqual(result.returncode, 2, (args, extra_env, result.stderr))
            self.assertIn("--behind-tls-proxy needs --trusted-proxies", result.stderr)
            self.assertIn("MCP_TRUSTED_PROXIES", result.stderr)
        # The proxy's address from the environment counts like the flag.
        with harness.ServerProcess(GATEWAY, [
                "--port", "0", "--grpc-listen", "127.0.0.1:0", "--public-url",
                "http://mcp.example.com"],
                env={"MCP_BEHIND_TLS_PROXY": "on",
                     "MCP_TRUSTED_PROXIES": "127.0.0.1"}) as server:
            self.assertEqual(harness.request(server.ports["http_port"], "GET", "/healthz").status,
                             200)

    def test_forwarded_headers_only_from_trusted_proxies(self):
        for trusted, expected_ip, expected_proto in [("127.0.0.1", "203.0.113.9", "https"),
                                                     ("10.9.9.9", "127.0.0.1", None)]:
            with harness.ServerProcess(GATEWAY, [
                    "--port", "0", "--grpc-listen", "127.0.0.1:0",
                    "--trusted-proxies", trusted]) as server:
                port = server.ports["http_port"]
                harness.request(port, "GET", "/healthz", headers={
                    "X-Forwarded-For": "198.51.100.1, 203.0.113.9",
                    "X-Forwarded-Proto": "https", "X-Request-Id": "xff-1"})
                record = wait_for(lambda: next((r for r in access_lines(server.read_log())
                                                if r["request_id"] == "xff-1"), None))
                self.assertEqual(record["remote_ip"], expected_ip, trusted)
                self.assertEqual(record.get("proto"), expected_proto, trusted)

    def test_bad_switch_is_refused(self):
        import subprocess
        result = subprocess.run([harness.runfile(GATEWAY), "--access-log", "maybe"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--access-log", result.stderr)


if __name__ == "__main__":
    unittest.main()
