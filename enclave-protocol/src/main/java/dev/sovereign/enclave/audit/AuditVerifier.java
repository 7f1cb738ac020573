package dev.sovereign.enclave.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.crypto.audit.AuditFormat;
import dev.sovereign.crypto.audit.ChainBrokenException;
import dev.sovereign.crypto.audit.HashChain;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The offline check of an audit file ({@link AuditChain}; its chain is {@link HashChain} over
 * {@link AuditFormat#CANONICAL_LINES}, the check every audit log of the system shares): the log is
 * not empty, every line canonical and chained, every {@value AuditChain#HEAD_SIGNED} entry's token
 * signed by a pinned enclave did:key and naming the chain's head at the seq it covers, and no entry
 * after the last signed head (only head entries may follow it). Checks run in that order; the first
 * failure is the answer. A log cut after one of its signed heads is a genuine older export: only
 * the reader's expectations (how fresh the final head must be, which results the log must hold)
 * tell it from the whole log.
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
      Set<String> enclaveDids) {
    /** The last signed head (every entry but trailing head entries is at or before its seq). */
    public AuditHeadToken.VerifiedHead finalHead() {
      return signedHeads.get(signedHeads.size() - 1);
    }
  }

  /**
   * Verifies {@code lines} (the file split at {@code \n}, no trailing empty line): every head must
   * be signed by one of {@code enclaveDids}, which must not be empty (a head signed by a key the
   * reader does not pin proves nothing: anybody can make a did:key).
   */
  public static VerifiedLog verify(List<String> lines, Set<String> enclaveDids)
      throws AuditRejectedException {
    if (enclaveDids.isEmpty()) {
      throw new IllegalArgumentException("pin at least one enclave DID");
    }
    if (lines.isEmpty()) {
      throw new AuditRejectedException(
          "audit-log-empty", 0, "the log holds no entry and no signed head");
    }
    Chain c = chain(lines, 0, AuditChain.GENESIS);
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
      if (!enclaveDids.contains(h.enclaveDid())) {
        throw new AuditRejectedException(
            "audit-head-wrong-enclave",
            seq,
            "the head for seq " + h.seq() + " is signed by " + h.enclaveDid() + ", not pinned");
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
          "entries "
              + first
              + ".."
              + lastPlain
              + " are not covered by a signed head (a cut or a rewritten tail)");
    }
    return new VerifiedLog(c.entries(), c.head(), List.copyOf(heads), Set.copyOf(dids));
  }

  /**
   * Splits file bytes into lines; a final line without {@code \n} is a truncated write and breaks
   * the chain.
   */
  public static List<String> lines(byte[] file) throws AuditRejectedException {
    try {
      return HashChain.lines(AuditFormat.CANONICAL_LINES, file);
    } catch (ChainBrokenException e) {
      throw broken(e);
    }
  }

  /**
   * The head after {@code lines}, which must be entries {@code after + 1 ..} of a chain whose entry
   * {@code after} has hash {@code prev}; with {@code prev == null} the first line's {@code prev} is
   * not checked (a fragment whose predecessor the caller does not know).
   */
  public static String extend(long after, String prev, List<String> lines)
      throws AuditRejectedException {
    return chain(lines, after, prev).head();
  }

  static Chain chain(List<String> lines) throws AuditRejectedException {
    return chain(lines, 0, AuditChain.GENESIS);
  }

  private static Chain chain(List<String> lines, long after, String first)
      throws AuditRejectedException {
    HashChain.Verified v;
    try {
      v = HashChain.verify(AuditFormat.CANONICAL_LINES, after, first, lines);
    } catch (ChainBrokenException e) {
      throw broken(e);
    }
    List<JsonNode> nodes = new ArrayList<>(v.lines().size());
    for (AuditFormat.Entry e : v.lines()) {
      nodes.add(e.node());
    }
    return new Chain(v.entries(), v.head(), v.hashes(), nodes);
  }

  private static AuditRejectedException broken(ChainBrokenException e) {
    return new AuditRejectedException(e.code(), e.line(), e.detail());
  }
}
