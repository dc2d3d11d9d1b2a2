#!/usr/bin/python3
"""The three binaries as separate processes: auth_server and tool_server on
their own gRPC ports, and a gateway hosting no service that reaches both by
--auth-target/--tools-target. A full OAuth + MCP flow crosses all three."""
import json
import unittest

import harness


class TopologyTest(unittest.TestCase):
    def test_gateway_with_remote_services(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess("auth/auth_server", [
                "--grpc-listen", "127.0.0.1:0", "--public-url", base]) as auth, \
                harness.ServerProcess("mcp/tool_server", ["--grpc-listen", "127.0.0.1:0"]) as tools, \
                harness.ServerProcess("gateway/gateway", [
                    "--port", str(port), "--grpc-listen", "", "--public-url", base,
                    "--auth-target", "127.0.0.1:%d" % auth.ports["grpc_port"],
                    "--tools-target", "127.0.0.1:%d" % tools.ports["grpc_port"]]) as gateway:
            self.assertEqual(gateway.ports["grpc_port"], 0)  # hosts nothing itself
            health = harness.request(port, "GET", "/healthz")
            self.assertEqual(health.status, 200, health.body)

            token = harness.obtain_tokens(port, base + "/callback")["access_token"]
            headers = {"Content-Type": "application/json",
                       "Accept": "application/json, text/event-stream",
                       "Authorization": "Bearer " + token}
            init = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "topology", "version": "1"}}}), headers=headers)
            self.assertEqual(init.status, 200, init.body)
            headers["Mcp-Session-Id"] = init.header("mcp-session-id")
            headers["MCP-Protocol-Version"] = "2025-11-25"
            echoed = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": "across processes"}}}),
                headers=headers)
            self.assertEqual(echoed.json()["result"]["structuredContent"]["echo"],
                             "across processes")

            # A service going away shows in /healthz, and comes back when it does.
            self.assertEqual(tools.stop(), 0)
            self.assertEqual(harness.request(port, "GET", "/healthz").status, 503)
            failed = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": "x"}}}), headers=headers)
            self.assertEqual(failed.json()["error"]["code"], -32603)
            self.assertNotIn("127.0.0.1", failed.body)  # no internals leak


if __name__ == "__main__":
    unittest.main()
