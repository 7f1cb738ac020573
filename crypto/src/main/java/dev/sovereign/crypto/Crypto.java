package dev.sovereign.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one place that decides which implementation serves each cryptographic primitive, for the
 * whole system (enclave, host, producer library, CLI, key broker, attestation verifier).
 *
 * <p>Two backends, with identical bytes and verdicts (both run in the test suite):
 *
 * <ul>
 *   <li>{@link Backend#AWS_LC}: AWS-LC through Amazon Corretto Crypto Provider, where its native
 *       library loads and passes its self-tests (Linux x86_64/aarch64). It serves ECDH, ECDSA,
 *       EdDSA, RSA-OAEP and EC/RSA keys. AES-GCM, SHA-2 and HMAC stay on the JDK, which was
 *       measured faster at our sizes (2 KiB payloads: the JNI crossing costs more than
 *       AES-NI/SHA-NI intrinsics save; see docs/crypto-provider.md), and AES key wrap (RFC 3394)
 *       too, which ACCP does not implement.
 *   <li>{@link Backend#JAVA}: pure Java, wherever AWS-LC is not there (a developer's laptop):
 *       Bouncy Castle for the curve operations (3 to 10 times SunEC's rate here), the JDK for the
 *       rest.
 * </ul>
 *
 * <p>{@link #system()} is the choice: AWS-LC when available, unless {@code -Dsovereign.crypto=java}
 * (or {@code SOVEREIGN_CRYPTO=java}) asks for the fallback; {@code aws-lc} makes its absence a
 * startup failure (the enclave image and a FIPS build want that). Code hands {@link #provider()} to
 * libraries explicitly (Nimbus's JCA context, Bouncy Castle's {@code setProvider}) and uses the
 * factory methods here; nothing depends on the global provider order.
 */
public final class Crypto {
  /** Where the primitives come from. */
  public enum Backend {
    AWS_LC("aws-lc"),
    JAVA("java");

    private final String id;

    Backend(String id) {
      this.id = id;
    }

    /** {@code aws-lc} or {@code java}: the name in properties, logs and bench output. */
    public String id() {
      return id;
    }
  }

  /** System property (or upper-cased environment variable) that overrides the choice. */
  public static final String PROPERTY = "sovereign.crypto";

  private static final String ED25519_SPKI_PREFIX = "302a300506032b6570032100";

  private final Backend backend;
  private final RoutedProvider provider;
  private final Map<Primitive, Provider> servedBy;
  private final boolean fips;

  private Crypto(Backend backend, Map<Primitive, Provider> servedBy, boolean fips) {
    this.backend = backend;
    this.fips = fips;
    this.servedBy = Collections.unmodifiableMap(new EnumMap<>(servedBy));
    this.provider =
        new RoutedProvider(
            "Sovereign-" + backend.id(), "Sovereign's per-primitive choice (" + backend.id() + ")");
    for (Map.Entry<Primitive, Provider> e : servedBy.entrySet()) {
      for (Primitive.Service s : e.getKey().services()) {
        String target = targetName(backend, s);
        Provider.Service t = e.getValue().getService(s.type(), target);
        if (t == null) {
          throw new IllegalStateException(
              e.getValue().getName() + " has no " + s.type() + "." + target);
        }
        provider.route(s.type(), registeredName(backend, s), s.aliases(), t);
      }
    }
  }

  // the name of a service in the underlying provider, where it differs from ours
  private static String targetName(Backend backend, Primitive.Service s) {
    if (backend == Backend.JAVA) {
      if (s.type().equals("Signature") && s.algorithm().endsWith("withECDSAinP1363Format")) {
        return s.algorithm().replace("withECDSAinP1363Format", "withPLAIN-ECDSA"); // BC's name
      }
      if (s.type().equals("Cipher") && s.algorithm().equals("RSA/ECB/OAEPPadding")) {
        return "RSA"; // SunJCE: mode and padding are set by Cipher from the transformation
      }
    }
    return s.algorithm();
  }

  // the name we register: for SunJCE's RSA the bare algorithm, so that Cipher sets the padding
  private static String registeredName(Backend backend, Primitive.Service s) {
    return backend == Backend.JAVA && s.algorithm().equals("RSA/ECB/OAEPPadding")
        ? "RSA"
        : s.algorithm();
  }

  // ------------------------------------------------------------------ the choice

  private static final class Holder {
    static final Crypto SYSTEM = choose();
  }

  private record Load(Crypto crypto, String unavailable) {}

  private static final class AwsLc {
    static final Load LOAD = loadAwsLc();
  }

  private static final class Java {
    static final Crypto INSTANCE = buildJava();
  }

  /** The system's choice, made once per process (and logged once). */
  public static Crypto system() {
    return Holder.SYSTEM;
  }

  /** AWS-LC through ACCP, when its native library loads and passes its self-tests here. */
  public static Optional<Crypto> awsLc() {
    return Optional.ofNullable(AwsLc.LOAD.crypto());
  }

  /** Why AWS-LC is not available here (empty when it is). */
  public static String awsLcUnavailableReason() {
    return AwsLc.LOAD.unavailable();
  }

  /** The pure-Java fallback (always available). */
  public static Crypto java() {
    return Java.INSTANCE;
  }

  /** Every backend available on this machine: the fallback, and AWS-LC where it loads. */
  public static List<Crypto> backends() {
    List<Crypto> all = new ArrayList<>();
    awsLc().ifPresent(all::add);
    all.add(java());
    return List.copyOf(all);
  }

  private static Crypto choose() {
    String asked = System.getProperty(PROPERTY);
    if (asked == null || asked.isBlank()) {
      asked = System.getenv(PROPERTY.toUpperCase(Locale.ROOT).replace('.', '_'));
    }
    Crypto chosen = choose(asked);
    Security.addProvider(chosen.provider); // registered by name too, appended: no global reorder
    System.getLogger("dev.sovereign.crypto")
        .log(System.Logger.Level.INFO, chosen.describe() + reasonSuffix(chosen));
    return chosen;
  }

  /** The backend {@code asked} names ({@code auto}, {@code aws-lc}, {@code java}; null: auto). */
  static Crypto choose(String asked) {
    asked = asked == null || asked.isBlank() ? "auto" : asked.trim().toLowerCase(Locale.ROOT);
    return switch (asked) {
      case "java" -> java();
      case "aws-lc" ->
          awsLc()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          PROPERTY
                              + "=aws-lc but AWS-LC is unavailable: "
                              + AwsLc.LOAD.unavailable()));
      case "auto" -> awsLc().orElseGet(Crypto::java);
      default ->
          throw new IllegalStateException(
              PROPERTY + " must be auto, aws-lc or java (was " + asked + ")");
    };
  }

  private static String reasonSuffix(Crypto chosen) {
    String why = awsLcUnavailableReason();
    return chosen.backend == Backend.JAVA && !why.isEmpty()
        ? " (aws-lc unavailable: " + why + ")"
        : "";
  }

  private static Load loadAwsLc() {
    try {
      AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
      Throwable err = accp.getLoadingError();
      if (err != null) {
        return new Load(
            null, "native library did not load (" + err.getClass().getSimpleName() + ")");
      }
      accp.assertHealthy(); // runs AWS-LC's self-tests; throws if any failed
      Provider jce = jdk("SunJCE");
      Provider sun = jdk("SUN");
      Map<Primitive, Provider> m = new EnumMap<>(Primitive.class);
      m.put(Primitive.ECDH, accp);
      m.put(Primitive.ECDSA, accp);
      m.put(Primitive.EDDSA, accp);
      m.put(Primitive.RSA_OAEP, accp);
      m.put(Primitive.EC_KEYS, accp);
      m.put(Primitive.RSA_KEYS, accp);
      m.put(Primitive.AES_GCM, jce); // measured: JDK 2.5x ACCP on 2 KiB (docs/crypto-provider.md)
      m.put(Primitive.AES_KW, jce); // ACCP has KWP (RFC 5649) only; JWE A256KW is RFC 3394
      m.put(Primitive.DIGEST, sun); // measured: SHA-NI intrinsics beat the JNI call below 4 KiB
      m.put(Primitive.HMAC, jce); // measured likewise
      m.put(Primitive.ED25519_KEYS, jdk("SunEC")); // ACCP has no Ed25519 KeyFactory
      return new Load(new Crypto(Backend.AWS_LC, m, accp.isFips()), "");
    } catch (LinkageError | RuntimeException e) {
      return new Load(null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static Crypto buildJava() {
    Provider bc = new BouncyCastleProvider();
    Provider jce = jdk("SunJCE");
    Map<Primitive, Provider> m = new EnumMap<>(Primitive.class);
    m.put(Primitive.ECDH, bc);
    m.put(Primitive.ECDSA, bc);
    m.put(Primitive.EDDSA, bc);
    m.put(Primitive.RSA_OAEP, jce);
    m.put(Primitive.EC_KEYS, jdk("SunEC"));
    m.put(Primitive.RSA_KEYS, jdk("SunRsaSign"));
    m.put(Primitive.AES_GCM, jce);
    m.put(Primitive.AES_KW, jce);
    m.put(Primitive.DIGEST, jdk("SUN"));
    m.put(Primitive.HMAC, jce);
    m.put(Primitive.ED25519_KEYS, jdk("SunEC"));
    return new Crypto(Backend.JAVA, m, false);
  }

  private static Provider jdk(String name) {
    Provider p = Security.getProvider(name);
    if (p == null) {
      throw new IllegalStateException("the JDK provider " + name + " is missing");
    }
    return p;
  }

  // ------------------------------------------------------------------ what was chosen

  /** True when AWS-LC runs in its FIPS mode (the ACCP FIPS build). */
  public boolean fips() {
    return fips;
  }

  /** Which backend this is. */
  public Backend backend() {
    return backend;
  }

  /**
   * The provider to hand to libraries: every service routed to the implementation chosen for its
   * primitive.
   */
  public Provider provider() {
    return provider;
  }

  /** The underlying provider serving {@code p}. */
  public Provider servedBy(Primitive p) {
    return servedBy.get(p);
  }

  /** Name and version of what serves {@code p}, e.g. {@code AmazonCorrettoCryptoProvider 2.5.0}. */
  public String implementation(Primitive p) {
    Provider s = servedBy(p);
    String name = s.getName() + " " + s.getVersionStr();
    return fips && s.getName().equals("AmazonCorrettoCryptoProvider") ? name + " FIPS" : name;
  }

  /** Every primitive and what serves it, in declaration order. */
  public Map<Primitive, String> implementations() {
    Map<Primitive, String> m = new EnumMap<>(Primitive.class);
    for (Primitive p : Primitive.values()) {
      m.put(p, implementation(p));
    }
    return Collections.unmodifiableMap(m);
  }

  /** The startup line: the backend and, per primitive, what serves it. */
  public String describe() {
    StringJoiner j = new StringJoiner(", ", "crypto provider " + backend.id() + ": ", "");
    implementations().forEach((p, impl) -> j.add(p.label() + "=" + impl));
    return j.toString();
  }

  @Override
  public String toString() {
    return backend.id();
  }

  // ------------------------------------------------------------------ factories

  /** A {@link Signature} from Sovereign's provider. */
  public Signature signature(String algorithm) throws NoSuchAlgorithmException {
    return Signature.getInstance(algorithm, provider);
  }

  /** A {@link KeyAgreement} from Sovereign's provider. */
  public KeyAgreement keyAgreement(String algorithm) throws NoSuchAlgorithmException {
    return KeyAgreement.getInstance(algorithm, provider);
  }

  /** A {@link Cipher} from Sovereign's provider. */
  public Cipher cipher(String transformation)
      throws NoSuchAlgorithmException, NoSuchPaddingException {
    return Cipher.getInstance(transformation, provider);
  }

  /** A {@link MessageDigest} from Sovereign's provider. */
  public MessageDigest digest(String algorithm) throws NoSuchAlgorithmException {
    return MessageDigest.getInstance(algorithm, provider);
  }

  /**
   * A digest for messages of several KiB hashed on a JVM that runs without C2 (the host runs
   * C1-only, {@code -XX:TieredStopAtLevel=1}, docs/benchmarks.md): there the JDK's SHA-2 runs as
   * plain Java, without the SHA-NI intrinsics that make {@link #digest} the faster route under C2
   * (measured for SHA-256 of 10 KiB: JDK under C1 154 us, under C2 20 us, AWS-LC 13 us). On AWS-LC
   * this is AWS-LC's digest, else the same as {@link #digest}; the bytes are the same either way.
   */
  public MessageDigest bulkDigest(String algorithm) throws NoSuchAlgorithmException {
    if (backend == Backend.AWS_LC) {
      return MessageDigest.getInstance(algorithm, AmazonCorrettoCryptoProvider.INSTANCE);
    }
    return digest(algorithm);
  }

  /** A {@link Mac} from Sovereign's provider. */
  public Mac mac(String algorithm) throws NoSuchAlgorithmException {
    return Mac.getInstance(algorithm, provider);
  }

  /** A {@link KeyFactory} from Sovereign's provider. */
  public KeyFactory keyFactory(String algorithm) throws NoSuchAlgorithmException {
    return KeyFactory.getInstance(algorithm, provider);
  }

  /** A {@link KeyPairGenerator} from Sovereign's provider. */
  public KeyPairGenerator keyPairGenerator(String algorithm) throws NoSuchAlgorithmException {
    return KeyPairGenerator.getInstance(algorithm, provider);
  }

  // ------------------------------------------------------------------ checks that never throw

  /**
   * Verifies an IEEE P1363 (r || s) ECDSA signature; {@code hash} is {@code SHA256} or {@code
   * SHA384}. False for a signature of the wrong length for the key's curve, r or s outside [1,
   * n-1], a key of another type, or a signature that does not verify. Never throws for bad input.
   */
  public boolean verifyEcdsaP1363(String hash, PublicKey key, byte[] message, byte[] signature) {
    if (!(key instanceof java.security.interfaces.ECPublicKey ec) || signature == null) {
      return false;
    }
    int len = (ec.getParams().getOrder().bitLength() + 7) / 8;
    if (signature.length != 2 * len) {
      return false;
    }
    return verify(hash + "withECDSAinP1363Format", key, message, signature);
  }

  /** Verifies an Ed25519 signature (64 bytes); never throws for bad input. */
  public boolean verifyEd25519(PublicKey key, byte[] message, byte[] signature) {
    if (key == null || signature == null || signature.length != 64) {
      return false;
    }
    return verify("Ed25519", key, message, signature);
  }

  /**
   * {@code key} as a key of this backend's own type, so its provider takes it without a translation
   * it may refuse (AWS-LC's Ed25519 refuses Bouncy Castle's key objects). Free when the key already
   * is one; callers that verify many times with one key keep the result.
   */
  public PublicKey own(PublicKey key) throws InvalidKeyException {
    if (backend == Backend.JAVA) {
      return key; // Bouncy Castle reads any provider's keys
    }
    String cls = key.getClass().getName();
    boolean ec = key instanceof java.security.interfaces.ECPublicKey;
    if (ec && cls.startsWith("com.amazon.corretto.") || !ec && cls.startsWith("sun.security.ec.")) {
      return key;
    }
    try {
      return keyFactory(ec ? "EC" : "Ed25519")
          .generatePublic(new X509EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidKeyException("not a key this backend reads", e);
    }
  }

  private boolean verify(String algorithm, PublicKey key, byte[] message, byte[] signature) {
    try {
      Signature s = signature(algorithm);
      s.initVerify(own(key));
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false; // a malformed signature or key is a failed verification, not an error
    }
  }

  /** An Ed25519 public key from its 32 raw bytes (RFC 8032 encoding). */
  public PublicKey ed25519PublicKey(byte[] raw) throws InvalidKeyException {
    if (raw == null || raw.length != 32) {
      throw new InvalidKeyException("an Ed25519 public key is 32 bytes");
    }
    byte[] der = new byte[44];
    byte[] prefix = java.util.HexFormat.of().parseHex(ED25519_SPKI_PREFIX);
    System.arraycopy(prefix, 0, der, 0, 12);
    System.arraycopy(raw, 0, der, 12, 32);
    try {
      return keyFactory("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new InvalidKeyException("not an Ed25519 public key", e);
    }
  }

  /** SHA-256 of {@code data}. */
  public byte[] sha256(byte[] data) {
    return digestOf("SHA-256", data);
  }

  /** SHA-384 of {@code data}. */
  public byte[] sha384(byte[] data) {
    return digestOf("SHA-384", data);
  }

  private byte[] digestOf(String alg, byte[] data) {
    try {
      return digest(alg).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(alg + " is routed for every backend", e);
    }
  }
}
