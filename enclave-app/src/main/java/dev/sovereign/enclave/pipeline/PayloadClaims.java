package dev.sovereign.enclave.pipeline;

import java.util.List;

/** The inner JWS claims of a payload, after its signature verified. */
public record PayloadClaims(
    String iss,
    String jti,
    long iat,
    String round,
    String dataset,
    String region,
    List<ProducerRecord> records,
    List<String> credentials,
    boolean presentation) {
  /** Earliest {@code iat} accepted: the Unix epoch (a payload is never from before it). */
  public static final long MIN_IAT = 0L;

  /** Latest {@code iat} accepted: 9999-12-31T23:59:59Z, inside every {@code Instant} operation. */
  public static final long MAX_IAT = 253_402_300_799L;

  public PayloadClaims {
    if (iat < MIN_IAT || iat > MAX_IAT) {
      throw new IllegalArgumentException("iat outside " + MIN_IAT + ".." + MAX_IAT);
    }
  }

  /**
   * Whether {@code iat} is a JSON number with an integral value (RFC 7519 NumericDate; {@code
   * 1.7E9} counts) inside {@link #MIN_IAT}..{@link #MAX_IAT}.
   */
  static boolean iatInRange(com.fasterxml.jackson.databind.JsonNode iat) {
    return iat != null
        && iat.isNumber()
        && iat.canConvertToExactIntegral()
        && iat.canConvertToLong()
        && iat.longValue() >= MIN_IAT
        && iat.longValue() <= MAX_IAT;
  }
}
