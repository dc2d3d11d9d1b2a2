"""Helpers shared by the storage integration tests: the OAuth flow step by
step (so that the code is known), token refresh/revocation, an MCP call
with a bearer token, and a throwaway PostgreSQL cluster (tools/pgtemp)."""
import json
import re
import subprocess
import urllib.parse

import harness

CLIENT_ID = "static-mcp-client-001"
CLIENT_SECRET = "your-secret-key-change-this-in-production"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def client_headers():
    headers = dict(FORM)
    headers["Authorization"] = harness.basic_auth(CLIENT_ID, CLIENT_SECRET)
    return headers


def obtain_code(port, redirect_uri, login_port=None):
    """authorize -> sign in; returns (code, verifier). `login_port` lets the
    sign-in happen at another instance than the authorization request."""
    verifier, challenge = harness.pkce_pair()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri,
        "scope": "user", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    started = harness.request(port, "GET", "/authorize?" + query)
    if started.status != 302:
        raise RuntimeError("authorize: %d %s" % (started.status, started.body[:200]))
    login_port = login_port or port
    page = harness.request(login_port, "GET", started.header("location"))
    fields = dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"', page.body))
    fields.update({"username": "demo_user", "password": "demo_password"})
    signed_in = harness.request(login_port, "POST", "/login", body=fields, headers=FORM)
    if signed_in.status != 303:
        raise RuntimeError("login: %d %s" % (signed_in.status, signed_in.body[:200]))
    query = urllib.parse.urlparse(signed_in.header("location")).query
    return urllib.parse.parse_qs(query)["code"][0], verifier


def exchange(port, code, verifier, redirect_uri):
    return harness.request(port, "POST", "/token", body={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": verifier}, headers=client_headers())


def refresh(port, refresh_token):
    return harness.request(port, "POST", "/token", body={
        "grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=client_headers())


def revoke(port, token):
    return harness.request(port, "POST", "/revoke", body={"token": token},
                           headers=client_headers())


def mcp_initialize(port, access_token):
    """POST /mcp initialize with the bearer token; returns the response."""
    return harness.request(port, "POST", "/mcp", body=json.dumps({
        "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "storage-test", "version": "1"}}}), headers={
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "Authorization": "Bearer " + access_token})


def mcp_echo(port, access_token, session_id, message):
    return harness.request(port, "POST", "/mcp", body=json.dumps({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"message": message}}}), headers={
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "Authorization": "Bearer " + access_token,
        "Mcp-Session-Id": session_id, "MCP-Protocol-Version": "2025-11-25"})


class PostgresCluster:
    """A private PostgreSQL server on a free loopback port (tools/pgtemp),
    stopped and deleted by stop(). Raises if it cannot be started."""

    def __init__(self, script=None):
        script = script or harness.runfile("tools/pgtemp")
        out = subprocess.run([script, "start"], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError("tools/pgtemp start failed: " + out.stdout + out.stderr)
        self.script = script
        self.url, self.dir = out.stdout.split()[:2]

    def restart(self, down_seconds):
        """Stops the server, keeps it down for `down_seconds`, starts it again
        (same port, same data)."""
        subprocess.run([self.script, "restart", self.dir, str(down_seconds)], check=True,
                       timeout=120)

    def down(self):
        """Stops the server (immediate mode), keeping its data."""
        subprocess.run([self.script, "down", self.dir], check=True, timeout=60)

    def up(self):
        """Starts the stopped server again on the same port."""
        subprocess.run([self.script, "up", self.dir], check=True, timeout=120)

    def stop(self):
        subprocess.run([self.script, "stop", self.dir], timeout=60)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
