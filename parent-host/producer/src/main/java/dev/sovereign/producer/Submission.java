package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The producer's flow against one host: fetch a fresh attestation and verify it, then send payloads
 * built for the attested key. The nonce is fresh per attestation, so a recorded answer cannot be
 * replayed to the producer.
 */
public final class Submission {
  private Submission() {}

  /**
   * The host's answer to one payload: HTTP status, payload id, {@code stored}/{@code
   * already-stored} or the problem code.
   */
  public record Outcome(
      int httpStatus, String payloadId, String status, String code, String detail) {
    /** 202: the host stored the ciphertext durably (the enclave's verdict comes later). */
    public boolean stored() {
      return httpStatus == 202;
    }
  }

  /**
   * {@code GET /v1/attestation} with a fresh 32-byte nonce, verified against {@code expectations}.
   */
  public static AttestedEnclave attest(
      HostClient host, EnclaveExpectations expectations, SecureRandom random)
      throws RejectedException, HostClient.UnreachableException {
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    HostClient.Answer a = host.attestation(EnclaveExpectations.hex(nonce));
    if (a.status() != 200 || a.json() == null) {
      throw new RejectedException(
          a.code() == null ? "attestation-unavailable" : a.code(),
          "GET /v1/attestation answered " + a.status());
    }
    return expectations.verify(a.json(), nonce);
  }

  /** {@code POST /v1/rounds/{round}/payloads}. */
  public static Outcome submit(HostClient host, String round, String jwe)
      throws HostClient.UnreachableException {
    HostClient.Answer a = host.submit(round, jwe);
    String id = Payloads.payloadId(jwe);
    if (a.status() == 202 && a.json() != null) {
      return new Outcome(
          202, a.json().path("payloadId").asText(id), a.json().path("status").asText(), null, null);
    }
    String detail = detail(a);
    return new Outcome(a.status(), id, null, a.code(), detail);
  }

  /** What the host answered for one payload of a batch. */
  public enum ItemStatus {
    /** Stored durably now (acknowledged as a 202 acknowledges a single payload). */
    STORED,
    /** Stored durably before (a retry, or the same payload earlier in the batch). */
    ALREADY_STORED,
    /** Not stored: {@link ItemOutcome#code()} says why. */
    REFUSED
  }

  /**
   * One payload's outcome in a batch: its id (computed here from the JWE, never taken from the
   * host), its status, and for a refused one the reason code and the host's detail.
   */
  public record ItemOutcome(String payloadId, ItemStatus status, String code, String detail) {
    /** Whether the host holds the ciphertext durably (the enclave's verdict comes later). */
    public boolean stored() {
      return status != ItemStatus.REFUSED;
    }
  }

  /**
   * The host's answer to a batch: the HTTP status and, when the whole request was refused, its
   * problem code and detail; {@code items} holds one outcome per payload sent, in order (every one
   * {@link ItemStatus#REFUSED} with the request's code when the request was refused).
   */
  public record BatchOutcome(int httpStatus, String code, String detail, List<ItemOutcome> items) {
    /** Whether the host answered each payload on its own (200). */
    public boolean answered() {
      return code == null;
    }

    /** How many payloads the host holds durably (stored now or before). */
    public long stored() {
      return items.stream().filter(ItemOutcome::stored).count();
    }
  }

  /**
   * {@code POST /v1/rounds/{round}/payloads/batch}: the payloads in one request, each with its own
   * outcome. An answer that does not name every payload by its own id in order (a host answering
   * for other bytes, or for fewer) is {@code unexpected-answer}: the payload is not counted as
   * stored.
   */
  public static BatchOutcome submitBatch(HostClient host, String round, List<String> jwes)
      throws HostClient.UnreachableException {
    HostClient.Answer a = host.submitBatch(round, jwes);
    List<String> ids = new ArrayList<>(jwes.size());
    for (String jwe : jwes) {
      ids.add(Payloads.payloadId(jwe.strip()));
    }
    JsonNode results = a.json() == null ? null : a.json().get("results");
    if (a.status() != 200 || results == null || !results.isArray()) {
      String code = a.status() == 200 ? "unexpected-answer" : a.code();
      String detail =
          a.status() == 200 ? "the host answered 200 without a result per payload" : detail(a);
      return refusedWhole(a.status(), code, detail, ids);
    }
    if (results.size() != jwes.size()) {
      return refusedWhole(
          a.status(),
          "unexpected-answer",
          "the host answered " + results.size() + " results for " + jwes.size() + " payloads",
          ids);
    }
    List<ItemOutcome> items = new ArrayList<>(jwes.size());
    for (int i = 0; i < jwes.size(); i++) {
      JsonNode r = results.get(i);
      String status = r.path("status").asText("");
      String id = ids.get(i);
      if (status.equals("stored") || status.equals("already-stored")) {
        if (!id.equals(r.path("payloadId").asText(null))) {
          items.add(
              new ItemOutcome(
                  id,
                  ItemStatus.REFUSED,
                  "unexpected-answer",
                  "the host answered " + status + " for another payload id"));
        } else {
          items.add(
              new ItemOutcome(
                  id,
                  status.equals("stored") ? ItemStatus.STORED : ItemStatus.ALREADY_STORED,
                  null,
                  null));
        }
      } else if (status.equals("refused") && r.path("code").isTextual()) {
        items.add(
            new ItemOutcome(
                id, ItemStatus.REFUSED, r.get("code").asText(), r.path("detail").asText(null)));
      } else {
        items.add(
            new ItemOutcome(
                id, ItemStatus.REFUSED, "unexpected-answer", "the host answered no status"));
      }
    }
    return new BatchOutcome(a.status(), null, null, List.copyOf(items));
  }

  /** The problem detail of a refusal, if the host gave one. */
  private static String detail(HostClient.Answer a) {
    return a.json() != null ? a.json().path("detail").asText(null) : null;
  }

  private static BatchOutcome refusedWhole(
      int status, String code, String detail, List<String> ids) {
    List<ItemOutcome> items = new ArrayList<>(ids.size());
    for (String id : ids) {
      items.add(new ItemOutcome(id, ItemStatus.REFUSED, code, detail));
    }
    return new BatchOutcome(status, code, detail, List.copyOf(items));
  }
}
