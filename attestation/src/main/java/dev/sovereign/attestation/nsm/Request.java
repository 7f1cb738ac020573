package dev.sovereign.attestation.nsm;

import java.util.Arrays;

/**
 * A request to the Nitro Security Module: one variant per operation of {@code Request} in
 * aws-nitro-enclaves-nsm-api ({@code src/api/mod.rs}). {@link NsmCodec} gives the exact bytes.
 */
public sealed interface Request {

  /** Largest PCR index the protocol can carry ({@code u16}). */
  int MAX_INDEX = 0xFFFF;

  /** Read the PCR at {@code index}. */
  record DescribePcr(int index) implements Request {
    public DescribePcr {
      checkU16("index", index);
    }
  }

  /** Extend the PCR at {@code index} with {@code data}. */
  record ExtendPcr(int index, byte[] data) implements Request {
    public ExtendPcr {
      checkU16("index", index);
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ExtendPcr e && e.index == index && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
      return 31 * index + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "ExtendPcr[index=" + index + ", data=" + data.length + " bytes]";
    }
  }

  /** Lock the PCR at {@code index} against further extension. */
  record LockPcr(int index) implements Request {
    public LockPcr {
      checkU16("index", index);
    }
  }

  /** Lock the PCRs {@code [0, range)}. */
  record LockPcrs(int range) implements Request {
    public LockPcrs {
      checkU16("range", range);
    }
  }

  /** Ask for the NSM's version, module id, PCR count, locked PCRs and digest. */
  record DescribeNsm() implements Request {}

  /**
   * Ask for a signed attestation document. Each field is optional ({@code null}) and, when present,
   * is copied into the document as is.
   */
  record Attestation(byte[] userData, byte[] nonce, byte[] publicKey) implements Request {
    public Attestation {
      userData = userData == null ? null : userData.clone();
      nonce = nonce == null ? null : nonce.clone();
      publicKey = publicKey == null ? null : publicKey.clone();
    }

    @Override
    public byte[] userData() {
      return userData == null ? null : userData.clone();
    }

    @Override
    public byte[] nonce() {
      return nonce == null ? null : nonce.clone();
    }

    @Override
    public byte[] publicKey() {
      return publicKey == null ? null : publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Attestation a
          && Arrays.equals(a.userData, userData)
          && Arrays.equals(a.nonce, nonce)
          && Arrays.equals(a.publicKey, publicKey);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(userData) * 961
          + Arrays.hashCode(nonce) * 31
          + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
      return "Attestation[userData="
          + len(userData)
          + ", nonce="
          + len(nonce)
          + ", publicKey="
          + len(publicKey)
          + "]";
    }

    private static String len(byte[] b) {
      return b == null ? "null" : b.length + " bytes";
    }
  }

  /** Ask for entropy. */
  record GetRandom() implements Request {}

  private static void checkU16(String name, int value) {
    if (value < 0 || value > MAX_INDEX) {
      throw new IllegalArgumentException(name + " must be in [0, 65535], got " + value);
    }
  }
}
