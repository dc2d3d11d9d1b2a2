#!/usr/bin/python3
"""Sign-in throttling through the real gateway (issue #13, hostile items 1
and 2): wrong passwords for a user from many addresses never stop the right
password from a new address; from one address they do (429 + Retry-After,
even for the right password). Clients on 127.0.0.x stand for other
addresses (Linux routes all of 127/8 to loopback)."""
import http.client
import re
import unittest
import urllib.parse

import harness

REDIRECT = "http://127.0.0.1:9/callback"


def send(port, method, path, body=None, source="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(source, 0))
    try:
        headers = {}
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        return harness.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                                data)
    finally:
        conn.close()


def login_form(port):
    """Starts an authorization and returns the login form's hidden fields."""
    _, challenge = harness.pkce_pair()
    started = send(port, "GET", "/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": "static-mcp-client-001",
        "redirect_uri": REDIRECT, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"}))
    assert started.status == 302, (started.status, started.body)
    page = send(port, "GET", started.header("location"))
    return dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"', page.body))


def sign_in(port, form, password, source):
    return send(port, "POST", "/login", dict(form, username="demo_user", password=password),
                source=source)


class SignInThrottleTest(unittest.TestCase):
    def test_wrong_passwords_from_many_addresses_never_lock_the_user_out(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--redirect-uris", REDIRECT]) as gateway:
            port = gateway.ports["http_port"]
            form = login_form(port)
            for i in range(2, 12):
                wrong = sign_in(port, form, "wrong-%d" % i, "127.0.0.%d" % i)
                self.assertEqual(wrong.status, 401, (i, wrong.body))
            # The right password from an address that has not failed signs in.
            ok = sign_in(port, form, "demo_password", "127.0.0.20")
            self.assertIn(ok.status, (302, 303), ok.body)
            self.assertIn("code=", ok.header("location"))

    def test_wrong_passwords_from_one_address_throttle_that_address(self):
        with harness.ServerProcess("gateway/gateway", [
                "--port", "0", "--grpc-listen", "", "--redirect-uris", REDIRECT]) as gateway:
            port = gateway.ports["http_port"]
            form = login_form(port)
            for i in range(5):
                self.assertEqual(sign_in(port, form, "wrong", "127.0.0.30").status, 401)
            refused = sign_in(port, form, "demo_password", "127.0.0.30")
            self.assertEqual(refused.status, 429, refused.body)
            self.assertTrue(1 <= int(refused.header("retry-after")) <= 300)
            self.assertIn("Too many failed sign-in attempts", refused.body)
            # Another address is unaffected.
            ok = sign_in(port, form, "demo_password", "127.0.0.31")
            self.assertIn(ok.status, (302, 303), ok.body)


if __name__ == "__main__":
    unittest.main()
