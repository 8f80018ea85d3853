"""Child side: task environments set up once per child process and torn down when it exits normally."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from taskstream.authoring import TaskEnvironment

from . import leftovers


class EnvironmentCache:
    """Environments that are set up, by key (a class, a unique_id or pickle bytes)."""

    def __init__(self) -> None:
        self._ready: dict[object, TaskEnvironment] = {}
        # Processes running once setups finished: they belong to environments, not to the next task.
        self.processes: set[int] = set()

    def get(self, key: object, create: Callable[[], TaskEnvironment]) -> TaskEnvironment:
        """The environment for ``key``, set up now if needed; setup's exception propagates.

        A failed setup is not remembered, so the next task needing the environment tries again.
        """
        env = self._ready.get(key)
        if env is None:
            env = create()
            env.setup()
            self._ready[key] = env
            self.processes |= leftovers.children()
        return env

    def teardown_all(self) -> None:
        """Tear down in reverse setup order; one failing teardown does not skip the others."""
        while self._ready:
            _, env = self._ready.popitem()
            try:
                env.teardown()
            except Exception:
                print(f"taskstream: teardown of {env!r} failed:", file=sys.stderr)
                traceback.print_exc()
