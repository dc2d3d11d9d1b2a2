// Helpers of the tool-backend end-to-end tests (backends_test,
// backends_catalog_test): workspace files, helper processes started and
// stopped, polling, and the Python example's stubs generated as the README
// says.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { killOnExit, outputDir } from "./gateway_process.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A workspace file from the runfiles, else the source tree / bazel-bin. */
export function workspaceFile(relative, { built = false } = {}) {
  const runfiles = process.env.TEST_SRCDIR || process.env.RUNFILES_DIR;
  const candidates = [
    runfiles && path.join(runfiles, process.env.TEST_WORKSPACE || "mcp_oauth", relative),
    path.resolve(HERE, built ? "../../bazel-bin" : "../..", relative),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`${relative} not found (tried ${candidates.join(", ")})`);
  return found;
}

/** Starts `command` and resolves once its stdout matches `ready`. */
export function startProcess(name, command, args, ready, env = process.env) {
  const log = fs.openSync(path.join(outputDir(), `${name}-${process.pid}-${Date.now()}.log`), "a");
  const child = killOnExit(spawn(command, args, { stdio: ["ignore", "pipe", log], env }));
  fs.closeSync(log);
  let stdout = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready: ${stdout}`)), 20000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (ready.test(stdout)) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before ready: ${stdout}`));
    });
  });
}

export async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once `check()` returns a truthy value (polled), or rejects after `ms`. */
export async function waitFor(what, check, ms = 15000) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Generates the Python stubs of the three services (and the identity message they share) into a new directory; returns it. */
export function pythonStubs() {
  const stubsDir = fs.mkdtempSync(path.join(outputDir(), "python-stubs-"));
  const protoRoot = path.dirname(path.dirname(path.dirname(path.dirname(workspaceFile("proto/tools/v1/tools.proto")))));
  const protoc = spawnSync("/usr/bin/protoc", [`-I${protoRoot}`, `--python_out=${stubsDir}`, `--grpc_out=${stubsDir}`,
                                               "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
                                               ...["tools", "resources", "prompts", "identity"].map(
                                                 (name) => path.join(protoRoot, `proto/${name}/v1/${name}.proto`))],
                           { encoding: "utf8" });
  assert.equal(protoc.status, 0, protoc.stderr);
  return stubsDir;
}

/** Starts the Python example tool server on `port`. */
export function startPythonTools(port, stubsDir) {
  return startProcess("python-tools", "/usr/bin/python3",
                      [workspaceFile("examples/python_tools/tool_server.py"), "--port", String(port)],
                      /tool server ready: port=\d+/, { ...process.env, PYTHONPATH: stubsDir });
}
