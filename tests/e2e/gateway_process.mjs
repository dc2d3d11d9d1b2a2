// Starts the real gateway binary for an end-to-end test, on free loopback
// ports, and guarantees it is stopped on every exit path (normal end, thrown
// error, SIGTERM from Bazel's timeout, SIGINT).
//
// The HTTP port is chosen here (bind port 0, read it, close) rather than with
// --port 0, because the issuer (--public-url) and the registered redirect URIs
// must contain it before the server starts. If another process grabs the port
// in between, the gateway exits before "ready" and we retry with a new port.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const DEFAULT_CLIENT_ID = "static-mcp-client-001";
export const DEFAULT_CLIENT_SECRET = "your-secret-key-change-this-in-production";

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Where logs go: Bazel's undeclared outputs (kept after the test) or a temp dir. */
export function outputDir() {
  const dir = process.env.TEST_UNDECLARED_OUTPUTS_DIR || process.env.TEST_TMPDIR || os.tmpdir();
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The gateway binary: $GATEWAY_BIN (set by run_node_test.sh from the runfiles) or the bazel-bin copy. */
export function gatewayBinary() {
  const candidates = [
    process.env.GATEWAY_BIN,
    path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../bazel-bin/gateway/gateway"),
  ].filter(Boolean);
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`gateway binary not found (tried ${candidates.join(", ")}); set GATEWAY_BIN`);
}

const running = new Set(); // Gateway objects not stopped yet
const children = new Set(); // other child processes (conformance CLIs) to kill on exit
let hooksInstalled = false;

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = (signal) => {
    for (const child of [...children, ...[...running].map((gw) => gw.child)]) {
      try {
        child.kill(signal);
      } catch {}
    }
  };
  process.on("exit", () => killAll("SIGKILL"));
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
    process.on(signal, () => {
      killAll("SIGTERM");
      process.exit(128 + (os.constants.signals[signal] ?? 15));
    });
  }
}

/** Kills `child` if this process ends (or is signalled) while it still runs. */
export function killOnExit(child) {
  installExitHooks();
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

class Gateway {
  constructor(child, port, grpcPort, logPath, issuer) {
    this.child = child;
    this.port = port;
    this.grpcPort = grpcPort;
    this.logPath = logPath;
    this.issuer = issuer;
    this.mcpUrl = `${issuer}/mcp`;
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit status. */
  async stop(timeoutMs = 10000) {
    running.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
      const status = await this.exited;
      clearTimeout(timer);
      return status;
    }
    return this.exited;
  }
}

async function startOnce({ binary, host, port, issuer, extraArgs, env, logPath, readyTimeoutMs }) {
  const args = ["--host", host, "--port", String(port), "--grpc-listen", "127.0.0.1:0",
                "--public-url", issuer, ...extraArgs];
  const logFd = fs.openSync(logPath, "a");
  fs.writeSync(logFd, `# ${binary} ${args.join(" ")}\n`);
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", logFd], env });
  fs.closeSync(logFd);
  let stdout = "";
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway not ready after ${readyTimeoutMs} ms; stdout: ${stdout}`));
    }, readyTimeoutMs);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/gateway ready: (.*)/);
      if (match) {
        clearTimeout(timer);
        const ports = Object.fromEntries(match[1].trim().split(/\s+/).map((kv) => kv.split("=")));
        child.stdout.resume(); // keep draining later output
        resolve({ child, ports });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before ready (code ${code}, signal ${signal}); stdout: ${stdout}`));
    });
  });
}

/**
 * Starts the gateway. Options:
 *   args(port, issuer): extra flags, computed once the port is known
 *   env: extra environment variables
 *   name: log file prefix
 * Each gateway gets a private in-memory token store (MCP_STORE=memory; the
 * default is a SQLite file in the user's data directory, which is shared
 * between parallel tests and read-only in Bazel's sandbox). The environment
 * variable rather than --store keeps older binaries without that flag
 * working; a test can still choose a store with --store (flags win).
 */
export async function startGateway({ args = () => [], env = {}, name = "gateway", readyTimeoutMs = 30000 } = {}) {
  installExitHooks();
  const childEnv = { ...process.env, MCP_STORE: "memory", ...env };
  const binary = gatewayBinary();
  const logPath = path.join(outputDir(), `${name}-${process.pid}-${Date.now()}.log`);
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    try {
      const { child, ports } = await startOnce({
        binary, host: "127.0.0.1", port, issuer, extraArgs: args(port, issuer), env: childEnv, logPath,
        readyTimeoutMs,
      });
      const httpPort = Number(ports.http_port);
      if (httpPort !== port) {
        child.kill("SIGKILL");
        throw new Error(`gateway bound ${httpPort}, asked for ${port}`);
      }
      const gateway = new Gateway(child, port, Number(ports.grpc_port), logPath, issuer);
      running.add(gateway);
      return gateway;
    } catch (error) {
      lastError = error;
    }
  }
  let log = "";
  try {
    log = fs.readFileSync(logPath, "utf8");
  } catch {}
  throw new Error(`${lastError?.message}\n--- gateway log ${logPath} ---\n${log.slice(-4000)}`);
}
