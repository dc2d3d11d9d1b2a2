// The official MCP TypeScript SDK client against the gateway linked with the
// conformance fixtures (//tests/e2e:conformance_gateway; the production
// gateway has no resources or prompts): resources (list, templates, read,
// subscribe + notifications/resources/updated), prompts, progress
// notifications, tool log messages, cancellation that reaches the running
// tool through gRPC, and notifications/tools/list_changed, all over real
// sockets with a token from the real OAuth flow.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, startGateway } from "./gateway_process.mjs";
import { obtainTokens } from "./oauth_login.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The fixture gateway: $CONFORMANCE_GATEWAY_BIN, the runfiles copy, or bazel-bin. */
function fixtureBinary() {
  const runfiles = process.env.TEST_SRCDIR || process.env.RUNFILES_DIR;
  const candidates = [
    process.env.CONFORMANCE_GATEWAY_BIN,
    runfiles && path.join(runfiles, process.env.TEST_WORKSPACE || "mcp_oauth", "tests/e2e/conformance_gateway"),
    path.resolve(HERE, "../../bazel-bin/tests/e2e/conformance_gateway"),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`conformance_gateway not found (tried ${candidates.join(", ")})`);
  return found;
}

/** Resolves with the first value `collected()` returns that satisfies `ok`, or rejects after `ms`. */
async function waitFor(what, collected, ok, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = collected();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let gateway;
let client;
const logs = [];
const updates = [];
let listChanges = 0;

before(async () => {
  process.env.GATEWAY_BIN = fixtureBinary();
  gateway = await startGateway({ name: "sdk-features" });
  const { tokens } = await obtainTokens({
    issuer: gateway.issuer,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    redirectUri: `${gateway.issuer}/callback`,
    resource: gateway.mcpUrl,
  });
  client = new Client({ name: "e2e-sdk-features", version: "1.0.0" });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => ++listChanges);
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } },
  }));
});

after(async () => {
  await client?.close().catch(() => {});
  const status = await gateway?.stop();
  if (status && status.code !== 0) console.log(`gateway exited with ${JSON.stringify(status)}`);
});

test("declares tools.listChanged, resources.subscribe, prompts, completions, logging", () => {
  const caps = client.getServerCapabilities();
  assert.equal(caps.tools?.listChanged, true);
  assert.equal(caps.resources?.subscribe, true);
  assert.ok(caps.prompts);
  assert.ok(caps.completions);
  assert.ok(caps.logging);
});

test("resources: list, templates, read text and binary", async () => {
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  for (const uri of ["test://static-text", "test://static-binary", "test://watched-resource"]) {
    assert.ok(uris.includes(uri), `${uri} missing from ${uris}`);
  }
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["test://template/{id}/data"]);
  const text = await client.readResource({ uri: "test://static-text" });
  assert.equal(text.contents[0].text, "This is the content of the static text resource.");
  const binary = await client.readResource({ uri: "test://static-binary" });
  assert.equal(Buffer.from(binary.contents[0].blob, "base64").subarray(1, 4).toString(), "PNG");
  const templated = await client.readResource({ uri: "test://template/42/data" });
  assert.equal(JSON.parse(templated.contents[0].text).id, "42");
});

test("prompts: list and get with arguments", async () => {
  const { prompts } = await client.listPrompts();
  assert.ok(prompts.some((p) => p.name === "test_prompt_with_arguments"));
  const prompt = await client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } });
  assert.equal(prompt.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
});

test("progress notifications arrive before the result", async () => {
  const progress = [];
  const result = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
    onprogress: (p) => progress.push(p),
  });
  assert.equal(result.content[0].text, "Tool with progress executed successfully");
  assert.deepEqual(progress.map((p) => [p.progress, p.total]), [[0, 100], [50, 100], [100, 100]]);
});

test("tool log messages follow the session's logging level", async () => {
  await client.callTool({ name: "test_tool_with_logging", arguments: {} });
  assert.equal(logs.length, 0, "no level set yet: no tool logs");
  await client.setLoggingLevel("info");
  await client.callTool({ name: "test_tool_with_logging", arguments: {} });
  assert.deepEqual(logs.map((l) => [l.level, l.data]), [
    ["info", "Tool execution started"], ["info", "Tool processing data"], ["info", "Tool execution completed"],
  ]);
  await client.setLoggingLevel("warning");
  await client.callTool({ name: "test_tool_with_logging", arguments: {} });
  assert.equal(logs.length, 3, "info messages are below warning");
});

test("cancelling a call (AbortSignal -> notifications/cancelled) stops the running tool", async () => {
  const count = async () => (await client.callTool({ name: "test_cancellation_count", arguments: {} }))
    .structuredContent.cancelled;
  const before = await count();
  const controller = new AbortController();
  let started;
  const running = new Promise((resolve) => { started = resolve; });
  const call = client.callTool({ name: "test_wait_for_cancel", arguments: {} }, undefined, {
    signal: controller.signal,
    onprogress: () => started(),
  });
  await running; // the tool is running (it reported progress)
  controller.abort("test cancels");
  await assert.rejects(call);
  // The tool itself saw the cancellation (it would otherwise run for 60 s).
  const until = Date.now() + 5000;
  let now = await count();
  while (now === before && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = await count();
  }
  assert.equal(now, before + 1);
});

test("resources/subscribe: updates of the subscribed resource arrive, none after unsubscribe", async () => {
  await client.subscribeResource({ uri: "test://watched-resource" });
  const before = (await client.readResource({ uri: "test://watched-resource" })).contents[0].text;
  await client.callTool({ name: "test_update_watched_resource", arguments: {} });
  await waitFor("notifications/resources/updated", () => updates, (u) => u.length === 1);
  assert.deepEqual(updates, ["test://watched-resource"]);
  const after = (await client.readResource({ uri: "test://watched-resource" })).contents[0].text;
  assert.notEqual(after, before);

  await client.unsubscribeResource({ uri: "test://watched-resource" });
  await client.callTool({ name: "test_update_watched_resource", arguments: {} });
  await client.ping(); // the update (if any were sent) precedes this answer's stream
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(updates, ["test://watched-resource"]);
});

test("notifications/tools/list_changed when a tool is added and removed at runtime", async () => {
  const names = async () => (await client.listTools()).tools.map((t) => t.name);
  assert.ok(!(await names()).includes("test_dynamic_tool"));
  await client.callTool({ name: "test_toggle_dynamic_tool", arguments: {} });
  await waitFor("list_changed after the add", () => listChanges, (n) => n === 1);
  assert.ok((await names()).includes("test_dynamic_tool"));
  const result = await client.callTool({ name: "test_dynamic_tool", arguments: {} });
  assert.equal(result.content[0].text, "dynamic tool called");
  await client.callTool({ name: "test_toggle_dynamic_tool", arguments: {} });
  await waitFor("list_changed after the removal", () => listChanges, (n) => n === 2);
  assert.ok(!(await names()).includes("test_dynamic_tool"));
});
