package dev.taskstream.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Timestamp;
import dev.taskstream.v1.PropertyValue;
import dev.taskstream.v1.ResultCell;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Conversions between the wire types and plain Java values. Gson stays in here: JSON crosses the
 * public API only as plain values (Map, List, String, Long, Double, Boolean, null).
 */
final class Values {
  /** Encodes task parameters and binds JSON results to a caller's type. */
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private Values() {}

  /** {@code value} (a Map, List, record, String, Number …) as JSON text. */
  static String toJson(Object value) {
    return GSON.toJson(value);
  }

  /** JSON text bound to {@code type}. */
  static <T> T fromJson(String json, Class<T> type) {
    return GSON.fromJson(json, type);
  }

  /**
   * JSON text as a plain Java value: objects as unmodifiable Maps in document order, arrays as
   * unmodifiable Lists, strings, booleans, null, and numbers as Long (an integer that fits),
   * BigInteger (a larger one) or Double.
   */
  static Object parseJson(String json) {
    return plain(JsonParser.parseString(json));
  }

  private static Object plain(JsonElement element) {
    if (element.isJsonObject()) {
      JsonObject object = element.getAsJsonObject();
      Map<String, Object> map = new LinkedHashMap<>();
      object.entrySet().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return Collections.unmodifiableMap(map);
    }
    if (element.isJsonArray()) {
      JsonArray array = element.getAsJsonArray();
      List<Object> list = new ArrayList<>(array.size());
      array.forEach(e -> list.add(plain(e)));
      return Collections.unmodifiableList(list);
    }
    if (element.isJsonNull()) {
      return null;
    }
    JsonPrimitive primitive = element.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return primitive.getAsBoolean();
    }
    if (primitive.isString()) {
      return primitive.getAsString();
    }
    return number(primitive.getAsString());
  }

  private static Number number(String text) {
    if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
      BigInteger integer = new BigInteger(text);
      return integer.bitLength() < 64 ? (Number) integer.longValue() : integer;
    }
    return new BigDecimal(text).doubleValue();
  }

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

  /** A result cell as a String, Long, Double or Boolean; null for SQL NULL. */
  static Object cell(ResultCell cell) {
    return switch (cell.getKindCase()) {
      case STRING_VALUE -> cell.getStringValue();
      case INT_VALUE -> cell.getIntValue();
      case DOUBLE_VALUE -> cell.getDoubleValue();
      case BOOL_VALUE -> cell.getBoolValue();
      case KIND_NOT_SET -> null;
    };
  }

  static Instant instant(Timestamp time) {
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
  }

  static Timestamp timestamp(Instant time) {
    return Timestamp.newBuilder()
        .setSeconds(time.getEpochSecond())
        .setNanos(time.getNano())
        .build();
  }

  static com.google.protobuf.Duration duration(java.time.Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }

  static java.time.Duration duration(com.google.protobuf.Duration duration) {
    return java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }
}
