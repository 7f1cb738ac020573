package dev.sovereign.attestation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The payload of a Nitro attestation document, as the NSM writes it:
 *
 * <pre>
 * AttestationDocument = {
 *   module_id: text,              ; non-empty
 *   digest: "SHA384",
 *   timestamp: uint .size 8,      ; ms since the UNIX epoch
 *   pcrs: { + index => pcr },     ; 1..32 entries, index 0..31, pcr 32/48/64 bytes
 *   certificate: cert,            ; DER, 1..1024 bytes
 *   cabundle: [ + cert ],         ; root first
 *   ? public_key: bytes .size (1..1024),
 *   ? user_data: bytes .size (0..1024),
 *   ? nonce: bytes .size (0..1024),
 * }
 * </pre>
 *
 * <p>Immutable: every byte array is copied on the way in and on the way out. Instances are built
 * only through {@link #builder()}, which enforces the limits above, so a value of this type is
 * always syntactically valid. It is not verified: see {@link AttestationVerifier}.
 */
public final class AttestationDocument {
  /** The only digest the NSM uses. */
  public static final String DIGEST_SHA384 = "SHA384";

  /** Maximum number of PCR entries, and one past the highest PCR index. */
  public static final int MAX_PCRS = 32;

  /**
   * Maximum size of {@code public_key}, {@code user_data}, {@code nonce} and of each certificate.
   */
  public static final int MAX_FIELD_BYTES = 1024;

  private final String moduleId;
  private final String digest;
  private final long timestampMillis;
  private final SortedMap<Integer, byte[]> pcrs;
  private final byte[] certificate;
  private final List<byte[]> cabundle;
  private final byte[] publicKey;
  private final byte[] userData;
  private final byte[] nonce;

  private AttestationDocument(Builder b) {
    this.moduleId = b.moduleId;
    this.digest = b.digest;
    this.timestampMillis = b.timestampMillis;
    TreeMap<Integer, byte[]> p = new TreeMap<>();
    b.pcrs.forEach((k, v) -> p.put(k, v.clone()));
    this.pcrs = p;
    this.certificate = b.certificate.clone();
    List<byte[]> bundle = new ArrayList<>(b.cabundle.size());
    for (byte[] c : b.cabundle) {
      bundle.add(c.clone());
    }
    this.cabundle = bundle;
    this.publicKey = copyOrNull(b.publicKey);
    this.userData = copyOrNull(b.userData);
    this.nonce = copyOrNull(b.nonce);
  }

  /**
   * A validated document with digest {@value #DIGEST_SHA384}; {@code publicKey}, {@code userData}
   * and {@code nonce} may be {@code null} (absent). Every array is copied.
   *
   * @throws IllegalArgumentException naming the first field that breaks a limit
   */
  public static AttestationDocument create(
      String moduleId,
      long timestampMillis,
      Map<Integer, byte[]> pcrs,
      byte[] certificate,
      List<byte[]> cabundle,
      byte[] publicKey,
      byte[] userData,
      byte[] nonce) {
    return builder()
        .moduleId(moduleId)
        .timestampMillis(timestampMillis)
        .pcrs(pcrs)
        .certificate(certificate)
        .cabundle(cabundle)
        .publicKey(publicKey)
        .userData(userData)
        .nonce(nonce)
        .build();
  }

  /** A builder; {@link Builder#build()} validates every field. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this document's fields, e.g. to derive a modified copy. */
  public Builder toBuilder() {
    Builder b =
        new Builder()
            .moduleId(moduleId)
            .digest(digest)
            .timestampMillis(timestampMillis)
            .pcrs(pcrs)
            .certificate(certificate)
            .cabundle(cabundle);
    b.publicKey(publicKey).userData(userData).nonce(nonce);
    return b;
  }

  /** {@code module_id}: the issuing NSM's id. */
  public String moduleId() {
    return moduleId;
  }

  /** {@code digest}: always {@value #DIGEST_SHA384}. */
  public String digest() {
    return digest;
  }

  /** {@code timestamp}: milliseconds since the UNIX epoch (UTC). */
  public long timestampMillis() {
    return timestampMillis;
  }

  /** {@code pcrs}: a fresh sorted copy, index to value. */
  public SortedMap<Integer, byte[]> pcrs() {
    TreeMap<Integer, byte[]> p = new TreeMap<>();
    pcrs.forEach((k, v) -> p.put(k, v.clone()));
    return Collections.unmodifiableSortedMap(p);
  }

  /** One PCR value (a copy), or {@code null} when the document has no such index. */
  public byte[] pcr(int index) {
    byte[] v = pcrs.get(index);
    return v == null ? null : v.clone();
  }

  /** {@code certificate}: the DER of the leaf certificate whose key signed the document. */
  public byte[] certificate() {
    return certificate.clone();
  }

  /** {@code cabundle}: DER certificates, root first. */
  public List<byte[]> cabundle() {
    List<byte[]> out = new ArrayList<>(cabundle.size());
    for (byte[] c : cabundle) {
      out.add(c.clone());
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code public_key}, or {@code null} when absent. */
  public byte[] publicKey() {
    return copyOrNull(publicKey);
  }

  /** {@code user_data}, or {@code null} when absent. */
  public byte[] userData() {
    return copyOrNull(userData);
  }

  /** {@code nonce}, or {@code null} when absent. */
  public byte[] nonce() {
    return copyOrNull(nonce);
  }

  // Package-private views without copies, for the codec and the verifier (never handed out).
  SortedMap<Integer, byte[]> pcrsView() {
    return pcrs;
  }

  byte[] certificateView() {
    return certificate;
  }

  List<byte[]> cabundleView() {
    return cabundle;
  }

  byte[] publicKeyView() {
    return publicKey;
  }

  byte[] userDataView() {
    return userData;
  }

  byte[] nonceView() {
    return nonce;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof AttestationDocument)) {
      return false;
    }
    AttestationDocument d = (AttestationDocument) o;
    if (timestampMillis != d.timestampMillis
        || !moduleId.equals(d.moduleId)
        || !digest.equals(d.digest)
        || !Arrays.equals(certificate, d.certificate)
        || !Arrays.equals(publicKey, d.publicKey)
        || !Arrays.equals(userData, d.userData)
        || !Arrays.equals(nonce, d.nonce)
        || cabundle.size() != d.cabundle.size()
        || !pcrs.keySet().equals(d.pcrs.keySet())) {
      return false;
    }
    for (int i = 0; i < cabundle.size(); i++) {
      if (!Arrays.equals(cabundle.get(i), d.cabundle.get(i))) {
        return false;
      }
    }
    for (Map.Entry<Integer, byte[]> e : pcrs.entrySet()) {
      if (!Arrays.equals(e.getValue(), d.pcrs.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(moduleId, timestampMillis, Arrays.hashCode(certificate));
  }

  @Override
  public String toString() {
    return "AttestationDocument{moduleId="
        + moduleId
        + ", timestamp="
        + timestampMillis
        + ", pcrs="
        + pcrs.keySet()
        + ", cabundle="
        + cabundle.size()
        + " certs"
        + ", publicKey="
        + (publicKey == null ? "null" : publicKey.length + " bytes")
        + ", userData="
        + (userData == null ? "null" : userData.length + " bytes")
        + ", nonce="
        + (nonce == null ? "null" : nonce.length + " bytes")
        + "}";
  }

  private static byte[] copyOrNull(byte[] b) {
    return b == null ? null : b.clone();
  }

  /**
   * Collects fields; {@link #build()} validates them all and throws {@link
   * IllegalArgumentException} naming the field.
   */
  public static final class Builder {
    private String moduleId;
    private String digest = DIGEST_SHA384;
    private long timestampMillis = -1;
    private final TreeMap<Integer, byte[]> pcrs = new TreeMap<>();
    private byte[] certificate;
    private final List<byte[]> cabundle = new ArrayList<>();
    private byte[] publicKey;
    private byte[] userData;
    private byte[] nonce;

    private Builder() {}

    /** {@code module_id}. */
    public Builder moduleId(String moduleId) {
      this.moduleId = moduleId;
      return this;
    }

    /**
     * {@code digest}; defaults to {@value AttestationDocument#DIGEST_SHA384}, the only accepted
     * value.
     */
    public Builder digest(String digest) {
      this.digest = digest;
      return this;
    }

    /** {@code timestamp} in ms since the epoch. */
    public Builder timestampMillis(long timestampMillis) {
      this.timestampMillis = timestampMillis;
      return this;
    }

    /** Sets one PCR (copied). */
    public Builder pcr(int index, byte[] value) {
      pcrs.put(index, Objects.requireNonNull(value, "pcr value").clone());
      return this;
    }

    /** Replaces all PCRs (copied). */
    public Builder pcrs(Map<Integer, byte[]> values) {
      pcrs.clear();
      values.forEach(this::pcr);
      return this;
    }

    /** {@code certificate}: DER of the leaf (copied). */
    public Builder certificate(byte[] der) {
      this.certificate = der == null ? null : der.clone();
      return this;
    }

    /** {@code cabundle}: DER certificates, root first (copied). */
    public Builder cabundle(List<byte[]> ders) {
      cabundle.clear();
      for (byte[] d : ders) {
        cabundle.add(Objects.requireNonNull(d, "cabundle entry").clone());
      }
      return this;
    }

    /** {@code public_key}, or {@code null} for absent (copied). */
    public Builder publicKey(byte[] publicKey) {
      this.publicKey = publicKey == null ? null : publicKey.clone();
      return this;
    }

    /** {@code user_data}, or {@code null} for absent (copied). */
    public Builder userData(byte[] userData) {
      this.userData = userData == null ? null : userData.clone();
      return this;
    }

    /** {@code nonce}, or {@code null} for absent (copied). */
    public Builder nonce(byte[] nonce) {
      this.nonce = nonce == null ? null : nonce.clone();
      return this;
    }

    /** Validates every field against the limits in the class javadoc and builds the value. */
    public AttestationDocument build() {
      if (moduleId == null || moduleId.isEmpty()) {
        throw new IllegalArgumentException("module_id must be a non-empty text");
      }
      if (!DIGEST_SHA384.equals(digest)) {
        throw new IllegalArgumentException("digest must be \"SHA384\"");
      }
      if (timestampMillis < 0) {
        throw new IllegalArgumentException(
            "timestamp must be a non-negative number of milliseconds");
      }
      if (pcrs.isEmpty() || pcrs.size() > MAX_PCRS) {
        throw new IllegalArgumentException("pcrs must have 1 to 32 entries");
      }
      for (Map.Entry<Integer, byte[]> e : pcrs.entrySet()) {
        int i = e.getKey();
        int len = e.getValue().length;
        if (i < 0 || i >= MAX_PCRS) {
          throw new IllegalArgumentException("pcr index " + i + " is outside 0..31");
        }
        if (len != 32 && len != 48 && len != 64) {
          throw new IllegalArgumentException(
              "pcr " + i + " must be 32, 48 or 64 bytes, not " + len);
        }
      }
      checkCert("certificate", certificate);
      if (cabundle.isEmpty()) {
        throw new IllegalArgumentException("cabundle must hold at least the root certificate");
      }
      for (int i = 0; i < cabundle.size(); i++) {
        checkCert("cabundle[" + i + "]", cabundle.get(i));
      }
      if (publicKey != null && (publicKey.length < 1 || publicKey.length > MAX_FIELD_BYTES)) {
        throw new IllegalArgumentException("public_key must be 1 to 1024 bytes");
      }
      if (userData != null && userData.length > MAX_FIELD_BYTES) {
        throw new IllegalArgumentException("user_data must be at most 1024 bytes");
      }
      if (nonce != null && nonce.length > MAX_FIELD_BYTES) {
        throw new IllegalArgumentException("nonce must be at most 1024 bytes");
      }
      return new AttestationDocument(this);
    }

    private static void checkCert(String name, byte[] der) {
      if (der == null || der.length < 1 || der.length > MAX_FIELD_BYTES) {
        throw new IllegalArgumentException(name + " must be a DER certificate of 1 to 1024 bytes");
      }
    }
  }
}
