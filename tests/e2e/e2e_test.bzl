"""e2e_node_test: one Node end-to-end suite (<name>.mjs) run by run_node_test.sh."""

# The shared Node modules every suite imports, and the pinned package versions
# (not read at run time, node_modules is read in place, but a change to them
# must re-run the tests).
E2E_LIBRARIES = [
    "auth_proxy.mjs",
    "conformance.mjs",
    "gateway_process.mjs",
    "oauth_login.mjs",
    "tool_backends.mjs",
    "package.json",
    "package-lock.json",
]

# What a suite needs to start the Python example backend (tool_backends.mjs
# generates its stubs from the three protos it serves).
PYTHON_BACKEND = [
    "//examples/python_tools:tool_server.py",
    "//proto/identity/v1:identity.proto",
    "//proto/prompts/v1:prompts.proto",
    "//proto/resources/v1:resources.proto",
    "//proto/tools/v1:tools.proto",
]

def e2e_node_test(name, data = []):
    """Runs <name>.mjs against the //gateway binary, plus `data`.

    Args:
      name: the suite; its script is <name>.mjs in this folder.
      data: further files and binaries the suite starts or reads.
    """
    native.sh_test(
        name = name,
        size = "medium",
        srcs = ["run_node_test.sh"],
        args = [name + ".mjs"],
        data = E2E_LIBRARIES + [name + ".mjs", "//gateway"] + data,
        tags = ["e2e"],
    )
