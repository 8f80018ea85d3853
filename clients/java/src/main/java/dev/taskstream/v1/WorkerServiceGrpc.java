package dev.taskstream.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * WorkerService is how worker processes talk to the server. A worker opens one
 * Connect stream, registers, and then receives assignments and control messages
 * while it reports what its tasks do. Reports name the assignment they belong
 * to, so a report from an attempt the server has given up on is ignored (and the
 * worker is told to drop it). Assigned tasks are held under leases that the
 * worker's heartbeats renew. Either side may pack several messages into one
 * batch once the other side said it accepts batches (RegisterWorker and
 * WorkerRegistered), so peers that predate batches keep working.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class WorkerServiceGrpc {

  private WorkerServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "taskstream.v1.WorkerService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.taskstream.v1.ConnectRequest,
      dev.taskstream.v1.ConnectResponse> getConnectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Connect",
      requestType = dev.taskstream.v1.ConnectRequest.class,
      responseType = dev.taskstream.v1.ConnectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
  public static io.grpc.MethodDescriptor<dev.taskstream.v1.ConnectRequest,
      dev.taskstream.v1.ConnectResponse> getConnectMethod() {
    io.grpc.MethodDescriptor<dev.taskstream.v1.ConnectRequest, dev.taskstream.v1.ConnectResponse> getConnectMethod;
    if ((getConnectMethod = WorkerServiceGrpc.getConnectMethod) == null) {
      synchronized (WorkerServiceGrpc.class) {
        if ((getConnectMethod = WorkerServiceGrpc.getConnectMethod) == null) {
          WorkerServiceGrpc.getConnectMethod = getConnectMethod =
              io.grpc.MethodDescriptor.<dev.taskstream.v1.ConnectRequest, dev.taskstream.v1.ConnectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Connect"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ConnectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.taskstream.v1.ConnectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WorkerServiceMethodDescriptorSupplier("Connect"))
              .build();
        }
      }
    }
    return getConnectMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static WorkerServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkerServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkerServiceStub>() {
        @java.lang.Override
        public WorkerServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkerServiceStub(channel, callOptions);
        }
      };
    return WorkerServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static WorkerServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkerServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkerServiceBlockingV2Stub>() {
        @java.lang.Override
        public WorkerServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkerServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return WorkerServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static WorkerServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkerServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkerServiceBlockingStub>() {
        @java.lang.Override
        public WorkerServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkerServiceBlockingStub(channel, callOptions);
        }
      };
    return WorkerServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static WorkerServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkerServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkerServiceFutureStub>() {
        @java.lang.Override
        public WorkerServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkerServiceFutureStub(channel, callOptions);
        }
      };
    return WorkerServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Opens a worker session. The first request must be a RegisterWorker, and a
     * batch may hold neither a batch nor a RegisterWorker; otherwise the stream
     * ends with INVALID_ARGUMENT. When the stream breaks the worker's unfinished
     * tasks become INTERRUPTED and are retried; a worker should reconnect and
     * register again.
     * </pre>
     */
    default io.grpc.stub.StreamObserver<dev.taskstream.v1.ConnectRequest> connect(
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ConnectResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getConnectMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service WorkerService.
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public static abstract class WorkerServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return WorkerServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service WorkerService.
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public static final class WorkerServiceStub
      extends io.grpc.stub.AbstractAsyncStub<WorkerServiceStub> {
    private WorkerServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkerServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkerServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Opens a worker session. The first request must be a RegisterWorker, and a
     * batch may hold neither a batch nor a RegisterWorker; otherwise the stream
     * ends with INVALID_ARGUMENT. When the stream breaks the worker's unfinished
     * tasks become INTERRUPTED and are retried; a worker should reconnect and
     * register again.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<dev.taskstream.v1.ConnectRequest> connect(
        io.grpc.stub.StreamObserver<dev.taskstream.v1.ConnectResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
          getChannel().newCall(getConnectMethod(), getCallOptions()), responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service WorkerService.
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public static final class WorkerServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<WorkerServiceBlockingV2Stub> {
    private WorkerServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkerServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkerServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Opens a worker session. The first request must be a RegisterWorker, and a
     * batch may hold neither a batch nor a RegisterWorker; otherwise the stream
     * ends with INVALID_ARGUMENT. When the stream breaks the worker's unfinished
     * tasks become INTERRUPTED and are retried; a worker should reconnect and
     * register again.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<dev.taskstream.v1.ConnectRequest, dev.taskstream.v1.ConnectResponse>
        connect() {
      return io.grpc.stub.ClientCalls.blockingBidiStreamingCall(
          getChannel(), getConnectMethod(), getCallOptions());
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service WorkerService.
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public static final class WorkerServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<WorkerServiceBlockingStub> {
    private WorkerServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkerServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkerServiceBlockingStub(channel, callOptions);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service WorkerService.
   * <pre>
   * WorkerService is how worker processes talk to the server. A worker opens one
   * Connect stream, registers, and then receives assignments and control messages
   * while it reports what its tasks do. Reports name the assignment they belong
   * to, so a report from an attempt the server has given up on is ignored (and the
   * worker is told to drop it). Assigned tasks are held under leases that the
   * worker's heartbeats renew. Either side may pack several messages into one
   * batch once the other side said it accepts batches (RegisterWorker and
   * WorkerRegistered), so peers that predate batches keep working.
   * </pre>
   */
  public static final class WorkerServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<WorkerServiceFutureStub> {
    private WorkerServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkerServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkerServiceFutureStub(channel, callOptions);
    }
  }

  private static final int METHODID_CONNECT = 0;

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
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CONNECT:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.connect(
              (io.grpc.stub.StreamObserver<dev.taskstream.v1.ConnectResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getConnectMethod(),
          io.grpc.stub.ServerCalls.asyncBidiStreamingCall(
            new MethodHandlers<
              dev.taskstream.v1.ConnectRequest,
              dev.taskstream.v1.ConnectResponse>(
                service, METHODID_CONNECT)))
        .build();
  }

  private static abstract class WorkerServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    WorkerServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.taskstream.v1.WorkerServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("WorkerService");
    }
  }

  private static final class WorkerServiceFileDescriptorSupplier
      extends WorkerServiceBaseDescriptorSupplier {
    WorkerServiceFileDescriptorSupplier() {}
  }

  private static final class WorkerServiceMethodDescriptorSupplier
      extends WorkerServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    WorkerServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (WorkerServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new WorkerServiceFileDescriptorSupplier())
              .addMethod(getConnectMethod())
              .build();
        }
      }
    }
    return result;
  }
}
