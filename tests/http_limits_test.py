#!/usr/bin/python3
"""Per-route body limits, keep-alive and pipelining limits of the public HTTP
server, driven over raw sockets against the real gateway binary (small limits
set by flags and environment variables). Each test fails without the limit it
names: the refusal must come from the header alone, before the body is sent."""
import socket
import threading
import time
import unittest

import harness

GATEWAY = "gateway/gateway"
FORM_LIMIT = 1024
MCP_LIMIT = 4096
OTHER_LIMIT = 2048
PER_CONNECTION = 12
PIPELINED = 4


def parse_responses(data):
    """Splits bytes holding consecutive HTTP/1.1 responses (each with a
    Content-Length) into (status, headers, body) tuples; headers lower-case."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("truncated response: %r" % data[:200])
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        responses.append((status, headers, rest[:length]))
        data = rest[length:]
    return responses


def read_until_eof(sock, timeout=10):
    """Everything the server sends until it closes; raises socket.timeout if it
    keeps the connection open longer than `timeout`."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def read_one_response(sock, timeout=10):
    """One response (with Content-Length) from a kept-alive connection."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed mid-response: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed mid-body")
        body += chunk
    return parse_responses(head + b"\r\n\r\n" + body)[0]


def read_one_response_after(sock, already):
    """One response whose first bytes (`already`) were read with another."""
    class Replay:
        def __init__(self):
            self.pending = already

        def settimeout(self, timeout):
            sock.settimeout(timeout)

        def recv(self, size):
            if self.pending:
                data, self.pending = self.pending, b""
                return data
            return sock.recv(size)
    return read_one_response(Replay())


class HttpLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Flags for some limits, environment variables for the others: both
        # spellings must reach the server.
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", "0", "--grpc-listen", "127.0.0.1:0",
            "--max-form-body-bytes", str(FORM_LIMIT),
            "--max-mcp-body-bytes", str(MCP_LIMIT),
            "--max-requests-per-connection", str(PER_CONNECTION)], env={
                "MCP_MAX_BODY_BYTES": str(OTHER_LIMIT),
                "MCP_MAX_PIPELINED_REQUESTS": str(PIPELINED)})
        cls.port = cls.server.ports["http_port"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def post_header(self, path, length, extra=""):
        return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: %d\r\n%s\r\n" % (path, length, extra)).encode()

    # -- body limits per route ---------------------------------------------------
    def assert_refused_from_header_alone(self, path, length):
        """Sends only the header announcing `length` body bytes: the 413 must
        come at once (the body is never sent) and the connection must end."""
        with self.connect() as sock:
            sock.sendall(self.post_header(path, length))
            responses = parse_responses(read_until_eof(sock, timeout=5))
        self.assertEqual(len(responses), 1, responses)
        status, headers, body = responses[0]
        self.assertEqual(status, 413, body)
        self.assertEqual(headers.get("connection"), "close")
        self.assertIn(b"too large", body)

    def test_form_routes_refuse_a_content_length_over_their_limit(self):
        for path in ("/token", "/login", "/login/callback", "/introspect", "/revoke",
                     "/register"):
            with self.subTest(path=path):
                self.assert_refused_from_header_alone(path, FORM_LIMIT + 1)

    def test_form_route_accepts_a_body_at_its_limit(self):
        body = "grant_type=client_credentials&x=" + "a" * (FORM_LIMIT - 32)
        self.assertEqual(len(body), FORM_LIMIT)
        response = harness.request(self.port, "POST", "/token", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        self.assertNotEqual(response.status, 413, response.body)
        self.assertEqual(response.status, 401, response.body)  # no client authentication

    def test_mcp_has_its_own_larger_limit(self):
        response = harness.request(self.port, "POST", "/mcp", body="x" * (FORM_LIMIT * 3),
                                   headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 401, response.body)  # read, then bearer check
        self.assert_refused_from_header_alone("/mcp", MCP_LIMIT + 1)

    def test_other_paths_use_the_default_limit(self):
        response = harness.request(self.port, "POST", "/healthz", body="x" * 1000)
        self.assertEqual(response.status, 405, response.body)
        self.assert_refused_from_header_alone("/healthz", OTHER_LIMIT + 1)
        # The query is not part of the path that selects the limit.
        self.assert_refused_from_header_alone("/token?grant_type=x", FORM_LIMIT + 1)

    def test_chunked_body_over_the_route_limit_is_refused(self):
        with self.connect() as sock:
            sock.sendall(b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"a" * 400
            for _ in range(4):  # 1600 decoded bytes > FORM_LIMIT
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            try:
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server may have answered and half-closed already
            responses = parse_responses(read_until_eof(sock, timeout=5))
        self.assertEqual([r[0] for r in responses], [413])

    def test_chunked_body_under_the_route_limit_is_read(self):
        with self.connect() as sock:
            sock.sendall(b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n"
                         b"19\r\ngrant_type=client_credent\r\n4\r\nials\r\n0\r\n\r\n")
            responses = parse_responses(read_until_eof(sock, timeout=5))
        self.assertEqual([r[0] for r in responses], [401])

    def test_expect_100_continue_is_answered_or_refused_before_the_body(self):
        with self.connect() as sock:
            body = b"grant_type=client_credentials"
            sock.sendall(self.post_header("/token", len(body), "Expect: 100-continue\r\n"))
            sock.settimeout(5)
            interim = b""
            while b"\r\n\r\n" not in interim:
                chunk = sock.recv(4096)
                self.assertTrue(chunk, "closed before 100 Continue")
                interim += chunk
            self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim)
            head, _, rest = interim.partition(b"\r\n\r\n")
            sock.sendall(body)
            status, _, _ = read_one_response_after(sock, rest)
        self.assertEqual(status, 401)  # the body was read: no client authentication
        with self.connect() as sock:
            sock.sendall(self.post_header("/token", FORM_LIMIT + 1, "Expect: 100-continue\r\n"))
            responses = parse_responses(read_until_eof(sock, timeout=5))
        self.assertEqual([r[0] for r in responses], [413])

    def test_refusal_reaches_a_client_still_sending_its_body(self):
        # The server answers 413 while the client is still uploading. It
        # half-closes and discards input before closing: a close with unread
        # input sends a reset, which on a real network can discard the answer
        # still in flight (on loopback it has already arrived, so this checks
        # the answer, not the lingering itself).
        size = 4 * 1024 * 1024
        with self.connect() as sock:
            sock.sendall(self.post_header("/token", size))

            def upload():
                try:
                    sock.sendall(b"a" * size)
                except OSError:
                    pass
            uploader = threading.Thread(target=upload, daemon=True)
            uploader.start()
            responses = parse_responses(read_until_eof(sock, timeout=10))
            uploader.join(timeout=10)
        self.assertEqual([r[0] for r in responses], [413])

    # -- keep-alive and pipelining -----------------------------------------------
    def test_keep_alive_ends_after_the_request_limit(self):
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        with self.connect() as sock:
            for i in range(1, PER_CONNECTION + 1):
                sock.sendall(request)
                status, headers, _ = read_one_response(sock)
                self.assertEqual(status, 200)
                if i < PER_CONNECTION:
                    # Sequential requests are not pipelining: no early close.
                    self.assertNotEqual(headers.get("connection"), "close", i)
                else:
                    self.assertEqual(headers.get("connection"), "close")
            self.assertEqual(read_until_eof(sock, timeout=5), b"")

    def test_pipelined_run_is_capped(self):
        count = 40
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        with self.connect() as sock:
            sock.sendall(request * count)
            responses = parse_responses(read_until_eof(sock, timeout=10))
        self.assertEqual([r[0] for r in responses], [200] * PIPELINED)
        self.assertEqual(responses[-1][1].get("connection"), "close")

    def test_pipelining_client_that_never_reads_does_not_make_unbounded_work(self):
        # A client writes requests as fast as it can and never reads: the
        # server stops reading after the capped run, so the client's writes
        # soon block (the server buffers nothing more) and the server keeps
        # serving others.
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        answered_before = harness.settled(self.answered_healthz)
        sent = 0
        with self.connect() as sock:
            sock.setblocking(False)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    sent += sock.send(request * 64)
                except BlockingIOError:
                    time.sleep(0.01)
                except OSError:
                    break  # closed by the server: also bounded
            self.assertEqual(harness.request(self.port, "GET", "/healthz").status, 200)
        # The capped run (plus the one request above) was answered, not the
        # thousands the client pushed: the access log has a line per answer.
        time.sleep(0.5)
        answered = self.answered_healthz() - answered_before
        self.assertGreater(sent // len(request), 100)
        self.assertLessEqual(answered, 2 * PIPELINED + 1, "served %d of %d pipelined requests"
                             % (answered, sent // len(request)))

    def answered_healthz(self):
        return self.server.read_log().count('"route":"/healthz"')


class SlowClientTest(unittest.TestCase):
    """--read-timeout-seconds bounds a whole request (slowloris) and
    --idle-timeout-seconds a kept-alive connection's wait."""
    READ_TIMEOUT = 2
    IDLE_TIMEOUT = 3

    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", "0", "--grpc-listen", "127.0.0.1:0",
            "--read-timeout-seconds", str(cls.READ_TIMEOUT)],
            env={"MCP_IDLE_TIMEOUT_SECONDS": str(cls.IDLE_TIMEOUT)})
        cls.port = cls.server.ports["http_port"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_trickled_request_is_cut_at_the_read_timeout(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < 10:  # the default timeout is 30 s
                try:
                    sock.sendall(b"X")
                    sock.settimeout(0.25)
                    if sock.recv(4096) == b"":
                        closed = True
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed = True
                    break
            held = time.monotonic() - started
        self.assertTrue(closed, "a trickling client held the connection for %.1f s" % held)
        self.assertGreaterEqual(held, self.READ_TIMEOUT - 0.5)

    def test_idle_kept_alive_connection_is_closed_at_the_idle_timeout(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assertEqual(read_one_response(sock)[0], 200)
            started = time.monotonic()
            # Closed after the idle timeout (not the 60 s default, not at once).
            self.assertEqual(read_until_eof(sock, timeout=15), b"")
            held = time.monotonic() - started
        self.assertGreaterEqual(held, self.IDLE_TIMEOUT - 0.5)
        self.assertLess(held, 15)


if __name__ == "__main__":
    unittest.main()
