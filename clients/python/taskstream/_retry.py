"""When a dropped stream is resumed: which failures count as transient, and the backoff between tries.

Streams (watch, output follow) resume by themselves from their cursor after a transient failure. A
stream that keeps failing without delivering anything gives up after ``RetryPolicy.attempts`` tries in a
row, raising the last error; anything that arrives resets the count.
"""

from __future__ import annotations

import dataclasses

import grpc

from taskstream.errors import ApiError

# Codes a resumed stream may succeed after: the server restarted or drained, a proxy or connection
# reset the stream (often INTERNAL "RST_STREAM"), or the server shed load.
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Give up after ``attempts`` failures in a row; the first resume is immediate (one drop is normal),
    later ones wait ``first_delay`` doubling up to ``max_delay`` seconds."""

    attempts: int = 8
    first_delay: float = 0.1
    max_delay: float = 5.0

    def delay(self, failures: int) -> float:
        """The wait before the next try after ``failures`` consecutive failures (>= 1)."""
        if failures <= 1:
            return 0.0
        return float(min(self.max_delay, self.first_delay * 2 ** (failures - 2)))


# Read when a stream starts, so tests may replace it.
STREAM_RETRY = RetryPolicy()


class Retrier:
    """Counts one stream's consecutive failures and says how long to wait before resuming."""

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self._policy = policy or STREAM_RETRY
        self.failures = 0

    def succeeded(self) -> None:
        """Something arrived: the stream works, so the count starts again."""
        self.failures = 0

    def failed(self, error: ApiError) -> float:
        """The seconds to wait before resuming after ``error``; raises it when it is not transient or
        the stream failed too often in a row."""
        if error.code not in RETRYABLE_CODES:
            raise error
        self.failures += 1
        if self.failures >= self._policy.attempts:
            raise error
        return self._policy.delay(self.failures)
