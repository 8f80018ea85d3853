package dev.taskstream.client;

/**
 * One invalid field of a request, from a {@code google.rpc.BadRequest} detail.
 *
 * @param field the field's path, for example {@code "tasks[0].type"}
 * @param description why it is invalid
 */
public record FieldViolation(String field, String description) {}
