package dev.taskstream.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * InstanceService starts instances of tasks, reports on them and stops them.
 * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
 * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
 * with ErrorInfo. Failures of a task while it runs are not call errors: they are
 * data in the task (status, error, cancellation).
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class InstanceServiceGrpc {

  private InstanceServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "taskstream.v1.InstanceService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.CreateInstanceRequest,
      dev.taskstream.v1.CreateInstanceResponse> getCreateInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateInstance",
      requestType = dev.taskstream.v1.CreateInstanceRequest.class,
      responseType = dev.taskstream.v1.CreateInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.CreateInstanceRequest,
      dev.taskstream.v1.CreateInstanceResponse> getCreateInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.CreateInstanceRequest, dev.taskstream.v1.CreateInstanceResponse> getCreateInstanceMethod;
    if ((getCreateInstanceMethod = InstanceServiceGrpc.getCreateInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getCreateInstanceMethod = InstanceServiceGrpc.getCreateInstanceMethod) == null) {
          InstanceServiceGrpc.getCreateInstanceMethod = getCreateInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.CreateInstanceRequest, dev.taskstream.v1.CreateInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.CreateInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.CreateInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("CreateInstance"))
              .build();
        }
      }
    }
    return getCreateInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.GetInstanceRequest,
      dev.taskstream.v1.GetInstanceResponse> getGetInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetInstance",
      requestType = dev.taskstream.v1.GetInstanceRequest.class,
      responseType = dev.taskstream.v1.GetInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.GetInstanceRequest,
      dev.taskstream.v1.GetInstanceResponse> getGetInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.GetInstanceRequest, dev.taskstream.v1.GetInstanceResponse> getGetInstanceMethod;
    if ((getGetInstanceMethod = InstanceServiceGrpc.getGetInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getGetInstanceMethod = InstanceServiceGrpc.getGetInstanceMethod) == null) {
          InstanceServiceGrpc.getGetInstanceMethod = getGetInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.GetInstanceRequest, dev.taskstream.v1.GetInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("GetInstance"))
              .build();
        }
      }
    }
    return getGetInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ListInstancesRequest,
      dev.taskstream.v1.ListInstancesResponse> getListInstancesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListInstances",
      requestType = dev.taskstream.v1.ListInstancesRequest.class,
      responseType = dev.taskstream.v1.ListInstancesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ListInstancesRequest,
      dev.taskstream.v1.ListInstancesResponse> getListInstancesMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ListInstancesRequest, dev.taskstream.v1.ListInstancesResponse> getListInstancesMethod;
    if ((getListInstancesMethod = InstanceServiceGrpc.getListInstancesMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getListInstancesMethod = InstanceServiceGrpc.getListInstancesMethod) == null) {
          InstanceServiceGrpc.getListInstancesMethod = getListInstancesMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ListInstancesRequest, dev.taskstream.v1.ListInstancesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListInstances"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListInstancesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListInstancesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ListInstances"))
              .build();
        }
      }
    }
    return getListInstancesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.StopInstanceRequest,
      dev.taskstream.v1.StopInstanceResponse> getStopInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StopInstance",
      requestType = dev.taskstream.v1.StopInstanceRequest.class,
      responseType = dev.taskstream.v1.StopInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.StopInstanceRequest,
      dev.taskstream.v1.StopInstanceResponse> getStopInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.StopInstanceRequest, dev.taskstream.v1.StopInstanceResponse> getStopInstanceMethod;
    if ((getStopInstanceMethod = InstanceServiceGrpc.getStopInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getStopInstanceMethod = InstanceServiceGrpc.getStopInstanceMethod) == null) {
          InstanceServiceGrpc.getStopInstanceMethod = getStopInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.StopInstanceRequest, dev.taskstream.v1.StopInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StopInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.StopInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.StopInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("StopInstance"))
              .build();
        }
      }
    }
    return getStopInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.SuspendInstanceRequest,
      dev.taskstream.v1.SuspendInstanceResponse> getSuspendInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SuspendInstance",
      requestType = dev.taskstream.v1.SuspendInstanceRequest.class,
      responseType = dev.taskstream.v1.SuspendInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.SuspendInstanceRequest,
      dev.taskstream.v1.SuspendInstanceResponse> getSuspendInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.SuspendInstanceRequest, dev.taskstream.v1.SuspendInstanceResponse> getSuspendInstanceMethod;
    if ((getSuspendInstanceMethod = InstanceServiceGrpc.getSuspendInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getSuspendInstanceMethod = InstanceServiceGrpc.getSuspendInstanceMethod) == null) {
          InstanceServiceGrpc.getSuspendInstanceMethod = getSuspendInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.SuspendInstanceRequest, dev.taskstream.v1.SuspendInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SuspendInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.SuspendInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.SuspendInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("SuspendInstance"))
              .build();
        }
      }
    }
    return getSuspendInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ResumeInstanceRequest,
      dev.taskstream.v1.ResumeInstanceResponse> getResumeInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ResumeInstance",
      requestType = dev.taskstream.v1.ResumeInstanceRequest.class,
      responseType = dev.taskstream.v1.ResumeInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ResumeInstanceRequest,
      dev.taskstream.v1.ResumeInstanceResponse> getResumeInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ResumeInstanceRequest, dev.taskstream.v1.ResumeInstanceResponse> getResumeInstanceMethod;
    if ((getResumeInstanceMethod = InstanceServiceGrpc.getResumeInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getResumeInstanceMethod = InstanceServiceGrpc.getResumeInstanceMethod) == null) {
          InstanceServiceGrpc.getResumeInstanceMethod = getResumeInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ResumeInstanceRequest, dev.taskstream.v1.ResumeInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ResumeInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ResumeInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ResumeInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ResumeInstance"))
              .build();
        }
      }
    }
    return getResumeInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstanceRequest,
      dev.taskstream.v1.WaitInstanceResponse> getWaitInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WaitInstance",
      requestType = dev.taskstream.v1.WaitInstanceRequest.class,
      responseType = dev.taskstream.v1.WaitInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstanceRequest,
      dev.taskstream.v1.WaitInstanceResponse> getWaitInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstanceRequest, dev.taskstream.v1.WaitInstanceResponse> getWaitInstanceMethod;
    if ((getWaitInstanceMethod = InstanceServiceGrpc.getWaitInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getWaitInstanceMethod = InstanceServiceGrpc.getWaitInstanceMethod) == null) {
          InstanceServiceGrpc.getWaitInstanceMethod = getWaitInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.WaitInstanceRequest, dev.taskstream.v1.WaitInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WaitInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WaitInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WaitInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("WaitInstance"))
              .build();
        }
      }
    }
    return getWaitInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstancesRequest,
      dev.taskstream.v1.WaitInstancesResponse> getWaitInstancesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WaitInstances",
      requestType = dev.taskstream.v1.WaitInstancesRequest.class,
      responseType = dev.taskstream.v1.WaitInstancesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstancesRequest,
      dev.taskstream.v1.WaitInstancesResponse> getWaitInstancesMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.WaitInstancesRequest, dev.taskstream.v1.WaitInstancesResponse> getWaitInstancesMethod;
    if ((getWaitInstancesMethod = InstanceServiceGrpc.getWaitInstancesMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getWaitInstancesMethod = InstanceServiceGrpc.getWaitInstancesMethod) == null) {
          InstanceServiceGrpc.getWaitInstancesMethod = getWaitInstancesMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.WaitInstancesRequest, dev.taskstream.v1.WaitInstancesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WaitInstances"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WaitInstancesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WaitInstancesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("WaitInstances"))
              .build();
        }
      }
    }
    return getWaitInstancesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstanceRequest,
      dev.taskstream.v1.WatchInstanceResponse> getWatchInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchInstance",
      requestType = dev.taskstream.v1.WatchInstanceRequest.class,
      responseType = dev.taskstream.v1.WatchInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstanceRequest,
      dev.taskstream.v1.WatchInstanceResponse> getWatchInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstanceRequest, dev.taskstream.v1.WatchInstanceResponse> getWatchInstanceMethod;
    if ((getWatchInstanceMethod = InstanceServiceGrpc.getWatchInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getWatchInstanceMethod = InstanceServiceGrpc.getWatchInstanceMethod) == null) {
          InstanceServiceGrpc.getWatchInstanceMethod = getWatchInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.WatchInstanceRequest, dev.taskstream.v1.WatchInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WatchInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WatchInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("WatchInstance"))
              .build();
        }
      }
    }
    return getWatchInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ReadTaskOutputRequest,
      dev.taskstream.v1.ReadTaskOutputResponse> getReadTaskOutputMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadTaskOutput",
      requestType = dev.taskstream.v1.ReadTaskOutputRequest.class,
      responseType = dev.taskstream.v1.ReadTaskOutputResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ReadTaskOutputRequest,
      dev.taskstream.v1.ReadTaskOutputResponse> getReadTaskOutputMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ReadTaskOutputRequest, dev.taskstream.v1.ReadTaskOutputResponse> getReadTaskOutputMethod;
    if ((getReadTaskOutputMethod = InstanceServiceGrpc.getReadTaskOutputMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getReadTaskOutputMethod = InstanceServiceGrpc.getReadTaskOutputMethod) == null) {
          InstanceServiceGrpc.getReadTaskOutputMethod = getReadTaskOutputMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ReadTaskOutputRequest, dev.taskstream.v1.ReadTaskOutputResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadTaskOutput"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ReadTaskOutputRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ReadTaskOutputResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ReadTaskOutput"))
              .build();
        }
      }
    }
    return getReadTaskOutputMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskResultRequest,
      dev.taskstream.v1.GetTaskResultResponse> getGetTaskResultMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetTaskResult",
      requestType = dev.taskstream.v1.GetTaskResultRequest.class,
      responseType = dev.taskstream.v1.GetTaskResultResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskResultRequest,
      dev.taskstream.v1.GetTaskResultResponse> getGetTaskResultMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskResultRequest, dev.taskstream.v1.GetTaskResultResponse> getGetTaskResultMethod;
    if ((getGetTaskResultMethod = InstanceServiceGrpc.getGetTaskResultMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getGetTaskResultMethod = InstanceServiceGrpc.getGetTaskResultMethod) == null) {
          InstanceServiceGrpc.getGetTaskResultMethod = getGetTaskResultMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.GetTaskResultRequest, dev.taskstream.v1.GetTaskResultResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetTaskResult"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetTaskResultRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetTaskResultResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("GetTaskResult"))
              .build();
        }
      }
    }
    return getGetTaskResultMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskTypesRequest,
      dev.taskstream.v1.ListTaskTypesResponse> getListTaskTypesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTaskTypes",
      requestType = dev.taskstream.v1.ListTaskTypesRequest.class,
      responseType = dev.taskstream.v1.ListTaskTypesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskTypesRequest,
      dev.taskstream.v1.ListTaskTypesResponse> getListTaskTypesMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskTypesRequest, dev.taskstream.v1.ListTaskTypesResponse> getListTaskTypesMethod;
    if ((getListTaskTypesMethod = InstanceServiceGrpc.getListTaskTypesMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getListTaskTypesMethod = InstanceServiceGrpc.getListTaskTypesMethod) == null) {
          InstanceServiceGrpc.getListTaskTypesMethod = getListTaskTypesMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ListTaskTypesRequest, dev.taskstream.v1.ListTaskTypesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTaskTypes"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListTaskTypesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListTaskTypesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ListTaskTypes"))
              .build();
        }
      }
    }
    return getListTaskTypesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.GetLogviewAddressRequest,
      dev.taskstream.v1.GetLogviewAddressResponse> getGetLogviewAddressMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetLogviewAddress",
      requestType = dev.taskstream.v1.GetLogviewAddressRequest.class,
      responseType = dev.taskstream.v1.GetLogviewAddressResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.GetLogviewAddressRequest,
      dev.taskstream.v1.GetLogviewAddressResponse> getGetLogviewAddressMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.GetLogviewAddressRequest, dev.taskstream.v1.GetLogviewAddressResponse> getGetLogviewAddressMethod;
    if ((getGetLogviewAddressMethod = InstanceServiceGrpc.getGetLogviewAddressMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getGetLogviewAddressMethod = InstanceServiceGrpc.getGetLogviewAddressMethod) == null) {
          InstanceServiceGrpc.getGetLogviewAddressMethod = getGetLogviewAddressMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.GetLogviewAddressRequest, dev.taskstream.v1.GetLogviewAddressResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetLogviewAddress"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetLogviewAddressRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetLogviewAddressResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("GetLogviewAddress"))
              .build();
        }
      }
    }
    return getGetLogviewAddressMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ListSubInstancesRequest,
      dev.taskstream.v1.ListSubInstancesResponse> getListSubInstancesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSubInstances",
      requestType = dev.taskstream.v1.ListSubInstancesRequest.class,
      responseType = dev.taskstream.v1.ListSubInstancesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ListSubInstancesRequest,
      dev.taskstream.v1.ListSubInstancesResponse> getListSubInstancesMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ListSubInstancesRequest, dev.taskstream.v1.ListSubInstancesResponse> getListSubInstancesMethod;
    if ((getListSubInstancesMethod = InstanceServiceGrpc.getListSubInstancesMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getListSubInstancesMethod = InstanceServiceGrpc.getListSubInstancesMethod) == null) {
          InstanceServiceGrpc.getListSubInstancesMethod = getListSubInstancesMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ListSubInstancesRequest, dev.taskstream.v1.ListSubInstancesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSubInstances"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListSubInstancesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListSubInstancesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ListSubInstances"))
              .build();
        }
      }
    }
    return getListSubInstancesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskResultRowsRequest,
      dev.taskstream.v1.ListTaskResultRowsResponse> getListTaskResultRowsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTaskResultRows",
      requestType = dev.taskstream.v1.ListTaskResultRowsRequest.class,
      responseType = dev.taskstream.v1.ListTaskResultRowsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskResultRowsRequest,
      dev.taskstream.v1.ListTaskResultRowsResponse> getListTaskResultRowsMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ListTaskResultRowsRequest, dev.taskstream.v1.ListTaskResultRowsResponse> getListTaskResultRowsMethod;
    if ((getListTaskResultRowsMethod = InstanceServiceGrpc.getListTaskResultRowsMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getListTaskResultRowsMethod = InstanceServiceGrpc.getListTaskResultRowsMethod) == null) {
          InstanceServiceGrpc.getListTaskResultRowsMethod = getListTaskResultRowsMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ListTaskResultRowsRequest, dev.taskstream.v1.ListTaskResultRowsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTaskResultRows"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListTaskResultRowsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ListTaskResultRowsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("ListTaskResultRows"))
              .build();
        }
      }
    }
    return getListTaskResultRowsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.CancelTaskRequest,
      dev.taskstream.v1.CancelTaskResponse> getCancelTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelTask",
      requestType = dev.taskstream.v1.CancelTaskRequest.class,
      responseType = dev.taskstream.v1.CancelTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.CancelTaskRequest,
      dev.taskstream.v1.CancelTaskResponse> getCancelTaskMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.CancelTaskRequest, dev.taskstream.v1.CancelTaskResponse> getCancelTaskMethod;
    if ((getCancelTaskMethod = InstanceServiceGrpc.getCancelTaskMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getCancelTaskMethod = InstanceServiceGrpc.getCancelTaskMethod) == null) {
          InstanceServiceGrpc.getCancelTaskMethod = getCancelTaskMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.CancelTaskRequest, dev.taskstream.v1.CancelTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.CancelTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.CancelTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("CancelTask"))
              .build();
        }
      }
    }
    return getCancelTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.DeleteInstanceRequest,
      dev.taskstream.v1.DeleteInstanceResponse> getDeleteInstanceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteInstance",
      requestType = dev.taskstream.v1.DeleteInstanceRequest.class,
      responseType = dev.taskstream.v1.DeleteInstanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.DeleteInstanceRequest,
      dev.taskstream.v1.DeleteInstanceResponse> getDeleteInstanceMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.DeleteInstanceRequest, dev.taskstream.v1.DeleteInstanceResponse> getDeleteInstanceMethod;
    if ((getDeleteInstanceMethod = InstanceServiceGrpc.getDeleteInstanceMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getDeleteInstanceMethod = InstanceServiceGrpc.getDeleteInstanceMethod) == null) {
          InstanceServiceGrpc.getDeleteInstanceMethod = getDeleteInstanceMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.DeleteInstanceRequest, dev.taskstream.v1.DeleteInstanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteInstance"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.DeleteInstanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.DeleteInstanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("DeleteInstance"))
              .build();
        }
      }
    }
    return getDeleteInstanceMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstancesRequest,
      dev.taskstream.v1.WatchInstancesResponse> getWatchInstancesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchInstances",
      requestType = dev.taskstream.v1.WatchInstancesRequest.class,
      responseType = dev.taskstream.v1.WatchInstancesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstancesRequest,
      dev.taskstream.v1.WatchInstancesResponse> getWatchInstancesMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.WatchInstancesRequest, dev.taskstream.v1.WatchInstancesResponse> getWatchInstancesMethod;
    if ((getWatchInstancesMethod = InstanceServiceGrpc.getWatchInstancesMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getWatchInstancesMethod = InstanceServiceGrpc.getWatchInstancesMethod) == null) {
          InstanceServiceGrpc.getWatchInstancesMethod = getWatchInstancesMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.WatchInstancesRequest, dev.taskstream.v1.WatchInstancesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchInstances"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WatchInstancesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.WatchInstancesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("WatchInstances"))
              .build();
        }
      }
    }
    return getWatchInstancesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.PutTaskInfoRequest,
      dev.taskstream.v1.PutTaskInfoResponse> getPutTaskInfoMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PutTaskInfo",
      requestType = dev.taskstream.v1.PutTaskInfoRequest.class,
      responseType = dev.taskstream.v1.PutTaskInfoResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.PutTaskInfoRequest,
      dev.taskstream.v1.PutTaskInfoResponse> getPutTaskInfoMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.PutTaskInfoRequest, dev.taskstream.v1.PutTaskInfoResponse> getPutTaskInfoMethod;
    if ((getPutTaskInfoMethod = InstanceServiceGrpc.getPutTaskInfoMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getPutTaskInfoMethod = InstanceServiceGrpc.getPutTaskInfoMethod) == null) {
          InstanceServiceGrpc.getPutTaskInfoMethod = getPutTaskInfoMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.PutTaskInfoRequest, dev.taskstream.v1.PutTaskInfoResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PutTaskInfo"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.PutTaskInfoRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.PutTaskInfoResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("PutTaskInfo"))
              .build();
        }
      }
    }
    return getPutTaskInfoMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskInfoRequest,
      dev.taskstream.v1.GetTaskInfoResponse> getGetTaskInfoMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetTaskInfo",
      requestType = dev.taskstream.v1.GetTaskInfoRequest.class,
      responseType = dev.taskstream.v1.GetTaskInfoResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskInfoRequest,
      dev.taskstream.v1.GetTaskInfoResponse> getGetTaskInfoMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.GetTaskInfoRequest, dev.taskstream.v1.GetTaskInfoResponse> getGetTaskInfoMethod;
    if ((getGetTaskInfoMethod = InstanceServiceGrpc.getGetTaskInfoMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getGetTaskInfoMethod = InstanceServiceGrpc.getGetTaskInfoMethod) == null) {
          InstanceServiceGrpc.getGetTaskInfoMethod = getGetTaskInfoMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.GetTaskInfoRequest, dev.taskstream.v1.GetTaskInfoResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetTaskInfo"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetTaskInfoRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetTaskInfoResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("GetTaskInfo"))
              .build();
        }
      }
    }
    return getGetTaskInfoMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.GetQueueingInfoRequest,
      dev.taskstream.v1.GetQueueingInfoResponse> getGetQueueingInfoMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetQueueingInfo",
      requestType = dev.taskstream.v1.GetQueueingInfoRequest.class,
      responseType = dev.taskstream.v1.GetQueueingInfoResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.GetQueueingInfoRequest,
      dev.taskstream.v1.GetQueueingInfoResponse> getGetQueueingInfoMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.GetQueueingInfoRequest, dev.taskstream.v1.GetQueueingInfoResponse> getGetQueueingInfoMethod;
    if ((getGetQueueingInfoMethod = InstanceServiceGrpc.getGetQueueingInfoMethod) == null) {
      synchronized (InstanceServiceGrpc.class) {
        if ((getGetQueueingInfoMethod = InstanceServiceGrpc.getGetQueueingInfoMethod) == null) {
          InstanceServiceGrpc.getGetQueueingInfoMethod = getGetQueueingInfoMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.GetQueueingInfoRequest, dev.taskstream.v1.GetQueueingInfoResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetQueueingInfo"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetQueueingInfoRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.GetQueueingInfoResponse.getDefaultInstance()))
              .setSchemaDescriptor(new InstanceServiceMethodDescriptorSupplier("GetQueueingInfo"))
              .build();
        }
      }
    }
    return getGetQueueingInfoMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static InstanceServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<InstanceServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<InstanceServiceStub>() {
        @java.lang.Override
        public InstanceServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new InstanceServiceStub(channel, callOptions);
        }
      };
    return InstanceServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static InstanceServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<InstanceServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<InstanceServiceBlockingV2Stub>() {
        @java.lang.Override
        public InstanceServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new InstanceServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return InstanceServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static InstanceServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<InstanceServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<InstanceServiceBlockingStub>() {
        @java.lang.Override
        public InstanceServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new InstanceServiceBlockingStub(channel, callOptions);
        }
      };
    return InstanceServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static InstanceServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<InstanceServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<InstanceServiceFutureStub>() {
        @java.lang.Override
        public InstanceServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new InstanceServiceFutureStub(channel, callOptions);
        }
      };
    return InstanceServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Creates an instance and queues its tasks. A retry with the same request_id in
     * the same project returns the first instance instead of creating another, so
     * callers may retry UNAVAILABLE safely when they set one. Returns
     * INVALID_ARGUMENT for a bad spec and PERMISSION_DENIED for python_object tasks
     * when the server does not allow code. A request over the server's limits
     * (`--max-tasks-per-instance`, default 100000 tasks; `--max-parameters-bytes`;
     * the label limits below) is INVALID_ARGUMENT naming the field, refused before
     * its tasks are validated; one over `--max-message-bytes` is
     * RESOURCE_EXHAUSTED. A BadRequest lists at most 100 field violations. A server
     * started with `--strict-types` answers FAILED_PRECONDITION with ErrorInfo
     * reason UNKNOWN_TASK_TYPE (metadata: the type and the known types) for a task
     * type no connected worker offers, instead of queueing it until one does. Do
     * not retry these.
     * </pre>
     */
    default void createInstance(dev.taskstream.v1.CreateInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.CreateInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns an instance with its tasks' statuses and progress. NOT_FOUND when it
     * does not exist. Safe to retry.
     * </pre>
     */
    default void getInstance(dev.taskstream.v1.GetInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists a project's instances, newest first, with filters. Safe to retry.
     * </pre>
     */
    default void listInstances(dev.taskstream.v1.ListInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListInstancesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListInstancesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops an instance: tasks that have not started end CANCELLED at once;
     * running ones see the cancellation, get a grace period and are then killed.
     * FAILED_PRECONDITION when the instance is already terminated. A retry with
     * the same request_id returns the first answer.
     * </pre>
     */
    default void stopInstance(dev.taskstream.v1.StopInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.StopInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStopInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Suspends an instance: waiting tasks are held and running ones paused.
     * FAILED_PRECONDITION unless it is RUNNING.
     * </pre>
     */
    default void suspendInstance(dev.taskstream.v1.SuspendInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.SuspendInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSuspendInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Resumes a suspended instance. FAILED_PRECONDITION unless it is SUSPENDED.
     * </pre>
     */
    default void resumeInstance(dev.taskstream.v1.ResumeInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ResumeInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getResumeInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the instance as soon as it is terminated, or its current state when
     * the timeout passes first (a long poll). Safe to retry.
     * </pre>
     */
    default void waitInstance(dev.taskstream.v1.WaitInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWaitInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Waits for several instances: with WAIT_MODE_ALL until every one is
     * terminated, with WAIT_MODE_ANY until one is, or until the timeout passes.
     * Returns every instance's state at that moment. Safe to retry.
     * </pre>
     */
    default void waitInstances(dev.taskstream.v1.WaitInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstancesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWaitInstancesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Follows an instance: first a snapshot (unless resuming with after_seq),
     * then every change in sequence order. The stream ends after the terminal
     * snapshot, or with a WatchEnd that says why and where to resume. Heartbeats
     * are sent while nothing changes. Resuming with the last seq received gives
     * exactly the changes missed, with progress coalesced to its latest value.
     * </pre>
     */
    default void watchInstance(dev.taskstream.v1.WatchInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams a task's stdout or stderr from a byte offset. With follow the
     * stream stays open until the task ends and closes after its last byte.
     * With attempt, the output of an earlier attempt of a retried task.
     * </pre>
     */
    default void readTaskOutput(dev.taskstream.v1.ReadTaskOutputRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ReadTaskOutputResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadTaskOutputMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one task's result, error, properties and captured output. NOT_FOUND
     * for an unknown instance or task. Safe to retry.
     * </pre>
     */
    default void getTaskResult(dev.taskstream.v1.GetTaskResultRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskResultResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetTaskResultMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the task types the connected workers can run. Safe to retry.
     * </pre>
     */
    default void listTaskTypes(dev.taskstream.v1.ListTaskTypesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskTypesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTaskTypesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the address of the instance's Logview page: a URL carrying a signed
     * token that grants read access to this one instance until it expires.
     * NOT_FOUND for an unknown instance. Safe to retry.
     * </pre>
     */
    default void getLogviewAddress(dev.taskstream.v1.GetLogviewAddressRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetLogviewAddressResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetLogviewAddressMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the sub-instances a workflow instance started, in the order they
     * were created, with the cursor to watch the workflow from for later ones.
     * NOT_FOUND for an unknown instance, INVALID_ARGUMENT for a bad page token.
     * Safe to retry.
     * </pre>
     */
    default void listSubInstances(dev.taskstream.v1.ListSubInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListSubInstancesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSubInstancesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads a task's tabular result (a SQL select's CSV) as typed rows, a page at
     * a time, so results too large for one message can be read. NOT_FOUND for an
     * unknown instance or task; FAILED_PRECONDITION with reason
     * RESULT_NOT_TABULAR unless the task succeeded with a CSV text result;
     * INVALID_ARGUMENT for a bad page token. Safe to retry.
     * </pre>
     */
    default void listTaskResultRows(dev.taskstream.v1.ListTaskResultRowsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskResultRowsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTaskResultRowsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels one task of an instance (STK's cancel_task): one that has not
     * started ends CANCELLED at once; a running one sees the cancellation, gets
     * a grace period and is then killed. Its dependents that do not allow its
     * failure end CANCELLED with reason CONSEQUENTIAL. NOT_FOUND for an unknown
     * instance or task; FAILED_PRECONDITION (TASK_TERMINATED) when the task has
     * already ended. Safe to retry: a retry of a cancel that worked answers
     * FAILED_PRECONDITION once the task ended.
     * </pre>
     */
    default void cancelTask(dev.taskstream.v1.CancelTaskRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.CancelTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a terminated instance with its tasks, events, output and results,
     * leaving a tombstone: Get, Wait, Watch and Stop of it then answer NOT_FOUND
     * with ErrorInfo INSTANCE_DELETED. FAILED_PRECONDITION (INSTANCE_NOT_TERMINATED)
     * while it runs; NOT_FOUND when it does not exist (or was deleted). Safe to
     * retry.
     * </pre>
     */
    default void deleteInstance(dev.taskstream.v1.DeleteInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.DeleteInstanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteInstanceMethod(), responseObserver);
    }

    /**
     * <pre>
     * Follows every instance of a project: first a snapshot of the instances that
     * match the filter (in pages, newest first, up to the snapshot's limit), then
     * each instance-level change (created, status, ended, deleted) in the
     * project's sequence order. Resuming with the last seq received (of an event,
     * a heartbeat, a snapshot or a WatchEnd) gives exactly the changes missed,
     * after a restart and on any replica; a snapshot comes again instead when
     * the changes after that seq are no longer kept. Heartbeats are sent while
     * nothing changes, and the stream ends only with a WatchEnd that says why and
     * where to resume. INVALID_ARGUMENT for a bad filter, PERMISSION_DENIED
     * without read access to the project. Safe to retry.
     * </pre>
     */
    default void watchInstances(dev.taskstream.v1.WatchInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstancesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchInstancesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets one key of a task's info to a value (PyODPS's put_task_info): string
     * keys and values that callers attach to a task from outside while it has
     * not ended, kept with the task and read with GetTaskInfo. Setting a key
     * again replaces its value. Needs write access to the project.
     * INVALID_ARGUMENT for a bad key or a value over 65536 bytes (UTF-8);
     * NOT_FOUND for an unknown instance or task; FAILED_PRECONDITION with reason
     * TASK_TERMINATED once the task ended; RESOURCE_EXHAUSTED with reason
     * TASK_INFO_KEYS for a new key of a task that has 100 keys already. Safe to
     * retry: setting a key to the value it has changes nothing.
     * </pre>
     */
    default void putTaskInfo(dev.taskstream.v1.PutTaskInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.PutTaskInfoResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPutTaskInfoMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a task's info (PyODPS's get_task_info): the keys asked for that are
     * set, or every key when none is asked for. Needs read access to the
     * project. NOT_FOUND for an unknown instance or task; INVALID_ARGUMENT for a
     * bad key. Safe to retry.
     * </pre>
     */
    default void getTaskInfo(dev.taskstream.v1.GetTaskInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskInfoResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetTaskInfoMethod(), responseObserver);
    }

    /**
     * <pre>
     * Says where each task of an instance that has not started stands (PyODPS's
     * get_queueing_info): its status, why it waits, and its position in the run
     * queue of the server replica that owns the instance. Computed when asked,
     * in time proportional to the length of that queue. Needs read access to the
     * project. NOT_FOUND for an unknown instance; INVALID_ARGUMENT for a bad
     * page token. Safe to retry.
     * </pre>
     */
    default void getQueueingInfo(dev.taskstream.v1.GetQueueingInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetQueueingInfoResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetQueueingInfoMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service InstanceService.
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public static abstract class InstanceServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return InstanceServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service InstanceService.
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public static final class InstanceServiceStub
      extends io.grpc.stub.AbstractAsyncStub<InstanceServiceStub> {
    private InstanceServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected InstanceServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new InstanceServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an instance and queues its tasks. A retry with the same request_id in
     * the same project returns the first instance instead of creating another, so
     * callers may retry UNAVAILABLE safely when they set one. Returns
     * INVALID_ARGUMENT for a bad spec and PERMISSION_DENIED for python_object tasks
     * when the server does not allow code. A request over the server's limits
     * (`--max-tasks-per-instance`, default 100000 tasks; `--max-parameters-bytes`;
     * the label limits below) is INVALID_ARGUMENT naming the field, refused before
     * its tasks are validated; one over `--max-message-bytes` is
     * RESOURCE_EXHAUSTED. A BadRequest lists at most 100 field violations. A server
     * started with `--strict-types` answers FAILED_PRECONDITION with ErrorInfo
     * reason UNKNOWN_TASK_TYPE (metadata: the type and the known types) for a task
     * type no connected worker offers, instead of queueing it until one does. Do
     * not retry these.
     * </pre>
     */
    public void createInstance(dev.taskstream.v1.CreateInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.CreateInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns an instance with its tasks' statuses and progress. NOT_FOUND when it
     * does not exist. Safe to retry.
     * </pre>
     */
    public void getInstance(dev.taskstream.v1.GetInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists a project's instances, newest first, with filters. Safe to retry.
     * </pre>
     */
    public void listInstances(dev.taskstream.v1.ListInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListInstancesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListInstancesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops an instance: tasks that have not started end CANCELLED at once;
     * running ones see the cancellation, get a grace period and are then killed.
     * FAILED_PRECONDITION when the instance is already terminated. A retry with
     * the same request_id returns the first answer.
     * </pre>
     */
    public void stopInstance(dev.taskstream.v1.StopInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.StopInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStopInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Suspends an instance: waiting tasks are held and running ones paused.
     * FAILED_PRECONDITION unless it is RUNNING.
     * </pre>
     */
    public void suspendInstance(dev.taskstream.v1.SuspendInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.SuspendInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSuspendInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Resumes a suspended instance. FAILED_PRECONDITION unless it is SUSPENDED.
     * </pre>
     */
    public void resumeInstance(dev.taskstream.v1.ResumeInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ResumeInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getResumeInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the instance as soon as it is terminated, or its current state when
     * the timeout passes first (a long poll). Safe to retry.
     * </pre>
     */
    public void waitInstance(dev.taskstream.v1.WaitInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getWaitInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Waits for several instances: with WAIT_MODE_ALL until every one is
     * terminated, with WAIT_MODE_ANY until one is, or until the timeout passes.
     * Returns every instance's state at that moment. Safe to retry.
     * </pre>
     */
    public void waitInstances(dev.taskstream.v1.WaitInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstancesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getWaitInstancesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Follows an instance: first a snapshot (unless resuming with after_seq),
     * then every change in sequence order. The stream ends after the terminal
     * snapshot, or with a WatchEnd that says why and where to resume. Heartbeats
     * are sent while nothing changes. Resuming with the last seq received gives
     * exactly the changes missed, with progress coalesced to its latest value.
     * </pre>
     */
    public void watchInstance(dev.taskstream.v1.WatchInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams a task's stdout or stderr from a byte offset. With follow the
     * stream stays open until the task ends and closes after its last byte.
     * With attempt, the output of an earlier attempt of a retried task.
     * </pre>
     */
    public void readTaskOutput(dev.taskstream.v1.ReadTaskOutputRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ReadTaskOutputResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getReadTaskOutputMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one task's result, error, properties and captured output. NOT_FOUND
     * for an unknown instance or task. Safe to retry.
     * </pre>
     */
    public void getTaskResult(dev.taskstream.v1.GetTaskResultRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskResultResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetTaskResultMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the task types the connected workers can run. Safe to retry.
     * </pre>
     */
    public void listTaskTypes(dev.taskstream.v1.ListTaskTypesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskTypesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTaskTypesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the address of the instance's Logview page: a URL carrying a signed
     * token that grants read access to this one instance until it expires.
     * NOT_FOUND for an unknown instance. Safe to retry.
     * </pre>
     */
    public void getLogviewAddress(dev.taskstream.v1.GetLogviewAddressRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetLogviewAddressResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetLogviewAddressMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the sub-instances a workflow instance started, in the order they
     * were created, with the cursor to watch the workflow from for later ones.
     * NOT_FOUND for an unknown instance, INVALID_ARGUMENT for a bad page token.
     * Safe to retry.
     * </pre>
     */
    public void listSubInstances(dev.taskstream.v1.ListSubInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListSubInstancesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSubInstancesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads a task's tabular result (a SQL select's CSV) as typed rows, a page at
     * a time, so results too large for one message can be read. NOT_FOUND for an
     * unknown instance or task; FAILED_PRECONDITION with reason
     * RESULT_NOT_TABULAR unless the task succeeded with a CSV text result;
     * INVALID_ARGUMENT for a bad page token. Safe to retry.
     * </pre>
     */
    public void listTaskResultRows(dev.taskstream.v1.ListTaskResultRowsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskResultRowsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTaskResultRowsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels one task of an instance (STK's cancel_task): one that has not
     * started ends CANCELLED at once; a running one sees the cancellation, gets
     * a grace period and is then killed. Its dependents that do not allow its
     * failure end CANCELLED with reason CONSEQUENTIAL. NOT_FOUND for an unknown
     * instance or task; FAILED_PRECONDITION (TASK_TERMINATED) when the task has
     * already ended. Safe to retry: a retry of a cancel that worked answers
     * FAILED_PRECONDITION once the task ended.
     * </pre>
     */
    public void cancelTask(dev.taskstream.v1.CancelTaskRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.CancelTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a terminated instance with its tasks, events, output and results,
     * leaving a tombstone: Get, Wait, Watch and Stop of it then answer NOT_FOUND
     * with ErrorInfo INSTANCE_DELETED. FAILED_PRECONDITION (INSTANCE_NOT_TERMINATED)
     * while it runs; NOT_FOUND when it does not exist (or was deleted). Safe to
     * retry.
     * </pre>
     */
    public void deleteInstance(dev.taskstream.v1.DeleteInstanceRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.DeleteInstanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteInstanceMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Follows every instance of a project: first a snapshot of the instances that
     * match the filter (in pages, newest first, up to the snapshot's limit), then
     * each instance-level change (created, status, ended, deleted) in the
     * project's sequence order. Resuming with the last seq received (of an event,
     * a heartbeat, a snapshot or a WatchEnd) gives exactly the changes missed,
     * after a restart and on any replica; a snapshot comes again instead when
     * the changes after that seq are no longer kept. Heartbeats are sent while
     * nothing changes, and the stream ends only with a WatchEnd that says why and
     * where to resume. INVALID_ARGUMENT for a bad filter, PERMISSION_DENIED
     * without read access to the project. Safe to retry.
     * </pre>
     */
    public void watchInstances(dev.taskstream.v1.WatchInstancesRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstancesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchInstancesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets one key of a task's info to a value (PyODPS's put_task_info): string
     * keys and values that callers attach to a task from outside while it has
     * not ended, kept with the task and read with GetTaskInfo. Setting a key
     * again replaces its value. Needs write access to the project.
     * INVALID_ARGUMENT for a bad key or a value over 65536 bytes (UTF-8);
     * NOT_FOUND for an unknown instance or task; FAILED_PRECONDITION with reason
     * TASK_TERMINATED once the task ended; RESOURCE_EXHAUSTED with reason
     * TASK_INFO_KEYS for a new key of a task that has 100 keys already. Safe to
     * retry: setting a key to the value it has changes nothing.
     * </pre>
     */
    public void putTaskInfo(dev.taskstream.v1.PutTaskInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.PutTaskInfoResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPutTaskInfoMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a task's info (PyODPS's get_task_info): the keys asked for that are
     * set, or every key when none is asked for. Needs read access to the
     * project. NOT_FOUND for an unknown instance or task; INVALID_ARGUMENT for a
     * bad key. Safe to retry.
     * </pre>
     */
    public void getTaskInfo(dev.taskstream.v1.GetTaskInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskInfoResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetTaskInfoMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Says where each task of an instance that has not started stands (PyODPS's
     * get_queueing_info): its status, why it waits, and its position in the run
     * queue of the server replica that owns the instance. Computed when asked,
     * in time proportional to the length of that queue. Needs read access to the
     * project. NOT_FOUND for an unknown instance; INVALID_ARGUMENT for a bad
     * page token. Safe to retry.
     * </pre>
     */
    public void getQueueingInfo(dev.taskstream.v1.GetQueueingInfoRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.GetQueueingInfoResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetQueueingInfoMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service InstanceService.
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public static final class InstanceServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<InstanceServiceBlockingV2Stub> {
    private InstanceServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected InstanceServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new InstanceServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an instance and queues its tasks. A retry with the same request_id in
     * the same project returns the first instance instead of creating another, so
     * callers may retry UNAVAILABLE safely when they set one. Returns
     * INVALID_ARGUMENT for a bad spec and PERMISSION_DENIED for python_object tasks
     * when the server does not allow code. A request over the server's limits
     * (`--max-tasks-per-instance`, default 100000 tasks; `--max-parameters-bytes`;
     * the label limits below) is INVALID_ARGUMENT naming the field, refused before
     * its tasks are validated; one over `--max-message-bytes` is
     * RESOURCE_EXHAUSTED. A BadRequest lists at most 100 field violations. A server
     * started with `--strict-types` answers FAILED_PRECONDITION with ErrorInfo
     * reason UNKNOWN_TASK_TYPE (metadata: the type and the known types) for a task
     * type no connected worker offers, instead of queueing it until one does. Do
     * not retry these.
     * </pre>
     */
    public dev.taskstream.v1.CreateInstanceResponse createInstance(dev.taskstream.v1.CreateInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns an instance with its tasks' statuses and progress. NOT_FOUND when it
     * does not exist. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetInstanceResponse getInstance(dev.taskstream.v1.GetInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a project's instances, newest first, with filters. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListInstancesResponse listInstances(dev.taskstream.v1.ListInstancesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops an instance: tasks that have not started end CANCELLED at once;
     * running ones see the cancellation, get a grace period and are then killed.
     * FAILED_PRECONDITION when the instance is already terminated. A retry with
     * the same request_id returns the first answer.
     * </pre>
     */
    public dev.taskstream.v1.StopInstanceResponse stopInstance(dev.taskstream.v1.StopInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getStopInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Suspends an instance: waiting tasks are held and running ones paused.
     * FAILED_PRECONDITION unless it is RUNNING.
     * </pre>
     */
    public dev.taskstream.v1.SuspendInstanceResponse suspendInstance(dev.taskstream.v1.SuspendInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSuspendInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Resumes a suspended instance. FAILED_PRECONDITION unless it is SUSPENDED.
     * </pre>
     */
    public dev.taskstream.v1.ResumeInstanceResponse resumeInstance(dev.taskstream.v1.ResumeInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getResumeInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the instance as soon as it is terminated, or its current state when
     * the timeout passes first (a long poll). Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.WaitInstanceResponse waitInstance(dev.taskstream.v1.WaitInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getWaitInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Waits for several instances: with WAIT_MODE_ALL until every one is
     * terminated, with WAIT_MODE_ANY until one is, or until the timeout passes.
     * Returns every instance's state at that moment. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.WaitInstancesResponse waitInstances(dev.taskstream.v1.WaitInstancesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getWaitInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Follows an instance: first a snapshot (unless resuming with after_seq),
     * then every change in sequence order. The stream ends after the terminal
     * snapshot, or with a WatchEnd that says why and where to resume. Heartbeats
     * are sent while nothing changes. Resuming with the last seq received gives
     * exactly the changes missed, with progress coalesced to its latest value.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.taskstream.v1.WatchInstanceResponse>
        watchInstance(dev.taskstream.v1.WatchInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a task's stdout or stderr from a byte offset. With follow the
     * stream stays open until the task ends and closes after its last byte.
     * With attempt, the output of an earlier attempt of a retried task.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.taskstream.v1.ReadTaskOutputResponse>
        readTaskOutput(dev.taskstream.v1.ReadTaskOutputRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getReadTaskOutputMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one task's result, error, properties and captured output. NOT_FOUND
     * for an unknown instance or task. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetTaskResultResponse getTaskResult(dev.taskstream.v1.GetTaskResultRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetTaskResultMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the task types the connected workers can run. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListTaskTypesResponse listTaskTypes(dev.taskstream.v1.ListTaskTypesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListTaskTypesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the address of the instance's Logview page: a URL carrying a signed
     * token that grants read access to this one instance until it expires.
     * NOT_FOUND for an unknown instance. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetLogviewAddressResponse getLogviewAddress(dev.taskstream.v1.GetLogviewAddressRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetLogviewAddressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the sub-instances a workflow instance started, in the order they
     * were created, with the cursor to watch the workflow from for later ones.
     * NOT_FOUND for an unknown instance, INVALID_ARGUMENT for a bad page token.
     * Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListSubInstancesResponse listSubInstances(dev.taskstream.v1.ListSubInstancesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSubInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads a task's tabular result (a SQL select's CSV) as typed rows, a page at
     * a time, so results too large for one message can be read. NOT_FOUND for an
     * unknown instance or task; FAILED_PRECONDITION with reason
     * RESULT_NOT_TABULAR unless the task succeeded with a CSV text result;
     * INVALID_ARGUMENT for a bad page token. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListTaskResultRowsResponse listTaskResultRows(dev.taskstream.v1.ListTaskResultRowsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListTaskResultRowsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels one task of an instance (STK's cancel_task): one that has not
     * started ends CANCELLED at once; a running one sees the cancellation, gets
     * a grace period and is then killed. Its dependents that do not allow its
     * failure end CANCELLED with reason CONSEQUENTIAL. NOT_FOUND for an unknown
     * instance or task; FAILED_PRECONDITION (TASK_TERMINATED) when the task has
     * already ended. Safe to retry: a retry of a cancel that worked answers
     * FAILED_PRECONDITION once the task ended.
     * </pre>
     */
    public dev.taskstream.v1.CancelTaskResponse cancelTask(dev.taskstream.v1.CancelTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a terminated instance with its tasks, events, output and results,
     * leaving a tombstone: Get, Wait, Watch and Stop of it then answer NOT_FOUND
     * with ErrorInfo INSTANCE_DELETED. FAILED_PRECONDITION (INSTANCE_NOT_TERMINATED)
     * while it runs; NOT_FOUND when it does not exist (or was deleted). Safe to
     * retry.
     * </pre>
     */
    public dev.taskstream.v1.DeleteInstanceResponse deleteInstance(dev.taskstream.v1.DeleteInstanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Follows every instance of a project: first a snapshot of the instances that
     * match the filter (in pages, newest first, up to the snapshot's limit), then
     * each instance-level change (created, status, ended, deleted) in the
     * project's sequence order. Resuming with the last seq received (of an event,
     * a heartbeat, a snapshot or a WatchEnd) gives exactly the changes missed,
     * after a restart and on any replica; a snapshot comes again instead when
     * the changes after that seq are no longer kept. Heartbeats are sent while
     * nothing changes, and the stream ends only with a WatchEnd that says why and
     * where to resume. INVALID_ARGUMENT for a bad filter, PERMISSION_DENIED
     * without read access to the project. Safe to retry.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.taskstream.v1.WatchInstancesResponse>
        watchInstances(dev.taskstream.v1.WatchInstancesRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets one key of a task's info to a value (PyODPS's put_task_info): string
     * keys and values that callers attach to a task from outside while it has
     * not ended, kept with the task and read with GetTaskInfo. Setting a key
     * again replaces its value. Needs write access to the project.
     * INVALID_ARGUMENT for a bad key or a value over 65536 bytes (UTF-8);
     * NOT_FOUND for an unknown instance or task; FAILED_PRECONDITION with reason
     * TASK_TERMINATED once the task ended; RESOURCE_EXHAUSTED with reason
     * TASK_INFO_KEYS for a new key of a task that has 100 keys already. Safe to
     * retry: setting a key to the value it has changes nothing.
     * </pre>
     */
    public dev.taskstream.v1.PutTaskInfoResponse putTaskInfo(dev.taskstream.v1.PutTaskInfoRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getPutTaskInfoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a task's info (PyODPS's get_task_info): the keys asked for that are
     * set, or every key when none is asked for. Needs read access to the
     * project. NOT_FOUND for an unknown instance or task; INVALID_ARGUMENT for a
     * bad key. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetTaskInfoResponse getTaskInfo(dev.taskstream.v1.GetTaskInfoRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetTaskInfoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Says where each task of an instance that has not started stands (PyODPS's
     * get_queueing_info): its status, why it waits, and its position in the run
     * queue of the server replica that owns the instance. Computed when asked,
     * in time proportional to the length of that queue. Needs read access to the
     * project. NOT_FOUND for an unknown instance; INVALID_ARGUMENT for a bad
     * page token. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetQueueingInfoResponse getQueueingInfo(dev.taskstream.v1.GetQueueingInfoRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetQueueingInfoMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service InstanceService.
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public static final class InstanceServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<InstanceServiceBlockingStub> {
    private InstanceServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected InstanceServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new InstanceServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an instance and queues its tasks. A retry with the same request_id in
     * the same project returns the first instance instead of creating another, so
     * callers may retry UNAVAILABLE safely when they set one. Returns
     * INVALID_ARGUMENT for a bad spec and PERMISSION_DENIED for python_object tasks
     * when the server does not allow code. A request over the server's limits
     * (`--max-tasks-per-instance`, default 100000 tasks; `--max-parameters-bytes`;
     * the label limits below) is INVALID_ARGUMENT naming the field, refused before
     * its tasks are validated; one over `--max-message-bytes` is
     * RESOURCE_EXHAUSTED. A BadRequest lists at most 100 field violations. A server
     * started with `--strict-types` answers FAILED_PRECONDITION with ErrorInfo
     * reason UNKNOWN_TASK_TYPE (metadata: the type and the known types) for a task
     * type no connected worker offers, instead of queueing it until one does. Do
     * not retry these.
     * </pre>
     */
    public dev.taskstream.v1.CreateInstanceResponse createInstance(dev.taskstream.v1.CreateInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns an instance with its tasks' statuses and progress. NOT_FOUND when it
     * does not exist. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetInstanceResponse getInstance(dev.taskstream.v1.GetInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a project's instances, newest first, with filters. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListInstancesResponse listInstances(dev.taskstream.v1.ListInstancesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops an instance: tasks that have not started end CANCELLED at once;
     * running ones see the cancellation, get a grace period and are then killed.
     * FAILED_PRECONDITION when the instance is already terminated. A retry with
     * the same request_id returns the first answer.
     * </pre>
     */
    public dev.taskstream.v1.StopInstanceResponse stopInstance(dev.taskstream.v1.StopInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStopInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Suspends an instance: waiting tasks are held and running ones paused.
     * FAILED_PRECONDITION unless it is RUNNING.
     * </pre>
     */
    public dev.taskstream.v1.SuspendInstanceResponse suspendInstance(dev.taskstream.v1.SuspendInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSuspendInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Resumes a suspended instance. FAILED_PRECONDITION unless it is SUSPENDED.
     * </pre>
     */
    public dev.taskstream.v1.ResumeInstanceResponse resumeInstance(dev.taskstream.v1.ResumeInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getResumeInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the instance as soon as it is terminated, or its current state when
     * the timeout passes first (a long poll). Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.WaitInstanceResponse waitInstance(dev.taskstream.v1.WaitInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getWaitInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Waits for several instances: with WAIT_MODE_ALL until every one is
     * terminated, with WAIT_MODE_ANY until one is, or until the timeout passes.
     * Returns every instance's state at that moment. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.WaitInstancesResponse waitInstances(dev.taskstream.v1.WaitInstancesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getWaitInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Follows an instance: first a snapshot (unless resuming with after_seq),
     * then every change in sequence order. The stream ends after the terminal
     * snapshot, or with a WatchEnd that says why and where to resume. Heartbeats
     * are sent while nothing changes. Resuming with the last seq received gives
     * exactly the changes missed, with progress coalesced to its latest value.
     * </pre>
     */
    public java.util.Iterator<dev.taskstream.v1.WatchInstanceResponse> watchInstance(
        dev.taskstream.v1.WatchInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a task's stdout or stderr from a byte offset. With follow the
     * stream stays open until the task ends and closes after its last byte.
     * With attempt, the output of an earlier attempt of a retried task.
     * </pre>
     */
    public java.util.Iterator<dev.taskstream.v1.ReadTaskOutputResponse> readTaskOutput(
        dev.taskstream.v1.ReadTaskOutputRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getReadTaskOutputMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one task's result, error, properties and captured output. NOT_FOUND
     * for an unknown instance or task. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetTaskResultResponse getTaskResult(dev.taskstream.v1.GetTaskResultRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetTaskResultMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the task types the connected workers can run. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListTaskTypesResponse listTaskTypes(dev.taskstream.v1.ListTaskTypesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTaskTypesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the address of the instance's Logview page: a URL carrying a signed
     * token that grants read access to this one instance until it expires.
     * NOT_FOUND for an unknown instance. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetLogviewAddressResponse getLogviewAddress(dev.taskstream.v1.GetLogviewAddressRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetLogviewAddressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the sub-instances a workflow instance started, in the order they
     * were created, with the cursor to watch the workflow from for later ones.
     * NOT_FOUND for an unknown instance, INVALID_ARGUMENT for a bad page token.
     * Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListSubInstancesResponse listSubInstances(dev.taskstream.v1.ListSubInstancesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSubInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads a task's tabular result (a SQL select's CSV) as typed rows, a page at
     * a time, so results too large for one message can be read. NOT_FOUND for an
     * unknown instance or task; FAILED_PRECONDITION with reason
     * RESULT_NOT_TABULAR unless the task succeeded with a CSV text result;
     * INVALID_ARGUMENT for a bad page token. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.ListTaskResultRowsResponse listTaskResultRows(dev.taskstream.v1.ListTaskResultRowsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTaskResultRowsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels one task of an instance (STK's cancel_task): one that has not
     * started ends CANCELLED at once; a running one sees the cancellation, gets
     * a grace period and is then killed. Its dependents that do not allow its
     * failure end CANCELLED with reason CONSEQUENTIAL. NOT_FOUND for an unknown
     * instance or task; FAILED_PRECONDITION (TASK_TERMINATED) when the task has
     * already ended. Safe to retry: a retry of a cancel that worked answers
     * FAILED_PRECONDITION once the task ended.
     * </pre>
     */
    public dev.taskstream.v1.CancelTaskResponse cancelTask(dev.taskstream.v1.CancelTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a terminated instance with its tasks, events, output and results,
     * leaving a tombstone: Get, Wait, Watch and Stop of it then answer NOT_FOUND
     * with ErrorInfo INSTANCE_DELETED. FAILED_PRECONDITION (INSTANCE_NOT_TERMINATED)
     * while it runs; NOT_FOUND when it does not exist (or was deleted). Safe to
     * retry.
     * </pre>
     */
    public dev.taskstream.v1.DeleteInstanceResponse deleteInstance(dev.taskstream.v1.DeleteInstanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteInstanceMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Follows every instance of a project: first a snapshot of the instances that
     * match the filter (in pages, newest first, up to the snapshot's limit), then
     * each instance-level change (created, status, ended, deleted) in the
     * project's sequence order. Resuming with the last seq received (of an event,
     * a heartbeat, a snapshot or a WatchEnd) gives exactly the changes missed,
     * after a restart and on any replica; a snapshot comes again instead when
     * the changes after that seq are no longer kept. Heartbeats are sent while
     * nothing changes, and the stream ends only with a WatchEnd that says why and
     * where to resume. INVALID_ARGUMENT for a bad filter, PERMISSION_DENIED
     * without read access to the project. Safe to retry.
     * </pre>
     */
    public java.util.Iterator<dev.taskstream.v1.WatchInstancesResponse> watchInstances(
        dev.taskstream.v1.WatchInstancesRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchInstancesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets one key of a task's info to a value (PyODPS's put_task_info): string
     * keys and values that callers attach to a task from outside while it has
     * not ended, kept with the task and read with GetTaskInfo. Setting a key
     * again replaces its value. Needs write access to the project.
     * INVALID_ARGUMENT for a bad key or a value over 65536 bytes (UTF-8);
     * NOT_FOUND for an unknown instance or task; FAILED_PRECONDITION with reason
     * TASK_TERMINATED once the task ended; RESOURCE_EXHAUSTED with reason
     * TASK_INFO_KEYS for a new key of a task that has 100 keys already. Safe to
     * retry: setting a key to the value it has changes nothing.
     * </pre>
     */
    public dev.taskstream.v1.PutTaskInfoResponse putTaskInfo(dev.taskstream.v1.PutTaskInfoRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPutTaskInfoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a task's info (PyODPS's get_task_info): the keys asked for that are
     * set, or every key when none is asked for. Needs read access to the
     * project. NOT_FOUND for an unknown instance or task; INVALID_ARGUMENT for a
     * bad key. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetTaskInfoResponse getTaskInfo(dev.taskstream.v1.GetTaskInfoRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetTaskInfoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Says where each task of an instance that has not started stands (PyODPS's
     * get_queueing_info): its status, why it waits, and its position in the run
     * queue of the server replica that owns the instance. Computed when asked,
     * in time proportional to the length of that queue. Needs read access to the
     * project. NOT_FOUND for an unknown instance; INVALID_ARGUMENT for a bad
     * page token. Safe to retry.
     * </pre>
     */
    public dev.taskstream.v1.GetQueueingInfoResponse getQueueingInfo(dev.taskstream.v1.GetQueueingInfoRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetQueueingInfoMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service InstanceService.
   * <pre>
   * InstanceService starts instances of tasks, reports on them and stops them.
   * Errors are gRPC statuses with google.rpc.Status details: INVALID_ARGUMENT with
   * BadRequest field violations, NOT_FOUND with ResourceInfo, FAILED_PRECONDITION
   * with ErrorInfo. Failures of a task while it runs are not call errors: they are
   * data in the task (status, error, cancellation).
   * </pre>
   */
  public static final class InstanceServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<InstanceServiceFutureStub> {
    private InstanceServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected InstanceServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new InstanceServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an instance and queues its tasks. A retry with the same request_id in
     * the same project returns the first instance instead of creating another, so
     * callers may retry UNAVAILABLE safely when they set one. Returns
     * INVALID_ARGUMENT for a bad spec and PERMISSION_DENIED for python_object tasks
     * when the server does not allow code. A request over the server's limits
     * (`--max-tasks-per-instance`, default 100000 tasks; `--max-parameters-bytes`;
     * the label limits below) is INVALID_ARGUMENT naming the field, refused before
     * its tasks are validated; one over `--max-message-bytes` is
     * RESOURCE_EXHAUSTED. A BadRequest lists at most 100 field violations. A server
     * started with `--strict-types` answers FAILED_PRECONDITION with ErrorInfo
     * reason UNKNOWN_TASK_TYPE (metadata: the type and the known types) for a task
     * type no connected worker offers, instead of queueing it until one does. Do
     * not retry these.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.CreateInstanceResponse> createInstance(
        dev.taskstream.v1.CreateInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns an instance with its tasks' statuses and progress. NOT_FOUND when it
     * does not exist. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.GetInstanceResponse> getInstance(
        dev.taskstream.v1.GetInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists a project's instances, newest first, with filters. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ListInstancesResponse> listInstances(
        dev.taskstream.v1.ListInstancesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListInstancesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops an instance: tasks that have not started end CANCELLED at once;
     * running ones see the cancellation, get a grace period and are then killed.
     * FAILED_PRECONDITION when the instance is already terminated. A retry with
     * the same request_id returns the first answer.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.StopInstanceResponse> stopInstance(
        dev.taskstream.v1.StopInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStopInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Suspends an instance: waiting tasks are held and running ones paused.
     * FAILED_PRECONDITION unless it is RUNNING.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.SuspendInstanceResponse> suspendInstance(
        dev.taskstream.v1.SuspendInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSuspendInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Resumes a suspended instance. FAILED_PRECONDITION unless it is SUSPENDED.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ResumeInstanceResponse> resumeInstance(
        dev.taskstream.v1.ResumeInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getResumeInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the instance as soon as it is terminated, or its current state when
     * the timeout passes first (a long poll). Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.WaitInstanceResponse> waitInstance(
        dev.taskstream.v1.WaitInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getWaitInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Waits for several instances: with WAIT_MODE_ALL until every one is
     * terminated, with WAIT_MODE_ANY until one is, or until the timeout passes.
     * Returns every instance's state at that moment. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.WaitInstancesResponse> waitInstances(
        dev.taskstream.v1.WaitInstancesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getWaitInstancesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one task's result, error, properties and captured output. NOT_FOUND
     * for an unknown instance or task. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.GetTaskResultResponse> getTaskResult(
        dev.taskstream.v1.GetTaskResultRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetTaskResultMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the task types the connected workers can run. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ListTaskTypesResponse> listTaskTypes(
        dev.taskstream.v1.ListTaskTypesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTaskTypesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the address of the instance's Logview page: a URL carrying a signed
     * token that grants read access to this one instance until it expires.
     * NOT_FOUND for an unknown instance. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.GetLogviewAddressResponse> getLogviewAddress(
        dev.taskstream.v1.GetLogviewAddressRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetLogviewAddressMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the sub-instances a workflow instance started, in the order they
     * were created, with the cursor to watch the workflow from for later ones.
     * NOT_FOUND for an unknown instance, INVALID_ARGUMENT for a bad page token.
     * Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ListSubInstancesResponse> listSubInstances(
        dev.taskstream.v1.ListSubInstancesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSubInstancesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads a task's tabular result (a SQL select's CSV) as typed rows, a page at
     * a time, so results too large for one message can be read. NOT_FOUND for an
     * unknown instance or task; FAILED_PRECONDITION with reason
     * RESULT_NOT_TABULAR unless the task succeeded with a CSV text result;
     * INVALID_ARGUMENT for a bad page token. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ListTaskResultRowsResponse> listTaskResultRows(
        dev.taskstream.v1.ListTaskResultRowsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTaskResultRowsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels one task of an instance (STK's cancel_task): one that has not
     * started ends CANCELLED at once; a running one sees the cancellation, gets
     * a grace period and is then killed. Its dependents that do not allow its
     * failure end CANCELLED with reason CONSEQUENTIAL. NOT_FOUND for an unknown
     * instance or task; FAILED_PRECONDITION (TASK_TERMINATED) when the task has
     * already ended. Safe to retry: a retry of a cancel that worked answers
     * FAILED_PRECONDITION once the task ended.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.CancelTaskResponse> cancelTask(
        dev.taskstream.v1.CancelTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a terminated instance with its tasks, events, output and results,
     * leaving a tombstone: Get, Wait, Watch and Stop of it then answer NOT_FOUND
     * with ErrorInfo INSTANCE_DELETED. FAILED_PRECONDITION (INSTANCE_NOT_TERMINATED)
     * while it runs; NOT_FOUND when it does not exist (or was deleted). Safe to
     * retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.DeleteInstanceResponse> deleteInstance(
        dev.taskstream.v1.DeleteInstanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteInstanceMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets one key of a task's info to a value (PyODPS's put_task_info): string
     * keys and values that callers attach to a task from outside while it has
     * not ended, kept with the task and read with GetTaskInfo. Setting a key
     * again replaces its value. Needs write access to the project.
     * INVALID_ARGUMENT for a bad key or a value over 65536 bytes (UTF-8);
     * NOT_FOUND for an unknown instance or task; FAILED_PRECONDITION with reason
     * TASK_TERMINATED once the task ended; RESOURCE_EXHAUSTED with reason
     * TASK_INFO_KEYS for a new key of a task that has 100 keys already. Safe to
     * retry: setting a key to the value it has changes nothing.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.PutTaskInfoResponse> putTaskInfo(
        dev.taskstream.v1.PutTaskInfoRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPutTaskInfoMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a task's info (PyODPS's get_task_info): the keys asked for that are
     * set, or every key when none is asked for. Needs read access to the
     * project. NOT_FOUND for an unknown instance or task; INVALID_ARGUMENT for a
     * bad key. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.GetTaskInfoResponse> getTaskInfo(
        dev.taskstream.v1.GetTaskInfoRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetTaskInfoMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Says where each task of an instance that has not started stands (PyODPS's
     * get_queueing_info): its status, why it waits, and its position in the run
     * queue of the server replica that owns the instance. Computed when asked,
     * in time proportional to the length of that queue. Needs read access to the
     * project. NOT_FOUND for an unknown instance; INVALID_ARGUMENT for a bad
     * page token. Safe to retry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.GetQueueingInfoResponse> getQueueingInfo(
        dev.taskstream.v1.GetQueueingInfoRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetQueueingInfoMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_INSTANCE = 0;
  private static final int METHODID_GET_INSTANCE = 1;
  private static final int METHODID_LIST_INSTANCES = 2;
  private static final int METHODID_STOP_INSTANCE = 3;
  private static final int METHODID_SUSPEND_INSTANCE = 4;
  private static final int METHODID_RESUME_INSTANCE = 5;
  private static final int METHODID_WAIT_INSTANCE = 6;
  private static final int METHODID_WAIT_INSTANCES = 7;
  private static final int METHODID_WATCH_INSTANCE = 8;
  private static final int METHODID_READ_TASK_OUTPUT = 9;
  private static final int METHODID_GET_TASK_RESULT = 10;
  private static final int METHODID_LIST_TASK_TYPES = 11;
  private static final int METHODID_GET_LOGVIEW_ADDRESS = 12;
  private static final int METHODID_LIST_SUB_INSTANCES = 13;
  private static final int METHODID_LIST_TASK_RESULT_ROWS = 14;
  private static final int METHODID_CANCEL_TASK = 15;
  private static final int METHODID_DELETE_INSTANCE = 16;
  private static final int METHODID_WATCH_INSTANCES = 17;
  private static final int METHODID_PUT_TASK_INFO = 18;
  private static final int METHODID_GET_TASK_INFO = 19;
  private static final int METHODID_GET_QUEUEING_INFO = 20;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_INSTANCE:
          serviceImpl.createInstance((dev.taskstream.v1.CreateInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.CreateInstanceResponse>) responseObserver);
          break;
        case METHODID_GET_INSTANCE:
          serviceImpl.getInstance((dev.taskstream.v1.GetInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.GetInstanceResponse>) responseObserver);
          break;
        case METHODID_LIST_INSTANCES:
          serviceImpl.listInstances((dev.taskstream.v1.ListInstancesRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ListInstancesResponse>) responseObserver);
          break;
        case METHODID_STOP_INSTANCE:
          serviceImpl.stopInstance((dev.taskstream.v1.StopInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.StopInstanceResponse>) responseObserver);
          break;
        case METHODID_SUSPEND_INSTANCE:
          serviceImpl.suspendInstance((dev.taskstream.v1.SuspendInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.SuspendInstanceResponse>) responseObserver);
          break;
        case METHODID_RESUME_INSTANCE:
          serviceImpl.resumeInstance((dev.taskstream.v1.ResumeInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ResumeInstanceResponse>) responseObserver);
          break;
        case METHODID_WAIT_INSTANCE:
          serviceImpl.waitInstance((dev.taskstream.v1.WaitInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstanceResponse>) responseObserver);
          break;
        case METHODID_WAIT_INSTANCES:
          serviceImpl.waitInstances((dev.taskstream.v1.WaitInstancesRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.WaitInstancesResponse>) responseObserver);
          break;
        case METHODID_WATCH_INSTANCE:
          serviceImpl.watchInstance((dev.taskstream.v1.WatchInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstanceResponse>) responseObserver);
          break;
        case METHODID_READ_TASK_OUTPUT:
          serviceImpl.readTaskOutput((dev.taskstream.v1.ReadTaskOutputRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ReadTaskOutputResponse>) responseObserver);
          break;
        case METHODID_GET_TASK_RESULT:
          serviceImpl.getTaskResult((dev.taskstream.v1.GetTaskResultRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskResultResponse>) responseObserver);
          break;
        case METHODID_LIST_TASK_TYPES:
          serviceImpl.listTaskTypes((dev.taskstream.v1.ListTaskTypesRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskTypesResponse>) responseObserver);
          break;
        case METHODID_GET_LOGVIEW_ADDRESS:
          serviceImpl.getLogviewAddress((dev.taskstream.v1.GetLogviewAddressRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.GetLogviewAddressResponse>) responseObserver);
          break;
        case METHODID_LIST_SUB_INSTANCES:
          serviceImpl.listSubInstances((dev.taskstream.v1.ListSubInstancesRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ListSubInstancesResponse>) responseObserver);
          break;
        case METHODID_LIST_TASK_RESULT_ROWS:
          serviceImpl.listTaskResultRows((dev.taskstream.v1.ListTaskResultRowsRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ListTaskResultRowsResponse>) responseObserver);
          break;
        case METHODID_CANCEL_TASK:
          serviceImpl.cancelTask((dev.taskstream.v1.CancelTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.CancelTaskResponse>) responseObserver);
          break;
        case METHODID_DELETE_INSTANCE:
          serviceImpl.deleteInstance((dev.taskstream.v1.DeleteInstanceRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.DeleteInstanceResponse>) responseObserver);
          break;
        case METHODID_WATCH_INSTANCES:
          serviceImpl.watchInstances((dev.taskstream.v1.WatchInstancesRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.WatchInstancesResponse>) responseObserver);
          break;
        case METHODID_PUT_TASK_INFO:
          serviceImpl.putTaskInfo((dev.taskstream.v1.PutTaskInfoRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.PutTaskInfoResponse>) responseObserver);
          break;
        case METHODID_GET_TASK_INFO:
          serviceImpl.getTaskInfo((dev.taskstream.v1.GetTaskInfoRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.GetTaskInfoResponse>) responseObserver);
          break;
        case METHODID_GET_QUEUEING_INFO:
          serviceImpl.getQueueingInfo((dev.taskstream.v1.GetQueueingInfoRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.GetQueueingInfoResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getCreateInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.CreateInstanceRequest,
              dev.taskstream.v1.CreateInstanceResponse>(
                service, METHODID_CREATE_INSTANCE)))
        .addMethod(
          getGetInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.GetInstanceRequest,
              dev.taskstream.v1.GetInstanceResponse>(
                service, METHODID_GET_INSTANCE)))
        .addMethod(
          getListInstancesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ListInstancesRequest,
              dev.taskstream.v1.ListInstancesResponse>(
                service, METHODID_LIST_INSTANCES)))
        .addMethod(
          getStopInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.StopInstanceRequest,
              dev.taskstream.v1.StopInstanceResponse>(
                service, METHODID_STOP_INSTANCE)))
        .addMethod(
          getSuspendInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.SuspendInstanceRequest,
              dev.taskstream.v1.SuspendInstanceResponse>(
                service, METHODID_SUSPEND_INSTANCE)))
        .addMethod(
          getResumeInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ResumeInstanceRequest,
              dev.taskstream.v1.ResumeInstanceResponse>(
                service, METHODID_RESUME_INSTANCE)))
        .addMethod(
          getWaitInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.WaitInstanceRequest,
              dev.taskstream.v1.WaitInstanceResponse>(
                service, METHODID_WAIT_INSTANCE)))
        .addMethod(
          getWaitInstancesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.WaitInstancesRequest,
              dev.taskstream.v1.WaitInstancesResponse>(
                service, METHODID_WAIT_INSTANCES)))
        .addMethod(
          getWatchInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.taskstream.v1.WatchInstanceRequest,
              dev.taskstream.v1.WatchInstanceResponse>(
                service, METHODID_WATCH_INSTANCE)))
        .addMethod(
          getReadTaskOutputMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.taskstream.v1.ReadTaskOutputRequest,
              dev.taskstream.v1.ReadTaskOutputResponse>(
                service, METHODID_READ_TASK_OUTPUT)))
        .addMethod(
          getGetTaskResultMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.GetTaskResultRequest,
              dev.taskstream.v1.GetTaskResultResponse>(
                service, METHODID_GET_TASK_RESULT)))
        .addMethod(
          getListTaskTypesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ListTaskTypesRequest,
              dev.taskstream.v1.ListTaskTypesResponse>(
                service, METHODID_LIST_TASK_TYPES)))
        .addMethod(
          getGetLogviewAddressMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.GetLogviewAddressRequest,
              dev.taskstream.v1.GetLogviewAddressResponse>(
                service, METHODID_GET_LOGVIEW_ADDRESS)))
        .addMethod(
          getListSubInstancesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ListSubInstancesRequest,
              dev.taskstream.v1.ListSubInstancesResponse>(
                service, METHODID_LIST_SUB_INSTANCES)))
        .addMethod(
          getListTaskResultRowsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ListTaskResultRowsRequest,
              dev.taskstream.v1.ListTaskResultRowsResponse>(
                service, METHODID_LIST_TASK_RESULT_ROWS)))
        .addMethod(
          getCancelTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.CancelTaskRequest,
              dev.taskstream.v1.CancelTaskResponse>(
                service, METHODID_CANCEL_TASK)))
        .addMethod(
          getDeleteInstanceMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.DeleteInstanceRequest,
              dev.taskstream.v1.DeleteInstanceResponse>(
                service, METHODID_DELETE_INSTANCE)))
        .addMethod(
          getWatchInstancesMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.taskstream.v1.WatchInstancesRequest,
              dev.taskstream.v1.WatchInstancesResponse>(
                service, METHODID_WATCH_INSTANCES)))
        .addMethod(
          getPutTaskInfoMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.PutTaskInfoRequest,
              dev.taskstream.v1.PutTaskInfoResponse>(
                service, METHODID_PUT_TASK_INFO)))
        .addMethod(
          getGetTaskInfoMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.GetTaskInfoRequest,
              dev.taskstream.v1.GetTaskInfoResponse>(
                service, METHODID_GET_TASK_INFO)))
        .addMethod(
          getGetQueueingInfoMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.GetQueueingInfoRequest,
              dev.taskstream.v1.GetQueueingInfoResponse>(
                service, METHODID_GET_QUEUEING_INFO)))
        .build();
  }

  private static abstract class InstanceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    InstanceServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.taskstream.v1.InstanceServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("InstanceService");
    }
  }

  private static final class InstanceServiceFileDescriptorSupplier
      extends InstanceServiceBaseDescriptorSupplier {
    InstanceServiceFileDescriptorSupplier() {}
  }

  private static final class InstanceServiceMethodDescriptorSupplier
      extends InstanceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    InstanceServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (InstanceServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new InstanceServiceFileDescriptorSupplier())
              .addMethod(getCreateInstanceMethod())
              .addMethod(getGetInstanceMethod())
              .addMethod(getListInstancesMethod())
              .addMethod(getStopInstanceMethod())
              .addMethod(getSuspendInstanceMethod())
              .addMethod(getResumeInstanceMethod())
              .addMethod(getWaitInstanceMethod())
              .addMethod(getWaitInstancesMethod())
              .addMethod(getWatchInstanceMethod())
              .addMethod(getReadTaskOutputMethod())
              .addMethod(getGetTaskResultMethod())
              .addMethod(getListTaskTypesMethod())
              .addMethod(getGetLogviewAddressMethod())
              .addMethod(getListSubInstancesMethod())
              .addMethod(getListTaskResultRowsMethod())
              .addMethod(getCancelTaskMethod())
              .addMethod(getDeleteInstanceMethod())
              .addMethod(getWatchInstancesMethod())
              .addMethod(getPutTaskInfoMethod())
              .addMethod(getGetTaskInfoMethod())
              .addMethod(getGetQueueingInfoMethod())
              .build();
        }
      }
    }
    return result;
  }
}
