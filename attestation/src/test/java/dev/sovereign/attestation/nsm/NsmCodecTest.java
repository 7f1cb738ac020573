package dev.sovereign.attestation.nsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact NSM messages. Expected bytes are written by hand from the Rust definitions in
 * aws-nitro-enclaves-nsm-api 0.5.1 {@code src/api/mod.rs} (Request lines 82-131, Response lines
 * 136-194, ErrorCode lines 49-77, Digest lines 199-206) and serde_cbor 0.11.2 {@code src/ser.rs}
 * (enum_as_map default, line 70: unit variant = text, lines 390-401; newtype variant = one-entry
 * map, lines 417-435; struct variant = one-entry map to a definite-length map of fields in
 * declaration order, lines 495-515; None = f6, line 381). Text-string bytes are ASCII; each header
 * is commented.
 */
class NsmCodecTest {

  private static byte[] hex(String... parts) {
    return HexFormat.of().parseHex(String.join("", parts).replace(" ", ""));
  }

  private static void assertWire(byte[] expected, byte[] actual) {
    assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(actual));
  }

  @Test
  void describeNsmRequestIsTheBareVariantName() {
    assertWire(
        hex("6b", "44657363726962654e534d" /* "DescribeNSM" */),
        NsmCodec.encode(new Request.DescribeNsm()));
  }

  @Test
  void getRandomRequestIsTheBareVariantName() {
    assertWire(
        hex("69", "47657452616e646f6d" /* "GetRandom" */),
        NsmCodec.encode(new Request.GetRandom()));
  }

  @Test
  void describePcrRequestIsAOneEntryMapToItsFields() {
    assertWire(
        hex(
            "a1",
            "6b",
            "4465736372696265504352", // {"DescribePCR":
            "a1",
            "65",
            "696e646578",
            "10"), //   {"index": 16}}
        NsmCodec.encode(new Request.DescribePcr(16)));
  }

  @Test
  void extendPcrRequestCarriesItsDataAsAByteStringAfterTheIndex() {
    assertWire(
        hex(
            "a1",
            "69",
            "457874656e64504352", // {"ExtendPCR":
            "a2",
            "65",
            "696e646578",
            "190100", //   {"index": 256 (u16 in two bytes),
            "64",
            "64617461",
            "43010203"), //    "data": h'010203'}}  (serde_bytes: byte string)
        NsmCodec.encode(new Request.ExtendPcr(256, new byte[] {1, 2, 3})));
  }

  @Test
  void lockRequestsCarryIndexOrRange() {
    // 31 is past 23, so it takes a one-byte argument: 18 1f.
    assertWire(
        hex("a1", "67", "4c6f636b504352", "a1", "65", "696e646578", "181f"),
        NsmCodec.encode(new Request.LockPcr(31)));
    assertWire(
        hex("a1", "68", "4c6f636b50435273", "a1", "65", "72616e6765", "1820"),
        NsmCodec.encode(new Request.LockPcrs(32)));
  }

  @Test
  void attestationRequestWritesAbsentFieldsAsNullInDeclarationOrder() {
    assertWire(
        hex(
            "a1",
            "6b",
            "4174746573746174696f6e", // {"Attestation":
            "a3",
            "69",
            "757365725f64617461",
            "f6", //   {"user_data": null,
            "65",
            "6e6f6e6365",
            "420102", //    "nonce": h'0102',
            "6a",
            "7075626c69635f6b6579",
            "f6"), //    "public_key": null}}
        NsmCodec.encode(new Request.Attestation(null, new byte[] {1, 2}, null)));
  }

  @Test
  void attestationRequestWithAllFieldsUsesLongByteStringHeaders() {
    byte[] kilobyte = new byte[1024];
    byte[] wire = NsmCodec.encode(new Request.Attestation(new byte[24], kilobyte, new byte[] {7}));
    // user_data: 24 bytes needs a one-byte length (58 18); nonce: 1024 bytes a two-byte length (59
    // 0400).
    assertWire(
        hex("a1", "6b", "4174746573746174696f6e", "a3", "69", "757365725f64617461", "5818"),
        java.util.Arrays.copyOf(wire, 1 + 12 + 1 + 10 + 2));
    int nonceAt = 1 + 12 + 1 + 10 + 2 + 24;
    assertWire(
        hex("65", "6e6f6e6365", "590400"),
        java.util.Arrays.copyOfRange(wire, nonceAt, nonceAt + 9));
    assertWire(
        hex("6a", "7075626c69635f6b6579", "4107"),
        java.util.Arrays.copyOfRange(wire, wire.length - 13, wire.length));
  }

  @Test
  void errorResponseIsANewtypeVariantMapToTheCodeName() {
    assertWire(
        hex(
            "a1",
            "65",
            "4572726f72",
            "6c",
            "496e76616c6964496e646578"), // {"Error": "InvalidIndex"}
        NsmCodec.encode(new Response.Error(ErrorCode.INVALID_INDEX)));
    assertWire(
        hex(
            "a1",
            "65",
            "4572726f72",
            "6d",
            "526561644f6e6c79496e646578"), // {"Error": "ReadOnlyIndex"}
        NsmCodec.encode(new Response.Error(ErrorCode.READ_ONLY_INDEX)));
  }

  @Test
  void lockResponsesAreBareVariantNames() {
    assertWire(hex("67", "4c6f636b504352"), NsmCodec.encode(new Response.LockPcr()));
    assertWire(hex("68", "4c6f636b50435273"), NsmCodec.encode(new Response.LockPcrs()));
  }

  @Test
  void describePcrResponseWritesLockThenData() {
    assertWire(
        hex(
            "a1",
            "6b",
            "4465736372696265504352", // {"DescribePCR":
            "a2",
            "64",
            "6c6f636b",
            "f5", //   {"lock": true,
            "64",
            "64617461",
            "5830",
            "00".repeat(48)), //  "data": 48 zero bytes}}
        NsmCodec.encode(new Response.DescribePcr(true, new byte[48])));
  }

  @Test
  void describeNsmResponseWritesSevenFieldsWithLockedPcrsAsAnArray() {
    var locked = new TreeSet<Integer>();
    IntStream.range(0, 16).forEach(locked::add);
    assertWire(
        hex(
            "a1",
            "6b",
            "44657363726962654e534d", // {"DescribeNSM":
            "a7",
            "6d",
            "76657273696f6e5f6d616a6f72",
            "01", //   {"version_major": 1,
            "6d",
            "76657273696f6e5f6d696e6f72",
            "00", //    "version_minor": 0,
            "6d",
            "76657273696f6e5f7061746368",
            "00", //    "version_patch": 0,
            "69",
            "6d6f64756c655f6964",
            "7827", //    "module_id": (39 chars)
            "692d30313233343536373839616263646566302d656e6330313233343536373839616263646566",
            "68",
            "6d61785f70637273",
            "1820", //    "max_pcrs": 32,
            "6b",
            "6c6f636b65645f70637273",
            "90", //    "locked_pcrs": [16 items]
            "000102030405060708090a0b0c0d0e0f",
            "66",
            "646967657374",
            "66",
            "534841333834"), //    "digest": "SHA384"}}
        NsmCodec.encode(
            new Response.DescribeNsm(
                1, 0, 0, "i-0123456789abcdef0-enc0123456789abcdef", 32, locked, Digest.SHA384)));
  }

  @Test
  void dataCarryingResponsesUseByteStrings() {
    assertWire(
        hex("a1", "69", "457874656e64504352", "a1", "64", "64617461", "42abcd"),
        NsmCodec.encode(new Response.ExtendPcr(new byte[] {(byte) 0xab, (byte) 0xcd})));
    assertWire(
        hex("a1", "6b", "4174746573746174696f6e", "a1", "68", "646f63756d656e74", "43d28443"),
        NsmCodec.encode(new Response.Attestation(new byte[] {(byte) 0xd2, (byte) 0x84, 0x43})));
    assertWire(
        hex("a1", "69", "47657452616e646f6d", "a1", "66", "72616e646f6d", "4101"),
        NsmCodec.encode(new Response.GetRandom(new byte[] {1})));
  }

  @Test
  void everyRequestRoundTripsByteForByte() {
    List<Request> all =
        List.of(
            new Request.DescribePcr(3),
            new Request.ExtendPcr(16, new byte[] {9}),
            new Request.LockPcr(17),
            new Request.LockPcrs(32),
            new Request.DescribeNsm(),
            new Request.Attestation(new byte[] {1}, null, new byte[] {2}),
            new Request.GetRandom());
    for (Request r : all) {
      byte[] wire = NsmCodec.encode(r);
      assertEquals(r, NsmCodec.decodeRequest(wire));
      assertArrayEquals(wire, NsmCodec.encode(NsmCodec.decodeRequest(wire)));
    }
  }

  @Test
  void everyResponseRoundTripsByteForByte() {
    List<Response> all =
        List.of(
            new Response.DescribePcr(false, new byte[48]),
            new Response.ExtendPcr(new byte[48]),
            new Response.LockPcr(),
            new Response.LockPcrs(),
            new Response.DescribeNsm(1, 0, 0, "m", 32, new TreeSet<>(List.of(0, 1)), Digest.SHA384),
            new Response.Attestation(new byte[] {1, 2}),
            new Response.GetRandom(new byte[] {3}));
    for (Response r : all) {
      byte[] wire = NsmCodec.encode(r);
      assertEquals(r, NsmCodec.decodeResponse(wire));
      assertArrayEquals(wire, NsmCodec.encode(NsmCodec.decodeResponse(wire)));
    }
    for (ErrorCode c : ErrorCode.values()) {
      assertEquals(
          new Response.Error(c), NsmCodec.decodeResponse(NsmCodec.encode(new Response.Error(c))));
    }
  }

  @Test
  void decodingAcceptsFieldsInAnyOrderAndAMissingOptionAsNone() {
    // {"Attestation": {"public_key": h'01', "nonce": null}}: serde fills the missing user_data with
    // None.
    Request r =
        NsmCodec.decodeRequest(
            hex(
                "a1",
                "6b",
                "4174746573746174696f6e",
                "a2",
                "6a",
                "7075626c69635f6b6579",
                "4101",
                "65",
                "6e6f6e6365",
                "f6"));
    assertEquals(new Request.Attestation(null, null, new byte[] {1}), r);
  }

  @Test
  void decodingRejectsMalformedMessages() {
    List<byte[]> bad =
        List.of(
            hex("6b", "44657363726962654e534d", "00"), // trailing byte
            hex("6a", "44657363726962654e53"), // unknown variant "DescribeNS"
            hex("a1", "65", "4572726f72", "65", "4f6f707321"), // unknown error code "Oops!"
            hex(
                "a1",
                "6b",
                "4465736372696265504352",
                "a1",
                "65",
                "696e646578",
                "1a00010000"), // index 65536 > u16
            hex(
                "a1",
                "6b",
                "4465736372696265504352",
                "a2",
                "65",
                "696e646578",
                "01",
                "65",
                "696e646578",
                "02"), // duplicate key
            hex(
                "a1",
                "69",
                "457874656e64504352",
                "a2",
                "65",
                "696e646578",
                "10",
                "64",
                "64617461",
                "83010203"), // data as array
            hex("a1", "6b", "4465736372696265504352", "a0"), // missing index
            hex("a1", "6b", "44657363726962654e534d", "a0"), // unit variant with a body
            hex("82", "01", "02"), // not a variant at all
            hex("ff")); // not CBOR
    for (byte[] b : bad) {
      assertThrows(
          MalformedNsmMessageException.class,
          () -> NsmCodec.decodeRequest(b),
          HexFormat.of().formatHex(b));
    }
  }

  @Test
  void requestsRefuseIndicesOutsideUnsigned16Bits() {
    assertThrows(IllegalArgumentException.class, () -> new Request.DescribePcr(-1));
    assertThrows(IllegalArgumentException.class, () -> new Request.LockPcrs(65536));
  }
}
