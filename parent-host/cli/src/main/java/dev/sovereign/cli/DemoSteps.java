package dev.sovereign.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationRejection;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.attestation.nsm.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.SimulatedNsm;
import dev.sovereign.attestation.nsm.SimulationConfig;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** The steps of {@code sovereign demo}, in order. Each is small and named; later issues add more. */
final class DemoSteps {
  private DemoSteps() {}

  /** The simulated parent's IAM role (PCR3); PCR4 takes the instance id kept in the state directory. */
  static final String DEMO_PARENT_ROLE = "arn:aws:iam::000000000000:role/sovereign-demo-parent";
  static final Duration MAX_AGE = Duration.ofMinutes(5);

  static List<DemoStep> all() {
    return List.of(
        step("boot-enclave", "boot a simulated enclave from the enclave jar (PCRs measured at boot)", DemoSteps::boot),
        step("expected-measurements", "the producer computes the expected PCRs from the same jar, independently", DemoSteps::expected),
        step("attest-to-nonce", "the enclave attests its encryption key to a fresh producer nonce", DemoSteps::attest),
        step("producer-verifies", "the producer verifies: simulation root, PCR0-4 allow-list, nonce, max age 5 min", DemoSteps::verify),
        step("aws-root-rejects-simulation", "a production verifier (AWS root only) rejects the simulated document", DemoSteps::awsRoot),
        step("tampered-document-rejected", "one flipped byte in the signed payload is rejected", DemoSteps::tampered),
        step("wrong-nonce-rejected", "the document replayed to another producer (other nonce) is rejected", DemoSteps::wrongNonce),
        step("stale-document-rejected", "the same document ten minutes later is past the maximum age", DemoSteps::stale),
        step("unknown-image-rejected", "a verifier whose allow-list holds another image's PCR0 rejects it", DemoSteps::unknownImage));
  }

  @FunctionalInterface
  private interface Body {
    String run(DemoContext ctx) throws Exception;
  }

  private static DemoStep step(String name, String title, Body body) {
    return new DemoStep() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String title() {
        return title;
      }

      @Override
      public String run(DemoContext ctx) throws Exception {
        return body.run(ctx);
      }
    };
  }

  private static String boot(DemoContext ctx) throws Exception {
    ctx.nsm = SimulatedNsm.open(SimulationConfig.of(ctx.stateDir, ctx.enclaveJar).withParentRoleArn(DEMO_PARENT_ROLE));
    ctx.simulationRoot = ctx.nsm.rootCertificate();
    ctx.write("simulation-root.pem", SimulatedNsm.pem(ctx.simulationRoot).getBytes(StandardCharsets.US_ASCII));
    String moduleId = ctx.nsm.describeNsm().moduleId();
    ctx.say("enclave jar " + ctx.enclaveJar);
    ctx.say("simulated NSM " + moduleId + ", PKI in " + ctx.stateDir.resolve("nsm"));
    ctx.say("simulation root sha256 " + AttestationReport.sha256(ctx.simulationRoot) + " (written to simulation-root.pem)");
    ctx.evidence.put("moduleId", moduleId);
    ctx.evidence.put("simulationRootSha256", AttestationReport.sha256(ctx.simulationRoot));
    return "booted " + moduleId;
  }

  private static String expected(DemoContext ctx) throws Exception {
    ctx.expectedPcrs = SimulatedMeasurements.boot(ctx.enclaveJar, DEMO_PARENT_ROLE, ctx.nsm.parentInstanceId());
    ObjectNode pcrs = ctx.evidence.putObject("expectedPcrs");
    for (int i : new int[] {0, 1, 2, 3, 4}) {
      byte[] expected = ctx.expectedPcrs.get(i);
      byte[] measured = ctx.nsm.describePcr(i).data();
      ctx.say("PCR" + i + " " + HexFormat.of().formatHex(expected));
      pcrs.put(Integer.toString(i), HexFormat.of().formatHex(expected));
      if (!Arrays.equals(expected, measured)) {
        throw new DemoStep.Misbehaved("PCR" + i + " measured by the NSM differs from the one computed from the jar");
      }
    }
    ctx.write("expected-pcrs.json", ctx.mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(pcrs));
    return "PCR0-4 computed from the jar equal the NSM's (expected-pcrs.json)";
  }

  private static String attest(DemoContext ctx) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    ctx.enclaveEncryptionKey = gen.generateKeyPair();
    ctx.producerNonce = new byte[32];
    new SecureRandom().nextBytes(ctx.producerNonce);
    ctx.userData = "{\"purpose\":\"producer-encryption\",\"demo\":\"sovereign\"}".getBytes(StandardCharsets.UTF_8);
    ctx.say("producer nonce " + HexFormat.of().formatHex(ctx.producerNonce));
    ctx.document = ctx.nsm.attestation(ctx.userData, ctx.producerNonce, ctx.enclaveEncryptionKey.getPublic().getEncoded());
    ctx.write("attestation.cose", ctx.document);
    ctx.write("attestation.b64", (Base64.getEncoder().encodeToString(ctx.document) + "\n").getBytes(StandardCharsets.US_ASCII));
    ctx.evidence.put("producerNonce", HexFormat.of().formatHex(ctx.producerNonce));
    ctx.evidence.put("attestationBytes", ctx.document.length);
    return ctx.document.length + "-byte COSE_Sign1 document with a P-256 public key (attestation.cose, attestation.b64)";
  }

  private static AttestationPolicy.Builder producerPolicy(DemoContext ctx) {
    AttestationPolicy.Builder b = AttestationPolicy.builder()
        .pinnedRoot(ctx.simulationRoot)
        .requiredPcrs(Set.of(0, 1, 2, 3, 4))
        .expectedNonce(ctx.producerNonce)
        .maxAge(MAX_AGE);
    for (int i : new int[] {0, 1, 2, 3, 4}) {
      b.allowPcr(i, ctx.expectedPcrs.get(i));
    }
    return b;
  }

  private static String verify(DemoContext ctx) throws Exception {
    AttestationPolicy policy = producerPolicy(ctx).build();
    VerifiedAttestation v;
    try {
      v = AttestationVerifier.create(policy).verify(ctx.document);
    } catch (AttestationRejectedException e) {
      writeReport(ctx, "verification.json", "attestation.cose", policy, ctx.document, null, e);
      throw new DemoStep.Misbehaved("the genuine document was rejected: " + e.reason() + " " + e.detail());
    }
    writeReport(ctx, "verification.json", "attestation.cose", policy, ctx.document, v, null);
    if (!Arrays.equals(v.publicKey(), ctx.enclaveEncryptionKey.getPublic().getEncoded())) {
      throw new DemoStep.Misbehaved("the verified public key is not the enclave's");
    }
    ctx.say("verified at " + v.verifiedAt() + "; public_key is the enclave's P-256 key; user_data "
        + new String(v.userData(), StandardCharsets.UTF_8));
    return "VALID (verification.json)";
  }

  private static String awsRoot(DemoContext ctx) throws Exception {
    AttestationPolicy policy = AttestationPolicy.builder().pinnedRoot(TrustAnchors.awsNitroRoot()).build();
    return expectRejected(ctx, policy, "attestation.cose", ctx.document, AttestationRejection.UNTRUSTED_ROOT, "rejected-aws-root.json");
  }

  private static String tampered(DemoContext ctx) throws Exception {
    byte[] forged = ctx.document.clone();
    int at = indexOf(forged, ctx.userData);
    if (at < 0) {
      throw new IllegalStateException("user_data not found in the document bytes");
    }
    forged[at + 12] ^= 0x01;
    ctx.say("flipped one bit of user_data at byte " + (at + 12) + ": \""
        + new String(Arrays.copyOfRange(forged, at, at + ctx.userData.length), StandardCharsets.UTF_8) + "\"");
    ctx.write("attestation-tampered.cose", forged);
    return expectRejected(ctx, producerPolicy(ctx).build(), "attestation-tampered.cose", forged, AttestationRejection.SIGNATURE_INVALID,
        "rejected-tampered.json");
  }

  private static String wrongNonce(DemoContext ctx) throws Exception {
    byte[] other = new byte[32];
    new SecureRandom().nextBytes(other);
    return expectRejected(ctx, producerPolicy(ctx).expectedNonce(other).build(), "attestation.cose", ctx.document,
        AttestationRejection.NONCE_MISMATCH, "rejected-wrong-nonce.json");
  }

  private static String stale(DemoContext ctx) throws Exception {
    Instant later = Instant.ofEpochMilli(AttestationDocuments.parse(ctx.document).unverifiedDocument().timestampMillis())
        .plus(Duration.ofMinutes(10));
    return expectRejected(ctx, producerPolicy(ctx).verifyAt(later).build(), "attestation.cose", ctx.document,
        AttestationRejection.TOO_OLD, "rejected-stale.json");
  }

  private static String unknownImage(DemoContext ctx) throws Exception {
    byte[] otherImage = SimulatedMeasurements.extend(new byte[48], "another build of the enclave".getBytes(StandardCharsets.UTF_8));
    AttestationPolicy.Builder b = AttestationPolicy.builder().pinnedRoot(ctx.simulationRoot).allowPcr(0, otherImage);
    return expectRejected(ctx, b.build(), "attestation.cose", ctx.document, AttestationRejection.PCR_MISMATCH, "rejected-unknown-image.json");
  }

  private static String expectRejected(DemoContext ctx, AttestationPolicy policy, String docName, byte[] cose,
      AttestationRejection expected,
      String reportName) throws Exception {
    try {
      VerifiedAttestation v = AttestationVerifier.create(policy).verify(cose);
      writeReport(ctx, reportName, docName, policy, cose, v, null);
      throw new DemoStep.Misbehaved("accepted, but must be rejected with " + expected);
    } catch (AttestationRejectedException e) {
      writeReport(ctx, reportName, docName, policy, cose, null, e);
      if (e.reason() != expected) {
        throw new DemoStep.Misbehaved("rejected with " + e.reason() + " (" + e.detail() + "), expected " + expected);
      }
      ctx.say(e.reason() + ": " + e.detail());
      return "REJECTED " + e.reason() + " (" + reportName + ")";
    }
  }

  private static void writeReport(DemoContext ctx, String name, String docName, AttestationPolicy policy, byte[] cose,
      VerifiedAttestation v, AttestationRejectedException e) throws Exception {
    dev.sovereign.attestation.AttestationDocument unverified = null;
    try {
      unverified = AttestationDocuments.parse(cose).unverifiedDocument();
    } catch (AttestationRejectedException ignored) {
      // the report then has no unverifiedDocument section
    }
    String verifyAt = switch (policy.timeSource()) {
      case CLOCK -> "now";
      case FIXED_INSTANT -> "fixed-instant";
      case DOCUMENT_TIMESTAMP -> "document-timestamp";
    };
    ObjectNode report = AttestationReport.build(ctx.mapper, docName, policy, verifyAt, v, e, unverified);
    ctx.write(name, ctx.mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
