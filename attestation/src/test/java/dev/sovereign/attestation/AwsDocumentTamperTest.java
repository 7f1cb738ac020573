package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Flips every single byte of the real AWS document, region by region (COSE envelope, protected
 * header, each payload field, each certificate, signature), and expects each flip to be a typed
 * rejection with a code that fits the region. The policy is the one that accepts the untouched
 * document. Default: XOR 0x01 on every byte; with {@code -Dsovereign.long=true} also 0x80 and 0xFF.
 */
class AwsDocumentTamperTest {
  private static final Set<AttestationRejection> FORMAT =
      EnumSet.of(AttestationRejection.MALFORMED);
  private static final Set<AttestationRejection> SIGNED =
      EnumSet.of(AttestationRejection.MALFORMED, AttestationRejection.SIGNATURE_INVALID);
  private static final Set<AttestationRejection> CERT =
      EnumSet.of(AttestationRejection.MALFORMED, AttestationRejection.CHAIN_INVALID);
  private static final Set<AttestationRejection> ROOT =
      EnumSet.of(AttestationRejection.MALFORMED, AttestationRejection.UNTRUSTED_ROOT);

  /** A byte range of the document and the codes a flip inside it may produce. */
  record Region(String name, int start, int end, Set<AttestationRejection> allowed) {}

  static List<Region> regions(byte[] doc) throws Exception {
    ParsedAttestation p = AttestationDocuments.parse(doc);
    AttestationDocument d = p.unverifiedDocument();
    byte[] payload = p.payload();
    // Untagged COSE_Sign1: 84 | 44 A1 01 38 22 | A0 | 59 hh hh payload | 58 60 signature
    int payloadStart = 10;
    int payloadEnd = payloadStart + payload.length;
    List<Region> r = new ArrayList<>();
    r.add(new Region("COSE array header and protected bstr header", 0, 2, FORMAT));
    r.add(new Region("protected header {1: -35}", 2, 6, FORMAT));
    r.add(new Region("unprotected header", 6, 7, FORMAT));
    r.add(new Region("payload bstr header", 7, 10, FORMAT));
    r.add(new Region("payload map header", 10, 11, SIGNED));
    String[] keys = {
      "module_id",
      "digest",
      "timestamp",
      "pcrs",
      "certificate",
      "cabundle",
      "public_key",
      "user_data",
      "nonce"
    };
    int[] keyAt = new int[keys.length + 1];
    int from = payloadStart;
    for (int i = 0; i < keys.length; i++) {
      byte[] k = ("\0" + keys[i]).getBytes(StandardCharsets.US_ASCII);
      k[0] = (byte) (0x60 + keys[i].length());
      keyAt[i] = indexOf(doc, k, from);
      assertTrue(keyAt[i] > 0, keys[i]);
      from = keyAt[i] + k.length;
    }
    keyAt[keys.length] = payloadEnd;
    List<byte[]> certs = new ArrayList<>(d.cabundle());
    String[] certNames = {
      "cabundle[0] root", "cabundle[1] regional", "cabundle[2] zonal", "cabundle[3] instance"
    };
    for (int i = 0; i < keys.length; i++) {
      int start = keyAt[i];
      int end = keyAt[i + 1];
      if (keys[i].equals("certificate")) {
        int at = indexOf(doc, d.certificate(), start);
        r.add(new Region("payload field certificate (key and length)", start, at, SIGNED));
        r.add(new Region("leaf certificate DER", at, at + d.certificate().length, CERT));
        assertEquals(end, at + d.certificate().length);
      } else if (keys[i].equals("cabundle")) {
        int pos = start;
        for (int c = 0; c < certs.size(); c++) {
          int at = indexOf(doc, certs.get(c), pos);
          r.add(
              new Region(
                  "payload field cabundle (framing before " + certNames[c] + ")", pos, at, SIGNED));
          r.add(
              new Region(
                  certNames[c] + " DER", at, at + certs.get(c).length, c == 0 ? ROOT : CERT));
          pos = at + certs.get(c).length;
        }
        assertEquals(end, pos);
      } else {
        r.add(new Region("payload field " + keys[i], start, end, SIGNED));
      }
    }
    r.add(new Region("signature bstr header", payloadEnd, payloadEnd + 2, FORMAT));
    r.add(
        new Region(
            "signature",
            payloadEnd + 2,
            doc.length,
            EnumSet.of(AttestationRejection.SIGNATURE_INVALID)));
    return r;
  }

  @Test
  @DisplayName("the regions cover every byte of the document exactly once")
  void the_regions_cover_every_byte_exactly_once() throws Exception {
    byte[] doc = AwsFixture.document();
    int next = 0;
    for (Region region : regions(doc)) {
      assertEquals(next, region.start(), region.name());
      assertTrue(region.end() > region.start(), region.name());
      next = region.end();
    }
    assertEquals(doc.length, next);
  }

  @TestFactory
  @DisplayName("any single byte flipped is a typed rejection, region by region")
  Stream<DynamicTest> any_single_flipped_byte_is_a_typed_rejection() throws Exception {
    byte[] doc = AwsFixture.document();
    AttestationVerifier verifier =
        AttestationVerifier.create(
            AttestationPolicy.builder()
                .pinnedRoot(TrustAnchors.awsNitroRoot())
                .allowDebug(true)
                .verifyAtDocumentTimestamp()
                .build());
    verifier.verify(doc);
    int[] masks =
        Boolean.getBoolean("sovereign.long") ? new int[] {0x01, 0x80, 0xFF} : new int[] {0x01};
    return regions(doc).stream()
        .map(
            region ->
                DynamicTest.dynamicTest(
                    region.name() + " [" + region.start() + ".." + region.end() + ")",
                    () -> {
                      Map<AttestationRejection, Integer> seen =
                          new EnumMap<>(AttestationRejection.class);
                      for (int mask : masks) {
                        for (int i = region.start(); i < region.end(); i++) {
                          byte[] t = doc.clone();
                          t[i] ^= (byte) mask;
                          try {
                            verifier.verify(t);
                            fail("flipping byte " + i + " with " + mask + " was accepted");
                          } catch (AttestationRejectedException e) {
                            if (!region.allowed().contains(e.reason())) {
                              fail(
                                  "byte "
                                      + i
                                      + " ^ "
                                      + mask
                                      + " in "
                                      + region.name()
                                      + ": "
                                      + e.getMessage());
                            }
                            seen.merge(e.reason(), 1, Integer::sum);
                          }
                        }
                      }
                      System.out.println(region.name() + ": " + seen);
                    }));
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
