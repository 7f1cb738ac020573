package dev.sovereign.crypto.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.crypto.Jcs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The two line formats of Sovereign's hash-chained audit logs. Both are JSON lines whose {@code
 * prev} is the lowercase hex SHA-256 of the previous line's bytes (without the newline; {@link
 * HashChain#GENESIS} for the first) and whose sequence number counts from 1; they differ in member
 * names and in how strictly a line's bytes are fixed. A log is written in one format from its first
 * line to its last; neither format changed when the three logs came to share this code, so every
 * log written before verifies as it did.
 */
public enum AuditFormat {
  /**
   * The key broker's {@code audit.log} and the backup jobs' log: {@code
   * {"n":N,"time":T,"event":E,"fields":{...},"prev":P}}, members in that order as Jackson writes
   * them. A reader checks {@code n} and {@code prev} only (the bytes are not canonical, so an edit
   * shows at the next line's {@code prev}, or against a published head for the last line).
   */
  EVENT_LINES("n", "event", "AUDIT_CHAIN_BROKEN"),

  /**
   * The host's audit log, kept with the enclave ({@code AuditChain}): the RFC 8785 canonical JSON
   * of {@code {fields, kind, prev, seq, time}}. A reader requires exactly those members, their
   * types and the canonical bytes.
   */
  CANONICAL_LINES("seq", "kind", "audit-chain-broken");

  /** Writes both formats and reads event lines, as the key broker always did. */
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads canonical lines as the host always did: duplicate keys and trailing data refused. */
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final String seqName;
  private final String kindName;
  private final String brokenCode;

  AuditFormat(String seqName, String kindName, String brokenCode) {
    this.seqName = seqName;
    this.kindName = kindName;
    this.brokenCode = brokenCode;
  }

  /**
   * The reason code a broken chain in this format is reported with, as each log's readers always
   * did: {@code AUDIT_CHAIN_BROKEN} (key broker, backup), {@code audit-chain-broken} (host).
   */
  public String brokenCode() {
    return brokenCode;
  }

  /** One parsed line: its sequence number, kind, fields, {@code prev} and the whole JSON. */
  public record Entry(long seq, String kind, JsonNode fields, String prev, JsonNode node) {}

  /** The bytes (no newline) of the entry {@code seq} of kind {@code kind} made at {@code time}. */
  public byte[] line(long seq, String time, String kind, JsonNode fields, String prev) {
    ObjectNode n = JSON.createObjectNode();
    n.put(seqName, seq);
    n.put("time", time);
    n.put(kindName, kind);
    n.set("fields", fields);
    n.put("prev", prev);
    if (this == CANONICAL_LINES) {
      return Jcs.canonicalize(n);
    }
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses line {@code seq} of a log in this format and checks that it claims to be entry {@code
   * seq}; whether its {@code prev} chains is the caller's check ({@link HashChain}).
   */
  public Entry parse(long seq, byte[] bytes) throws ChainBrokenException {
    JsonNode n;
    try {
      n = (this == CANONICAL_LINES ? STRICT : JSON).readTree(bytes);
    } catch (IOException e) {
      throw new ChainBrokenException(this, seq, "not JSON");
    }
    if (n == null || !n.isObject()) {
      throw new ChainBrokenException(this, seq, "not JSON");
    }
    if (this == CANONICAL_LINES) {
      if (n.size() != 5
          || !n.path("fields").isObject()
          || !n.path("kind").isTextual()
          || !n.path("time").isTextual()
          || !n.path("prev").isTextual()
          || !Arrays.equals(Jcs.canonicalize(n), bytes)) {
        throw new ChainBrokenException(this, seq, "not a canonical entry");
      }
      if (!n.path("seq").isIntegralNumber() || n.path("seq").asLong() != seq) {
        throw new ChainBrokenException(this, seq, "seq is not " + seq);
      }
    } else if (n.path("n").asLong(-1) != seq) {
      throw new ChainBrokenException(this, seq, "prev hash or sequence does not match");
    }
    return new Entry(
        n.path(seqName).asLong(-1),
        n.path(kindName).asText(""),
        n.path("fields"),
        n.path("prev").asText(""),
        n);
  }

  /** The sequence number a line claims, without checking anything else (-1 when it has none). */
  long claimedSeq(byte[] bytes) throws IOException {
    JsonNode n = JSON.readTree(bytes);
    return n == null ? -1 : n.path(seqName).asLong(-1);
  }

  /** The detail a wrong {@code prev} is reported with (each format's words, unchanged). */
  String prevMismatch() {
    return this == CANONICAL_LINES
        ? "prev is not the previous line's hash"
        : "prev hash or sequence does not match";
  }
}
