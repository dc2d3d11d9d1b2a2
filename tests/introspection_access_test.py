#!/usr/bin/python3
"""Who may introspect which token, through the real gateway (issue 13, hostile
item 8): /introspect answers {"active": false} to an authenticated client
asking about another client's token, unless that client is configured as a
resource server ("introspect_any_token": true). The token's own client and the
resource server see the token's details."""
import base64
import hashlib
import json
import os
import unittest

import harness

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
APP, APP_SECRET = "app", "app-secret-0123456789"
PEER, PEER_SECRET = "peer-service", "peer-secret-0123456789"
RS, RS_SECRET = "resource-server", "rs-secret-0123456789"


def secret_hash(secret):
    """auth/secret_hash.h's format; few iterations, as this is a test."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 1000, 32)
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    return "pbkdf2-sha256$1000$%s$%s" % (b64(salt), b64(digest))


class IntrospectionAccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.redirect = cls.base + "/callback"
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        config = os.path.join(tmp, "introspection_access_%d.json" % os.getpid())
        with open(config, "w") as f:
            json.dump({"clients": [
                {"client_id": APP, "client_secret_hash": secret_hash(APP_SECRET),
                 "redirect_uris": [cls.redirect]},
                {"client_id": PEER, "client_secret_hash": secret_hash(PEER_SECRET),
                 "grant_types": ["client_credentials"]},
                {"client_id": RS, "client_secret_hash": secret_hash(RS_SECRET),
                 "grant_types": ["client_credentials"], "introspect_any_token": True},
            ]}, f)
        cls.server = harness.ServerProcess("gateway/gateway", [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--config", config])
        try:
            cls.user_tokens = harness.obtain_tokens(cls.port, cls.redirect, client_id=APP,
                                                    client_secret=APP_SECRET)
            peer = harness.request(cls.port, "POST", "/token", body={
                "grant_type": "client_credentials"},
                headers=dict(FORM, Authorization=harness.basic_auth(PEER, PEER_SECRET)))
            if peer.status != 200:
                raise RuntimeError("client_credentials: %d %s" % (peer.status, peer.body))
            cls.peer_token = peer.json()["access_token"]
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def introspect(self, client_id, secret, token):
        response = harness.request(self.port, "POST", "/introspect", body={"token": token},
                                   headers=dict(FORM, Authorization=harness.basic_auth(
                                       client_id, secret)))
        self.assertEqual(response.status, 200, response.body)
        return response.json()

    def test_another_clients_token_is_not_active(self):
        for token in (self.user_tokens["access_token"], self.user_tokens["refresh_token"]):
            self.assertEqual(self.introspect(PEER, PEER_SECRET, token), {"active": False})
        self.assertEqual(self.introspect(APP, APP_SECRET, self.peer_token), {"active": False})

    def test_own_client_sees_its_token(self):
        info = self.introspect(APP, APP_SECRET, self.user_tokens["access_token"])
        self.assertIs(info["active"], True)
        self.assertEqual(info["client_id"], APP)
        self.assertEqual(info["username"], "demo_user")
        self.assertTrue(harness.is_json_integer(info["exp"]), info)
        self.assertIs(self.introspect(APP, APP_SECRET, self.user_tokens["refresh_token"])[
            "active"], True)
        own = self.introspect(PEER, PEER_SECRET, self.peer_token)
        self.assertIs(own["active"], True)
        self.assertEqual(own["client_id"], PEER)

    def test_resource_server_sees_every_clients_token(self):
        info = self.introspect(RS, RS_SECRET, self.user_tokens["access_token"])
        self.assertIs(info["active"], True)
        self.assertEqual(info["client_id"], APP)
        self.assertEqual(info["sub"], "demo_user")
        self.assertEqual(info["scope"], "user")
        self.assertEqual(info["aud"], self.base + "/mcp")
        self.assertIs(self.introspect(RS, RS_SECRET, self.user_tokens["refresh_token"])[
            "active"], True)
        self.assertEqual(self.introspect(RS, RS_SECRET, self.peer_token)["client_id"], PEER)
        self.assertEqual(self.introspect(RS, RS_SECRET, "garbage"), {"active": False})


if __name__ == "__main__":
    unittest.main()
