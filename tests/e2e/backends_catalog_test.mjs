// Resources and prompts aggregated across languages, end to end: the fixture
// gateway (//tests/e2e:conformance_gateway, whose built-in C++ catalog has
// the conformance suite's resources, templates and prompts) plus the Python
// example tool server as backend "py" with the prefix "py_". Through the MCP
// TypeScript SDK: prompts/list and resources/list merge both, prompts/get and
// completion/complete reach the owner (the prefix removed for the Python
// prompt), resources/read routes by URI and by template, a resource update of
// the built-in backend reaches a subscriber through the aggregate, and the
// Python backend's items leave while it is down and come back.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, startGateway } from "./gateway_process.mjs";
import { obtainTokens } from "./oauth_login.mjs";
import { pythonStubs, startPythonTools, stopProcess, waitFor } from "./tool_backends.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The fixture gateway: the runfiles copy, or bazel-bin. */
function fixtureBinary() {
  const runfiles = process.env.TEST_SRCDIR || process.env.RUNFILES_DIR;
  const candidates = [
    runfiles && path.join(runfiles, process.env.TEST_WORKSPACE || "mcp_oauth", "tests/e2e/conformance_gateway"),
    path.resolve(HERE, "../../bazel-bin/tests/e2e/conformance_gateway"),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`conformance_gateway not found (tried ${candidates.join(", ")})`);
  return found;
}

let stubsDir;
let pythonPort;
let python;
let gateway;
let client;
const updates = [];

const promptNames = async () => (await client.listPrompts()).prompts.map((p) => p.name);
const resourceUris = async () => (await client.listResources()).resources.map((r) => r.uri);

before(async () => {
  stubsDir = pythonStubs();
  pythonPort = await freePort();
  python = await startPythonTools(pythonPort, stubsDir);
  process.env.GATEWAY_BIN = fixtureBinary();
  gateway = await startGateway({
    name: "backends-catalog",
    args: () => ["--tools-target", `py=127.0.0.1:${pythonPort}`, "--tools-prefix", "py=py_"],
  });
  const { tokens } = await obtainTokens({
    issuer: gateway.issuer,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    redirectUri: `${gateway.issuer}/callback`,
    resource: gateway.mcpUrl,
  });
  client = new Client({ name: "e2e-backends-catalog", version: "1.0.0" });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } },
  }));
});

after(async () => {
  await client?.close().catch(() => {});
  const status = await gateway?.stop();
  await stopProcess(python);
  assert.equal(status?.code, 0, `gateway exited with ${JSON.stringify(status)}`);
});

test("prompts/list merges the C++ built-in prompts and the Python one (prefixed)", async () => {
  const names = await promptNames();
  for (const name of ["test_simple_prompt", "test_prompt_with_arguments", "py_summarize"]) {
    assert.ok(names.includes(name), `${name} missing from ${names}`);
  }
  assert.ok(!names.includes("summarize"), "the prefix applies to prompt names");
  assert.equal(names.at(-1), "py_summarize", "backends in configuration order: builtin, then py");
});

test("prompts/get and completion reach the owning backend", async () => {
  const py = await client.getPrompt({ name: "py_summarize", arguments: { text: "two languages" } });
  assert.equal(py.messages[0].content.text, "Summarize this text:\ntwo languages");
  const cpp = await client.getPrompt({ name: "test_simple_prompt" });
  assert.equal(cpp.messages[0].content.text, "This is a simple prompt for testing.");
  const completed = await client.complete({
    ref: { type: "ref/prompt", name: "test_prompt_with_arguments" },
    argument: { name: "arg1", value: "par" },
  });
  assert.deepEqual(completed.completion.values, ["paris", "park", "party"]);
});

test("resources/list and reads route by URI and by template", async () => {
  const uris = await resourceUris();
  for (const uri of ["test://static-text", "test://watched-resource", "py://about"]) {
    assert.ok(uris.includes(uri), `${uri} missing from ${uris}`);
  }
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["test://template/{id}/data"]);
  const about = await client.readResource({ uri: "py://about" });
  assert.match(about.contents[0].text, /^Served by the Python example tool server to \S+/);
  const text = await client.readResource({ uri: "test://static-text" });
  assert.equal(text.contents[0].text, "This is the content of the static text resource.");
  const templated = await client.readResource({ uri: "test://template/7/data" });
  assert.equal(JSON.parse(templated.contents[0].text).id, "7");
});

test("a resource update of a backend reaches the subscriber through the aggregate", async () => {
  await client.subscribeResource({ uri: "test://watched-resource" });
  await client.callTool({ name: "test_update_watched_resource", arguments: {} });
  await waitFor("notifications/resources/updated", () => updates.includes("test://watched-resource"));
});

test("the Python backend's prompt and resource leave while it is down and come back", async () => {
  await stopProcess(python);
  await waitFor("the Python items gone", async () =>
    !(await promptNames()).includes("py_summarize") && !(await resourceUris()).includes("py://about"));
  await assert.rejects(client.getPrompt({ name: "py_summarize", arguments: { text: "x" } }), /unavailable/);
  await assert.rejects(client.readResource({ uri: "py://about" }), /unavailable/);
  const cpp = await client.getPrompt({ name: "test_simple_prompt" });
  assert.equal(cpp.messages[0].content.text, "This is a simple prompt for testing.");

  python = await startPythonTools(pythonPort, stubsDir);
  await waitFor("the Python items back", async () =>
    (await promptNames()).includes("py_summarize") && (await resourceUris()).includes("py://about"));
  const back = await client.getPrompt({ name: "py_summarize", arguments: { text: "again" } });
  assert.equal(back.messages[0].content.text, "Summarize this text:\nagain");
});
