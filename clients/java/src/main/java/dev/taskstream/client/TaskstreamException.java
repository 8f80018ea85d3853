package dev.taskstream.client;

/**
 * The root of every exception the taskstream client throws.
 *
 * <pre>
 * TaskstreamException
 * ├── ApiException                    a call failed with a gRPC status; code, details, reason
 * │   ├── NotFoundException           NOT_FOUND: no such instance or task
 * │   ├── InvalidArgumentException    INVALID_ARGUMENT: a bad request; fieldViolations()
 * │   ├── FailedPreconditionException FAILED_PRECONDITION, e.g. stopping a terminated instance
 * │   ├── PermissionDeniedException   PERMISSION_DENIED
 * │   ├── UnauthenticatedException    UNAUTHENTICATED
 * │   └── UnavailableException        UNAVAILABLE: the server cannot be reached
 * ├── WaitTimeoutException            a wait ran out of time; instance() is the last state seen
 * └── InstanceFailedException         execute or awaitSuccess: the instance ended unsuccessfully;
 *                                     instance() and failedTask() with its status and error
 * </pre>
 *
 * <p>Codes without a class of their own (DEADLINE_EXCEEDED, INTERNAL …) throw a plain {@link
 * ApiException}. A task that fails is an exception only where success was asked for ({@code
 * execute}, {@code awaitSuccess}); elsewhere its status and error are data, in the {@code Instance}
 * and in {@link TaskResult}.
 */
public class TaskstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TaskstreamException(String message) {
    super(message);
  }

  public TaskstreamException(String message, Throwable cause) {
    super(message, cause);
  }
}
