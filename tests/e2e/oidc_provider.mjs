// A real OpenID provider for end-to-end tests: the npm package oidc-provider
// (OpenID Certified), served over HTTPS on loopback with a certificate from a
// throwaway CA made by the openssl CLI. Sign-in is scripted: its interaction
// URL logs in the account the test chose (or refuses, when told to) and
// grants consent, without a form.
//
// Also: a small "browser" (follows redirects, keeps cookies, trusts the test
// CA) to walk an authorization request through the gateway and the provider.

import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";

import Provider from "oidc-provider";

/** A CA and a server certificate for 127.0.0.1 in `dir`; returns their paths. */
export function makeTestCa(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const p = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=e2e test CA",
    "-keyout", p("ca.key"), "-out", p("ca.pem"), "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", p("server.key"),
    "-out", p("server.csr"));
  fs.writeFileSync(p("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
    "-CAcreateserial", "-days", "2", "-extfile", p("ext.cnf"), "-out", p("server.pem"));
  return { caFile: p("ca.pem"), certFile: p("server.pem"), keyFile: p("server.key") };
}

/** A fresh RS256 signing key as a private JWK. */
export function newSigningKey(kid) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
}

/**
 * Starts oidc-provider on https://127.0.0.1:<port>.
 *   accounts: { id: { email, email_verified, groups } }
 *   client: { client_id, client_secret, redirect_uris }
 *   keys: private JWKs (the first signs)
 * Returns { issuer, setNextLogin(accountId | {deny: true}), stop() }.
 */
export async function startProvider({ port, tls, accounts, client, keys }) {
  const issuer = `https://127.0.0.1:${port}`;
  let next = null;
  const provider = new Provider(issuer, {
    clients: [{ ...client, grant_types: ["authorization_code"], response_types: ["code"],
                token_endpoint_auth_method: "client_secret_basic" }],
    jwks: { keys },
    cookies: { keys: ["e2e-cookie-key"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    conformIdTokenClaims: false, // email in the ID token, as Google and Keycloak put it
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (ctx, sub) => accounts[sub] && {
      accountId: sub,
      claims: async () => ({ sub, ...accounts[sub] }),
    },
  });
  provider.on("server_error", (ctx, err) => console.log("oidc-provider server_error:", err));
  // The scripted sign-in: login as the chosen account, then consent.
  provider.use(async (ctx, nextMiddleware) => {
    const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (!match) return nextMiddleware();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (next?.deny) {
      result = { error: "access_denied", error_description: "The user said no" };
    } else if (details.prompt.name === "login") {
      result = { login: { accountId: next } };
    } else {
      const grant = new provider.Grant({ accountId: details.session.accountId,
                                         clientId: details.params.client_id });
      if (details.prompt.details.missingOIDCScope) {
        grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(" "));
      }
      if (details.prompt.details.missingOIDCClaims) {
        grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
      }
      result = { consent: { grantId: await grant.save() } };
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, result,
                                                { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  });
  const server = https.createServer(
    { key: fs.readFileSync(tls.keyFile), cert: fs.readFileSync(tls.certFile) }, provider.callback());
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const sockets = new Set();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  return {
    issuer,
    setNextLogin(account) { next = account; },
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** GET `url` (http or https trusting `ca`); resolves { status, headers, body }. */
function get(url, { ca, cookie }) {
  const u = new URL(url);
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: "GET", ca, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A browser: follows redirects from `url` (with cookies per origin) until a
 * URL for which `stop(url)` is true (returned without being fetched) or a
 * non-redirect answer. Returns { url, status, body, visited }.
 */
export async function browse(url, { ca, stop = () => false, jar = new Map() } = {}) {
  const visited = [];
  for (let hops = 0; hops < 20; hops++) {
    visited.push(url);
    if (stop(url)) return { url, visited };
    const origin = new URL(url).origin;
    const cookies = jar.get(origin) ?? new Map();
    const res = await get(url, { ca, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") });
    for (const c of [].concat(res.headers["set-cookie"] ?? [])) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    jar.set(origin, cookies);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      url = new URL(res.headers.location, url).href;
      continue;
    }
    return { url, status: res.status, body: res.body, visited };
  }
  throw new Error("too many redirects: " + visited.join(" -> "));
}

export const randomId = () => randomBytes(8).toString("hex");
