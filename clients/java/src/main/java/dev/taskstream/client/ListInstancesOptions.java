package dev.taskstream.client;

import dev.taskstream.v1.InstanceStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which instances {@link TaskstreamClient#listInstances(ListInstancesOptions)} lists, and how many
 * per page. Every filter given must hold.
 *
 * <pre>{@code
 * ListInstancesOptions.DEFAULT
 *     .withStatuses(InstanceStatus.INSTANCE_STATUS_TERMINATED)
 *     .withOwner("alice")
 *     .withCreateTimeRange(Instant.now().minus(Duration.ofDays(1)), null)
 *     .withLabel("team", "search")
 *     .withPageSize(200);
 * }</pre>
 *
 * @param statuses only instances in one of these statuses; empty means any
 * @param owner only instances created by this principal; null means anyone's
 * @param createTimeStart only instances created at or after this time; null means no lower bound
 * @param createTimeEnd only instances created before this time; null means no upper bound
 * @param labels only instances that carry every one of these labels with the same value
 * @param pageSize instances per call; 0 means the server's default (50), at most 1000
 */
public record ListInstancesOptions(
    List<InstanceStatus> statuses,
    String owner,
    Instant createTimeStart,
    Instant createTimeEnd,
    Map<String, String> labels,
    int pageSize) {
  /** Every instance of the project, 50 per call. */
  public static final ListInstancesOptions DEFAULT =
      new ListInstancesOptions(List.of(), null, null, null, Map.of(), 0);

  public ListInstancesOptions {
    statuses = List.copyOf(statuses);
    labels = Map.copyOf(labels);
    if (pageSize < 0) {
      throw new IllegalArgumentException("pageSize must be >= 0, not " + pageSize);
    }
  }

  /** These options, keeping only instances in one of {@code statuses} (none: any status). */
  public ListInstancesOptions withStatuses(InstanceStatus... statuses) {
    return new ListInstancesOptions(
        List.of(statuses), owner, createTimeStart, createTimeEnd, labels, pageSize);
  }

  /** These options, keeping only instances created by {@code owner} (null: anyone). */
  public ListInstancesOptions withOwner(String owner) {
    return new ListInstancesOptions(
        statuses, owner, createTimeStart, createTimeEnd, labels, pageSize);
  }

  /**
   * These options, keeping only instances created at or after {@code start} and before {@code end};
   * null leaves that side open.
   */
  public ListInstancesOptions withCreateTimeRange(Instant start, Instant end) {
    return new ListInstancesOptions(statuses, owner, start, end, labels, pageSize);
  }

  /**
   * These options, keeping only instances that also carry the label {@code key} = {@code value}.
   */
  public ListInstancesOptions withLabel(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(labels);
    more.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new ListInstancesOptions(
        statuses, owner, createTimeStart, createTimeEnd, more, pageSize);
  }

  /** These options, listing {@code pageSize} instances per call (0: the server's default). */
  public ListInstancesOptions withPageSize(int pageSize) {
    return new ListInstancesOptions(
        statuses, owner, createTimeStart, createTimeEnd, labels, pageSize);
  }
}
