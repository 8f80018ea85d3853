"""ScheduleService: proto requests to the core's schedule use cases (core.schedules) and back.

Changes go to the replica that owns the schedule (forwarded there when it is another); reads of a
schedule held elsewhere come from the store.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import grpc

from taskstream.v1 import schedule_service_pb2 as spb
from taskstream.v1 import schedule_service_pb2_grpc
from taskstreamd import ids
from taskstreamd.access import auth
from taskstreamd.access.auth import Authenticator, Principal
from taskstreamd.api import idempotency, offload, validation
from taskstreamd.api.forwarding import forward
from taskstreamd.api.limits import Limits
from taskstreamd.api.peers import Peers
from taskstreamd.api.schedule_requests import Templates, new_schedule, refuse_code, refuse_oversized
from taskstreamd.core.core import Core
from taskstreamd.core.schedules import Schedules
from taskstreamd.core.sql_tasks import check_sql_tasks
from taskstreamd.domain.model import Instance
from taskstreamd.domain.schedule_model import Schedule
from taskstreamd.errors import Elsewhere
from taskstreamd.wire import convert
from taskstreamd.wire.schedule_messages import fill_schedule, schedule_proto

Context = grpc.aio.ServicerContext[Any, Any]


def _created(schedule: Schedule) -> bytes:
    response = spb.CreateScheduleResponse()
    fill_schedule(response.schedule, schedule)
    return response.SerializeToString()


def _got(schedule: Schedule) -> bytes:
    response = spb.GetScheduleResponse()
    fill_schedule(response.schedule, schedule)
    return response.SerializeToString()


def _triggered(instance: Instance) -> bytes:
    response = spb.TriggerScheduleResponse()
    convert.fill_instance(response.instance, instance)
    return response.SerializeToString()


class ScheduleServicer(schedule_service_pb2_grpc.ScheduleServiceServicer):
    def __init__(self, core: Core, templates: Templates, *, limits: Limits | None = None) -> None:
        self.core = core
        self.templates = templates
        self.authenticator: Authenticator = templates.authenticator
        self.limits = limits or Limits()
        self.peers: Peers | None = None  # with replicas: changes of schedules owned elsewhere go there

    @property
    def schedules(self) -> Schedules:
        return self.core.schedules

    def _principal(self, context: Context) -> Principal:
        return self.authenticator.authenticate(context.invocation_metadata())

    async def _forward(self, method: str, request: Any, context: Context, elsewhere: Elsewhere) -> bytes:
        stub = schedule_service_pb2_grpc.ScheduleServiceStub
        return await forward(self.peers, stub, method, request, context, elsewhere)

    async def CreateSchedule(self, request: spb.CreateScheduleRequest, context: Context) -> bytes:
        principal = self._principal(context)
        auth.require_write(principal, ids.parse_project(request.parent))
        template = request.schedule.instance_template
        refuse_oversized(template, self.limits)  # before any work per task
        # A big template is validated (and fingerprinted) off the event loop, as a big CreateInstance is.
        new, made = await offload.run(template, new_schedule, request, principal.name, self.limits)
        if new.code:
            auth.require_code(principal)
            refuse_code(self.core.settings.allow_code)
        check_sql_tasks(made.tasks, self.core.settings.datasources)
        self.templates.permit(principal, made)  # as its firings will check them, with the caller's rights
        if new.request_id:
            fingerprint = await offload.run(template, idempotency.fingerprint, request, principal.name)
            new = dataclasses.replace(new, fingerprint=fingerprint)
        try:
            return await self.schedules.create(new, _created)
        except Elsewhere as elsewhere:
            return await self._forward("CreateSchedule", request, context, elsewhere)

    async def GetSchedule(self, request: spb.GetScheduleRequest, context: Context) -> bytes:
        project, schedule_id = ids.parse_schedule_name(request.name)
        auth.require_read(self._principal(context), project)
        return await self.schedules.read(project, schedule_id, _got)

    async def ListSchedules(self, request: spb.ListSchedulesRequest, context: Context) -> Any:
        project = ids.parse_project(request.parent)
        auth.require_read(self._principal(context), project)
        page_size = validation.page_size(request.page_size, default=50, maximum=1000)
        found, token = await self.schedules.list_schedules(project, page_size, request.page_token)
        return spb.ListSchedulesResponse(schedules=[schedule_proto(s) for s in found], next_page_token=token)

    async def PauseSchedule(self, request: spb.PauseScheduleRequest, context: Context) -> Any:
        project, schedule_id = ids.parse_schedule_name(request.name)
        auth.require_write(self._principal(context), project)
        try:
            schedule = await self.schedules.pause(project, schedule_id, schedule_proto)
        except Elsewhere as elsewhere:
            return await self._forward("PauseSchedule", request, context, elsewhere)
        return spb.PauseScheduleResponse(schedule=schedule)

    async def ResumeSchedule(self, request: spb.ResumeScheduleRequest, context: Context) -> Any:
        project, schedule_id = ids.parse_schedule_name(request.name)
        auth.require_write(self._principal(context), project)
        try:
            schedule = await self.schedules.resume(project, schedule_id, schedule_proto)
        except Elsewhere as elsewhere:
            return await self._forward("ResumeSchedule", request, context, elsewhere)
        return spb.ResumeScheduleResponse(schedule=schedule)

    async def TriggerSchedule(self, request: spb.TriggerScheduleRequest, context: Context) -> bytes:
        project, schedule_id = ids.parse_schedule_name(request.name)
        principal = self._principal(context)
        auth.require_write(principal, project)
        if await self.schedules.read(project, schedule_id, lambda s: s.code):
            auth.require_code(principal)  # a trigger runs the template's code now: the caller needs the right
        try:
            return await self.schedules.trigger(project, schedule_id, _triggered)
        except Elsewhere as elsewhere:
            return await self._forward("TriggerSchedule", request, context, elsewhere)

    async def DeleteSchedule(self, request: spb.DeleteScheduleRequest, context: Context) -> Any:
        project, schedule_id = ids.parse_schedule_name(request.name)
        auth.require_write(self._principal(context), project)
        try:
            await self.schedules.delete(project, schedule_id)
        except Elsewhere as elsewhere:
            return await self._forward("DeleteSchedule", request, context, elsewhere)
        return spb.DeleteScheduleResponse()
