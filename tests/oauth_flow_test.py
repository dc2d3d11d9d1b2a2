#!/usr/bin/python3
"""The OAuth 2.1 authorization server through the public port of the real
gateway binary: metadata, authorize -> login -> code -> token -> refresh,
introspection, revocation, registration refusal, and the error cases, with
Python's http.client as the (browser-less) user agent."""
import json
import re
import time
import unittest
import urllib.parse

import harness

GATEWAY = "gateway/gateway"
CLIENT_ID = "static-mcp-client-001"
CLIENT_SECRET = "your-secret-key-change-this-in-production"


pkce_pair = harness.pkce_pair
basic = harness.basic_auth


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class OAuthFlowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.redirect = "http://127.0.0.1:%d/callback" % cls.port
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--redirect-uris", cls.redirect + ",http://localhost:3000/cb"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers ---------------------------------------------------------------
    def get(self, path, headers=None):
        return harness.request(self.port, "GET", path, headers=headers)

    def post(self, path, form, headers=None):
        all_headers = dict(FORM)
        all_headers.update(headers or {})
        return harness.request(self.port, "POST", path, body=form, headers=all_headers)

    def authorize(self, **overrides):
        verifier, challenge = pkce_pair()
        params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect,
                  "scope": "user", "state": "st<ate>&1", "code_challenge": challenge,
                  "code_challenge_method": "S256", "resource": self.base + "/mcp"}
        params.update(overrides)
        params = {k: v for k, v in params.items() if v is not None}
        return self.get("/authorize?" + urllib.parse.urlencode(params)), verifier

    def login_page(self, location):
        self.assertTrue(location.startswith("/login?"), location)
        page = self.get(location)
        self.assertEqual(page.status, 200, page.body)
        fields = dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"',
                                 page.body))
        return page, fields

    def sign_in(self, fields, username="demo_user", password="demo_password"):
        form = dict(fields)
        form.update({"username": username, "password": password})
        return self.post("/login", form)

    def obtain_code(self, **overrides):
        response, verifier = self.authorize(**overrides)
        self.assertEqual(response.status, 302, response.body)
        _, fields = self.login_page(response.header("location"))
        done = self.sign_in(fields)
        self.assertEqual(done.status, 303, done.body)
        callback = urllib.parse.urlparse(done.header("location"))
        query = urllib.parse.parse_qs(callback.query)
        return query, verifier, done.header("location")

    def exchange(self, code, verifier, auth="basic", **extra):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect,
                "code_verifier": verifier}
        form.update(extra)
        headers = {}
        if auth == "basic":
            headers["Authorization"] = basic(CLIENT_ID, CLIENT_SECRET)
        else:
            form.update({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        return self.post("/token", form, headers)

    def tokens(self):
        query, verifier, _ = self.obtain_code()
        response = self.exchange(query["code"][0], verifier)
        self.assertEqual(response.status, 200, response.body)
        return response.json()

    def assert_rfc_metadata_types(self, meta):
        """RFC 8414 / RFC 9728 member types: *_supported and authorization_servers
        are non-empty arrays of strings, the boolean is a boolean, the rest
        non-empty strings (an unset member is absent, never "" or [])."""
        for key, value in meta.items():
            if key == "authorization_response_iss_parameter_supported":
                self.assertIsInstance(value, bool, key)
            elif key.endswith("_supported") or key == "authorization_servers":
                self.assertIsInstance(value, list, key)
                self.assertTrue(value, "empty %s should be absent" % key)
                for item in value:
                    self.assertIsInstance(item, str, key)
            else:
                self.assertIsInstance(value, str, key)
                self.assertTrue(value, "empty %s should be absent" % key)

    # -- metadata --------------------------------------------------------------
    def test_authorization_server_metadata(self):
        response = self.get("/.well-known/oauth-authorization-server")
        self.assertEqual(response.status, 200)
        meta = response.json()
        self.assertEqual(meta["issuer"], self.base)
        self.assertEqual(meta["authorization_endpoint"], self.base + "/authorize")
        self.assertEqual(meta["token_endpoint"], self.base + "/token")
        self.assertEqual(meta["introspection_endpoint"], self.base + "/introspect")
        self.assertEqual(meta["revocation_endpoint"], self.base + "/revoke")
        self.assertEqual(meta["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(meta["response_types_supported"], ["code"])
        self.assertIn("refresh_token", meta["grant_types_supported"])
        self.assertNotIn("none", meta["token_endpoint_auth_methods_supported"])
        self.assertIn("client_secret_basic", meta["token_endpoint_auth_methods_supported"])
        self.assertIn("user", meta["scopes_supported"])
        self.assertIs(meta["authorization_response_iss_parameter_supported"], True)
        self.assertNotIn("registration_endpoint", meta)
        self.assert_rfc_metadata_types(meta)

    def test_protected_resource_metadata_both_paths(self):
        for path in ("/.well-known/oauth-protected-resource/mcp",
                     "/.well-known/oauth-protected-resource"):
            response = self.get(path)
            self.assertEqual(response.status, 200, path)
            meta = response.json()
            self.assertEqual(meta["resource"], self.base + "/mcp")
            self.assertEqual(meta["authorization_servers"], [self.base])
            self.assertEqual(meta["bearer_methods_supported"], ["header"])
            self.assertIn("user", meta["scopes_supported"])
            self.assert_rfc_metadata_types(meta)

    def test_cors_on_metadata_and_token_but_not_authorize(self):
        origin = {"Origin": "http://localhost:6274"}
        meta = self.get("/.well-known/oauth-authorization-server", origin)
        self.assertEqual(meta.header("access-control-allow-origin"), "*")
        preflight = harness.request(self.port, "OPTIONS", "/token", headers=dict(
            origin, **{"Access-Control-Request-Method": "POST"}))
        self.assertEqual(preflight.status, 204)
        self.assertIn("POST", preflight.header("access-control-allow-methods"))
        response, _ = self.authorize()
        self.assertIsNone(response.header("access-control-allow-origin"))

    # -- the whole flow ----------------------------------------------------------
    def test_full_flow_with_basic_auth_then_refresh_rotation(self):
        query, verifier, location = self.obtain_code()
        self.assertTrue(location.startswith(self.redirect + "?"), location)
        self.assertEqual(query["state"], ["st<ate>&1"])
        self.assertEqual(query["iss"], [self.base])
        token = self.exchange(query["code"][0], verifier)
        self.assertEqual(token.status, 200, token.body)
        self.assertEqual(token.header("cache-control"), "no-store")
        self.assertEqual(token.header("pragma"), "no-cache")
        body = token.json()
        self.assertEqual(body["token_type"], "Bearer")
        # RFC 6749 §5.1: a number of seconds, not a string.
        self.assertTrue(harness.is_json_integer(body["expires_in"]), token.body)
        self.assertEqual(body["expires_in"], 3600)
        self.assertEqual(body["scope"], "user")
        self.assertTrue(body["refresh_token"])
        self.assertGreaterEqual(len(body["access_token"]), 32)

        refreshed = self.post("/token", {"grant_type": "refresh_token",
                                         "refresh_token": body["refresh_token"]},
                              {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(refreshed.status, 200, refreshed.body)
        new = refreshed.json()
        self.assertNotEqual(new["refresh_token"], body["refresh_token"])
        self.assertTrue(harness.is_json_integer(new["expires_in"]), refreshed.body)
        # Reusing the rotated token fails and revokes the family.
        reuse = self.post("/token", {"grant_type": "refresh_token",
                                     "refresh_token": body["refresh_token"]},
                          {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(reuse.status, 400)
        self.assertEqual(reuse.json()["error"], "invalid_grant")
        after = self.post("/token", {"grant_type": "refresh_token",
                                     "refresh_token": new["refresh_token"]},
                          {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(after.json()["error"], "invalid_grant")

    def test_client_secret_post_works(self):
        query, verifier, _ = self.obtain_code()
        token = self.exchange(query["code"][0], verifier, auth="post")
        self.assertEqual(token.status, 200, token.body)

    def test_code_replay_fails_and_revokes_issued_tokens(self):
        query, verifier, _ = self.obtain_code()
        first = self.exchange(query["code"][0], verifier)
        self.assertEqual(first.status, 200)
        second = self.exchange(query["code"][0], verifier)
        self.assertEqual(second.status, 400)
        self.assertEqual(second.json()["error"], "invalid_grant")
        introspection = self.post("/introspect", {"token": first.json()["access_token"]},
                                  {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(introspection.json(), {"active": False})

    def test_wrong_pkce_verifier_is_invalid_grant(self):
        query, _, _ = self.obtain_code()
        other_verifier, _ = pkce_pair()
        response = self.exchange(query["code"][0], other_verifier)
        self.assertEqual(response.status, 400)
        self.assertEqual(response.json()["error"], "invalid_grant")

    def test_non_utf8_parameters_are_400_not_501(self):
        # Found while triaging a tests/fuzz/authorize_fuzzer finding: such bytes
        # reached the proto3 string fields of AuthService requests and gRPC
        # refused them (UNIMPLEMENTED -> 501).
        params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect,
                  "code_challenge": pkce_pair()[1], "code_challenge_method": "S256"}
        response = self.get("/authorize?" + urllib.parse.urlencode(params) + "&state=%FF")
        self.assertEqual(response.status, 400, response.body)
        raw = harness.request(self.port, "GET", "/authorize?client_id=%FF&scope=%C3")
        self.assertEqual(raw.status, 400, raw.body)
        token = harness.request(self.port, "POST", "/token", body="grant_type=refresh_token&"
                                "refresh_token=%FF", headers=dict(
                                    FORM, Authorization=basic(CLIENT_ID, CLIENT_SECRET)))
        self.assertEqual(token.status, 400, token.body)
        self.assertEqual(token.json()["error"], "invalid_request")
        import base64
        creds = base64.b64encode(CLIENT_ID.encode() + b":\xff").decode()
        basic_bad = self.post("/token", {"grant_type": "refresh_token", "refresh_token": "x"},
                              {"Authorization": "Basic " + creds})
        self.assertEqual(basic_bad.status, 400, basic_bad.body)
        mcp = harness.request(self.port, "POST", "/mcp", body="{}", headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Authorization": "Bearer ab\u00ffcd"})
        self.assertEqual(mcp.status, 401, mcp.body)
        self.assertIn('error="invalid_token"', mcp.header("www-authenticate"))

    def test_bad_client_secret_is_401_with_basic_challenge(self):
        response = self.post("/token", {"grant_type": "refresh_token", "refresh_token": "x"},
                             {"Authorization": basic(CLIENT_ID, "wrong")})
        self.assertEqual(response.status, 401)
        self.assertEqual(response.json()["error"], "invalid_client")
        self.assertTrue(response.header("www-authenticate").startswith("Basic"))
        posted = self.post("/token", {"grant_type": "refresh_token", "refresh_token": "x",
                                      "client_id": CLIENT_ID, "client_secret": "wrong"})
        self.assertEqual(posted.status, 401)
        self.assertIsNone(posted.header("www-authenticate"))

    def test_token_endpoint_rejects_non_form_and_unknown_grant(self):
        response = harness.request(self.port, "POST", "/token", body="{}",
                                   headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 400)
        self.assertEqual(response.json()["error"], "invalid_request")
        unknown = self.post("/token", {"grant_type": "password"},
                            {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(unknown.status, 400)
        self.assertEqual(unknown.json()["error"], "unsupported_grant_type")

    # -- authorization request errors ----------------------------------------------
    def test_unknown_client_or_redirect_gets_400_page_not_redirect(self):
        for overrides in ({"client_id": "nope"}, {"redirect_uri": "https://evil.example/cb"}):
            response, _ = self.authorize(**overrides)
            self.assertEqual(response.status, 400, overrides)
            self.assertIsNone(response.header("location"))
            self.assertIn("text/html", response.header("content-type"))
            self.assertEqual(response.header("x-frame-options"), "DENY")

    def test_loopback_redirect_may_change_port(self):
        response, _ = self.authorize(redirect_uri="http://localhost:45678/cb")
        self.assertEqual(response.status, 302, response.body)
        self.assertTrue(response.header("location").startswith("/login?"))

    def test_missing_or_plain_pkce_redirects_invalid_request(self):
        for overrides in ({"code_challenge": None, "code_challenge_method": None},
                          {"code_challenge_method": "plain"}):
            response, _ = self.authorize(**overrides)
            self.assertEqual(response.status, 302, overrides)
            location = urllib.parse.urlparse(response.header("location"))
            query = urllib.parse.parse_qs(location.query)
            self.assertEqual(query["error"], ["invalid_request"])
            self.assertEqual(query["state"], ["st<ate>&1"])
            self.assertTrue(response.header("location").startswith(self.redirect))

    def test_wrong_resource_is_invalid_target_and_trailing_slash_is_fine(self):
        response, _ = self.authorize(resource="https://other.example/mcp")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(response.header("location")).query)
        self.assertEqual(query["error"], ["invalid_target"])
        ok, _ = self.authorize(resource=self.base + "/mcp/")
        self.assertTrue(ok.header("location").startswith("/login?"))

    def test_unknown_scope_is_invalid_scope(self):
        response, _ = self.authorize(scope="admin")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(response.header("location")).query)
        self.assertEqual(query["error"], ["invalid_scope"])

    # -- login -----------------------------------------------------------------
    def test_login_page_escapes_and_has_security_headers(self):
        response, _ = self.authorize()
        page, fields = self.login_page(response.header("location"))
        self.assertTrue(fields.get("csrf_token"))
        self.assertIn("static-mcp-client-001", page.body)
        self.assertIn("127.0.0.1:%d" % self.port, page.body)
        self.assertNotIn("<ate>", page.body)
        self.assertIn("default-src 'none'", page.header("content-security-policy"))
        self.assertEqual(page.header("x-content-type-options"), "nosniff")
        self.assertEqual(page.header("referrer-policy"), "no-referrer")
        self.assertEqual(page.header("cache-control"), "no-store")

    def test_bad_password_rerenders_401_and_then_succeeds(self):
        response, _ = self.authorize()
        _, fields = self.login_page(response.header("location"))
        bad = self.sign_in(fields, password="wrong")
        self.assertEqual(bad.status, 401)
        self.assertIn("Invalid username or password", bad.body)
        good = self.sign_in(fields)
        self.assertEqual(good.status, 303)

    def test_wrong_csrf_token_is_refused(self):
        response, _ = self.authorize()
        _, fields = self.login_page(response.header("location"))
        fields["csrf_token"] = "forged"
        self.assertIn(self.sign_in(fields).status, (400, 403))

    def test_original_login_callback_path_works(self):
        response, _ = self.authorize()
        _, fields = self.login_page(response.header("location"))
        form = dict(fields, username="demo_user", password="demo_password")
        done = self.post("/login/callback", form)
        self.assertEqual(done.status, 303)
        self.assertIn("code=", done.header("location"))

    def test_login_without_pending_request_is_400(self):
        self.assertEqual(self.get("/login").status, 400)
        self.assertEqual(self.get("/login?authorization_id=unknown").status, 400)

    # -- introspection, revocation, registration ------------------------------------
    def test_introspection_requires_client_auth_and_reports_fields(self):
        tokens = self.tokens()
        anonymous = self.post("/introspect", {"token": tokens["access_token"]})
        self.assertEqual(anonymous.status, 401)
        response = self.post("/introspect", {"token": tokens["access_token"]},
                             {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(response.status, 200)
        info = response.json()
        self.assertIs(info["active"], True)
        self.assertEqual(info["client_id"], CLIENT_ID)
        self.assertEqual(info["username"], "demo_user")
        self.assertEqual(info["scope"], "user")
        self.assertEqual(info["aud"], self.base + "/mcp")
        self.assertEqual(info["iss"], self.base)
        # RFC 7662 §2.2: exp and iat are NumericDate numbers (the MCP SDK's
        # requireBearerAuth refuses a token whose exp is a string).
        self.assertTrue(harness.is_json_integer(info["exp"]), response.body)
        self.assertTrue(harness.is_json_integer(info["iat"]), response.body)
        self.assertEqual(info["exp"] - info["iat"], 3600)
        self.assertGreater(info["exp"], time.time())
        self.assertLessEqual(info["iat"], time.time() + 1)
        self.assertEqual(info["token_type"], "Bearer")
        for key, value in info.items():
            if key not in ("active", "exp", "iat"):
                self.assertIsInstance(value, str, key)
                self.assertTrue(value, "empty %s should be absent: %s" % (key, response.body))
        unknown = self.post("/introspect", {"token": "garbage"},
                            {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)})
        self.assertEqual(unknown.json(), {"active": False})

    def test_revoking_refresh_token_revokes_access_tokens(self):
        tokens = self.tokens()
        auth = {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)}
        revoked = self.post("/revoke", {"token": tokens["refresh_token"]}, auth)
        self.assertEqual(revoked.status, 200)
        info = self.post("/introspect", {"token": tokens["access_token"]}, auth)
        self.assertEqual(info.json(), {"active": False})
        self.assertEqual(self.post("/revoke", {"token": "unknown"}, auth).status, 200)

    def test_refresh_supersedes_the_previous_access_token(self):
        # A refreshed client has the new access token: the one issued with the
        # rotated refresh token stops working (and is not kept in the store).
        tokens = self.tokens()
        auth = {"Authorization": basic(CLIENT_ID, CLIENT_SECRET)}
        first = self.post("/token", {"grant_type": "refresh_token",
                                     "refresh_token": tokens["refresh_token"]}, auth)
        self.assertEqual(first.status, 200, first.body)
        second = self.post("/token", {"grant_type": "refresh_token",
                                      "refresh_token": first.json()["refresh_token"]}, auth)
        self.assertEqual(second.status, 200, second.body)
        for old in (tokens["access_token"], first.json()["access_token"]):
            info = self.post("/introspect", {"token": old}, auth)
            self.assertEqual(info.json(), {"active": False})
        info = self.post("/introspect", {"token": second.json()["access_token"]}, auth).json()
        self.assertTrue(info["active"])
        self.assertEqual(info["scope"], "user")
        # Revoking the live refresh token still revokes its access token.
        self.assertEqual(self.post("/revoke", {"token": second.json()["refresh_token"]},
                                   auth).status, 200)
        info = self.post("/introspect", {"token": second.json()["access_token"]}, auth)
        self.assertEqual(info.json(), {"active": False})

    def test_register_is_refused_with_the_original_message(self):
        response = harness.request(self.port, "POST", "/register",
                                   body=json.dumps({"client_name": "test"}),
                                   headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 403)
        body = response.json()
        self.assertIn("Dynamic client registration is not supported", body["error_description"])
        self.assertIn("Use client_id: " + CLIENT_ID, body["error_description"])


if __name__ == "__main__":
    unittest.main()
