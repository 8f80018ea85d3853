"""The server's layers call one way: each module imports only from its own layer or the ones below it,
and protobuf stays above the core (see docs/architecture.md); no modules import each other in a circle.

Read from the source with ``ast`` (every ``import`` and ``from ... import``, also those inside functions or
under TYPE_CHECKING), so a new import that points upward fails here before anyone draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server" / "taskstreamd"

# Low to high. A module may import from its own layer and any lower one; api and web are two adapters
# side by side and may not import each other. The worker side (processes that run tasks) is a house of
# its own: it may use the base only, and the server's layers may not use it but through the top.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "base",
        {
            "__init__",
            "errors",
            "ids",
            "bounded_json",
            "replica",
            "throttle",
            "logs",
            "ports",
            "transport",
            "datadir",
            "datasources",
            "tracing",
        },
    ),
    ("domain", {"domain"}),
    ("store", {"store"}),
    ("core", {"core"}),
    ("wire", {"wire"}),
    ("access", {"access", "metrics"}),
    ("edges", {"api", "web"}),
    ("top", {"app", "cli", "options", "__main__", "local_workers", "worker_user"}),
]
WORKER_SIDE = {"workers", "builtin_tasks", "warehouse"}
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}
TOP = len(LAYERS) - 1
# Where protobuf (generated messages and the protobuf runtime) may be used.
PROTOBUF_FREE = {"domain", "store", "core"}


def part_of(path: Path) -> str:
    relative = path.relative_to(SERVER)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported(path: Path) -> list[str]:
    """The modules ``path`` imports (absolute dotted names)."""
    tree = ast.parse(path.read_text(), str(path))
    found: list[str] = []
    package = ".".join(("taskstreamd", *path.relative_to(SERVER).parent.parts))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.append(node.module)
    return found


def modules() -> list[Path]:
    return sorted(p for p in SERVER.rglob("*.py") if "migrations" not in p.parts)


def test_every_part_has_a_layer() -> None:
    unknown = {part_of(p) for p in modules()} - set(RANK) - WORKER_SIDE
    assert not unknown, f"give these a layer in LAYERS or WORKER_SIDE: {sorted(unknown)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SERVER)))
def test_imports_point_down(path: Path) -> None:
    mine = part_of(path)
    upward = []
    for name in imported(path):
        if not name.startswith("taskstreamd."):
            continue
        theirs = name.split(".")[1]
        if theirs == mine:
            continue
        if mine in WORKER_SIDE:
            if theirs not in WORKER_SIDE and RANK.get(theirs) != 0:
                upward.append(name)
        elif theirs in WORKER_SIDE:
            if RANK[mine] < TOP:
                upward.append(name)
        elif RANK[theirs] > RANK[mine] or {mine, theirs} == {"api", "web"}:
            upward.append(name)
    assert not upward, f"{path.relative_to(SERVER)} imports from a higher layer: {upward}"


@pytest.mark.parametrize(
    "path", [p for p in modules() if part_of(p) in PROTOBUF_FREE], ids=lambda p: str(p.relative_to(SERVER))
)
def test_protobuf_stops_above_the_core(path: Path) -> None:
    messages = [
        name
        for name in imported(path)
        if name.startswith(("taskstream.v1", "google.protobuf", "grpc")) or name == "grpc"
    ]
    assert not messages, f"{path.relative_to(SERVER)} uses protobuf or gRPC: {messages}"


def module_name(path: Path) -> str:
    relative = path.relative_to(SERVER).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(("taskstreamd", *parts))


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The server's modules ``path`` imports, ``from taskstreamd.core import book`` naming core.book."""
    found = set(imported(path))
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, node.module] if node.module else up)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


def test_no_two_modules_import_each_other_even_through_others() -> None:
    # Within a layer too: a circle (even one kept by a TYPE_CHECKING import) makes two parts that cannot
    # be read, tested or replaced apart. A part that needs what calls it names a Protocol of it instead.
    paths = {module_name(p): p for p in modules() if p.name != "__init__.py"}
    graph = {name: imported_modules(path, set(paths)) - {name} for name, path in paths.items()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: walked

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not circles, "modules that import each other: " + "; ".join(" -> ".join(c) for c in circles)
