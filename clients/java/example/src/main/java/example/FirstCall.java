package example;

import dev.taskstream.client.TaskstreamClient;
import dev.taskstream.v1.Instance;
import java.time.Duration;
import java.util.Map;

/** Runs the task {@code echo} on the server named by the first argument and prints its result. */
public class FirstCall {
  public static void main(String[] args) {
    String target = args.length > 0 ? args[0] : "127.0.0.1:50051";
    try (TaskstreamClient client =
        TaskstreamClient.newBuilder().target(target).project("default").build()) {
      Instance instance = client.execute("echo", Map.of("text", "hello"), Duration.ofMinutes(1));
      System.out.println(instance.getId() + " " + client.result(instance.getName()).value());
      // 20261121103000123abcdefgh {text=hello}
    }
  }
}
