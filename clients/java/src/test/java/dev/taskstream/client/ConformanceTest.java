package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.ColumnType;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.InstanceSummary;
import dev.taskstream.v1.OutputStream;
import dev.taskstream.v1.OverlapPolicy;
import dev.taskstream.v1.Progress;
import dev.taskstream.v1.ResumeInstanceRequest;
import dev.taskstream.v1.Schedule;
import dev.taskstream.v1.StageProgress;
import dev.taskstream.v1.SubInstance;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskAttempt;
import dev.taskstream.v1.TaskDependency;
import dev.taskstream.v1.TaskSpec;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.TaskType;
import dev.taskstream.v1.WaitingReason;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.Status;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared conformance scenario (tests/conformance/scenario.json) run through this client against
 * a live taskstreamd. Each action of the scenario is implemented once below; Python, Go and
 * TypeScript run the same cases with their own clients.
 */
class ConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static JsonObject scenario;
  private static LiveServer server;
  private static TaskstreamClient client;

  @BeforeAll
  static void startServer() throws IOException, InterruptedException {
    scenario = loadScenario();
    server = LiveServer.start();
    client =
        TaskstreamClient.newBuilder()
            .target(server.target())
            .project(scenario.get("project").getAsString())
            .user("java-conformance")
            .build();
  }

  @AfterAll
  static void stopServer() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static Stream<Named<JsonObject>> cases() throws IOException {
    return StreamSupport.stream(loadScenario().getAsJsonArray("cases").spliterator(), false)
        .map(JsonElement::getAsJsonObject)
        .map(c -> Named.of(c.get("name").getAsString(), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  // Longer than any case's own timeout_seconds (a workflow may take 120 s), so the case reports.
  @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void conformance(JsonObject testCase) throws Exception {
    String action = testCase.get("action").getAsString();
    JsonObject expect = testCase.getAsJsonObject("expect");
    switch (action) {
      case "watch_to_end" -> watchToEnd(testCase, expect);
      case "run_and_read_result" -> runAndReadResult(testCase, expect);
      case "stop_when_running" -> stopWhenRunning(testCase, expect);
      case "resume_watch" -> resumeWatch(testCase, expect);
      case "wait_with_timeout" -> waitWithTimeout(testCase, expect);
      case "execute" -> execute(testCase, expect);
      case "not_found" -> notFound(testCase, expect);
      case "execute_failed" -> executeFailed(testCase, expect);
      case "list_instances" -> listInstances(testCase, expect);
      case "read_output" -> readOutput(testCase, expect);
      case "logview" -> logview(testCase, expect);
      case "sub_instances" -> subInstances(testCase, expect);
      case "sql_rows" -> sqlRows(testCase, expect);
      case "suspend_resume" -> suspendResume(testCase, expect);
      case "wait_many" -> waitMany(testCase, expect);
      case "task_types" -> taskTypes(expect);
      case "retry_attempts" -> retryAttempts(testCase, expect);
      case "dependencies" -> dependencies(testCase, expect);
      case "cancel_task_and_delete" -> cancelTaskAndDelete(testCase, expect);
      case "watch_instances" -> watchInstances(testCase, expect);
      case "schedule_trigger" -> scheduleTrigger(testCase, expect);
      case "schedule_pause" -> schedulePause(testCase, expect);
      default -> fail("no harness for action " + action);
    }
  }

  private static void watchToEnd(JsonObject testCase, JsonObject expect) {
    Instance instance = start(testCase);
    List<WatchEvent> events = watchHeld(instance.getName());

    assertEquals(str(expect, "first_message"), kind(events.get(0)));
    assertEquals(str(expect, "last_message"), kind(events.get(events.size() - 1)));
    assertEquals(
        instanceStatus(str(expect, "snapshot_status")),
        assertInstanceOf(WatchEvent.Snapshot.class, events.get(0)).instance().getStatus());
    Instance last = terminalSnapshot(events);
    assertEquals(instanceStatus(str(expect, "instance_status")), last.getStatus());
    assertEquals(expect.get("successful").getAsBoolean(), last.getSuccessful());
    List<TaskStatus> changes =
        events.stream()
            .filter(WatchEvent.TaskStatusChanged.class::isInstance)
            .map(e -> ((WatchEvent.TaskStatusChanged) e).status())
            .toList();
    List<TaskStatus> tail =
        strings(expect, "task_status_changes_end_with").stream().map(TaskStatus::valueOf).toList();
    assertTrue(changes.size() >= tail.size(), "status changes " + changes);
    assertEquals(tail, changes.subList(changes.size() - tail.size(), changes.size()));
    long progressEvents =
        events.stream().filter(WatchEvent.TaskProgressUpdated.class::isInstance).count();
    assertTrue(progressEvents >= expect.get("min_progress_events").getAsLong(), "progress events");
    Progress progress = last.getTasks(0).getProgress();
    assertEquals(expect.get("progress_percent").getAsInt(), progress.getPercent());
    assertEquals(str(expect, "progress_message"), progress.getMessage());
    assertEquals(
        strings(expect, "stage_names"),
        progress.getStagesList().stream().map(StageProgress::getName).toList());
    checkResult(client.result(instance.getName()), expect);
  }

  private static void runAndReadResult(JsonObject testCase, JsonObject expect) {
    Instance instance = client.await(start(testCase).getName(), WAIT);

    if (expect.has("successful")) {
      assertEquals(expect.get("successful").getAsBoolean(), instance.getSuccessful());
    }
    checkResult(client.result(instance.getName()), expect);
  }

  private static void stopWhenRunning(JsonObject testCase, JsonObject expect) {
    String name = start(testCase).getName();
    JsonObject stop = testCase.getAsJsonObject("stop");
    WatchEvent last = null;
    try (InstanceWatch watch = client.watch(name)) {
      while (watch.hasNext() && !running(watch.next())) {
        // Read until the task runs.
      }
      client.stop(name, CancellationReason.valueOf(str(stop, "reason")), str(stop, "message"));
      while (watch.hasNext()) {
        last = watch.next();
      }
    }

    Instance terminal = assertInstanceOf(WatchEvent.Snapshot.class, last).instance();
    assertEquals(instanceStatus(str(expect, "instance_status")), terminal.getStatus());
    checkResult(client.result(name), expect);
  }

  private static void resumeWatch(JsonObject testCase, JsonObject expect) {
    String name = start(testCase).getName();
    List<WatchEvent> firstPass = watchHeld(name);
    long cursor =
        firstPass.stream()
            .filter(e -> kind(e).equals("event"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no event in " + firstPass))
            .seq();

    // Through the client ...
    List<WatchEvent> resumed = drain(client.watch(name, WatchOptions.DEFAULT.withAfterSeq(cursor)));
    assertEquals(str(expect, "first_message"), kind(resumed.get(0)));
    assertEquals(str(expect, "last_message"), kind(resumed.get(resumed.size() - 1)));
    checkSeqs(
        cursor,
        resumed.stream().filter(e -> kind(e).equals("event")).map(WatchEvent::seq).toList(),
        expect);
    assertEquals(
        instanceStatus(str(expect, "instance_status")), terminalSnapshot(resumed).getStatus());

    // ... and as the server sends it, so the client's own de-duplication hides nothing.
    List<WatchInstanceResponse> raw = new ArrayList<>();
    client
        .stub()
        .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .watchInstance(WatchInstanceRequest.newBuilder().setName(name).setAfterSeq(cursor).build())
        .forEachRemaining(raw::add);
    List<WatchInstanceResponse> changes =
        raw.stream()
            .filter(m -> m.getKindCase() != WatchInstanceResponse.KindCase.HEARTBEAT)
            .toList();
    assertEquals(str(expect, "first_message"), kind(changes.get(0)));
    assertEquals(str(expect, "last_message"), kind(changes.get(changes.size() - 1)));
    checkSeqs(
        cursor,
        changes.stream()
            .filter(WatchInstanceResponse::hasEvent)
            .map(m -> m.getEvent().getSeq())
            .toList(),
        expect);
    assertEquals(
        instanceStatus(str(expect, "instance_status")),
        changes.get(changes.size() - 1).getSnapshot().getStatus());
  }

  private static void waitWithTimeout(JsonObject testCase, JsonObject expect) {
    String name = start(testCase).getName();
    Duration timeout = timeout(testCase);

    boolean timedOut;
    try {
      client.await(name, timeout);
      timedOut = false;
    } catch (WaitTimeoutException e) {
      timedOut = true;
      assertTrue(e.getMessage().contains(name), e.getMessage());
      assertEquals(name, e.instance().getName());
      assertEquals(instanceStatus(str(expect, "instance_status")), e.instance().getStatus());
    }
    assertEquals(expect.get("timed_out_error").getAsBoolean(), timedOut);
    stopAndAwait(name, expect);
  }

  /** Stops the instance, waits until it ends and checks {@code after_stop_terminated}. */
  private static void stopAndAwait(String name, JsonObject expect) {
    client.stop(name);
    Instance after = client.await(name, WAIT);
    assertEquals(
        expect.get("after_stop_terminated").getAsBoolean(),
        after.getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED);
  }

  private static void execute(JsonObject testCase, JsonObject expect) {
    JsonObject task = testCase.getAsJsonObject("task");
    String type = str(task, "type");
    Duration timeout = timeout(testCase);
    if (!expect.get("timed_out").getAsBoolean()) {
      Instance instance = client.execute(type, parameters(task), timeout);
      assertEquals(instanceStatus(str(expect, "instance_status")), instance.getStatus());
      assertEquals(expect.get("successful").getAsBoolean(), instance.getSuccessful());
      checkResult(client.result(instance.getName()), expect);
      return;
    }

    WaitTimeoutException e =
        assertThrows(
            WaitTimeoutException.class, () -> client.execute(type, parameters(task), timeout));
    assertEquals(instanceStatus(str(expect, "instance_status")), e.instance().getStatus());
    assertTrue(e.getMessage().contains(e.instance().getName()), e.getMessage());
    stopAndAwait(e.instance().getName(), expect);
  }

  private static void notFound(JsonObject testCase, JsonObject expect) {
    String name = str(testCase, "instance");
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("get", () -> client.getInstance(name));
    calls.put("watch", () -> client.watch(name).hasNext());
    calls.put("wait", () -> client.await(name, Duration.ofSeconds(1)));

    calls.forEach(
        (call, run) -> {
          Status.Code code = Status.Code.valueOf(str(expect, call));
          ApiException e = assertThrows(ApiException.class, run::run, call);
          assertEquals(code, e.code(), call);
          if (code == Status.Code.NOT_FOUND) {
            assertInstanceOf(NotFoundException.class, e, call);
          }
        });
  }

  private static void executeFailed(JsonObject testCase, JsonObject expect) {
    JsonObject task = testCase.getAsJsonObject("task");
    InstanceFailedException e =
        assertThrows(
            InstanceFailedException.class,
            () -> client.execute(str(task, "type"), parameters(task), timeout(testCase)));

    assertEquals(instanceStatus(str(expect, "instance_status")), e.instance().getStatus());
    assertEquals(expect.get("successful").getAsBoolean(), e.instance().getSuccessful());
    assertEquals(str(expect, "failed_task"), e.failedTask().getName());
    assertEquals(TaskStatus.valueOf(str(expect, "task_status")), e.taskStatus());
    String type = e.taskError().orElseThrow().getType();
    assertTrue(type.endsWith(str(expect, "error_type_ends_with")), type);
    assertEquals(str(expect, "error_message"), e.taskError().orElseThrow().getMessage());
    assertTrue(e.getMessage().contains(e.instance().getName()), e.getMessage());
  }

  private static Instance create(JsonObject task, String label, String value) {
    return client.createInstance(
        CreateInstanceRequest.newBuilder()
            .addTasks(TaskstreamClient.task(str(task, "type"), parameters(task)))
            .putLabels(label, value)
            .build());
  }

  private static void watchInstances(JsonObject testCase, JsonObject expect) {
    JsonObject task = testCase.getAsJsonObject("task");
    String label = str(testCase, "label_key");
    String run = UUID.randomUUID().toString().replace("-", "");
    Instance first = create(task, label, run);
    client.await(first.getName(), WAIT);
    WatchInstancesOptions options =
        WatchInstancesOptions.DEFAULT.withLabel(label, run).withTaskTypes(str(task, "type"));
    ProjectEvent.Snapshot snapshot;
    Instance second;
    List<Map<String, Object>> changes = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    try (ProjectWatch watch = client.watchInstances(options)) {
      snapshot = assertInstanceOf(ProjectEvent.Snapshot.class, watch.next());
      create(testCase.getAsJsonObject("other_task"), label, run);
      second = create(task, label, run);
      while (true) {
        ProjectEvent event = watch.next();
        InstanceSummary summary;
        if (event instanceof ProjectEvent.InstanceCreated c) {
          summary = c.instance();
        } else if (event instanceof ProjectEvent.InstanceStatusUpdated u) {
          summary = u.instance();
        } else {
          throw new AssertionError("unexpected " + event);
        }
        assertEquals(second.getId(), summary.getInstance().getId());
        changes.add(
            Map.of(
                "change",
                event instanceof ProjectEvent.InstanceCreated
                    ? "instance_created"
                    : "instance_status_changed",
                "status",
                summary.getInstance().getStatus().name(),
                "successful",
                summary.getInstance().getSuccessful()));
        seqs.add(event.seq());
        if (event instanceof ProjectEvent.InstanceStatusUpdated u
            && u.status() == InstanceStatus.INSTANCE_STATUS_TERMINATED) {
          break;
        }
      }
    }
    assertEquals(expect.get("snapshot_instances").getAsInt(), snapshot.instances().size());
    var shown = snapshot.instances().get(0);
    assertEquals(first.getId(), shown.getInstance().getId());
    assertEquals(instanceStatus(str(expect, "snapshot_status")), shown.getInstance().getStatus());
    assertEquals(strings(expect, "snapshot_task_types"), shown.getTaskTypesList());
    List<Map<String, Object>> wanted = new ArrayList<>();
    for (JsonElement change : expect.getAsJsonArray("changes")) {
      JsonObject c = change.getAsJsonObject();
      wanted.add(
          Map.of(
              "change", str(c, "change"),
              "status", str(c, "status"),
              "successful", c.get("successful").getAsBoolean()));
    }
    assertEquals(wanted, changes);
    for (int i = 0; i < seqs.size(); i++) {
      long before = i == 0 ? snapshot.seq() : seqs.get(i - 1);
      assertTrue(seqs.get(i) > before, "seqs " + seqs + " after " + snapshot.seq());
    }
    try (ProjectWatch resumed = client.watchInstances(options.withAfterSeq(seqs.get(0)))) {
      ProjectEvent again = resumed.next();
      assertEquals(
          str(expect, "resumed_first_message"),
          again instanceof ProjectEvent.Snapshot ? "snapshot" : "event");
      assertEquals(seqs.get(1), again.seq());
      assertInstanceOf(ProjectEvent.InstanceStatusUpdated.class, again);
    }
  }

  private static void listInstances(JsonObject testCase, JsonObject expect) {
    JsonObject task = testCase.getAsJsonObject("task");
    String label = str(testCase, "label_key");
    String run = UUID.randomUUID().toString().replace("-", "");
    List<String> created = new ArrayList<>();
    for (int i = 0; i < testCase.get("count").getAsInt(); i++) {
      created.add(
          client
              .createInstance(
                  CreateInstanceRequest.newBuilder()
                      .addTasks(TaskstreamClient.task(str(task, "type"), parameters(task)))
                      .putLabels(label, run)
                      .build())
              .getId());
    }
    client.awaitAll(created, WAIT);

    ListInstancesOptions options =
        ListInstancesOptions.DEFAULT
            .withLabel(label, run)
            .withStatuses(
                strings(testCase, "statuses").stream()
                    .map(InstanceStatus::valueOf)
                    .toArray(InstanceStatus[]::new))
            .withPageSize(testCase.get("page_size").getAsInt());
    PagedIterable<Instance> listed = client.listInstances(options);
    List<String> ids = listed.stream().map(Instance::getId).toList();

    assertEquals(expect.get("count").getAsInt(), ids.size(), "ids " + ids);
    assertEquals(
        expect.get("same_ids_as_created").getAsBoolean(),
        new HashSet<>(ids).equals(new HashSet<>(created)));
    List<String> descending = ids.stream().sorted(Comparator.reverseOrder()).toList();
    assertEquals(expect.get("newest_first").getAsBoolean(), ids.equals(descending), "ids " + ids);
    // The iterable fetched the pages itself: more than one with these sizes.
    int pageSize = testCase.get("page_size").getAsInt();
    int pages = 0;
    for (Page<Instance> page : listed.pages()) {
      assertTrue(page.items().size() <= pageSize, "page " + page);
      pages++;
    }
    assertTrue(pages >= (ids.size() + pageSize - 1) / pageSize, pages + " pages");
  }

  private static void readOutput(JsonObject testCase, JsonObject expect) {
    String name = start(testCase).getName();
    OutputOptions options =
        new OutputOptions(OutputStream.valueOf(str(testCase, "stream")), 0, false);

    ByteString whole;
    try (OutputReader reader = client.readOutput(name, "", options.withFollow(true))) {
      whole = reader.readAll();
    }
    String text = whole.toStringUtf8();
    for (String part : strings(expect, "contains")) {
      assertTrue(text.contains(part), () -> "output lacks " + part + ": " + text);
    }

    int tail = testCase.get("tail_bytes").getAsInt();
    ByteString end = client.readOutput(name, "", options.withOffset(-tail)).readAll();
    assertEquals(
        expect.get("tail_is_end_of_whole").getAsBoolean(),
        end.equals(whole.substring(Math.max(0, whole.size() - tail))),
        () -> "tail " + end.toStringUtf8() + " of " + text);
  }

  private static void logview(JsonObject testCase, JsonObject expect)
      throws IOException, InterruptedException {
    Instance instance = client.await(start(testCase).getName(), WAIT);
    String url = client.getLogviewAddress(instance.getName(), testCase.get("hours").getAsInt());

    assertEquals(
        expect.get("url_contains_instance_id").getAsBoolean(), url.contains(instance.getId()));
    HttpResponse<Void> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.discarding());
    assertEquals(expect.get("http_status").getAsInt(), page.statusCode());
  }

  private static void subInstances(JsonObject testCase, JsonObject expect) {
    JsonObject xflow = testCase.getAsJsonObject("xflow");
    String type = "xflow." + str(xflow, "project") + "." + str(xflow, "name");
    Instance workflow =
        client.await(client.createInstance(type, parameters(xflow)).getName(), timeout(testCase));

    assertEquals(
        expect.get("successful").getAsBoolean(),
        workflow.getSuccessful(),
        () -> {
          TaskResult result = client.result(workflow.getName());
          return "workflow " + result.status() + " " + result.error() + " " + result.stderr();
        });
    List<SubInstance> subs = new ArrayList<>();
    client.listSubInstances(workflow.getName()).forEach(subs::add);
    assertEquals(strings(expect, "names"), subs.stream().map(SubInstance::getName).toList());
    assertEquals(
        expect.get("all_successful").getAsBoolean(),
        subs.stream()
            .allMatch(
                sub ->
                    sub.getInstance().getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED
                        && sub.getInstance().getSuccessful()));
  }

  private static void sqlRows(JsonObject testCase, JsonObject expect) {
    Instance instance =
        client.await(
            client.createInstance("sql", Map.of("sql", str(testCase, "sql"))).getName(),
            timeout(testCase));
    assertTrue(
        instance.getSuccessful(), () -> "sql failed: " + client.result(instance.getName()).error());

    ResultRows rows =
        client.resultRows(instance.getName(), "", testCase.get("page_size").getAsInt());
    List<Column> columns = new ArrayList<>();
    expect
        .getAsJsonArray("columns")
        .forEach(
            c ->
                columns.add(
                    new Column(
                        str(c.getAsJsonObject(), "name"),
                        ColumnType.valueOf(str(c.getAsJsonObject(), "type")))));
    assertEquals(columns, rows.columns());
    List<Row> all = rows.stream().toList();
    assertEquals(expect.get("row_count").getAsInt(), all.size());
    assertEquals(columns, all.get(0).columns());
    assertEquals(plain(expect.get("first_row")), all.get(0).values());
  }

  private static void suspendResume(JsonObject testCase, JsonObject expect) {
    JsonObject task = testCase.getAsJsonObject("task");
    Instance created =
        client.createInstance(
            CreateInstanceRequest.newBuilder()
                .addTasks(TaskstreamClient.task(str(task, "type"), parameters(task)))
                .setHold(true)
                .build());

    Instance held = client.getInstance(created.getName());
    assertEquals(instanceStatus(str(expect, "held_status")), held.getStatus());
    assertEquals(TaskStatus.valueOf(str(expect, "held_task_status")), held.getTasks(0).getStatus());
    client.resume(created.getName());
    Instance done = client.await(created.getName(), timeout(testCase));
    assertEquals(instanceStatus(str(expect, "instance_status")), done.getStatus());
    assertEquals(expect.get("successful").getAsBoolean(), done.getSuccessful());
  }

  private static void waitMany(JsonObject testCase, JsonObject expect) {
    Map<String, String> names = new LinkedHashMap<>(); // resource name -> role in the case
    for (String role : List.of("quick", "slow")) {
      JsonObject task = testCase.getAsJsonObject(role);
      names.put(client.createInstance(str(task, "type"), parameters(task)).getName(), role);
    }
    String slow =
        names.keySet().stream().filter(n -> names.get(n).equals("slow")).findFirst().orElseThrow();
    try {
      List<Instance> any = client.awaitAny(names.keySet(), timeout(testCase));
      assertTrue(expect.get("any_done").getAsBoolean(), "awaitAny returned");
      assertEquals(
          strings(expect, "any_terminated"),
          any.stream()
              .filter(i -> i.getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED)
              .map(i -> names.get(i.getName()))
              .toList());

      Duration allTimeout =
          Duration.ofMillis(Math.round(expect.get("all_timeout_seconds").getAsDouble() * 1000));
      boolean timedOut;
      try {
        client.awaitAll(names.keySet(), allTimeout);
        timedOut = false;
      } catch (WaitTimeoutException e) {
        timedOut = true;
        assertTrue(e.getMessage().contains(slow), e.getMessage());
        assertEquals(slow, e.instance().getName());
        assertEquals(
            names.keySet().stream().toList(),
            e.instances().stream().map(Instance::getName).toList());
      }
      assertEquals(expect.get("all_timed_out_error").getAsBoolean(), timedOut);
    } finally {
      client.stop(slow);
    }
  }

  private static void taskTypes(JsonObject expect) {
    Map<String, TaskType> types = new LinkedHashMap<>();
    client.listTaskTypes().forEach(t -> types.put(t.getName(), t));
    for (String name : strings(expect, "includes")) {
      assertTrue(types.containsKey(name), () -> name + " not in " + types.keySet());
      assertTrue(
          types.get(name).getWorkerCount() >= expect.get("workers_at_least").getAsInt(),
          () -> name + " offered by " + types.get(name).getWorkerCount());
    }
  }

  /** Checks what GetTaskResult returned against the expectations of a case. */
  private static void retryAttempts(JsonObject testCase, JsonObject expect) {
    JsonObject policy = testCase.getAsJsonObject("retry_policy");
    TaskRetryPolicy retry =
        TaskRetryPolicy.maxAttempts(policy.get("max_attempts").getAsInt())
            .withInitialBackoff(
                Duration.ofNanos(
                    Math.round(policy.get("initial_backoff_seconds").getAsDouble() * 1e9)))
            .withBackoffMultiplier(policy.get("backoff_multiplier").getAsDouble())
            .withNonRetryableErrorTypes(
                strings(policy, "non_retryable_error_types").toArray(String[]::new));
    TaskSpec spec =
        taskSpec(testCase.getAsJsonObject("task")).toBuilder()
            .setRetryPolicy(retry.toProto())
            .build();
    String name = client.createInstance(List.of(spec)).getName();
    client.await(name, timeout(testCase));

    TaskResult result = client.result(name);
    checkResult(result, expect);
    assertEquals(expect.get("attempts").getAsInt(), result.task().getAttempts());
    assertEquals(
        strings(expect, "attempt_history_statuses").stream().map(TaskStatus::valueOf).toList(),
        result.attemptHistory().stream().map(TaskAttempt::getStatus).toList());
    for (TaskAttempt attempt : result.attemptHistory()) {
      String type = attempt.getError().getType();
      assertTrue(type.endsWith(str(expect, "attempt_error_type_ends_with")), type);
    }
  }

  private static void dependencies(JsonObject testCase, JsonObject expect) {
    List<TaskSpec> tasks = taskSpecs(testCase);
    String name = client.createInstance(tasks).getName();
    Instance done = client.await(name, timeout(testCase));

    assertEquals(instanceStatus(str(expect, "instance_status")), done.getStatus());
    checkTasks(done, expect);
    // The first two tasks, each depending on the other, make a cycle.
    TaskSpec first = tasks.get(0);
    TaskSpec second = tasks.get(1);
    List<TaskSpec> cycle =
        List.of(
            first.toBuilder()
                .clearDependencies()
                .addDependencies(TaskDependency.newBuilder().setTask(second.getName()))
                .build(),
            second.toBuilder()
                .clearDependencies()
                .addDependencies(TaskDependency.newBuilder().setTask(first.getName()))
                .build());
    InvalidArgumentException refused =
        assertThrows(InvalidArgumentException.class, () -> client.createInstance(cycle));
    assertEquals(
        List.of(str(expect, "cycle_field")),
        refused.fieldViolations().stream().map(FieldViolation::field).toList());
  }

  private static void cancelTaskAndDelete(JsonObject testCase, JsonObject expect) {
    JsonObject cancel = testCase.getAsJsonObject("cancel");
    String task = str(cancel, "task");
    String name = client.createInstance(taskSpecs(testCase)).getName();
    Instance created = client.getInstance(name);
    for (var entry : expect.getAsJsonObject("waiting_reason_before").entrySet()) {
      assertEquals(
          WaitingReason.valueOf(entry.getValue().getAsString()),
          task(created, entry.getKey()).getWaitingReason(),
          entry.getKey());
    }
    try (InstanceWatch watch = client.watch(name)) {
      boolean running = false;
      while (!running && watch.hasNext()) {
        running = running(watch.next(), task);
      }
      assertTrue(running, "the watch ended before " + task + " ran");
    }
    client.cancelTask(
        name, task, CancellationReason.CANCELLATION_REASON_DIRECT, str(cancel, "message"));
    Instance done = client.await(name, timeout(testCase));

    checkTasks(done, expect);
    assertEquals(str(cancel, "message"), task(done, task).getCancellation().getMessage());
    client.deleteInstance(name);
    ApiException gone = assertThrows(ApiException.class, () -> client.getInstance(name));
    assertEquals(Status.Code.valueOf(str(expect, "after_delete_code")), gone.code());
    assertEquals(str(expect, "after_delete_reason"), gone.reason().orElseThrow());
  }

  private static void scheduleTrigger(JsonObject testCase, JsonObject expect) {
    String id = scheduleId(testCase);
    ScheduleTiming every =
        ScheduleTiming.every(
            Duration.ofMillis(Math.round(testCase.get("interval_seconds").getAsDouble() * 1000)));
    List<TaskSpec> tasks = List.of(taskSpec(testCase.getAsJsonObject("task")));
    CreateInstanceOptions labels = CreateInstanceOptions.DEFAULT;
    for (var label : testCase.getAsJsonObject("labels").entrySet()) {
      labels = labels.withLabel(label.getKey(), label.getValue().getAsString());
    }
    Schedule schedule =
        client.createSchedule(
            id,
            every,
            tasks,
            CreateScheduleOptions.DEFAULT
                .withOverlapPolicy(OverlapPolicy.valueOf(str(testCase, "overlap_policy")))
                .withInstanceOptions(labels));

    assertEquals(OverlapPolicy.valueOf(str(expect, "overlap_policy")), schedule.getOverlapPolicy());
    assertTrue(schedule.hasCreateTime() && schedule.hasNextFireTime(), schedule.toString());
    assertEquals(
        Duration.ofMillis(
            Math.round(expect.get("next_fire_after_create_seconds").getAsDouble() * 1000)),
        Duration.between(instant(schedule.getCreateTime()), instant(schedule.getNextFireTime())));

    ApiException duplicate =
        assertThrows(ApiException.class, () -> client.createSchedule(id, every, tasks));
    assertEquals(Status.Code.valueOf(str(expect, "duplicate_code")), duplicate.code());
    assertEquals(
        duplicate.code() == Status.Code.ALREADY_EXISTS,
        duplicate instanceof AlreadyExistsException,
        duplicate.getClass().getName());

    String triggered = client.triggerSchedule(schedule.getName()).getName();
    Instance instance = client.await(triggered, timeout(testCase));
    assertEquals(instanceStatus(str(expect, "instance_status")), instance.getStatus());
    assertEquals(expect.get("successful").getAsBoolean(), instance.getSuccessful());
    checkResult(client.result(instance.getName()), expect);
    assertEquals(schedule.getName(), instance.getSchedule());
    Map<String, String> labelsWanted = new LinkedHashMap<>();
    expect
        .getAsJsonObject("instance_labels")
        .entrySet()
        .forEach(e -> labelsWanted.put(e.getKey(), e.getValue().getAsString()));
    labelsWanted.put(str(expect, "schedule_label"), id);
    assertEquals(labelsWanted, instance.getLabelsMap());

    Schedule again = client.getSchedule(id);
    assertEquals(expect.get("fire_count").getAsLong(), again.getFireCount());
    assertEquals(instance.getName(), again.getLastInstance());
    // One per page, so that the iteration follows page tokens whenever the project has more.
    List<String> listed = client.listSchedules(1).stream().map(Schedule::getId).toList();
    assertTrue(listed.contains(id), "the list " + listed + " lacks " + id);

    client.deleteSchedule(id);
    ApiException gone = assertThrows(ApiException.class, () -> client.getSchedule(id));
    assertEquals(Status.Code.valueOf(str(expect, "after_delete_code")), gone.code());
  }

  private static void schedulePause(JsonObject testCase, JsonObject expect) {
    String id = scheduleId(testCase);
    List<TaskSpec> tasks = List.of(taskSpec(testCase.getAsJsonObject("task")));
    JsonObject cron = testCase.getAsJsonObject("cron");
    InvalidArgumentException refused =
        assertThrows(
            InvalidArgumentException.class,
            () -> client.createSchedule(id, ScheduleTiming.cron(str(expect, "bad_cron")), tasks));
    assertEquals(
        List.of(str(expect, "bad_cron_field")),
        refused.fieldViolations().stream().map(FieldViolation::field).toList());

    String zone = str(cron, "time_zone");
    Schedule schedule =
        client.createSchedule(id, ScheduleTiming.cron(str(cron, "expression"), zone), tasks);
    assertEquals(str(cron, "expression"), schedule.getCron().getExpression());
    assertEquals(zone, schedule.getCron().getTimeZone());
    assertTrue(schedule.hasNextFireTime(), schedule.toString());
    assertEquals(
        str(expect, "next_fire_local_time"),
        instant(schedule.getNextFireTime())
            .atZone(ZoneId.of(zone))
            .format(DateTimeFormatter.ofPattern("HH:mm")));

    Schedule paused = client.pauseSchedule(id);
    assertEquals(expect.get("paused_next_fire_time_set").getAsBoolean(), paused.hasNextFireTime());
    assertTrue(client.getSchedule(id).getPaused());
    // A paused schedule still starts an instance on demand.
    client.await(client.triggerSchedule(id).getName(), timeout(testCase));
    assertEquals(
        expect.get("trigger_while_paused_fire_count").getAsLong(),
        client.getSchedule(id).getFireCount());
    Schedule resumed = client.resumeSchedule(id);
    assertEquals(
        expect.get("resumed_next_fire_time_set").getAsBoolean(), resumed.hasNextFireTime());
    client.deleteSchedule(id);
  }

  /** The case's schedule_id_prefix, a dash and 8 hex digits new to this run. */
  private static String scheduleId(JsonObject testCase) {
    return str(testCase, "schedule_id_prefix")
        + "-"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
  }

  private static Instant instant(Timestamp time) {
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
  }

  /** Checks task_statuses, results_json and cancellation_reasons of the instance's tasks. */
  private static void checkTasks(Instance instance, JsonObject expect) {
    if (expect.has("task_statuses")) {
      for (var entry : expect.getAsJsonObject("task_statuses").entrySet()) {
        assertEquals(
            TaskStatus.valueOf(entry.getValue().getAsString()),
            task(instance, entry.getKey()).getStatus(),
            entry.getKey());
      }
    }
    if (expect.has("results_json")) {
      for (var entry : expect.getAsJsonObject("results_json").entrySet()) {
        assertEquals(
            plain(entry.getValue()),
            client.result(instance.getName(), entry.getKey()).value(),
            entry.getKey());
      }
    }
    if (expect.has("cancellation_reasons")) {
      for (var entry : expect.getAsJsonObject("cancellation_reasons").entrySet()) {
        assertEquals(
            CancellationReason.valueOf(entry.getValue().getAsString()),
            task(instance, entry.getKey()).getCancellation().getReason(),
            entry.getKey());
      }
    }
  }

  private static Task task(Instance instance, String name) {
    return instance.getTasksList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no task " + name + " in " + instance.getName()));
  }

  /** Whether the event shows the named task RUNNING. */
  private static boolean running(WatchEvent event, String task) {
    if (event instanceof WatchEvent.TaskStatusChanged change) {
      return change.taskName().equals(task) && change.status() == TaskStatus.TASK_STATUS_RUNNING;
    }
    return event instanceof WatchEvent.Snapshot snapshot
        && task(snapshot.instance(), task).getStatus() == TaskStatus.TASK_STATUS_RUNNING;
  }

  /** The task of a case as a spec: its type, parameters, name and dependencies. */
  private static TaskSpec taskSpec(JsonObject task) {
    TaskSpec.Builder spec = TaskstreamClient.task(str(task, "type"), parameters(task)).toBuilder();
    if (task.has("name")) {
      spec.setName(str(task, "name"));
    }
    if (task.has("depends_on")) {
      for (JsonElement element : task.getAsJsonArray("depends_on")) {
        JsonObject dependency = element.getAsJsonObject();
        spec.addDependencies(
            TaskDependency.newBuilder()
                .setTask(str(dependency, "task"))
                .setAllowFailure(
                    dependency.has("allow_failure")
                        && dependency.get("allow_failure").getAsBoolean()));
      }
    }
    return spec.build();
  }

  private static List<TaskSpec> taskSpecs(JsonObject testCase) {
    List<TaskSpec> specs = new ArrayList<>();
    for (JsonElement task : testCase.getAsJsonArray("tasks")) {
      specs.add(taskSpec(task.getAsJsonObject()));
    }
    return specs;
  }

  private static void checkResult(TaskResult result, JsonObject expect) {
    if (expect.has("task_status")) {
      assertEquals(TaskStatus.valueOf(str(expect, "task_status")), result.status());
    }
    if (expect.has("result_json")) {
      assertTrue(result.hasValue(), "no JSON or text result");
      assertEquals(plain(expect.get("result_json")), result.value());
    }
    for (String text : strings(expect, "stdout_contains")) {
      assertTrue(
          result.stdout().contains(text), () -> "stdout lacks " + text + ": " + result.stdout());
    }
    for (String text : strings(expect, "stderr_contains")) {
      assertTrue(
          result.stderr().contains(text), () -> "stderr lacks " + text + ": " + result.stderr());
    }
    if (expect.has("error_type_ends_with")) {
      String type = result.error().orElseThrow().getType();
      assertTrue(type.endsWith(str(expect, "error_type_ends_with")), type);
    }
    if (expect.has("error_message")) {
      assertEquals(str(expect, "error_message"), result.error().orElseThrow().getMessage());
    }
    if (expect.has("properties")) {
      Map<String, Object> properties = result.properties();
      for (var entry : expect.getAsJsonObject("properties").entrySet()) {
        var typed = entry.getValue().getAsJsonObject().entrySet().iterator().next();
        JsonElement value = typed.getValue();
        Object expected =
            switch (typed.getKey()) {
              case "int_value" -> value.getAsLong();
              case "string_value" -> value.getAsString();
              case "double_value" -> value.getAsDouble();
              case "bytes_value_base64" ->
                  ByteString.copyFrom(Base64.getDecoder().decode(value.getAsString()));
              default -> throw new AssertionError("unknown property kind " + typed.getKey());
            };
        assertEquals(expected, properties.get(entry.getKey()), entry.getKey());
      }
    }
    if (expect.has("cancellation_reason")) {
      assertEquals(
          CancellationReason.valueOf(str(expect, "cancellation_reason")),
          result.cancellation().orElseThrow().getReason());
    }
    if (expect.has("cancellation_message")) {
      assertEquals(
          str(expect, "cancellation_message"), result.cancellation().orElseThrow().getMessage());
    }
  }

  private static void checkSeqs(long cursor, List<Long> seqs, JsonObject expect) {
    assertEquals(
        expect.get("all_seqs_after_cursor").getAsBoolean(),
        seqs.stream().allMatch(seq -> seq > cursor),
        "seqs " + seqs + " after " + cursor);
    boolean increasing = true;
    for (int i = 1; i < seqs.size(); i++) {
      increasing &= seqs.get(i) > seqs.get(i - 1);
    }
    assertEquals(expect.get("seqs_strictly_increasing").getAsBoolean(), increasing, "seqs " + seqs);
  }

  /**
   * Watches a held instance to its end, resuming it once the first snapshot arrived: the task runs
   * only after the watch began, so every change it makes is seen as an event.
   */
  private static List<WatchEvent> watchHeld(String name) {
    List<WatchEvent> events = new ArrayList<>();
    try (InstanceWatch watch = client.watch(name)) {
      while (watch.hasNext()) {
        events.add(watch.next());
        if (events.size() == 1) {
          client
              .stub()
              .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
              .resumeInstance(ResumeInstanceRequest.newBuilder().setName(name).build());
        }
      }
    }
    assertTrue(!events.isEmpty(), "the watch reported nothing");
    return events;
  }

  private static Instance start(JsonObject testCase) {
    JsonObject task = testCase.getAsJsonObject("task");
    boolean hold = task.has("hold") && task.get("hold").getAsBoolean();
    return client.createInstance(
        CreateInstanceRequest.newBuilder()
            .addTasks(TaskstreamClient.task(str(task, "type"), parameters(task)))
            .setHold(hold)
            .build());
  }

  private static Map<String, Object> parameters(JsonObject task) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    task.getAsJsonObject("parameters")
        .entrySet()
        .forEach(e -> parameters.put(e.getKey(), plain(e.getValue())));
    return parameters;
  }

  /** A JSON value of the scenario as the plain Java value the client's API speaks. */
  private static Object plain(JsonElement json) {
    if (json.isJsonNull()) {
      return null;
    }
    if (json.isJsonArray()) {
      List<Object> list = new ArrayList<>();
      json.getAsJsonArray().forEach(e -> list.add(plain(e)));
      return list;
    }
    if (json.isJsonObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      json.getAsJsonObject().entrySet().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    JsonPrimitive primitive = json.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return primitive.getAsBoolean();
    }
    if (primitive.isString()) {
      return primitive.getAsString();
    }
    String number = primitive.getAsString();
    return number.matches("-?\\d+")
        ? (Object) Long.parseLong(number)
        : (Object) Double.parseDouble(number);
  }

  /** The case's {@code timeout_seconds}, a JSON number that may have a fraction (0.2). */
  private static Duration timeout(JsonObject testCase) {
    return Duration.ofMillis(Math.round(testCase.get("timeout_seconds").getAsDouble() * 1000));
  }

  private static boolean running(WatchEvent event) {
    if (event instanceof WatchEvent.TaskStatusChanged change) {
      return change.status() == TaskStatus.TASK_STATUS_RUNNING;
    }
    return event instanceof WatchEvent.Snapshot snapshot
        && snapshot.instance().getTasks(0).getStatus() == TaskStatus.TASK_STATUS_RUNNING;
  }

  private static Instance terminalSnapshot(List<WatchEvent> events) {
    return assertInstanceOf(WatchEvent.Snapshot.class, events.get(events.size() - 1)).instance();
  }

  private static String kind(WatchEvent event) {
    return event instanceof WatchEvent.Snapshot ? "snapshot" : "event";
  }

  private static String kind(WatchInstanceResponse message) {
    return message.hasSnapshot()
        ? "snapshot"
        : message.hasEvent() ? "event" : message.getKindCase().name();
  }

  private static List<WatchEvent> drain(InstanceWatch watch) {
    List<WatchEvent> events = new ArrayList<>();
    try (watch) {
      watch.forEachRemaining(events::add);
    }
    assertTrue(!events.isEmpty(), "the watch reported nothing");
    return events;
  }

  private static InstanceStatus instanceStatus(String name) {
    return InstanceStatus.valueOf(name);
  }

  private static String str(JsonObject object, String key) {
    return object.get(key).getAsString();
  }

  private static List<String> strings(JsonObject object, String key) {
    if (!object.has(key)) {
      return List.of();
    }
    List<String> values = new ArrayList<>();
    object.getAsJsonArray(key).forEach(v -> values.add(v.getAsString()));
    return values;
  }

  private static JsonObject loadScenario() throws IOException {
    Path path = LiveServer.repo().resolve("tests/conformance/scenario.json");
    return JsonParser.parseString(Files.readString(path)).getAsJsonObject();
  }
}
