package dev.taskstream.client;

import dev.taskstream.v1.InstanceStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which instances {@link TaskstreamClient#watchInstances(WatchInstancesOptions)} follows, and from
 * where. Every filter given must hold.
 *
 * <pre>{@code
 * WatchInstancesOptions.DEFAULT
 *     .withStatuses(InstanceStatus.INSTANCE_STATUS_RUNNING)
 *     .withLabel("team", "search")
 *     .withTaskTypes("sql")
 *     .withAfterSeq(cursor);
 * }</pre>
 *
 * @param statuses only instances in one of these statuses; empty means any. The change that takes
 *     an instance out of them is still reported, so the follower sees it go
 * @param owner only instances created by this principal; null means anyone's
 * @param labels only instances that carry every one of these labels with the same value
 * @param taskTypes only instances with a task of one of these types; empty means any
 * @param createTimeStart only instances created at or after this time; null means no lower bound
 * @param createTimeEnd only instances created before this time; null means no upper bound
 * @param snapshotLimit the most instances a snapshot holds (the newest); 0 means the server's 1000
 * @param afterSeq resume after this project sequence number (the last one seen, a heartbeat's
 *     included); 0 starts with a snapshot
 * @param heartbeats also report the server's heartbeats as {@link ProjectEvent.Heartbeat} events
 */
public record WatchInstancesOptions(
    List<InstanceStatus> statuses,
    String owner,
    Map<String, String> labels,
    List<String> taskTypes,
    Instant createTimeStart,
    Instant createTimeEnd,
    int snapshotLimit,
    long afterSeq,
    boolean heartbeats) {
  /** Every instance of the project, from a new snapshot, without heartbeats. */
  public static final WatchInstancesOptions DEFAULT =
      new WatchInstancesOptions(List.of(), null, Map.of(), List.of(), null, null, 0, 0, false);

  public WatchInstancesOptions {
    statuses = List.copyOf(statuses);
    labels = Map.copyOf(labels);
    taskTypes = List.copyOf(taskTypes);
    if (snapshotLimit < 0) {
      throw new IllegalArgumentException("snapshotLimit must be >= 0, not " + snapshotLimit);
    }
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be >= 0, not " + afterSeq);
    }
  }

  /** These options, keeping only instances in one of {@code statuses} (none: any status). */
  public WatchInstancesOptions withStatuses(InstanceStatus... statuses) {
    return new WatchInstancesOptions(
        List.of(statuses),
        owner,
        labels,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        afterSeq,
        heartbeats);
  }

  /** These options, keeping only instances created by {@code owner} (null: anyone). */
  public WatchInstancesOptions withOwner(String owner) {
    return new WatchInstancesOptions(
        statuses,
        owner,
        labels,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        afterSeq,
        heartbeats);
  }

  /**
   * These options, keeping only instances that also carry the label {@code key} = {@code value}.
   */
  public WatchInstancesOptions withLabel(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(labels);
    more.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new WatchInstancesOptions(
        statuses,
        owner,
        more,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        afterSeq,
        heartbeats);
  }

  /** These options, keeping only instances with a task of one of {@code types} (none: any). */
  public WatchInstancesOptions withTaskTypes(String... types) {
    return new WatchInstancesOptions(
        statuses,
        owner,
        labels,
        List.of(types),
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        afterSeq,
        heartbeats);
  }

  /**
   * These options, keeping only instances created at or after {@code start} and before {@code end};
   * null leaves that side open.
   */
  public WatchInstancesOptions withCreateTimeRange(Instant start, Instant end) {
    return new WatchInstancesOptions(
        statuses, owner, labels, taskTypes, start, end, snapshotLimit, afterSeq, heartbeats);
  }

  /** These options, with snapshots of at most {@code limit} instances (0: the server's 1000). */
  public WatchInstancesOptions withSnapshotLimit(int limit) {
    return new WatchInstancesOptions(
        statuses,
        owner,
        labels,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        limit,
        afterSeq,
        heartbeats);
  }

  /** These options, resuming after the project sequence number {@code seq}. */
  public WatchInstancesOptions withAfterSeq(long seq) {
    return new WatchInstancesOptions(
        statuses,
        owner,
        labels,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        seq,
        heartbeats);
  }

  /** These options, with or without heartbeat events. */
  public WatchInstancesOptions withHeartbeats(boolean report) {
    return new WatchInstancesOptions(
        statuses,
        owner,
        labels,
        taskTypes,
        createTimeStart,
        createTimeEnd,
        snapshotLimit,
        afterSeq,
        report);
  }
}
