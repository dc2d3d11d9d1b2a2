"""cc_proto_grpc_library: C++ (and gRPC) code from one .proto with Debian's protoc.

Native cc_proto_library would need @com_google_protobuf, a download; this macro
runs /usr/bin/protoc and /usr/bin/grpc_cpp_plugin in a genrule instead and wraps
the outputs in a cc_library. Generated headers are included workspace-relative
("proto/auth/v1/auth.pb.h"), or relative to `proto_root` (which must then be
the package itself) when one is given.
Well-known types (google/protobuf/*.proto) resolve from /usr/include.
"""

def cc_proto_grpc_library(name, src, proto_root = "", grpc = True, deps = [], proto_deps = [], visibility = None):
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]

    root = proto_root if proto_root else "."
    out_dir = "$(GENDIR)/" + proto_root if proto_root else "$(GENDIR)"
    proto_path = "$(location " + src + ")"

    cmd = "/usr/bin/protoc -I" + root + " --cpp_out=" + out_dir
    if grpc:
        cmd += " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin --grpc_out=" + out_dir
    cmd += " " + proto_path

    native.genrule(
        name = name + "_gen",
        srcs = [src] + proto_deps,
        outs = outs,
        cmd = cmd,
        message = "protoc " + src,
    )

    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."] if proto_root else [],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpc"] if grpc else []),
        visibility = visibility,
    )
