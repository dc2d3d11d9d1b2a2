#!/usr/bin/python3
"""HTTPS on the public port of the real gateway binary, with a CA and server
certificates generated at test time by the openssl CLI: /healthz and a full
OAuth flow plus /mcp over TLS (verified against the test CA), TLS below 1.2
refused, plain HTTP on the TLS port refused, certificate reload on SIGHUP
(new connections get the new certificate, an open connection keeps working,
a broken file keeps the old one), and startup errors for bad key files."""
import json
import os
import signal
import ssl
import subprocess
import time
import unittest
import http.client

import harness

GATEWAY = "gateway/gateway"
ACCEPT = "application/json, text/event-stream"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
            "-subj", "/CN=" + name, cwd=directory)
    return os.path.join(directory, name + ".pem")


def make_server_cert(directory, ca, name):
    """A certificate for localhost and 127.0.0.1 signed by `ca`; returns
    (cert path, key path)."""
    ext = os.path.join(directory, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name, cwd=directory)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", ext,
            cwd=directory)
    return os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")


def peer_subject(context, port):
    conn = http.client.HTTPSConnection("localhost", port, timeout=10, context=context)
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        cert = conn.sock.getpeercert()
        return dict(item[0] for item in cert["subject"])["commonName"]
    finally:
        conn.close()


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "tls_test")
        os.makedirs(cls.dir, exist_ok=True)
        cls.ca = make_ca(cls.dir, "test-ca")
        cls.cert, cls.key = make_server_cert(cls.dir, "test-ca", "server-one")
        # The gateway reads these paths; tests swap their contents.
        cls.live_cert = os.path.join(cls.dir, "live.pem")
        cls.live_key = os.path.join(cls.dir, "live.key")
        for src, dst in ((cls.cert, cls.live_cert), (cls.key, cls.live_key)):
            with open(src, "rb") as f, open(dst, "wb") as g:
                g.write(f.read())
        cls.port = harness.free_port()
        cls.base = "https://localhost:%d" % cls.port
        cls.server = harness.ServerProcess(GATEWAY, [
            "--port", str(cls.port), "--grpc-listen", "127.0.0.1:0", "--public-url", cls.base,
            "--tls-cert", cls.live_cert, "--tls-key", cls.live_key])
        cls.tls = ssl.create_default_context(cafile=cls.ca)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_healthz_over_https(self):
        response = harness.request(self.port, "GET", "/healthz", host="localhost", tls=self.tls)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json()["status"], "ok")

    def test_full_oauth_flow_and_mcp_over_https(self):
        tokens = harness.obtain_tokens(self.port, self.base + "/callback", tls=self.tls,
                                       host="localhost")
        self.assertTrue(tokens["access_token"])
        metadata = harness.request(self.port, "GET", "/.well-known/oauth-authorization-server",
                                   host="localhost", tls=self.tls).json()
        self.assertEqual(metadata["issuer"], self.base)
        self.assertEqual(metadata["token_endpoint"], self.base + "/token")
        response = harness.request(self.port, "POST", "/mcp", host="localhost", tls=self.tls,
                                   body=json.dumps({
                                       "jsonrpc": "2.0", "id": 1, "method": "initialize",
                                       "params": {"protocolVersion": "2025-11-25",
                                                  "capabilities": {},
                                                  "clientInfo": {"name": "tls", "version": "1"}}}),
                                   headers={"Authorization": "Bearer " + tokens["access_token"],
                                            "Accept": ACCEPT, "Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response.body)
        self.assertTrue(response.header("mcp-session-id"))

    def test_old_tls_versions_and_plain_http_are_refused(self):
        old = ssl.create_default_context(cafile=self.ca)
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises((ssl.SSLError, OSError)):
            harness.request(self.port, "GET", "/healthz", host="localhost", tls=old)
        tls12 = ssl.create_default_context(cafile=self.ca)
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        self.assertEqual(harness.request(self.port, "GET", "/healthz", host="localhost",
                                         tls=tls12).status, 200)
        with self.assertRaises((http.client.HTTPException, OSError)):
            harness.request(self.port, "GET", "/healthz")

    def test_untrusted_certificate_is_rejected_by_clients(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            harness.request(self.port, "GET", "/healthz", host="localhost",
                            tls=ssl.create_default_context())

    def test_sighup_reloads_the_certificate_without_dropping_connections(self):
        self.assertEqual(peer_subject(self.tls, self.port), "server-one")
        # A keep-alive connection opened before the reload.
        kept = http.client.HTTPSConnection("localhost", self.port, timeout=10, context=self.tls)
        kept.request("GET", "/healthz")
        self.assertEqual(kept.getresponse().read() and 200, 200)

        cert, key = make_server_cert(self.dir, "test-ca", "server-two")
        for src, dst in ((cert, self.live_cert), (key, self.live_key)):
            with open(src, "rb") as f, open(dst, "wb") as g:
                g.write(f.read())
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while peer_subject(self.tls, self.port) != "server-two" and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(peer_subject(self.tls, self.port), "server-two")
        self.assertIn("TLS certificate reloaded", self.server.read_log())
        # The old connection still works, on its old certificate.
        kept.request("GET", "/healthz")
        response = kept.getresponse()
        self.assertEqual(response.status, 200)
        response.read()
        self.assertEqual(dict(i[0] for i in kept.sock.getpeercert()["subject"])["commonName"],
                         "server-one")
        kept.close()

        # A broken file: the reload fails loudly and the last good certificate stays.
        with open(self.live_cert, "w") as f:
            f.write("not a certificate\n")
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "TLS reload failed" not in self.server.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("TLS reload failed", self.server.read_log())
        self.assertEqual(peer_subject(self.tls, self.port), "server-two")
        self.assertIsNone(self.server.proc.poll())
        with open(cert, "rb") as f, open(self.live_cert, "wb") as g:
            g.write(f.read())


class TlsStartupTest(unittest.TestCase):
    def run_gateway(self, *args):
        return subprocess.run([harness.runfile(GATEWAY), "--port", "0", "--grpc-listen", "",
                               "--store", "memory"] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_bad_key_files_stop_startup(self):
        directory = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "tls_startup")
        os.makedirs(directory, exist_ok=True)
        make_ca(directory, "ca")
        cert, key = make_server_cert(directory, "ca", "one")
        _, other_key = make_server_cert(directory, "ca", "two")
        mismatch = self.run_gateway("--tls-cert", cert, "--tls-key", other_key)
        self.assertEqual(mismatch.returncode, 1)
        self.assertIn("mismatch", mismatch.stderr)
        missing = self.run_gateway("--tls-cert", cert + ".missing", "--tls-key", key)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("--tls-cert", missing.stderr)
        alone = self.run_gateway("--tls-cert", cert)
        self.assertEqual(alone.returncode, 2)


if __name__ == "__main__":
    unittest.main()
