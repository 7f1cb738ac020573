package dev.sovereign.attestation.nsm;

import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A response from the Nitro Security Module: one variant per {@code Response} variant in
 * aws-nitro-enclaves-nsm-api ({@code src/api/mod.rs}). Errors are part of the protocol: {@link
 * Error} carries a code from the closed {@link ErrorCode} set.
 */
public sealed interface Response {

  /** The current value of a PCR and whether it is locked (read-only). */
  record DescribePcr(boolean lock, byte[] data) implements Response {
    public DescribePcr {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DescribePcr d && d.lock == lock && Arrays.equals(d.data, data);
    }

    @Override
    public int hashCode() {
      return Boolean.hashCode(lock) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "DescribePcr[lock=" + lock + ", data=" + Hex.encode(data) + "]";
    }
  }

  /** The new value of a PCR after a successful extension. */
  record ExtendPcr(byte[] data) implements Response {
    public ExtendPcr {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ExtendPcr e && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "ExtendPcr[data=" + Hex.encode(data) + "]";
    }
  }

  /** The PCR was locked. */
  record LockPcr() implements Response {}

  /** The PCRs were locked. */
  record LockPcrs() implements Response {}

  /** The NSM's runtime configuration. */
  record DescribeNsm(
      int versionMajor,
      int versionMinor,
      int versionPatch,
      String moduleId,
      int maxPcrs,
      SortedSet<Integer> lockedPcrs,
      Digest digest)
      implements Response {
    public DescribeNsm {
      Objects.requireNonNull(moduleId, "moduleId");
      Objects.requireNonNull(digest, "digest");
      lockedPcrs = Collections.unmodifiableSortedSet(new TreeSet<>(lockedPcrs));
    }
  }

  /** A signed COSE_Sign1 attestation document (untagged, as the NSM writes it). */
  record Attestation(byte[] document) implements Response {
    public Attestation {
      document = document.clone();
    }

    @Override
    public byte[] document() {
      return document.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Attestation a && Arrays.equals(a.document, document);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(document);
    }

    @Override
    public String toString() {
      return "Attestation[document=" + document.length + " bytes]";
    }
  }

  /** Bytes of entropy. */
  record GetRandom(byte[] random) implements Response {
    public GetRandom {
      random = random.clone();
    }

    @Override
    public byte[] random() {
      return random.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GetRandom g && Arrays.equals(g.random, random);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(random);
    }

    @Override
    public String toString() {
      return "GetRandom[random=" + random.length + " bytes]";
    }
  }

  /** The NSM could not complete the operation. */
  record Error(ErrorCode code) implements Response {
    public Error {
      Objects.requireNonNull(code, "code");
    }
  }
}
