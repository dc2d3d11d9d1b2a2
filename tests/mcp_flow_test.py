#!/usr/bin/python3
"""/mcp through the public port of the real gateway binary: bearer protection
(RFC 6750 / RFC 9728 challenges), the Streamable HTTP transport rules, sessions
bound to the principal, and both tools, with tokens from the real OAuth flow."""
import json
import os
import socket
import unittest

import harness

GATEWAY = "gateway/gateway"
ACCEPT = "application/json, text/event-stream"


class McpFlowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.redirect = cls.base + "/callback"
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base])
        cls.token = harness.obtain_tokens(cls.port, cls.redirect)["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, message, token=None, session=None, headers=None, raw=None):
        return harness.mcp_post(self.port, token or self.token, message, session=session,
                                headers=headers, raw=raw)

    def initialize(self, token=None, version="2025-11-25"):
        response = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "mcp_flow_test", "version": "1"}}}, token=token)
        self.assertEqual(response.status, 200, response.body)
        session = response.header("mcp-session-id")
        self.assertTrue(session)
        self.assertEqual(self.post({"jsonrpc": "2.0", "method": "notifications/initialized"},
                                   token=token, session=session).status, 202)
        return response.json(), session

    # -- protection --------------------------------------------------------------
    def test_no_token_is_401_with_resource_metadata_challenge(self):
        response = harness.request(self.port, "POST", "/mcp", body="{}", headers={
            "Content-Type": "application/json", "Accept": ACCEPT})
        self.assertEqual(response.status, 401)
        challenge = response.header("www-authenticate")
        self.assertTrue(challenge.startswith("Bearer "), challenge)
        self.assertIn('resource_metadata="%s/.well-known/oauth-protected-resource/mcp"'
                      % self.base, challenge)
        self.assertIn('scope="user"', challenge)
        self.assertNotIn("error=", challenge)

    def test_bad_token_is_401_invalid_token(self):
        response = self.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, token="not-a-token")
        self.assertEqual(response.status, 401)
        self.assertIn('error="invalid_token"', response.header("www-authenticate"))

    def test_token_in_query_is_not_accepted(self):
        response = harness.request(self.port, "POST", "/mcp?access_token=" + self.token,
                                   body="{}", headers={"Content-Type": "application/json",
                                                       "Accept": ACCEPT})
        self.assertEqual(response.status, 401)

    def test_cors_preflight_allows_mcp_headers(self):
        response = harness.request(self.port, "OPTIONS", "/mcp", headers={
            "Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"})
        self.assertEqual(response.status, 204)
        allowed = response.header("access-control-allow-headers").lower()
        for header in ("authorization", "content-type", "mcp-session-id",
                       "mcp-protocol-version", "last-event-id"):
            self.assertIn(header, allowed)

    # -- lifecycle and tools ------------------------------------------------------
    def test_initialize_list_and_call_both_tools(self):
        result, session = self.initialize()
        self.assertEqual(result["result"]["protocolVersion"], "2025-11-25")
        self.assertEqual(result["result"]["serverInfo"]["name"],
                         "MCP Server with Static OAuth Client")
        self.assertIn("static-mcp-client-001", result["result"]["instructions"])
        self.assertIn("tools", result["result"]["capabilities"])

        listed = self.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, session=session)
        self.assertEqual(listed.status, 200, listed.body)
        tools = {t["name"]: t for t in listed.json()["result"]["tools"]}
        self.assertEqual(set(tools), {"get_time", "echo"})
        # The instructions name the served tools (from the registry, not a constant).
        self.assertTrue(result["result"]["instructions"].endswith("Tools: get_time, echo."),
                        result["result"]["instructions"])
        self.assertEqual(tools["echo"]["inputSchema"]["required"], ["message"])
        self.assertIn("outputSchema", tools["get_time"])

        echoed = self.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "echo", "arguments": {"message": "h\u00e9llo \U0001F30D"}}}, session=session)
        self.assertEqual(echoed.status, 200, echoed.body)
        result = echoed.json()["result"]
        self.assertEqual(result["structuredContent"], {"echo": "h\u00e9llo \U0001F30D",
                                                       "length": 7})
        self.assertEqual(json.loads(result["content"][0]["text"]), result["structuredContent"])
        self.assertFalse(result.get("isError", False))

        timed = self.post({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "get_time", "arguments": {}}}, session=session)
        now = timed.json()["result"]["structuredContent"]
        self.assertEqual(now["timezone"], "UTC")
        import time
        self.assertLess(abs(now["timestamp"] - time.time()), 30)
        self.assertEqual(len(now["formatted"]), 19)

    def test_invalid_arguments_are_a_tool_error_and_unknown_tool_is_32602(self):
        _, session = self.initialize()
        bad = self.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
            "name": "echo", "arguments": {"message": 42}}}, session=session)
        self.assertEqual(bad.status, 200)
        self.assertIs(bad.json()["result"]["isError"], True)
        unknown = self.post({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {
            "name": "nope", "arguments": {}}}, session=session)
        self.assertEqual(unknown.json()["error"]["code"], -32602)

    def test_json_rpc_errors(self):
        _, session = self.initialize()
        malformed = self.post(None, session=session, raw="{not json")
        self.assertEqual(malformed.status, 400)
        self.assertEqual(malformed.json()["error"]["code"], -32700)
        unknown = self.post({"jsonrpc": "2.0", "id": 7, "method": "no/such"}, session=session)
        self.assertEqual(unknown.json()["error"]["code"], -32601)
        invalid = self.post({"jsonrpc": "1.0", "id": 8, "method": "ping"}, session=session)
        self.assertEqual(invalid.json()["error"]["code"], -32600)
        ping = self.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, session=session)
        self.assertEqual(ping.json()["result"], {})

    def test_transport_status_codes(self):
        _, session = self.initialize()
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        self.assertEqual(self.post(ping, session=session,
                                   headers={"Accept": "application/json"}).status, 406)
        self.assertEqual(self.post(ping, session=session,
                                   headers={"Content-Type": "text/plain"}).status, 415)
        self.assertEqual(self.post(ping).status, 400)  # no session
        self.assertEqual(self.post(ping, session="bogus").status, 404)
        self.assertEqual(self.post(ping, session=session,
                                   headers={"MCP-Protocol-Version": "1999-01-01"}).status, 400)
        self.assertEqual(self.post(ping, session=session,
                                   headers={"Origin": "https://evil.example"}).status, 403)
        self.assertEqual(self.post(ping, session=session,
                                   headers={"Origin": "http://localhost:6274"}).status, 200)

    def test_dns_rebinding_host_is_refused(self):
        # http.client sets Host from the address; send a raw request instead.
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "x", "version": "1"}}}).encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: evil.example.com\r\n"
                         b"Content-Type: application/json\r\nAccept: " + ACCEPT.encode() +
                         b"\r\nAuthorization: Bearer " + self.token.encode() +
                         b"\r\nContent-Length: " + str(len(body)).encode() +
                         b"\r\nConnection: close\r\n\r\n" + body)
            reply = sock.recv(100)
        self.assertTrue(reply.startswith(b"HTTP/1.1 403"), reply)

    def test_delete_ends_session(self):
        _, session = self.initialize()
        deleted = harness.request(self.port, "DELETE", "/mcp", headers={
            "Authorization": "Bearer " + self.token, "Mcp-Session-Id": session,
            "MCP-Protocol-Version": "2025-11-25"})
        self.assertIn(deleted.status, (200, 204))
        ping = self.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, session=session)
        self.assertEqual(ping.status, 404)

    def test_session_of_another_principal_is_404(self):
        _, session = self.initialize()
        other = harness.obtain_tokens(self.port, self.redirect)["access_token"]
        # Same user and client: the same principal may use it with a new token.
        self.assertEqual(self.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, token=other,
                                   session=session).status, 200)


def password_hash(password, iterations=100000):
    """The config file's hash format: pbkdf2-sha256$<iterations>$<salt>$<hash>."""
    import base64
    import hashlib
    salt = os.urandom(16)
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    return "pbkdf2-sha256$%d$%s$%s" % (iterations, b64(salt), b64(derived))


class McpPrincipalTest(unittest.TestCase):
    """Two users from a config file."""

    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        config = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "mcp_principal_config.json")
        with open(config, "w") as f:
            json.dump({"scopes_supported": ["user", "admin"], "users": [
                {"username": "alice", "password_hash": password_hash("alice-pw")},
                {"username": "bob", "password_hash": password_hash("bob-pw")}]}, f)
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--config", config])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def call(self, token, message, session=None):
        return harness.mcp_post(self.port, token, message, session=session)

    def test_session_of_another_user_is_404(self):
        alice = harness.obtain_tokens(self.port, self.base + "/callback", username="alice",
                                      password="alice-pw")["access_token"]
        bob = harness.obtain_tokens(self.port, self.base + "/callback", username="bob",
                                    password="bob-pw")["access_token"]
        init = self.call(alice, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "x", "version": "1"}}})
        session = init.header("mcp-session-id")
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        self.assertEqual(self.call(alice, ping, session).status, 200)
        self.assertEqual(self.call(bob, ping, session).status, 404)

    def test_demo_user_is_gone_when_users_are_configured(self):
        with self.assertRaises(RuntimeError):
            harness.obtain_tokens(self.port, self.base + "/callback")


class McpRevocationTest(unittest.TestCase):
    """A revoked token stops working at /mcp: at once without the validation
    cache, and within the cache's lifetime with it."""

    def revoke_and_poll(self, cache_seconds):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess(GATEWAY, ["--port", str(port), "--grpc-listen", "127.0.0.1:0",
                                             "--public-url", base,
                                             "--token-cache-seconds", str(cache_seconds)]):
            tokens = harness.obtain_tokens(port, base + "/callback")
            ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "x", "version": "1"}}})
            headers = {"Content-Type": "application/json", "Accept": ACCEPT,
                       "Authorization": "Bearer " + tokens["access_token"]}
            self.assertEqual(harness.request(port, "POST", "/mcp", body=ping,
                                             headers=headers).status, 200)
            revoked = harness.request(port, "POST", "/revoke", body={
                "token": tokens["refresh_token"]}, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Authorization": harness.basic_auth("static-mcp-client-001",
                                                        "your-secret-key-change-this-in-production")})
            self.assertEqual(revoked.status, 200)
            import time
            started = time.monotonic()
            while harness.request(port, "POST", "/mcp", body=ping, headers=headers).status == 200:
                self.assertLess(time.monotonic() - started, cache_seconds + 5,
                                "revoked token still accepted")
                time.sleep(0.1)
            return time.monotonic() - started

    def test_revocation_is_immediate_without_cache(self):
        self.assertLess(self.revoke_and_poll(0), 0.5)

    def test_revocation_takes_effect_within_cache_lifetime(self):
        self.revoke_and_poll(1)


class McpScopeTest(unittest.TestCase):
    def test_missing_required_scope_is_403_insufficient_scope(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess(GATEWAY, ["--port", str(port), "--grpc-listen", "127.0.0.1:0",
                                             "--public-url", base,
                                             "--required-scopes", "user admin"]):
            token = harness.obtain_tokens(port, base + "/callback", scope="user")["access_token"]
            response = harness.request(port, "POST", "/mcp", body=json.dumps(
                {"jsonrpc": "2.0", "id": 1, "method": "ping"}), headers={
                    "Content-Type": "application/json", "Accept": ACCEPT,
                    "Authorization": "Bearer " + token})
            self.assertEqual(response.status, 403, response.body)
            challenge = response.header("www-authenticate")
            self.assertIn('error="insufficient_scope"', challenge)
            self.assertIn('scope="user admin"', challenge)


if __name__ == "__main__":
    unittest.main()
