"""STK's entry point: ``ClusterJobScheduler(host, port)``, ``connect()``, ``create_job()``.

with ClusterJobScheduler("127.0.0.1", 50051) as scheduler:
    scheduler.connect()
    job = scheduler.create_job()
    job.add_task(MyTask())
    job.submit()
    job.wait_until_done()
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from types import TracebackType

from taskstream._async._backend import wait_ready
from taskstream._async.client import AsyncClient
from taskstream._async.job import AsyncJob
from taskstream._channel import Pem
from taskstream._jobs import JobPriority
from taskstream.errors import FailedPreconditionError, JobStateError, UnavailableError
from taskstream.status import CancellationReason

DEFAULT_PORT = 50051
# How long connect() waits for the server to answer, in seconds.
CONNECT_TIMEOUT = 10.0


class AsyncClusterJobScheduler:
    """A connection to a taskstream server for STK code: ``connect()``, then ``create_job()``.

    ``hostname`` and ``port`` name the server; ``use_ssl`` (implied by a certificate) uses TLS,
    trusting ``root_certificates`` or the system's roots, and ``client_certificate_certfile`` /
    ``client_certificate_keyfile`` are a client certificate for mutual TLS (PEM files, as STK's).
    ``token`` authenticates (None: ``TASKSTREAM_TOKEN``); jobs go to ``project``.
    """

    def __init__(
        self,
        hostname: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        use_ssl: bool = False,
        root_certificates: Pem | None = None,
        client_certificate_certfile: Pem | None = None,
        client_certificate_keyfile: Pem | None = None,
        token: str | None = None,
        project: str = "default",
        owner: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.hostname = hostname
        self.port = port
        self._use_ssl = use_ssl
        self._root_certificates = root_certificates
        self._certfile = client_certificate_certfile
        self._keyfile = client_certificate_keyfile
        self._token = token
        self._project = project
        self._owner = owner
        self._connect_timeout = connect_timeout
        self._client: AsyncClient | None = None

    @property
    def target(self) -> str:
        return f"{self.hostname}:{self.port}"

    @property
    def is_connected(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> AsyncClient:
        """The client underneath, for everything beyond STK's calls; JobStateError before connect()."""
        if self._client is None:
            raise JobStateError(f"the scheduler is not connected to {self.target}: call connect() first")
        return self._client

    async def connect(self) -> None:
        """Connects to the server; UnavailableError when it does not answer within the connect
        timeout or refuses the connection. Connecting again does nothing."""
        if self._client is not None:
            return
        client = AsyncClient(
            self.target,
            project=self._project,
            owner=self._owner,
            token=self._token,
            tls=self._use_ssl,
            root_certificates=self._root_certificates,
            client_certificate=self._certfile,
            client_key=self._keyfile,
        )
        ready = await wait_ready(client._channel, self._connect_timeout)
        if not ready:
            await client.close()
            how = (
                "refused the connection"
                if ready is False
                else f"did not answer in {self._connect_timeout:g} s"
            )
            raise UnavailableError(f"taskstream server at {self.target} {how}", target=self.target)
        self._client = client

    async def disconnect(self) -> None:
        """Closes the connection; jobs made through it can no longer call the server."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def create_job(
        self,
        name: str | None = None,
        *,
        cancel_on_task_failure: bool = False,
        priority: JobPriority | int | None = None,
        max_interrupted_retries: int | None = None,
        task_timeout: float | None = None,
        labels: Mapping[str, str] | None = None,
        unpickle: bool = True,
        cancel_on_client_disconnection: bool = False,
        client_disconnect_grace: float | None = None,
    ) -> AsyncJob:
        """A new job (see ``Job``); JobStateError before connect(), as STK's."""
        return self.client.create_job(
            name,
            cancel_on_task_failure=cancel_on_task_failure,
            priority=priority,
            max_interrupted_retries=max_interrupted_retries,
            task_timeout=task_timeout,
            labels=labels,
            unpickle=unpickle,
            cancel_on_client_disconnection=cancel_on_client_disconnection,
            client_disconnect_grace=client_disconnect_grace,
        )

    async def cancel_job(self, job_id: str, message: str | None = None) -> None:
        """Cancels the tasks of job ``job_id`` (its instance id), reason DIRECT; does nothing when the
        job is already done."""
        with contextlib.suppress(FailedPreconditionError):  # already terminated: nothing to cancel
            await self.client.stop_instance(job_id, CancellationReason.DIRECT, message)

    async def __aenter__(self) -> AsyncClusterJobScheduler:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.disconnect()

    def __repr__(self) -> str:
        state = "connected" if self._client is not None else "not connected"
        return f"<AsyncClusterJobScheduler {self.target} {state}>"
