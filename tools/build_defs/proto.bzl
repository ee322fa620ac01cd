"""Compiles .proto files with Debian's protoc and grpc_cpp_plugin.

Bazel 4.2.3's native proto rules would fetch protobuf's sources; this macro
uses the installed compiler instead and wraps the generated code in one
cc_library that depends on the system gRPC and protobuf libraries.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def riposte_cc_grpc_library(name, srcs, proto_root, deps = [], grpc = True, visibility = None):
    """Generates C++ message and gRPC service code for `srcs`.

    Args:
      name: the cc_library to create.
      srcs: .proto files, relative to this package.
      proto_root: the import root, relative to this package ("." if the
        package directory itself is the root).
      deps: other riposte_cc_grpc_library targets whose protos are imported.
      grpc: whether to generate service stubs.
      visibility: visibility of the cc_library.
    """
    hdrs = []
    cc_srcs = []
    for src in srcs:
        base = src[:-len(".proto")]
        hdrs.append(base + ".pb.h")
        cc_srcs.append(base + ".pb.cc")
        if grpc:
            hdrs.append(base + ".grpc.pb.h")
            cc_srcs.append(base + ".grpc.pb.cc")

    pkg = native.package_name()
    root = pkg if proto_root == "." else pkg + "/" + proto_root
    gen_root = "$(GENDIR)/" + root
    cmd = "protoc -I{root} -I/usr/include --cpp_out={gen}".format(root = root, gen = gen_root)
    if grpc:
        cmd += " --grpc_out={gen} --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin".format(gen = gen_root)
    cmd += " " + " ".join(["$(location %s)" % s for s in srcs])

    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = hdrs + cc_srcs,
        cmd = cmd,
        message = "protoc " + name,
    )
    cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        includes = [proto_root],
        deps = deps + ["@system//:grpc", "@system//:protobuf"],
        visibility = visibility,
    )
