package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;

/**
 * The payload on the wire: decrypted with the enclave's key and decoded, as the enclave sees it.
 */
class PayloadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ProducerIdentity producer = ProducerIdentity.generate(new SecureRandom());
  private final ECKey enclaveKey;
  private final AttestedEnclave enclave;

  PayloadsTest() throws Exception {
    enclaveKey = new ECKeyGenerator(Curve.P_256).generate();
    enclave =
        new AttestedEnclave(
            "did:key:z6MkEnclave",
            "a".repeat(64),
            enclaveKey.toPublicJWK(),
            enclaveKey.computeThumbprint().toString(),
            null,
            new byte[0]);
  }

  private Payloads.Contents contents() throws Exception {
    return new Payloads.Contents(
        "r1",
        "loyalty-points",
        "EU",
        Records.csv("country,metric,value\nDE,points,12.5\n"),
        List.of("cred.jwt.x", "accreditation.jwt.y"),
        "jti-1",
        1_700_000_000L);
  }

  private static boolean verifies(byte[] publicKey, String jws) {
    String[] p = jws.split("\\.");
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
    byte[] in = (p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII);
    v.update(in, 0, in.length);
    return v.verifySignature(Base64.getUrlDecoder().decode(p[2]));
  }

  @Test
  void thePayloadIsAJweToTheAttestedKeyCarryingAJwsSignedByTheProducer() throws Exception {
    String jwe = Payloads.build(producer, enclave, "EU", contents());
    JWEObject o = JWEObject.parse(jwe);
    assertEquals("ECDH-ES+A256KW", o.getHeader().getAlgorithm().getName());
    assertEquals("A256GCM", o.getHeader().getEncryptionMethod().getName());
    assertEquals(enclave.kid(), o.getHeader().getKeyID());
    assertEquals("JWT", o.getHeader().getContentType());
    assertEquals("EU", o.getHeader().getCustomParam("zone"));
    o.decrypt(new ECDHDecrypter(enclaveKey));
    String jws = o.getPayload().toString();
    JsonNode h = JSON.readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[0]));
    assertEquals("EdDSA", h.get("alg").asText());
    assertEquals("sovereign-payload+jwt", h.get("typ").asText());
    assertEquals(producer.kid(), h.get("kid").asText());
    JsonNode c = JSON.readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[1]));
    assertEquals(producer.did().toString(), c.get("iss").asText());
    assertEquals("jti-1", c.get("jti").asText());
    assertEquals(1_700_000_000L, c.get("iat").asLong());
    assertEquals("r1", c.get("round").asText());
    assertEquals("loyalty-points", c.get("dataset").asText());
    assertEquals("EU", c.get("region").asText());
    assertEquals("12.5", c.at("/records/0/value").decimalValue().toPlainString());
    assertEquals("DE", c.at("/records/0/group/country").asText());
    assertEquals(2, c.get("credentials").size());
    assertTrue(verifies(producer.publicKey(), jws));
    assertEquals(Payloads.payloadId(jwe).length(), 64);
  }

  @Test
  void aForgerSigningInTheProducersNameDoesNotProduceTheProducersSignature() throws Exception {
    ProducerIdentity forger = ProducerIdentity.generate(new SecureRandom());
    String jws =
        Payloads.sign(producer.did().toString(), forger.signerClaiming(producer.kid()), contents());
    JsonNode h = JSON.readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[0]));
    assertEquals(producer.kid(), h.get("kid").asText());
    assertFalse(verifies(producer.publicKey(), jws));
  }

  @Test
  void theIdentityFileRoundTripsAndNamesItsDid() throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("identity", ".json");
    try {
      producer.write(f);
      ProducerIdentity back = ProducerIdentity.read(f);
      assertTrue(back.equalsKey(producer));
      assertEquals(producer.did(), back.did());
      assertFalse(
          producer.toString().contains(JSON.readTree(f.toFile()).at("/privateJwk/d").asText()));
    } finally {
      java.nio.file.Files.deleteIfExists(f);
    }
  }
}
