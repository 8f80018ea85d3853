package dev.taskstream.client;

import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.GetInstanceRequest;
import dev.taskstream.v1.GetTaskResultRequest;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceServiceGrpc;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceBlockingStub;
import dev.taskstream.v1.StopInstanceRequest;
import dev.taskstream.v1.TaskSpec;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client of the taskstream InstanceService in one project: start instances of tasks, follow them,
 * wait for them, read their tasks' results and stop them.
 *
 * <pre>{@code
 * try (TaskstreamClient client =
 *     TaskstreamClient.newBuilder().target("127.0.0.1:50051").project("default").build()) {
 *   Instance instance = client.createInstance("echo", Map.of("text", "hello"));
 *   client.await(instance.getName(), Duration.ofMinutes(1));
 *   System.out.println(client.result(instance.getName()).json().orElseThrow());
 * }
 * }</pre>
 *
 * <p>Methods that take an instance accept its resource name ({@code
 * projects/{project}/instances/{id}}) or its bare id in this client's project. Failed calls throw
 * the {@link ApiException} subclass of their status code. The generated stub stays reachable
 * through {@link #stub()} for everything this class does not wrap. Thread-safe.
 */
public final class TaskstreamClient implements AutoCloseable {
  /** The metadata key that names the calling user (the owner of the instances it creates). */
  public static final Metadata.Key<String> USER_KEY =
      Metadata.Key.of("x-taskstream-user", Metadata.ASCII_STRING_MARSHALLER);

  /** The metadata key of the bearer token, on servers started with {@code --auth-file}. */
  public static final Metadata.Key<String> AUTHORIZATION_KEY =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  // The server never waits longer than this in one WaitInstance call.
  private static final Duration MAX_WAIT_SLICE = Duration.ofMinutes(10);
  // The longest wait asked of a CreateInstance, so that a caller that loses the call (a dropped
  // connection) has lost the new instance's name for no longer than this.
  private static final Duration MAX_CREATE_WAIT = Duration.ofSeconds(60);
  // The deadline of a WaitInstance (or waiting CreateInstance) call exceeds its wait by this much.
  private static final Duration WAIT_SLACK = Duration.ofSeconds(30);

  private final ManagedChannel ownedChannel;
  private final InstanceServiceBlockingStub stub;
  private final String project;
  private final Duration callTimeout;
  private final RetryPolicy streamRetry;

  private TaskstreamClient(Builder builder) {
    ManagedChannel channel = builder.channel;
    if (channel == null) {
      channel = Grpc.newChannelBuilder(builder.target, InsecureChannelCredentials.create()).build();
      ownedChannel = channel;
    } else {
      ownedChannel = null;
    }
    Channel intercepted = channel;
    Metadata headers = new Metadata();
    if (builder.user != null) {
      headers.put(USER_KEY, builder.user);
    }
    if (builder.token != null) {
      headers.put(AUTHORIZATION_KEY, "Bearer " + builder.token);
    }
    if (builder.user != null || builder.token != null) {
      intercepted =
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    this.stub = InstanceServiceGrpc.newBlockingStub(intercepted);
    this.project = builder.project;
    this.callTimeout = builder.callTimeout;
    this.streamRetry = builder.streamRetry;
  }

  /** A builder; set a target or a channel. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The project this client creates instances in and resolves bare ids against. */
  public String project() {
    return project;
  }

  /**
   * The generated blocking stub, with the user header attached; set your own deadline per call
   * ({@code stub().withDeadlineAfter(...)}).
   */
  public InstanceServiceBlockingStub stub() {
    return stub;
  }

  /**
   * A task spec for {@link #createInstance(List)}: the registered {@code type}, called with {@code
   * parameters} encoded as a JSON object (null or empty means no parameters).
   */
  public static TaskSpec task(String type, Map<String, ?> parameters) {
    return TaskSpec.newBuilder()
        .setType(type)
        .setParametersJson(
            parameters == null || parameters.isEmpty() ? "" : Values.GSON.toJson(parameters))
        .build();
  }

  /**
   * Starts an instance with one task of the registered {@code type}.
   *
   * @throws InvalidArgumentException for an unknown type or bad parameters
   */
  public Instance createInstance(String type, Map<String, ?> parameters) {
    return createInstance(List.of(task(type, parameters)));
  }

  /** Starts an instance with these tasks, in order. */
  public Instance createInstance(List<TaskSpec> tasks) {
    return createInstance(CreateInstanceRequest.newBuilder().addAllTasks(tasks).build());
  }

  /**
   * Starts an instance from a full request (priority, labels, options, request_id …); an empty
   * {@code parent} means this client's project.
   */
  public Instance createInstance(CreateInstanceRequest request) {
    CreateInstanceRequest withParent = withParent(request);
    return call(() -> unary().createInstance(withParent).getInstance());
  }

  /**
   * Starts an instance with one task of the registered {@code type} and waits until it terminates,
   * as {@link #execute(CreateInstanceRequest, Duration)} does.
   *
   * @throws InvalidArgumentException for an unknown type or bad parameters
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   */
  public Instance execute(String type, Map<String, ?> parameters, Duration timeout) {
    return execute(List.of(task(type, parameters)), timeout);
  }

  /** Starts an instance with these tasks, in order, and waits until it terminates. */
  public Instance execute(List<TaskSpec> tasks, Duration timeout) {
    return execute(CreateInstanceRequest.newBuilder().addAllTasks(tasks).build(), timeout);
  }

  /**
   * Starts an instance from a full request and waits until it terminates: {@link
   * #createInstance(CreateInstanceRequest)} then {@link #await(String, Duration)}, with the first
   * wait done by the create call itself ({@code wait_timeout}, at most a minute), so that an
   * instance that ends within it costs one round trip. A server that predates {@code wait_timeout}
   * answers at once and the wait goes on with WaitInstance. An empty {@code parent} means this
   * client's project; the request's own {@code wait_timeout} is replaced. The create's deadline is
   * its wait plus 30 seconds, not the client's call timeout.
   *
   * <p>The create is not retried: when it fails the instance may or may not exist. Set a {@code
   * request_id} to make a retry safe (it gets the same instance).
   *
   * @return the terminated instance (successful or not)
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   */
  public Instance execute(CreateInstanceRequest request, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Instant deadline = Instant.now().plus(timeout);
    Duration wait =
        atLeastOneMilli(timeout.compareTo(MAX_CREATE_WAIT) > 0 ? MAX_CREATE_WAIT : timeout);
    CreateInstanceRequest waiting =
        withParent(request).toBuilder().setWaitTimeout(Values.duration(wait)).build();
    long callDeadline = wait.plus(WAIT_SLACK).toMillis();
    CreateInstanceResponse response =
        call(
            () ->
                stub.withDeadlineAfter(callDeadline, TimeUnit.MILLISECONDS)
                    .createInstance(waiting));
    if (response.getTerminated()) {
      return response.getInstance();
    }
    if (!Instant.now().isBefore(deadline)) {
      throw new WaitTimeoutException(response.getInstance(), timeout);
    }
    return awaitUntil(response.getInstance().getName(), deadline, timeout);
  }

  /**
   * The instance with its tasks' statuses and progress.
   *
   * @throws NotFoundException when it does not exist
   */
  public Instance getInstance(String instance) {
    String name = instanceName(instance);
    return call(() -> unary().getInstance(GetInstanceRequest.newBuilder().setName(name).build()))
        .getInstance();
  }

  /** Follows the instance from a snapshot until its terminal snapshot. */
  public InstanceWatch watch(String instance) {
    return watch(instance, WatchOptions.DEFAULT);
  }

  /**
   * Follows the instance: a snapshot (unless {@code options} resume after a cursor), then every
   * change in order, ending with the terminal snapshot. A NOT_FOUND surfaces from the first {@link
   * InstanceWatch#hasNext()}.
   */
  public InstanceWatch watch(String instance, WatchOptions options) {
    return new InstanceWatch(stub, instanceName(instance), options, streamRetry);
  }

  /**
   * Waits until the instance terminates, with a server-side long poll (never a polling loop).
   *
   * @return the terminated instance
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   * @throws NotFoundException when the instance does not exist
   */
  public Instance await(String instance, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return awaitUntil(instanceName(instance), Instant.now().plus(timeout), timeout);
  }

  /** Waits however long it takes for the instance to terminate, and returns it. */
  public Instance await(String instance) {
    String name = instanceName(instance);
    while (true) {
      WaitInstanceResponse response = waitOnce(name, MAX_WAIT_SLICE);
      if (response.getTerminated()) {
        return response.getInstance();
      }
    }
  }

  /** The result of the instance's only task (INVALID_ARGUMENT when it has several). */
  public TaskResult result(String instance) {
    return result(instance, "");
  }

  /**
   * Everything the task handed back: status, decoded result, stdout, stderr, properties, error.
   *
   * @throws NotFoundException for an unknown instance or task
   */
  public TaskResult result(String instance, String task) {
    GetTaskResultRequest request =
        GetTaskResultRequest.newBuilder().setInstance(instanceName(instance)).setTask(task).build();
    return new TaskResult(call(() -> unary().getTaskResult(request)));
  }

  /** Stops the instance as its caller (reason DIRECT). */
  public Instance stop(String instance) {
    return stop(instance, CancellationReason.CANCELLATION_REASON_DIRECT, "");
  }

  /**
   * Stops the instance: tasks not started end CANCELLED at once, running ones see the cancellation
   * and get a grace period. Running tasks may still be CANCELLING in the instance returned.
   *
   * @throws FailedPreconditionException when the instance is already terminated
   */
  public Instance stop(String instance, CancellationReason reason, String message) {
    StopInstanceRequest request =
        StopInstanceRequest.newBuilder()
            .setName(instanceName(instance))
            .setReason(reason)
            .setMessage(message)
            .build();
    return call(() -> unary().stopInstance(request)).getInstance();
  }

  /** The resource name for an instance id in this client's project; a name passes unchanged. */
  public String instanceName(String instance) {
    Objects.requireNonNull(instance, "instance");
    return instance.startsWith("projects/")
        ? instance
        : "projects/" + project + "/instances/" + instance;
  }

  /** Shuts down the channel this client created; a channel passed to the builder stays open. */
  @Override
  public void close() {
    if (ownedChannel != null) {
      ownedChannel.shutdownNow();
      try {
        ownedChannel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private CreateInstanceRequest withParent(CreateInstanceRequest request) {
    return request.getParent().isEmpty()
        ? request.toBuilder().setParent("projects/" + project).build()
        : request;
  }

  // The wait of await(instance, timeout), whose timeout ends at deadline.
  private Instance awaitUntil(String name, Instant deadline, Duration timeout) {
    while (true) {
      Duration left = Duration.between(Instant.now(), deadline);
      WaitInstanceResponse response =
          waitOnce(name, left.compareTo(MAX_WAIT_SLICE) > 0 ? MAX_WAIT_SLICE : left);
      if (response.getTerminated()) {
        return response.getInstance();
      }
      if (!Instant.now().isBefore(deadline)) {
        throw new WaitTimeoutException(response.getInstance(), timeout);
      }
    }
  }

  private WaitInstanceResponse waitOnce(String name, Duration timeout) {
    Duration slice = atLeastOneMilli(timeout);
    WaitInstanceRequest request =
        WaitInstanceRequest.newBuilder().setName(name).setTimeout(Values.duration(slice)).build();
    long deadline = slice.plus(WAIT_SLACK).toMillis();
    return call(
        () -> stub.withDeadlineAfter(deadline, TimeUnit.MILLISECONDS).waitInstance(request));
  }

  // Zero would mean WaitInstance's default of 60 seconds, or no wait for a CreateInstance.
  private static Duration atLeastOneMilli(Duration wait) {
    return wait.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : wait;
  }

  private InstanceServiceBlockingStub unary() {
    return stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw ApiException.from(e);
    }
  }

  /** Builds a {@link TaskstreamClient}. */
  public static final class Builder {
    private String target;
    private ManagedChannel channel;
    private String project = "default";
    private String user;
    private String token;
    private Duration callTimeout = Duration.ofSeconds(30);
    private RetryPolicy streamRetry = RetryPolicy.DEFAULT;

    private Builder() {}

    /**
     * The server's address, {@code host:port} or any gRPC target; the client opens a plaintext
     * channel to it and closes it with {@link TaskstreamClient#close()}.
     */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /**
     * An existing channel (TLS, custom interceptors …), used instead of a target and not closed.
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /** The project to create instances in and resolve bare ids against; default "default". */
    public Builder project(String project) {
      this.project = Objects.requireNonNull(project, "project");
      return this;
    }

    /** The calling user, sent as {@code x-taskstream-user} on every call; unset sends none. */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /**
     * The bearer token sent as {@code authorization: Bearer <token>} on every call, for servers
     * started with {@code --auth-file}; unset sends none. Use it over TLS ({@link #channel}) off
     * loopback.
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** The deadline of each unary call (not of watches and waits); default 30 seconds. */
    public Builder callTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("callTimeout must be positive, not " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    /** When a dropped watch resumes; default {@link RetryPolicy#DEFAULT}. */
    public Builder streamRetry(RetryPolicy policy) {
      this.streamRetry = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The client. */
    public TaskstreamClient build() {
      if ((target == null) == (channel == null)) {
        throw new IllegalStateException("set exactly one of target and channel");
      }
      return new TaskstreamClient(this);
    }
  }
}
