package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SubmitFrameTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private static String part(Random r, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static String compactJwe(Random r) {
    return part(r, 40 + r.nextInt(200))
        + "."
        + (r.nextBoolean() ? "" : part(r, 54))
        + "."
        + part(r, 16)
        + "."
        + part(r, r.nextInt(4000))
        + "."
        + part(r, 22);
  }

  private static void sameAsTheCodec(Message.SubmitPayloads s) throws Exception {
    byte[] frame = SubmitFrame.encode(s);
    assertArrayEquals(Codec.encode(s), frame, () -> "frame of " + s.payloads().size());
    // and it reads back as the message it was made from
    Message back =
        new Codec(Frames.DEFAULT_MAX_FRAME).read(new ByteArrayInputStream(frame)).orElseThrow();
    assertEquals(s, back);
  }

  @Test
  void aBatchOfCompactJwesIsWrittenByteForByteAsTheCodecWritesIt() throws Exception {
    Random r = new Random(20261207L);
    for (int i = 0; i < 200; i++) {
      List<String> jwes = new ArrayList<>();
      for (int k = r.nextInt(65); k > 0; k--) {
        jwes.add(compactJwe(r));
      }
      Boolean[] flags = {null, true, false};
      String round = part(r, 1 + r.nextInt(20)) + (r.nextBoolean() ? ".2026-12" : "");
      sameAsTheCodec(
          new Message.SubmitPayloads(round, jwes, flags[r.nextInt(3)], flags[r.nextInt(3)]));
    }
  }

  @Test
  void anEmptyBatchAndEveryFlagCombinationMatchTheCodec() throws Exception {
    for (Boolean defer : Arrays.asList(null, true, false)) {
      for (Boolean report : Arrays.asList(null, true, false)) {
        sameAsTheCodec(new Message.SubmitPayloads("r1", List.of(), defer, report));
        sameAsTheCodec(new Message.SubmitPayloads("r1", List.of("a.b.c.d.e"), defer, report));
        sameAsTheCodec(new Message.SubmitPayloads("r1", List.of("a..c.d.e", "x"), defer, report));
      }
    }
  }

  @Test
  void stringsThatNeedEscapingOrAreNotAsciiGoThroughTheCodecAndStillMatchIt() throws Exception {
    List<String> odd =
        List.of(
            "quote\"inside",
            "back\\slash",
            "new\nline",
            "tab\there",
            "nul\u0000",
            "del\u007f",
            "slash/and space",
            "caf\u00e9",
            "\u20ac sign",
            "emoji \ud83d\ude00",
            "what?",
            "padding==",
            "");
    for (String o : odd) {
      sameAsTheCodec(new Message.SubmitPayloads("r1", List.of("a.b.c.d.e", o), true, true));
      if (!o.isEmpty()) {
        sameAsTheCodec(new Message.SubmitPayloads("round " + o, List.of("a.b.c.d.e"), null, true));
      }
    }
  }

  @Test
  void payloadsCheckedAtSubmitAreCopiedAsTheyAreAndMatchTheCodecMixedWithUncheckedOnes()
      throws Exception {
    Random r = new Random(20261208L);
    for (int i = 0; i < 200; i++) {
      List<String> jwes = new ArrayList<>();
      int n = r.nextInt(65);
      boolean[] checked = new boolean[n];
      for (int k = 0; k < n; k++) {
        String jwe = compactJwe(r);
        // as the submit path keeps them: only what JweEnvelope-style checks accept is marked
        checked[k] = r.nextBoolean();
        jwes.add(jwe);
      }
      Boolean[] flags = {null, true, false};
      sameAsTheCodec(
          new Message.SubmitPayloads(
              part(r, 1 + r.nextInt(20)),
              new SubmitFrame.Payloads(jwes, checked),
              flags[r.nextInt(3)],
              flags[r.nextInt(3)]));
    }
  }

  @Test
  void anUncheckedOddPayloadBesideCheckedOnesStillSendsTheWholeBatchThroughTheCodec()
      throws Exception {
    for (String odd : List.of("quote\"inside", "caf\u00e9", "emoji \ud83d\ude00", "what?")) {
      sameAsTheCodec(
          new Message.SubmitPayloads(
              "r1",
              new SubmitFrame.Payloads(
                  List.of("a.b.c.d.e", odd, "f.g.h.i.j"), new boolean[] {true, false, true}),
              true,
              true));
    }
  }

  @Test
  void oneMarkPerPayloadIsRequired() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new SubmitFrame.Payloads(List.of("a.b.c.d.e"), new boolean[2]));
  }

  @Test
  void theFramesMembersAreExactlyTheMessagesFieldsSoANewFieldCannotBeDroppedSilently() {
    // SubmitFrame writes these four members by hand; a field added to the message must be added
    // there too (or the message sent through the codec), and this fails until it is
    assertEquals(
        List.of("round", "payloads", "deferEvidence", "reportSeal"),
        Arrays.stream(Message.SubmitPayloads.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName)
            .toList(),
        "Message.SubmitPayloads changed: update SubmitFrame.encode to write the same bytes");
  }
}
