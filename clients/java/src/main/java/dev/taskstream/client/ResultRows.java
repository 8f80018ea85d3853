package dev.taskstream.client;

import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A task's tabular result (a SQL select's CSV) as typed rows, read a page at a time
 * (ListTaskResultRows): the columns, and the rows fetched as the iteration reaches them. Each
 * iteration reads the rows again from the first page.
 *
 * <pre>{@code
 * ResultRows rows = client.resultRows(instance.getName(), "AnonymousSQLTask", 1000);
 * System.out.println(rows.columns());
 * for (Row row : rows) {
 *   System.out.println(row.get("name") + " " + row.get(0));
 * }
 * }</pre>
 */
public final class ResultRows implements Iterable<Row> {
  private final List<Column> columns;
  private final PagedIterable<Row> rows;

  ResultRows(List<Column> columns, Page<Row> first) {
    this.columns = List.copyOf(columns);
    this.rows = first.iterateAll();
  }

  /** The columns with their names and types, in order (known even when there is no row). */
  public List<Column> columns() {
    return columns;
  }

  /** The first page of rows, for reading the rest asynchronously ({@link Page#nextPageAsync()}). */
  public Page<Row> firstPage() {
    return rows.firstPage();
  }

  @Override
  public Iterator<Row> iterator() {
    return rows.iterator();
  }

  /** The rows as a sequential stream, fetching pages as it is consumed. */
  public Stream<Row> stream() {
    return rows.stream();
  }
}
