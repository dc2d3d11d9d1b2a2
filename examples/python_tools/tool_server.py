#!/usr/bin/python3
"""An example ToolService in Python: tools for the gateway, written in another language.

Serves proto/tools/v1/tools.proto with Debian's python3-grpcio and python3-protobuf; the
stubs (proto/{tools,resources,prompts,identity}/v1/*_pb2*.py) are generated with protoc and
grpc_python_plugin and found on PYTHONPATH (see README "Writing tools in another
language"). Two tools:

  whoami      the verified identity the gateway calls for (`caller`, an
              identity.v1.Principal) and the request id
  word_count  counts the words and characters of `text`

and, next to them (ResourceService and PromptService, aggregated by the gateway like
the tools), one resource and one prompt:

  py://about  a text resource saying who serves it
  summarize   a prompt asking to summarize `text`

The gateway validates the OAuth token and passes only the caller's identity, never the
token. Run: tool_server.py --port 9101 (0 picks a free port; the bound port is printed as
"tool server ready: port=N"). --shared-secret-file F requires 'authorization: Bearer
<secret>' on every call (what the gateway sends with --grpc-shared-secret-file).
"""

import argparse
import concurrent.futures
import hmac
import json
import signal
import sys
import threading

import grpc
from google.protobuf import json_format, struct_pb2

from proto.prompts.v1 import prompts_pb2, prompts_pb2_grpc
from proto.resources.v1 import resources_pb2, resources_pb2_grpc
from proto.tools.v1 import tools_pb2, tools_pb2_grpc


def _struct(value):
    message = struct_pb2.Struct()
    json_format.ParseDict(value, message)
    return message


def _whoami(arguments, caller, request_id):
    del arguments
    return {"subject": caller.subject, "username": caller.username,
            "client_id": caller.client_id, "scopes": list(caller.scopes),
            "request_id": request_id}


def _word_count(arguments, caller, request_id):
    del caller, request_id
    text = arguments.get("text")
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    return {"words": len(text.split()), "characters": len(text)}


# name -> (description, input schema, output schema, handler)
TOOLS = {
    "whoami": ("Shows who is calling: the OAuth subject, user name, client and scopes.",
               {"type": "object", "properties": {}},
               {"type": "object", "properties": {"subject": {"type": "string"},
                                                 "username": {"type": "string"}}},
               _whoami),
    "word_count": ("Counts the words and characters of a text.",
                   {"type": "object", "properties": {"text": {"type": "string"}},
                    "required": ["text"]},
                   {"type": "object", "properties": {"words": {"type": "integer"},
                                                     "characters": {"type": "integer"}}},
                   _word_count),
}
VERSION_TAG = "python-example-1"


class ToolService(tools_pb2_grpc.ToolServiceServicer):
    def __init__(self):
        self._stopping = threading.Event()

    def stop(self):
        self._stopping.set()

    def stopping_event(self):
        return self._stopping

    def ListTools(self, request, context):
        if request.page_token:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
        response = tools_pb2.ListToolsResponse()
        for name, (description, input_schema, output_schema, _) in TOOLS.items():
            response.tools.add(name=name, description=description,
                               input_schema=_struct(input_schema),
                               output_schema=_struct(output_schema))
        return response

    def CallTool(self, request, context):
        tool = TOOLS.get(request.name)
        if tool is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown tool: " + request.name)
        request_id = dict(context.invocation_metadata()).get("x-request-id", "")
        arguments = json_format.MessageToDict(request.arguments)
        try:
            result = tool[3](arguments, request.caller, request_id)
        except ValueError as error:  # bad arguments: a tool result the model sees
            return tools_pb2.CallToolResponse(
                is_error=True, content=[_struct({"type": "text", "text": str(error)})])
        return tools_pb2.CallToolResponse(
            structured_content=_struct(result),
            content=[_struct({"type": "text", "text": json.dumps(result)})])

    def CallToolStream(self, request, context):
        # These tools report no progress: the result is the only event.
        yield tools_pb2.CallToolEvent(result=self.CallTool(request.call, context))

    def WatchTools(self, request, context):
        # The list never changes: its tag once, then wait until the caller goes away.
        yield tools_pb2.ToolsChanged(version_tag=VERSION_TAG)
        done = threading.Event()
        context.add_callback(done.set)
        while not done.wait(0.5) and not self._stopping.is_set():
            pass


ABOUT_URI = "py://about"


class ResourceService(resources_pb2_grpc.ResourceServiceServicer):
    def __init__(self, stopping):
        self._stopping = stopping

    def ListResources(self, request, context):
        if request.page_token:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
        return resources_pb2.ListResourcesResponse(resources=[resources_pb2.Resource(
            uri=ABOUT_URI, name="about", title="About this tool server",
            mime_type="text/plain")])

    def ListResourceTemplates(self, request, context):
        if request.page_token:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
        return resources_pb2.ListResourceTemplatesResponse()

    def ReadResource(self, request, context):
        if request.uri != ABOUT_URI:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown resource: " + request.uri)
        return resources_pb2.ReadResourceResponse(contents=[resources_pb2.ResourceContents(
            uri=ABOUT_URI, mime_type="text/plain",
            text="Served by the Python example tool server to " + request.caller.subject)])

    def WatchResources(self, request, context):
        # The watch is in place; the resource never changes.
        yield resources_pb2.ResourceUpdated()
        done = threading.Event()
        context.add_callback(done.set)
        while not done.wait(0.5) and not self._stopping.is_set():
            pass


class PromptService(prompts_pb2_grpc.PromptServiceServicer):
    def ListPrompts(self, request, context):
        if request.page_token:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
        return prompts_pb2.ListPromptsResponse(prompts=[prompts_pb2.Prompt(
            name="summarize", title="Summarize a text",
            description="Asks the model to summarize a text.",
            arguments=[prompts_pb2.PromptArgument(name="text", description="The text",
                                                  required=True)])])

    def GetPrompt(self, request, context):
        if request.name != "summarize":
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown prompt: " + request.name)
        if "text" not in request.arguments:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "missing required argument: text")
        return prompts_pb2.GetPromptResponse(
            description="Summarize a text", messages=[prompts_pb2.PromptMessage(
                role="user", content=_struct({
                    "type": "text", "text": "Summarize this text:\n" + request.arguments["text"]}))])


class SharedSecretInterceptor(grpc.ServerInterceptor):
    """Refuses calls without 'authorization: Bearer <secret>' (constant-time compare)."""

    def __init__(self, secret):
        self._expected = ("Bearer " + secret).encode()

        def deny(request, context):
            del request
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong credential")
        self._deny = grpc.unary_unary_rpc_method_handler(deny)

    def intercept_service(self, continuation, handler_call_details):
        sent = dict(handler_call_details.invocation_metadata).get("authorization", "")
        if hmac.compare_digest(sent.encode(), self._expected):
            return continuation(handler_call_details)
        return self._deny


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--shared-secret-file")
    args = parser.parse_args()

    interceptors = []
    if args.shared_secret_file:
        with open(args.shared_secret_file, encoding="utf-8") as f:
            interceptors.append(SharedSecretInterceptor(f.read().strip()))
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=16),
                         interceptors=interceptors)
    service = ToolService()
    tools_pb2_grpc.add_ToolServiceServicer_to_server(service, server)
    resources_pb2_grpc.add_ResourceServiceServicer_to_server(
        ResourceService(service.stopping_event()), server)
    prompts_pb2_grpc.add_PromptServiceServicer_to_server(PromptService(), server)
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    if port == 0:
        sys.exit(f"tool_server.py: cannot listen on {args.host}:{args.port}")
    server.start()
    print(f"tool server ready: port={port}", flush=True)

    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    stop.wait()
    service.stop()
    server.stop(grace=2).wait()


if __name__ == "__main__":
    main()
