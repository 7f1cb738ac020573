package dev.sovereign.attestation.nsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.attestation.nsm.simulated.TestJars;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated and random bytes never make the codec throw anything but {@link
 * MalformedNsmMessageException}, and never make the simulated NSM answer with anything but a
 * decodable response. Deterministic (seeded) so failures reproduce.
 */
class NsmCodecRobustnessTest {

  @TempDir Path tmp;

  private static List<byte[]> inputs() {
    List<byte[]> seeds =
        List.of(
            NsmCodec.encode(new Request.ExtendPcr(16, new byte[] {1, 2, 3})),
            NsmCodec.encode(new Request.Attestation(new byte[] {1}, new byte[] {2, 3}, null)),
            NsmCodec.encode(new Request.LockPcrs(32)),
            NsmCodec.encode(new Request.DescribeNsm()),
            NsmCodec.encode(
                new Response.DescribeNsm(
                    1, 0, 0, "i-0-enc0", 32, new TreeSet<>(List.of(0, 1)), Digest.SHA384)),
            NsmCodec.encode(new Response.Error(ErrorCode.INPUT_TOO_LARGE)));
    List<byte[]> out = new ArrayList<>();
    Random random = new Random(20261127L);
    for (byte[] seed : seeds) {
      for (int i = 0; i < seed.length; i++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] m = seed.clone();
          m[i] ^= (byte) (1 << bit);
          out.add(m);
        }
        out.add(Arrays.copyOf(seed, i));
      }
    }
    for (int n = 0; n < 1000; n++) {
      byte[] b = new byte[random.nextInt(40)];
      random.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  @Test
  void decodingMutatedOrRandomBytesOnlyEverFailsAsMalformed() {
    int decoded = 0;
    for (byte[] b : inputs()) {
      for (int side = 0; side < 2; side++) {
        try {
          Object message = side == 0 ? NsmCodec.decodeRequest(b) : NsmCodec.decodeResponse(b);
          // Whatever decodes re-encodes without error.
          if (message instanceof Request r) {
            NsmCodec.encode(r);
          } else {
            NsmCodec.encode((Response) message);
          }
          decoded++;
        } catch (MalformedNsmMessageException expected) {
          // the only failure allowed
        }
      }
    }
    assertEquals(
        true, decoded > 0, "some single-bit mutations still decode (e.g. a changed index)");
  }

  @Test
  void theSimulatedNsmAnswersEveryInputWithADecodableResponse() throws Exception {
    Path jar = TestJars.write(tmp.resolve("e.jar"), "x", 0L);
    try (SimulatedNsm nsm = SimulatedNsm.open(SimulationConfig.of(tmp.resolve("state"), jar))) {
      List<byte[]> all = inputs();
      // Every fifth input keeps signing (a mutated Attestation request still attests) within a
      // second or two.
      for (int i = 0; i < all.size(); i += 5) {
        assertInstanceOf(Response.class, NsmCodec.decodeResponse(nsm.exchange(all.get(i))));
      }
    }
  }
}
