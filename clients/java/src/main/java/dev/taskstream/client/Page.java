package dev.taskstream.client;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One page of a listing, with the way to the next one. The async API hands out pages; {@link
 * #iterateAll()} walks this page and every later one, fetching each as it is reached.
 *
 * <pre>{@code
 * client.listInstancesAsync(options).thenAccept(page -> page.items().forEach(System.out::println));
 * }</pre>
 */
public final class Page<T> {
  private final List<T> items;
  private final String nextPageToken;
  private final Function<String, CompletableFuture<Page<T>>> fetch;

  Page(List<T> items, String nextPageToken, Function<String, CompletableFuture<Page<T>>> fetch) {
    this.items = List.copyOf(items);
    this.nextPageToken = nextPageToken;
    this.fetch = fetch;
  }

  /** The items of this page, in the listing's order. */
  public List<T> items() {
    return items;
  }

  /** The token of the next page, empty on the last page. */
  public String nextPageToken() {
    return nextPageToken;
  }

  /** Whether a page follows this one. */
  public boolean hasNextPage() {
    return !nextPageToken.isEmpty();
  }

  /**
   * Fetches the next page (a new call each time).
   *
   * @throws NoSuchElementException on the last page
   */
  public CompletableFuture<Page<T>> nextPageAsync() {
    if (!hasNextPage()) {
      throw new NoSuchElementException("this is the last page");
    }
    return fetch.apply(nextPageToken);
  }

  /** Fetches the next page and blocks until it arrives; see {@link #nextPageAsync()}. */
  public Page<T> nextPage() {
    return Calls.join(nextPageAsync());
  }

  /** The items of this page and of every later one, fetched as the iteration reaches them. */
  public PagedIterable<T> iterateAll() {
    return new PagedIterable<>(this);
  }

  @Override
  public String toString() {
    return "Page{"
        + items.size()
        + " items, next="
        + (hasNextPage() ? nextPageToken : "none")
        + "}";
  }
}
