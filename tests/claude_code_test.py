#!/usr/bin/python3
"""The README's Claude Code lines, run verbatim (the port aside) with the real
Claude Code CLI (npm @anthropic-ai/claude-code, pinned in
tests/e2e/package.json) against the real gateway, in a private HOME: `claude
mcp add` stores the server with the pre-registered client id and the secret
from MCP_CLIENT_SECRET, and `claude mcp get` connects, is refused with 401,
discovers the protected-resource and authorization-server metadata, and
reports that the server needs authentication. The sign-in itself is
interactive in Claude Code (/mcp opens a browser); the same OAuth flow through
the same TypeScript SDK runs headless in tests/e2e/sdk_client_test.mjs. Here
the authorization request Claude Code would make (its loopback callback on
the documented port) is checked to reach the sign-in page."""
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse

import harness
from readme_commands_test import block, commands

# tests/e2e/node_modules is not a Bazel input (see tests/e2e/run_node_test.sh):
# this file's runfiles entry links back into the source tree, whose
# tests/e2e/node_modules holds the pinned packages.
E2E = os.path.join(os.path.dirname(os.path.realpath(__file__)), "e2e")
CLAUDE = os.path.join(E2E, "node_modules", "@anthropic-ai", "claude-code-linux-x64", "claude")


class ClaudeCodeTest(unittest.TestCase):
    def test_readme_lines(self):
        self.assertTrue(os.access(CLAUDE, os.X_OK),
                        "%s is missing: (cd tests/e2e && npm ci) installs it "
                        "(./bazelw test does this)" % CLAUDE)
        lines = commands(block("Connecting clients", "sh", 1))
        self.assertEqual(len(lines), 2, lines)
        root = tempfile.mkdtemp(prefix="claude_code_", dir=os.environ.get("TEST_TMPDIR"))
        home, project, bin_dir = (os.path.join(root, d) for d in ("home", "project", "bin"))
        for d in (home, project, bin_dir):
            os.makedirs(d)
        os.symlink(CLAUDE, os.path.join(bin_dir, "claude"))
        env = dict(os.environ, HOME=home, PATH=bin_dir + os.pathsep + os.environ["PATH"],
                   DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                   DISABLE_TELEMETRY="1")
        env.pop("XDG_CONFIG_HOME", None)
        port = harness.free_port()
        with harness.ServerProcess("gateway/gateway", [
                "--port", str(port), "--grpc-listen", "127.0.0.1:0"]) as gateway:
            outputs = []
            for line in lines:
                result = subprocess.run(
                    ["/bin/bash", "-c", line.replace("localhost:9003", "localhost:%d" % port)],
                    cwd=project, env=env, capture_output=True, text=True, timeout=120)
                self.assertEqual(result.returncode, 0, (line, result.stdout, result.stderr))
                outputs.append(result.stdout)
            log = gateway.read_log()

        self.assertIn("Added HTTP MCP server mcp-oauth", outputs[0])
        shown = outputs[1]
        self.assertIn("URL: http://localhost:%d/mcp" % port, shown)
        self.assertIn("Needs authentication", shown)
        self.assertRegex(shown, r"client_id configured, client_secret configured, "
                                r"callback_port 8080")
        # What Claude Code stored: the server and the client id (the secret
        # goes to its credential store, not the config).
        with open(os.path.join(home, ".claude.json")) as f:
            config = json.load(f)
        servers = [p["mcpServers"]["mcp-oauth"] for p in config.get("projects", {}).values()
                   if "mcp-oauth" in p.get("mcpServers", {})]
        self.assertEqual(len(servers), 1, config)
        self.assertEqual(servers[0]["oauth"]["clientId"], "static-mcp-client-001")
        self.assertNotIn("your-secret-key-change-this-in-production", json.dumps(config))

        # The gateway saw Claude Code's discovery: 401 at /mcp, then metadata.
        records = [json.loads(l) for l in log.splitlines() if l.startswith('{"time"')]
        seen = {(r["method"], r["route"], r["status"]) for r in records}
        self.assertIn(("POST", "/mcp", 401), seen)
        self.assertIn(("GET", "/.well-known/oauth-protected-resource/mcp", 200), seen)
        self.assertIn(("GET", "/.well-known/oauth-authorization-server", 200), seen)

    def test_callback_is_accepted(self):
        (add, _) = commands(block("Connecting clients", "sh", 1))
        callback_port = re.search(r"--callback-port (\d+)", add).group(1)
        port = harness.free_port()
        with harness.ServerProcess("gateway/gateway", [
                "--port", str(port), "--grpc-listen", "127.0.0.1:0"]):
            started = harness.request(port, "GET", "/authorize?" + urllib.parse.urlencode({
                "response_type": "code", "client_id": "static-mcp-client-001",
                "redirect_uri": "http://localhost:%s/callback" % callback_port, "state": "s",
                "code_challenge": harness.pkce_pair()[1], "code_challenge_method": "S256",
                "resource": "http://localhost:%d/mcp" % port}))
        self.assertEqual(started.status, 302, started.body[:300])
        self.assertTrue(started.header("location").startswith("/login?"))


if __name__ == "__main__":
    unittest.main()
