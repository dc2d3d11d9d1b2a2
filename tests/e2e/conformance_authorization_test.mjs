// The MCP conformance suite's `authorization` command (only in
// @modelcontextprotocol/conformance 0.2.0-alpha.12) against the gateway's
// built-in authorization server, with the browser step scripted.
//
// The command starts a callback server on http://127.0.0.1:<port>/callback,
// prints an authorization URL and waits for a browser to come back to the
// callback. This test registers that callback for the client (gateway flag
// --redirect-uris or the config file), watches the command's stdout for the
// URL, signs in with scriptedLogin() and delivers the redirect to the
// command's callback server, then requires every scenario to pass:
//   authorization-server-metadata-endpoint, authorization-code-grant.
// It runs for the static confidential client (the suite picks
// client_secret_post from the metadata) and for a public client declared in a
// config file with "token_endpoint_auth_method": "none" (PKCE only).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";

import { describeFailures, parseSummary, readChecks, runConformance } from "./conformance.mjs";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, outputDir, startGateway } from "./gateway_process.mjs";
import { followCallback, scriptedLogin } from "./oauth_login.mjs";

const SCENARIOS = ["authorization-server-metadata-endpoint", "authorization-code-grant"];
const PUBLIC_CLIENT_ID = "e2e-public-client";

async function deliverCallback(callbackUrl) {
  // The command's callback server is listening before it prints the URL; retry briefly anyway.
  for (let attempt = 0; ; attempt++) {
    try {
      return await followCallback(callbackUrl);
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Runs `conformance authorization` and plays the browser; returns {run, summary, checks, logins}. */
async function runAuthorizationSuite({ gateway, callbackPort, clientId, clientSecret, label }) {
  const resultsDir = path.join(outputDir(), `conformance-authorization-${label}`);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  const args = ["authorization", "--url", gateway.issuer, "--client-id", clientId,
                "--resource", gateway.mcpUrl, "--port", String(callbackPort), "-o", resultsDir];
  if (clientSecret) args.push("--client-secret", clientSecret);

  const logins = [];
  let browser = Promise.resolve();
  const run = await runConformance("alpha", args, {
    logFile: path.join(outputDir(), `conformance-authorization-${label}.log`),
    timeoutMs: 3 * 60 * 1000,
    onStdoutLine: (line, child) => {
      const trimmed = line.trim();
      if (!trimmed.startsWith(`${gateway.issuer}/authorize?`)) return;
      // The URL to "open in the browser".
      browser = browser.then(async () => {
        const login = { authorizeUrl: trimmed };
        logins.push(login);
        try {
          const { callbackUrl, trace } = await scriptedLogin(trimmed, {
            isCallback: (url) => url.port === String(callbackPort),
          });
          login.callbackUrl = callbackUrl;
          login.trace = trace;
          login.callbackStatus = await deliverCallback(callbackUrl);
        } catch (error) {
          login.error = error;
          child.kill("SIGTERM"); // do not wait 5 minutes for a callback that will not come
        }
      });
    },
  });
  await browser;
  const failedLogin = logins.find((login) => login.error);
  if (failedLogin) throw failedLogin.error;
  return { run, summary: parseSummary(run.stdout), checks: readChecks(resultsDir, "authorization-server"), logins };
}

function assertAllPassed({ run, summary, checks, logins }) {
  assert.equal(logins.length, 1, `expected one authorization URL on stdout, got ${logins.length}:\n${run.stdout}`);
  const callback = new URL(logins[0].callbackUrl);
  assert.equal(callback.searchParams.get("error"), null, `authorization error: ${callback.href}`);
  assert.equal(logins[0].callbackStatus, 200, "the command's callback server did not accept the redirect");
  const problems = [];
  for (const scenario of SCENARIOS) {
    const result = summary.get(scenario);
    if (!result) problems.push(`${scenario}: did not run`);
    else if (!result.ok) problems.push(`${scenario}: ${describeFailures(checks.get(scenario)).join("; ")}`);
  }
  const warnings = [...checks.values()].flat().filter((check) => check.status === "WARNING");
  for (const warning of warnings) console.log(`# WARNING ${warning.id}: ${warning.errorMessage ?? ""}`);
  assert.deepEqual(problems, [], `authorization conformance failed:\n  ${problems.join("\n  ")}\n` +
    `--- stdout ---\n${run.stdout.slice(-4000)}\n--- stderr ---\n${run.stderr.slice(-2000)}`);
  assert.equal(run.code, 0, `conformance exited ${run.code}`);
  // The grant check really exchanged a code: the suite records the token response (tokens redacted).
  const grant = checks.get("authorization-code-grant")?.[0];
  assert.equal(grant?.status, "SUCCESS");
  assert.equal(grant.details?.body?.token_type?.toLowerCase(), "bearer");
}

describe("confidential static client (--redirect-uris)", () => {
  let gateway;
  after(async () => gateway?.stop());

  test("authorization suite passes", async () => {
    const callbackPort = await freePort();
    gateway = await startGateway({
      name: "conformance-authorization",
      args: () => ["--client-id", DEFAULT_CLIENT_ID, "--client-secret", DEFAULT_CLIENT_SECRET,
                   "--redirect-uris", `http://127.0.0.1:${callbackPort}/callback`],
    });
    const result = await runAuthorizationSuite({
      gateway, callbackPort, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, label: "confidential",
    });
    assertAllPassed(result);
  });
});

describe("public client from a config file (token_endpoint_auth_method none)", () => {
  let gateway;
  after(async () => gateway?.stop());

  test("authorization suite passes", async () => {
    const callbackPort = await freePort();
    const configPath = path.join(outputDir(), `public-client-config-${process.pid}.json`);
    fs.writeFileSync(configPath, JSON.stringify({
      clients: [
        { client_id: DEFAULT_CLIENT_ID, client_name: "Static MCP Client" },
        {
          client_id: PUBLIC_CLIENT_ID,
          client_name: "E2E public client",
          token_endpoint_auth_method: "none",
          redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
        },
      ],
    }, null, 2));
    gateway = await startGateway({
      name: "conformance-authorization-public",
      // The first configured client is the static one; its secret comes from the flag.
      args: () => ["--config", configPath, "--client-secret", DEFAULT_CLIENT_SECRET],
    });
    const metadata = await (await fetch(`${gateway.issuer}/.well-known/oauth-authorization-server`)).json();
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes("none"),
      `a public client is configured, so "none" should be advertised: ${JSON.stringify(metadata.token_endpoint_auth_methods_supported)}`);
    const result = await runAuthorizationSuite({
      gateway, callbackPort, clientId: PUBLIC_CLIENT_ID, clientSecret: undefined, label: "public",
    });
    assertAllPassed(result);
  });
});
