#!/usr/bin/python3
"""Grants follow the configuration, through the real gateway on one SQLite
store (issue 13, items 6 and 11).

- A user removed from the config (or a scope taken from a client) while the
  gateway is down: after the restart that user's access token gets 401 at
  /mcp, the refresh token (also one rotated before) invalid_grant, and the
  grant stays revoked when the user is put back. Other grants keep working.
- A grant has an absolute lifetime from the sign-in (token_lifetimes.
  grant_seconds): rotation never extends it.
- Machine identities: a client_credentials token's subject is "client:<id>",
  so a user named like the client does not share its MCP sessions; a user
  whose name starts with "client:" is refused at startup."""
import base64
import hashlib
import json
import os
import subprocess
import time
import unittest

import harness

GATEWAY = "gateway/gateway"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def password_hash(password, iterations=1000):
    """The config file's hash format: pbkdf2-sha256$<iterations>$<salt>$<hash>."""
    salt = os.urandom(16)
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    return "pbkdf2-sha256$%d$%s$%s" % (iterations, b64(salt), b64(derived))


def tmp_path(name):
    return os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"),
                        "%s-%d" % (name, time.monotonic_ns()))


class Gateway:
    """Starts the gateway on a fixed public URL with a config file and a
    SQLite store, so that it can be restarted with another config."""

    def __init__(self):
        self.port = harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.redirect = self.base + "/callback"
        self.store = "sqlite:" + tmp_path("grants") + ".db"
        self.config = tmp_path("grants-config") + ".json"

    def start(self, config):
        with open(self.config, "w") as f:
            json.dump(config, f)
        return harness.ServerProcess(GATEWAY, [
            "--port", str(self.port), "--grpc-listen", "", "--public-url", self.base,
            "--config", self.config, "--store", self.store])

    def tokens(self, username, client_id, secret, scope="user"):
        return harness.obtain_tokens(self.port, self.redirect, client_id=client_id,
                                     client_secret=secret, username=username,
                                     password=username + "-pw", scope=scope)

    def refresh(self, client_id, secret, refresh_token):
        return harness.request(self.port, "POST", "/token", body={
            "grant_type": "refresh_token", "refresh_token": refresh_token},
            headers=dict(FORM, Authorization=harness.basic_auth(client_id, secret)))

    def mcp(self, access_token, message, session=None):
        return harness.mcp_post(self.port, access_token, message, session=session)

    def initialize(self, access_token):
        return self.mcp(access_token, {
            "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "grant-config-test", "version": "1"}}})


def user(name):
    return {"username": name, "password_hash": password_hash(name + "-pw")}


class GrantFollowsConfigTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()
        self.web = {"client_id": "web", "client_secret_hash": password_hash("web-secret"),
                    "redirect_uris": [self.gw.redirect], "scopes": ["user", "admin"]}

    def config(self, users, web_scopes=("user", "admin")):
        web = dict(self.web, scopes=list(web_scopes))
        return {"scopes_supported": ["user", "admin"], "clients": [web],
                "users": [user(u) for u in users]}

    def test_removed_user_and_scope_lose_their_grants_after_restart(self):
        gw = self.gw
        with gw.start(self.config(["alice", "bob", "carol"])):
            bob = gw.tokens("bob", "web", "web-secret")
            rotated = gw.refresh("web", "web-secret", bob["refresh_token"])
            self.assertEqual(rotated.status, 200, rotated.body)
            bob = rotated.json()
            alice = gw.tokens("alice", "web", "web-secret", scope="user admin")
            carol = gw.tokens("carol", "web", "web-secret")
            for t in (bob, alice, carol):
                self.assertEqual(gw.initialize(t["access_token"]).status, 200)

        # Restart: bob removed, admin taken from the client.
        with gw.start(self.config(["alice", "carol"], web_scopes=["user"])):
            self.assertEqual(gw.initialize(bob["access_token"]).status, 401)
            refused = gw.refresh("web", "web-secret", bob["refresh_token"])
            self.assertEqual(refused.status, 400, refused.body)
            self.assertEqual(refused.json()["error"], "invalid_grant")
            refused = gw.refresh("web", "web-secret", alice["refresh_token"])
            self.assertEqual(refused.status, 400, refused.body)
            self.assertIn("scope admin", refused.json()["error_description"])
            self.assertEqual(gw.initialize(alice["access_token"]).status, 401)
            # Carol's grant is untouched.
            self.assertEqual(gw.initialize(carol["access_token"]).status, 200)
            refreshed = gw.refresh("web", "web-secret", carol["refresh_token"])
            self.assertEqual(refreshed.status, 200, refreshed.body)
            carol = refreshed.json()

        # Bob back in the config: his old grant stays revoked; he signs in again.
        with gw.start(self.config(["alice", "bob", "carol"])):
            self.assertEqual(gw.initialize(bob["access_token"]).status, 401)
            self.assertEqual(gw.refresh("web", "web-secret", bob["refresh_token"]).status, 400)
            again = gw.tokens("bob", "web", "web-secret")
            self.assertEqual(gw.initialize(again["access_token"]).status, 200)
            self.assertEqual(gw.refresh("web", "web-secret", carol["refresh_token"]).status,
                             200)

    def test_grant_lifetime_is_absolute(self):
        gw = self.gw
        config = self.config(["alice"])
        config["token_lifetimes"] = {"grant_seconds": 6}
        with gw.start(config):
            tokens = gw.tokens("alice", "web", "web-secret")
            signed_in = time.monotonic()  # The grant began a little before this.
            self.assertLessEqual(tokens["expires_in"], 6)
            rotated = gw.refresh("web", "web-secret", tokens["refresh_token"])
            self.assertEqual(rotated.status, 200, rotated.body)
            self.assertLessEqual(rotated.json()["expires_in"], 6)
            time.sleep(max(0, 6.3 - (time.monotonic() - signed_in)))
            expired = gw.refresh("web", "web-secret", rotated.json()["refresh_token"])
            self.assertEqual(expired.status, 400, expired.body)
            self.assertEqual(expired.json()["error"], "invalid_grant")
            self.assertIn("sign in again", expired.json()["error_description"])
            self.assertEqual(gw.initialize(rotated.json()["access_token"]).status, 401)


class MachineSubjectTest(unittest.TestCase):
    def test_user_named_like_a_client_does_not_share_its_sessions(self):
        gw = Gateway()
        svc = {"client_id": "svc", "client_secret_hash": password_hash("svc-secret"),
               "redirect_uris": [gw.redirect],
               "grant_types": ["authorization_code", "refresh_token", "client_credentials"]}
        with gw.start({"clients": [svc], "users": [user("svc")]}):
            machine = harness.request(gw.port, "POST", "/token", body={
                "grant_type": "client_credentials", "client_id": "svc",
                "client_secret": "svc-secret"}, headers=FORM)
            self.assertEqual(machine.status, 200, machine.body)
            machine = machine.json()["access_token"]
            person = gw.tokens("svc", "svc", "svc-secret")["access_token"]
            init = gw.initialize(machine)
            self.assertEqual(init.status, 200, init.body)
            session = init.header("mcp-session-id")
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            self.assertEqual(gw.mcp(machine, ping, session).status, 200)
            # Same client, a subject equal to the client id: still another principal.
            self.assertEqual(gw.mcp(person, ping, session).status, 404)
            introspected = harness.request(gw.port, "POST", "/introspect", body={
                "token": machine}, headers=dict(
                    FORM, Authorization=harness.basic_auth("svc", "svc-secret")))
            self.assertEqual(introspected.status, 200, introspected.body)
            self.assertEqual(introspected.json()["sub"], "client:svc")
            introspected = harness.request(gw.port, "POST", "/introspect", body={
                "token": person}, headers=dict(
                    FORM, Authorization=harness.basic_auth("svc", "svc-secret")))
            self.assertEqual(introspected.json()["sub"], "svc")

    def test_user_with_machine_prefix_is_refused_at_startup(self):
        config = tmp_path("bad-config") + ".json"
        with open(config, "w") as f:
            json.dump({"users": [user("client:svc")]}, f)
        run = subprocess.run([harness.runfile(GATEWAY), "--port", "0", "--grpc-listen", "",
                              "--store", "memory", "--config", config],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('users[0].username: must not start with "client:"', run.stderr)


if __name__ == "__main__":
    unittest.main()
