package dev.taskstream.client;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way this client makes a unary call (as a CompletableFuture whose cancellation cancels the
 * call) and the one way its blocking methods wait for such a future.
 */
final class Calls {
  private Calls() {}

  /**
   * Starts a unary call through {@code start} (a generated async stub method given the observer)
   * and completes with its response mapped by {@code map}; a failed call completes exceptionally
   * with the {@link ApiException} of its status, and so does a {@code map} that throws one.
   */
  static <R, T> CompletableFuture<T> unary(
      Consumer<StreamObserver<R>> start, Function<? super R, ? extends T> map) {
    UnaryObserver<R, T> observer = new UnaryObserver<>(map);
    start.accept(observer);
    return observer.future;
  }

  /** A unary call completing with its response as it is; see {@link #unary(Consumer, Function)}. */
  static <R> CompletableFuture<R> unary(Consumer<StreamObserver<R>> start) {
    return unary(start, Function.identity());
  }

  /** The future's value, for the blocking API: its failure is thrown as it is. */
  static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new TaskstreamException("interrupted while waiting for the server", e);
    }
  }

  /** The failure of a future, as it was raised (not wrapped in a CompletionException). */
  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof Error error) {
      throw error;
    }
    if (cause instanceof RuntimeException runtime) {
      // The failure was raised on a gRPC thread: keep where the blocked caller was, too.
      runtime.addSuppressed(new CallSite());
      return runtime;
    }
    return new TaskstreamException(String.valueOf(cause), cause);
  }

  /** Marks, in a suppressed exception, the blocking call an asynchronous failure surfaced from. */
  private static final class CallSite extends TaskstreamException {
    private static final long serialVersionUID = 1L;

    CallSite() {
      super("the blocking call that received this failure");
    }
  }

  private static final class UnaryObserver<R, T> implements ClientResponseObserver<Object, R> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final Function<? super R, ? extends T> map;
    private R response;

    UnaryObserver(Function<? super R, ? extends T> map) {
      this.map = map;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> call) {
      future.whenComplete(
          (value, error) -> {
            if (error instanceof CancellationException) {
              call.cancel("cancelled by the caller", null);
            }
          });
    }

    @Override
    public void onNext(R value) {
      response = value;
    }

    @Override
    public void onError(Throwable error) {
      future.completeExceptionally(
          error instanceof StatusRuntimeException e ? ApiException.from(e) : error);
    }

    @Override
    public void onCompleted() {
      try {
        future.complete(map.apply(response));
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
      }
    }
  }
}
