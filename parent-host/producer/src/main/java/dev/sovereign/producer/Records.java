package dev.sovereign.producer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a producer's records: JSON (an array of {@code {"group":{...},"metric":"...","value":n}},
 * or an object with such a {@code records} array) or CSV with a header line, a {@code metric} and a
 * {@code value} column, every other column being a group key (e.g. {@code country,metric,value}).
 * Values are kept as exact decimals. Plaintext records never leave the producer unencrypted.
 */
public final class Records {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private Records() {}

  /** Reads {@code file}; the format follows the extension ({@code .csv}, else JSON). */
  public static ArrayNode read(Path file) throws IOException, RejectedException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")
        ? csv(text)
        : json(text);
  }

  /** Parses JSON records. */
  public static ArrayNode json(String text) throws RejectedException {
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (IOException e) {
      throw new RejectedException("records-malformed", "not JSON");
    }
    if (n != null && n.isObject() && n.has("records")) {
      n = n.get("records");
    }
    if (n == null || !n.isArray() || n.isEmpty()) {
      throw new RejectedException("records-malformed", "expected a non-empty array of records");
    }
    ArrayNode out = JSON.createArrayNode();
    int i = 0;
    for (JsonNode r : n) {
      if (!r.isObject()
          || !r.path("group").isObject()
          || !r.path("metric").isTextual()
          || !r.path("value").isNumber()) {
        throw new RejectedException(
            "records-malformed",
            "record " + i + " must be {group: {...}, metric: string, value: number}");
      }
      ObjectNode rec = out.addObject();
      rec.set("group", r.get("group").deepCopy());
      rec.put("metric", r.get("metric").asText());
      rec.put("value", r.get("value").decimalValue());
      i++;
    }
    return out;
  }

  /**
   * Parses CSV records (comma-separated, no quoting; blank lines and {@code #} comments skipped).
   */
  public static ArrayNode csv(String text) throws RejectedException {
    List<String> lines = new ArrayList<>();
    for (String l : text.split("\\R")) {
      if (!l.isBlank() && !l.stripLeading().startsWith("#")) {
        lines.add(l);
      }
    }
    if (lines.size() < 2) {
      throw new RejectedException(
          "records-malformed", "CSV needs a header line and at least one record");
    }
    String[] header = split(lines.get(0));
    int metric = -1;
    int value = -1;
    for (int i = 0; i < header.length; i++) {
      if (header[i].equals("metric")) {
        metric = i;
      } else if (header[i].equals("value")) {
        value = i;
      }
    }
    if (metric < 0 || value < 0 || header.length < 3) {
      throw new RejectedException(
          "records-malformed", "CSV header needs metric, value and at least one group column");
    }
    ArrayNode out = JSON.createArrayNode();
    for (int line = 1; line < lines.size(); line++) {
      String[] cells = split(lines.get(line));
      if (cells.length != header.length) {
        throw new RejectedException(
            "records-malformed",
            "CSV line " + (line + 1) + " has " + cells.length + " cells, header " + header.length);
      }
      ObjectNode rec = out.addObject();
      ObjectNode group = rec.putObject("group");
      for (int i = 0; i < header.length; i++) {
        if (i != metric && i != value) {
          group.put(header[i], cells[i]);
        }
      }
      rec.put("metric", cells[metric]);
      try {
        rec.put("value", new BigDecimal(cells[value]));
      } catch (NumberFormatException e) {
        throw new RejectedException(
            "records-malformed", "CSV line " + (line + 1) + ": value is not a number");
      }
    }
    return out;
  }

  private static String[] split(String line) {
    String[] cells = line.split(",", -1);
    for (int i = 0; i < cells.length; i++) {
      cells[i] = cells[i].strip();
    }
    return cells;
  }
}
