#!/usr/bin/python3
"""The gateway binary as one process with two faces: public HTTP and internal
gRPC (health, reflection), started on port 0, stopped with SIGTERM."""
import signal
import socket
import unittest

import grpc

import harness
from reflection_client import ReflectionClient

GATEWAY = "gateway/gateway"


class FoundationTest(unittest.TestCase):
    def setUp(self):
        self.server = harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen",
                                                      "127.0.0.1:0"])
        self.http = self.server.ports["http_port"]
        self.grpc_target = "127.0.0.1:%d" % self.server.ports["grpc_port"]

    def tearDown(self):
        self.server.stop()

    def test_healthz_reports_both_services_serving(self):
        response = harness.request(self.http, "GET", "/healthz")
        self.assertEqual(response.status, 200, response.body)
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["services"]["mcp_oauth.auth.v1.AuthService"], "SERVING")
        self.assertEqual(body["services"]["mcp_oauth.tools.v1.ToolService"], "SERVING")

    def test_unknown_route_is_404_and_wrong_method_is_405_with_allow(self):
        self.assertEqual(harness.request(self.http, "GET", "/no-such-thing").status, 404)
        response = harness.request(self.http, "DELETE", "/healthz")
        self.assertEqual(response.status, 405)
        self.assertIn("GET", response.header("allow"))

    def test_malformed_http_gets_400_and_connection_closed(self):
        with socket.create_connection(("127.0.0.1", self.http), timeout=10) as sock:
            sock.sendall(b"GARBAGE\x01 / HTTP/1.1\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:80])

    def test_reflection_lists_services_and_calls_health_without_stubs(self):
        client = ReflectionClient(self.grpc_target)
        try:
            services = client.list_services()
            self.assertIn("mcp_oauth.auth.v1.AuthService", services)
            self.assertIn("mcp_oauth.tools.v1.ToolService", services)
            self.assertIn("grpc.health.v1.Health", services)
            auth = client.describe_service("mcp_oauth.auth.v1.AuthService")
            self.assertIn("Token", [m.name for m in auth.methods])
            self.assertIn("ValidateAccessToken", [m.name for m in auth.methods])
            tools = client.describe_service("mcp_oauth.tools.v1.ToolService")
            self.assertEqual(sorted(m.name for m in tools.methods),
                             ["CallTool", "CallToolMux", "CallToolStream", "ListTools", "WatchTools"])
            for service in ("mcp_oauth.auth.v1.AuthService", "mcp_oauth.tools.v1.ToolService"):
                reply = client.call("grpc.health.v1.Health", "Check",
                                    '{"service": "%s"}' % service)
                self.assertEqual(reply["status"], "SERVING")
            with self.assertRaises(grpc.RpcError) as error:
                client.call("grpc.health.v1.Health", "Check", '{"service": "no.such.Service"}')
            self.assertEqual(error.exception.code(), grpc.StatusCode.NOT_FOUND)
        finally:
            client.close()

    def test_internal_callers_run_tools_through_reflection(self):
        client = ReflectionClient(self.grpc_target)
        try:
            reply = client.call("mcp_oauth.tools.v1.ToolService", "CallTool",
                                '{"name": "echo", "arguments": {"message": "h\u00e9llo"},'
                                ' "caller": {"subject": "internal"}}')
            self.assertEqual(reply["structured_content"]["echo"], "h\u00e9llo")
            self.assertEqual(reply["structured_content"]["length"], 5)
            page = client.call("mcp_oauth.tools.v1.ToolService", "ListTools", '{"page_size": 1}')
            self.assertEqual(len(page["tools"]), 1)
            self.assertTrue(page["next_page_token"])
            with self.assertRaises(grpc.RpcError) as error:
                client.call("mcp_oauth.tools.v1.ToolService", "CallTool", '{"name": "nope"}')
            self.assertEqual(error.exception.code(), grpc.StatusCode.NOT_FOUND)
        finally:
            client.close()

    def test_sigterm_exits_zero_and_releases_ports(self):
        self.assertEqual(self.server.stop(signal.SIGTERM), 0)
        for port in (self.http, self.server.ports["grpc_port"]):
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", port))  # fails if still held


class FlagsTest(unittest.TestCase):
    def test_env_port_and_hyphenated_flags(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            free_port = sock.getsockname()[1]
        with harness.ServerProcess(GATEWAY, ["--grpc_listen=127.0.0.1:0"],
                                   env={"MCP_STATIC_PORT": str(free_port),
                                        "MCP_STATIC_HOST": "127.0.0.1"}) as server:
            self.assertEqual(server.ports["http_port"], free_port)
            self.assertEqual(harness.request(free_port, "GET", "/healthz").status, 200)

    def test_unknown_flag_fails_with_message(self):
        import subprocess
        result = subprocess.run([harness.runfile(GATEWAY), "--no-such-flag"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--no-such-flag", result.stderr)


if __name__ == "__main__":
    unittest.main()
