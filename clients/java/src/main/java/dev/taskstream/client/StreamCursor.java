package dev.taskstream.client;

import io.grpc.stub.ClientResponseObserver;

/**
 * Where one logical server stream stands (a watch's seq, an output read's next byte), so that a
 * dropped call can be reopened from there without losing or repeating anything. Used only from its
 * stream's {@link SerialExecutor}.
 *
 * @param <R> the messages of the gRPC stream
 * @param <T> the items handed to the subscriber
 */
interface StreamCursor<R, T> {
  /** Opens a call from the current position, reporting to {@code observer}. */
  void open(ClientResponseObserver<Object, R> observer);

  /**
   * The item one message gives, or null for a message that gives none (a repeat, a heartbeat not
   * asked for).
   *
   * @throws ApiException when the message ends the call (retried as that code is)
   */
  T receive(R message);

  /** Whether the last item received was the stream's last. */
  boolean complete();

  /**
   * What a call the server closed cleanly means: null for the stream's normal end, else the error
   * to handle as a dropped call.
   */
  ApiException closedEarly();
}
