"""Starting and waiting for sub-instances from inside a workflow task (PyODPS's XFlow).

A task context makes one ``SubInstances`` on first use: a client connected to the server that runs the
task, in the workflow's project and as the workflow's owner. Every instance it starts names the workflow
as its parent, so the server lists it, shows it on the workflow's watch stream and stops it with the
workflow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from taskstream._convert import project_name, split_instance_ref
from taskstream._specs import SubmitOptions, TaskSpec
from taskstream._sql import sql_task
from taskstream._xflow_names import xflow_task_type

if TYPE_CHECKING:
    from taskstream._sync.client import Client
    from taskstream._sync.instance import Instance


class SubInstances:
    def __init__(self, server: str, workflow: str, task_name: str, token: str = "") -> None:
        if not server:
            raise RuntimeError("this task was not started by a worker that knows its server")
        if not workflow:
            raise RuntimeError("this task does not belong to an instance")
        self._server = server
        self._workflow = workflow
        self._task_name = task_name
        self._token = token or None  # None: the client's default ($TASKSTREAM_TOKEN)
        self._project, _ = split_instance_ref(workflow, "")
        self._client: Client | None = None

    def client(self) -> Client:
        if self._client is None:
            from taskstream._sync.client import Client  # the authoring API does not need the client otherwise

            bootstrap = Client(self._server, project=self._project, token=self._token)
            try:
                owner = bootstrap.get_instance(self._workflow).owner
            finally:
                bootstrap.close()
            self._client = Client(self._server, project=self._project, owner=owner, token=self._token)
        return self._client

    def start(
        self, name: str, tasks: TaskSpec | Sequence[TaskSpec], *, priority: int | None = None
    ) -> Instance:
        """Start a sub-instance called ``name`` (its name in the workflow's listing)."""
        specs = [tasks] if isinstance(tasks, TaskSpec) else list(tasks)
        if not specs:
            raise ValueError("a sub-instance needs at least one task")
        client = self.client()
        request = SubmitOptions(priority=priority).create_request(
            project_name(self._project), [spec.to_proto() for spec in specs]
        )
        request.parent_instance = self._workflow
        request.sub_instance_name = name
        request.parent_task = self._task_name
        return client._created(request)

    def run_sql(
        self, name: str, sql: str, *, datasource: str | None = None, hints: Mapping[str, str] | None = None
    ) -> Instance:
        return self.start(name, sql_task(sql, datasource=datasource, hints=hints))

    def run_xflow(
        self, name: str, xflow_name: str, project: str, parameters: Mapping[str, Any] | None = None
    ) -> Instance:
        return self.start(name, TaskSpec(xflow_task_type(xflow_name, project), parameters, xflow_name))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
