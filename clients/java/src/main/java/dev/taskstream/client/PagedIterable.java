package dev.taskstream.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Every item of a listing, starting with a page already fetched: iterating it fetches each later
 * page when its first item is reached (blocking), so a loop may stop early at no further cost. Each
 * iteration walks the listing again from the first page, fetching the later pages anew. A failed
 * fetch is thrown from {@code hasNext()} as its {@link ApiException}.
 *
 * <pre>{@code
 * for (Instance instance : client.listInstances(ListInstancesOptions.DEFAULT.withPageSize(100))) {
 *   System.out.println(instance.getId());
 * }
 * }</pre>
 */
public final class PagedIterable<T> implements Iterable<T> {
  private final Page<T> first;

  PagedIterable(Page<T> first) {
    this.first = first;
  }

  /** The first page, fetched when this iterable was made. */
  public Page<T> firstPage() {
    return first;
  }

  /** The pages one by one, from the first; each later page is fetched when it is asked for. */
  public Iterable<Page<T>> pages() {
    return () ->
        new Iterator<>() {
          private Page<T> last; // The page returned last; null before the first.

          @Override
          public boolean hasNext() {
            return last == null || last.hasNextPage();
          }

          @Override
          public Page<T> next() {
            if (!hasNext()) {
              throw new NoSuchElementException("no more pages");
            }
            last = last == null ? first : last.nextPage();
            return last;
          }
        };
  }

  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private Page<T> page = first;
      private Iterator<T> items = first.items().iterator();

      @Override
      public boolean hasNext() {
        // A page may be empty and still have a next one.
        while (!items.hasNext() && page.hasNextPage()) {
          page = page.nextPage();
          items = page.items().iterator();
        }
        return items.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("no more items");
        }
        return items.next();
      }
    };
  }

  /** The items as a sequential stream, fetching pages as it is consumed. */
  public Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }
}
