"""Server reflection: generic tools (grpcurl and the like) can discover and describe the services."""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from tests.support.server import ServerProcess


def test_reflection_lists_and_describes_the_services(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        assert {
            "taskstream.v1.InstanceService",
            "taskstream.v1.ScheduleService",
            "taskstream.v1.WorkerService",
            "grpc.health.v1.Health",
        } <= services
        pool = descriptor_pool.DescriptorPool(database)
        instance_service = pool.FindServiceByName("taskstream.v1.InstanceService")
        watch = instance_service.methods_by_name["WatchInstance"]
        assert watch.output_type.full_name == "taskstream.v1.WatchInstanceResponse"
        assert "hold" in pool.FindMessageTypeByName("taskstream.v1.CreateInstanceRequest").fields_by_name
