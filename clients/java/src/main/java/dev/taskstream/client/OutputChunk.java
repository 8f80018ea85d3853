package dev.taskstream.client;

import com.google.protobuf.ByteString;

/**
 * Bytes of a task's stdout or stderr.
 *
 * @param offset where {@code data} starts in the stream
 * @param data the bytes
 * @param cutBytes how many bytes just before {@code offset} the server did not keep (output past
 *     the server's cap keeps its head and its tail)
 */
public record OutputChunk(long offset, ByteString data, long cutBytes) {}
