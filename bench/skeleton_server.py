"""The grpc skeleton baseline of bench/roundtrip.py and bench/many_instances.py: taskstream's hops, and
nothing done at any of them.

A caller's unary ``/bench.Skeleton/Run`` reaches this grpc.aio server, which hands the request bytes over a
bidirectional stream to one of ``--workers`` worker processes (each takes one job at a time, as a local
taskstream worker runs one task at a time, but without taskstream's prefetch of short tasks); the worker passes them through a pipe to its own task process,
which sends them straight back; the answer returns the same way and the caller gets ``--size`` bytes. No
store, no proto, no state: what taskstream's round trip costs above this one is its own work (the store,
the instance's state, events, checks), not grpc or the number of processes on the path.

Prints one JSON ready line with the address once every worker is connected; exits on SIGTERM or by itself
after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

import grpc
import raw_serving

SERVICE = "bench.Skeleton"


def task_process(pipe: Connection) -> None:
    """Answers every job with its own bytes, until the worker goes away."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            pipe.send_bytes(pipe.recv_bytes())


async def _worker(address: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    here, there = spawn.Pipe()
    child = spawn.Process(target=task_process, args=(there,), daemon=True)
    child.start()
    there.close()
    loop = asyncio.get_running_loop()
    answers: asyncio.Queue[bytes] = asyncio.Queue()
    # The pipe is read from the event loop, as taskstream's worker reads its task processes' pipes.
    loop.add_reader(here.fileno(), lambda: answers.put_nowait(here.recv_bytes()))
    async with grpc.aio.insecure_channel(address) as channel:
        stream = channel.stream_stream(f"/{SERVICE}/Connect")()
        await stream.write(b"ready")
        with contextlib.suppress(grpc.aio.AioRpcError):
            async for job in stream:
                here.send_bytes(job)
                await stream.write(await answers.get())


def worker(address: str) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_worker(address))


async def serve(workers: int, size: int, max_seconds: float) -> None:
    answer = bytes(size)
    jobs: asyncio.Queue[tuple[bytes, asyncio.Future[bytes]]] = asyncio.Queue()
    connected = 0
    all_connected = asyncio.Event()

    async def run(request: bytes, context: Any) -> bytes:
        done = asyncio.get_running_loop().create_future()
        await jobs.put((request, done))
        await done
        return answer

    async def connect(requests: Any, context: Any) -> None:
        nonlocal connected
        await context.read()
        connected += 1
        if connected == workers:
            all_connected.set()
        while True:
            job, done = await jobs.get()
            try:
                await context.write(job)
                reply = await context.read()
            except BaseException:
                jobs.put_nowait((job, done))  # another worker takes it
                raise
            if reply is grpc.aio.EOF:
                jobs.put_nowait((job, done))
                return
            done.set_result(reply)

    handler = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Run": grpc.unary_unary_rpc_method_handler(run),
            "Connect": grpc.stream_stream_rpc_method_handler(connect),
        },
    )
    processes: list[multiprocessing.process.BaseProcess] = []

    async def start_workers(address: str) -> None:
        spawn = multiprocessing.get_context("spawn")
        processes.extend(spawn.Process(target=worker, args=(address,)) for _ in range(workers))
        for process in processes:
            process.start()
        await asyncio.wait_for(all_connected.wait(), 60)

    try:
        await raw_serving.serve(handler, max_seconds, before_ready=start_workers)
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=512, help="bytes of every answer")
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    asyncio.run(serve(args.workers, args.size, args.max_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
