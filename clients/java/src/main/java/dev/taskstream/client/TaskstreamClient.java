package dev.taskstream.client;

import dev.taskstream.v1.CancelTaskRequest;
import dev.taskstream.v1.CancelTaskResponse;
import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.CreateScheduleRequest;
import dev.taskstream.v1.CreateScheduleResponse;
import dev.taskstream.v1.DeleteInstanceRequest;
import dev.taskstream.v1.DeleteInstanceResponse;
import dev.taskstream.v1.DeleteScheduleRequest;
import dev.taskstream.v1.DeleteScheduleResponse;
import dev.taskstream.v1.GetInstanceRequest;
import dev.taskstream.v1.GetInstanceResponse;
import dev.taskstream.v1.GetLogviewAddressRequest;
import dev.taskstream.v1.GetLogviewAddressResponse;
import dev.taskstream.v1.GetScheduleRequest;
import dev.taskstream.v1.GetScheduleResponse;
import dev.taskstream.v1.GetTaskResultRequest;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceServiceGrpc;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceBlockingStub;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceStub;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.ListInstancesRequest;
import dev.taskstream.v1.ListInstancesResponse;
import dev.taskstream.v1.ListSchedulesRequest;
import dev.taskstream.v1.ListSchedulesResponse;
import dev.taskstream.v1.ListSubInstancesRequest;
import dev.taskstream.v1.ListSubInstancesResponse;
import dev.taskstream.v1.ListTaskResultRowsRequest;
import dev.taskstream.v1.ListTaskResultRowsResponse;
import dev.taskstream.v1.ListTaskTypesRequest;
import dev.taskstream.v1.ListTaskTypesResponse;
import dev.taskstream.v1.PauseScheduleRequest;
import dev.taskstream.v1.PauseScheduleResponse;
import dev.taskstream.v1.ResumeInstanceRequest;
import dev.taskstream.v1.ResumeInstanceResponse;
import dev.taskstream.v1.ResumeScheduleRequest;
import dev.taskstream.v1.ResumeScheduleResponse;
import dev.taskstream.v1.Schedule;
import dev.taskstream.v1.ScheduleServiceGrpc;
import dev.taskstream.v1.ScheduleServiceGrpc.ScheduleServiceBlockingStub;
import dev.taskstream.v1.ScheduleServiceGrpc.ScheduleServiceStub;
import dev.taskstream.v1.StopInstanceRequest;
import dev.taskstream.v1.StopInstanceResponse;
import dev.taskstream.v1.SubInstance;
import dev.taskstream.v1.SuspendInstanceRequest;
import dev.taskstream.v1.SuspendInstanceResponse;
import dev.taskstream.v1.TaskSpec;
import dev.taskstream.v1.TaskType;
import dev.taskstream.v1.TriggerScheduleRequest;
import dev.taskstream.v1.TriggerScheduleResponse;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WaitInstancesRequest;
import dev.taskstream.v1.WaitInstancesResponse;
import dev.taskstream.v1.WaitMode;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A client of the taskstream InstanceService in one project: start instances of tasks, list,
 * follow, wait for, suspend, resume, stop and delete them, cancel one task, keep an instance bound
 * to this caller, and read their tasks' results, output and rows; and of its ScheduleService:
 * create, list, get, pause, resume, trigger and delete schedules.
 *
 * <pre>{@code
 * try (TaskstreamClient client =
 *     TaskstreamClient.newBuilder().target("127.0.0.1:50051").project("default").build()) {
 *   Instance instance = client.execute("echo", Map.of("text", "hello"), Duration.ofMinutes(1));
 *   System.out.println(client.result(instance.getName()).value());
 * }
 * }</pre>
 *
 * <p>Every operation comes blocking and asynchronous: {@code xxxAsync} returns a {@link
 * CompletableFuture} (cancelling it cancels the call in flight) or, for streams, a {@link
 * Flow.Publisher}; the blocking method waits for exactly that, so both behave the same. Futures
 * complete and publishers signal on gRPC's threads: do not block in their callbacks.
 *
 * <p>Methods that take an instance accept its resource name ({@code
 * projects/{project}/instances/{id}}) or its bare id in this client's project. Failed calls throw
 * (or complete exceptionally with) the {@link ApiException} subclass of their status code. The
 * generated stub stays reachable through {@link #stub()} for everything this class does not wrap.
 * Thread-safe.
 */
public final class TaskstreamClient implements AutoCloseable {
  /** The metadata key that names the calling user (the owner of the instances it creates). */
  public static final Metadata.Key<String> USER_KEY =
      Metadata.Key.of("x-taskstream-user", Metadata.ASCII_STRING_MARSHALLER);

  /** The metadata key of the bearer token, on servers started with {@code --auth-file}. */
  public static final Metadata.Key<String> AUTHORIZATION_KEY =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  // The server never waits longer than this in one WaitInstance or WaitInstances call.
  private static final Duration MAX_WAIT_SLICE = Duration.ofMinutes(10);
  // The longest wait asked of a CreateInstance, so that a caller that loses the call (a dropped
  // connection) has lost the new instance's name for no longer than this.
  private static final Duration MAX_CREATE_WAIT = Duration.ofSeconds(60);
  // The deadline of a WaitInstance (or waiting CreateInstance) call exceeds its wait by this much.
  private static final Duration WAIT_SLACK = Duration.ofSeconds(30);
  // WaitInstances takes at most this many names.
  private static final int MAX_WAIT_INSTANCES = 1000;

  private final ManagedChannel ownedChannel;
  private final InstanceServiceBlockingStub stub;
  private final InstanceServiceStub async;
  private final ScheduleServiceBlockingStub scheduleStub;
  private final ScheduleServiceStub scheduleAsync;
  private final String project;
  private final Duration callTimeout;
  private final RetryPolicy streamRetry;
  // Resumes dropped streams after their backoff; its one thread starts with the first backoff.
  private final ScheduledExecutorService timer;

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
    this.async = InstanceServiceGrpc.newStub(intercepted);
    this.scheduleStub = ScheduleServiceGrpc.newBlockingStub(intercepted);
    this.scheduleAsync = ScheduleServiceGrpc.newStub(intercepted);
    this.project = builder.project;
    this.callTimeout = builder.callTimeout;
    this.streamRetry = builder.streamRetry;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "taskstream-client-timer");
              thread.setDaemon(true);
              return thread;
            });
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
   * The generated blocking stub of the ScheduleService, with the user header attached; set your own
   * deadline per call.
   */
  public ScheduleServiceBlockingStub scheduleStub() {
    return scheduleStub;
  }

  /**
   * A task spec for {@link #createInstance(List)}: the registered {@code type}, called with {@code
   * parameters} (plain Java values: Map, List, String, Number, Boolean, null, records) encoded as a
   * JSON object; null or empty means no parameters.
   */
  public static TaskSpec task(String type, Map<String, ?> parameters) {
    return TaskSpec.newBuilder()
        .setType(type)
        .setParametersJson(
            parameters == null || parameters.isEmpty() ? "" : Values.toJson(parameters))
        .build();
  }

  // ---- Creating and executing

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
   * Starts an instance with these tasks, in order, created as {@code options} say (priority,
   * labels, default retry policy, start time, retention, binding to this caller …).
   */
  public Instance createInstance(List<TaskSpec> tasks, CreateInstanceOptions options) {
    return Calls.join(createInstanceAsync(tasks, options));
  }

  /** Starts an instance; see {@link #createInstance(List, CreateInstanceOptions)}. */
  public CompletableFuture<Instance> createInstanceAsync(
      List<TaskSpec> tasks, CreateInstanceOptions options) {
    return createInstanceAsync(options.toRequest(tasks));
  }

  /**
   * Starts an instance from a full request (priority, labels, options, hold, request_id …); an
   * empty {@code parent} means this client's project.
   */
  public Instance createInstance(CreateInstanceRequest request) {
    return Calls.join(createInstanceAsync(request));
  }

  /** Starts an instance from a full request; see {@link #createInstance(CreateInstanceRequest)}. */
  public CompletableFuture<Instance> createInstanceAsync(CreateInstanceRequest request) {
    CreateInstanceRequest withParent = withParent(request);
    return Calls.unary(
        o -> unary().createInstance(withParent, o), CreateInstanceResponse::getInstance);
  }

  /**
   * Starts an instance with one task of the registered {@code type} and waits until it succeeds, as
   * {@link #execute(CreateInstanceRequest, Duration)} does.
   *
   * @throws InvalidArgumentException for an unknown type or bad parameters
   * @throws InstanceFailedException when the instance ends without every task succeeding
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   */
  public Instance execute(String type, Map<String, ?> parameters, Duration timeout) {
    return execute(List.of(task(type, parameters)), timeout);
  }

  /** Starts an instance with these tasks, in order, and waits until it succeeds. */
  public Instance execute(List<TaskSpec> tasks, Duration timeout) {
    return execute(CreateInstanceRequest.newBuilder().addAllTasks(tasks).build(), timeout);
  }

  /**
   * Starts an instance with these tasks, created as {@code options} say, and waits until it
   * succeeds, as {@link #execute(CreateInstanceRequest, Duration)} does.
   */
  public Instance execute(List<TaskSpec> tasks, CreateInstanceOptions options, Duration timeout) {
    return Calls.join(executeAsync(tasks, options, timeout));
  }

  /** Creates and waits for success; see {@link #execute(List, CreateInstanceOptions, Duration)}. */
  public CompletableFuture<Instance> executeAsync(
      List<TaskSpec> tasks, CreateInstanceOptions options, Duration timeout) {
    return executeAsync(options.toRequest(tasks), timeout);
  }

  /**
   * Starts an instance from a full request and waits until it succeeds (PyODPS's {@code
   * execute_sql}): {@link #createInstance(CreateInstanceRequest)} then {@link #awaitSuccess(String,
   * Duration)}, with the first wait done by the create call itself ({@code wait_timeout}, at most a
   * minute), so that an instance that ends within it costs one round trip. A server that predates
   * {@code wait_timeout} answers at once and the wait goes on with WaitInstance. An empty {@code
   * parent} means this client's project; the request's own {@code wait_timeout} is replaced. The
   * create's deadline is its wait plus 30 seconds, not the client's call timeout.
   *
   * <p>The create is not retried: when it fails the instance may or may not exist. Set a {@code
   * request_id} to make a retry safe (it gets the same instance).
   *
   * @return the instance, terminated with every task successful
   * @throws InstanceFailedException when the instance ends without every task succeeding; it
   *     carries the instance and the first task that did not succeed
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   */
  public Instance execute(CreateInstanceRequest request, Duration timeout) {
    return Calls.join(executeAsync(request, timeout));
  }

  /** Creates and waits for success; see {@link #execute(CreateInstanceRequest, Duration)}. */
  public CompletableFuture<Instance> executeAsync(CreateInstanceRequest request, Duration timeout) {
    requireTimeout(timeout);
    CreateInstanceRequest withParent = withParent(request);
    AtomicReference<String> created = new AtomicReference<>();
    return LongPoll.run(
        slice -> {
          String name = created.get();
          if (name != null) {
            return waitOnce(name, slice);
          }
          Duration wait = slice.compareTo(MAX_CREATE_WAIT) > 0 ? MAX_CREATE_WAIT : slice;
          CreateInstanceRequest waiting =
              withParent.toBuilder().setWaitTimeout(Values.duration(wait)).build();
          return Calls.unary(
              o -> waiting(wait).createInstance(waiting, o),
              (CreateInstanceResponse r) -> {
                created.set(r.getInstance().getName());
                return WaitInstanceResponse.newBuilder()
                    .setInstance(r.getInstance())
                    .setTerminated(r.getTerminated())
                    .build();
              });
        },
        WaitInstanceResponse::getTerminated,
        r -> succeeded(r.getInstance()),
        r -> new WaitTimeoutException(r.getInstance(), timeout),
        timeout,
        MAX_WAIT_SLICE);
  }

  // ---- Reading instances

  /**
   * The instance with its tasks' statuses and progress.
   *
   * @throws NotFoundException when it does not exist
   */
  public Instance getInstance(String instance) {
    return Calls.join(getInstanceAsync(instance));
  }

  /** The instance; see {@link #getInstance(String)}. */
  public CompletableFuture<Instance> getInstanceAsync(String instance) {
    GetInstanceRequest request =
        GetInstanceRequest.newBuilder().setName(instanceName(instance)).build();
    return Calls.unary(o -> unary().getInstance(request, o), GetInstanceResponse::getInstance);
  }

  /** Every instance of the project, newest first, fetched 50 per call as the iteration goes. */
  public PagedIterable<Instance> listInstances() {
    return listInstances(ListInstancesOptions.DEFAULT);
  }

  /**
   * The project's instances that pass {@code options}' filters, newest first (without their tasks'
   * details): the first page is fetched now, each later one when the iteration reaches it.
   */
  public PagedIterable<Instance> listInstances(ListInstancesOptions options) {
    return Calls.join(listInstancesAsync(options)).iterateAll();
  }

  /** The first page of {@link #listInstances(ListInstancesOptions)}. */
  public CompletableFuture<Page<Instance>> listInstancesAsync(ListInstancesOptions options) {
    ListInstancesRequest.Builder request =
        ListInstancesRequest.newBuilder()
            .setParent("projects/" + project)
            .setPageSize(options.pageSize())
            .addAllStatuses(options.statuses())
            .putAllLabels(options.labels());
    if (options.owner() != null) {
      request.setOwner(options.owner());
    }
    if (options.createTimeStart() != null) {
      request.setCreateTimeStart(Values.timestamp(options.createTimeStart()));
    }
    if (options.createTimeEnd() != null) {
      request.setCreateTimeEnd(Values.timestamp(options.createTimeEnd()));
    }
    ListInstancesRequest first = request.build();
    return page(
        token -> o -> unary().listInstances(first.toBuilder().setPageToken(token).build(), o),
        ListInstancesResponse::getInstancesList,
        ListInstancesResponse::getNextPageToken,
        "");
  }

  /**
   * Every sub-instance a workflow instance started, in the order they were created, each with its
   * name in the workflow, the task that started it and its state: the first page is fetched now,
   * each later one when the iteration reaches it.
   *
   * @throws NotFoundException when the workflow instance does not exist
   */
  public PagedIterable<SubInstance> listSubInstances(String instance) {
    return Calls.join(listSubInstancesAsync(instance)).iterateAll();
  }

  /** The first page of {@link #listSubInstances(String)}. */
  public CompletableFuture<Page<SubInstance>> listSubInstancesAsync(String instance) {
    String name = instanceName(instance);
    return page(
        token ->
            o ->
                unary()
                    .listSubInstances(
                        ListSubInstancesRequest.newBuilder()
                            .setParent(name)
                            .setPageToken(token)
                            .build(),
                        o),
        ListSubInstancesResponse::getSubInstancesList,
        ListSubInstancesResponse::getNextPageToken,
        "");
  }

  /** The task types the connected workers can run, sorted by name, each with its worker count. */
  public List<TaskType> listTaskTypes() {
    return Calls.join(listTaskTypesAsync());
  }

  /** The task types; see {@link #listTaskTypes()}. */
  public CompletableFuture<List<TaskType>> listTaskTypesAsync() {
    return Calls.unary(
        o -> unary().listTaskTypes(ListTaskTypesRequest.getDefaultInstance(), o),
        ListTaskTypesResponse::getTaskTypesList);
  }

  /**
   * The address of the instance's Logview page (a URL carrying a token that grants read access to
   * this one instance), valid for the server's default of 720 hours.
   *
   * @throws NotFoundException when the instance does not exist
   */
  public String getLogviewAddress(String instance) {
    return Calls.join(logviewAddress(instance, null));
  }

  /** The address of the instance's Logview page, valid for {@code hours} hours. */
  public String getLogviewAddress(String instance, int hours) {
    return Calls.join(getLogviewAddressAsync(instance, hours));
  }

  /** The Logview address; see {@link #getLogviewAddress(String)}. */
  public CompletableFuture<String> getLogviewAddressAsync(String instance) {
    return logviewAddress(instance, null);
  }

  /** The Logview address valid for {@code hours} hours; see {@link #getLogviewAddress(String)}. */
  public CompletableFuture<String> getLogviewAddressAsync(String instance, int hours) {
    if (hours <= 0) {
      throw new IllegalArgumentException("hours must be positive, not " + hours);
    }
    return logviewAddress(instance, hours);
  }

  // ---- Following

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
    String name = instanceName(instance);
    return new InstanceWatch(
        name, options, new StreamIterator<>(watchAsync(name, options), "the watch of " + name));
  }

  /** The events of the instance from a snapshot to its terminal snapshot, as a publisher. */
  public Flow.Publisher<WatchEvent> watchAsync(String instance) {
    return watchAsync(instance, WatchOptions.DEFAULT);
  }

  /**
   * The events {@link #watch(String, WatchOptions)} reports, as a publisher: each subscriber gets
   * its own watch, which opens when it first requests events, asks the server for no more than it
   * requested, resumes by itself after a dropped stream, completes after the terminal snapshot, and
   * stops when its subscription is cancelled. Failures arrive as {@link ApiException}s in {@code
   * onError}.
   */
  public Flow.Publisher<WatchEvent> watchAsync(String instance, WatchOptions options) {
    String name = instanceName(instance);
    Objects.requireNonNull(options, "options");
    return new ResumableStream<>(() -> new WatchCursor(async, name, options), streamRetry, timer);
  }

  /**
   * Keeps an instance created with {@link CreateInstanceOptions#withCancelOnClientDisconnection}
   * bound to this caller: holds a watch of it open, resuming a dropped stream, until it terminates.
   * Interrupting the blocked thread lets the instance go (the server stops it after its grace
   * period).
   *
   * @return the terminated instance
   * @throws NotFoundException when the instance does not exist
   */
  public Instance keepBound(String instance) {
    return Calls.join(keepBoundAsync(instance));
  }

  /**
   * Keeps the instance bound to this caller, as {@link #keepBound(String)}: the future completes
   * with the terminated instance, and cancelling it ends the watch, letting the instance go.
   */
  public CompletableFuture<Instance> keepBoundAsync(String instance) {
    CompletableFuture<Instance> bound = new CompletableFuture<>();
    watchAsync(instance)
        .subscribe(
            new Flow.Subscriber<WatchEvent>() {
              // Signals come one at a time, each seeing what the last one wrote.
              private Instance last;

              @Override
              public void onSubscribe(Flow.Subscription subscription) {
                bound.whenComplete(
                    (terminated, error) -> {
                      if (error instanceof CancellationException) {
                        subscription.cancel();
                      }
                    });
                subscription.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(WatchEvent event) {
                if (event instanceof WatchEvent.Snapshot snapshot) {
                  last = snapshot.instance();
                }
              }

              @Override
              public void onError(Throwable error) {
                bound.completeExceptionally(error);
              }

              @Override
              public void onComplete() {
                bound.complete(last);
              }
            });
    return bound;
  }

  /**
   * Follows every instance of this client's project that {@code options} choose, as a Kubernetes
   * watch follows a collection: a {@link ProjectEvent.Snapshot} of those that match (newest first),
   * then each instance-level change in the project's order. It never ends by itself; close it to
   * stop. A PERMISSION_DENIED or INVALID_ARGUMENT surfaces from the first {@link
   * ProjectWatch#hasNext()}.
   */
  public ProjectWatch watchInstances(WatchInstancesOptions options) {
    return new ProjectWatch(
        options,
        new StreamIterator<>(watchInstancesAsync(options), "the watch of projects/" + project));
  }

  /**
   * The events {@link #watchInstances(WatchInstancesOptions)} reports, as a publisher: each
   * subscriber gets its own watch, which opens when it first requests events, asks the server for
   * no more than it requested, resumes by itself after a dropped stream and stops when its
   * subscription is cancelled. Failures arrive as {@link ApiException}s in {@code onError}.
   */
  public Flow.Publisher<ProjectEvent> watchInstancesAsync(WatchInstancesOptions options) {
    Objects.requireNonNull(options, "options");
    String parent = "projects/" + project;
    return new ResumableStream<>(
        () -> new ProjectWatchCursor(async, parent, options), streamRetry, timer);
  }

  // ---- Waiting

  /**
   * Waits until the instance terminates, successful or not (PyODPS's {@code wait_for_completion}),
   * with server-side long polls (never a polling loop).
   *
   * @return the terminated instance
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   * @throws NotFoundException when the instance does not exist
   */
  public Instance await(String instance, Duration timeout) {
    return Calls.join(awaitAsync(instance, timeout));
  }

  /** Waits however long it takes for the instance to terminate, and returns it. */
  public Instance await(String instance) {
    return Calls.join(awaitAsync(instance));
  }

  /** Waits for the instance to terminate; see {@link #await(String, Duration)}. */
  public CompletableFuture<Instance> awaitAsync(String instance, Duration timeout) {
    return awaitInstance(instanceName(instance), requireTimeout(timeout), false);
  }

  /** Waits however long it takes for the instance to terminate. */
  public CompletableFuture<Instance> awaitAsync(String instance) {
    return awaitInstance(instanceName(instance), null, false);
  }

  /**
   * Waits until the instance terminates and requires it to have succeeded (PyODPS's {@code
   * wait_for_success}).
   *
   * @return the terminated instance, every task successful
   * @throws InstanceFailedException when it terminated with a task that did not succeed
   * @throws WaitTimeoutException when {@code timeout} passes first; it carries the current state
   */
  public Instance awaitSuccess(String instance, Duration timeout) {
    return Calls.join(awaitSuccessAsync(instance, timeout));
  }

  /** Waits for success; see {@link #awaitSuccess(String, Duration)}. */
  public CompletableFuture<Instance> awaitSuccessAsync(String instance, Duration timeout) {
    return awaitInstance(instanceName(instance), requireTimeout(timeout), true);
  }

  /**
   * Waits until every one of the instances terminates (one WaitInstances long poll at a time).
   *
   * @return the instances, in the order given, all terminated (successful or not)
   * @throws WaitTimeoutException when {@code timeout} passes first; it names the instances still
   *     running and carries every one as last seen
   */
  public List<Instance> awaitAll(Collection<String> instances, Duration timeout) {
    return Calls.join(awaitAllAsync(instances, timeout));
  }

  /** Waits for every instance; see {@link #awaitAll(Collection, Duration)}. */
  public CompletableFuture<List<Instance>> awaitAllAsync(
      Collection<String> instances, Duration timeout) {
    return awaitMany(instances, WaitMode.WAIT_MODE_ALL, requireTimeout(timeout));
  }

  /**
   * Waits until any one of the instances terminates.
   *
   * @return every instance as it was when the first terminated, in the order given
   * @throws WaitTimeoutException when {@code timeout} passes first
   */
  public List<Instance> awaitAny(Collection<String> instances, Duration timeout) {
    return Calls.join(awaitAnyAsync(instances, timeout));
  }

  /** Waits for any instance; see {@link #awaitAny(Collection, Duration)}. */
  public CompletableFuture<List<Instance>> awaitAnyAsync(
      Collection<String> instances, Duration timeout) {
    return awaitMany(instances, WaitMode.WAIT_MODE_ANY, requireTimeout(timeout));
  }

  // ---- Suspending, resuming, stopping

  /**
   * Suspends the instance: waiting tasks are held and running ones paused.
   *
   * @throws FailedPreconditionException unless it is RUNNING
   */
  public Instance suspend(String instance) {
    return Calls.join(suspendAsync(instance));
  }

  /** Suspends the instance; see {@link #suspend(String)}. */
  public CompletableFuture<Instance> suspendAsync(String instance) {
    SuspendInstanceRequest request =
        SuspendInstanceRequest.newBuilder().setName(instanceName(instance)).build();
    return Calls.unary(
        o -> unary().suspendInstance(request, o), SuspendInstanceResponse::getInstance);
  }

  /**
   * Resumes a suspended instance, or starts one created held.
   *
   * @throws FailedPreconditionException unless it is SUSPENDED
   */
  public Instance resume(String instance) {
    return Calls.join(resumeAsync(instance));
  }

  /** Resumes the instance; see {@link #resume(String)}. */
  public CompletableFuture<Instance> resumeAsync(String instance) {
    ResumeInstanceRequest request =
        ResumeInstanceRequest.newBuilder().setName(instanceName(instance)).build();
    return Calls.unary(
        o -> unary().resumeInstance(request, o), ResumeInstanceResponse::getInstance);
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
    return Calls.join(stopAsync(instance, reason, message));
  }

  /** Stops the instance; see {@link #stop(String, CancellationReason, String)}. */
  public CompletableFuture<Instance> stopAsync(
      String instance, CancellationReason reason, String message) {
    StopInstanceRequest request =
        StopInstanceRequest.newBuilder()
            .setName(instanceName(instance))
            .setReason(reason)
            .setMessage(message)
            .build();
    return Calls.unary(o -> unary().stopInstance(request, o), StopInstanceResponse::getInstance);
  }

  /** Cancels one task of the instance as its caller (reason DIRECT). */
  public Instance cancelTask(String instance, String task) {
    return cancelTask(instance, task, CancellationReason.CANCELLATION_REASON_DIRECT, "");
  }

  /**
   * Cancels one task of the instance (STK's {@code cancel_task}); the other tasks run on. One that
   * has not started ends CANCELLED at once, a running one sees the cancellation and gets a grace
   * period; its dependents that do not allow its failure end CANCELLED with reason CONSEQUENTIAL.
   * The task may still be CANCELLING in the instance returned. For another grace period, send a
   * {@link CancelTaskRequest} through {@link #stub()}.
   *
   * @throws NotFoundException for an unknown instance or task
   * @throws FailedPreconditionException (reason TASK_TERMINATED) when the task already ended
   */
  public Instance cancelTask(
      String instance, String task, CancellationReason reason, String message) {
    return Calls.join(cancelTaskAsync(instance, task, reason, message));
  }

  /** Cancels one task; see {@link #cancelTask(String, String, CancellationReason, String)}. */
  public CompletableFuture<Instance> cancelTaskAsync(
      String instance, String task, CancellationReason reason, String message) {
    Objects.requireNonNull(task, "task");
    if (task.isEmpty()) {
      throw new IllegalArgumentException("cancelTask needs the task's name");
    }
    CancelTaskRequest request =
        CancelTaskRequest.newBuilder()
            .setName(instanceName(instance) + "/tasks/" + task)
            .setReason(reason)
            .setMessage(message)
            .build();
    return Calls.unary(o -> unary().cancelTask(request, o), CancelTaskResponse::getInstance);
  }

  /**
   * Deletes a terminated instance with its tasks, events, output and results, leaving a tombstone:
   * reading it then throws {@link NotFoundException} with reason INSTANCE_DELETED.
   *
   * @throws FailedPreconditionException (reason INSTANCE_NOT_TERMINATED) while it runs
   * @throws NotFoundException when it does not exist, or was deleted already
   */
  public void deleteInstance(String instance) {
    Calls.join(deleteInstanceAsync(instance));
  }

  /** Deletes the terminated instance; see {@link #deleteInstance(String)}. */
  public CompletableFuture<Void> deleteInstanceAsync(String instance) {
    DeleteInstanceRequest request =
        DeleteInstanceRequest.newBuilder().setName(instanceName(instance)).build();
    return Calls.<DeleteInstanceResponse, Void>unary(
        o -> unary().deleteInstance(request, o), r -> null);
  }

  // ---- Schedules

  /**
   * Creates schedule {@code id} with the server's defaults (overlap SKIP, a catch-up window of an
   * hour); see {@link #createSchedule(String, ScheduleTiming, List, CreateScheduleOptions)}.
   */
  public Schedule createSchedule(String id, ScheduleTiming timing, List<TaskSpec> tasks) {
    return createSchedule(id, timing, tasks, CreateScheduleOptions.DEFAULT);
  }

  /**
   * Creates schedule {@code id} (1 to 63 of a-z 0-9 and '-', a letter first) in this client's
   * project: an instance of {@code tasks} starts at the times of {@code timing}, created as {@code
   * options} say. Each instance runs as this client's user, names the schedule ({@code
   * Instance.getSchedule()}) and carries the labels {@code taskstream.schedule} (the schedule's id)
   * and, when a fire time started it, {@code taskstream.fire_time}.
   *
   * @return the schedule, with its first fire time
   * @throws AlreadyExistsException when the project has a schedule of that id
   * @throws InvalidArgumentException naming the bad field ({@code schedule.cron.expression} …)
   */
  public Schedule createSchedule(
      String id, ScheduleTiming timing, List<TaskSpec> tasks, CreateScheduleOptions options) {
    return Calls.join(createScheduleAsync(id, timing, tasks, options));
  }

  /**
   * Creates a schedule; see {@link #createSchedule(String, ScheduleTiming, List,
   * CreateScheduleOptions)}.
   */
  public CompletableFuture<Schedule> createScheduleAsync(
      String id, ScheduleTiming timing, List<TaskSpec> tasks, CreateScheduleOptions options) {
    return createScheduleAsync(options.toRequest(id, timing, tasks));
  }

  /**
   * Creates a schedule from a full request; an empty {@code parent} means this client's project.
   */
  public Schedule createSchedule(CreateScheduleRequest request) {
    return Calls.join(createScheduleAsync(request));
  }

  /** Creates a schedule from a full request; see {@link #createSchedule(CreateScheduleRequest)}. */
  public CompletableFuture<Schedule> createScheduleAsync(CreateScheduleRequest request) {
    CreateScheduleRequest withParent =
        request.getParent().isEmpty()
            ? request.toBuilder().setParent("projects/" + project).build()
            : request;
    return Calls.unary(
        o -> schedules().createSchedule(withParent, o), CreateScheduleResponse::getSchedule);
  }

  /**
   * The schedule, with its next and last fire times and counts. An instance's {@code getSchedule()}
   * names its schedule as this takes it.
   *
   * @throws NotFoundException when it does not exist
   */
  public Schedule getSchedule(String schedule) {
    return Calls.join(getScheduleAsync(schedule));
  }

  /** The schedule; see {@link #getSchedule(String)}. */
  public CompletableFuture<Schedule> getScheduleAsync(String schedule) {
    GetScheduleRequest request =
        GetScheduleRequest.newBuilder().setName(scheduleName(schedule)).build();
    return Calls.unary(o -> schedules().getSchedule(request, o), GetScheduleResponse::getSchedule);
  }

  /** Every schedule of the project by id, fetched 50 per call as the iteration goes. */
  public PagedIterable<Schedule> listSchedules() {
    return listSchedules(0);
  }

  /**
   * The project's schedules by id, {@code pageSize} per call (0: the server's default of 50): the
   * first page is fetched now, each later one when the iteration reaches it.
   */
  public PagedIterable<Schedule> listSchedules(int pageSize) {
    return Calls.join(listSchedulesAsync(pageSize)).iterateAll();
  }

  /** The first page of {@link #listSchedules(int)}. */
  public CompletableFuture<Page<Schedule>> listSchedulesAsync(int pageSize) {
    if (pageSize < 0) {
      throw new IllegalArgumentException("pageSize must not be negative, not " + pageSize);
    }
    ListSchedulesRequest first =
        ListSchedulesRequest.newBuilder()
            .setParent("projects/" + project)
            .setPageSize(pageSize)
            .build();
    return page(
        token -> o -> schedules().listSchedules(first.toBuilder().setPageToken(token).build(), o),
        ListSchedulesResponse::getSchedulesList,
        ListSchedulesResponse::getNextPageToken,
        "");
  }

  /**
   * Pauses the schedule: it fires nothing, and has no next fire time, until resumed ({@link
   * #triggerSchedule} still starts an instance). Pausing a paused schedule changes nothing.
   *
   * @throws NotFoundException when it does not exist
   */
  public Schedule pauseSchedule(String schedule) {
    return Calls.join(pauseScheduleAsync(schedule));
  }

  /** Pauses the schedule; see {@link #pauseSchedule(String)}. */
  public CompletableFuture<Schedule> pauseScheduleAsync(String schedule) {
    PauseScheduleRequest request =
        PauseScheduleRequest.newBuilder().setName(scheduleName(schedule)).build();
    return Calls.unary(
        o -> schedules().pauseSchedule(request, o), PauseScheduleResponse::getSchedule);
  }

  /**
   * Resumes a paused schedule from now on: fire times that passed while it was paused are not
   * caught up. Resuming a running schedule changes nothing.
   *
   * @throws NotFoundException when it does not exist
   */
  public Schedule resumeSchedule(String schedule) {
    return Calls.join(resumeScheduleAsync(schedule));
  }

  /** Resumes the schedule; see {@link #resumeSchedule(String)}. */
  public CompletableFuture<Schedule> resumeScheduleAsync(String schedule) {
    ResumeScheduleRequest request =
        ResumeScheduleRequest.newBuilder().setName(scheduleName(schedule)).build();
    return Calls.unary(
        o -> schedules().resumeSchedule(request, o), ResumeScheduleResponse::getSchedule);
  }

  /**
   * Starts an instance of the schedule now, paused or not, as a firing would, and returns it
   * without waiting. The fire times are not affected. Not retried: another call may start another
   * instance.
   *
   * @throws FailedPreconditionException (reason SCHEDULE_OVERLAP) when an instance of the schedule
   *     still runs and its overlap policy is SKIP
   * @throws NotFoundException when it does not exist
   */
  public Instance triggerSchedule(String schedule) {
    return Calls.join(triggerScheduleAsync(schedule));
  }

  /** Starts an instance of the schedule now; see {@link #triggerSchedule(String)}. */
  public CompletableFuture<Instance> triggerScheduleAsync(String schedule) {
    TriggerScheduleRequest request =
        TriggerScheduleRequest.newBuilder().setName(scheduleName(schedule)).build();
    return Calls.unary(
        o -> schedules().triggerSchedule(request, o), TriggerScheduleResponse::getInstance);
  }

  /**
   * Deletes the schedule: it fires no more; the instances it started are not changed.
   *
   * @throws NotFoundException when it does not exist, or was deleted already
   */
  public void deleteSchedule(String schedule) {
    Calls.join(deleteScheduleAsync(schedule));
  }

  /** Deletes the schedule; see {@link #deleteSchedule(String)}. */
  public CompletableFuture<Void> deleteScheduleAsync(String schedule) {
    DeleteScheduleRequest request =
        DeleteScheduleRequest.newBuilder().setName(scheduleName(schedule)).build();
    return Calls.<DeleteScheduleResponse, Void>unary(
        o -> schedules().deleteSchedule(request, o), r -> null);
  }

  // ---- Task results, output and rows

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
    return Calls.join(resultAsync(instance, task));
  }

  /** The task's result; see {@link #result(String, String)}. An empty task is the only one. */
  public CompletableFuture<TaskResult> resultAsync(String instance, String task) {
    GetTaskResultRequest request =
        GetTaskResultRequest.newBuilder().setInstance(instanceName(instance)).setTask(task).build();
    return Calls.unary(o -> unary().getTaskResult(request, o), TaskResult::new);
  }

  /**
   * Reads the task's stdout or stderr as {@code options} say, as it is written when following; an
   * empty {@code task} is the instance's only task. A NOT_FOUND surfaces from the first {@link
   * OutputReader#hasNext()}.
   */
  public OutputReader readOutput(String instance, String task, OutputOptions options) {
    String name = instanceName(instance);
    return new OutputReader(
        new StreamIterator<>(
            readOutputAsync(name, task, options), "the output of " + name + " " + task));
  }

  /**
   * The chunks {@link #readOutput} reads, as a publisher: each subscriber gets its own read, which
   * asks the server for no more than it requested, resumes at the next byte after a dropped stream
   * and completes after the last byte.
   */
  public Flow.Publisher<OutputChunk> readOutputAsync(
      String instance, String task, OutputOptions options) {
    String name = instanceName(instance);
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    return new ResumableStream<>(
        () -> new OutputCursor(async, name, task, options), streamRetry, timer);
  }

  /**
   * The task's tabular result (a SQL select's) as typed rows, 1000 per call; an empty {@code task}
   * is the instance's only task.
   *
   * @throws FailedPreconditionException (reason RESULT_NOT_TABULAR) unless the task succeeded with
   *     a CSV text result
   */
  public ResultRows resultRows(String instance, String task) {
    return resultRows(instance, task, 0);
  }

  /**
   * The task's tabular result as typed rows, {@code pageSize} per call (0: the server's default of
   * 1000): the first page is fetched now, each later one when the iteration reaches it.
   */
  public ResultRows resultRows(String instance, String task, int pageSize) {
    return Calls.join(resultRowsAsync(instance, task, pageSize));
  }

  /** The rows with the first page fetched; see {@link #resultRows(String, String, int)}. */
  public CompletableFuture<ResultRows> resultRowsAsync(String instance, String task, int pageSize) {
    if (pageSize < 0) {
      throw new IllegalArgumentException("pageSize must be >= 0, not " + pageSize);
    }
    ListTaskResultRowsRequest request =
        ListTaskResultRowsRequest.newBuilder()
            .setInstance(instanceName(instance))
            .setTask(task)
            .setPageSize(pageSize)
            .build();
    Function<String, Consumer<StreamObserver<ListTaskResultRowsResponse>>> call =
        token ->
            o -> unary().listTaskResultRows(request.toBuilder().setPageToken(token).build(), o);
    return Calls.unary(
        call.apply(""),
        r ->
            new ResultRows(
                columns(r),
                new Page<>(
                    rows(r),
                    r.getNextPageToken(),
                    token ->
                        page(
                            call,
                            TaskstreamClient::rows,
                            ListTaskResultRowsResponse::getNextPageToken,
                            token))));
  }

  /** The resource name for an instance id in this client's project; a name passes unchanged. */
  public String instanceName(String instance) {
    Objects.requireNonNull(instance, "instance");
    return instance.startsWith("projects/")
        ? instance
        : "projects/" + project + "/instances/" + instance;
  }

  /** The resource name for a schedule id in this client's project; a name passes unchanged. */
  public String scheduleName(String schedule) {
    Objects.requireNonNull(schedule, "schedule");
    return schedule.startsWith("projects/")
        ? schedule
        : "projects/" + project + "/schedules/" + schedule;
  }

  /**
   * Shuts down the channel this client created (a channel passed to the builder stays open); its
   * calls end, and its open streams and pending futures fail.
   */
  @Override
  public void close() {
    // Resumes already scheduled still run (and fail on the closed channel), so no stream hangs.
    timer.shutdown();
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

  private CompletableFuture<String> logviewAddress(String instance, Integer hours) {
    GetLogviewAddressRequest.Builder request =
        GetLogviewAddressRequest.newBuilder().setName(instanceName(instance));
    if (hours != null) {
      request.setHours(hours);
    }
    GetLogviewAddressRequest built = request.build();
    return Calls.unary(o -> unary().getLogviewAddress(built, o), GetLogviewAddressResponse::getUrl);
  }

  private CompletableFuture<Instance> awaitInstance(
      String name, Duration timeout, boolean mustSucceed) {
    return LongPoll.run(
        slice -> waitOnce(name, slice),
        WaitInstanceResponse::getTerminated,
        r -> mustSucceed ? succeeded(r.getInstance()) : r.getInstance(),
        r -> new WaitTimeoutException(r.getInstance(), timeout),
        timeout,
        MAX_WAIT_SLICE);
  }

  private CompletableFuture<List<Instance>> awaitMany(
      Collection<String> instances, WaitMode mode, Duration timeout) {
    List<String> names = instances.stream().map(this::instanceName).toList();
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(names));
    if (distinct.isEmpty() || distinct.size() > MAX_WAIT_INSTANCES) {
      throw new IllegalArgumentException(
          "wait for 1 to " + MAX_WAIT_INSTANCES + " instances, not " + distinct.size());
    }
    Function<WaitInstancesResponse, List<Instance>> inOrder =
        r -> {
          Map<String, Instance> byName = new HashMap<>();
          for (int i = 0; i < distinct.size() && i < r.getInstancesCount(); i++) {
            byName.put(distinct.get(i), r.getInstances(i));
          }
          return names.stream()
              .map(n -> byName.getOrDefault(n, Instance.newBuilder().setName(n).build()))
              .toList();
        };
    return LongPoll.run(
        slice -> {
          WaitInstancesRequest request =
              WaitInstancesRequest.newBuilder()
                  .addAllNames(distinct)
                  .setMode(mode)
                  .setTimeout(Values.duration(slice))
                  .build();
          return Calls.<WaitInstancesResponse>unary(o -> waiting(slice).waitInstances(request, o));
        },
        WaitInstancesResponse::getDone,
        inOrder,
        r -> new WaitTimeoutException(inOrder.apply(r), timeout),
        timeout,
        MAX_WAIT_SLICE);
  }

  private CompletableFuture<WaitInstanceResponse> waitOnce(String name, Duration slice) {
    WaitInstanceRequest request =
        WaitInstanceRequest.newBuilder().setName(name).setTimeout(Values.duration(slice)).build();
    return Calls.<WaitInstanceResponse>unary(o -> waiting(slice).waitInstance(request, o));
  }

  /** The instance, when it terminated successfully. */
  private static Instance succeeded(Instance instance) {
    if (instance.getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED
        && !instance.getSuccessful()) {
      throw new InstanceFailedException(instance);
    }
    return instance;
  }

  /** A page of a listing, whose next page is fetched the same way. */
  private static <R, T> CompletableFuture<Page<T>> page(
      Function<String, Consumer<StreamObserver<R>>> call,
      Function<R, List<T>> items,
      Function<R, String> nextToken,
      String token) {
    return Calls.unary(
        call.apply(token),
        r -> new Page<>(items.apply(r), nextToken.apply(r), t -> page(call, items, nextToken, t)));
  }

  private static List<Column> columns(ListTaskResultRowsResponse response) {
    return response.getColumnsList().stream()
        .map(c -> new Column(c.getName(), c.getType()))
        .toList();
  }

  private static List<Row> rows(ListTaskResultRowsResponse response) {
    List<Column> columns = columns(response);
    return response.getRowsList().stream()
        .map(row -> new Row(columns, row.getCellsList().stream().map(Values::cell).toList()))
        .toList();
  }

  private static Duration requireTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, not " + timeout);
    }
    return timeout;
  }

  /** The async stub with the client's deadline for one unary call. */
  private InstanceServiceStub unary() {
    return async.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The async ScheduleService stub with the client's deadline for one unary call. */
  private ScheduleServiceStub schedules() {
    return scheduleAsync.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The async stub with the deadline of a call that waits {@code wait} on the server. */
  private InstanceServiceStub waiting(Duration wait) {
    return async.withDeadlineAfter(wait.plus(WAIT_SLACK).toMillis(), TimeUnit.MILLISECONDS);
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
