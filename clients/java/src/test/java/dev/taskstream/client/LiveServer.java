package dev.taskstream.client;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real taskstreamd started as tests/conformance/README.md says: port 0 on 127.0.0.1, a fresh data
 * directory, two local workers running tests.support.tasks. Its address comes from the JSON ready
 * line on its stdout; {@link #close()} stops it with SIGTERM.
 */
final class LiveServer implements AutoCloseable {
  private static final long READY_SECONDS = 60;

  private final Process process;
  private final Path dataDir;
  private final String target;
  private final Thread killer;

  private LiveServer(Process process, Path dataDir, String target, Thread killer) {
    this.process = process;
    this.dataDir = dataDir;
    this.target = target;
    this.killer = killer;
  }

  /** The repository root: surefire passes it; otherwise two levels above clients/java. */
  static Path repo() {
    String configured = System.getProperty("taskstream.repo");
    return Path.of(configured != null ? configured : "../..").toAbsolutePath().normalize();
  }

  static LiveServer start() throws IOException, InterruptedException {
    Path repo = repo();
    Path python = repo.resolve(".venv/bin/python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException(
          python + " is missing: run `make venv` (make test-java does)");
    }
    Path dataDir = Files.createTempDirectory("taskstream-java-");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    python.toString(),
                    "-m",
                    "taskstreamd",
                    "--log-level",
                    "WARNING",
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--http",
                    "127.0.0.1:0",
                    "--data-dir",
                    dataDir.toString(),
                    "--workers",
                    "2",
                    "--tasks",
                    "tests.support.tasks",
                    "--grace-period",
                    "1"))
            .directory(repo.toFile())
            .redirectError(dataDir.resolve("server.log").toFile());
    builder.environment().put("PYTHONPATH", repo.toString());
    Process process = builder.start();
    // A test JVM that exits without close() (killed by surefire's timeout, Ctrl-C) takes it along.
    Thread killer = new Thread(process::destroyForcibly, "taskstreamd-killer");
    Runtime.getRuntime().addShutdownHook(killer);

    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                // Read to the end so the server never blocks on a full pipe.
                for (String line; (line = out.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // The server was stopped.
              }
            },
            "taskstreamd-stdout");
    reader.setDaemon(true);
    reader.start();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (true) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        process.destroyForcibly();
        Runtime.getRuntime().removeShutdownHook(killer);
        String log = Files.readString(dataDir.resolve("server.log"));
        throw new IllegalStateException("taskstreamd did not become ready:\n" + log);
      }
      if (line.startsWith("{")) {
        JsonObject ready = JsonParser.parseString(line).getAsJsonObject();
        return new LiveServer(process, dataDir, ready.get("grpc").getAsString(), killer);
      }
    }
  }

  /** The server's gRPC address, host:port. */
  String target() {
    return target;
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: the server drains and stops its workers.
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(killer);
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
