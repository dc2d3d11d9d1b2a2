// The MCP conformance suite's `server` scenarios against the real gateway.
//
// The suite cannot send an Authorization header, so it talks to auth_proxy.mjs,
// which adds a bearer token obtained through the real OAuth flow (scripted
// login) and forwards everything else unchanged to the gateway's /mcp.
//
// Two gateways:
//   - //tests/e2e:conformance_gateway: the gateway main linked with the
//     suite's fixture tools, resources and prompts (//mcp/testing). Both
//     installed suites run against it in full (their default "active" set):
//     stable = 0.1.16, alpha = 0.2.0-alpha.12 (adds server-session-lifecycle);
//     then the alpha runs every scenario the 2026-07-28 (stateless) revision
//     requires (`--requirements 2026-07-28`) against the same /mcp.
//   - the production //gateway (no fixtures): the must-pass scenarios, and a
//     check that it declares no resources, prompts or completions.
// The test fails when
//   - a must-pass scenario fails on either gateway or did not run, or
//   - a scenario fails that conformance-expected-failures.txt does not list.
// A listed scenario that passes is reported ("unexpectedly passed": remove the
// entry); with E2E_STRICT_EXPECTED_FAILURES=1 it fails the test too.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { describeFailures, parseSummary, parseUnscored, readChecks, readExpectedFailures, runConformance, conformanceBin } from "./conformance.mjs";
import { startAuthProxy } from "./auth_proxy.mjs";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, gatewayBinary, outputDir, startGateway } from "./gateway_process.mjs";
import { obtainTokens } from "./oauth_login.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXPECTED_FAILURES_FILE = path.join(HERE, "conformance-expected-failures.txt");

// The 2025-era runs (sessions).
const MUST_PASS = [
  "server-initialize",
  "ping",
  "tools-list",
  "server-session-lifecycle", // alpha only
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
  "logging-set-level",
];
// The 2026-07-28 run (stateless requests on the same endpoint).
const MUST_PASS_2026 = [
  "server-stateless",
  "tools-list",
  "tools-call-simple-text",
  "caching",
  "input-required-result-basic-elicitation",
  "input-required-result-tampered-state",
];
const ERA_2026 = "2026-07-28";

// Keys "<scenario>" for the 2025-era runs, "<scenario>@2026-07-28" for the 2026 run.
const expectedFailures = readExpectedFailures(EXPECTED_FAILURES_FILE);
const passedSomewhere = new Set();
const started = []; // {gateway, proxy}
let fixtures; // conformance_gateway behind its proxy
let production; // //gateway behind its proxy

/** The fixture gateway: $CONFORMANCE_GATEWAY_BIN, the runfiles copy, or bazel-bin. */
function fixtureBinary() {
  const runfiles = process.env.TEST_SRCDIR || process.env.RUNFILES_DIR;
  const candidates = [
    process.env.CONFORMANCE_GATEWAY_BIN,
    runfiles && path.join(runfiles, process.env.TEST_WORKSPACE || "mcp_oauth", "tests/e2e/conformance_gateway"),
    path.resolve(HERE, "../../bazel-bin/tests/e2e/conformance_gateway"),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`conformance_gateway not found (tried ${candidates.join(", ")}); set CONFORMANCE_GATEWAY_BIN`);
  return found;
}

/** Starts `binary` (via GATEWAY_BIN, which startGateway reads) and a bearer-adding proxy in front of it. */
async function startBehindProxy(binary, name) {
  const saved = process.env.GATEWAY_BIN;
  process.env.GATEWAY_BIN = binary;
  let gateway;
  try {
    gateway = await startGateway({ name });
  } finally {
    if (saved === undefined) delete process.env.GATEWAY_BIN;
    else process.env.GATEWAY_BIN = saved;
  }
  const entry = { gateway, proxy: null };
  started.push(entry);
  const { tokens } = await obtainTokens({
    issuer: gateway.issuer,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    redirectUri: `${gateway.issuer}/callback`, // the default registered redirect URI
    resource: gateway.mcpUrl,
  });
  entry.proxy = await startAuthProxy({ targetOrigin: gateway.issuer, token: tokens.access_token });
  return entry;
}

before(async () => {
  const productionBinary = gatewayBinary();
  fixtures = await startBehindProxy(fixtureBinary(), "conformance-fixtures");
  production = await startBehindProxy(productionBinary, "conformance-production");
});

after(async () => {
  for (const { gateway, proxy } of started) {
    await proxy?.close();
    const status = await gateway?.stop();
    if (status && status.code !== 0) console.log(`# gateway exited with ${JSON.stringify(status)}`);
  }
});

test("expected-failures file lists no must-pass scenario", () => {
  for (const scenario of MUST_PASS) {
    assert.ok(!expectedFailures.has(scenario), `${scenario} is must-pass but listed as an expected failure`);
  }
  for (const scenario of MUST_PASS_2026) {
    assert.ok(!expectedFailures.has(`${scenario}@${ERA_2026}`),
              `${scenario} is must-pass at ${ERA_2026} but listed as an expected failure`);
  }
});

const RUNS = [
  { suite: "stable", name: "stable", era: "", args: [], mustPass: MUST_PASS },
  { suite: "alpha", name: "alpha", era: "", args: [], mustPass: MUST_PASS },
  { suite: "alpha", name: `alpha-${ERA_2026}`, era: ERA_2026, args: ["--requirements", ERA_2026],
    mustPass: MUST_PASS_2026 },
];

for (const { suite, name, era, args, mustPass: MUST_PASS } of RUNS) {
  const expectedFor = (scenario) => expectedFailures.get(era ? `${scenario}@${era}` : scenario);
  test(`conformance ${suite} (${conformanceBin(suite).version})${era ? ` ${era} requirements` : ""} server suite (fixture gateway)`, async () => {
    const resultsDir = path.join(outputDir(), `conformance-server-${name}`);
    fs.rmSync(resultsDir, { recursive: true, force: true });
    const run = await runConformance(suite, ["server", "--url", `${fixtures.proxy.url}/mcp`, ...args, "-o", resultsDir], {
      logFile: path.join(outputDir(), `conformance-server-${name}.log`),
      timeoutMs: 8 * 60 * 1000,
    });
    const summary = parseSummary(run.stdout);
    const checks = readChecks(resultsDir, "server");
    assert.ok(summary.size > 0, `no summary from the conformance run (exit ${run.code}):\n` +
      run.stdout.slice(-3000) + "\n" + run.stderr.slice(-3000));

    const problems = [];
    const unexpectedPasses = [];
    const lines = [];
    for (const [scenario, result] of summary) {
      const expected = expectedFor(scenario);
      const mustPass = MUST_PASS.includes(scenario);
      if (result.ok) {
        passedSomewhere.add(era ? `${scenario}@${era}` : scenario);
        lines.push(`PASS ${scenario}${expected ? "   (UNEXPECTED PASS: listed as expected failure)" : ""}`);
        if (expected) unexpectedPasses.push(scenario);
        continue;
      }
      const why = describeFailures(checks.get(scenario)).join("; ") || `${result.failed} check(s) failed`;
      if (expected && !mustPass) {
        lines.push(`XFAIL ${scenario}: ${why}   [expected: ${expected}]`);
      } else {
        lines.push(`FAIL ${scenario}: ${why}${mustPass ? "   [MUST PASS]" : "   [not an expected failure]"}`);
        problems.push(`${scenario}${mustPass ? " (must pass)" : ""}: ${why}`);
      }
    }
    console.log(`# conformance ${name} server suite\n# ` + lines.join("\n# "));
    if (unexpectedPasses.length > 0) {
      const message = `scenarios listed in conformance-expected-failures.txt now pass (remove them): ${unexpectedPasses.join(", ")}`;
      console.log(`# NOTE: ${message}`);
      if (process.env.E2E_STRICT_EXPECTED_FAILURES === "1") problems.push(message);
    }
    // Exit status must agree with the summary: 0 iff no scored scenario
    // failed (pending and extension scenarios do not count).
    const unscored = parseUnscored(`${run.stdout}\n${run.stderr}`);
    const anyFailed = [...summary.entries()].some(([scenario, r]) => !r.ok && !unscored.has(scenario));
    assert.equal(run.code === 0, !anyFailed, `exit code ${run.code} disagrees with the summary`);
    assert.deepEqual(problems, [], `conformance ${name}: unexpected failures\n  ${problems.join("\n  ")}`);
  });
}

test("production gateway passes every must-pass scenario", async () => {
  const failures = [];
  for (const scenario of MUST_PASS) {
    const resultsDir = path.join(outputDir(), `conformance-production-${scenario}`);
    fs.rmSync(resultsDir, { recursive: true, force: true });
    // The alpha CLI knows every must-pass scenario (server-session-lifecycle is alpha only).
    const run = await runConformance("alpha", ["server", "--url", `${production.proxy.url}/mcp`, "--scenario", scenario,
                                               "-o", resultsDir], {
      logFile: path.join(outputDir(), `conformance-production-${scenario}.log`),
      timeoutMs: 2 * 60 * 1000,
    });
    // A single-scenario run prints no summary block: judge by its checks.
    const checks = readChecks(resultsDir, "server").get(scenario) ?? [];
    const failed = describeFailures(checks);
    if (run.code !== 0 || checks.length === 0 || failed.length > 0) {
      const why = failed.join("; ") || `exit ${run.code}, ${checks.length} checks: ${run.stdout.slice(-500)}`;
      failures.push(`${scenario}: ${why}`);
    }
  }
  assert.deepEqual(failures, [], `production gateway:\n  ${failures.join("\n  ")}`);
});

test("production gateway declares no resources, prompts or completions (no fixtures linked)", async () => {
  const response = await fetch(`${production.proxy.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
                           params: { protocolVersion: "2025-11-25", capabilities: {},
                                     clientInfo: { name: "e2e", version: "1" } } }),
  });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(Object.keys(body.result.capabilities).sort(), ["logging", "tools"]);
});

test("production gateway serves 2026-07-28 statelessly: server/discover declares tools and the tasks extension", async () => {
  const meta = { "io.modelcontextprotocol/protocolVersion": ERA_2026, "io.modelcontextprotocol/clientCapabilities": {} };
  const response = await fetch(`${production.proxy.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream",
               "mcp-protocol-version": ERA_2026, "mcp-method": "server/discover" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: meta } }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("mcp-session-id"), null, "a stateless answer opens no session");
  const { result } = await response.json();
  assert.ok(result.supportedVersions.includes(ERA_2026));
  assert.deepEqual(Object.keys(result.capabilities).sort(), ["extensions", "tools"]);
  assert.deepEqual(result.capabilities.extensions, { "io.modelcontextprotocol/tasks": {} });
  assert.equal(result.resultType, "complete");
});

test("every must-pass scenario ran and passed in at least one suite", () => {
  const missing = [...MUST_PASS, ...MUST_PASS_2026.map((scenario) => `${scenario}@${ERA_2026}`)]
    .filter((scenario) => !passedSomewhere.has(scenario));
  assert.deepEqual(missing, [], `must-pass scenarios that never passed: ${missing.join(", ")}`);
});
