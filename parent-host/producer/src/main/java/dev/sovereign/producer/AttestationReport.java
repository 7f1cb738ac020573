package dev.sovereign.producer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.VerifiedAttestation;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The JSON report of one verification: the outcome, the policy, and every check of the verifier
 * ({@link AttestationVerifier.Check}, in the order it runs them) with its status. The verifier
 * stops at the first failure, so a check is {@code passed} when it ran before the failing one,
 * {@code failed} for the failing one, {@code not-run} after it and {@code not-requested} when the
 * policy does not ask for it.
 */
public final class AttestationReport {
  private AttestationReport() {}

  public static ObjectNode build(
      ObjectMapper mapper,
      String source,
      AttestationPolicy policy,
      String verifyAt,
      VerifiedAttestation verified,
      AttestationRejectedException rejected,
      AttestationDocument unverified) {
    ObjectNode root = mapper.createObjectNode();
    root.put("file", source);
    root.put("result", verified != null ? "VALID" : "REJECTED");
    if (rejected != null) {
      root.put("reason", rejected.reason().name());
      root.put("detail", rejected.detail());
    } else {
      root.putNull("reason");
    }
    ObjectNode p = root.putObject("policy");
    ArrayNode anchors = p.putArray("pinnedRoots");
    for (X509Certificate c : policy.pinnedRoots()) {
      ObjectNode a = anchors.addObject();
      a.put("subject", c.getSubjectX500Principal().getName());
      a.put("sha256", sha256(c));
    }
    p.put("verifyAt", verifyAt);
    if (verified != null) {
      root.put("verifiedAt", verified.verifiedAt().toString());
    }
    ArrayNode req = p.putArray("requiredPcrs");
    policy.requiredPcrs().forEach(req::add);
    ObjectNode allowed = p.putObject("allowedPcrs");
    policy
        .allowedPcrs()
        .forEach(
            (k, vs) -> {
              ArrayNode a = allowed.putArray(Integer.toString(k));
              vs.forEach(v -> a.add(HexFormat.of().formatHex(v)));
            });
    p.put("allowDebug", policy.allowDebug());
    if (policy.expectedNonce() != null) {
      p.put("expectedNonce", HexFormat.of().formatHex(policy.expectedNonce()));
    } else {
      p.putNull("expectedNonce");
    }
    if (policy.maxAge() != null) {
      p.put("maxAge", policy.maxAge().toString());
    } else {
      p.putNull("maxAge");
    }

    ArrayNode checks = root.putArray("checks");
    boolean failedSeen = false;
    for (AttestationVerifier.Check c : AttestationVerifier.Check.values()) {
      ObjectNode n = checks.addObject();
      n.put("name", c.label());
      n.put("what", c.what());
      String status;
      if (!c.requestedBy(policy)) {
        status = "not-requested";
      } else if (failedSeen) {
        status = "not-run";
      } else if (rejected != null && c.codes().contains(rejected.reason())) {
        status = "failed";
        n.put("code", rejected.reason().name());
        failedSeen = true;
      } else {
        status = "passed";
      }
      n.put("status", status);
    }
    if (verified != null) {
      ObjectNode d = document(root.putObject("document"), verified.document());
      d.put("debugMode", verified.debugMode());
    } else if (unverified != null) {
      document(root.putObject("unverifiedDocument"), unverified);
    }
    return root;
  }

  private static ObjectNode document(ObjectNode d, AttestationDocument doc) {
    d.put("moduleId", doc.moduleId());
    d.put("digest", doc.digest());
    d.put("timestamp", Instant.ofEpochMilli(doc.timestampMillis()).toString());
    ObjectNode pcrs = d.putObject("pcrs");
    doc.pcrs().forEach((k, v) -> pcrs.put(Integer.toString(k), HexFormat.of().formatHex(v)));
    putHex(d, "publicKey", doc.publicKey());
    putHex(d, "userData", doc.userData());
    putHex(d, "nonce", doc.nonce());
    d.put("cabundleSize", doc.cabundle().size());
    return d;
  }

  private static void putHex(ObjectNode n, String name, byte[] v) {
    if (v == null) {
      n.putNull(name);
    } else {
      n.put(name, HexFormat.of().formatHex(v));
    }
  }

  public static String sha256(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
