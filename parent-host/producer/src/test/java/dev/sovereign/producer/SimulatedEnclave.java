package dev.sovereign.producer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Test double of the enclave's attestation side built on the real simulated NSM: an Ed25519 DID, a
 * P-256 encryption key, and documents whose user_data binds {did, policySha256} as the enclave's
 * do.
 */
final class SimulatedEnclave implements AutoCloseable {
  static final String POLICY = "a".repeat(64);
  private static final ObjectMapper JSON = new ObjectMapper();

  final ProducerIdentity signing = ProducerIdentity.generate(new SecureRandom());
  final ECKey encryption;
  final SimulatedNsm nsm;
  final X509Certificate root;
  final byte[] pcr0;

  SimulatedEnclave(Path dir) throws Exception {
    Path jar = dir.resolve("enclave.jar");
    try (OutputStream o = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(o)) {
      j.putNextEntry(new JarEntry("Main.class"));
      j.write(new byte[] {1, 2, 3});
      j.closeEntry();
    }
    nsm = SimulatedNsm.open(SimulationConfig.of(dir.resolve("state"), jar));
    root = nsm.rootCertificate();
    pcr0 = SimulatedMeasurements.pcr0(jar);
    encryption = new ECKeyGenerator(Curve.P_256).generate();
  }

  String did() {
    return signing.did().toString();
  }

  static byte[] userData(String did, String policy) {
    return ("{\"did\":\"" + did + "\",\"policySha256\":\"" + policy + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  byte[] document(byte[] userData, byte[] nonce) throws Exception {
    return nsm.attestation(userData, nonce, encryption.toECPublicKey().getEncoded());
  }

  /** The host's answer to GET /v1/attestation. */
  ObjectNode answer(byte[] document, String reportedDid, ECKey jwk) throws Exception {
    ObjectNode a = JSON.createObjectNode();
    a.put("document", Base64.getEncoder().encodeToString(document));
    a.put("enclaveDid", reportedDid);
    a.set("encryptionKey", JSON.readTree(jwk.toPublicJWK().toJSONString()));
    a.put("kid", jwk.computeThumbprint().toString());
    return a;
  }

  @Override
  public void close() {
    nsm.close();
  }
}
