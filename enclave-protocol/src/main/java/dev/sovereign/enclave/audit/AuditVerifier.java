package dev.sovereign.enclave.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.enclave.policy.Jcs;
import dev.sovereign.enclave.protocol.Codec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The offline check of an audit file ({@link AuditChain} format): every line canonical and chained,
 * every {@value AuditChain#HEAD_SIGNED} entry's token signed by its enclave did:key and naming the
 * chain's head at the seq it covers, and no entry after the last signed head. Checks run in that
 * order; the first failure is the answer.
 */
public final class AuditVerifier {
  private AuditVerifier() {}

  /** The chain alone: entry count and head. */
  record Chain(long entries, String head, List<String> hashes, List<JsonNode> nodes) {}

  /**
   * A verified log: entry count, head, the signed heads in order and the enclave DIDs that signed.
   */
  public record VerifiedLog(
      long entries,
      String head,
      List<AuditHeadToken.VerifiedHead> signedHeads,
      Set<String> enclaveDids) {}

  /** Verifies {@code lines} (the file split at {@code \n}, no trailing empty line). */
  public static VerifiedLog verify(List<String> lines) throws AuditRejectedException {
    Chain c = chain(lines);
    List<AuditHeadToken.VerifiedHead> heads = new ArrayList<>();
    Set<String> dids = new LinkedHashSet<>();
    long covered = 0;
    long lastPlain = 0;
    for (int i = 0; i < c.nodes().size(); i++) {
      JsonNode n = c.nodes().get(i);
      long seq = i + 1;
      if (!AuditChain.HEAD_SIGNED.equals(n.path("kind").asText())) {
        lastPlain = seq;
        continue;
      }
      JsonNode f = n.path("fields");
      AuditHeadToken.VerifiedHead h;
      try {
        h = AuditHeadToken.verify(f.path("jws").asText(null));
      } catch (AuditHeadToken.InvalidHeadException e) {
        throw new AuditRejectedException(e.code(), seq, e.getMessage());
      }
      if (h.seq() >= seq
          || h.seq() != f.path("covers").asLong(-1)
          || !h.head().equals(f.path("head").asText())
          || !h.head().equals(c.hashes().get((int) h.seq() - 1))) {
        throw new AuditRejectedException(
            "audit-head-mismatch",
            seq,
            "the signed head for seq " + h.seq() + " is not the chain's head at that seq");
      }
      heads.add(h);
      dids.add(h.enclaveDid());
      covered = Math.max(covered, h.seq());
    }
    if (lastPlain > covered) {
      long first = covered + 1;
      while (AuditChain.HEAD_SIGNED.equals(c.nodes().get((int) first - 1).path("kind").asText())) {
        first++;
      }
      throw new AuditRejectedException(
          "audit-unsigned-tail",
          first,
          "entries " + first + ".." + lastPlain + " are not covered by a signed head");
    }
    return new VerifiedLog(c.entries(), c.head(), List.copyOf(heads), Set.copyOf(dids));
  }

  /**
   * Splits file bytes into lines; a final line without {@code \n} is a truncated write and breaks
   * the chain.
   */
  public static List<String> lines(byte[] file) throws AuditRejectedException {
    String s = new String(file, StandardCharsets.UTF_8);
    if (s.isEmpty()) {
      return List.of();
    }
    if (!s.endsWith("\n")) {
      throw new AuditRejectedException(
          "audit-chain-broken", s.split("\n", -1).length, "last line is incomplete");
    }
    return Arrays.asList(s.substring(0, s.length() - 1).split("\n", -1));
  }

  static Chain chain(List<String> lines) throws AuditRejectedException {
    String prev = AuditChain.GENESIS;
    List<String> hashes = new ArrayList<>(lines.size());
    List<JsonNode> nodes = new ArrayList<>(lines.size());
    long seq = 0;
    for (String line : lines) {
      seq++;
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      JsonNode n;
      try {
        n = Codec.json().readTree(bytes);
      } catch (java.io.IOException e) {
        throw new AuditRejectedException("audit-chain-broken", seq, "not JSON");
      }
      if (n == null
          || !n.isObject()
          || n.size() != 5
          || !n.path("fields").isObject()
          || !n.path("kind").isTextual()
          || !n.path("time").isTextual()
          || !Arrays.equals(Jcs.canonicalize(n), bytes)) {
        throw new AuditRejectedException("audit-chain-broken", seq, "not a canonical entry");
      }
      if (!n.path("seq").isIntegralNumber() || n.path("seq").asLong() != seq) {
        throw new AuditRejectedException("audit-chain-broken", seq, "seq is not " + seq);
      }
      if (!prev.equals(n.path("prev").asText())) {
        throw new AuditRejectedException(
            "audit-chain-broken", seq, "prev is not the previous line's hash");
      }
      prev = AuditChain.sha256Hex(bytes);
      hashes.add(prev);
      nodes.add(n);
    }
    return new Chain(seq, prev, hashes, nodes);
  }
}
