package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.Result;
import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The public surface: plain Java values and this library's own types, no Gson. */
class PublicApiTest {

  @Test
  void noPublicSignatureMentionsGson() throws Exception {
    List<String> leaks = new ArrayList<>();
    List<Class<?>> types = publicTypes();
    assertTrue(types.contains(TaskstreamClient.class) && types.contains(TaskResult.class), "scan");
    for (Class<?> type : types) {
      List<String> signatures = new ArrayList<>();
      signatures.add(type.toGenericString());
      for (Method method : type.getDeclaredMethods()) {
        if (visible(method.getModifiers())) {
          signatures.add(method.toGenericString());
        }
      }
      for (Executable constructor : type.getDeclaredConstructors()) {
        if (visible(constructor.getModifiers())) {
          signatures.add(constructor.toGenericString());
        }
      }
      for (Field field : type.getDeclaredFields()) {
        if (visible(field.getModifiers())) {
          signatures.add(field.toGenericString());
        }
      }
      if (type.isRecord()) {
        Arrays.stream(type.getRecordComponents())
            .map(RecordComponent::getGenericType)
            .forEach(t -> signatures.add(t.getTypeName()));
      }
      signatures.stream().filter(s -> s.contains("com.google.gson")).forEach(leaks::add);
    }
    assertEquals(List.of(), leaks);
  }

  @Test
  void aJsonResultIsPlainJavaValuesInDocumentOrder() {
    TaskResult result =
        json("{\"b\": [1, 2.5, 1e3, true, null, \"x\"], \"a\": {\"n\": 12345678901234567890}}");

    Object value = result.value();

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", Arrays.asList(1L, 2.5, 1000.0, true, null, "x"));
    expected.put("a", Map.of("n", new BigInteger("12345678901234567890")));
    assertEquals(expected, value);
    assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) value).keySet()));
    assertInstanceOf(Long.class, ((List<?>) ((Map<?, ?>) value).get("b")).get(0));
    assertThrows(
        UnsupportedOperationException.class, () -> ((Map<?, ?>) value).remove("a"), "unmodifiable");
  }

  @Test
  void jsonNullIsNullButStillAValue() {
    TaskResult result = json("null");

    assertTrue(result.hasValue());
    assertEquals(null, result.value());
  }

  private static TaskResult json(String json) {
    return new TaskResult(
        GetTaskResultResponse.newBuilder().setResult(Result.newBuilder().setJson(json)).build());
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  /** The public classes of dev.taskstream.client, nested ones included, from the build output. */
  private static List<Class<?>> publicTypes()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path root =
        Path.of(TaskstreamClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path dir = root.resolve("dev/taskstream/client");
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = file.getFileName().toString().replace(".class", "");
        Class<?> type = Class.forName("dev.taskstream.client." + name);
        if (Modifier.isPublic(type.getModifiers())) {
          types.add(type);
        }
      }
    }
    return types;
  }
}
