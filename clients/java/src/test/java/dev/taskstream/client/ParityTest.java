package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.taskstream.v1.ColumnType;
import dev.taskstream.v1.GetLogviewAddressRequest;
import dev.taskstream.v1.GetLogviewAddressResponse;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.ListInstancesRequest;
import dev.taskstream.v1.ListInstancesResponse;
import dev.taskstream.v1.ListSubInstancesRequest;
import dev.taskstream.v1.ListSubInstancesResponse;
import dev.taskstream.v1.ListTaskResultRowsRequest;
import dev.taskstream.v1.ListTaskResultRowsResponse;
import dev.taskstream.v1.ListTaskTypesResponse;
import dev.taskstream.v1.OutputStream;
import dev.taskstream.v1.ReadTaskOutputRequest;
import dev.taskstream.v1.ReadTaskOutputResponse;
import dev.taskstream.v1.ResultCell;
import dev.taskstream.v1.ResultColumn;
import dev.taskstream.v1.ResultRow;
import dev.taskstream.v1.ResumeInstanceRequest;
import dev.taskstream.v1.ResumeInstanceResponse;
import dev.taskstream.v1.SubInstance;
import dev.taskstream.v1.SuspendInstanceRequest;
import dev.taskstream.v1.SuspendInstanceResponse;
import dev.taskstream.v1.TaskType;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Java client has in common with the Python one, against a scripted InstanceService. */
class ParityTest extends FakeServerTest {

  @Test
  void listInstancesSendsEveryFilterAndFetchesTheNextPageOnlyWhenReached() {
    fake.lists.add(page(List.of("3", "2"), "t1"));
    fake.lists.add(page(List.of("1"), ""));
    Instant start = Instant.parse("2026-11-21T10:00:00.5Z");
    Instant end = Instant.parse("2026-11-22T10:00:00Z");

    PagedIterable<Instance> listed =
        client.listInstances(
            ListInstancesOptions.DEFAULT
                .withStatuses(
                    InstanceStatus.INSTANCE_STATUS_TERMINATED,
                    InstanceStatus.INSTANCE_STATUS_SUSPENDED)
                .withOwner("bob")
                .withCreateTimeRange(start, end)
                .withLabel("team", "search")
                .withLabel("run", "7")
                .withPageSize(2));

    ListInstancesRequest first = fake.requests(ListInstancesRequest.class).get(0);
    assertEquals("projects/p", first.getParent());
    assertEquals(2, first.getPageSize());
    assertEquals("", first.getPageToken());
    assertEquals(
        List.of(
            InstanceStatus.INSTANCE_STATUS_TERMINATED, InstanceStatus.INSTANCE_STATUS_SUSPENDED),
        first.getStatusesList());
    assertEquals("bob", first.getOwner());
    assertEquals(
        Timestamp.newBuilder().setSeconds(start.getEpochSecond()).setNanos(500_000_000).build(),
        first.getCreateTimeStart());
    assertEquals(end.getEpochSecond(), first.getCreateTimeEnd().getSeconds());
    assertEquals(Map.of("team", "search", "run", "7"), first.getLabelsMap());

    Iterator<Instance> items = listed.iterator();
    assertEquals("3", items.next().getId());
    assertEquals("2", items.next().getId());
    assertEquals(1, fake.requests(ListInstancesRequest.class).size(), "page 2 not fetched yet");
    assertEquals("1", items.next().getId());
    assertFalse(items.hasNext());

    ListInstancesRequest second = fake.requests(ListInstancesRequest.class).get(1);
    assertEquals("t1", second.getPageToken());
    assertEquals(first.toBuilder().setPageToken("t1").build(), second);
  }

  @Test
  void noFiltersSendNone() {
    fake.lists.add(page(List.of(), ""));

    assertFalse(client.listInstances().iterator().hasNext());

    ListInstancesRequest request = fake.requests(ListInstancesRequest.class).get(0);
    assertEquals(ListInstancesRequest.newBuilder().setParent("projects/p").build(), request);
  }

  @Test
  void anEmptyPageWithATokenIsSkippedAndStreamsReadEveryPage() {
    fake.lists.add(page(List.of("5"), "a"));
    fake.lists.add(page(List.of(), "b"));
    fake.lists.add(page(List.of("4"), ""));

    assertEquals(List.of("5", "4"), client.listInstances().stream().map(Instance::getId).toList());
    assertEquals(3, fake.requests(ListInstancesRequest.class).size());
  }

  @Test
  void pagesAreFetchedOneAtATimeAsTheyAreAskedFor() {
    fake.lists.add(page(List.of("5"), "a"));
    fake.lists.add(page(List.of("4"), ""));

    Iterator<Page<Instance>> pages = client.listInstances().pages().iterator();
    assertEquals("5", pages.next().items().get(0).getId());
    assertEquals(1, fake.requests(ListInstancesRequest.class).size());
    assertEquals("4", pages.next().items().get(0).getId());

    assertFalse(pages.hasNext());
    assertEquals(2, fake.requests(ListInstancesRequest.class).size());
  }

  @Test
  void aFailedLaterPageIsThrownWhereTheIterationReachesIt() {
    fake.lists.add(page(List.of("5"), "a"));
    fake.lists.add(Status.UNAVAILABLE.withDescription("gone").asRuntimeException());

    Iterator<Instance> items = client.listInstances().iterator();
    items.next();

    assertThrows(UnavailableException.class, items::hasNext);
  }

  @Test
  void subInstancesComeFromEveryPageInOrder() {
    fake.subInstances.add(
        ListSubInstancesResponse.newBuilder()
            .addSubInstances(sub("DescInputTable"))
            .setNextPageToken("n")
            .build());
    fake.subInstances.add(
        ListSubInstancesResponse.newBuilder().addSubInstances(sub("AppendID")).build());

    List<String> names = new ArrayList<>();
    client.listSubInstances("w").forEach(s -> names.add(s.getName()));

    assertEquals(List.of("DescInputTable", "AppendID"), names);
    List<ListSubInstancesRequest> requests = fake.requests(ListSubInstancesRequest.class);
    assertEquals("projects/p/instances/w", requests.get(0).getParent());
    assertEquals("n", requests.get(1).getPageToken());
  }

  @Test
  void resultRowsAreTypedWithTheirColumnsAcrossPages() {
    fake.rows.add(
        rows("p2", row(cell(5.1), cell("Iris-setosa"), cell(3L)), row(cell(4.9), null, cell(true)))
            .build());
    fake.rows.add(rows("", row(cell(4.7), cell("Iris-setosa"), cell(1L))).build());

    ResultRows result = client.resultRows(NAME, "AnonymousSQLTask", 2);

    List<Column> columns =
        List.of(
            new Column("sepallength", ColumnType.COLUMN_TYPE_DOUBLE),
            new Column("name", ColumnType.COLUMN_TYPE_STRING),
            new Column("n", ColumnType.COLUMN_TYPE_INTEGER));
    assertEquals(columns, result.columns());
    List<Row> all = result.stream().toList();
    assertEquals(3, all.size());
    assertEquals(List.of(5.1, "Iris-setosa", 3L), all.get(0).values());
    assertEquals("Iris-setosa", all.get(0).get("name"));
    assertEquals(5.1, all.get(0).get(0));
    assertEquals(columns, all.get(2).columns());
    assertEquals(4.9, all.get(1).get("sepallength"));
    assertEquals(null, all.get(1).get("name"));
    assertEquals(true, all.get(1).get(2));
    assertEquals("[4.7, Iris-setosa, 1]", all.get(2).toString());
    assertThrows(IllegalArgumentException.class, () -> all.get(0).get("nope"));
    ListTaskResultRowsRequest first = fake.requests(ListTaskResultRowsRequest.class).get(0);
    assertEquals(NAME, first.getInstance());
    assertEquals("AnonymousSQLTask", first.getTask());
    assertEquals(2, first.getPageSize());
    assertEquals("p2", fake.requests(ListTaskResultRowsRequest.class).get(1).getPageToken());
  }

  @Test
  void aResultWithoutRowsStillHasItsColumns() {
    fake.rows.add(rows("").build());

    ResultRows result = client.resultRows(NAME, "");

    assertEquals(3, result.columns().size());
    assertFalse(result.iterator().hasNext());
  }

  @Test
  void aNonTabularResultIsAFailedPrecondition() {
    fake.rows.add(
        Status.FAILED_PRECONDITION.withDescription("RESULT_NOT_TABULAR").asRuntimeException());

    assertThrows(FailedPreconditionException.class, () -> client.resultRows(NAME, ""));
  }

  @Test
  void readOutputFollowsAndResumesAtTheNextByteWithoutRepeats() {
    fake.outputs.add(
        new FakeInstanceService.Stream<>(
            List.of(chunk(0, "hello "), chunk(6, "wor")),
            Status.UNAVAILABLE.withDescription("reset").asRuntimeException()));
    // The resumed stream starts a little early: the client drops what it already returned.
    fake.outputs.add(new FakeInstanceService.Stream<>(List.of(chunk(7, "orld\n")), null));

    List<OutputChunk> chunks = new ArrayList<>();
    try (OutputReader reader =
        client.readOutput(NAME, "t", OutputOptions.STDERR.withFollow(true))) {
      reader.forEachRemaining(chunks::add);
    }

    assertEquals(
        List.of(
            new OutputChunk(0, ByteString.copyFromUtf8("hello "), 0),
            new OutputChunk(6, ByteString.copyFromUtf8("wor"), 0),
            new OutputChunk(9, ByteString.copyFromUtf8("ld\n"), 0)),
        chunks);
    List<ReadTaskOutputRequest> requests = fake.requests(ReadTaskOutputRequest.class);
    assertEquals(NAME, requests.get(0).getInstance());
    assertEquals("t", requests.get(0).getTask());
    assertEquals(OutputStream.OUTPUT_STREAM_STDERR, requests.get(0).getStream());
    assertTrue(requests.get(0).getFollow());
    assertEquals(0, requests.get(0).getOffset());
    assertEquals(9, requests.get(1).getOffset());
  }

  @Test
  void aNegativeOffsetReadsTheTail() {
    fake.outputs.add(
        new FakeInstanceService.Stream<>(
            List.of(
                ReadTaskOutputResponse.newBuilder()
                    .setOffset(93)
                    .setData(ByteString.copyFromUtf8("last 7\n"))
                    .setCutBytes(0)
                    .build()),
            null));

    ByteString tail = client.readOutput(NAME, "", OutputOptions.STDOUT.withOffset(-7)).readAll();

    assertEquals("last 7\n", tail.toStringUtf8());
    ReadTaskOutputRequest request = fake.requests(ReadTaskOutputRequest.class).get(0);
    assertEquals(-7, request.getOffset());
    assertFalse(request.getFollow());
  }

  @Test
  void readingOutputOfAnUnknownTaskIsNotFound() {
    fake.outputs.add(
        new FakeInstanceService.Stream<>(List.of(), Status.NOT_FOUND.asRuntimeException()));

    OutputReader reader = client.readOutput(NAME, "nope", OutputOptions.STDOUT);

    assertThrows(NotFoundException.class, reader::hasNext);
    assertEquals(1, fake.requests(ReadTaskOutputRequest.class).size(), "not retried");
  }

  @Test
  void logviewAddressSendsHoursOnlyWhenGiven() {
    fake.logviews.add(GetLogviewAddressResponse.newBuilder().setUrl("http://x/a").build());
    fake.logviews.add(GetLogviewAddressResponse.newBuilder().setUrl("http://x/b").build());

    assertEquals("http://x/a", client.getLogviewAddress("i1"));
    assertEquals("http://x/b", client.getLogviewAddress("i1", 2));

    List<GetLogviewAddressRequest> requests = fake.requests(GetLogviewAddressRequest.class);
    assertEquals("projects/p/instances/i1", requests.get(0).getName());
    assertFalse(requests.get(0).hasHours());
    assertEquals(2, requests.get(1).getHours());
    assertThrows(IllegalArgumentException.class, () -> client.getLogviewAddress("i1", 0));
  }

  @Test
  void suspendAndResumeNameTheInstance() {
    fake.suspends.add(
        SuspendInstanceResponse.newBuilder()
            .setInstance(instance(2, running().setStatus(InstanceStatus.INSTANCE_STATUS_SUSPENDED)))
            .build());
    fake.resumes.add(
        ResumeInstanceResponse.newBuilder().setInstance(instance(3, running())).build());

    assertEquals(
        InstanceStatus.INSTANCE_STATUS_SUSPENDED,
        client.suspend("20261121103000123abcdefgh").getStatus());
    assertEquals(InstanceStatus.INSTANCE_STATUS_RUNNING, client.resume(NAME).getStatus());

    assertEquals(NAME, fake.requests(SuspendInstanceRequest.class).get(0).getName());
    assertEquals(NAME, fake.requests(ResumeInstanceRequest.class).get(0).getName());
  }

  @Test
  void taskTypesComeWithTheirWorkerCounts() {
    TaskType echo = TaskType.newBuilder().setName("echo").setWorkerCount(2).build();
    TaskType sql = TaskType.newBuilder().setName("sql").setWorkerCount(1).build();
    fake.taskTypes.add(
        ListTaskTypesResponse.newBuilder().addTaskTypes(echo).addTaskTypes(sql).build());

    assertEquals(List.of(echo, sql), client.listTaskTypes());
  }

  private static ListInstancesResponse page(List<String> ids, String next) {
    ListInstancesResponse.Builder page = ListInstancesResponse.newBuilder().setNextPageToken(next);
    ids.forEach(id -> page.addInstances(named(id, terminated())));
    return page.build();
  }

  private static SubInstance sub(String name) {
    return SubInstance.newBuilder()
        .setName(name)
        .setTask("t")
        .setInstance(named(name.toLowerCase(), terminated()))
        .build();
  }

  private static ListTaskResultRowsResponse.Builder rows(String next, ResultRow... rows) {
    return ListTaskResultRowsResponse.newBuilder()
        .addColumns(column("sepallength", ColumnType.COLUMN_TYPE_DOUBLE))
        .addColumns(column("name", ColumnType.COLUMN_TYPE_STRING))
        .addColumns(column("n", ColumnType.COLUMN_TYPE_INTEGER))
        .addAllRows(List.of(rows))
        .setNextPageToken(next);
  }

  private static ResultColumn column(String name, ColumnType type) {
    return ResultColumn.newBuilder().setName(name).setType(type).build();
  }

  /** A row; a null cell is SQL NULL. */
  private static ResultRow row(ResultCell... cells) {
    ResultRow.Builder row = ResultRow.newBuilder();
    for (ResultCell cell : cells) {
      row.addCells(cell == null ? ResultCell.getDefaultInstance() : cell);
    }
    return row.build();
  }

  private static ResultCell cell(Object value) {
    ResultCell.Builder cell = ResultCell.newBuilder();
    if (value instanceof Double d) {
      cell.setDoubleValue(d);
    } else if (value instanceof Long l) {
      cell.setIntValue(l);
    } else if (value instanceof Boolean b) {
      cell.setBoolValue(b);
    } else {
      cell.setStringValue((String) value);
    }
    return cell.build();
  }

  private static ReadTaskOutputResponse chunk(long offset, String data) {
    return ReadTaskOutputResponse.newBuilder()
        .setOffset(offset)
        .setData(ByteString.copyFromUtf8(data))
        .build();
  }
}
