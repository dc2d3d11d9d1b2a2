#!/usr/bin/python3
"""Every gRPC server exposes its own metrics to internal callers through
mcp_oauth.ops.v1.MetricsService, found and called through server reflection
only (as grpcurl would): a standalone auth_server shows the token grants and
refusals it decided, a standalone tool_server the tool calls it ran, both with
their RPCs by method and code; each is counted once, in the process that did
the work (a gateway using a remote service adds that service's series to its
/metrics with a remote label, and says when it cannot read them). The gateway
hosting the services (the default) has the same MetricsService on its internal
port, and its GET /metrics includes the services' series."""
import json
import unittest

import grpc

import harness
from reflection_client import ReflectionClient

METRICS = "mcp_oauth.ops.v1.MetricsService"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def series_value(text, series):
    """The value of one exact series line (name plus labels), or None."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[-1])
    return None


def get_metrics(grpc_port, prefixes=None):
    client = ReflectionClient("127.0.0.1:%d" % grpc_port)
    try:
        return client.call(METRICS, "GetMetrics",
                           json.dumps({"name_prefixes": prefixes or []}))
    finally:
        client.close()


class ServiceMetricsTest(unittest.TestCase):
    def test_auth_server_counts_its_grants(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess("auth/auth_server", [
                "--grpc-listen", "127.0.0.1:0", "--public-url", base]) as auth, \
                harness.ServerProcess("gateway/gateway", [
                    "--port", str(port), "--grpc-listen", "", "--public-url", base,
                    "--metrics", "--auth-target",
                    "127.0.0.1:%d" % auth.ports["grpc_port"]]):
            grpc_port = auth.ports["grpc_port"]
            client = ReflectionClient("127.0.0.1:%d" % grpc_port)
            try:
                self.assertIn(METRICS, client.list_services())
            finally:
                client.close()
            before = get_metrics(grpc_port)["prometheus_text"]
            self.assertIsNone(series_value(
                before, 'oauth_token_grants_total{grant_type="authorization_code"}'))

            harness.obtain_tokens(port, base + "/callback")
            refused = harness.request(port, "POST", "/token", body={
                "grant_type": "authorization_code", "code": "not-a-code",
                "redirect_uri": base + "/callback", "code_verifier": "v" * 43},
                headers=dict(FORM, Authorization=harness.basic_auth(
                    "static-mcp-client-001", "your-secret-key-change-this-in-production")))
            self.assertEqual(refused.status, 400, refused.body)

            response = get_metrics(grpc_port)
            text = response["prometheus_text"]
            self.assertEqual(series_value(
                text, 'oauth_token_grants_total{grant_type="authorization_code"}'), 1)
            self.assertEqual(series_value(
                text, 'oauth_token_failures_total{grant_type="authorization_code",'
                      'error="invalid_grant"}'), 1)
            self.assertEqual(series_value(
                text, 'grpc_server_handled_total{method="AuthService/Token",code="OK"}'), 1)
            self.assertEqual(series_value(
                text, 'grpc_server_handled_total{method="AuthService/Token",'
                      'code="INVALID_ARGUMENT"}'), 1)
            self.assertEqual(series_value(
                text, 'grpc_server_handling_seconds_count{method="AuthService/Token"}'), 2)
            # The structured families carry the same numbers.
            grants = [f for f in response["families"]
                      if f["name"] == "oauth_token_grants_total"][0]
            self.assertEqual(grants["type"], "COUNTER")
            self.assertEqual(grants["samples"][0]["labels"],
                             [{"name": "grant_type", "value": "authorization_code"}])
            self.assertEqual(grants["samples"][0]["value"], 1)

            # A prefix filter keeps only those families.
            only = get_metrics(grpc_port, ["oauth_"])
            self.assertEqual(sorted(f["name"] for f in only["families"]),
                             ["oauth_token_failures_total", "oauth_token_grants_total"])

            # The gateway did not count the grant itself (it only made the
            # call); its /metrics shows auth_server's series, labelled.
            gateway_metrics = harness.request(port, "GET", "/metrics").body
            self.assertIsNone(series_value(
                gateway_metrics, 'oauth_token_grants_total{grant_type="authorization_code"}'))
            self.assertEqual(series_value(
                gateway_metrics,
                'oauth_token_grants_total{grant_type="authorization_code",remote="auth"}'), 1)
            self.assertEqual(series_value(
                gateway_metrics, 'grpc_server_handled_total{method="AuthService/Token",'
                                 'code="OK",remote="auth"}'), 1)
            self.assertEqual(series_value(gateway_metrics, 'metrics_remote_up{remote="auth"}'), 1)
            self.assertIn('grpc_client_call_duration_seconds_count{method="AuthService/Token"} 2',
                          gateway_metrics)
            # With auth_server gone the scrape still answers, saying so.
            self.assertEqual(auth.stop(), 0)
            scraped = harness.request(port, "GET", "/metrics")
            self.assertEqual(scraped.status, 200)
            self.assertEqual(series_value(scraped.body, 'metrics_remote_up{remote="auth"}'), 0)
            self.assertEqual([line for line in scraped.body.splitlines()
                              if 'remote="auth"' in line and not line.startswith("metrics_remote_up")],
                             [])
            self.assertIn("# TYPE http_requests_total counter", scraped.body)

    def test_tool_server_counts_its_tool_calls(self):
        with harness.ServerProcess("mcp/tool_server", ["--grpc-listen", "127.0.0.1:0"]) as tools:
            target = "127.0.0.1:%d" % tools.ports["grpc_port"]
            client = ReflectionClient(target)
            try:
                self.assertIn(METRICS, client.list_services())
                echoed = client.call("mcp_oauth.tools.v1.ToolService", "CallTool", json.dumps(
                    {"name": "echo", "arguments": {"message": "hi"}}))
                self.assertEqual(echoed["structured_content"]["echo"], "hi")
                invalid = client.call("mcp_oauth.tools.v1.ToolService", "CallTool",
                                      json.dumps({"name": "echo"}))
                self.assertTrue(invalid["is_error"])
                with self.assertRaises(grpc.RpcError) as unknown:
                    client.call("mcp_oauth.tools.v1.ToolService", "CallTool",
                                json.dumps({"name": "no_such_tool"}))
                self.assertEqual(unknown.exception.code(), grpc.StatusCode.NOT_FOUND)
            finally:
                client.close()
            text = get_metrics(tools.ports["grpc_port"])["prometheus_text"]
            self.assertEqual(series_value(
                text, 'mcp_tool_calls_total{tool="echo",outcome="ok"}'), 1)
            self.assertEqual(series_value(
                text, 'mcp_tool_calls_total{tool="echo",outcome="invalid_arguments"}'), 1)
            self.assertEqual(series_value(
                text, 'mcp_tool_calls_total{tool="other",outcome="not_found"}'), 1)
            self.assertNotIn("no_such_tool", text)
            self.assertEqual(series_value(
                text, 'grpc_server_handled_total{method="ToolService/CallTool",code="OK"}'), 2)
            self.assertEqual(series_value(
                text, 'grpc_server_handled_total{method="ToolService/CallTool",'
                      'code="NOT_FOUND"}'), 1)

    def test_gateway_hosting_the_services(self):
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        with harness.ServerProcess("gateway/gateway", [
                "--port", str(port), "--grpc-listen", "127.0.0.1:0", "--public-url", base,
                "--metrics"]) as gateway:
            tokens = harness.obtain_tokens(port, base + "/callback")
            headers = {"Content-Type": "application/json",
                       "Accept": "application/json, text/event-stream",
                       "Authorization": "Bearer " + tokens["access_token"]}
            init = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "metrics", "version": "1"}}}), headers=headers)
            self.assertEqual(init.status, 200, init.body)
            headers["Mcp-Session-Id"] = init.header("mcp-session-id")
            headers["MCP-Protocol-Version"] = "2025-11-25"
            called = harness.request(port, "POST", "/mcp", body=json.dumps({
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "get_time", "arguments": {}}}), headers=headers)
            self.assertEqual(called.status, 200, called.body)

            from_grpc = get_metrics(gateway.ports["grpc_port"])["prometheus_text"]
            from_http = harness.request(port, "GET", "/metrics").body
            for text in (from_grpc, from_http):
                self.assertEqual(series_value(
                    text, 'mcp_tool_calls_total{tool="get_time",outcome="ok"}'), 1)
                self.assertEqual(series_value(
                    text, 'oauth_token_grants_total{grant_type="authorization_code"}'), 1)
                # The gateway calls its in-process ToolService directly (no
                # RPC, so no server interceptor): counted once, client-side.
                self.assertEqual(series_value(
                    text, 'grpc_client_call_duration_seconds_count{method="ToolService/CallTool"}'), 1)
                self.assertIsNone(series_value(
                    text, 'grpc_server_handled_total{method="ToolService/CallTool",'
                          'code="OK"}'))
                # AuthService too: the token exchange was a direct call.
                self.assertEqual(series_value(
                    text, 'grpc_client_call_duration_seconds_count{method="AuthService/Token"}'), 1)
                self.assertIsNone(series_value(
                    text, 'grpc_server_handled_total{method="AuthService/Token",code="OK"}'))
            self.assertIn("# TYPE http_requests_total counter", from_grpc)


if __name__ == "__main__":
    unittest.main()
