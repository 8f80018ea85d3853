package dev.taskstream.client;

import dev.taskstream.v1.CronSpec;
import dev.taskstream.v1.Schedule;
import java.time.Duration;
import java.util.Objects;

/**
 * When a schedule fires: at the times of a cron expression on a time zone's wall clock ({@link
 * #cron(String, String)}), or every so often ({@link #every(Duration)}). Immutable.
 */
public final class ScheduleTiming {
  // A Schedule with only its timing set.
  private final Schedule timing;

  private ScheduleTiming(Schedule timing) {
    this.timing = timing;
  }

  /**
   * Every {@code interval} (1 second to 366 days), counted from the schedule's creation: the first
   * firing comes one interval after it.
   */
  public static ScheduleTiming every(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, not " + interval);
    }
    return new ScheduleTiming(Schedule.newBuilder().setInterval(Values.duration(interval)).build());
  }

  /** At the times a cron expression matches on the UTC clock; see {@link #cron(String, String)}. */
  public static ScheduleTiming cron(String expression) {
    return cron(expression, "");
  }

  /**
   * At the times a five-field cron expression ({@code "0 2 * * *"}: minute, hour, day of month,
   * month, day of week; {@code @hourly}, {@code @daily}, {@code @weekly}, {@code @monthly} and
   * {@code @yearly} too) matches on the wall clock of an IANA time zone such as {@code
   * "Europe/Paris"} (empty: UTC). A wall time the clock skips fires after the jump, one that occurs
   * twice fires once.
   */
  public static ScheduleTiming cron(String expression, String timeZone) {
    CronSpec cron =
        CronSpec.newBuilder()
            .setExpression(Objects.requireNonNull(expression, "expression"))
            .setTimeZone(Objects.requireNonNull(timeZone, "timeZone"))
            .build();
    return new ScheduleTiming(Schedule.newBuilder().setCron(cron).build());
  }

  /** {@code schedule} with this timing set. */
  Schedule.Builder applyTo(Schedule.Builder schedule) {
    return schedule.mergeFrom(timing);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ScheduleTiming t && timing.equals(t.timing);
  }

  @Override
  public int hashCode() {
    return timing.hashCode();
  }

  @Override
  public String toString() {
    return "ScheduleTiming{" + timing.toString().replace('\n', ' ').trim() + "}";
  }
}
