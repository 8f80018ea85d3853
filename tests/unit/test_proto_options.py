"""Plain protoc reads protos/ with the options an outside user needs (issue 23 item 8): a go_package that
is the Go client's own generated package inside its module, and the Java package of the Java client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2

REPO = Path(__file__).resolve().parents[2]
PROTOS = sorted((REPO / "protos").glob("taskstream/v1/*.proto"))


def _protoc(*args: str) -> None:
    # grpc_tools.protoc is protoc itself, with the well-known types on its include path.
    import grpc_tools

    includes = Path(grpc_tools.__file__).parent / "_proto"
    command = [sys.executable, "-m", "grpc_tools.protoc", f"-I{REPO / 'protos'}", f"-I{includes}", *args]
    subprocess.run([*command, *map(str, PROTOS)], check=True, capture_output=True, timeout=120)


def test_every_proto_names_the_go_package_inside_the_go_module(tmp_path: Path) -> None:
    descriptors = tmp_path / "protos.pb"
    _protoc(f"--descriptor_set_out={descriptors}")
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes()).file
    module = (REPO / "clients/go/go.mod").read_text().splitlines()[0].removeprefix("module ").strip()
    assert len(files) == len(PROTOS)
    java = {p.stem for p in (REPO / "clients/java/src/main/java/dev/taskstream/v1").glob("*.java")}
    for proto in files:
        import_path, _, package = proto.options.go_package.partition(";")
        assert (import_path, package) == (f"{module}/gen/taskstream/v1", "taskstreamv1"), proto.name
        assert (REPO / "clients/go" / import_path.removeprefix(module + "/")).is_dir()
        assert proto.options.java_package == "dev.taskstream.v1" and proto.options.java_multiple_files
        assert {m.name for m in proto.message_type} <= java  # a class per message, as committed
