// The MCP conformance suite's `server` scenarios against the real gateway.
//
// The suite cannot send an Authorization header, so it talks to auth_proxy.mjs,
// which adds a bearer token obtained through the real OAuth flow (scripted
// login) and forwards everything else unchanged to the gateway's /mcp.
//
// Both installed suites run in full (their default "active" scenario set):
//   stable = 0.1.16, alpha = 0.2.0-alpha.12 (adds server-session-lifecycle).
// The test fails when
//   - a must-pass scenario fails or did not run in any suite, or
//   - a scenario fails that conformance-expected-failures.txt does not list.
// A listed scenario that passes is reported ("unexpectedly passed": remove the
// entry); with E2E_STRICT_EXPECTED_FAILURES=1 it fails the test too.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { describeFailures, parseSummary, readChecks, readExpectedFailures, runConformance, conformanceBin } from "./conformance.mjs";
import { startAuthProxy } from "./auth_proxy.mjs";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, outputDir, startGateway } from "./gateway_process.mjs";
import { obtainTokens } from "./oauth_login.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXPECTED_FAILURES_FILE = path.join(HERE, "conformance-expected-failures.txt");

const MUST_PASS = [
  "server-initialize",
  "ping",
  "tools-list",
  "server-session-lifecycle", // alpha only
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
  "logging-set-level",
];

const expectedFailures = readExpectedFailures(EXPECTED_FAILURES_FILE);
const passedSomewhere = new Set();
let gateway;
let proxy;

before(async () => {
  gateway = await startGateway({ name: "conformance-server" });
  const { tokens } = await obtainTokens({
    issuer: gateway.issuer,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    redirectUri: `${gateway.issuer}/callback`, // the default registered redirect URI
    resource: gateway.mcpUrl,
  });
  proxy = await startAuthProxy({ targetOrigin: gateway.issuer, token: tokens.access_token });
});

after(async () => {
  await proxy?.close();
  const status = await gateway?.stop();
  if (status && status.code !== 0) console.log(`# gateway exited with ${JSON.stringify(status)}`);
});

test("expected-failures file lists no must-pass scenario", () => {
  for (const scenario of MUST_PASS) {
    assert.ok(!expectedFailures.has(scenario), `${scenario} is must-pass but listed as an expected failure`);
  }
});

for (const suite of ["stable", "alpha"]) {
  test(`conformance ${suite} (${conformanceBin(suite).version}) server suite`, async () => {
    const resultsDir = path.join(outputDir(), `conformance-server-${suite}`);
    fs.rmSync(resultsDir, { recursive: true, force: true });
    const run = await runConformance(suite, ["server", "--url", `${proxy.url}/mcp`, "-o", resultsDir], {
      logFile: path.join(outputDir(), `conformance-server-${suite}.log`),
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
      const expected = expectedFailures.get(scenario);
      const mustPass = MUST_PASS.includes(scenario);
      if (result.ok) {
        passedSomewhere.add(scenario);
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
    console.log(`# conformance ${suite} server suite\n# ` + lines.join("\n# "));
    if (unexpectedPasses.length > 0) {
      const message = `scenarios listed in conformance-expected-failures.txt now pass (remove them): ${unexpectedPasses.join(", ")}`;
      console.log(`# NOTE: ${message}`);
      if (process.env.E2E_STRICT_EXPECTED_FAILURES === "1") problems.push(message);
    }
    // Exit status must agree with the summary: 0 iff nothing failed.
    const anyFailed = [...summary.values()].some((r) => !r.ok);
    assert.equal(run.code === 0, !anyFailed, `exit code ${run.code} disagrees with the summary`);
    assert.deepEqual(problems, [], `conformance ${suite}: unexpected failures\n  ${problems.join("\n  ")}`);
  });
}

test("every must-pass scenario ran and passed in at least one suite", () => {
  const missing = MUST_PASS.filter((scenario) => !passedSomewhere.has(scenario));
  assert.deepEqual(missing, [], `must-pass scenarios that never passed: ${missing.join(", ")}`);
});
