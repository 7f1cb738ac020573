package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORObject;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The codec's wire format: exact bytes out, and everything but that format rejected as MALFORMED.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CoseCodecTest {
  static final CBOREncodeOptions KEEP_ORDER = new CBOREncodeOptions("keepkeyorder=true");
  static TestNitroPki pki;

  @BeforeAll
  static void makePki() {
    pki = TestNitroPki.create(Instant.parse("2026-03-01T12:00:00Z"));
  }

  static void assertMalformed(byte[] input) {
    AttestationRejectedException e =
        assertThrows(AttestationRejectedException.class, () -> AttestationDocuments.parse(input));
    assertEquals(AttestationRejection.MALFORMED, e.reason(), e.getMessage());
  }

  /** A validly signed COSE_Sign1 over the test document's payload after {@code edit}. */
  static byte[] signedPayloadWith(Consumer<CBORObject> edit) {
    CBORObject map =
        CBORObject.DecodeFromBytes(
            AttestationDocuments.encodePayload(pki.document().build()), KEEP_ORDER);
    edit.accept(map);
    return pki.signRawPayload(map.EncodeToBytes());
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] hex(String h) {
    return HexFormat.of().parseHex(h);
  }

  @Test
  void the_envelope_is_untagged_with_protected_header_a1013822_and_an_empty_unprotected_map()
      throws Exception {
    byte[] cose = pki.sign(pki.document().build());
    assertEquals("8444a1013822a0", HexFormat.of().formatHex(cose, 0, 7));
    ParsedAttestation p = AttestationDocuments.parse(cose);
    assertArrayEquals(hex("a1013822"), p.protectedHeader());
    assertEquals(96, p.signature().length);
    // Sig_structure = ["Signature1", h'a1013822', h'', payload]
    byte[] payload = p.payload();
    byte[] expected =
        CBORObject.NewArray()
            .Add("Signature1")
            .Add(hex("a1013822"))
            .Add(new byte[0])
            .Add(payload)
            .EncodeToBytes();
    assertArrayEquals(expected, p.toBeSigned());
    assertEquals("846a5369676e61747572653144a101382240", HexFormat.of().formatHex(expected, 0, 18));
  }

  @Test
  void the_payload_keeps_the_nsm_key_order_and_writes_absent_fields_as_null() {
    byte[] payload = AttestationDocuments.encodePayload(pki.document().build());
    CBORObject map = CBORObject.DecodeFromBytes(payload, KEEP_ORDER);
    assertEquals(
        "[\"module_id\", \"digest\", \"timestamp\", \"pcrs\", \"certificate\", \"cabundle\", \"public_key\", \"user_data\", \"nonce\"]",
        map.getKeys().toString());
    assertEquals(0xA9, payload[0] & 0xFF);
    assertEquals(CBORObject.Null, map.get("public_key"));
    assertEquals(CBORObject.Null, map.get("nonce"));
  }

  @Test
  void parsing_does_not_verify_a_signature() throws Exception {
    byte[] cose =
        AttestationDocuments.sign(pki.document().build(), TestNitroPki.newKey().getPrivate());
    assertEquals(pki.document().build(), AttestationDocuments.parse(cose).unverifiedDocument());
  }

  @Test
  void empty_oversized_and_non_cbor_inputs_are_malformed() {
    assertMalformed(new byte[0]);
    assertMalformed(null);
    assertMalformed(new byte[AttestationDocuments.MAX_DOCUMENT_BYTES + 1]);
    assertMalformed(hex("ff"));
    assertMalformed(hex("1c"));
    assertMalformed(hex("84"));
  }

  @Test
  void trailing_bytes_are_malformed() {
    byte[] doc = AwsFixture.document();
    assertMalformed(concat(doc, hex("00")));
    assertMalformed(concat(doc, doc));
  }

  @Test
  void tags_other_than_one_outer_18_are_malformed() {
    byte[] doc = AwsFixture.document();
    assertMalformed(concat(hex("d1"), doc)); // 17 COSE_Mac0
    assertMalformed(concat(hex("d862"), doc)); // 98 COSE_Sign
    assertMalformed(concat(hex("d2d2"), doc)); // 18 twice
    assertMalformed(concat(hex("d818"), doc)); // 24 encoded CBOR
  }

  @Test
  void a_protected_header_other_than_es384_is_malformed_even_when_validly_signed()
      throws Exception {
    for (String header :
        new String[] {"a10126", "a1013823", "a201382204420102", "", "a0", "a1013822a0"}) {
      byte[] ph = hex(header);
      byte[] payload = AttestationDocuments.encodePayload(pki.document().build());
      byte[] sig =
          dev.sovereign.attestation.internal.Es384.signP1363(
              dev.sovereign.attestation.internal.Es384.privateKey(pki.leaf().keys().getPrivate()),
              AttestationDocuments.sigStructure(ph, payload));
      assertMalformed(AttestationDocuments.encodeCose(ph, payload, sig));
    }
  }

  @Test
  void a_non_empty_unprotected_header_is_malformed() throws Exception {
    ParsedAttestation p = AttestationDocuments.parse(AwsFixture.document());
    CBORObject cose =
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap().Add(4, new byte[] {1}))
            .Add(p.payload())
            .Add(p.signature());
    assertMalformed(cose.EncodeToBytes());
  }

  @Test
  void a_cose_structure_of_the_wrong_shape_or_types_is_malformed() throws Exception {
    ParsedAttestation p = AttestationDocuments.parse(AwsFixture.document());
    assertMalformed(
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap())
            .Add(p.payload())
            .EncodeToBytes());
    assertMalformed(
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap())
            .Add(p.payload())
            .Add(p.signature())
            .Add(1)
            .EncodeToBytes());
    assertMalformed(
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap())
            .Add(CBORObject.Null)
            .Add(p.signature())
            .EncodeToBytes());
    assertMalformed(
        CBORObject.NewArray()
            .Add(CBORObject.DecodeFromBytes(p.protectedHeader()))
            .Add(CBORObject.NewMap())
            .Add(p.payload())
            .Add(p.signature())
            .EncodeToBytes());
    assertMalformed(
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap())
            .Add(p.payload())
            .Add(Arrays.copyOf(p.signature(), 95))
            .EncodeToBytes());
    assertMalformed(
        CBORObject.NewArray()
            .Add(p.protectedHeader())
            .Add(CBORObject.NewMap())
            .Add(p.payload())
            .Add(Arrays.copyOf(p.signature(), 104))
            .EncodeToBytes());
    assertMalformed(CBORObject.NewMap().Add(1, 2).EncodeToBytes());
  }

  @Test
  void a_non_deterministic_envelope_is_malformed() {
    byte[] doc = AwsFixture.document();
    // Signature length as a two-byte length (59 0060 instead of 58 60).
    int sigHeader = doc.length - 98;
    assertEquals(0x58, doc[sigHeader] & 0xFF);
    byte[] longForm =
        concat(
            Arrays.copyOfRange(doc, 0, sigHeader),
            hex("590060"),
            Arrays.copyOfRange(doc, sigHeader + 2, doc.length));
    assertMalformed(longForm);
    // Indefinite-length array.
    assertMalformed(concat(hex("9f"), Arrays.copyOfRange(doc, 1, doc.length), hex("ff")));
  }

  @Test
  void duplicate_payload_keys_are_malformed_even_when_validly_signed() {
    byte[] payload = AttestationDocuments.encodePayload(pki.document().build());
    byte[] dup =
        concat(
            new byte[] {(byte) 0xAA},
            Arrays.copyOfRange(payload, 1, payload.length),
            hex("656e6f6e6365f6")); // "nonce": null a second time
    assertMalformed(pki.signRawPayload(dup));
  }

  @Test
  void unknown_or_missing_payload_keys_are_malformed() {
    assertMalformed(signedPayloadWith(m -> m.Add("extra", 1)));
    assertMalformed(signedPayloadWith(m -> m.Add(7, 1)));
    for (String k :
        new String[] {"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"}) {
      assertMalformed(signedPayloadWith(m -> m.Remove(CBORObject.FromObject(k))));
    }
  }

  @Test
  void absent_optional_fields_are_malformed_because_the_nsm_writes_them_as_null() {
    assertMalformed(signedPayloadWith(m -> m.Remove(CBORObject.FromObject("nonce"))));
  }

  @Test
  void wrong_field_types_are_malformed() {
    assertMalformed(signedPayloadWith(m -> m.Set("module_id", new byte[] {1})));
    assertMalformed(signedPayloadWith(m -> m.Set("digest", "SHA256")));
    assertMalformed(signedPayloadWith(m -> m.Set("timestamp", "1694102161556")));
    assertMalformed(signedPayloadWith(m -> m.Set("timestamp", -1)));
    assertMalformed(signedPayloadWith(m -> m.Set("timestamp", 1.5)));
    assertMalformed(
        signedPayloadWith(
            m -> m.Set("timestamp", CBORObject.FromObjectAndTag(new byte[] {1, 2}, 2))));
    assertMalformed(signedPayloadWith(m -> m.Set("pcrs", CBORObject.NewArray().Add(new byte[48]))));
    assertMalformed(signedPayloadWith(m -> m.get("pcrs").Add("5", new byte[48])));
    assertMalformed(signedPayloadWith(m -> m.get("pcrs").Add(-1, new byte[48])));
    assertMalformed(signedPayloadWith(m -> m.get("pcrs").Add(32, new byte[48])));
    assertMalformed(signedPayloadWith(m -> m.get("pcrs").Add(5, new byte[20])));
    assertMalformed(signedPayloadWith(m -> m.Set("certificate", CBORObject.NewArray())));
    assertMalformed(signedPayloadWith(m -> m.Set("cabundle", pki.root().der())));
    assertMalformed(signedPayloadWith(m -> m.Set("cabundle", CBORObject.NewArray())));
    assertMalformed(signedPayloadWith(m -> m.Set("nonce", "abc")));
    assertMalformed(signedPayloadWith(m -> m.Set("public_key", CBORObject.Undefined)));
    assertMalformed(
        signedPayloadWith(
            m -> m.Set("user_data", CBORObject.FromObjectAndTag(new byte[] {1}, 24))));
  }

  @Test
  void payload_keys_out_of_the_nsm_order_are_malformed() {
    assertMalformed(
        signedPayloadWith(
            m -> {
              CBORObject digest = m.get("digest");
              m.Remove(CBORObject.FromObject("digest"));
              m.Add("digest", digest);
            }));
  }

  @Test
  void a_pcr_index_in_a_longer_integer_form_is_malformed() {
    byte[] payload = AttestationDocuments.encodePayload(pki.document().build());
    // "pcrs" a5 00 5830 ... -> "pcrs" a5 1800 5830 ...
    byte[] key =
        concat(hex("64"), "pcrs".getBytes(java.nio.charset.StandardCharsets.US_ASCII), hex("a500"));
    int at = AwsDocumentTamperTest.indexOf(payload, key, 0);
    byte[] longer =
        concat(
            Arrays.copyOfRange(payload, 0, at + key.length - 1),
            hex("1800"),
            Arrays.copyOfRange(payload, at + key.length, payload.length));
    assertMalformed(pki.signRawPayload(longer));
  }
}
