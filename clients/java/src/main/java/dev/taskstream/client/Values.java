package dev.taskstream.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.protobuf.Timestamp;
import dev.taskstream.v1.PropertyValue;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Conversions from the wire types to plain Java values. */
final class Values {
  /** Encodes task parameters and binds JSON results. */
  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private Values() {}

  /** A property's value as a String, Long, Double or ByteString; null when unset. */
  static Object property(PropertyValue value) {
    return switch (value.getKindCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> value.getIntValue();
      case DOUBLE_VALUE -> value.getDoubleValue();
      case BYTES_VALUE -> value.getBytesValue();
      case KIND_NOT_SET -> null;
    };
  }

  /** Every property decoded, sorted by key. */
  static Map<String, Object> properties(Map<String, PropertyValue> properties) {
    Map<String, Object> decoded = new LinkedHashMap<>();
    new TreeMap<>(properties).forEach((key, value) -> decoded.put(key, property(value)));
    return decoded;
  }

  static Instant instant(Timestamp time) {
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
  }

  static com.google.protobuf.Duration duration(java.time.Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }
}
