// A resource server built with the MCP TypeScript SDK, the way the SDK's own
// example server (examples/server/simpleStreamableHttp.js, --oauth-strict)
// builds it, trusting our authorization server through RFC 7662 introspection:
// requireBearerAuth with an OAuthTokenVerifier whose verifyAccessToken POSTs
// the token to our /introspect. Two things differ from the example, both
// needed by a real deployment: the verifier authenticates as its own
// confidential client (our /introspect requires client authentication), and
// it refuses a response with "active": false (RFC 7662 §2.2; the example
// relies on such a response having no exp).
//
// It must accept a real token from our OAuth flow (which needs exp/iat as JSON
// numbers: the SDK answers 401 "Token has no expiration time" otherwise, and
// scope, client_id and aud as the RFC defines them), and refuse a revoked
// token, a token of another authorization server and garbage.

import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { getOAuthProtectedResourceMetadataUrl } from "@modelcontextprotocol/sdk/server/auth/router.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, freePort, outputDir, startGateway } from "./gateway_process.mjs";
import { basicAuthHeader, obtainTokens } from "./oauth_login.mjs";

const RS_CLIENT_ID = "sdk-resource-server";
const RS_CLIENT_SECRET = randomBytes(24).toString("base64url");

/** A secret hash in the format of auth/secret_hash.h (few iterations: a test). */
function secretHash(secret) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(secret, salt, 1000, 32, "sha256");
  return `pbkdf2-sha256$1000$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** The config file: the static client (signs the user in) and the resource server's client. */
function writeConfig(redirectUri) {
  const configPath = path.join(outputDir(), `sdk-resource-server-config-${process.pid}.json`);
  fs.writeFileSync(configPath, JSON.stringify({
    clients: [
      {
        client_id: DEFAULT_CLIENT_ID,
        client_secret_hash: secretHash(DEFAULT_CLIENT_SECRET),
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
      },
      {
        client_id: RS_CLIENT_ID,
        client_name: "MCP SDK resource server",
        client_secret_hash: secretHash(RS_CLIENT_SECRET),
        grant_types: ["client_credentials"],
        // A resource server: may introspect the tokens of every client.
        introspect_any_token: true,
      },
    ],
  }));
  return configPath;
}

/**
 * The SDK resource server. `resourceUrl` is the resource it serves, i.e. the
 * audience our tokens carry (the gateway's canonical /mcp URL, as if this
 * server were deployed there); it listens on its own loopback port.
 */
async function startResourceServer({ issuer, resourceUrl }) {
  const metadata = await (await fetch(new URL("/.well-known/oauth-authorization-server", issuer))).json();
  const mcpServerUrl = new URL(resourceUrl);
  const introspections = [];

  const tokenVerifier = {
    verifyAccessToken: async (token) => {
      const endpoint = metadata.introspection_endpoint;
      if (!endpoint) throw new Error("No token verification endpoint available in metadata");
      const response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: basicAuthHeader(RS_CLIENT_ID, RS_CLIENT_SECRET),
        },
        body: new URLSearchParams({ token }).toString(),
      });
      if (!response.ok) {
        const text = await response.text().catch(() => null);
        throw new Error(`Invalid or expired token: ${text}`);
      }
      const data = await response.json();
      introspections.push(data);
      if (data.active !== true) throw new InvalidTokenError("Token is not active");
      // `aud` is one value, a list, or absent: report the entry on this server's origin, if any
      const audience = [data.aud ?? []].flat().find(
        (aud) => URL.canParse(aud) && new URL(aud).origin === mcpServerUrl.origin);
      return {
        token,
        clientId: data.client_id,
        scopes: data.scope ? data.scope.split(" ") : [],
        expiresAt: data.exp,
        resource: audience ? new URL(audience) : undefined,
      };
    },
  };

  const app = createMcpExpressApp();
  const authMiddleware = requireBearerAuth({
    verifier: tokenVerifier,
    requiredScopes: ["user"],
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpServerUrl),
    expectedResource: mcpServerUrl,
  });
  app.post("/mcp", authMiddleware, async (req, res) => {
    // Stateless: one server and transport per request, as in the SDK's example.
    const server = new McpServer({ name: "sdk-resource-server", version: "1.0.0" });
    server.registerTool("whoami", { description: "The verified token's AuthInfo" }, async (extra) => {
      const { clientId, scopes, expiresAt, resource } = extra.authInfo;
      const info = { clientId, scopes, expiresAt, resource: resource?.href };
      return { content: [{ type: "text", text: JSON.stringify(info) }], structuredContent: info };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  const port = await freePort();
  const listener = await new Promise((resolve, reject) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
    server.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    introspections,
    close: () => new Promise((resolve) => {
      listener.closeAllConnections?.();
      listener.close(() => resolve());
    }),
  };
}

/** POSTs an MCP initialize with `token` to the resource server; returns {status, wwwAuthenticate, body}. */
async function initializeWith(url, token) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, wwwAuthenticate: response.headers.get("www-authenticate"), body };
}

function assertRefused(result, what) {
  assert.equal(result.status, 401, `${what}: ${JSON.stringify(result)}`);
  assert.match(result.wwwAuthenticate ?? "", /^Bearer error="invalid_token"/, what);
  assert.equal(result.body?.error, "invalid_token", `${what}: ${JSON.stringify(result.body)}`);
}

describe("an MCP SDK resource server trusting our /introspect", () => {
  let gateway;
  let foreignGateway;
  let resourceServer;
  let redirectUri;

  const signIn = async (issuer) => (await obtainTokens({
    issuer, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, redirectUri,
    resource: `${issuer}/mcp`, scope: "user",
  })).tokens;

  before(async () => {
    // A native client's loopback callback: the scripted browser stops at the redirect.
    redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    const configPath = writeConfig(redirectUri);
    gateway = await startGateway({ name: "sdk-rs-as", args: () => ["--config", configPath] });
    foreignGateway = await startGateway({ name: "sdk-rs-foreign-as", args: () => ["--redirect-uris", redirectUri] });
    resourceServer = await startResourceServer({ issuer: gateway.issuer, resourceUrl: gateway.mcpUrl });
  });

  after(async () => {
    await resourceServer?.close();
    for (const gw of [gateway, foreignGateway]) {
      const status = await gw?.stop();
      if (status && status.code !== 0) console.log(`gateway exited with ${JSON.stringify(status)}`);
    }
  });

  test("accepts a token from our OAuth flow: initialize and a tool call through the SDK client", async () => {
    const tokens = await signIn(gateway.issuer);
    const client = new Client({ name: "e2e-rs-client", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(resourceServer.url), {
      requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } },
    });
    try {
      await client.connect(transport);
      const result = await client.callTool({ name: "whoami", arguments: {} });
      const info = result.structuredContent;
      assert.equal(info.clientId, DEFAULT_CLIENT_ID);
      assert.deepEqual(info.scopes, ["user"]);
      assert.equal(info.resource, gateway.mcpUrl);
      assert.equal(typeof info.expiresAt, "number");
      assert.ok(info.expiresAt > Date.now() / 1000, `expiresAt ${info.expiresAt} is not in the future`);
    } finally {
      await client.close().catch(() => {});
    }
    // What the SDK read: RFC 7662 types, strictly.
    const seen = resourceServer.introspections.at(-1);
    assert.equal(seen.active, true);
    assert.ok(Number.isInteger(seen.exp), `exp must be a JSON number: ${JSON.stringify(seen)}`);
    assert.ok(Number.isInteger(seen.iat), `iat must be a JSON number: ${JSON.stringify(seen)}`);
    assert.equal(typeof seen.scope, "string");
    assert.equal(seen.client_id, DEFAULT_CLIENT_ID);
    assert.equal(seen.aud, gateway.mcpUrl);
  });

  test("refuses the token once it is revoked at our /revoke", async () => {
    const tokens = await signIn(gateway.issuer);
    assert.equal((await initializeWith(resourceServer.url, tokens.access_token)).status, 200,
      "the fresh token should be accepted first");
    const revoked = await fetch(`${gateway.issuer}/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basicAuthHeader(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
      },
      body: new URLSearchParams({ token: tokens.access_token, token_type_hint: "access_token" }).toString(),
    });
    assert.equal(revoked.status, 200, await revoked.text());
    assertRefused(await initializeWith(resourceServer.url, tokens.access_token), "revoked token");
    assert.deepEqual(resourceServer.introspections.at(-1), { active: false });
  });

  test("refuses a real token of another authorization server, and garbage", async () => {
    const foreign = await signIn(foreignGateway.issuer);
    assert.equal((await initializeWith(foreignGateway.mcpUrl, foreign.access_token)).status, 200,
      "the foreign token is valid where it was issued");
    assertRefused(await initializeWith(resourceServer.url, foreign.access_token), "foreign token");
    assert.deepEqual(resourceServer.introspections.at(-1), { active: false });
    assertRefused(await initializeWith(resourceServer.url, randomBytes(32).toString("base64url")), "garbage token");
    assertRefused(await initializeWith(resourceServer.url, "not-a-token"), "garbage token");
  });
});
