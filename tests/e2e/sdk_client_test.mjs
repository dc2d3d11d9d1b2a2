// The official MCP TypeScript SDK client, with its own OAuth implementation,
// against the real gateway: discovery (RFC 9728 + RFC 8414), authorization
// code + PKCE with a scripted login, code exchange, MCP over Streamable HTTP,
// tool calls, refresh-token rotation. Run once per client authentication
// method (client_secret_basic, client_secret_post), plus raw-HTTP negative
// checks of the resource server and the registration endpoint.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, startGateway } from "./gateway_process.mjs";
import { obtainTokens, pkcePair, scriptedLogin, tokenRequest } from "./oauth_login.mjs";

/** An OAuthClientProvider for a pre-registered confidential client; the "browser" is scriptedLogin. */
class PreRegisteredClientProvider {
  constructor({ clientId, clientSecret, authMethod, redirectUrl }) {
    this._redirectUrl = redirectUrl;
    this._authMethod = authMethod;
    this._clientInformation = { client_id: clientId, client_secret: clientSecret, token_endpoint_auth_method: authMethod };
    this._tokens = undefined;
    this._codeVerifier = undefined;
    this.expectedState = undefined;
    this.authorizationUrls = [];
    this.callbacks = [];
    this.invalidated = [];
  }
  get redirectUrl() {
    return this._redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: "e2e SDK client",
      redirect_uris: [this._redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: this._authMethod,
    };
  }
  state() {
    this.expectedState = randomBytes(16).toString("base64url");
    return this.expectedState;
  }
  clientInformation() {
    return this._clientInformation;
  }
  saveClientInformation(information) {
    this._clientInformation = information;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this._tokens = tokens;
  }
  async redirectToAuthorization(authorizationUrl) {
    this.authorizationUrls.push(new URL(authorizationUrl));
    const { callbackUrl } = await scriptedLogin(authorizationUrl.href, {
      isCallback: (url) => url.href.startsWith(this._redirectUrl),
    });
    this.callbacks.push(new URL(callbackUrl));
  }
  saveCodeVerifier(verifier) {
    this._codeVerifier = verifier;
  }
  codeVerifier() {
    if (!this._codeVerifier) throw new Error("no code verifier saved");
    return this._codeVerifier;
  }
  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === "all" || scope === "tokens") this._tokens = undefined;
    if (scope === "all" || scope === "verifier") this._codeVerifier = undefined;
  }
}

/** A fetch that records every request (method, URL, headers, body) the SDK makes. */
function recordingFetch(log) {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const body = init.body === undefined || init.body === null ? "" : String(init.body);
    const response = await fetch(input, init);
    log.push({ method: init.method ?? "GET", url, headers, body, status: response.status });
    return response;
  };
}

function parseStructured(result) {
  assert.ok(result.structuredContent, "structuredContent missing: " + JSON.stringify(result));
  const text = result.content?.find((block) => block.type === "text");
  assert.ok(text, "no text content block: " + JSON.stringify(result));
  assert.deepEqual(JSON.parse(text.text), result.structuredContent, "text block should carry the structured JSON");
  return result.structuredContent;
}

// The gateway's documented default for --token-cache-seconds (MCP_TOKEN_CACHE_SECONDS).
const TOKEN_CACHE_SECONDS = 5;

let gateway;
let callbackPort;
const redirectUrl = () => `http://127.0.0.1:${callbackPort}/callback`;

before(async () => {
  // A native client's loopback redirect listener; nothing needs to listen
  // there because the scripted browser stops at the redirect.
  callbackPort = await freePort();
  gateway = await startGateway({
    name: "sdk-client",
    args: () => ["--redirect-uris", redirectUrl()],
  });
});

after(async () => {
  const status = await gateway?.stop();
  if (status && status.code !== 0) console.log(`gateway exited with ${JSON.stringify(status)}`);
});

for (const authMethod of ["client_secret_basic", "client_secret_post"]) {
  describe(`SDK client with ${authMethod}`, () => {
    const requests = [];
    let provider;
    let client;
    const fetchFn = recordingFetch(requests);
    const tokenRequests = () => requests.filter((r) => r.url.pathname === "/token");

    const newTransport = () =>
      new StreamableHTTPClientTransport(new URL(gateway.mcpUrl), { authProvider: provider, fetch: fetchFn });

    after(async () => {
      await client?.close().catch(() => {});
    });

    test("discovers, authorizes through the login page, exchanges the code and connects", async () => {
      provider = new PreRegisteredClientProvider({
        clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, authMethod, redirectUrl: redirectUrl(),
      });
      const first = new Client({ name: "e2e-sdk-client", version: "1.0.0" });
      const transport = newTransport();
      await assert.rejects(first.connect(transport), UnauthorizedError,
        "the first connect must hit 401 and start the authorization flow");
      await first.close().catch(() => {});

      // The authorization request the SDK built from the discovered metadata.
      assert.equal(provider.authorizationUrls.length, 1);
      const authorizeUrl = provider.authorizationUrls[0];
      assert.equal(authorizeUrl.origin + authorizeUrl.pathname, `${gateway.issuer}/authorize`);
      assert.equal(authorizeUrl.searchParams.get("code_challenge_method"), "S256");
      assert.equal(authorizeUrl.searchParams.get("client_id"), DEFAULT_CLIENT_ID);
      assert.equal(authorizeUrl.searchParams.get("redirect_uri"), redirectUrl());
      assert.equal(authorizeUrl.searchParams.get("resource"), gateway.mcpUrl);
      assert.equal(authorizeUrl.searchParams.get("scope"), "user");

      // The authorization response the scripted browser was redirected to.
      const callback = provider.callbacks[0];
      assert.equal(callback.origin + callback.pathname, redirectUrl(), callback.href);
      assert.equal(callback.searchParams.get("error"), null, callback.href);
      assert.equal(callback.searchParams.get("state"), provider.expectedState);
      assert.equal(callback.searchParams.get("iss"), gateway.issuer, "RFC 9207 iss must equal the issuer");
      const code = callback.searchParams.get("code");
      assert.ok(code);

      await transport.finishAuth(code);
      const tokens = provider.tokens();
      assert.ok(tokens?.access_token, "no access token saved");
      assert.equal(tokens.token_type.toLowerCase(), "bearer");
      assert.ok(tokens.refresh_token, "the static client should get a refresh token");

      // The code exchange used the requested client authentication method.
      const [exchange] = tokenRequests();
      assert.ok(exchange, "no token request recorded");
      const form = new URLSearchParams(exchange.body);
      assert.equal(form.get("grant_type"), "authorization_code");
      assert.ok(form.get("code_verifier"));
      assert.equal(form.get("resource"), gateway.mcpUrl);
      assertClientAuth(exchange, form, authMethod);
      assert.equal(exchange.status, 200);

      client = new Client({ name: "e2e-sdk-client", version: "1.0.0" });
      await client.connect(newTransport());
      const info = client.getServerVersion();
      assert.ok(info?.name, "serverInfo.name missing");
      assert.ok(client.getServerCapabilities()?.tools, "tools capability missing");
    });

    test("lists get_time and echo with output schemas", async () => {
      const { tools } = await client.listTools();
      const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
      for (const name of ["get_time", "echo"]) {
        assert.ok(byName[name], `${name} missing from ${Object.keys(byName)}`);
        assert.equal(byName[name].inputSchema?.type, "object");
        assert.equal(byName[name].outputSchema?.type, "object", `${name} has no object outputSchema`);
        assert.ok(byName[name].description);
      }
      assert.ok(byName.echo.inputSchema.properties?.message, "echo takes a message");
    });

    test("calls echo and get_time", async () => {
      const message = "héllo 🌍";
      const echo = parseStructured(await client.callTool({ name: "echo", arguments: { message } }));
      assert.equal(echo.echo, message);
      assert.equal(echo.length, 7, "length counts Unicode code points");

      const before = Date.now();
      const time = parseStructured(await client.callTool({ name: "get_time", arguments: {} }));
      const now = Date.now();
      assert.equal(time.timezone, "UTC");
      const parsed = Date.parse(time.current_time);
      assert.ok(!Number.isNaN(parsed), `current_time not a date: ${time.current_time}`);
      assert.ok(parsed >= before - 5000 && parsed <= now + 5000, `current_time ${time.current_time} not now`);
      assert.equal(typeof time.timestamp, "number");
      assert.ok(Math.abs(time.timestamp * 1000 - now) < 5000, `timestamp ${time.timestamp} not now`);
      assert.match(time.formatted, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      // formatted is the same instant, in UTC.
      assert.equal(Math.abs(Date.parse(time.formatted.replace(" ", "T") + "Z") - parsed) < 1000, true,
        `formatted ${time.formatted} is not current_time ${time.current_time} in UTC`);
    });

    test("refreshes with rotation: the new token works, the old refresh token is rejected", async () => {
      const old = { ...provider.tokens() };
      const countBefore = tokenRequests().length;
      const result = await auth(provider, { serverUrl: new URL(gateway.mcpUrl), fetchFn });
      assert.equal(result, "AUTHORIZED");
      const refreshes = tokenRequests().slice(countBefore);
      assert.equal(refreshes.length, 1, "expected exactly one refresh request");
      const form = new URLSearchParams(refreshes[0].body);
      assert.equal(form.get("grant_type"), "refresh_token");
      assert.equal(form.get("refresh_token"), old.refresh_token);
      assertClientAuth(refreshes[0], form, authMethod);
      assert.equal(refreshes[0].status, 200);

      const fresh = provider.tokens();
      assert.notEqual(fresh.access_token, old.access_token, "refresh must issue a new access token");
      assert.ok(fresh.refresh_token, "refresh response must carry a refresh token");
      assert.notEqual(fresh.refresh_token, old.refresh_token, "refresh token must rotate");

      // The rotated access token works on a new connection.
      await client.close();
      client = new Client({ name: "e2e-sdk-client", version: "1.0.0" });
      await client.connect(newTransport());
      const echo = parseStructured(await client.callTool({ name: "echo", arguments: { message: "after refresh" } }));
      assert.equal(echo.echo, "after refresh");
      assert.equal(provider.authorizationUrls.length, 1, "refresh must not need a new login");

      // The old refresh token is spent.
      const metadata = await (await fetch(`${gateway.issuer}/.well-known/oauth-authorization-server`)).json();
      const reuse = await tokenRequest(metadata.token_endpoint,
        { grant_type: "refresh_token", refresh_token: old.refresh_token },
        { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, authMethod });
      assert.equal(reuse.status, 400, JSON.stringify(reuse.body));
      assert.equal(reuse.body.error, "invalid_grant");
    });

    test("that reuse revoked the whole grant (RFC 9700 reuse detection)", async () => {
      const fresh = provider.tokens();
      const refresh = await tokenRequest(`${gateway.issuer}/token`,
        { grant_type: "refresh_token", refresh_token: fresh.refresh_token },
        { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, authMethod });
      assert.equal(refresh.status, 400, JSON.stringify(refresh.body));
      assert.equal(refresh.body.error, "invalid_grant");

      // /mcp may reuse a successful validation for a short while (gateway
      // --token-cache-seconds, default 5: "the longest a revoked token keeps
      // working there"), so the revoked access token must be refused within
      // that bound, not necessarily at once.
      const deadline = Date.now() + TOKEN_CACHE_SECONDS * 1000 + 2000;
      let raw;
      for (;;) {
        raw = await fetch(gateway.mcpUrl, {
          method: "POST",
          headers: { authorization: `Bearer ${fresh.access_token}`, "content-type": "application/json",
                     accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
        await raw.arrayBuffer();
        if (raw.status === 401 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(raw.status, 401, `revoked access token still accepted after ${TOKEN_CACHE_SECONDS}s`);
      assert.match(raw.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      // The SDK client on the revoked grant cannot continue without a new login.
      await assert.rejects(client.callTool({ name: "echo", arguments: { message: "revoked?" } }),
        "the rotated access token must be revoked with its grant");
    });
  });
}

function assertClientAuth(request, form, authMethod) {
  const authorization = request.headers.get("authorization");
  if (authMethod === "client_secret_basic") {
    assert.match(authorization ?? "", /^Basic /, "client_secret_basic must send HTTP Basic");
    assert.equal(form.get("client_secret"), null, "no secret in the body with client_secret_basic");
  } else {
    assert.equal(authorization, null, "client_secret_post must not send an Authorization header");
    assert.equal(form.get("client_id"), DEFAULT_CLIENT_ID);
    assert.equal(form.get("client_secret"), DEFAULT_CLIENT_SECRET);
  }
}

describe("raw HTTP checks", () => {
  const initialize = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

  test("/mcp without a token: 401 with resource_metadata and no error code", async () => {
    const response = await fetch(gateway.mcpUrl, { method: "POST", headers: mcpHeaders, body: initialize });
    assert.equal(response.status, 401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    assert.match(challenge, /^Bearer\b/i, challenge);
    const metadataUrl = challenge.match(/resource_metadata="([^"]+)"/)?.[1];
    assert.ok(metadataUrl, `no resource_metadata in ${challenge}`);
    assert.doesNotMatch(challenge, /error=/, "RFC 6750 §3.1: no error code without credentials");

    const prm = await fetch(metadataUrl);
    assert.equal(prm.status, 200);
    const body = await prm.json();
    assert.equal(body.resource, gateway.mcpUrl);
    assert.deepEqual(body.authorization_servers, [gateway.issuer]);
  });

  test("/mcp with a bad token: 401 error=\"invalid_token\"", async () => {
    const response = await fetch(gateway.mcpUrl, {
      method: "POST", headers: { ...mcpHeaders, authorization: "Bearer not-a-real-token" }, body: initialize,
    });
    assert.equal(response.status, 401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    assert.match(challenge, /error="invalid_token"/, challenge);
    assert.match(challenge, /resource_metadata="/, challenge);
  });

  test("/register: 403 pointing at the pre-registered client", async () => {
    const response = await fetch(`${gateway.issuer}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [redirectUrl()], client_name: "dcr attempt" }),
    });
    assert.equal(response.status, 403);
    const text = await response.text();
    assert.match(text, /Use client_id/, text);
  });

  test("AS metadata: exact issuer, S256, no registration_endpoint", async () => {
    const response = await fetch(`${gateway.issuer}/.well-known/oauth-authorization-server`);
    assert.equal(response.status, 200);
    const metadata = await response.json();
    assert.equal(metadata.issuer, gateway.issuer);
    assert.ok(metadata.code_challenge_methods_supported?.includes("S256"));
    assert.equal(metadata.registration_endpoint, undefined, "registration is refused: do not advertise it");
  });

  test("a token obtained by hand (client_secret_post) works for a raw initialize", async () => {
    const { tokens } = await obtainTokens({
      issuer: gateway.issuer, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET,
      redirectUri: redirectUrl(), resource: gateway.mcpUrl, authMethod: "client_secret_post",
    });
    const response = await fetch(gateway.mcpUrl, {
      method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${tokens.access_token}` }, body: initialize,
    });
    assert.equal(response.status, 200, await response.clone().text());
  });

  test("loopback redirect URIs may use another port (RFC 8252 §7.3); other mismatches are refused", async () => {
    let otherPort = await freePort();
    if (otherPort === callbackPort) otherPort = await freePort();
    const ephemeral = `http://127.0.0.1:${otherPort}/callback`;
    const { tokens, callbackUrl } = await obtainTokens({
      issuer: gateway.issuer, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET,
      redirectUri: ephemeral, resource: gateway.mcpUrl,
    });
    assert.ok(callbackUrl.startsWith(`${ephemeral}?`), callbackUrl);
    assert.ok(tokens.access_token);

    // A different path is not the registered URI: the server must not redirect there.
    const { challenge } = pkcePair();
    const bad = new URL(`${gateway.issuer}/authorize`);
    bad.search = new URLSearchParams({
      response_type: "code", client_id: DEFAULT_CLIENT_ID, redirect_uri: `http://127.0.0.1:${callbackPort}/evil`,
      state: "s", code_challenge: challenge, code_challenge_method: "S256",
    }).toString();
    const response = await fetch(bad, { redirect: "manual" });
    assert.equal(response.status, 400, `unregistered redirect_uri: ${response.status} ${response.headers.get("location")}`);
  });

  test("PKCE is required: an authorization request without code_challenge is refused", async () => {
    const authorize = new URL(`${gateway.issuer}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code", client_id: DEFAULT_CLIENT_ID, redirect_uri: redirectUrl(), state: "s",
    }).toString();
    const response = await fetch(authorize, { redirect: "manual" });
    // Either an error redirect to the (registered) client or an error page; never the login form.
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get("location"), authorize);
      assert.notEqual(location.pathname, "/login", "must not proceed to login without PKCE");
      assert.equal(location.searchParams.get("error"), "invalid_request", location.href);
    } else {
      assert.ok(response.status >= 400, `status ${response.status}`);
    }
    // And the wrong verifier fails at the token endpoint.
    const { challenge } = pkcePair();
    const ok = new URL(`${gateway.issuer}/authorize`);
    ok.search = new URLSearchParams({
      response_type: "code", client_id: DEFAULT_CLIENT_ID, redirect_uri: redirectUrl(), state: "s2",
      code_challenge: challenge, code_challenge_method: "S256",
    }).toString();
    const { callbackUrl } = await scriptedLogin(ok.href);
    const code = new URL(callbackUrl).searchParams.get("code");
    assert.ok(code, callbackUrl);
    const exchange = await tokenRequest(`${gateway.issuer}/token`, {
      grant_type: "authorization_code", code, redirect_uri: redirectUrl(),
      code_verifier: pkcePair().verifier,
    }, { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET });
    assert.equal(exchange.status, 400, JSON.stringify(exchange.body));
    assert.equal(exchange.body.error, "invalid_grant");
  });
});
