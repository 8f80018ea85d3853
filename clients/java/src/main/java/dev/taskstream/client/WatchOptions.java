package dev.taskstream.client;

/**
 * How to watch an instance: where to start, and which extra events to report.
 *
 * <pre>{@code
 * client.watch(name, WatchOptions.DEFAULT.withAfterSeq(cursor).withIncludeOutput(true));
 * }</pre>
 *
 * @param afterSeq resume after this sequence number; 0 starts with a snapshot
 * @param includeOutput also report the tasks' stdout and stderr as {@link
 *     WatchEvent.TaskOutputAppended} events
 * @param heartbeats also report the server's heartbeats as {@link WatchEvent.Heartbeat} events
 */
public record WatchOptions(long afterSeq, boolean includeOutput, boolean heartbeats) {
  /** From the start, without output or heartbeats. */
  public static final WatchOptions DEFAULT = new WatchOptions(0, false, false);

  public WatchOptions {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be >= 0, not " + afterSeq);
    }
  }

  /** These options, resuming after {@code seq}. */
  public WatchOptions withAfterSeq(long seq) {
    return new WatchOptions(seq, includeOutput, heartbeats);
  }

  /** These options, with or without output events. */
  public WatchOptions withIncludeOutput(boolean include) {
    return new WatchOptions(afterSeq, include, heartbeats);
  }

  /** These options, with or without heartbeat events. */
  public WatchOptions withHeartbeats(boolean report) {
    return new WatchOptions(afterSeq, includeOutput, report);
  }
}
