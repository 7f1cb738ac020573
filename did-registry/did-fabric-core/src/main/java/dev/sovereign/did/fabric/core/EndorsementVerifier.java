package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies an endorsed read (method spec section 11) against organisation CA certificates pinned up
 * front. An endorsement counts only if its certificate is issued by a pinned CA of the MSP it
 * names, is an end-entity certificate with the peer role (subject OU=peer, Fabric NodeOUs), is
 * within its validity period, and its ECDSA P-256/SHA-256 signature covers {@code
 * "did-fabric-endorsed-read/1" || 0x00 || payload} (kind {@code ledger}) or, for a Fabric peer
 * (kind {@code fabric-peer}), {@code proposal_response_payload || endorser} where the proposal
 * response carries the chaincode response 200 with exactly {@code payload}. The verifier requires
 * endorsements from at least {@code minOrgs} distinct organisations.
 */
public final class EndorsementVerifier {
  /** The {@code format} member of an endorsed read. */
  public static final String FORMAT = "did-fabric-endorsed-read/1";

  private static final int MAX_CACHED_CERTIFICATES = 256;

  private final Map<String, List<X509Certificate>> pinnedCas;
  private final int minOrgs;
  private final String chaincode;

  /**
   * Endorser certificates already found to be issued by a pinned CA of their MSP (by MSP and
   * SHA-256 of DER).
   */
  private final Map<String, X509Certificate> issuedCertificates =
      new java.util.concurrent.ConcurrentHashMap<>();

  private EndorsementVerifier(
      Map<String, List<X509Certificate>> pinnedCas, int minOrgs, String chaincode) {
    this.pinnedCas = pinnedCas;
    this.minOrgs = minOrgs;
    this.chaincode = chaincode;
  }

  /** The chaincode name Fabric peer endorsements must come from unless configured otherwise. */
  public static final String DEFAULT_CHAINCODE = "didfabric";

  /**
   * A verifier that trusts exactly {@code pinnedCas} (MSP id to CA certificates), chaincode {@value
   * #DEFAULT_CHAINCODE}.
   */
  public static EndorsementVerifier create(
      Map<String, List<X509Certificate>> pinnedCas, int minOrgs) {
    return create(pinnedCas, minOrgs, DEFAULT_CHAINCODE);
  }

  /**
   * A verifier that trusts exactly {@code pinnedCas} and counts Fabric peer endorsements only of
   * responses by chaincode {@code chaincode} (a peer signs whatever chaincode it runs).
   */
  public static EndorsementVerifier create(
      Map<String, List<X509Certificate>> pinnedCas, int minOrgs, String chaincode) {
    if (minOrgs < 1 || pinnedCas.isEmpty() || chaincode == null || chaincode.isEmpty()) {
      throw new IllegalArgumentException(
          "at least one pinned organisation, one required endorsement, a chaincode name");
    }
    Map<String, List<X509Certificate>> copy = new HashMap<>();
    pinnedCas.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return new EndorsementVerifier(Collections.unmodifiableMap(copy), minOrgs, chaincode);
  }

  /** The bytes a ledger endorser signs for {@code payload}. */
  public static byte[] signedBytes(byte[] payload) {
    byte[] prefix = Encoding.utf8(FORMAT);
    byte[] out = new byte[prefix.length + 1 + payload.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(payload, 0, out, prefix.length + 1, payload.length);
    return out;
  }

  /** Verifies {@code endorsedRead} as the answer for {@code did} and the caller's {@code nonce}. */
  public EndorsedHead verify(String did, String nonce, byte[] endorsedRead, Instant now)
      throws RejectedException {
    ObjectNode root;
    byte[] payload;
    try {
      root = Jcs.parseObject(endorsedRead);
      if (!FORMAT.equals(root.path("format").asText(null))
          || !root.path("endorsements").isArray()) {
        throw new IllegalArgumentException("format");
      }
      payload = Encoding.fromB64url(root.path("payload").asText(""));
    } catch (IllegalArgumentException e) {
      throw invalid(did, "not a " + FORMAT + " object");
    }
    Set<String> orgs = new LinkedHashSet<>();
    for (JsonNode endorsement : root.get("endorsements")) {
      String mspId = endorsement.path("mspId").asText("");
      if (verifies(mspId, endorsement, payload, now)) {
        orgs.add(mspId);
      }
    }
    if (orgs.size() < minOrgs) {
      throw invalid(did, orgs.size() + " valid endorsing organisations, " + minOrgs + " required");
    }
    ObjectNode statement;
    try {
      statement = Jcs.parseObject(payload);
    } catch (IllegalArgumentException e) {
      throw invalid(did, "payload is not a head statement");
    }
    if (!did.equals(statement.path("did").asText(null))
        || !nonce.equals(statement.path("nonce").asText(null))) {
      throw new RejectedException(
          ReasonCode.ENDORSEMENT_MISMATCH, did, "answer is for another DID or nonce");
    }
    try {
      return new EndorsedHead(
          did,
          statement.get("sequence").longValue(),
          statement.get("versionId").textValue(),
          Instant.parse(statement.get("versionTime").textValue()),
          statement.get("deactivated").booleanValue(),
          nonce,
          new ArrayList<>(orgs));
    } catch (RuntimeException e) {
      throw invalid(did, "head statement members");
    }
  }

  private boolean verifies(String mspId, JsonNode endorsement, byte[] payload, Instant now) {
    List<X509Certificate> cas = pinnedCas.get(mspId);
    String kind = endorsement.path("kind").asText("");
    if (cas == null || !(kind.equals("ledger") || kind.equals("fabric-peer"))) {
      return false;
    }
    try {
      byte[] certificate;
      byte[] signed;
      if (kind.equals("ledger")) {
        certificate = Encoding.fromB64url(endorsement.path("certificate").asText(""));
        signed = signedBytes(payload);
      } else {
        // Fabric ProposalResponse.endorsement: the peer signs proposal_response_payload ||
        // endorser,
        // endorser = SerializedIdentity {1: mspid, 2: id_bytes (PEM certificate)}.
        byte[] endorser = Encoding.fromB64url(endorsement.path("endorser").asText(""));
        byte[] prp = Encoding.fromB64url(endorsement.path("proposalResponsePayload").asText(""));
        byte[] msp = Protobuf.bytes(endorser, 1);
        certificate = Protobuf.bytes(endorser, 2);
        if (msp == null
            || certificate == null
            || !mspId.equals(new String(msp, java.nio.charset.StandardCharsets.UTF_8))
            || !chaincodeResponseIs(prp, payload)) {
          return false;
        }
        signed = new byte[prp.length + endorser.length];
        System.arraycopy(prp, 0, signed, 0, prp.length);
        System.arraycopy(endorser, 0, signed, prp.length, endorser.length);
      }
      String cacheKey = mspId + "\u0000" + Encoding.b64url(Encoding.sha256(certificate));
      X509Certificate cert = issuedCertificates.get(cacheKey);
      if (cert == null) {
        cert =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificate));
        boolean issued = false;
        for (X509Certificate ca : cas) {
          if (ca.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
            try {
              cert.verify(ca.getPublicKey());
              issued = true;
            } catch (GeneralSecurityException e) {
              // try the next pinned CA of this organisation
            }
          }
        }
        if (!issued
            || !"EC".equals(cert.getPublicKey().getAlgorithm())
            || cert.getBasicConstraints() != -1
            || !hasPeerRole(cert)) {
          return false;
        }
        if (issuedCertificates.size() >= MAX_CACHED_CERTIFICATES) {
          issuedCertificates.clear();
        }
        issuedCertificates.put(cacheKey, cert);
      }
      // Validity is checked on every use; only the (time-independent) issuer check is cached.
      cert.checkValidity(java.util.Date.from(now));
      Signature signature = Signature.getInstance("SHA256withECDSA");
      signature.initVerify(cert.getPublicKey());
      signature.update(signed);
      return signature.verify(Encoding.fromB64url(endorsement.path("signature").asText("")));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Fabric NodeOUs: an endorser's certificate carries OU=peer. Without this check any client
   * identity of a pinned organisation (such as the host's own) could sign an "endorsement".
   */
  private static boolean hasPeerRole(X509Certificate cert) {
    org.bouncycastle.asn1.x500.X500Name subject =
        org.bouncycastle.asn1.x500.X500Name.getInstance(
            cert.getSubjectX500Principal().getEncoded());
    for (org.bouncycastle.asn1.x500.RDN rdn :
        subject.getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.OU)) {
      for (org.bouncycastle.asn1.x500.AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        if ("peer".equals(atv.getValue().toString())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * ProposalResponsePayload {2: extension = ChaincodeAction {3: response = Response {1: status, 3:
   * payload}, 4: chaincode_id = ChaincodeID {2: name}}}: the expected chaincode answered 200 with
   * exactly {@code payload}.
   */
  private boolean chaincodeResponseIs(byte[] prp, byte[] payload) {
    byte[] action = Protobuf.bytes(prp, 2);
    byte[] chaincodeId = action == null ? null : Protobuf.bytes(action, 4);
    byte[] name = chaincodeId == null ? null : Protobuf.bytes(chaincodeId, 2);
    if (name == null
        || !chaincode.equals(new String(name, java.nio.charset.StandardCharsets.UTF_8))) {
      return false;
    }
    byte[] response = Protobuf.bytes(action, 3);
    if (response == null || Protobuf.varintField(response, 1, 0) != 200) {
      return false;
    }
    byte[] answered = Protobuf.bytes(response, 3);
    return java.util.Arrays.equals(answered == null ? new byte[0] : answered, payload);
  }

  private static RejectedException invalid(String did, String detail) {
    return new RejectedException(ReasonCode.ENDORSEMENT_INVALID, did, detail);
  }
}
