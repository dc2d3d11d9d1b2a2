#!/usr/bin/python3
"""Every code block of the README is run by a test or a CI step.

test_every_block_is_accounted_for lists the README's fenced code blocks (with
a language tag) and fails when one has no entry in COVERAGE, or when an entry
names a block that no longer exists: a new or moved README command fails here
until a test runs it. The other tests run the blocks this file owns, verbatim
except for ports (localhost:9003 / localhost:9004 become free ports) and
extra listener flags where a block starts a server: the quick start's curl
commands, the Claude connector's gateway command line, the grpcurl lines
(through tests/grpcurl_shim/grpcurl, a grpcurl-compatible shim over
tests/reflection_client.py, since Debian has no grpcurl) and the
reflection_client lines."""
import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import unittest
import urllib.parse

import harness

GATEWAY = "gateway/gateway"

# (section, language, index among that section's blocks of that language)
# -> what runs it.
COVERAGE = {
    ("Quick start (Debian 12)", "sh", 0): "test_quick_start",
    ("Quick start (Debian 12)", "sh", 1): "test_quick_start",
    ("Adding a tool", "cpp", 0): "//tests:readme_tool_test (compiles and calls it)",
    ("Tasks for tool authors", "cpp", 0): "//tests:readme_task_tool_test (compiles it, runs it as a task)",
    ("Connecting clients", "sh", 0): "test_claude_connector_command",
    ("Connecting clients", "sh", 1): "tests/claude_code_test.py (the Claude Code CLI)",
    ("Calling the services directly (grpcurl)", "sh", 0): "test_grpcurl_lines",
    ("Calling the services directly (grpcurl)", "sh", 1): "test_reflection_client_lines",
    ("Observability", "sh", 0): "tests/readme_ops_test.py",
    ("Observability", "json", 0): "tests/readme_ops_test.py",
    ("Production deployment", "ini", 0): "tests/readme_ops_test.py",
    ("Performance", "sh", 0): "test_bench_command",
    ("Configuration", "sh", 0): "test_oauth_admin_lines",
    ("Writing tools in another language", "sh", 0): "test_python_tools_lines",
    ("Writing tools in another language", "json", 0): "tests/tool_backends_config_test.py",
    ("Signing in with your identity provider", "json", 0): "test_identity_provider_example",
}


def readme():
    with open(harness.runfile("README.md")) as f:
        return f.read()


def code_blocks(text):
    """[(section, language, index, body)] for every fenced block with a
    language tag (list-indented ones too), in order."""
    blocks, counts, section = [], {}, None
    fence = re.compile(r"^( *)```(\w+)\n(.*?)^\1```", re.M | re.S)
    heading = re.compile(r"^## (.+)$", re.M)
    headings = [(m.start(), m.group(1)) for m in heading.finditer(text)]
    for match in fence.finditer(text):
        section = [title for start, title in headings if start < match.start()][-1]
        indent, language = match.group(1), match.group(2)
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in match.group(3).splitlines())
        key = (section, language)
        blocks.append((section, language, counts.get(key, 0), body))
        counts[key] = counts.get(key, 0) + 1
    return blocks


def block(section, language, index):
    for s, lang, i, body in code_blocks(readme()):
        if (s, lang, i) == (section, language, index):
            return body
    raise AssertionError("README has no %s block %d in %r" % (language, index, section))


def commands(body):
    """Shell commands of a block: continuation lines joined, comments and
    blank lines dropped."""
    joined = body.replace("\\\n", " ")
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            result.append(line)
    return result


def read(path):
    with open(path) as f:
        return f.read()


def run_shell(command, cwd=None, env=None, timeout=60):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(["/bin/bash", "-c", command], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def without_comment(command):
    """`cmd   # comment` -> `cmd` (shlex keeps quoted #)."""
    return " ".join(shlex.split(command, comments=True))


class ReadmeCommandsTest(unittest.TestCase):
    def test_every_block_is_accounted_for(self):
        found = {(s, lang, i) for s, lang, i, _ in code_blocks(readme())}
        missing = sorted(found - set(COVERAGE))
        stale = sorted(set(COVERAGE) - found)
        self.assertEqual(missing, [], "README blocks that no test runs: add them to COVERAGE "
                                      "with the test that runs them")
        self.assertEqual(stale, [], "COVERAGE names blocks the README no longer has")
        # The test files named as runners really read those blocks.
        for (section, language, index), runner in COVERAGE.items():
            if runner.startswith("tests/"):
                with open(harness.runfile(runner.split()[0])) as f:
                    source = f.read()
                self.assertTrue(
                    'block("%s", "%s", %d)' % (section, language, index) in source or (
                        'section(readme(), "%s")' % section in source
                        and 'code_blocks(text, "%s")' % language in source),
                    (runner, section, language, index))

    def test_quick_start(self):
        setup = [without_comment(c) for c in commands(block("Quick start (Debian 12)", "sh", 0))]
        self.assertEqual(setup, ["./bazelw run //gateway", "./bazelw test //..."])
        # `./bazelw test //...` is CI's command.
        with open(harness.runfile(".ci/run")) as f:
            self.assertIn("./bazelw test //...", f.read())
        # `./bazelw run //gateway` is the gateway with its defaults (only the
        # listeners moved to free ports); then the curl lines, verbatim.
        port = harness.free_port()
        curls = commands(block("Quick start (Debian 12)", "sh", 1))
        self.assertEqual(len(curls), 3)
        with harness.ServerProcess(GATEWAY, ["--port", str(port), "--grpc-listen",
                                             "127.0.0.1:0"]):
            out = []
            for command in curls:
                self.assertTrue(command.startswith("curl -s "), command)
                result = run_shell(command.replace("localhost:9003", "127.0.0.1:%d" % port))
                self.assertEqual(result.returncode, 0, (command, result.stderr))
                out.append(result.stdout)
        self.assertEqual(json.loads(out[0])["status"], "ok")
        metadata = json.loads(out[1])
        self.assertEqual(metadata["issuer"], "http://localhost:%d" % port)
        self.assertIn("S256", metadata["code_challenge_methods_supported"])
        refused = json.loads(out[2])  # 403: dynamic registration is not offered
        self.assertIn("static-mcp-client-001", json.dumps(refused))

    def test_python_tools_lines(self):
        lines = commands(block("Writing tools in another language", "sh", 0))
        self.assertEqual(lines[0], "./bazelw build //gateway")  # the runfiles have it
        self.assertEqual(len(lines), 5)
        # The workspace files the lines use, relative to a directory of our own.
        root = tempfile.mkdtemp(prefix="readme_pytools_", dir=os.environ.get("TEST_TMPDIR"))
        for relative in ("proto/tools/v1/tools.proto", "proto/resources/v1/resources.proto",
                         "proto/prompts/v1/prompts.proto", "proto/identity/v1/identity.proto",
                         "examples/python_tools/tool_server.py",
                         "bazel-bin/gateway/gateway"):
            os.makedirs(os.path.dirname(os.path.join(root, relative)), exist_ok=True)
            source = GATEWAY if relative.startswith("bazel-bin") else relative
            os.symlink(harness.runfile(source), os.path.join(root, relative))
        stubs = os.path.join(root, "stubs")
        tool_port, port = harness.free_port(), harness.free_port()

        def adapt(line):
            return line.replace("/tmp/pytools", stubs).replace("9101", str(tool_port))
        for line in lines[1:3]:
            result = run_shell(adapt(line), cwd=root)
            self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(lines[3].endswith(" &"), lines[3])
        processes = []
        try:
            # Own process groups: bash and its server stop together.
            tools = subprocess.Popen(["/bin/bash", "-c", adapt(lines[3][:-2])], cwd=root,
                                     stdout=subprocess.PIPE, text=True, start_new_session=True)
            processes.append(tools)
            self.assertIn("tool server ready", tools.stdout.readline())
            gateway = subprocess.Popen(
                ["/bin/bash", "-c", adapt(lines[4]) + " --port %d --grpc-listen 127.0.0.1:0"
                 " --store memory" % port], cwd=root, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
            processes.append(gateway)
            self.assertIn("ready", gateway.stdout.readline())
            health = harness.request(port, "GET", "/healthz").json()
            self.assertEqual(health["tool_backends"], {"builtin": "up", "py": "up"})
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)

    def test_claude_connector_command(self):
        (command,) = commands(block("Connecting clients", "sh", 0))
        self.assertIn("bazel-bin/gateway/gateway", command)
        # bazel-bin/gateway/gateway relative to a directory of our own.
        root = tempfile.mkdtemp(prefix="readme_claude_", dir=os.environ.get("TEST_TMPDIR"))
        os.makedirs(os.path.join(root, "bazel-bin", "gateway"))
        os.symlink(harness.runfile(GATEWAY), os.path.join(root, "bazel-bin", "gateway", "gateway"))
        port = harness.free_port()
        log_path = os.path.join(root, "gateway.log")
        with open(log_path, "w") as log:
            # Its own process group: bash and the gateway stop together.
            proc = subprocess.Popen(
                ["/bin/bash", "-c", command + " --port %d --grpc-listen 127.0.0.1:0"
                 " --store memory" % port], cwd=root, stdout=subprocess.PIPE, stderr=log,
                text=True, start_new_session=True)
        try:
            ready = proc.stdout.readline()
            self.assertIn("ready", ready, read(log_path))
            metadata = harness.request(port, "GET", "/.well-known/oauth-authorization-server")
            self.assertEqual(metadata.json()["issuer"], "https://mcp.example.com")
            resource = harness.request(port, "GET", "/.well-known/oauth-protected-resource/mcp")
            self.assertEqual(resource.json()["resource"], "https://mcp.example.com/mcp")
            # Both Claude callbacks are registered for the client; others are not.
            for callback, status in (("https://claude.ai/api/mcp/auth_callback", 302),
                                     ("https://claude.com/api/mcp/auth_callback", 302),
                                     ("https://evil.example/api/mcp/auth_callback", 400)):
                started = harness.request(port, "GET", "/authorize?" + urllib.parse.urlencode({
                    "response_type": "code", "client_id": "claude-connector",
                    "redirect_uri": callback, "state": "s",
                    "code_challenge": harness.pkce_pair()[1], "code_challenge_method": "S256",
                    "resource": "https://mcp.example.com/mcp"}))
                self.assertEqual(started.status, status, (callback, started.body[:300]))
            # The secret came from the environment: not the default, never logged.
            self.assertNotIn("well-known default client secret", read(log_path))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
            proc.stdout.close()

    def test_grpcurl_lines(self):
        lines = commands(block("Calling the services directly (grpcurl)", "sh", 0))
        self.assertTrue(lines and all(line.startswith("grpcurl -plaintext ") for line in lines))
        shim_dir = os.path.dirname(harness.runfile("tests/grpcurl_shim/grpcurl"))
        env = {"PATH": shim_dir + os.pathsep + os.environ.get("PATH", "")}
        with harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen",
                                             "127.0.0.1:0"]) as gateway:
            target = "localhost:%d" % gateway.ports["grpc_port"]
            outputs = {}
            for line in lines:
                result = run_shell(line.replace("localhost:9004", target), env=env)
                self.assertEqual(result.returncode, 0, (line, result.stderr))
                outputs[line] = result.stdout
        for line, out in outputs.items():
            words = shlex.split(line)
            if words[-1] == "list":
                services = out.split()
                for service in ("mcp_oauth.auth.v1.AuthService", "mcp_oauth.tools.v1.ToolService",
                                "mcp_oauth.ops.v1.MetricsService", "grpc.health.v1.Health"):
                    self.assertIn(service, services)
            elif words[-1] == "mcp_oauth.tools.v1.ToolService/CallTool":
                request = json.loads(words[words.index("-d") + 1])
                self.assertEqual(request["name"], "echo")
                self.assertEqual(json.loads(out)["structuredContent"]["echo"],
                                 request["arguments"]["message"])
            elif words[-1] == "grpc.health.v1.Health/Check":
                self.assertEqual(json.loads(out), {"status": "SERVING"})
            elif words[-1] == "mcp_oauth.ops.v1.MetricsService/GetMetrics":
                families = json.loads(out)["families"]
                self.assertTrue(families)
                request = json.loads(words[words.index("-d") + 1])
                prefixes = request.get("name_prefixes") or request["namePrefixes"]
                for family in families:
                    self.assertTrue(any(family["name"].startswith(p) for p in prefixes), family)
            else:
                self.fail("no check for README line: " + line)

    def test_reflection_client_lines(self):
        lines = commands(block("Calling the services directly (grpcurl)", "sh", 1))
        self.assertTrue(lines)
        root = os.path.dirname(os.path.dirname(harness.runfile("tests/reflection_client.py")))
        with harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen",
                                             "127.0.0.1:0"]) as gateway:
            for line in lines:
                self.assertTrue(line.startswith("/usr/bin/python3 tests/reflection_client.py "),
                                line)
                result = run_shell(line.replace(
                    "127.0.0.1:9004", "127.0.0.1:%d" % gateway.ports["grpc_port"]), cwd=root)
                self.assertEqual(result.returncode, 0, (line, result.stderr))
                verb = shlex.split(line)[3]
                if verb == "list":
                    self.assertIn("mcp_oauth.tools.v1.ToolService", result.stdout.split())
                elif verb == "call":
                    response = json.loads(result.stdout)
                    self.assertIn("structured_content", response)
                else:
                    self.fail("no check for README line: " + line)

    def test_bench_command(self):
        # The benchmark itself builds with -c opt in its own output base and
        # loads the machine for minutes: it is run by hand (its numbers are the
        # README's table). Here: the command exists and takes the documented
        # options.
        (line,) = commands(block("Performance", "sh", 0))
        self.assertEqual(without_comment(line), "tools/bench")
        documented = re.findall(r"--[a-z-]+", line)
        self.assertEqual(documented, ["--duration", "--connections"])
        result = subprocess.run(["/usr/bin/python3", harness.runfile("tools/bench"), "--help"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        for option in documented:
            self.assertIn(option, result.stdout)

    def test_oauth_admin_lines(self):
        # Run verbatim from a directory laid out like the workspace, with the
        # secret on standard input / in $CLIENT_SECRET.
        lines = commands(block("Configuration", "sh", 0))
        self.assertEqual(len(lines), 3, lines)
        with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as root:
            os.makedirs(os.path.join(root, "bazel-bin/auth"))
            os.makedirs(os.path.join(root, "gateway"))
            os.symlink(harness.runfile("auth/oauth_admin"),
                       os.path.join(root, "bazel-bin/auth/oauth_admin"))
            os.symlink(harness.runfile("gateway/config.example.json"),
                       os.path.join(root, "gateway/config.example.json"))
            outputs = []
            for line in lines:
                result = subprocess.run(["/bin/bash", "-c", line], cwd=root, input="pw\n",
                                        env=dict(os.environ, CLIENT_SECRET="s3cret"),
                                        capture_output=True, text=True, timeout=60)
                self.assertEqual(result.returncode, 0, (line, result.stderr))
                outputs.append(result.stdout)
        self.assertRegex(outputs[0], r"^pbkdf2-sha256\$100000\$[\w-]+\$[\w-]+\n$")
        self.assertRegex(outputs[1], r"^pbkdf2-sha256\$10000\$[\w-]+\$[\w-]+\n$")
        self.assertIn("gateway/config.example.json: ok\n", outputs[2])
        self.assertIn("  claude-connector (Claude custom connector): confidential", outputs[2])

    def test_identity_provider_example(self):
        # The example config passes oauth_admin check-config (its secret file
        # made here); the flow itself: tests/e2e/oidc_sign_in_test.mjs.
        example = block("Signing in with your identity provider", "json", 0)
        with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as root:
            secret = os.path.join(root, "corp-oidc-secret")
            with open(secret, "w") as f:
                f.write("upstream-secret\n")
            config = os.path.join(root, "config.json")
            with open(config, "w") as f:
                f.write(example.replace("/etc/mcp-gateway/corp-oidc-secret", secret))
            result = subprocess.run([harness.runfile("auth/oauth_admin"), "check-config", config],
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("identity providers: 1\n  corp (Example Corp SSO): issuer "
                      "https://sso.example.com/realms/example", result.stdout)
        self.assertIn("users: 0\n", result.stdout)
        self.assertNotIn("upstream-secret", result.stdout)


if __name__ == "__main__":
    unittest.main()
