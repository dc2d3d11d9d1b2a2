#!/usr/bin/python3
"""Tool backends from the config file's tool_backends, with the real binaries
and the README's example (its targets and files replaced by test ones):
one C++ tool_server behind TLS requiring client certificates (openssl test CA,
as in tls_test.py), one behind a shared secret; each backend gets its own
channel credentials from the file. Through /mcp their prefixed tools are listed
and called next to the built-in tools; entries pointing at the same servers
without the certificate or the secret are down (/healthz says so). Giving
--tools-target together with tool_backends, and --tools-prefix for a backend
that is not configured, stop the gateway with a clear message; oauth_admin
check-config lists the backends."""
import json
import os
import subprocess
import tempfile
import unittest

import harness
from readme_commands_test import block
from tls_test import make_ca, make_server_cert

SECRET = "tool-backend-secret-0123456789-abcdefghij"
ACCEPT = "application/json, text/event-stream"


class ToolBackendsConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails half way.
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)
        d = cls.tmp.name
        cls.ca = make_ca(d, "ca")
        make_ca(d, "other-ca")
        server_cert, server_key = make_server_cert(d, os.path.join(d, "ca"), "server")
        cls.client_cert, cls.client_key = make_server_cert(d, os.path.join(d, "ca"), "client")
        cls.rogue_cert, cls.rogue_key = make_server_cert(d, os.path.join(d, "other-ca"),
                                                         "rogue")
        cls.secret_file = os.path.join(d, "secret")
        with open(cls.secret_file, "w") as f:
            f.write(SECRET + "\n")
        cls.wrong_secret_file = os.path.join(d, "wrong-secret")
        with open(cls.wrong_secret_file, "w") as f:
            f.write(SECRET + "-wrong\n")
        # Not loopback, so each must be protected (and is only reachable with it).
        cls.tls_tools = harness.ServerProcess("mcp/tool_server", ["--grpc-listen", "0.0.0.0:0"],
                                              env={"MCP_GRPC_TLS_CERT": server_cert,
                                                   "MCP_GRPC_TLS_KEY": server_key,
                                                   "MCP_GRPC_TLS_CLIENT_CA": cls.ca})
        cls.addClassCleanup(cls.tls_tools.stop)
        cls.secret_tools = harness.ServerProcess("mcp/tool_server",
                                                 ["--grpc-listen", "0.0.0.0:0"],
                                                 env={"MCP_GRPC_SHARED_SECRET": SECRET})
        cls.addClassCleanup(cls.secret_tools.stop)
        cls.tls_target = "127.0.0.1:%d" % cls.tls_tools.ports["grpc_port"]
        cls.secret_target = "127.0.0.1:%d" % cls.secret_tools.ports["grpc_port"]
        # The README's example: "py" behind a shared secret, "reports" behind mTLS.
        example = json.loads(block("Writing tools in another language", "json", 0))
        py, reports = example["tool_backends"]
        assert py["name"] == "py" and reports["name"] == "reports", example
        py.update(target=cls.secret_target, shared_secret_file=cls.secret_file)
        reports.update(target=cls.tls_target, server_ca_file=cls.ca,
                       client_cert_file=cls.client_cert, client_key_file=cls.client_key)
        cls.config = cls.write_config("config.json", [
            py, reports,
            # The same servers without the right credential: down.
            {"name": "no-cert", "target": cls.tls_target, "prefix": "nocert_",
             "server_ca_file": cls.ca},
            {"name": "rogue-cert", "target": cls.tls_target, "prefix": "rogue_",
             "server_ca_file": cls.ca, "client_cert_file": cls.rogue_cert,
             "client_key_file": cls.rogue_key},
            {"name": "wrong-secret", "target": cls.secret_target, "prefix": "wrong_",
             "shared_secret_file": cls.wrong_secret_file}])
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.gateway = harness.ServerProcess("gateway/gateway", [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--config", cls.config])
        cls.addClassCleanup(cls.gateway.stop)
        cls.token = harness.obtain_tokens(cls.port, cls.base + "/callback")["access_token"]

    @classmethod
    def write_config(cls, name, backends):
        path = os.path.join(cls.tmp.name, name)
        with open(path, "w") as f:
            json.dump({"tool_backends": backends}, f)
        return path

    def mcp(self, method, params, session=None):
        headers = {"Content-Type": "application/json", "Accept": ACCEPT,
                   "Authorization": "Bearer " + self.token}
        if session:
            headers.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
        return harness.request(self.port, "POST", "/mcp", body=json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}), headers=headers)

    def session(self):
        init = self.mcp("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                       "clientInfo": {"name": "config-backends", "version": "1"}})
        self.assertEqual(init.status, 200, init.body)
        return init.header("mcp-session-id")

    def test_each_backend_uses_its_own_credentials(self):
        health = harness.request(self.port, "GET", "/healthz")
        self.assertEqual(health.json()["tool_backends"], {
            "builtin": "up", "py": "up", "reports": "up", "no-cert": "down",
            "rogue-cert": "down", "wrong-secret": "down"}, health.body)

    def test_tools_of_both_protected_backends_are_listed_and_called(self):
        session = self.session()
        names = []
        cursor = None
        while True:
            listed = self.mcp("tools/list", {"cursor": cursor} if cursor else {}, session).json()
            names += [tool["name"] for tool in listed["result"]["tools"]]
            cursor = listed["result"].get("nextCursor")
            if not cursor:
                break
        for name in ("echo", "reports_echo", "py_echo"):
            self.assertIn(name, names)
        for name in names:
            self.assertFalse(name.startswith(("nocert_", "rogue_", "wrong_")), names)
        for name, message in (("reports_echo", "over mTLS"), ("py_echo", "with the secret")):
            called = self.mcp("tools/call", {"name": name, "arguments": {"message": message}},
                              session).json()
            self.assertEqual(called["result"]["structuredContent"]["echo"], message, called)
        self.assertNotIn(SECRET, self.gateway.read_log())

    def test_check_config_lists_the_backends(self):
        result = subprocess.run([harness.runfile("auth/oauth_admin"), "check-config",
                                 self.config], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("tool backends: 5\n  py: %s, prefix py_, plaintext, shared secret from %s\n"
                      "  reports: %s, prefix reports_, TLS (CA %s), client certificate %s\n"
                      % (self.secret_target, self.secret_file, self.tls_target, self.ca,
                         self.client_cert), result.stdout)
        self.assertNotIn(SECRET, result.stdout)

    def run_gateway(self, *args):
        return subprocess.run([harness.runfile("gateway/gateway"), "--port", "0", "--grpc-listen",
                               "127.0.0.1:0", "--store", "memory"] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_flags_and_config_together_are_refused(self):
        result = self.run_gateway("--config", self.config, "--tools-target", self.secret_target)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("tool backends come from --tools-target (or MCP_TOOLS_TARGET) or from the "
                      "config file's tool_backends, not both", result.stderr)

    def test_prefix_for_an_unknown_backend_is_refused(self):
        result = self.run_gateway("--config", self.config, "--tools-prefix", "nosuch=x_")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--tools-prefix: 'nosuch=x_' must be NAME=PREFIX for a --tools-target or "
                      "tool_backends name, or builtin", result.stderr)

    def test_config_errors_stop_the_gateway(self):
        bad = self.write_config("bad.json", [{"name": "a"}, {"name": "b", "target": "h:1",
                                                              "shared_secret_file": "/nonexistent"}])
        result = self.run_gateway("--config", bad)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("config tool_backends[0].target: is required", result.stderr)
        self.assertIn("config tool_backends[1].shared_secret_file: cannot read /nonexistent",
                      result.stderr)


if __name__ == "__main__":
    unittest.main()
