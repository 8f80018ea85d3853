"""The baselines, started and stopped by the benchmarks: a bare ProcessPoolExecutor, Ray (local,
2 CPUs, no dashboard) and Celery with a Redis server from Debian's ``redis-server`` package.

Every server listens on 127.0.0.1 only and lives in a temporary directory; everything is stopped on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from harness import REPO


def noop() -> None:
    """The process pool's no-op (module level so it pickles by reference)."""
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


# ---------------------------------------------------------------------------------------------------------
# Ray


@contextmanager
def ray_local() -> Iterator[Callable[[], Any]]:
    """Starts a local Ray (num_cpus=2, no dashboard); yields its remote no-op (call ``.remote()``)."""
    import ray

    # On a loaded machine the raylet may not register within Ray's fixed 30 s: try again a few times.
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            break
        except Exception as exc:
            ray.shutdown()
            print(f"ray.init failed (attempt {attempt + 1}): {exc}", flush=True)
            if attempt == 2:
                raise
    try:

        @ray.remote
        def ray_noop() -> None:
            return None

        ray.get([ray_noop.remote() for _ in range(20)])  # start both worker processes
        yield ray_noop
    finally:
        ray.shutdown()


def ray_get(refs: Any) -> Any:
    import ray

    return ray.get(refs, timeout=600)


# ---------------------------------------------------------------------------------------------------------
# Redis and Celery


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if not found:
        raise RuntimeError("redis-server is not installed (apt-get install -y redis-server; make bench-deps)")
    return found


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (free port, temp dir, no persistence); yields its URL."""
    import redis

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = redis.Redis(host="127.0.0.1", port=port)
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.ping()
                    break
                except redis.exceptions.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            client.close()
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            _stop(process)


@contextmanager
def celery_worker(concurrency: int = 2) -> Iterator[Any]:
    """Redis plus a Celery worker (prefork, ``concurrency`` processes) running bench/celery_app.py.

    Yields the app's ``noop`` task, ready (one task already went through).
    """
    with redis_server() as url:
        os.environ["BENCH_REDIS_URL"] = url  # read by bench.celery_app, here and in the worker
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        args = [sys.executable, "-m", "celery", "-A", "bench.celery_app", "worker", "--pool", "prefork"]
        args += ["--concurrency", str(concurrency), "--loglevel", "WARNING", "-n", f"bench{os.getpid()}@%h"]
        # Gossip, mingle and heartbeats only matter with several workers; they slow the start, not a task.
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        try:
            from bench import celery_app

            celery_app.app.conf.broker_url = url
            celery_app.app.conf.result_backend = url
            celery_app.noop.delay().get(timeout=120)
            for _ in range(20):
                celery_app.noop.delay().get(timeout=60)
            yield celery_app.noop
        finally:
            _stop(process, timeout=30)
