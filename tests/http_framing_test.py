#!/usr/bin/python3
"""Message framing of the public HTTP server (RFC 9112 Sections 5.2, 6.1, 6.3),
over raw sockets against the real gateway binary: a request whose body another
HTTP implementation could frame differently (a proxy in front, say) gets 400
and the connection is closed, so that bytes hidden in such a body are never
read as a request of their own. Each refused request below carries a complete
second request where the server would look for the next one if it framed the
body the wrong way: exactly one response (the 400) must come back."""
import socket
import time
import unittest

import harness
from http_limits_test import parse_responses, read_until_eof

GATEWAY = "gateway/gateway"
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def post(fields, version=b"HTTP/1.1"):
    return (b"POST /token " + version + b"\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + fields + b"\r\n")


class HttpFramingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(GATEWAY, ["--port", "0", "--grpc-listen",
                                                     "127.0.0.1:0"])
        cls.port = cls.server.ports["http_port"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def exchange(self, *pieces, pause=0.0):
        """Sends `pieces` (with `pause` seconds between them) and returns every
        response until the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            for i, piece in enumerate(pieces):
                if i and pause:
                    time.sleep(pause)
                try:
                    sock.sendall(piece)
                except OSError:
                    break  # refused and closed already
            return parse_responses(read_until_eof(sock, timeout=10))

    def answered_healthz(self):
        return self.server.read_log().count('"route":"/healthz"')

    def assert_refused(self, request, *more, pause=0.0):
        # Lines of earlier requests may still be on their way (the writer
        # batches them): count once the log is quiet.
        healthz_before = harness.settled(self.answered_healthz)
        responses = self.exchange(request, *more, pause=pause)
        self.assertEqual([r[0] for r in responses], [400], responses)
        status, headers, body = responses[0]
        self.assertEqual(headers.get("connection"), "close")
        self.assertIn(b"invalid_request", body)
        time.sleep(0.2)  # the access log line of a (wrongly) served request
        self.assertEqual(self.answered_healthz(), healthz_before,
                         "the smuggled request was served")
        return body

    # -- Transfer-Encoding ---------------------------------------------------------
    def test_transfer_encoding_other_than_chunked_is_refused(self):
        for coding in (b"chunked, identity", b"identity", b"xchunked", b"gzip, chunked",
                       b"chunked, chunked", b"chunked;x=1", b""):
            with self.subTest(coding=coding):
                self.assert_refused(post(b"Transfer-Encoding: " + coding + b"\r\n") + SMUGGLED)

    def test_chunked_identity_does_not_turn_chunk_data_into_a_request(self):
        # The case: the chunk data held a request, which was served.
        chunk = b"2\r\n{}\r\n0\r\n\r\n"
        self.assert_refused(post(b"Transfer-Encoding: chunked, identity\r\n") + SMUGGLED + chunk)

    def test_two_transfer_encoding_fields_are_refused(self):
        self.assert_refused(post(b"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n")
                            + b"0\r\n\r\n" + SMUGGLED)

    def test_transfer_encoding_with_content_length_is_refused(self):
        # xchunked + Content-Length was framed by the length and answered.
        for fields in (b"Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n",
                       b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
                       b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
                       b"Content-Length: 5\r\nTransfer-Encoding: identity\r\n"):
            with self.subTest(fields=fields):
                self.assert_refused(post(fields) + b"0\r\n\r\n" + SMUGGLED)

    def test_transfer_encoding_in_http_1_0_is_refused(self):
        self.assert_refused(post(b"Transfer-Encoding: chunked\r\n", b"HTTP/1.0")
                            + b"0\r\n\r\n" + SMUGGLED)

    def test_chunked_in_any_case_and_with_whitespace_is_read(self):
        for coding in (b"chunked", b"Chunked", b" \tCHUNKED\t "):
            with self.subTest(coding=coding):
                responses = self.exchange(
                    post(b"Transfer-Encoding:" + coding + b"\r\n")
                    + b"1d\r\ngrant_type=client_credentials\r\n0\r\n\r\n"
                    + SMUGGLED.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
                # Both requests framed alike: no client authentication, then
                # the pipelined /healthz.
                self.assertEqual([r[0] for r in responses], [401, 200], responses)

    # -- Content-Length ------------------------------------------------------------
    def test_malformed_or_conflicting_content_length_is_refused(self):
        for fields in (b"Content-Length: 0\r\nContent-Length: 42\r\n",
                       b"Content-Length: 0, 42\r\n", b"Content-Length: +0\r\n",
                       b"Content-Length: 0x0\r\n", b"Content-Length: -1\r\n",
                       b"Content-Length: 0 0\r\n", b"Content-Length:\r\n",
                       b"Content-Length: 99999999999999999999999\r\n"):
            with self.subTest(fields=fields):
                self.assert_refused(post(fields) + SMUGGLED)

    # -- chunked bodies and obsolete line folding --------------------------------
    def test_bad_chunk_size_is_refused(self):
        for chunk in (b"zz\r\n{}\r\n0\r\n\r\n", b"-2\r\n{}\r\n0\r\n\r\n",
                      b"fffffffffffffffffff\r\n{}\r\n0\r\n\r\n", b"2 3\r\n{}\r\n0\r\n\r\n"):
            with self.subTest(chunk=chunk):
                self.assert_refused(post(b"Transfer-Encoding: chunked\r\n") + chunk + SMUGGLED)

    def test_obsolete_line_folding_is_refused(self):
        for fields in (b"Transfer-Encoding:\r\n chunked\r\n",
                       b"X-Folded: a\r\n\tb\r\nContent-Length: 0\r\n"):
            with self.subTest(fields=fields):
                body = self.assert_refused(post(fields) + b"0\r\n\r\n" + SMUGGLED)
                self.assertIn(b"folding", body)
        # The folded line arrives in a later segment than the field it continues.
        self.assert_refused(post(b"X-Folded: a\r\n")[:-2], b" b\r\n\r\n" + SMUGGLED, pause=0.2)

    def test_header_arriving_in_pieces_is_still_read(self):
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        pieces = [request[:22], request[22:23], request[23:40], request[40:-1], request[-1:]]
        self.assertEqual([r[0] for r in self.exchange(*pieces, pause=0.1)], [200])

    def test_header_over_the_limit_is_still_refused_with_431(self):
        responses = self.exchange(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                                  + b"a" * (20 * 1024) + b"\r\n\r\n")
        self.assertEqual([r[0] for r in responses], [431])


if __name__ == "__main__":
    unittest.main()
