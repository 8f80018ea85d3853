package dev.taskstream.client;

import dev.taskstream.v1.OutputStream;
import java.util.Objects;

/**
 * What to read of a task's output: which stream, from where, and whether to follow it.
 *
 * <pre>{@code
 * client.readOutput(name, "", OutputOptions.STDOUT.withFollow(true));  // everything, until the end
 * client.readOutput(name, "", OutputOptions.STDERR.withOffset(-1024)); // the last KiB written so far
 * }</pre>
 *
 * @param stream stdout or stderr
 * @param offset the byte to start at; a negative number starts that many bytes before the current
 *     end (as {@code tail -c} does)
 * @param follow keep reading new output until the task ends, instead of stopping at the current end
 */
public record OutputOptions(OutputStream stream, long offset, boolean follow) {
  /** Standard output from its first byte, up to what was written so far. */
  public static final OutputOptions STDOUT =
      new OutputOptions(OutputStream.OUTPUT_STREAM_STDOUT, 0, false);

  /** Standard error from its first byte, up to what was written so far. */
  public static final OutputOptions STDERR =
      new OutputOptions(OutputStream.OUTPUT_STREAM_STDERR, 0, false);

  public OutputOptions {
    Objects.requireNonNull(stream, "stream");
    if (stream != OutputStream.OUTPUT_STREAM_STDOUT
        && stream != OutputStream.OUTPUT_STREAM_STDERR) {
      throw new IllegalArgumentException("stream must be stdout or stderr, not " + stream);
    }
  }

  /** These options, starting at {@code offset} (negative: that many bytes before the end). */
  public OutputOptions withOffset(long offset) {
    return new OutputOptions(stream, offset, follow);
  }

  /** These options, following the output until the task ends or not. */
  public OutputOptions withFollow(boolean follow) {
    return new OutputOptions(stream, offset, follow);
  }
}
