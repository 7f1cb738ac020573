package dev.sovereign.host;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of {@code POST /v1/rounds/{round}/payloads/batch}: reads {@code {"payloads": [...]}}
 * with a streaming parser (stopping at the first item over the limit) and writes the answer
 * directly. A request body that is not exactly that shape is refused whole ({@code
 * malformed-batch}); an item that is not a string stays in the list as {@code null}, refused alone
 * later.
 */
final class BatchBody {
  private static final JsonFactory JSON = new JsonFactory();

  private BatchBody() {}

  /**
   * The items of a batch body, in order ({@code null} for an item that is not a string).
   *
   * @throws Problem {@code malformed-batch} (400) for any other shape or an empty list, {@code
   *     too-many-payloads} (413) for more than {@code max} items
   */
  static List<String> read(byte[] body, int max) {
    List<String> out = new ArrayList<>();
    boolean seen = false;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed();
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME || !"payloads".equals(p.currentName()) || seen) {
          throw malformed();
        }
        seen = true;
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw malformed();
        }
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
          if (item == null) {
            throw malformed();
          }
          if (out.size() == max) {
            throw new Problem(
                413,
                "too-many-payloads",
                "a batch holds at most " + max + " payloads; nothing was accepted");
          }
          if (item == JsonToken.VALUE_STRING) {
            out.add(p.getText());
          } else {
            p.skipChildren(); // an object or array item: skipped whole, refused alone
            out.add(null);
          }
        }
      }
      if (p.nextToken() != null) {
        throw malformed(); // anything after the object
      }
    } catch (IOException e) {
      // the parser's message is not answered (it may quote the body)
      throw malformed();
    }
    if (!seen || out.isEmpty()) {
      throw Problem.badRequest("malformed-batch", "the batch holds no payloads");
    }
    return out;
  }

  private static Problem malformed() {
    return Problem.badRequest(
        "malformed-batch", "the body must be a JSON object {\"payloads\": [compact JWE, ...]}");
  }

  /**
   * The 200's body: counts and one result per item in order. Payload ids are hex, statuses and
   * codes constants, the round id matched its pattern; details (the host's own words) are escaped.
   */
  static String answer(String round, List<HostService.BatchOutcome> outcomes) {
    int stored = 0;
    int already = 0;
    int refused = 0;
    StringBuilder results = new StringBuilder(outcomes.size() * 100);
    for (HostService.BatchOutcome o : outcomes) {
      if (results.length() > 0) {
        results.append(',');
      }
      if (o.acknowledged()) {
        if (o.status().equals("stored")) {
          stored++;
        } else {
          already++;
        }
        results
            .append("{\"payloadId\":\"")
            .append(o.payloadId())
            .append("\",\"status\":\"")
            .append(o.status())
            .append("\"}");
      } else {
        refused++;
        results
            .append("{\"status\":\"refused\",\"code\":\"")
            .append(o.code())
            .append("\",\"detail\":\"");
        JsonStringEncoder.getInstance().quoteAsString(o.detail(), results);
        results.append("\"}");
      }
    }
    return "{\"round\":\""
        + round
        + "\",\"stored\":"
        + stored
        + ",\"alreadyStored\":"
        + already
        + ",\"refused\":"
        + refused
        + ",\"results\":["
        + results
        + "]}";
  }
}
