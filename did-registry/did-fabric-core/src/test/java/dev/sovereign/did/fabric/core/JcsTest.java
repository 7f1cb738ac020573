package dev.sovereign.did.fabric.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8785 strings: escapes, controls, non-ASCII and surrogate pairs wherever they occur. */
class JcsTest {
  private static String jcs(String value) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("v", value);
    return new String(Jcs.canonicalize(n), StandardCharsets.UTF_8);
  }

  @Test
  void stringsAreEscapedExactlyAsRfc8785SaysWhereverTheSpecialCharacterStands() {
    assertEquals("{\"v\":\"plain did:fabric:local\"}", jcs("plain did:fabric:local"));
    assertEquals("{\"v\":\"\"}", jcs(""));
    assertEquals("{\"v\":\"a\\\"b\\\\c\"}", jcs("a\"b\\c"));
    assertEquals("{\"v\":\"\\\"lead\"}", jcs("\"lead"));
    assertEquals("{\"v\":\"trail\\n\"}", jcs("trail\n"));
    assertEquals("{\"v\":\"\\b\\f\\n\\r\\t\\u0001\\u001f \"}", jcs("\b\f\n\r\t\u0001\u001f "));
    assertEquals("{\"v\":\"\u20ac\u00e9\u007f\"}", jcs("\u20ac\u00e9\u007f"));
    assertEquals("{\"v\":\"x\ud83d\ude00y\\t\"}", jcs("x\ud83d\ude00y\t"));
    assertEquals("{\"v\":\"\ud83d\ude00\"}", jcs("\ud83d\ude00"));
  }

  @Test
  void aLoneSurrogateAnywhereInAStringIsRefused() {
    for (String s : new String[] {"\ud83d", "ab\ud83d", "\ude00ab", "a\ud83dx", "\ud83d\ud83d"}) {
      assertThrows(IllegalArgumentException.class, () -> jcs(s), s);
    }
  }
}
