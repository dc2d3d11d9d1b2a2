"""Test harness: starts real server binaries on free ports and talks to them.

Used by the integration tests under tests/. Each server is started with port 0
for every listener and reports its bound ports on a "... ready: k=v ..." line.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse


def runfile(path):
    """Absolute path of a workspace-relative data dependency."""
    base = os.environ.get("TEST_SRCDIR") or os.environ.get("RUNFILES_DIR")
    workspace = os.environ.get("TEST_WORKSPACE", "mcp_oauth")
    if base:
        candidate = os.path.join(base, workspace, path)
        if os.path.exists(candidate):
            return candidate
    return os.path.join(os.getcwd(), path)


class ServerProcess:
    """A server binary running in the background, stopped on exit."""

    def __init__(self, binary, args, env=None, ready_timeout=30):
        self.log_path = os.path.join(
            os.environ.get("TEST_TMPDIR", "/tmp"),
            "%s-%d.log" % (os.path.basename(binary), time.monotonic_ns()))
        self.log = open(self.log_path, "w+")
        full_env = dict(os.environ)
        full_env.update(env or {})
        args = list(args)
        # Servers keeping tokens default to a SQLite file in the user's data
        # directory; tests run in parallel, so each server gets a private
        # in-memory store unless the test chooses one (--store, or MCP_STORE
        # or MCP_DATA_DIR in `env`).
        if (os.path.basename(binary) in ("gateway", "auth_server")
                and not any(a == "--store" or a.startswith("--store=") for a in args)
                and not {"MCP_STORE", "MCP_DATA_DIR"} & set(env or {})):
            args.append("--store=memory")
        self.binary = binary
        self.args = args
        self.env = env
        self.proc = subprocess.Popen([runfile(binary)] + args, stdout=subprocess.PIPE,
                                     stderr=self.log, env=full_env, text=True)
        self.ports = {}
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = re.search(r"ready: (.*)$", line)
            if match:
                for pair in match.group(1).split():
                    key, _, value = pair.partition("=")
                    self.ports[key] = int(value)
                return
        self.stop()
        raise RuntimeError("server did not become ready; log:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Sends `sig` and returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


def request(port, method, path, body=None, headers=None, host="127.0.0.1", tls=None):
    """One HTTP/1.1 request on a fresh connection; never follows redirects.
    With `tls` (an ssl.SSLContext) the request goes over HTTPS."""
    if tls is not None:
        conn = http.client.HTTPSConnection(host, port, timeout=30, context=tls)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


MCP_ACCEPT = "application/json, text/event-stream"


def mcp_post(port, access_token, message, session=None, headers=None, raw=None):
    """POSTs one JSON-RPC `message` (or the `raw` body) to /mcp with the bearer
    token; with `session`, its id and protocol version 2025-11-25. `headers`
    add to or replace those (a None value leaves one out)."""
    all_headers = {"Content-Type": "application/json", "Accept": MCP_ACCEPT,
                   "Authorization": "Bearer " + access_token}
    if session:
        all_headers.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
    all_headers.update(headers or {})
    all_headers = {k: v for k, v in all_headers.items() if v is not None}
    body = raw if raw is not None else json.dumps(message)
    return request(port, "POST", "/mcp", body=body, headers=all_headers)


def basic_auth(client_id, secret):
    """HTTP Basic client credentials, form-encoded first (RFC 6749 §2.3.1)."""
    import base64
    raw = "%s:%s" % (urllib.parse.quote(client_id, safe=""), urllib.parse.quote(secret, safe=""))
    return "Basic " + base64.b64encode(raw.encode()).decode()


def pkce_pair():
    """A PKCE verifier and its S256 challenge."""
    import base64
    import hashlib
    import secrets
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def obtain_tokens(port, redirect_uri, client_id="static-mcp-client-001",
                  client_secret="your-secret-key-change-this-in-production",
                  username="demo_user", password="demo_password", scope="user", tls=None,
                  host="127.0.0.1"):
    """Runs the whole browser-less flow (authorize -> login form -> code ->
    token) and returns the token response as a dict. With `tls` (an
    ssl.SSLContext) every request goes over HTTPS to `host`."""
    def request(port, method, path, body=None, headers=None):
        return globals()["request"](port, method, path, body=body, headers=headers, host=host,
                                    tls=tls)
    verifier, challenge = pkce_pair()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": scope, "state": "bench", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    started = request(port, "GET", "/authorize?" + query)
    if started.status != 302:
        raise RuntimeError("authorize: %d %s" % (started.status, started.body[:200]))
    page = request(port, "GET", started.header("location"))
    fields = dict(re.findall(r'name="(authorization_id|csrf_token)" value="([^"]*)"', page.body))
    fields.update({"username": username, "password": password})
    signed_in = request(port, "POST", "/login", body=fields,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    if signed_in.status != 303:
        raise RuntimeError("login: %d %s" % (signed_in.status, signed_in.body[:200]))
    code = urllib.parse.parse_qs(urllib.parse.urlparse(signed_in.header("location")).query)["code"][0]
    token = request(port, "POST", "/token", body={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": verifier}, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": basic_auth(client_id, client_secret)})
    if token.status != 200:
        raise RuntimeError("token: %d %s" % (token.status, token.body[:200]))
    return token.json()


def is_json_integer(value):
    """True when `value`, as json.loads returned it, was a JSON integer: not a
    string of digits, not a float, not a boolean (bool is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def free_port():
    """A TCP port free on 127.0.0.1 right now (for servers whose public URL
    must name their port before they start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settled(read, quiet=0.1, timeout=5):
    """read() once its value has stayed the same for `quiet` seconds (at most
    `timeout`): e.g. a count of access-log lines, which the gateway writes
    from a background thread a few milliseconds after each response."""
    deadline = time.monotonic() + timeout
    value = read()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        current = read()
        if current != value:
            value, stable_since = current, time.monotonic()
        elif time.monotonic() - stable_since >= quiet:
            break
    return value
