"""A gRPC client that knows no service at compile time, as grpcurl: it learns
services and message types through server reflection only
(grpc.reflection.v1alpha, the version gRPC 1.51 serves) and calls methods with
JSON in and out."""
import importlib.util
import os
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf import message_factory

_REFLECTION_PROTO = "/usr/share/grpc-proto/grpc/reflection/v1alpha/reflection.proto"
_METHOD = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def _reflection_module():
    out = tempfile.mkdtemp(prefix="reflection_pb2_")
    subprocess.check_call(["/usr/bin/protoc", "-I/usr/share/grpc-proto", "--python_out=" + out,
                           _REFLECTION_PROTO])
    # Loaded by path: the name "grpc" is taken by the grpcio package.
    path = os.path.join(out, "grpc", "reflection", "v1alpha", "reflection_pb2.py")
    spec = importlib.util.spec_from_file_location("reflection_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ReflectionClient:
    def __init__(self, target):
        self._pb = _reflection_module()
        self._channel = grpc.insecure_channel(target)
        self._call = self._channel.stream_stream(
            _METHOD, request_serializer=self._pb.ServerReflectionRequest.SerializeToString,
            response_deserializer=self._pb.ServerReflectionResponse.FromString)
        self._pool = descriptor_pool.DescriptorPool()
        self._added = set()

    def close(self):
        self._channel.close()

    def _ask(self, **kwargs):
        responses = list(self._call(iter([self._pb.ServerReflectionRequest(**kwargs)]), timeout=10))
        return responses[0]

    def list_services(self):
        response = self._ask(list_services="")
        return sorted(s.name for s in response.list_services_response.service)

    def _load_symbol(self, symbol):
        response = self._ask(file_containing_symbol=symbol)
        if response.HasField("error_response"):
            raise LookupError(response.error_response.error_message)
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in response.file_descriptor_response.file_descriptor_proto]
        pending = {f.name: f for f in files if f.name not in self._added}
        # Add files after their dependencies.
        while pending:
            progressed = False
            for name, proto in list(pending.items()):
                if all(dep in self._added or dep not in pending for dep in proto.dependency):
                    try:
                        self._pool.Add(proto)
                    except TypeError:
                        pass
                    self._added.add(name)
                    del pending[name]
                    progressed = True
            if not progressed:
                raise RuntimeError("cyclic descriptors from reflection")

    def describe_service(self, service):
        self._load_symbol(service)
        return self._pool.FindServiceByName(service)

    def call(self, service, method, request_json="{}", metadata=None, timeout=10,
             json_names=False):
        """Calls service/method with a JSON request; returns the JSON response
        as a dict (proto field names, or lowerCamelCase JSON names as grpcurl
        prints them with `json_names`), or raises grpc.RpcError."""
        descriptor = self.describe_service(service).FindMethodByName(method)
        request_class = message_factory.GetMessageClass(descriptor.input_type) \
            if hasattr(message_factory, "GetMessageClass") else \
            message_factory.MessageFactory(self._pool).GetPrototype(descriptor.input_type)
        response_class = message_factory.GetMessageClass(descriptor.output_type) \
            if hasattr(message_factory, "GetMessageClass") else \
            message_factory.MessageFactory(self._pool).GetPrototype(descriptor.output_type)
        request = json_format.Parse(request_json, request_class())
        stub = self._channel.unary_unary(
            "/%s/%s" % (service, method), request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString)
        response = stub(request, timeout=timeout, metadata=metadata)
        return json_format.MessageToDict(response, preserving_proto_field_name=not json_names)


if __name__ == "__main__":
    # Usage: reflection_client.py HOST:PORT list | describe SERVICE | call SERVICE METHOD JSON
    client = ReflectionClient(sys.argv[1])
    verb = sys.argv[2]
    if verb == "list":
        print("\n".join(client.list_services()))
    elif verb == "describe":
        service = client.describe_service(sys.argv[3])
        for m in service.methods:
            print("%s(%s) returns (%s)" % (m.name, m.input_type.full_name, m.output_type.full_name))
    elif verb == "call":
        import json
        print(json.dumps(client.call(sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5
                                     else "{}"), indent=2))
