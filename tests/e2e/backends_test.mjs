// Tools from several backends behind one gateway (mcp/aggregate), end to end
// with the real binaries: the gateway's built-in tools, the C++ tool_server
// (its tools prefixed "cpp_") and the Python example tool server
// (examples/python_tools), listed and called through the MCP TypeScript SDK
// with a token from the real OAuth flow. The Python backend is killed
// mid-session (notifications/tools/list_changed, its tools answer
// "Tool unavailable", the others keep working, /healthz and /metrics say it is
// down) and restarted (its tools come back). A name collision stops the
// gateway at startup with a message naming the tool and both backends.
// Resources and prompts are aggregated from the same backends: the Python
// example's prompt and resource are listed and reached through the gateway
// (the C++ tool_server serves neither and is skipped), leave the lists while
// it is down (a clear error for them) and come back with it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

import {
  DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, startGateway,
} from "./gateway_process.mjs";
import { basicAuthHeader, obtainTokens } from "./oauth_login.mjs";
import {
  pythonStubs, startProcess, startPythonTools, stopProcess, waitFor, workspaceFile,
} from "./tool_backends.mjs";

let stubsDir;
let pythonPort;
let python;
let cppPort;
let cpp;
let gateway;
let client;
let accessToken;
let listChanges = 0;

const startPython = () => startPythonTools(pythonPort, stubsDir);

const toolNames = async () => (await client.listTools()).tools.map((t) => t.name).sort();
const text = (result) => result.content[0].text;

before(async () => {
  stubsDir = pythonStubs();
  pythonPort = await freePort();
  python = await startPython();
  cppPort = await freePort();
  cpp = await startProcess("cpp-tools", workspaceFile("mcp/tool_server", { built: true }),
                           ["--grpc-listen", `127.0.0.1:${cppPort}`], /tool_server ready/);
  gateway = await startGateway({
    name: "backends",
    args: () => ["--metrics", "--tools-target", `cpp=127.0.0.1:${cppPort}`, "--tools-prefix", "cpp=cpp_",
                 "--tools-target", `py=127.0.0.1:${pythonPort}`],
  });
  const { tokens } = await obtainTokens({
    issuer: gateway.issuer,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    redirectUri: `${gateway.issuer}/callback`,
    resource: gateway.mcpUrl,
  });
  accessToken = tokens.access_token;
  client = new Client({ name: "e2e-backends", version: "1.0.0" });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => ++listChanges);
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  }));
});

after(async () => {
  await client?.close().catch(() => {});
  await gateway?.stop();
  await stopProcess(python);
  await stopProcess(cpp);
});

test("tools/list merges the built-in, C++ and Python backends", async () => {
  assert.deepEqual(await toolNames(), ["cpp_echo", "cpp_get_time", "echo", "get_time", "whoami", "word_count"]);
});

test("tools/call reaches each backend", async () => {
  const builtin = await client.callTool({ name: "echo", arguments: { message: "héllo" } });
  assert.deepEqual(builtin.structuredContent, { echo: "héllo", length: 5 });
  const remote = await client.callTool({ name: "cpp_echo", arguments: { message: "from c++" } });
  assert.deepEqual(remote.structuredContent, { echo: "from c++", length: 8 });
  const counted = await client.callTool({ name: "word_count", arguments: { text: "one two  three" } });
  assert.deepEqual(counted.structuredContent, { words: 3, characters: 14 });
  const bad = await client.callTool({ name: "word_count", arguments: {} });
  assert.equal(bad.isError, true);
});

test("the Python tool sees the caller's verified subject (never the token)", async () => {
  const introspection = await fetch(`${gateway.issuer}/introspect`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded",
               Authorization: basicAuthHeader(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET) },
    body: new URLSearchParams({ token: accessToken }),
  }).then((r) => r.json());
  assert.ok(introspection.sub, JSON.stringify(introspection));
  const result = await client.callTool({ name: "whoami", arguments: {} });
  assert.equal(result.structuredContent.subject, introspection.sub);
  assert.equal(result.structuredContent.username, "demo_user");
  assert.equal(result.structuredContent.client_id, DEFAULT_CLIENT_ID);
  assert.ok(result.structuredContent.request_id, "the request id reached the backend");
  assert.ok(!text(result).includes(accessToken));
});

const promptNames = async () => (await client.listPrompts()).prompts.map((p) => p.name).sort();
const resourceUris = async () => (await client.listResources()).resources.map((r) => r.uri).sort();

test("prompts and resources come from the backends that serve them", async () => {
  // Only the Python backend has any: the built-in lists are empty and the
  // C++ tool_server serves no PromptService/ResourceService (skipped).
  assert.deepEqual(await promptNames(), ["summarize"]);
  assert.deepEqual(await resourceUris(), ["py://about"]);
  const prompt = await client.getPrompt({ name: "summarize", arguments: { text: "a long text" } });
  assert.equal(prompt.messages[0].content.text, "Summarize this text:\na long text");
  await assert.rejects(client.getPrompt({ name: "summarize", arguments: {} }), /missing required argument: text/);
  const about = await client.readResource({ uri: "py://about" });
  assert.match(about.contents[0].text, /^Served by the Python example tool server to \S+/);
  assert.ok(!about.contents[0].text.includes(accessToken));
  await assert.rejects(client.readResource({ uri: "py://nothing" }), /Resource not found/);
});

test("/healthz lists every backend as up", async () => {
  const health = await fetch(`${gateway.issuer}/healthz`).then((r) => r.json());
  assert.deepEqual(health.tool_backends, { builtin: "up", cpp: "up", py: "up" });
});

test("the Python backend going down and coming back", async () => {
  const before = listChanges;
  await stopProcess(python);
  await waitFor("list_changed after the backend went down", () => listChanges > before);
  assert.deepEqual(await toolNames(), ["cpp_echo", "cpp_get_time", "echo", "get_time"]);
  await assert.rejects(client.callTool({ name: "whoami", arguments: {} }), /Tool unavailable: whoami/);
  const still = await client.callTool({ name: "cpp_echo", arguments: { message: "still here" } });
  assert.equal(still.structuredContent.echo, "still here");
  assert.equal((await client.callTool({ name: "echo", arguments: { message: "x" } })).structuredContent.echo, "x");
  assert.deepEqual(await promptNames(), []);
  assert.deepEqual(await resourceUris(), []);
  await assert.rejects(client.getPrompt({ name: "summarize", arguments: { text: "x" } }), /unavailable/);
  await assert.rejects(client.readResource({ uri: "py://about" }), /unavailable/);
  const health = await fetch(`${gateway.issuer}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual((await health.json()).tool_backends, { builtin: "up", cpp: "up", py: "down" });
  const metrics = await fetch(`${gateway.issuer}/metrics`).then((r) => r.text());
  assert.match(metrics, /mcp_tool_backend_up\{backend="py"\} 0/);
  assert.match(metrics, /mcp_tool_backend_up\{backend="cpp"\} 1/);

  const down = listChanges;
  python = await startPython();
  await waitFor("list_changed after the backend came back", () => listChanges > down);
  assert.deepEqual(await toolNames(), ["cpp_echo", "cpp_get_time", "echo", "get_time", "whoami", "word_count"]);
  const back = await client.callTool({ name: "whoami", arguments: {} });
  assert.equal(back.structuredContent.username, "demo_user");
  await waitFor("the prompt and the resource back", async () =>
    (await promptNames()).includes("summarize") && (await resourceUris()).includes("py://about"));
  const prompt = await client.getPrompt({ name: "summarize", arguments: { text: "again" } });
  assert.equal(prompt.messages[0].content.text, "Summarize this text:\nagain");
});

test("a tool name offered by two backends stops the gateway at startup", async () => {
  await assert.rejects(
    startGateway({ name: "backends-collision", args: () => ["--tools-target", `cpp=127.0.0.1:${cppPort}`] }),
    /tool name collision: 'echo' of backend 'cpp' is left out, backend 'builtin' already offers it/);
});
