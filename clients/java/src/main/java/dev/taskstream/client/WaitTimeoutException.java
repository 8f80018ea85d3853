package dev.taskstream.client;

import dev.taskstream.v1.Instance;
import java.time.Duration;

/** A wait ran out of time before the instance terminated; {@link #instance()} is its last state. */
public class WaitTimeoutException extends TaskstreamException {
  private static final long serialVersionUID = 1L;

  private final transient Instance instance;

  WaitTimeoutException(Instance instance, Duration timeout) {
    super("instance " + instance.getName() + " did not terminate within " + timeout);
    this.instance = instance;
  }

  /** The instance as it was when the wait gave up; its status is not TERMINATED. */
  public Instance instance() {
    return instance;
  }
}
