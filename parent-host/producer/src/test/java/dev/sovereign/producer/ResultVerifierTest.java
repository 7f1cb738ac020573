package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.TrustAnchors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The regulator's check, step by step, on results built the way the enclave's ResultIssuer builds
 * them.
 */
class ResultVerifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64U = Base64.getUrlEncoder().withoutPadding();
  @TempDir Path tmp;
  SimulatedEnclave enclave;

  @BeforeEach
  void boot() throws Exception {
    enclave = new SimulatedEnclave(tmp);
  }

  @AfterEach
  void stop() {
    enclave.close();
  }

  private ObjectNode credential(byte[] userData) throws Exception {
    ObjectNode vc = JSON.createObjectNode();
    vc.putArray("@context")
        .add("https://www.w3.org/ns/credentials/v2")
        .add("https://sovereign.dev/ns/aggregate/v1");
    vc.putArray("type").add("VerifiableCredential").add("SovereignAggregateResult");
    vc.put("issuer", enclave.did());
    vc.put("validFrom", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    ObjectNode s = vc.putObject("credentialSubject");
    s.put("round", "r1")
        .put("dataset", "loyalty-points")
        .put("policySha256", SimulatedEnclave.POLICY)
        .put("enclaveDid", enclave.did());
    ObjectNode in = s.putObject("inputs");
    in.put("accepted", 3).put("rejected", 2);
    in.putObject("rejectedByReason").put("replay", 1).put("credential-revoked", 1);
    in.putObject("rejectedProducersByReason").put("replay", 1).put("credential-revoked", 1);
    in.put("unauthenticated", 2000);
    s.putObject("merkle").put("leaves", 3).put("root", "00".repeat(32));
    s.put(
        "attestationDocument",
        Base64.getEncoder().encodeToString(enclave.document(userData, null)));
    return vc;
  }

  private String sign(ObjectNode header, ObjectNode vc) throws Exception {
    String input =
        B64U.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + B64U.encodeToString(JSON.writeValueAsBytes(vc));
    return input
        + "."
        + B64U.encodeToString(
            enclave.signing.signer().sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private ObjectNode header() {
    return JSON.createObjectNode()
        .put("alg", "EdDSA")
        .put("kid", enclave.signing.kid())
        .put("typ", "vc+jwt");
  }

  private String result(Consumer<ObjectNode> change) throws Exception {
    ObjectNode vc = credential(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY));
    change.accept(vc);
    return sign(header(), vc);
  }

  private ResultVerifier.Builder regulator() {
    return ResultVerifier.builder().root(enclave.root).allowPcr(0, enclave.pcr0);
  }

  private static String code(ResultReport r) {
    return r.firstFailure().map(ResultReport.Step::code).orElse("VALID");
  }

  @Test
  void aGenuineResultIsValidAndTheReportSaysWhatWasNotChecked() throws Exception {
    ResultReport r =
        regulator().expectPolicySha256(SimulatedEnclave.POLICY).build().verify(result(vc -> {}));
    assertEquals("VALID", r.verdict(), r.toString());
    assertEquals(
        java.util.List.of(
            "result-format",
            "result-signature",
            "result-pins",
            "attestation",
            "enclave-did-binding",
            "policy-hash-binding",
            "input-counts",
            "merkle-root",
            "credential-chains"),
        r.steps().stream().map(ResultReport.Step::name).toList());
    assertEquals("not-pinned", r.steps().get(2).code());
    assertEquals("no-chain-evidence", r.steps().get(8).code());
    assertEquals(ResultReport.Outcome.SKIPPED, r.steps().get(8).outcome());
    assertTrue(r.toJson(JSON).path("reasonCode").isNull());
  }

  @Test
  void aResultChangedAfterSigningFailsTheSignature() throws Exception {
    String[] p = result(vc -> {}).split("\\.");
    ObjectNode vc = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(p[1]));
    ((ObjectNode) vc.get("credentialSubject"))
        .putObject("inputs")
        .put("accepted", 4)
        .put("rejected", 1)
        .putObject("rejectedByReason")
        .put("replay", 1);
    String forged = p[0] + "." + B64U.encodeToString(JSON.writeValueAsBytes(vc)) + "." + p[2];
    assertEquals("result-signature-invalid", code(regulator().build().verify(forged)));
  }

  @Test
  void aTokenNamingAnotherAlgorithmOrKeyIsRefusedBeforeAnyKeyIsUsed() throws Exception {
    ObjectNode vc = credential(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY));
    assertEquals(
        "result-algorithm-not-allowed",
        code(regulator().build().verify(sign(header().put("alg", "none"), vc))));
    assertEquals(
        "result-kid-not-issuer",
        code(regulator().build().verify(sign(header().put("kid", enclave.did() + "#other"), vc))));
  }

  @Test
  void aSignedResultWithAHostileHeaderIsRefusedWithTheResultReasonCode() throws Exception {
    ObjectNode vc = credential(SimulatedEnclave.userData(enclave.did(), SimulatedEnclave.POLICY));
    java.util.Map<String, String> expected =
        java.util.Map.of(
            "crit", "result-malformed",
            "unknown-member", "result-malformed",
            "alg-none", "result-algorithm-not-allowed",
            "jwk", "result-malformed",
            "jku", "result-malformed",
            "x5u", "result-malformed",
            "duplicate-kid", "result-malformed");
    java.util.Map<String, String> hostile =
        dev.sovereign.testing.HostileHeaders.of(JSON.writeValueAsString(header()));
    assertEquals(expected.keySet(), hostile.keySet());
    for (var e : hostile.entrySet()) {
      // signed by the enclave's own key: only the header check can refuse it
      String input =
          B64U.encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))
              + "."
              + B64U.encodeToString(JSON.writeValueAsBytes(vc));
      String token =
          input
              + "."
              + B64U.encodeToString(
                  enclave.signing.signer().sign(input.getBytes(StandardCharsets.US_ASCII)));
      assertEquals(expected.get(e.getKey()), code(regulator().build().verify(token)), e.getKey());
    }
  }

  @Test
  void anAttestationBindingAnotherDidDoesNotVouchForTheSigner() throws Exception {
    String other = ProducerIdentity.generate(new java.security.SecureRandom()).did().toString();
    ObjectNode vc = credential(SimulatedEnclave.userData(other, SimulatedEnclave.POLICY));
    assertEquals("enclave-did-not-bound", code(regulator().build().verify(sign(header(), vc))));
  }

  @Test
  void theResultsPolicyHashMustBeTheOneTheAttestationBindsAndTheExpectedOne() throws Exception {
    assertEquals(
        "policy-hash-mismatch",
        code(
            regulator()
                .build()
                .verify(
                    result(
                        vc ->
                            ((ObjectNode) vc.get("credentialSubject"))
                                .put("policySha256", "b".repeat(64))))));
    assertEquals(
        "policy-hash-unexpected",
        code(regulator().expectPolicySha256("c".repeat(64)).build().verify(result(vc -> {}))));
  }

  @Test
  void countsThatDoNotAddUpAreRejected() throws Exception {
    assertEquals(
        "result-counts-inconsistent",
        code(
            regulator()
                .build()
                .verify(
                    result(
                        vc ->
                            ((ObjectNode) vc.at("/credentialSubject/inputs"))
                                .put("rejected", 5)))));
  }

  @Test
  void aSignedResultWhoseRejectionSplitIsMissingOrDoesNotAddUpIsRejected() throws Exception {
    List<Consumer<ObjectNode>> broken =
        List.of(
            // truncated: no unauthenticated count (or a result from before protocol 1.5)
            in -> in.remove("unauthenticated"),
            in -> in.put("unauthenticated", -1),
            in -> in.put("unauthenticated", "2000"),
            in -> in.remove("rejectedProducersByReason"),
            // more distinct producers than payloads for a reason
            in -> ((ObjectNode) in.get("rejectedProducersByReason")).put("replay", 2),
            // producers for a reason with no rejection
            in -> ((ObjectNode) in.get("rejectedProducersByReason")).put("signature-invalid", 1),
            // a reason count that is not a count, the total still adding up
            in -> {
              ((ObjectNode) in.get("rejectedByReason")).put("replay", -1);
              in.put("rejected", 0);
            });
    for (int i = 0; i < broken.size(); i++) {
      Consumer<ObjectNode> change = broken.get(i);
      assertEquals(
          "result-counts-inconsistent",
          code(
              regulator()
                  .build()
                  .verify(
                      result(
                          vc -> change.accept((ObjectNode) vc.at("/credentialSubject/inputs"))))),
          "case " + i);
    }
  }

  @Test
  void theReportNamesTheAuthenticatedRejectionsApartFromTheUnauthenticatedCount() throws Exception {
    ResultReport r = regulator().build().verify(result(vc -> {}));
    String detail =
        r.steps().stream()
            .filter(x -> x.name().equals("input-counts"))
            .findFirst()
            .orElseThrow()
            .detail();
    assertTrue(detail.contains("2 rejected of authenticated producers"), detail);
    assertTrue(detail.contains("2000 unauthenticated"), detail);
    String result = result(vc -> {});
    String html =
        ResultReportHtml.render(
            new ResultReportHtml.Input(
                regulator().build().verify(result),
                result,
                java.util.Optional.empty(),
                List.of(),
                List.of(),
                "sovereign verify result.jwt",
                Instant.now()));
    assertTrue(html.contains("replay 1 from 1 producer</span>"), html);
    assertTrue(
        html.contains("<dt>unauthenticated</dt><dd>2000 payloads failed before any signature"),
        html);
  }

  @Test
  void aProductionRegulatorRejectsTheSimulatedAttestationAndAnotherImageIsRejectedToo()
      throws Exception {
    String r = result(vc -> {});
    assertEquals(
        "attestation-untrusted-root",
        code(ResultVerifier.builder().root(TrustAnchors.awsNitroRoot()).build().verify(r)));
    assertEquals(
        "attestation-pcr-mismatch",
        code(
            ResultVerifier.builder()
                .root(enclave.root)
                .allowPcr(0, new byte[48])
                .build()
                .verify(r)));
  }

  @Test
  void aResultWithoutAttestationIsRejected() throws Exception {
    assertEquals(
        "result-attestation-missing",
        code(
            regulator()
                .build()
                .verify(
                    result(
                        vc ->
                            ((ObjectNode) vc.get("credentialSubject"))
                                .remove("attestationDocument")))));
  }
}
