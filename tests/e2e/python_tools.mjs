// The Python example tool server (examples/python_tools/tool_server.py) as a
// backend for an end-to-end test: its stubs generated with protoc as the
// README says, the server started on a free loopback port and stopped on
// every exit path. Its `whoami` tool returns the Caller the gateway passes:
// the verified subject and username of the token, never the token.
//
// The test's BUILD target needs "//examples/python_tools:tool_server.py" and
// "//proto/{tools,resources,prompts}/v1:*.proto" in its data.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { freePort, killOnExit, outputDir } from "./gateway_process.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A workspace source file from the runfiles, else from the source tree. */
function workspaceFile(relative) {
  const runfiles = process.env.TEST_SRCDIR || process.env.RUNFILES_DIR;
  const candidates = [
    runfiles && path.join(runfiles, process.env.TEST_WORKSPACE || "mcp_oauth", relative),
    path.resolve(HERE, "../..", relative),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`${relative} not found (tried ${candidates.join(", ")})`);
  return found;
}

/**
 * Generates the stubs and starts tool_server.py. Resolves once it is ready
 * with { address: "127.0.0.1:<port>", stop() }.
 */
export async function startPythonTools({ name = "python-tools" } = {}) {
  const stubsDir = fs.mkdtempSync(path.join(outputDir(), "python-stubs-"));
  const proto = workspaceFile("proto/tools/v1/tools.proto");
  const protoRoot = path.resolve(path.dirname(proto), "../../..");
  // The example serves tools, resources and prompts: it imports all three stubs.
  const protos = ["tools", "resources", "prompts"].map(
    (service) => path.join(protoRoot, `proto/${service}/v1/${service}.proto`));
  const protoc = spawnSync("/usr/bin/protoc", [
    `-I${protoRoot}`, `--python_out=${stubsDir}`, `--grpc_out=${stubsDir}`,
    "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", ...protos,
  ], { encoding: "utf8" });
  if (protoc.status !== 0) throw new Error(`protoc failed: ${protoc.stderr}`);

  const port = await freePort();
  const log = fs.openSync(path.join(outputDir(), `${name}-${process.pid}-${Date.now()}.log`), "a");
  const child = killOnExit(spawn("/usr/bin/python3",
    [workspaceFile("examples/python_tools/tool_server.py"), "--port", String(port)],
    { stdio: ["ignore", "pipe", log], env: { ...process.env, PYTHONPATH: stubsDir } }));
  fs.closeSync(log);
  await new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`${name} not ready: ${stdout}`)), 20000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (/tool server ready: port=\d+/.test(stdout)) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before ready: ${stdout}`));
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
