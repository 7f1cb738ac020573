package dev.sovereign.producer;

import java.security.SecureRandom;

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
    String detail = a.json() != null ? a.json().path("detail").asText(null) : null;
    return new Outcome(a.status(), id, null, a.code(), detail);
  }
}
