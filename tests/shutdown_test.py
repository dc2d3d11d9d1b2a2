#!/usr/bin/python3
"""Graceful shutdown of the real gateway binary on SIGTERM: the listener stops
accepting, an idle keep-alive connection is closed, a request that was still
arriving when the signal came is answered (with Connection: close), an open
SSE stream gets its final ": server shutting down" comment and last chunk and
is closed, and the process exits 0 within the grace period."""
import json
import signal
import socket
import time
import unittest

import harness

GATEWAY = "gateway/gateway"
ACCEPT = "application/json, text/event-stream"
GRACE_SECONDS = 8


def read_until(sock, marker, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def read_to_eof(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


class ShutdownTest(unittest.TestCase):
    def test_sigterm_drains_requests_and_streams(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        server = harness.ServerProcess(GATEWAY, [
            "--port", str(port), "--grpc-listen", "127.0.0.1:0", "--public-url", base,
            "--shutdown-grace-seconds", str(GRACE_SECONDS)])
        try:
            token = harness.obtain_tokens(port, base + "/callback")["access_token"]
            auth = {"Authorization": "Bearer " + token, "Accept": ACCEPT,
                    "Content-Type": "application/json"}
            init = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "shutdown_test", "version": "1"}}}), headers=auth)
            self.assertEqual(init.status, 200, init.body)
            session = init.header("mcp-session-id")
            session_headers = ("Host: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                               "Mcp-Session-Id: %s\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                               % (port, token, session))

            # 1. An open SSE stream.
            sse = socket.create_connection(("127.0.0.1", port))
            sse.sendall(("GET /mcp HTTP/1.1\r\n%sAccept: text/event-stream\r\n\r\n"
                         % session_headers).encode())
            head = read_until(sse, b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)

            # 2. A request still arriving: headers and half of the body.
            body = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping"}).encode()
            slow = socket.create_connection(("127.0.0.1", port))
            slow.sendall(("POST /mcp HTTP/1.1\r\n%sAccept: %s\r\nContent-Type: application/json"
                          "\r\nContent-Length: %d\r\n\r\n" % (session_headers, ACCEPT, len(body))
                          ).encode() + body[:10])

            # 3. An idle keep-alive connection (one request done, still open).
            idle = socket.create_connection(("127.0.0.1", port))
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            first = read_until(idle, b"}}")
            self.assertTrue(first.startswith(b"HTTP/1.1 200"), first)
            time.sleep(0.3)  # the server has read the slow request's headers

            signalled = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)

            # The idle connection is closed without an answer.
            self.assertEqual(read_to_eof(idle, timeout=5), b"")
            # New connections are refused once the listener is closed.
            refused = False
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not refused:
                try:
                    probe = socket.create_connection(("127.0.0.1", port), timeout=1)
                    probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    refused = read_to_eof(probe, timeout=2) == b""
                    probe.close()
                except OSError:
                    refused = True
                if not refused:
                    time.sleep(0.05)
            self.assertTrue(refused, "still serving new connections after SIGTERM")

            # The stream got its final comment and last chunk, then EOF.
            streamed = read_to_eof(sse, timeout=5)
            self.assertIn(b": server shutting down\n\n", streamed)
            self.assertTrue(streamed.endswith(b"0\r\n\r\n"), streamed[-80:])

            # The request in flight completes after the signal.
            self.assertIsNone(server.proc.poll(), "exited before the in-flight request ended")
            slow.sendall(body[10:])
            answer = read_to_eof(slow, timeout=5)
            self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer)
            self.assertIn(b"\r\nConnection: close\r\n", answer)
            self.assertIn(b'"id":9', answer)

            self.assertEqual(server.proc.wait(timeout=GRACE_SECONDS + 5), 0)
            self.assertLess(time.monotonic() - signalled, GRACE_SECONDS,
                            "the drain waited for the whole grace period")
            for sock in (sse, slow, idle):
                sock.close()
        finally:
            server.stop()
        log = server.read_log()
        self.assertIn("received SIGTERM", log)
        self.assertNotIn("still open after the shutdown grace period", log)


if __name__ == "__main__":
    unittest.main()
