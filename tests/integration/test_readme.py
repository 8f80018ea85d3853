"""The README's Python examples run as written, so they cannot drift from the code.

Every ```python block of README.md runs, in order and in one namespace (later blocks use what earlier ones
made, as a reader would), in a process of its own against a live server started as `make run
ARGS="--allow-code"` starts one: the examples' task module, Python objects allowed, workers enough for a
workflow. Only the address differs: the server listens on a free port, which replaces 127.0.0.1:50051 in the
code. A block that cannot run here is preceded by a comment that says why:
``<!-- readme-test: not run: REASON -->``. Marked slow: it runs every example.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import REPO, ServerProcess

pytestmark = pytest.mark.slow

README = REPO / "README.md"
NOT_RUN = re.compile(r"<!-- readme-test: not run: (?P<reason>\S.*?) -->")
DEFAULT_ADDRESS = "127.0.0.1:50051"

# Runs the blocks given on stdin (JSON) one after another in one namespace; a failure names its block.
RUNNER = """
import json, sys
namespace = {"__name__": "__readme__"}
for block in json.load(sys.stdin):
    print(f"--- README.md:{block['line']}", flush=True)
    exec(compile(block["code"], f"README.md:{block['line']}", "exec"), namespace)
print("--- all blocks ran", flush=True)
"""


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    code: str
    not_run: str  # why it does not run here; "" when it runs


def python_blocks(text: str) -> list[Block]:
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index
            index += 1
            body = []
            while lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            marker = NOT_RUN.fullmatch(lines[start - 1].strip()) if start > 0 else None
            blocks.append(Block(start + 1, "\n".join(body) + "\n", marker["reason"] if marker else ""))
        index += 1
    return blocks


@pytest.fixture(scope="module")
def examples_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("readme"), "--allow-code", tasks=("taskstream.examples",), workers=3
    ).start()
    yield process
    process.stop()


def test_every_block_that_does_not_run_says_why() -> None:
    blocks = python_blocks(README.read_text())
    assert len(blocks) >= 10
    stray = [m.group() for m in re.finditer(r"<!-- readme-test.*?-->", README.read_text())]
    assert len(stray) == sum(1 for b in blocks if b.not_run), "a marker that is not right before a block"
    assert all(len(b.not_run) > 20 for b in blocks if b.not_run)  # a reason, not a shrug
    assert sum(1 for b in blocks if not b.not_run) >= len(blocks) - 2


def test_the_python_examples_run_against_a_live_server(
    examples_server: ServerProcess, tmp_path: Path
) -> None:
    host, port = examples_server.address.rsplit(":", 1)
    runnable = []
    for block in python_blocks(README.read_text()):
        if block.not_run:
            continue
        code = block.code.replace(f'"{DEFAULT_ADDRESS}"', f'"{examples_server.address}"')
        code = code.replace('"127.0.0.1", 50051', f'"{host}", {port}')
        uncommented = re.sub(r"#.*", "", code)
        assert "50051" not in uncommented, f"README.md:{block.line} names the default port some other way"
        runnable.append({"line": block.line, "code": code})
    ran = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(runnable),
        cwd=tmp_path,  # files the examples write stay out of the repository
        capture_output=True,
        text=True,
        timeout=600,
    )
    last = [line for line in ran.stdout.splitlines() if line.startswith("--- ")][-1:]
    assert ran.returncode == 0, f"{last}\n{ran.stdout[-3000:]}\n{ran.stderr[-5000:]}"
    assert last == ["--- all blocks ran"]
    # A few outputs the README's comments promise.
    assert "Terminated {'text': 'hello'}" in ran.stdout
    assert re.search(r"^job \S+ done$", ran.stdout, re.MULTILINE)  # the STK job's completion handler
