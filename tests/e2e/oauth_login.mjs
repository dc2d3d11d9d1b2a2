// A scripted browser for the one interactive step of the OAuth flow: the user
// signing in on the authorization server's login page.
//
// scriptedLogin(authorizeUrl) behaves like a browser that is sent to the
// authorization endpoint: it follows the redirects to the login page, reads
// the form (its action and every hidden input, e.g. authorization_id and
// csrf_token), fills in username/password, submits it and returns the final
// redirect Location: the client's callback URL carrying code, state and iss.
// It never follows that last redirect itself; followCallback() does, for
// clients that listen on a loopback callback server.
//
// Also: obtainTokens(), the whole authorization-code + PKCE flow done by hand
// (no SDK), used by the conformance proxy and the negative checks.

import { createHash, randomBytes } from "node:crypto";

const MAX_REDIRECTS = 10;

/** A minimal cookie jar: name=value pairs per origin, no attributes honoured. */
class CookieJar {
  constructor() {
    this.byOrigin = new Map();
  }
  store(url, response) {
    const cookies = response.headers.getSetCookie?.() ?? [];
    if (cookies.length === 0) return;
    const origin = new URL(url).origin;
    const jar = this.byOrigin.get(origin) ?? new Map();
    for (const cookie of cookies) {
      const [pair] = cookie.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    this.byOrigin.set(origin, jar);
  }
  header(url) {
    const jar = this.byOrigin.get(new URL(url).origin);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|#39);/gi, (whole, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? whole;
  });
}

function attributes(tag) {
  const attrs = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  // Skip the tag name itself.
  const body = tag.replace(/^<\s*[a-zA-Z]+/, "").replace(/\/?>$/, "");
  for (const m of body.matchAll(re)) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

/** Parses the first <form> of an HTML page: {method, action, hidden: {name: value}, fields: [names]}. */
export function parseLoginForm(html) {
  const formMatch = html.match(/<form\b[^>]*>([\s\S]*?)<\/form>/i);
  if (!formMatch) throw new Error("login page has no <form>:\n" + html.slice(0, 2000));
  const formAttrs = attributes(formMatch[0].match(/<form\b[^>]*>/i)[0]);
  const hidden = {};
  const fields = [];
  for (const m of formMatch[1].matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    if (!a.name) continue;
    fields.push(a.name);
    if ((a.type ?? "text").toLowerCase() === "hidden") hidden[a.name] = a.value ?? "";
  }
  return {
    method: (formAttrs.method ?? "get").toLowerCase(),
    action: formAttrs.action ?? "",
    hidden,
    fields,
  };
}

/**
 * Plays the browser from the authorization URL to the callback redirect.
 * Returns {callbackUrl, trace}; throws with the trace when the server does
 * something a user could not get past (error page, wrong password, ...).
 */
export async function scriptedLogin(authorizeUrl, options = {}) {
  const username = options.username ?? "demo_user";
  const password = options.password ?? "demo_password";
  const isCallback = options.isCallback ?? (() => false);
  const jar = new CookieJar();
  const trace = [];

  const go = async (url, init = {}) => {
    const headers = { ...(init.headers ?? {}) };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    jar.store(url, response);
    trace.push(`${init.method ?? "GET"} ${url} -> ${response.status}` +
      (response.headers.get("location") ? ` Location: ${response.headers.get("location")}` : ""));
    return response;
  };
  const fail = async (message, response) => {
    const body = response ? (await response.text()).slice(0, 2000) : "";
    throw new Error(`${message}\n  trace:\n    ${trace.join("\n    ")}${body ? "\n  body: " + body : ""}`);
  };

  // 1. Authorization endpoint, then redirects until an HTML page (the login form).
  let url = new URL(authorizeUrl).href;
  let response = await go(url);
  for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
    if (hops >= MAX_REDIRECTS) await fail("too many redirects before the login page");
    const location = response.headers.get("location");
    if (!location) await fail("redirect without Location", response);
    url = new URL(location, url).href;
    const target = new URL(url);
    if (target.searchParams.has("error") || isCallback(target)) {
      // The authorization server answered the client directly (an error, or a
      // grant without a login page): that is the result.
      return { callbackUrl: url, trace };
    }
    response = await go(url);
  }
  if (response.status !== 200) await fail(`login page answered ${response.status}`, response);
  const loginPageUrl = url;
  const html = await response.text();
  const form = parseLoginForm(html);
  for (const needed of ["username", "password"]) {
    if (!form.fields.includes(needed)) await fail(`login form has no "${needed}" field:\n${html.slice(0, 2000)}`);
  }

  // 2. Submit the form like a browser: hidden inputs + credentials, with Origin.
  const body = new URLSearchParams({ ...form.hidden, username, password });
  const actionUrl = new URL(form.action || loginPageUrl, loginPageUrl).href;
  if (form.method !== "post") await fail(`login form method is ${form.method}, expected post`);
  response = await go(actionUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: new URL(loginPageUrl).origin,
      referer: loginPageUrl,
    },
    body: body.toString(),
  });
  // 303 See Other: the browser must GET the callback, never re-POST the form (RFC 9700 §4.12).
  if (response.status !== 303) {
    await fail(`login POST answered ${response.status}, expected a 303 redirect to the callback`, response);
  }
  const location = response.headers.get("location");
  if (!location) await fail("login redirect without Location", response);
  return { callbackUrl: new URL(location, actionUrl).href, trace };
}

/** GETs the callback URL (a client's loopback redirect listener), like the browser would. */
export async function followCallback(callbackUrl) {
  const response = await fetch(callbackUrl, { redirect: "manual" });
  await response.arrayBuffer();
  return response.status;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export function basicAuthHeader(clientId, clientSecret) {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+");
  return "Basic " + Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64");
}

/** POSTs to the token endpoint; returns {status, headers, body (parsed JSON or text)}. */
export async function tokenRequest(tokenEndpoint, params, { clientId, clientSecret, authMethod = "client_secret_basic" }) {
  const form = new URLSearchParams(params);
  const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (authMethod === "client_secret_basic") {
    headers.authorization = basicAuthHeader(clientId, clientSecret);
  } else if (authMethod === "client_secret_post") {
    form.set("client_id", clientId);
    form.set("client_secret", clientSecret);
  } else {
    form.set("client_id", clientId);
  }
  const response = await fetch(tokenEndpoint, { method: "POST", headers, body: form.toString() });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

/**
 * The authorization-code flow by hand: discovery, /authorize with PKCE S256,
 * scripted login, code exchange. Returns the token response body.
 */
export async function obtainTokens({ issuer, clientId, clientSecret, redirectUri, resource, scope,
                                     authMethod = "client_secret_basic", username, password }) {
  const metadataResponse = await fetch(new URL("/.well-known/oauth-authorization-server", issuer));
  if (metadataResponse.status !== 200) {
    throw new Error(`AS metadata answered ${metadataResponse.status}: ${await metadataResponse.text()}`);
  }
  const metadata = await metadataResponse.json();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString("base64url");
  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    ...(scope ? { scope } : {}),
    ...(resource ? { resource } : {}),
  }).toString();
  const { callbackUrl, trace } = await scriptedLogin(authorize.href, { username, password });
  const callback = new URL(callbackUrl);
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) {
    throw new Error(`bad authorization response ${callbackUrl}\n  ${trace.join("\n  ")}`);
  }
  const token = await tokenRequest(metadata.token_endpoint, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    ...(resource ? { resource } : {}),
  }, { clientId, clientSecret, authMethod });
  if (token.status !== 200) {
    throw new Error(`token endpoint answered ${token.status}: ${JSON.stringify(token.body)}`);
  }
  return { tokens: token.body, metadata, callbackUrl };
}
