package dev.sovereign.enclave.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {

  @Test
  void aHealthRequestIsExactlyLengthVersionTypeAndAnEmptyJsonObject() {
    assertEquals(
        "00000004" + "01" + "01" + "7b7d",
        HexFormat.of().formatHex(Codec.encode(new Message.Health())));
  }

  @Test
  void responsesSerializeWithSortedKeys() {
    byte[] frame = Codec.encode(Message.Error.of(ErrorCode.UNKNOWN_ROUND, "no such round"));
    String body = new String(frame, 6, frame.length - 6, StandardCharsets.UTF_8);
    assertEquals("{\"code\":\"unknown-round\",\"detail\":\"no such round\"}", body);
    assertEquals(0xff, frame[5] & 0xff);
  }

  @Test
  void everyMessageRoundTripsByteForByte() throws Exception {
    List<Message> messages =
        List.of(
            new Message.Health(),
            new Message.Attest("00ff"),
            new Message.OpenRound("r1", "d", "ab"),
            new Message.SubmitPayloads("r1", List.of("a.b.c.d.e")),
            new Message.PayloadVerdicts(
                "r1", List.of(new Message.Verdict("rejected", "replay", null))),
            new Message.CloseRound("r1"),
            new Message.RoundResult("r1", "x.y.z"),
            new Message.Seal(),
            new Message.Restored(2));
    for (Message m : messages) {
      byte[] bytes = Codec.encode(m);
      Message back = new Codec(1024).read(new ByteArrayInputStream(bytes)).orElseThrow();
      assertEquals(m, back);
      assertArrayEquals(bytes, Codec.encode(back));
    }
  }

  @Test
  void theLengthIsCheckedBeforeAnyBufferIsAllocated() {
    // announces 2 GiB - 1 but holds two bytes: a reader that allocated first would fail differently
    InputStream in =
        new ByteArrayInputStream(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 1});
    FrameException e = assertThrows(FrameException.class, () -> Frames.read(in, 1024));
    assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code());
    assertTrue(e.fatal());
  }

  @Test
  void aPeerThatAnnouncesTheMaximumFrameAndStallsHoldsAboutWhatItSentNotTheAnnouncedLength() {
    // issue 11, attack 4: 8 MiB announced, 1 KiB sent, then the stream ends (as the deadline ends
    // a stalled one); the reader's allocation follows the bytes that arrived
    byte[] half = new byte[4 + 2 + 1024];
    int n = Frames.DEFAULT_MAX_FRAME;
    half[0] = (byte) (n >>> 24);
    half[1] = (byte) (n >>> 16);
    half[2] = (byte) (n >>> 8);
    half[3] = (byte) n;
    half[4] = 1;
    half[5] = 1;
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    FrameException e =
        assertThrows(
            FrameException.class,
            () -> Frames.read(new ByteArrayInputStream(half), Frames.DEFAULT_MAX_FRAME));
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertEquals(ErrorCode.TRUNCATED_FRAME, e.code());
    assertTrue(
        allocated < Frames.DEFAULT_MAX_FRAME / 8,
        "allocated " + allocated + " bytes for 1 KiB received of an announced 8 MiB");
  }

  @Test
  void aLengthAboveTwoGibibytesIsTooLargeNotNegative() {
    InputStream in =
        new ByteArrayInputStream(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertEquals(
        ErrorCode.FRAME_TOO_LARGE,
        assertThrows(FrameException.class, () -> Frames.read(in, Integer.MAX_VALUE)).code());
  }

  @Test
  void aStreamEndingInsideTheLengthOrTheBodyIsATruncatedFrame() {
    for (byte[] b : List.of(new byte[] {0, 0}, new byte[] {0, 0, 0, 10, 1, 1, '{'})) {
      FrameException e =
          assertThrows(FrameException.class, () -> Frames.read(new ByteArrayInputStream(b), 1024));
      assertEquals(ErrorCode.TRUNCATED_FRAME, e.code());
      assertTrue(e.fatal());
    }
  }

  @Test
  void aFrameWithoutItsTwoHeaderBytesIsMalformedButTheStreamStaysInStep() {
    FrameException e =
        assertThrows(
            FrameException.class,
            () -> Frames.read(new ByteArrayInputStream(new byte[] {0, 0, 0, 1, 1}), 1024));
    assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
    assertFalse(e.fatal());
  }

  @Test
  void aCleanEndOfStreamBeforeAFrameIsNotAnError() throws Exception {
    assertTrue(Frames.read(new ByteArrayInputStream(new byte[0]), 1024).isEmpty());
  }

  @Test
  void bodiesWithDuplicateKeysUnknownFieldsOrTrailingTokensAreMalformed() {
    for (String body :
        List.of(
            "{\"round\":\"a\",\"round\":\"b\"}",
            "{\"round\":\"a\",\"extra\":1}",
            "{\"round\":\"a\"} {}",
            "[]",
            "null")) {
      FrameException e =
          assertThrows(
              FrameException.class,
              () ->
                  Codec.decode(
                      new Frames.Frame(
                          1,
                          MessageType.CLOSE_ROUND.code(),
                          body.getBytes(StandardCharsets.UTF_8))),
              body);
      assertEquals(ErrorCode.MALFORMED_MESSAGE, e.code(), body);
    }
  }

  @Test
  void anotherVersionOrAnUnknownTypeIsNamedInTheError() {
    assertEquals(
        ErrorCode.UNSUPPORTED_VERSION,
        assertThrows(
                FrameException.class,
                () -> Codec.decode(new Frames.Frame(2, 1, "{}".getBytes(StandardCharsets.UTF_8))))
            .code());
    assertEquals(
        ErrorCode.UNKNOWN_MESSAGE_TYPE,
        assertThrows(
                FrameException.class,
                () ->
                    Codec.decode(new Frames.Frame(1, 0x42, "{}".getBytes(StandardCharsets.UTF_8))))
            .code());
  }

  @Test
  void randomBytesAndMutatedFramesOnlyEverFailAsFrameErrors() throws Exception {
    java.util.Random random = new java.util.Random(20261127);
    byte[] valid =
        Codec.encode(new Message.SubmitPayloads("r1", List.of("a.b.c.d.e", "f.g.h.i.j")));
    for (int i = 0; i < 20_000; i++) {
      byte[] input;
      if (i % 2 == 0) {
        input = new byte[random.nextInt(64)];
        random.nextBytes(input);
      } else {
        input = valid.clone();
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          input[random.nextInt(input.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      InputStream in = new ByteArrayInputStream(input);
      try {
        while (new Codec(1024).read(in).isPresent()) {
          // keep reading until the stream ends or a frame fails
        }
      } catch (FrameException expected) {
        // the only acceptable failure
      }
    }
  }

  @Test
  void errorCodesRoundTripThroughTheirWireNames() {
    for (ErrorCode c : ErrorCode.values()) {
      assertEquals(c, ErrorCode.fromWire(c.wire()).orElseThrow());
    }
  }
}
