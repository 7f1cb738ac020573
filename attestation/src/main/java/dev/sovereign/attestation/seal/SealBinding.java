package dev.sovereign.attestation.seal;

import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an enclave fixes about itself when it seals or opens: the broker key, its measurement (PCR0,
 * 48 bytes), its region and the SHA-256 hash of the sovereignty policy it loaded.
 */
public final class SealBinding {
  private static final Pattern REGION = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,31}");

  private final String keyId;
  private final byte[] measurement;
  private final String region;
  private final byte[] policyHash;

  private SealBinding(String keyId, byte[] measurement, String region, byte[] policyHash) {
    this.keyId = keyId;
    this.measurement = measurement;
    this.region = region;
    this.policyHash = policyHash;
  }

  /**
   * Validates: key id 1..2048 chars, measurement 48 bytes, region {@code [A-Z0-9][A-Z0-9-]{0,31}},
   * policy hash 32 bytes.
   */
  public static SealBinding create(
      String keyId, byte[] measurement, String region, byte[] policyHash) {
    Objects.requireNonNull(keyId, "keyId");
    if (keyId.isEmpty() || keyId.length() > 2048) {
      throw new IllegalArgumentException("key id must have 1..2048 characters");
    }
    if (Objects.requireNonNull(measurement, "measurement").length != 48) {
      throw new IllegalArgumentException("measurement must be a 48-byte PCR0");
    }
    if (!REGION.matcher(Objects.requireNonNull(region, "region")).matches()) {
      throw new IllegalArgumentException("region must match [A-Z0-9][A-Z0-9-]{0,31}");
    }
    if (Objects.requireNonNull(policyHash, "policyHash").length != 32) {
      throw new IllegalArgumentException("policy hash must be 32 bytes (SHA-256)");
    }
    return new SealBinding(keyId, measurement.clone(), region, policyHash.clone());
  }

  /** The key broker key id or ARN. */
  public String keyId() {
    return keyId;
  }

  /** PCR0 of the sealing enclave (a copy). */
  public byte[] measurement() {
    return measurement.clone();
  }

  /** The region, e.g. {@code EU}. */
  public String region() {
    return region;
  }

  /** SHA-256 of the sovereignty policy (a copy). */
  public byte[] policyHash() {
    return policyHash.clone();
  }

  @Override
  public String toString() {
    return "SealBinding["
        + keyId
        + ", "
        + region
        + ", pcr0 "
        + HexFormat.of().formatHex(measurement, 0, 6)
        + "...]";
  }
}
