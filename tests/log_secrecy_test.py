#!/usr/bin/python3
"""Secrets never reach the logs: runs the real gateway binary at --log-level
debug with a custom client secret and a custom user, drives a full flow
(authorize, a failed and a good sign-in, code exchange, a wrong client secret,
refresh, introspection, /mcp calls, revocation, /mcp with a revoked and a bogus
token),
stops it, and searches everything it wrote to stdout and stderr for each
secret that passed through it."""
import base64
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import unittest
import urllib.parse

import harness

GATEWAY = "gateway/gateway"
CLIENT_ID = "static-mcp-client-001"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def password_hash(password, iterations=1000):
    """The configuration file's encoding (auth/secret_hash.h)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    return "pbkdf2-sha256$%d$%s$%s" % (iterations, b64url(salt), b64url(digest))


class LogSecrecyTest(unittest.TestCase):
    def setUp(self):
        # Distinctive values, so that any occurrence in the log is a leak.
        self.client_secret = "cs-" + secrets.token_urlsafe(24)
        self.wrong_client_secret = "wcs-" + secrets.token_urlsafe(24)
        self.username = "secrecy_user"
        self.password = "pw-" + secrets.token_urlsafe(18)
        self.wrong_password = "wpw-" + secrets.token_urlsafe(18)
        config = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "secrecy_config.json")
        with open(config, "w") as f:
            json.dump({"users": [{"username": self.username,
                                  "password_hash": password_hash(self.password)}]}, f)
        self.port = harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.redirect = self.base + "/callback"
        self.server = harness.ServerProcess(GATEWAY, [
            "--port", str(self.port), "--grpc-listen", "127.0.0.1:0", "--public-url", self.base,
            "--config", config, "--log-level", "debug"],
            env={"MCP_STATIC_CLIENT_SECRET": self.client_secret})
        self.secrets = {"client secret": self.client_secret,
                        "wrong client secret": self.wrong_client_secret,
                        "password": self.password, "wrong password": self.wrong_password}

    def tearDown(self):
        self.server.stop()

    def remember(self, name, value):
        self.assertTrue(value, name)
        self.secrets[name] = value
        return value

    def post(self, path, form, headers=None):
        all_headers = dict(FORM)
        all_headers.update(headers or {})
        return harness.request(self.port, "POST", path, body=form, headers=all_headers)

    def basic(self, secret=None):
        return {"Authorization": harness.basic_auth(CLIENT_ID, secret or self.client_secret)}

    def mcp(self, token, message, session=None):
        return harness.mcp_post(self.port, token, message, session=session)

    def run_flow(self):
        verifier, challenge = harness.pkce_pair()
        self.remember("PKCE verifier", verifier)
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect,
            "scope": "user", "state": "s", "code_challenge": challenge,
            "code_challenge_method": "S256", "resource": self.base + "/mcp"})
        started = harness.request(self.port, "GET", "/authorize?" + query)
        self.assertEqual(started.status, 302, started.body)
        location = started.header("location")
        self.remember("authorization_id (URL)",
                      urllib.parse.parse_qs(urllib.parse.urlparse(location).query)[
                          "authorization_id"][0])
        page = harness.request(self.port, "GET", location)
        self.assertEqual(page.status, 200, page.body)
        fields = dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"',
                                 page.body))
        self.remember("authorization_id", fields["authorization_id"])
        self.remember("csrf token", fields["csrf_token"])

        failed = self.post("/login", dict(fields, username=self.username,
                                          password=self.wrong_password))
        self.assertEqual(failed.status, 401, failed.body)
        signed_in = self.post("/login", dict(fields, username=self.username,
                                             password=self.password))
        self.assertEqual(signed_in.status, 303, signed_in.body)
        callback = urllib.parse.parse_qs(urllib.parse.urlparse(signed_in.header("location")).query)
        code = self.remember("authorization code", callback["code"][0])

        wrong = self.post("/token", {"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": self.redirect, "code_verifier": verifier},
                          self.basic(self.wrong_client_secret))
        self.assertEqual(wrong.status, 401, wrong.body)
        wrong_post = self.post("/token", {"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": self.redirect,
                                          "code_verifier": verifier, "client_id": CLIENT_ID,
                                          "client_secret": self.wrong_client_secret})
        self.assertEqual(wrong_post.status, 401, wrong_post.body)
        token = self.post("/token", {"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": self.redirect, "code_verifier": verifier},
                          self.basic())
        self.assertEqual(token.status, 200, token.body)
        first = token.json()
        self.remember("access token", first["access_token"])
        self.remember("refresh token", first["refresh_token"])
        # The code again: replay detection must not log it either.
        replay = self.post("/token", {"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": self.redirect, "code_verifier": verifier},
                           self.basic())
        self.assertEqual(replay.status, 400, replay.body)

        # A new code for the rest of the flow (the replay revoked the first tokens).
        tokens = harness.obtain_tokens(self.port, self.redirect, client_secret=self.client_secret,
                                       username=self.username, password=self.password)
        self.remember("second access token", tokens["access_token"])
        self.remember("second refresh token", tokens["refresh_token"])
        refreshed = self.post("/token", {"grant_type": "refresh_token",
                                         "refresh_token": tokens["refresh_token"]}, self.basic())
        self.assertEqual(refreshed.status, 200, refreshed.body)
        access = self.remember("refreshed access token", refreshed.json()["access_token"])
        refresh = self.remember("refreshed refresh token", refreshed.json()["refresh_token"])

        info = self.post("/introspect", {"token": access}, self.basic())
        self.assertEqual(info.status, 200, info.body)
        self.assertTrue(info.json()["active"])

        init = self.mcp(access, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "log_secrecy_test", "version": "1"}}})
        self.assertEqual(init.status, 200, init.body)
        session = self.remember("MCP session id", init.header("mcp-session-id"))
        self.assertEqual(self.mcp(access, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                                  session).status, 202)
        listed = self.mcp(access, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, session)
        self.assertEqual(listed.status, 200, listed.body)
        called = self.mcp(access, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "echo", "arguments": {"message": "hello"}}}, session)
        self.assertEqual(called.status, 200, called.body)
        bad_call = self.mcp(access, {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "no_such_tool", "arguments": {}}}, session)
        self.assertEqual(bad_call.status, 200, bad_call.body)

        revoked = self.post("/revoke", {"token": refresh}, self.basic())
        self.assertEqual(revoked.status, 200, revoked.body)
        info = self.post("/introspect", {"token": access}, self.basic())
        self.assertEqual(info.json(), {"active": False})
        # /mcp may accept the revoked token until the gateway's validation
        # cache expires; the call is here for what it may log.
        self.mcp(access, {"jsonrpc": "2.0", "id": 5, "method": "ping"}, session)
        bogus = self.mcp(access[::-1], {"jsonrpc": "2.0", "id": 6, "method": "ping"}, session)
        self.assertEqual(bogus.status, 401, bogus.body)
        reuse = self.post("/token", {"grant_type": "refresh_token", "refresh_token": refresh},
                          self.basic())
        self.assertEqual(reuse.status, 400, reuse.body)

    def test_no_secret_in_stdout_or_stderr(self):
        self.run_flow()
        self.server.proc.send_signal(signal.SIGTERM)
        try:
            rest_of_stdout, _ = self.server.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.server.proc.kill()
            rest_of_stdout, _ = self.server.proc.communicate()
        self.assertEqual(self.server.proc.returncode, 0)
        output = rest_of_stdout + self.server.read_log()
        # The log really was captured.
        self.assertIn("gateway listening", output)

        encodings = {}
        for name, value in self.secrets.items():
            encodings[name] = value
            encodings[name + " (form-encoded)"] = urllib.parse.quote_plus(value)
        encodings["HTTP Basic credentials"] = harness.basic_auth(
            CLIENT_ID, self.client_secret).split()[1]
        encodings["wrong HTTP Basic credentials"] = harness.basic_auth(
            CLIENT_ID, self.wrong_client_secret).split()[1]
        leaks = [name for name, value in encodings.items() if value in output]
        self.assertEqual(leaks, [], "secrets in the gateway's output:\n" + output)


if __name__ == "__main__":
    unittest.main()
