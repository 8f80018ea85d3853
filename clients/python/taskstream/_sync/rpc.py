# Generated from taskstream/_async/rpc.py by clients/python/tools/unasync.py: edit that file, then
# run `make unasync`. `make lint` fails while this copy is stale.
"""Typed calls to InstanceService that send the caller's metadata and raise taskstream errors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

import grpc

from taskstream import _tracing
from taskstream._convert import to_duration
from taskstream._requests import (
    stop_instance_request,
    wait_instance_request,
    wait_instances_request,
    waiting_create_request,
)
from taskstream._sync._backend import Channel
from taskstream._waiting import WAIT_MARGIN
from taskstream.errors import _from_rpc_error
from taskstream.status import CancellationReason
from taskstream.v1 import (
    instance_pb2,
    instance_service_pb2,
    instance_service_pb2_grpc,
    schedule_pb2,
    schedule_service_pb2,
    schedule_service_pb2_grpc,
)

# Deadline of every unary call except the waits, whose deadline is their wait plus WAIT_MARGIN.
CALL_TIMEOUT = 60.0


class _Rpc:
    """One client's calls over its channel; ``closed`` makes every later call a clear error."""

    def __init__(self, channel: Channel, target: str, metadata: tuple[tuple[str, str], ...]) -> None:
        stub_class: Any = instance_service_pb2_grpc.InstanceServiceStub  # generated code is untyped
        self._stub = stub_class(channel)
        schedules_class: Any = schedule_service_pb2_grpc.ScheduleServiceStub
        self._schedules = schedules_class(channel)
        self.target = target
        self._metadata = metadata
        self.closed = False

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"the taskstream client for {self.target} is closed")

    def _call(self, method: Callable[..., Any], request: Any, timeout: float = CALL_TIMEOUT) -> Any:
        self._check_open()
        try:
            return method(request, timeout=timeout, metadata=self._metadata + _tracing.metadata())
        except grpc.RpcError as error:
            raise _from_rpc_error(error, self.target) from error

    @contextlib.contextmanager
    def _stream(self, method: Callable[..., Any], request: Any) -> Iterator[Iterator[Any]]:
        """The responses of a server-streaming call, without a deadline; leaving the block cancels it."""
        self._check_open()
        call = method(request, metadata=self._metadata + _tracing.metadata())
        responses = self._responses(call)
        try:
            yield responses
        finally:
            call.cancel()
            responses.close()

    def _responses(self, call: Iterator[Any]) -> Generator[Any, None]:
        try:
            yield from call
        except grpc.RpcError as error:
            raise _from_rpc_error(error, self.target) from error

    def create_instance(self, request: instance_service_pb2.CreateInstanceRequest) -> instance_pb2.Instance:
        response: instance_service_pb2.CreateInstanceResponse = self._call(self._stub.CreateInstance, request)
        return response.instance

    def create_and_wait(
        self, request: instance_service_pb2.CreateInstanceRequest, wait: float
    ) -> instance_service_pb2.CreateInstanceResponse:
        """A create that answers once the instance terminated or after ``wait`` seconds: one round trip
        where a create and a WaitInstance take two."""
        response: instance_service_pb2.CreateInstanceResponse = self._call(
            self._stub.CreateInstance, waiting_create_request(request, wait), timeout=wait + WAIT_MARGIN
        )
        return response

    def get_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.GetInstanceRequest(name=name)
        response: instance_service_pb2.GetInstanceResponse = self._call(self._stub.GetInstance, request)
        return response.instance

    def list_instances(
        self, request: instance_service_pb2.ListInstancesRequest
    ) -> instance_service_pb2.ListInstancesResponse:
        response: instance_service_pb2.ListInstancesResponse = self._call(self._stub.ListInstances, request)
        return response

    def stop_instance(
        self,
        name: str,
        *,
        reason: CancellationReason | None,
        message: str | None,
        grace_period: float | None,
        request_id: str | None,
    ) -> instance_pb2.Instance:
        request = stop_instance_request(
            name, reason=reason, message=message, grace_period=grace_period, request_id=request_id
        )
        response: instance_service_pb2.StopInstanceResponse = self._call(self._stub.StopInstance, request)
        return response.instance

    def cancel_task(
        self,
        name: str,
        *,
        reason: CancellationReason | None,
        message: str | None,
        grace_period: float | None,
    ) -> instance_pb2.Instance:
        request = instance_service_pb2.CancelTaskRequest(
            name=name,
            reason=(reason or CancellationReason.DIRECT).to_proto(),  # type: ignore[arg-type]
            message=message or "",
        )
        if grace_period is not None:
            request.grace_period.CopyFrom(to_duration(grace_period))
        response: instance_service_pb2.CancelTaskResponse = self._call(self._stub.CancelTask, request)
        return response.instance

    def delete_instance(self, name: str) -> None:
        request = instance_service_pb2.DeleteInstanceRequest(name=name)
        self._call(self._stub.DeleteInstance, request)

    def suspend_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.SuspendInstanceRequest(name=name)
        response: instance_service_pb2.SuspendInstanceResponse = self._call(
            self._stub.SuspendInstance, request
        )
        return response.instance

    def resume_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.ResumeInstanceRequest(name=name)
        response: instance_service_pb2.ResumeInstanceResponse = self._call(self._stub.ResumeInstance, request)
        return response.instance

    def wait_instance(self, name: str, wait: float) -> instance_service_pb2.WaitInstanceResponse:
        """One long poll: the server answers when the instance ends or after ``wait`` seconds."""
        response: instance_service_pb2.WaitInstanceResponse = self._call(
            self._stub.WaitInstance, wait_instance_request(name, wait), timeout=wait + WAIT_MARGIN
        )
        return response

    def wait_instances(
        self, names: list[str], mode: str, wait: float
    ) -> instance_service_pb2.WaitInstancesResponse:
        """One long poll: the server answers when ``mode`` is met or after ``wait`` seconds."""
        response: instance_service_pb2.WaitInstancesResponse = self._call(
            self._stub.WaitInstances, wait_instances_request(names, mode, wait), timeout=wait + WAIT_MARGIN
        )
        return response

    def get_task_result(self, instance: str, task: str) -> instance_service_pb2.GetTaskResultResponse:
        request = instance_service_pb2.GetTaskResultRequest(instance=instance, task=task)
        response: instance_service_pb2.GetTaskResultResponse = self._call(self._stub.GetTaskResult, request)
        return response

    def list_task_types(self) -> instance_service_pb2.ListTaskTypesResponse:
        response: instance_service_pb2.ListTaskTypesResponse = self._call(
            self._stub.ListTaskTypes, instance_service_pb2.ListTaskTypesRequest()
        )
        return response

    def list_sub_instances(
        self, request: instance_service_pb2.ListSubInstancesRequest
    ) -> instance_service_pb2.ListSubInstancesResponse:
        response: instance_service_pb2.ListSubInstancesResponse = self._call(
            self._stub.ListSubInstances, request
        )
        return response

    def list_task_result_rows(
        self, request: instance_service_pb2.ListTaskResultRowsRequest
    ) -> instance_service_pb2.ListTaskResultRowsResponse:
        response: instance_service_pb2.ListTaskResultRowsResponse = self._call(
            self._stub.ListTaskResultRows, request
        )
        return response

    def put_task_info(self, name: str, key: str, value: str) -> None:
        request = instance_service_pb2.PutTaskInfoRequest(name=name, key=key, value=value)
        self._call(self._stub.PutTaskInfo, request)

    def get_task_info(self, name: str, keys: list[str]) -> dict[str, str]:
        request = instance_service_pb2.GetTaskInfoRequest(name=name, keys=keys)
        response: instance_service_pb2.GetTaskInfoResponse = self._call(self._stub.GetTaskInfo, request)
        return dict(response.info)

    def get_queueing_info(
        self, name: str, page_token: str = ""
    ) -> instance_service_pb2.GetQueueingInfoResponse:
        request = instance_service_pb2.GetQueueingInfoRequest(name=name, page_token=page_token)
        response: instance_service_pb2.GetQueueingInfoResponse = self._call(
            self._stub.GetQueueingInfo, request
        )
        return response

    def get_logview_address(self, name: str, hours: int | None) -> str:
        request = instance_service_pb2.GetLogviewAddressRequest(name=name, hours=hours)
        response: instance_service_pb2.GetLogviewAddressResponse = self._call(
            self._stub.GetLogviewAddress, request
        )
        return response.url

    # -- schedules

    def create_schedule(self, request: schedule_service_pb2.CreateScheduleRequest) -> schedule_pb2.Schedule:
        response: schedule_service_pb2.CreateScheduleResponse = self._call(
            self._schedules.CreateSchedule, request
        )
        return response.schedule

    def get_schedule(self, name: str) -> schedule_pb2.Schedule:
        request = schedule_service_pb2.GetScheduleRequest(name=name)
        response: schedule_service_pb2.GetScheduleResponse = self._call(self._schedules.GetSchedule, request)
        return response.schedule

    def list_schedules(
        self, request: schedule_service_pb2.ListSchedulesRequest
    ) -> schedule_service_pb2.ListSchedulesResponse:
        response: schedule_service_pb2.ListSchedulesResponse = self._call(
            self._schedules.ListSchedules, request
        )
        return response

    def pause_schedule(self, name: str) -> schedule_pb2.Schedule:
        request = schedule_service_pb2.PauseScheduleRequest(name=name)
        response: schedule_service_pb2.PauseScheduleResponse = self._call(
            self._schedules.PauseSchedule, request
        )
        return response.schedule

    def resume_schedule(self, name: str) -> schedule_pb2.Schedule:
        request = schedule_service_pb2.ResumeScheduleRequest(name=name)
        response: schedule_service_pb2.ResumeScheduleResponse = self._call(
            self._schedules.ResumeSchedule, request
        )
        return response.schedule

    def trigger_schedule(self, name: str) -> instance_pb2.Instance:
        request = schedule_service_pb2.TriggerScheduleRequest(name=name)
        response: schedule_service_pb2.TriggerScheduleResponse = self._call(
            self._schedules.TriggerSchedule, request
        )
        return response.instance

    def delete_schedule(self, name: str) -> None:
        request = schedule_service_pb2.DeleteScheduleRequest(name=name)
        self._call(self._schedules.DeleteSchedule, request)

    def watch_instance(
        self, request: instance_service_pb2.WatchInstanceRequest
    ) -> contextlib.AbstractContextManager[Iterator[instance_service_pb2.WatchInstanceResponse]]:
        return self._stream(self._stub.WatchInstance, request)

    def watch_instances(
        self, request: instance_service_pb2.WatchInstancesRequest
    ) -> contextlib.AbstractContextManager[Iterator[instance_service_pb2.WatchInstancesResponse]]:
        return self._stream(self._stub.WatchInstances, request)

    def read_task_output(
        self, request: instance_service_pb2.ReadTaskOutputRequest
    ) -> contextlib.AbstractContextManager[Iterator[instance_service_pb2.ReadTaskOutputResponse]]:
        return self._stream(self._stub.ReadTaskOutput, request)
