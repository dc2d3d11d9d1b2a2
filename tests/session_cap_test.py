#!/usr/bin/python3
"""The cap on concurrent MCP sessions per principal through the real gateway:
initialize beyond --max-sessions-per-principal answers HTTP 429 with a
JSON-RPC error carrying the request's id; a second token of the same user and
client counts against the same cap; ending a session frees its place; a bad
value is a startup error. (Other principals being unaffected and idle expiry
are covered by //mcp/protocol:session_cap_test.)"""
import json
import unittest

import harness

ACCEPT = "application/json, text/event-stream"


def initialize(port, token, request_id=1):
    return harness.request(port, "POST", "/mcp", body=json.dumps({
        "jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "session-cap", "version": "1"}}}), headers={
                "Content-Type": "application/json", "Accept": ACCEPT,
                "Authorization": "Bearer " + token})


class SessionCapTest(unittest.TestCase):
    def test_cap_per_principal(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess("gateway/gateway", [
                "--port", str(port), "--grpc-listen", "", "--public-url", base],
                env={"MCP_MAX_SESSIONS_PER_PRINCIPAL": "2"}):
            token = harness.obtain_tokens(port, base + "/callback")["access_token"]
            first = initialize(port, token)
            self.assertEqual(first.status, 200, first.body)
            self.assertEqual(initialize(port, token).status, 200)

            refused = initialize(port, token, request_id="third")
            self.assertEqual(refused.status, 429, refused.body)
            self.assertIsNone(refused.header("mcp-session-id"))
            body = refused.json()
            self.assertEqual(body["id"], "third")
            self.assertEqual(body["error"]["code"], -32000)
            self.assertIn("already has 2 open MCP sessions", body["error"]["message"])

            # A second token of the same user and client is the same principal.
            other_token = harness.obtain_tokens(port, base + "/callback")["access_token"]
            self.assertEqual(initialize(port, other_token).status, 429)

            ended = harness.request(port, "DELETE", "/mcp", headers={
                "Mcp-Session-Id": first.header("mcp-session-id"),
                "MCP-Protocol-Version": "2025-11-25", "Authorization": "Bearer " + token})
            self.assertEqual(ended.status, 200, ended.body)
            self.assertEqual(initialize(port, token).status, 200)

    def test_bad_value_is_a_startup_error(self):
        with self.assertRaises(RuntimeError) as raised:
            harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--max-sessions-per-principal", "-1"])
        self.assertIn("--max-sessions-per-principal", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
