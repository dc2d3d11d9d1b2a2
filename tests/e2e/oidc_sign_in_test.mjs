// Sign-in through an upstream OpenID provider, end to end: the MCP
// TypeScript SDK client -> our /authorize -> (no local users, one provider)
// straight to oidc-provider over HTTPS (test CA trusted through
// SSL_CERT_FILE) -> scripted sign-in -> our /login/oidc/callback -> our code
// -> our tokens -> tools/call: the Python example backend's `whoami` tool
// sees the subject "<provider id>:<sub>" and the username claim.
// With local users too, the sign-in page offers the password form and the
// provider's button (POST /login/oidc/start, CSRF-checked).
// Negative cases: provider down, email domain not allowed, consent refused,
// unknown and replayed state, a nonce changed on the way to the provider,
// key rotation at the provider mid-run. (Bad ID tokens oidc-provider will not
// produce, e.g. wrong audience or expired, are covered by
// //auth/oidc:id_token_test and //auth/oidc:provider_test.)

import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, outputDir, startGateway } from "./gateway_process.mjs";
import { parseLoginForm, pkcePair, tokenRequest } from "./oauth_login.mjs";
import { browse, makeTestCa, newSigningKey, randomId, startProvider } from "./oidc_provider.mjs";
import { pythonStubs, startPythonTools, stopProcess } from "./tool_backends.mjs";

const ACCOUNTS = {
  jane: { email: "jane@example.com", email_verified: true, name: "Jane" },
  mallory: { email: "mallory@elsewhere.org", email_verified: true, name: "Mallory" },
};
const PROVIDER_ID = "corp";
const UPSTREAM_CLIENT = { client_id: "mcp-gateway", client_secret: "upstream-secret-" + randomId() };

let tls;
let ca;
let providerPort;
let provider;
let gateway;
let withLocalUsers; // a second gateway: the same provider plus a local user
let pythonTools;
let pythonToolsPort;
let callbackPort;
let key1 = newSigningKey("key-1");
const redirectUrl = () => `http://127.0.0.1:${callbackPort}/callback`;
const isCallback = (url) => url.startsWith(redirectUrl());
const isOurCallback = (url) => url.startsWith(`${gateway.issuer}/login/oidc/callback`);

async function startIdp(keys) {
  provider = await startProvider({
    port: providerPort, tls, accounts: ACCOUNTS, keys,
    client: { ...UPSTREAM_CLIENT,
              redirect_uris: [gateway, withLocalUsers].map((g) => `${g.issuer}/login/oidc/callback`) },
  });
}

/** An OAuthClientProvider whose "browser" walks through the gateway and the provider. */
class BrowserClientProvider {
  constructor() {
    this._info = { client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET,
                   token_endpoint_auth_method: "client_secret_basic" };
    this.visited = [];
  }
  get redirectUrl() { return redirectUrl(); }
  get clientMetadata() {
    return { client_name: "e2e", redirect_uris: [redirectUrl()], grant_types: ["authorization_code"],
             response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" };
  }
  clientInformation() { return this._info; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; }
  async redirectToAuthorization(url) {
    const walk = await browse(url.href, { ca, stop: isCallback });
    this.visited = walk.visited;
    this.callback = new URL(walk.url);
  }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
}

/** Our /authorize URL for a request made by hand (state "client-state"). */
function authorizeUrl(to = gateway, challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") {
  const params = new URLSearchParams({
    response_type: "code", client_id: DEFAULT_CLIENT_ID, redirect_uri: redirectUrl(),
    state: "client-state", code_challenge: challenge, code_challenge_method: "S256", scope: "user",
  });
  return `${to.issuer}/authorize?${params}`;
}

/** Starts an authorization request by hand and walks it; returns the walk. */
async function authorizeByHand() {
  return browse(authorizeUrl(), { ca, stop: isCallback });
}

before(async () => {
  const dir = path.join(outputDir(), "oidc-" + randomId());
  tls = makeTestCa(dir);
  ca = fs.readFileSync(tls.caFile);
  providerPort = await freePort();
  callbackPort = await freePort();
  const config = path.join(dir, "gateway.json");
  const identityProviders = [{
    id: PROVIDER_ID, display_name: "Corp SSO", issuer: `https://127.0.0.1:${providerPort}`,
    client_id: UPSTREAM_CLIENT.client_id, client_secret: UPSTREAM_CLIENT.client_secret,
    allowed_email_domains: ["example.com"],
  }];
  fs.writeFileSync(config, JSON.stringify({ identity_providers: identityProviders }));
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(randomId(), salt, 1000, 32, "sha256");
  const localConfig = path.join(dir, "gateway-local-users.json");
  fs.writeFileSync(localConfig, JSON.stringify({
    identity_providers: identityProviders,
    users: [{ username: "alice", subject: "user-0001",
              password_hash: `pbkdf2-sha256$1000$${salt.toString("base64url")}$${hash.toString("base64url")}` }],
  }));
  withLocalUsers = await startGateway({
    name: "oidc-local-users",
    args: () => ["--config", localConfig, "--redirect-uris", redirectUrl()],
    env: { SSL_CERT_FILE: tls.caFile },
  });
  // A tool backend that reports the caller's verified identity.
  pythonToolsPort = await freePort();
  pythonTools = await startPythonTools(pythonToolsPort, pythonStubs());
  gateway = await startGateway({
    name: "oidc",
    args: () => ["--config", config, "--redirect-uris", redirectUrl(),
                 "--tools-target", `py=127.0.0.1:${pythonToolsPort}`],
    env: { SSL_CERT_FILE: tls.caFile },
  });
});

after(async () => {
  await provider?.stop();
  await gateway?.stop();
  await withLocalUsers?.stop();
  await stopProcess(pythonTools);
});

test("provider down: the sign-in page says so and nothing continues", async () => {
  const walk = await authorizeByHand();
  assert.equal(walk.status, 502, walk.body);
  assert.match(walk.body, /identity provider cannot be reached/);
  assert.ok(!walk.visited.some(isCallback));
});

test("the SDK client signs in through the provider and calls a tool as corp:<sub>", async () => {
  await startIdp([key1]);
  provider.setNextLogin("jane");
  const authProvider = new BrowserClientProvider();
  const mcpUrl = new URL(gateway.mcpUrl);
  let transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider });
  const client = new Client({ name: "e2e-oidc", version: "1.0.0" });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  // With no local users and one provider, /login goes straight to it.
  const hosts = authProvider.visited.map((u) => new URL(u).origin + new URL(u).pathname);
  assert.ok(hosts.includes(`${gateway.issuer}/login`), hosts.join("\n"));
  assert.ok(hosts.includes(`${provider.issuer}/auth`), hosts.join("\n"));
  assert.ok(hosts.includes(`${gateway.issuer}/login/oidc/callback`), hosts.join("\n"));
  const callback = authProvider.callback;
  assert.equal(callback.searchParams.get("iss"), gateway.issuer);
  assert.ok(callback.searchParams.get("code"));
  await transport.finishAuth(callback.searchParams.get("code"));
  // Our own token, not the provider's.
  const accessToken = authProvider.tokens().access_token;
  assert.ok(accessToken);
  transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider });
  await client.connect(transport);
  // The tool sees the provider-scoped sub as the subject (never the email),
  // and the username claim (email by default) as the username.
  const whoami = await client.callTool({ name: "whoami", arguments: {} });
  assert.ok(!whoami.isError, JSON.stringify(whoami));
  assert.equal(whoami.structuredContent.subject, `${PROVIDER_ID}:jane`);
  assert.equal(whoami.structuredContent.username, ACCOUNTS.jane.email);
  assert.equal(whoami.structuredContent.client_id, DEFAULT_CLIENT_ID);
  await client.close();
  // The token says the same to a resource server.
  const introspection = await fetch(`${gateway.issuer}/introspect`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded",
               Authorization: "Basic " + Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString("base64") },
    body: new URLSearchParams({ token: accessToken }),
  }).then((r) => r.json());
  assert.equal(introspection.active, true);
  assert.equal(introspection.sub, `${PROVIDER_ID}:jane`);
  assert.equal(introspection.username, ACCOUNTS.jane.email);
});

test("with local users too: the password form and the provider's button, which signs in", async () => {
  provider.setNextLogin("jane");
  const { verifier, challenge } = pkcePair();
  const page = await browse(authorizeUrl(withLocalUsers, challenge), { ca });
  assert.equal(page.status, 200, page.visited.join("\n"));
  assert.match(page.body, /<form method="post" action="\/login">/);
  assert.match(page.body, /name="password"/);
  assert.match(page.body, /Sign in with Corp SSO/);
  const button = parseLoginForm(page.body);  // the provider's form comes first
  assert.equal(button.action, "/login/oidc/start");
  assert.equal(button.hidden.provider, PROVIDER_ID);
  const start = (fields) => fetch(`${withLocalUsers.issuer}/login/oidc/start`, {
    method: "POST", redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: withLocalUsers.issuer },
    body: new URLSearchParams({ ...button.hidden, ...fields }),
  });
  // A forged CSRF token or an unknown provider goes nowhere.
  const forged = await start({ csrf_token: "forged" });
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /CSRF check failed/);
  const unknown = await start({ provider: "elsewhere" });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /Unknown identity provider/);
  // The real button: 303 to the provider, then back to the client with a code.
  const started = await start({});
  assert.equal(started.status, 303, await started.text());
  const location = started.headers.get("location");
  assert.ok(location.startsWith(`${provider.issuer}/auth?`), location);
  const walk = await browse(location, { ca, stop: isCallback });
  assert.ok(isCallback(walk.url), walk.visited.join("\n") + "\n" + (walk.body ?? ""));
  const answer = new URL(walk.url);
  assert.equal(answer.searchParams.get("iss"), withLocalUsers.issuer);
  assert.equal(answer.searchParams.get("state"), "client-state");
  const token = await tokenRequest(`${withLocalUsers.issuer}/token`, {
    grant_type: "authorization_code", code: answer.searchParams.get("code"),
    redirect_uri: redirectUrl(), code_verifier: verifier,
  }, { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  const introspection = await tokenRequest(`${withLocalUsers.issuer}/introspect`,
    { token: token.body.access_token }, { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET });
  assert.equal(introspection.body.sub, `${PROVIDER_ID}:jane`);
  assert.equal(introspection.body.username, ACCOUNTS.jane.email);
});

test("an email domain not allowed is refused with an OAuth error to the client", async () => {
  provider.setNextLogin("mallory");
  const walk = await authorizeByHand();
  assert.ok(isCallback(walk.url), walk.visited.join("\n"));
  const answer = new URL(walk.url);
  assert.equal(answer.searchParams.get("error"), "access_denied");
  assert.match(answer.searchParams.get("error_description"), /elsewhere\.org.*not allowed/);
  assert.equal(answer.searchParams.get("state"), "client-state");
  assert.equal(answer.searchParams.get("code"), null);
});

test("consent refused at the provider comes back as access_denied", async () => {
  provider.setNextLogin({ deny: true });
  const walk = await authorizeByHand();
  const answer = new URL(walk.url);
  assert.equal(answer.searchParams.get("error"), "access_denied", walk.visited.join("\n"));
  assert.match(answer.searchParams.get("error_description"), /refused or cancelled/);
});

test("an unknown or replayed state is refused", async () => {
  const bogus = await browse(`${gateway.issuer}/login/oidc/callback?state=forged&code=x`, { ca });
  assert.equal(bogus.status, 400);
  assert.match(bogus.body, /unknown, has expired or was already used/);
  // Replay a real answer of the provider: the second use finds nothing.
  provider.setNextLogin("jane");
  const walk = await browse(authorizeUrl(), { ca, stop: isOurCallback });
  const first = await browse(walk.url, { ca, stop: isCallback });
  assert.ok(new URL(first.url).searchParams.get("code"), first.visited.join("\n"));
  const again = await browse(walk.url, { ca, stop: isCallback });
  assert.equal(again.status, 400);
});

test("a nonce changed on the way to the provider: the ID token is refused, no code", async () => {
  provider.setNextLogin("jane");
  const jar = new Map();
  const isProviderAuth = (url) => url.startsWith(`${provider.issuer}/auth`);
  const toProvider = await browse(authorizeUrl(), { ca, jar, stop: isProviderAuth });
  assert.ok(isProviderAuth(toProvider.url), toProvider.visited.join("\n"));
  // The provider signs whatever nonce it is sent into the ID token.
  const tampered = new URL(toProvider.url);
  const nonce = tampered.searchParams.get("nonce");
  assert.ok(nonce, tampered.href);
  tampered.searchParams.set("nonce", nonce + "-tampered");
  const atOurCallback = await browse(tampered.href, { ca, jar, stop: isOurCallback });
  assert.ok(isOurCallback(atOurCallback.url), atOurCallback.visited.join("\n"));
  const upstreamCode = new URL(atOurCallback.url).searchParams.get("code");
  assert.ok(upstreamCode, atOurCallback.url);
  const walk = await browse(atOurCallback.url, { ca, jar, stop: isCallback });
  assert.ok(isCallback(walk.url), walk.visited.join("\n") + "\n" + (walk.body ?? ""));
  const answer = new URL(walk.url);
  assert.equal(answer.searchParams.get("error"), "access_denied");
  assert.match(answer.searchParams.get("error_description"), /could not be verified/);
  assert.equal(answer.searchParams.get("state"), "client-state");
  assert.equal(answer.searchParams.get("iss"), gateway.issuer);
  assert.equal(answer.searchParams.get("code"), null);
  // Refused for the nonce, logged without the provider's code.
  const log = gateway.log();
  assert.match(log, /sign-in via corp refused: .*wrong_nonce/);
  assert.ok(!log.includes(upstreamCode), "the provider's code reached the log");
  // Nothing left to continue: the same answer again finds no attempt.
  const again = await browse(atOurCallback.url, { ca, jar, stop: isCallback });
  assert.equal(again.status, 400);
  assert.match(again.body, /unknown, has expired or was already used/);
});

test("key rotation at the provider: a new signing key works without a restart", async () => {
  await provider.stop();
  await startIdp([newSigningKey("key-2")]);  // key-1 is gone, key-2 signs
  provider.setNextLogin("jane");
  const walk = await authorizeByHand();
  const answer = new URL(walk.url);
  assert.ok(answer.searchParams.get("code"), walk.visited.join("\n") + "\n" + (walk.body ?? ""));
  assert.equal(answer.searchParams.get("error"), null);
});
