package dev.sovereign.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JcsTest {

  /**
   * RFC 8785 Appendix B inputs (IEEE-754 bit patterns); outputs as node 20 prints them
   * (Number.prototype.toString).
   */
  @Test
  void numbersFollowTheRfc8785AppendixBSamples() {
    assertEquals("0", Jcs.number(Double.longBitsToDouble(0x0000000000000000L)));
    assertEquals("0", Jcs.number(Double.longBitsToDouble(0x8000000000000000L)));
    assertEquals("5e-324", Jcs.number(Double.longBitsToDouble(0x0000000000000001L)));
    assertEquals("-5e-324", Jcs.number(Double.longBitsToDouble(0x8000000000000001L)));
    assertEquals(
        "1.7976931348623157e+308", Jcs.number(Double.longBitsToDouble(0x7fefffffffffffffL)));
    assertEquals("9007199254740992", Jcs.number(Double.longBitsToDouble(0x4340000000000000L)));
    assertEquals("-9007199254740992", Jcs.number(Double.longBitsToDouble(0xc340000000000000L)));
    assertEquals("295147905179352830000", Jcs.number(Double.longBitsToDouble(0x4430000000000000L)));
    assertEquals("9.999999999999997e+22", Jcs.number(Double.longBitsToDouble(0x44b52d02c7e14af5L)));
    assertEquals("1e+23", Jcs.number(Double.longBitsToDouble(0x44b52d02c7e14af6L)));
    assertEquals(
        "1.0000000000000001e+23", Jcs.number(Double.longBitsToDouble(0x44b52d02c7e14af7L)));
    assertEquals("999999999999999700000", Jcs.number(Double.longBitsToDouble(0x444b1ae4d6e2ef4eL)));
    assertEquals("999999999999999900000", Jcs.number(Double.longBitsToDouble(0x444b1ae4d6e2ef4fL)));
    assertEquals("1e+21", Jcs.number(Double.longBitsToDouble(0x444b1ae4d6e2ef50L)));
    assertEquals("9.999999999999997e-7", Jcs.number(Double.longBitsToDouble(0x3eb0c6f7a0b5ed8cL)));
    assertEquals("0.000001", Jcs.number(Double.longBitsToDouble(0x3eb0c6f7a0b5ed8dL)));
    assertEquals("333333333.3333332", Jcs.number(Double.longBitsToDouble(0x41b3de4355555553L)));
    assertEquals("333333333.33333325", Jcs.number(Double.longBitsToDouble(0x41b3de4355555554L)));
    assertEquals("333333333.3333333", Jcs.number(Double.longBitsToDouble(0x41b3de4355555555L)));
    assertEquals(
        "-0.0000033333333333333333", Jcs.number(Double.longBitsToDouble(0xbecbf647612f3696L)));
  }

  /** RFC 8785 section 3.2.3: members sorted by UTF-16 code units. */
  @Test
  void membersAreSortedByUtf16CodeUnits() throws Exception {
    String in =
        "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
            + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
    String out =
        new String(Jcs.canonicalize(new ObjectMapper().readTree(in)), StandardCharsets.UTF_8);
    assertEquals(
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
            + "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
        out);
  }
}
