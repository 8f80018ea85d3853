package dev.taskstream.client;

import dev.taskstream.v1.ColumnType;

/**
 * One column of a tabular task result.
 *
 * @param name the column's name, as in the result's CSV header
 * @param type its type, as the column's values showed it ({@code COLUMN_TYPE_UNSPECIFIED} when no
 *     value was non-null)
 */
public record Column(String name, ColumnType type) {}
