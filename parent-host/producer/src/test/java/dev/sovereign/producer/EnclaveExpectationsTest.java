package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnclaveExpectationsTest {
  @TempDir Path tmp;
  SimulatedEnclave enclave;
  byte[] nonce = new byte[32];

  @BeforeEach
  void boot() throws Exception {
    enclave = new SimulatedEnclave(tmp);
    new SecureRandom().nextBytes(nonce);
  }

  @AfterEach
  void stop() {
    enclave.close();
  }

  private EnclaveExpectations expect(String policy) {
    return EnclaveExpectations.of(
        List.of(enclave.root),
        Map.of(0, enclave.pcr0),
        policy,
        EnclaveExpectations.DEFAULT_MAX_AGE);
  }

  private ObjectNode genuine() throws Exception {
    byte[] doc =
        enclave.document(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY), nonce);
    return enclave.answer(doc, enclave.did(), enclave.encryption);
  }

  private String rejection(EnclaveExpectations e, ObjectNode answer, byte[] n) {
    return assertThrows(RejectedException.class, () -> e.verify(answer, n)).code();
  }

  @Test
  void aGenuineAnswerYieldsTheAttestedKeyAndTheEnclaveDid() throws Exception {
    AttestedEnclave a = expect(SimulatedEnclave.POLICY).verify(genuine(), nonce);
    assertEquals(enclave.did(), a.enclaveDid());
    assertEquals(SimulatedEnclave.POLICY, a.policySha256());
    assertEquals(enclave.encryption.computeThumbprint().toString(), a.kid());
    assertArrayEquals(
        enclave.encryption.toECPublicKey().getEncoded(),
        a.encryptionKey().toECPublicKey().getEncoded());
  }

  @Test
  void anEnclaveRunningAnotherPolicyIsRefused() throws Exception {
    assertEquals("policy-hash-mismatch", rejection(expect("b".repeat(64)), genuine(), nonce));
  }

  @Test
  void aDocumentForAnotherNonceIsRefused() throws Exception {
    byte[] other = nonce.clone();
    other[0] ^= 1;
    assertEquals(
        "attestation-nonce-mismatch", rejection(expect(SimulatedEnclave.POLICY), genuine(), other));
  }

  @Test
  void aHostReportingAnotherDidThanTheDocumentBindsIsRefused() throws Exception {
    byte[] doc =
        enclave.document(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY), nonce);
    String other = ProducerIdentity.generate(new SecureRandom()).did().toString();
    assertEquals(
        "enclave-did-not-bound",
        rejection(
            expect(SimulatedEnclave.POLICY),
            enclave.answer(doc, other, enclave.encryption),
            nonce));
  }

  @Test
  void aHostSwappingInItsOwnEncryptionKeyIsRefused() throws Exception {
    byte[] doc =
        enclave.document(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY), nonce);
    ObjectNode swapped =
        enclave.answer(doc, enclave.did(), new ECKeyGenerator(Curve.P_256).generate());
    assertEquals(
        "encryption-key-not-attested", rejection(expect(SimulatedEnclave.POLICY), swapped, nonce));
  }

  @Test
  void aKidThatIsNotTheThumbprintOfTheAttestedKeyIsRefused() throws Exception {
    ObjectNode a = genuine();
    a.put("kid", "not-the-thumbprint");
    assertEquals("kid-mismatch", rejection(expect(SimulatedEnclave.POLICY), a, nonce));
  }

  @Test
  void userDataOutsideItsCanonicalFormIsRefused() throws Exception {
    byte[] loose =
        ("{ \"did\": \""
                + enclave.did()
                + "\", \"policySha256\": \""
                + SimulatedEnclave.POLICY
                + "\" }")
            .getBytes(StandardCharsets.UTF_8);
    ObjectNode a =
        enclave.answer(enclave.document(loose, nonce), enclave.did(), enclave.encryption);
    assertEquals("user-data-malformed", rejection(expect(SimulatedEnclave.POLICY), a, nonce));
  }

  @Test
  void anImageOutsideTheAllowListIsRefused() throws Exception {
    EnclaveExpectations other =
        EnclaveExpectations.of(
            List.of(enclave.root),
            Map.of(0, new byte[48]),
            SimulatedEnclave.POLICY,
            EnclaveExpectations.DEFAULT_MAX_AGE);
    assertEquals("attestation-pcr-mismatch", rejection(other, genuine(), nonce));
  }
}
