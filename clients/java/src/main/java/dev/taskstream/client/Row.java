package dev.taskstream.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One row of a tabular task result (a SQL select's), typed: each value is a {@code String}, {@code
 * Long}, {@code Double} or {@code Boolean}, or null for SQL NULL.
 */
public final class Row {
  private final List<Column> columns;
  private final List<Object> values;

  Row(List<Column> columns, List<Object> values) {
    this.columns = columns;
    this.values = Collections.unmodifiableList(new ArrayList<>(values));
  }

  /** The result's columns, in order. */
  public List<Column> columns() {
    return columns;
  }

  /** The values, one per column, in column order; null stands for NULL. */
  public List<Object> values() {
    return values;
  }

  /** The value of the column at {@code index} (from 0). */
  public Object get(int index) {
    return values.get(index);
  }

  /**
   * The value of the first column named {@code column}.
   *
   * @throws IllegalArgumentException when no column has that name
   */
  public Object get(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return values.get(i);
      }
    }
    throw new IllegalArgumentException("no column " + column + " in " + columns);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Row row && columns.equals(row.columns) && values.equals(row.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(columns, values);
  }

  /** The values, as {@code [5.1, Iris-setosa]}. */
  @Override
  public String toString() {
    return values.toString();
  }
}
