#!/usr/bin/python3
"""The README's operations sections are true: runs the commands of its
"Observability" block against the real gateway (the gateway command with the
port replaced by a free one; the curl commands pointed at it), checks that the
documented access-log example has the fields real records have, runs the
systemd unit's ExecStart line (binary, certificate, config, store path and port
replaced by test ones: a certificate made with the openssl CLI) with
gateway/config.example.json through sign-in, refresh and client_credentials
flows over HTTPS, its ExecReload line (SIGHUP: certificate reloaded) and a
SIGTERM, and checks that the reference-config table names every field the
example file uses."""
import json
import os
import re
import shlex
import signal
import ssl
import subprocess
import time
import unittest
import urllib.parse

import harness

GATEWAY = "gateway/gateway"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ACCEPT = "application/json, text/event-stream"


def readme():
    with open(harness.runfile("README.md")) as f:
        return f.read()


def section(text, title):
    start = text.index("\n## %s\n" % title)
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def code_blocks(text, language):
    return re.findall(r"```%s\n(.*?)```" % language, text, re.S)


def make_certificates(directory):
    """A test CA and a localhost certificate it signed (openssl CLI); returns
    (cert, key, ca) paths."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=readme test CA")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return tuple(os.path.join(directory, name) for name in ("server.pem", "server.key", "ca.pem"))


def field_paths(value, prefix=""):
    """Dotted paths of every key, with [] for array elements."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = prefix + ("." if prefix else "") + key
            paths.add(path)
            paths |= field_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= field_paths(item, prefix + "[]")
    return paths


class ReadmeOpsTest(unittest.TestCase):
    def test_observability_commands(self):
        text = section(readme(), "Observability")
        commands = [line for line in code_blocks(text, "sh")[0].splitlines() if line.strip()]
        self.assertTrue(commands[0].startswith("bazel-bin/gateway/gateway "), commands[0])
        port = harness.free_port()
        args = shlex.split(commands[0])[1:] + ["--port", str(port), "--grpc-listen", "127.0.0.1:0"]
        with harness.ServerProcess(GATEWAY, args) as server:
            outputs = []
            for command in commands[1:]:
                self.assertTrue(command.startswith("curl "), command)
                argv = shlex.split(command.replace("localhost:9003", "127.0.0.1:%d" % port))
                result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 0, (command, result.stderr))
                outputs.append(result.stdout)
            self.assertIn("# TYPE http_request_duration_seconds histogram", outputs[0])
            self.assertRegex(outputs[1], r"(?i)x-request-id: deploy-check-1\r?\n")
            self.assertIn("HTTP/1.1 200", outputs[1])

            # The documented access-log record has the fields a real /mcp one has.
            tokens = harness.obtain_tokens(port, "http://localhost:%d/callback" % port)
            response = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "readme", "version": "1"}}}), headers={
                "Authorization": "Bearer " + tokens["access_token"], "Accept": ACCEPT,
                "Content-Type": "application/json", "X-Request-Id": "readme-mcp"})
            self.assertEqual(response.status, 200, response.body)
            documented = json.loads(code_blocks(text, "json")[0])
            # The line follows the response within milliseconds (a writer
            # thread batches them).
            deadline = time.monotonic() + 5
            while True:
                records = [json.loads(line) for line in server.read_log().splitlines()
                           if line.startswith("{") and '"readme-mcp"' in line]
                if records or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            self.assertEqual(len(records), 1)
            self.assertEqual(set(records[0]), set(documented))
            # Every metric in the table exists (gauges and counters seen so far).
            metrics = harness.request(port, "GET", "/metrics").body
            for name in re.findall(r"^\| `([a-z_]+)` \| (?:counter|gauge|histogram)",
                                   text, re.M):
                self.assertIn("# TYPE %s " % name, metrics, name)

    def test_systemd_unit_with_the_reference_config(self):
        text = section(readme(), "Production deployment")
        unit = code_blocks(text, "ini")[0]
        exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
        exec_reload = re.search(r"^ExecReload=(.*)$", unit, re.M).group(1)
        argv = shlex.split(exec_start)
        self.assertEqual(argv[0], "/usr/local/bin/gateway")
        tmp = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "readme_unit")
        os.makedirs(tmp, exist_ok=True)
        cert, key, ca = make_certificates(tmp)
        port = harness.free_port()
        replacements = {"443": str(port),
                        "/etc/mcp-gateway/tls/fullchain.pem": cert,
                        "/etc/mcp-gateway/tls/privkey.pem": key,
                        "/etc/mcp-gateway/config.json": harness.runfile(
                            "gateway/config.example.json"),
                        "sqlite:/var/lib/mcp-gateway/auth.db": "sqlite:" + os.path.join(
                            tmp, "auth.db")}
        args = [replacements.get(arg, arg) for arg in argv[1:]]
        self.assertIn(str(port), args)
        self.assertIn(cert, args)
        env = {"MCP_SESSION_KEY": "k" * 40}
        tls = ssl.create_default_context(cafile=ca)
        server = harness.ServerProcess(GATEWAY, args + ["--grpc-listen", "127.0.0.1:0"], env=env)

        def call(method, path, body=None, headers=None):
            return harness.request(port, method, path, body=body, headers=headers,
                                   host="localhost", tls=tls)
        try:
            # Sign-in with the example's user and confidential client, over HTTPS.
            secret = "example-client-secret-change-me"
            tokens = harness.obtain_tokens(
                port, "https://claude.ai/api/mcp/auth_callback", client_id="claude-connector",
                client_secret=secret, username="alice",
                password="example-user-password-change-me", tls=tls, host="localhost")
            basic = dict(FORM, Authorization=harness.basic_auth("claude-connector", secret))
            refreshed = call("POST", "/token", body={
                "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                headers=basic)
            self.assertEqual(refreshed.status, 200, refreshed.body)
            introspected = call("POST", "/introspect", body={
                "token": refreshed.json()["access_token"]}, headers=basic)
            self.assertEqual(introspected.json()["sub"], "user-0001")
            # The example's resource server may introspect the connector's token;
            # the batch service (another client) may not.
            resource_server = call("POST", "/introspect", body={
                "token": refreshed.json()["access_token"]}, headers=dict(
                    FORM, Authorization=harness.basic_auth(
                        "mcp-resource-server", "example-resource-server-secret-change-me")))
            self.assertEqual(resource_server.json()["client_id"], "claude-connector")
            service_view = call("POST", "/introspect", body={
                "token": refreshed.json()["access_token"], "client_id": "nightly-report",
                "client_secret": "example-service-secret-change-me"}, headers=FORM)
            self.assertEqual(service_view.json(), {"active": False})
            # The service client (client_secret_post, client_credentials).
            service = call("POST", "/token", body={
                "grant_type": "client_credentials", "client_id": "nightly-report",
                "client_secret": "example-service-secret-change-me", "scope": "admin"},
                headers=FORM)
            self.assertEqual(service.status, 200, service.body)
            # The public client is known (its authorization request goes to sign-in).
            started = call("GET", "/authorize?" + urllib.parse.urlencode({
                "response_type": "code", "client_id": "mcp-inspector",
                "redirect_uri": "http://localhost:6274/oauth/callback", "state": "s",
                "code_challenge": harness.pkce_pair()[1], "code_challenge_method": "S256"}))
            self.assertEqual(started.status, 302, started.body)
            self.assertTrue(started.header("location").startswith("/login?"))
            issuer = call("GET", "/.well-known/oauth-authorization-server")
            self.assertEqual(issuer.json()["issuer"], "https://mcp.example.com")
            # ExecReload (systemctl reload): the certificate is re-read.
            reload_argv = shlex.split(exec_reload.replace("$MAINPID", str(server.proc.pid)))
            self.assertEqual(subprocess.run(reload_argv, timeout=10).returncode, 0)
            deadline = time.monotonic() + 10
            while ("TLS certificate reloaded" not in server.read_log()
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            self.assertIn("TLS certificate reloaded", server.read_log())
            self.assertEqual(call("GET", "/healthz").status, 200)
        finally:
            code = server.stop(signal.SIGTERM)
        log = server.read_log()
        self.assertEqual(code, 0, log[-3000:])
        self.assertNotIn("example-client-secret-change-me", log)
        self.assertNotIn("example-user-password-change-me", log)
        self.assertNotIn("example-resource-server-secret-change-me", log)

    def test_reference_config_table_names_every_field(self):
        with open(harness.runfile("gateway/config.example.json")) as f:
            example = json.load(f)
        table = section(readme(), "Production deployment")
        for path in sorted(field_paths(example)):
            self.assertIn("| `%s` |" % path, table, path)


if __name__ == "__main__":
    unittest.main()
