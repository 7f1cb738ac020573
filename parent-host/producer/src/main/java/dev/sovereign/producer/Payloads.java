package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.JwsAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Builds producer payloads (DESIGN section 4): sign, then encrypt. The inner JWS has header {@code
 * {"alg":"EdDSA","kid":<producer DID URL>,"typ":"sovereign-payload+jwt"}} and claims {@code iss jti
 * iat round dataset region records credentials}; the outer JWE is {@code ECDH-ES+A256KW}/{@code
 * A256GCM} to the attested key, with {@code kid} its thumbprint, {@code cty} {@code JWT} and a
 * {@code zone} header.
 */
public final class Payloads {
  /** The inner JWS {@code typ}. */
  public static final String TYP = "sovereign-payload+jwt";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64U = Base64.getUrlEncoder().withoutPadding();

  private Payloads() {}

  /** The contents of one payload, before signing. */
  public record Contents(
      String round,
      String dataset,
      String region,
      ArrayNode records,
      List<String> credentials,
      String jti,
      long iat) {
    public Contents {
      Objects.requireNonNull(round, "round");
      Objects.requireNonNull(dataset, "dataset");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(records, "records");
      credentials = List.copyOf(credentials);
      if (credentials.isEmpty()) {
        throw new IllegalArgumentException("a payload carries at least the producer's credential");
      }
    }

    /** Contents with a fresh random {@code jti} and {@code iat} = now. */
    public static Contents of(
        String round, String dataset, String region, ArrayNode records, List<String> credentials) {
      return new Contents(
          round,
          dataset,
          region,
          records,
          credentials,
          UUID.randomUUID().toString(),
          System.currentTimeMillis() / 1000);
    }
  }

  /** The inner JWS, signed by {@code signer} for producer {@code producerDid}. */
  public static String sign(String producerDid, CredentialSigner signer, Contents c) {
    if (signer.algorithm() != JwsAlgorithm.EdDSA) {
      throw new IllegalArgumentException("producer payloads are signed with Ed25519 here");
    }
    ObjectNode header = JSON.createObjectNode();
    header.put("alg", "EdDSA");
    header.put("kid", signer.keyId());
    header.put("typ", TYP);
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", producerDid);
    claims.put("jti", c.jti());
    claims.put("iat", c.iat());
    claims.put("round", c.round());
    claims.put("dataset", c.dataset());
    claims.put("region", c.region());
    claims.set("records", c.records().deepCopy());
    ArrayNode creds = claims.putArray("credentials");
    c.credentials().forEach(creds::add);
    try {
      String input =
          B64U.encodeToString(JSON.writeValueAsBytes(header))
              + "."
              + B64U.encodeToString(JSON.writeValueAsBytes(claims));
      byte[] sig = signer.sign(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64U.encodeToString(sig);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (CredentialSigner.SigningException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  /** The inner JWS signed by the producer's own key. */
  public static String sign(ProducerIdentity producer, Contents c) {
    return sign(producer.did().toString(), producer.signer(), c);
  }

  /** Encrypts a signed inner JWS to the attested enclave key with the {@code zone} header. */
  public static String encrypt(AttestedEnclave enclave, String zone, String innerJws) {
    JWEHeader header =
        new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
            .keyID(enclave.kid())
            .contentType("JWT")
            .customParam("zone", zone)
            .build();
    JWEObject jwe = new JWEObject(header, new Payload(innerJws));
    try {
      ECDHEncrypter encrypter = new ECDHEncrypter(enclave.encryptionKey());
      // the provider is handed to Nimbus, not left to the global order (docs/crypto-provider.md)
      encrypter.getJCAContext().setProvider(Crypto.system().provider());
      jwe.encrypt(encrypter);
    } catch (JOSEException e) {
      throw new IllegalStateException("ECDH-ES encryption failed", e);
    }
    return jwe.serialize();
  }

  /** Sign, then encrypt: the payload a producer sends. */
  public static String build(
      ProducerIdentity producer, AttestedEnclave enclave, String zone, Contents c) {
    return encrypt(enclave, zone, sign(producer, c));
  }

  /** The protected header of a compact JWE or JWS (not verified; for display and routing). */
  public static JsonNode unverifiedHeader(String compact) throws RejectedException {
    int dot = compact.indexOf('.');
    try {
      return JSON.readTree(Base64.getUrlDecoder().decode(compact.substring(0, Math.max(dot, 0))));
    } catch (IOException | IllegalArgumentException e) {
      throw new RejectedException(
          "malformed-payload", "the protected header is not base64url JSON");
    }
  }

  /**
   * Lowercase hex SHA-256 of the compact bytes: the host's payload id and the enclave's Merkle
   * leaf.
   */
  public static String payloadId(String compact) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(compact.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
