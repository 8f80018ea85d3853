package dev.taskstream.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * ReplicaService is how the server replicas sharing one database work for each
 * other; clients never call it. Each instance is owned by one replica, which
 * alone changes it. A replica whose worker has free slots while its own queue
 * has nothing the worker can run claims queued tasks from the replicas that own
 * them, relays the worker's reports about those tasks to their owners, and
 * passes the owners' commands on to the worker. Every call carries the replicas'
 * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class ReplicaServiceGrpc {

  private ReplicaServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "taskstream.v1.ReplicaService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ClaimTasksRequest,
      dev.taskstream.v1.ClaimTasksResponse> getClaimTasksMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ClaimTasks",
      requestType = dev.taskstream.v1.ClaimTasksRequest.class,
      responseType = dev.taskstream.v1.ClaimTasksResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ClaimTasksRequest,
      dev.taskstream.v1.ClaimTasksResponse> getClaimTasksMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ClaimTasksRequest, dev.taskstream.v1.ClaimTasksResponse> getClaimTasksMethod;
    if ((getClaimTasksMethod = ReplicaServiceGrpc.getClaimTasksMethod) == null) {
      synchronized (ReplicaServiceGrpc.class) {
        if ((getClaimTasksMethod = ReplicaServiceGrpc.getClaimTasksMethod) == null) {
          ReplicaServiceGrpc.getClaimTasksMethod = getClaimTasksMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ClaimTasksRequest, dev.taskstream.v1.ClaimTasksResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ClaimTasks"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ClaimTasksRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ClaimTasksResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ReplicaServiceMethodDescriptorSupplier("ClaimTasks"))
              .build();
        }
      }
    }
    return getClaimTasksMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.RelayReportsRequest,
      dev.taskstream.v1.RelayReportsResponse> getRelayReportsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RelayReports",
      requestType = dev.taskstream.v1.RelayReportsRequest.class,
      responseType = dev.taskstream.v1.RelayReportsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.RelayReportsRequest,
      dev.taskstream.v1.RelayReportsResponse> getRelayReportsMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.RelayReportsRequest, dev.taskstream.v1.RelayReportsResponse> getRelayReportsMethod;
    if ((getRelayReportsMethod = ReplicaServiceGrpc.getRelayReportsMethod) == null) {
      synchronized (ReplicaServiceGrpc.class) {
        if ((getRelayReportsMethod = ReplicaServiceGrpc.getRelayReportsMethod) == null) {
          ReplicaServiceGrpc.getRelayReportsMethod = getRelayReportsMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.RelayReportsRequest, dev.taskstream.v1.RelayReportsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RelayReports"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.RelayReportsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.RelayReportsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ReplicaServiceMethodDescriptorSupplier("RelayReports"))
              .build();
        }
      }
    }
    return getRelayReportsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.SendCommandsRequest,
      dev.taskstream.v1.SendCommandsResponse> getSendCommandsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SendCommands",
      requestType = dev.taskstream.v1.SendCommandsRequest.class,
      responseType = dev.taskstream.v1.SendCommandsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.SendCommandsRequest,
      dev.taskstream.v1.SendCommandsResponse> getSendCommandsMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.SendCommandsRequest, dev.taskstream.v1.SendCommandsResponse> getSendCommandsMethod;
    if ((getSendCommandsMethod = ReplicaServiceGrpc.getSendCommandsMethod) == null) {
      synchronized (ReplicaServiceGrpc.class) {
        if ((getSendCommandsMethod = ReplicaServiceGrpc.getSendCommandsMethod) == null) {
          ReplicaServiceGrpc.getSendCommandsMethod = getSendCommandsMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.SendCommandsRequest, dev.taskstream.v1.SendCommandsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SendCommands"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.SendCommandsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.SendCommandsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ReplicaServiceMethodDescriptorSupplier("SendCommands"))
              .build();
        }
      }
    }
    return getSendCommandsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.AcquirePermitsRequest,
      dev.taskstream.v1.AcquirePermitsResponse> getAcquirePermitsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AcquirePermits",
      requestType = dev.taskstream.v1.AcquirePermitsRequest.class,
      responseType = dev.taskstream.v1.AcquirePermitsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.AcquirePermitsRequest,
      dev.taskstream.v1.AcquirePermitsResponse> getAcquirePermitsMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.AcquirePermitsRequest, dev.taskstream.v1.AcquirePermitsResponse> getAcquirePermitsMethod;
    if ((getAcquirePermitsMethod = ReplicaServiceGrpc.getAcquirePermitsMethod) == null) {
      synchronized (ReplicaServiceGrpc.class) {
        if ((getAcquirePermitsMethod = ReplicaServiceGrpc.getAcquirePermitsMethod) == null) {
          ReplicaServiceGrpc.getAcquirePermitsMethod = getAcquirePermitsMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.AcquirePermitsRequest, dev.taskstream.v1.AcquirePermitsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AcquirePermits"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.AcquirePermitsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.AcquirePermitsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ReplicaServiceMethodDescriptorSupplier("AcquirePermits"))
              .build();
        }
      }
    }
    return getAcquirePermitsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ReportPermitsRequest,
      dev.taskstream.v1.ReportPermitsResponse> getReportPermitsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReportPermits",
      requestType = dev.taskstream.v1.ReportPermitsRequest.class,
      responseType = dev.taskstream.v1.ReportPermitsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ReportPermitsRequest,
      dev.taskstream.v1.ReportPermitsResponse> getReportPermitsMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ReportPermitsRequest, dev.taskstream.v1.ReportPermitsResponse> getReportPermitsMethod;
    if ((getReportPermitsMethod = ReplicaServiceGrpc.getReportPermitsMethod) == null) {
      synchronized (ReplicaServiceGrpc.class) {
        if ((getReportPermitsMethod = ReplicaServiceGrpc.getReportPermitsMethod) == null) {
          ReplicaServiceGrpc.getReportPermitsMethod = getReportPermitsMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ReportPermitsRequest, dev.taskstream.v1.ReportPermitsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReportPermits"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ReportPermitsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ReportPermitsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ReplicaServiceMethodDescriptorSupplier("ReportPermits"))
              .build();
        }
      }
    }
    return getReportPermitsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ReplicaServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceStub>() {
        @java.lang.Override
        public ReplicaServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ReplicaServiceStub(channel, callOptions);
        }
      };
    return ReplicaServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static ReplicaServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceBlockingV2Stub>() {
        @java.lang.Override
        public ReplicaServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ReplicaServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return ReplicaServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ReplicaServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceBlockingStub>() {
        @java.lang.Override
        public ReplicaServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ReplicaServiceBlockingStub(channel, callOptions);
        }
      };
    return ReplicaServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ReplicaServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ReplicaServiceFutureStub>() {
        @java.lang.Override
        public ReplicaServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ReplicaServiceFutureStub(channel, callOptions);
        }
      };
    return ReplicaServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Assigns up to max_tasks of the owner's queued tasks to a worker connected
     * to the calling replica; the answer comes once the assignments are
     * committed. An empty answer means there is nothing that worker can run.
     * UNAVAILABLE while the owner cannot write; retry later.
     * </pre>
     */
    default void claimTasks(dev.taskstream.v1.ClaimTasksRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ClaimTasksResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getClaimTasksMethod(), responseObserver);
    }

    /**
     * <pre>
     * Hands the owner, in order, what a worker connected to the calling replica
     * reported about tasks the owner assigned to it (or that it disconnected).
     * Reports about attempts that no longer count are answered with a DropTask
     * through SendCommands, as on a worker's own stream. Not retried by callers:
     * a lost relay is covered by the worker's lease.
     * </pre>
     */
    default void relayReports(dev.taskstream.v1.RelayReportsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.RelayReportsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRelayReportsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Passes commands for a worker connected to the receiving replica (cancel,
     * suspend, resume, drop). NOT_FOUND when that worker is not connected there.
     * </pre>
     */
    default void sendCommands(dev.taskstream.v1.SendCommandsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.SendCommandsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSendCommandsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks the owner of a concurrency limit's key (the replica owning the key's
     * shard) for permits: the calling replica then starts at most that many tasks
     * under the key at once. The owner takes `held` as what the caller holds now;
     * a `wanted` below it releases the rest at once; one above it is granted as
     * far as the limit allows, and while nothing can be granted the call waits up
     * to `wait` for permits to free. The answer says how many the caller holds
     * now. UNAVAILABLE when the receiving replica does not own the key's shard;
     * the caller asks again once it knows the new owner.
     * </pre>
     */
    default void acquirePermits(dev.taskstream.v1.AcquirePermitsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.AcquirePermitsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAcquirePermitsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Tells the new owner of some shards how many permits the calling replica
     * holds for every key of those shards (none listed: none). A new owner grants
     * no permit of a shard until every live replica reported it, or a few
     * seconds passed. UNAVAILABLE for shards the receiver does not own.
     * </pre>
     */
    default void reportPermits(dev.taskstream.v1.ReportPermitsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ReportPermitsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReportPermitsMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service ReplicaService.
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public static abstract class ReplicaServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return ReplicaServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service ReplicaService.
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public static final class ReplicaServiceStub
      extends io.grpc.stub.AbstractAsyncStub<ReplicaServiceStub> {
    private ReplicaServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ReplicaServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ReplicaServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Assigns up to max_tasks of the owner's queued tasks to a worker connected
     * to the calling replica; the answer comes once the assignments are
     * committed. An empty answer means there is nothing that worker can run.
     * UNAVAILABLE while the owner cannot write; retry later.
     * </pre>
     */
    public void claimTasks(dev.taskstream.v1.ClaimTasksRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ClaimTasksResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getClaimTasksMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Hands the owner, in order, what a worker connected to the calling replica
     * reported about tasks the owner assigned to it (or that it disconnected).
     * Reports about attempts that no longer count are answered with a DropTask
     * through SendCommands, as on a worker's own stream. Not retried by callers:
     * a lost relay is covered by the worker's lease.
     * </pre>
     */
    public void relayReports(dev.taskstream.v1.RelayReportsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.RelayReportsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRelayReportsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Passes commands for a worker connected to the receiving replica (cancel,
     * suspend, resume, drop). NOT_FOUND when that worker is not connected there.
     * </pre>
     */
    public void sendCommands(dev.taskstream.v1.SendCommandsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.SendCommandsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSendCommandsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks the owner of a concurrency limit's key (the replica owning the key's
     * shard) for permits: the calling replica then starts at most that many tasks
     * under the key at once. The owner takes `held` as what the caller holds now;
     * a `wanted` below it releases the rest at once; one above it is granted as
     * far as the limit allows, and while nothing can be granted the call waits up
     * to `wait` for permits to free. The answer says how many the caller holds
     * now. UNAVAILABLE when the receiving replica does not own the key's shard;
     * the caller asks again once it knows the new owner.
     * </pre>
     */
    public void acquirePermits(dev.taskstream.v1.AcquirePermitsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.AcquirePermitsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAcquirePermitsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Tells the new owner of some shards how many permits the calling replica
     * holds for every key of those shards (none listed: none). A new owner grants
     * no permit of a shard until every live replica reported it, or a few
     * seconds passed. UNAVAILABLE for shards the receiver does not own.
     * </pre>
     */
    public void reportPermits(dev.taskstream.v1.ReportPermitsRequest request,
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ReportPermitsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReportPermitsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service ReplicaService.
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public static final class ReplicaServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<ReplicaServiceBlockingV2Stub> {
    private ReplicaServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ReplicaServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ReplicaServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Assigns up to max_tasks of the owner's queued tasks to a worker connected
     * to the calling replica; the answer comes once the assignments are
     * committed. An empty answer means there is nothing that worker can run.
     * UNAVAILABLE while the owner cannot write; retry later.
     * </pre>
     */
    public dev.taskstream.v1.ClaimTasksResponse claimTasks(dev.taskstream.v1.ClaimTasksRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getClaimTasksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hands the owner, in order, what a worker connected to the calling replica
     * reported about tasks the owner assigned to it (or that it disconnected).
     * Reports about attempts that no longer count are answered with a DropTask
     * through SendCommands, as on a worker's own stream. Not retried by callers:
     * a lost relay is covered by the worker's lease.
     * </pre>
     */
    public dev.taskstream.v1.RelayReportsResponse relayReports(dev.taskstream.v1.RelayReportsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRelayReportsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Passes commands for a worker connected to the receiving replica (cancel,
     * suspend, resume, drop). NOT_FOUND when that worker is not connected there.
     * </pre>
     */
    public dev.taskstream.v1.SendCommandsResponse sendCommands(dev.taskstream.v1.SendCommandsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSendCommandsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the owner of a concurrency limit's key (the replica owning the key's
     * shard) for permits: the calling replica then starts at most that many tasks
     * under the key at once. The owner takes `held` as what the caller holds now;
     * a `wanted` below it releases the rest at once; one above it is granted as
     * far as the limit allows, and while nothing can be granted the call waits up
     * to `wait` for permits to free. The answer says how many the caller holds
     * now. UNAVAILABLE when the receiving replica does not own the key's shard;
     * the caller asks again once it knows the new owner.
     * </pre>
     */
    public dev.taskstream.v1.AcquirePermitsResponse acquirePermits(dev.taskstream.v1.AcquirePermitsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getAcquirePermitsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Tells the new owner of some shards how many permits the calling replica
     * holds for every key of those shards (none listed: none). A new owner grants
     * no permit of a shard until every live replica reported it, or a few
     * seconds passed. UNAVAILABLE for shards the receiver does not own.
     * </pre>
     */
    public dev.taskstream.v1.ReportPermitsResponse reportPermits(dev.taskstream.v1.ReportPermitsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReportPermitsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service ReplicaService.
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public static final class ReplicaServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<ReplicaServiceBlockingStub> {
    private ReplicaServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ReplicaServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ReplicaServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Assigns up to max_tasks of the owner's queued tasks to a worker connected
     * to the calling replica; the answer comes once the assignments are
     * committed. An empty answer means there is nothing that worker can run.
     * UNAVAILABLE while the owner cannot write; retry later.
     * </pre>
     */
    public dev.taskstream.v1.ClaimTasksResponse claimTasks(dev.taskstream.v1.ClaimTasksRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getClaimTasksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hands the owner, in order, what a worker connected to the calling replica
     * reported about tasks the owner assigned to it (or that it disconnected).
     * Reports about attempts that no longer count are answered with a DropTask
     * through SendCommands, as on a worker's own stream. Not retried by callers:
     * a lost relay is covered by the worker's lease.
     * </pre>
     */
    public dev.taskstream.v1.RelayReportsResponse relayReports(dev.taskstream.v1.RelayReportsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRelayReportsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Passes commands for a worker connected to the receiving replica (cancel,
     * suspend, resume, drop). NOT_FOUND when that worker is not connected there.
     * </pre>
     */
    public dev.taskstream.v1.SendCommandsResponse sendCommands(dev.taskstream.v1.SendCommandsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSendCommandsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the owner of a concurrency limit's key (the replica owning the key's
     * shard) for permits: the calling replica then starts at most that many tasks
     * under the key at once. The owner takes `held` as what the caller holds now;
     * a `wanted` below it releases the rest at once; one above it is granted as
     * far as the limit allows, and while nothing can be granted the call waits up
     * to `wait` for permits to free. The answer says how many the caller holds
     * now. UNAVAILABLE when the receiving replica does not own the key's shard;
     * the caller asks again once it knows the new owner.
     * </pre>
     */
    public dev.taskstream.v1.AcquirePermitsResponse acquirePermits(dev.taskstream.v1.AcquirePermitsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAcquirePermitsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Tells the new owner of some shards how many permits the calling replica
     * holds for every key of those shards (none listed: none). A new owner grants
     * no permit of a shard until every live replica reported it, or a few
     * seconds passed. UNAVAILABLE for shards the receiver does not own.
     * </pre>
     */
    public dev.taskstream.v1.ReportPermitsResponse reportPermits(dev.taskstream.v1.ReportPermitsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReportPermitsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service ReplicaService.
   * <pre>
   * ReplicaService is how the server replicas sharing one database work for each
   * other; clients never call it. Each instance is owned by one replica, which
   * alone changes it. A replica whose worker has free slots while its own queue
   * has nothing the worker can run claims queued tasks from the replicas that own
   * them, relays the worker's reports about those tasks to their owners, and
   * passes the owners' commands on to the worker. Every call carries the replicas'
   * shared secret (metadata x-taskstream-replica); without it, UNAUTHENTICATED.
   * </pre>
   */
  public static final class ReplicaServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<ReplicaServiceFutureStub> {
    private ReplicaServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ReplicaServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ReplicaServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Assigns up to max_tasks of the owner's queued tasks to a worker connected
     * to the calling replica; the answer comes once the assignments are
     * committed. An empty answer means there is nothing that worker can run.
     * UNAVAILABLE while the owner cannot write; retry later.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ClaimTasksResponse> claimTasks(
        dev.taskstream.v1.ClaimTasksRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getClaimTasksMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Hands the owner, in order, what a worker connected to the calling replica
     * reported about tasks the owner assigned to it (or that it disconnected).
     * Reports about attempts that no longer count are answered with a DropTask
     * through SendCommands, as on a worker's own stream. Not retried by callers:
     * a lost relay is covered by the worker's lease.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.RelayReportsResponse> relayReports(
        dev.taskstream.v1.RelayReportsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRelayReportsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Passes commands for a worker connected to the receiving replica (cancel,
     * suspend, resume, drop). NOT_FOUND when that worker is not connected there.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.SendCommandsResponse> sendCommands(
        dev.taskstream.v1.SendCommandsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSendCommandsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks the owner of a concurrency limit's key (the replica owning the key's
     * shard) for permits: the calling replica then starts at most that many tasks
     * under the key at once. The owner takes `held` as what the caller holds now;
     * a `wanted` below it releases the rest at once; one above it is granted as
     * far as the limit allows, and while nothing can be granted the call waits up
     * to `wait` for permits to free. The answer says how many the caller holds
     * now. UNAVAILABLE when the receiving replica does not own the key's shard;
     * the caller asks again once it knows the new owner.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.AcquirePermitsResponse> acquirePermits(
        dev.taskstream.v1.AcquirePermitsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAcquirePermitsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Tells the new owner of some shards how many permits the calling replica
     * holds for every key of those shards (none listed: none). A new owner grants
     * no permit of a shard until every live replica reported it, or a few
     * seconds passed. UNAVAILABLE for shards the receiver does not own.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.taskstream.v1.ReportPermitsResponse> reportPermits(
        dev.taskstream.v1.ReportPermitsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReportPermitsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CLAIM_TASKS = 0;
  private static final int METHODID_RELAY_REPORTS = 1;
  private static final int METHODID_SEND_COMMANDS = 2;
  private static final int METHODID_ACQUIRE_PERMITS = 3;
  private static final int METHODID_REPORT_PERMITS = 4;

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
        case METHODID_CLAIM_TASKS:
          serviceImpl.claimTasks((dev.taskstream.v1.ClaimTasksRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ClaimTasksResponse>) responseObserver);
          break;
        case METHODID_RELAY_REPORTS:
          serviceImpl.relayReports((dev.taskstream.v1.RelayReportsRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.RelayReportsResponse>) responseObserver);
          break;
        case METHODID_SEND_COMMANDS:
          serviceImpl.sendCommands((dev.taskstream.v1.SendCommandsRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.SendCommandsResponse>) responseObserver);
          break;
        case METHODID_ACQUIRE_PERMITS:
          serviceImpl.acquirePermits((dev.taskstream.v1.AcquirePermitsRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.AcquirePermitsResponse>) responseObserver);
          break;
        case METHODID_REPORT_PERMITS:
          serviceImpl.reportPermits((dev.taskstream.v1.ReportPermitsRequest) request,
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ReportPermitsResponse>) responseObserver);
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
          getClaimTasksMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ClaimTasksRequest,
              dev.taskstream.v1.ClaimTasksResponse>(
                service, METHODID_CLAIM_TASKS)))
        .addMethod(
          getRelayReportsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.RelayReportsRequest,
              dev.taskstream.v1.RelayReportsResponse>(
                service, METHODID_RELAY_REPORTS)))
        .addMethod(
          getSendCommandsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.SendCommandsRequest,
              dev.taskstream.v1.SendCommandsResponse>(
                service, METHODID_SEND_COMMANDS)))
        .addMethod(
          getAcquirePermitsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.AcquirePermitsRequest,
              dev.taskstream.v1.AcquirePermitsResponse>(
                service, METHODID_ACQUIRE_PERMITS)))
        .addMethod(
          getReportPermitsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.taskstream.v1.ReportPermitsRequest,
              dev.taskstream.v1.ReportPermitsResponse>(
                service, METHODID_REPORT_PERMITS)))
        .build();
  }

  private static abstract class ReplicaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ReplicaServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.taskstream.v1.ReplicaServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ReplicaService");
    }
  }

  private static final class ReplicaServiceFileDescriptorSupplier
      extends ReplicaServiceBaseDescriptorSupplier {
    ReplicaServiceFileDescriptorSupplier() {}
  }

  private static final class ReplicaServiceMethodDescriptorSupplier
      extends ReplicaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    ReplicaServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (ReplicaServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ReplicaServiceFileDescriptorSupplier())
              .addMethod(getClaimTasksMethod())
              .addMethod(getRelayReportsMethod())
              .addMethod(getSendCommandsMethod())
              .addMethod(getAcquirePermitsMethod())
              .addMethod(getReportPermitsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
