package dev.taskstream.client;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks one at a time in the order submitted, on the thread that submits when no other is
 * running them; a task submitted from inside a task runs after it, never nested. One stream's state
 * is touched only from here, so gRPC callbacks, timers and a subscriber's requests never race.
 */
final class SerialExecutor implements Executor {
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (queued.getAndIncrement() != 0) {
      return; // Another thread (or this one, further up) is draining.
    }
    do {
      Runnable next = tasks.poll();
      try {
        next.run();
      } catch (RuntimeException e) {
        Thread thread = Thread.currentThread();
        thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
      }
    } while (queued.decrementAndGet() != 0);
  }
}
