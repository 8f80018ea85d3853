package dev.taskstream.client;

import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A wait ran out of time: of one instance ({@code await}, {@code execute}) or of several ({@code
 * awaitAll}, {@code awaitAny}). The message names the instances still running; {@link #instances()}
 * is every instance waited for as last seen.
 */
public class WaitTimeoutException extends TaskstreamException {
  private static final long serialVersionUID = 1L;

  private final transient List<Instance> instances;
  private final Duration timeout;

  WaitTimeoutException(Instance instance, Duration timeout) {
    this(List.of(instance), timeout);
  }

  WaitTimeoutException(List<Instance> instances, Duration timeout) {
    super(message(instances, timeout));
    this.instances = List.copyOf(instances);
    this.timeout = timeout;
  }

  /**
   * The instance that did not terminate in time, as last seen (its status is not TERMINATED); of
   * several, the first of them.
   */
  public Instance instance() {
    return running(instances).stream().findFirst().orElse(instances.get(0));
  }

  /** Every instance the wait was for, as last seen, in the order given. */
  public List<Instance> instances() {
    return instances;
  }

  /** The timeout that passed. */
  public Duration timeout() {
    return timeout;
  }

  private static List<Instance> running(List<Instance> instances) {
    return instances.stream()
        .filter(i -> i.getStatus() != InstanceStatus.INSTANCE_STATUS_TERMINATED)
        .toList();
  }

  private static String message(List<Instance> instances, Duration timeout) {
    List<Instance> running = running(instances);
    List<Instance> named = running.isEmpty() ? instances : running;
    String names = named.stream().map(Instance::getName).collect(Collectors.joining(", "));
    return (named.size() == 1
            ? "instance " + names + " did not"
            : "instances " + names + " did not")
        + " terminate within "
        + timeout;
  }
}
