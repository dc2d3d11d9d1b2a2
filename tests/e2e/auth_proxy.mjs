// A loopback reverse proxy that adds `Authorization: Bearer <token>` to every
// request and forwards it to the gateway. The conformance suite's server
// scenarios cannot authenticate, so they talk to this proxy instead of /mcp.
//
// Transparency rules (so the gateway judges the same request the suite sent):
//   - method, path, query, body and all headers are forwarded unchanged and
//     streamed both ways (SSE responses are piped as they arrive);
//   - an Authorization header the client sent itself is kept as is;
//   - Host and Origin: a value naming the proxy's own authority
//     (127.0.0.1:<proxy port>, localhost:<proxy port>, [::1]:<proxy port>) is
//     rewritten to the same host name with the gateway's port, exactly as if
//     the client had connected to the gateway directly; any other value (e.g.
//     the dns-rebinding scenario's `evil.example.com`) is forwarded verbatim,
//     set explicitly, so the gateway's Host/Origin validation sees it.
//
// Library: startAuthProxy({targetOrigin, token}) -> {url, port, close(), log}.
// CLI:     node auth_proxy.mjs --target http://127.0.0.1:PORT --token TOKEN
//          (or --login to obtain the token through the real OAuth flow with the
//          default client; --redirect-uri defaults to <target>/callback).

import http from "node:http";
import { pathToFileURL } from "node:url";

import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "./gateway_process.mjs";
import { obtainTokens } from "./oauth_login.mjs";

const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
  "transfer-encoding", "upgrade", "host",
]);

function rewriteAuthority(value, proxyPort, targetPort) {
  // value is "host:port" (Host) or "scheme://host:port" (Origin).
  const match = value.match(/^(https?:\/\/)?(localhost|127\.0\.0\.1|\[::1\]):(\d+)$/i);
  if (match && Number(match[3]) === proxyPort) return `${match[1] ?? ""}${match[2]}:${targetPort}`;
  return value;
}

export function startAuthProxy({ targetOrigin, token, logLimit = 2000 }) {
  const target = new URL(targetOrigin);
  const targetPort = Number(target.port || 80);
  const log = [];
  const sockets = new Set();
  let proxyPort = 0;

  const server = http.createServer((req, res) => {
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = rewriteAuthority(req.headers.host ?? `127.0.0.1:${proxyPort}`, proxyPort, targetPort);
    if (typeof headers.origin === "string") headers.origin = rewriteAuthority(headers.origin, proxyPort, targetPort);
    if (!headers.authorization && token) headers.authorization = `Bearer ${token}`;

    const entry = { method: req.method, url: req.url, host: headers.host, status: null };
    if (log.length < logLimit) log.push(entry);

    const upstream = http.request({
      host: target.hostname, port: targetPort, method: req.method, path: req.url, headers,
    }, (upstreamRes) => {
      entry.status = upstreamRes.statusCode;
      const outHeaders = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!HOP_BY_HOP.has(name)) outHeaders[name] = value; // node re-chunks as needed
      }
      res.writeHead(upstreamRes.statusCode, upstreamRes.statusMessage, outHeaders);
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      entry.error = error.message;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`auth proxy: upstream error: ${error.message}`);
      } else {
        res.destroy();
      }
    });
    // The client went away (e.g. closed an SSE stream): drop the upstream too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      proxyPort = server.address().port;
      resolve({
        port: proxyPort,
        url: `http://127.0.0.1:${proxyPort}`,
        log,
        close: () => new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

async function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const targetOrigin = arg("target");
  if (!targetOrigin) {
    console.error("usage: auth_proxy.mjs --target http://127.0.0.1:PORT (--token T | --login)");
    process.exit(2);
  }
  let token = arg("token");
  if (!token && argv.includes("--login")) {
    const origin = new URL(targetOrigin).origin;
    ({ tokens: { access_token: token } } = await obtainTokens({
      issuer: origin,
      clientId: arg("client-id", DEFAULT_CLIENT_ID),
      clientSecret: arg("client-secret", DEFAULT_CLIENT_SECRET),
      redirectUri: arg("redirect-uri", `${origin}/callback`),
      resource: `${origin}/mcp`,
    }));
  }
  const proxy = await startAuthProxy({ targetOrigin, token });
  console.log(`auth proxy ready: ${proxy.url} -> ${targetOrigin}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
