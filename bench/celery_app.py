"""The Celery baseline's app: a no-op task, Redis as broker and result backend (BENCH_REDIS_URL).

The benchmark starts the Redis server and the worker (``celery -A bench.celery_app worker``) itself; see
bench/peers.py. Celery's defaults are kept: this is what a plain Celery deployment costs.
"""

from __future__ import annotations

import os

from celery import Celery

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

app = Celery("bench", broker=REDIS_URL, backend=REDIS_URL)
app.conf.broker_connection_retry_on_startup = True


@app.task(name="bench.noop")
def noop() -> None:
    return None
