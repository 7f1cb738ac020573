package dev.sovereign.enclave.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Jazzer fuzz target at the frame decoder: whatever bytes a peer sends, reading them yields
 * messages, a clean end, or a {@link FrameException} with a protocol error code (fatal ones end the
 * stream); nothing else escapes. Every message decoded encodes back to bytes that decode to an
 * equal message, and re-encoding those gives the same bytes.
 *
 * <p>Default suite: Jazzer's regression mode over {@code FrameDecoderFuzzTestInputs/}. Long run:
 * {@code ./mvnw -pl enclave-protocol test -Dsovereign.long=true -Dtest=FrameDecoderFuzzTest} (the
 * module's {@code long-fuzz} profile sets {@code JAZZER_FUZZ=1}) fuzzes for {@code maxDuration}.
 */
class FrameDecoderFuzzTest {
  /** Small, so the fuzzer reaches the too-large path with short inputs. */
  private static final Codec CODEC = new Codec(64 * 1024);

  @FuzzTest(maxDuration = "10m")
  void the_decoder_only_ever_yields_messages_or_a_protocol_error(byte[] input) {
    ByteArrayInputStream in = new ByteArrayInputStream(input);
    for (int frames = 0; frames < 1000; frames++) {
      Optional<Message> m;
      try {
        m = CODEC.read(in);
      } catch (FrameException e) {
        if (e.code() == null || e.getMessage() == null) {
          throw new AssertionError("a frame error without a code or detail");
        }
        if (e.fatal()) {
          return;
        }
        continue;
      } catch (IOException e) {
        throw new AssertionError("an in-memory stream cannot fail", e);
      }
      if (m.isEmpty()) {
        return;
      }
      roundTrip(m.get());
    }
  }

  private static void roundTrip(Message m) {
    byte[] once = Codec.encode(m);
    Message back;
    try {
      back = CODEC.read(new ByteArrayInputStream(once)).orElseThrow();
    } catch (FrameException | IOException e) {
      throw new AssertionError("a decoded message did not decode after encoding: ", e);
    }
    if (!Arrays.equals(once, Codec.encode(back))) {
      throw new AssertionError("encode(decode(encode(m))) differs from encode(m)");
    }
  }
}
