package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.RecipientEnvelopes;
import dev.sovereign.attestation.seal.SealedStateHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The local key broker's operations, independent of HTTP: {@code CreateKey}, {@code DescribeKey},
 * {@code GenerateDataKey}, {@code Decrypt} and {@code GenerateRandom} with KMS's request and
 * response JSON.
 *
 * <p>Release rules, in order, each refusal audited with its code: a {@code Recipient} is required
 * for GenerateDataKey and Decrypt (stricter than KMS: the host must never see a plaintext key); its
 * attestation document must pass the configured {@link AttestationVerifier} (pinned roots, maximum
 * age); the key policy must allow the action with the document's PCRs; for sealed-state contexts
 * ({@code sovereign:*} keys, see {@link SealedStateHeader}) the context's measurement and policy
 * hash must be the recipient's and the sequence must not roll back. Only then is the key wrapped to
 * the recipient ({@code CiphertextForRecipient}).
 */
public final class LocalKeyBroker {
  /** Region in the ARNs the local broker issues. */
  public static final String DEFAULT_REGION = "local-1";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Decoder B64D = Base64.getDecoder();
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Pattern HEX96 = Pattern.compile("[0-9a-fA-F]{96}");
  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

  private final KeyStore keys;
  private final AuditLog audit;
  private final RollbackGuard rollback;
  private final AttestationVerifier verifier;
  private final Clock clock;
  private final SecureRandom random;

  private LocalKeyBroker(
      KeyStore keys,
      AuditLog audit,
      RollbackGuard rollback,
      AttestationVerifier verifier,
      Clock clock,
      SecureRandom random) {
    this.keys = keys;
    this.audit = audit;
    this.rollback = rollback;
    this.verifier = verifier;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Opens (or initialises) the state directory: {@code master.key}, {@code keys/}, {@code
   * audit.log}, {@code rollback.json}, all owner-only. {@code verifier} fixes the pinned roots and
   * maximum document age for every release.
   */
  public static LocalKeyBroker open(Path stateDir, AttestationVerifier verifier, Clock clock)
      throws IOException {
    Objects.requireNonNull(verifier, "verifier");
    SecureRandom random = new SecureRandom();
    StateFiles.ensureDirectory(stateDir);
    MasterKey master = MasterKey.loadOrCreate(stateDir, random);
    return new LocalKeyBroker(
        KeyStore.open(stateDir, DEFAULT_REGION, master, random),
        AuditLog.open(stateDir, clock),
        RollbackGuard.open(stateDir),
        verifier,
        clock,
        random);
  }

  /**
   * Opens the state directory for administration only ({@link #overrideRollback}): no attestation
   * verifier, so {@link #handle} refuses to serve.
   */
  public static LocalKeyBroker openForAdministration(Path stateDir, Clock clock)
      throws IOException {
    SecureRandom random = new SecureRandom();
    if (!java.nio.file.Files.isDirectory(stateDir)) {
      throw new IOException("no key broker state in " + stateDir);
    }
    MasterKey master = MasterKey.loadOrCreate(stateDir, random);
    return new LocalKeyBroker(
        KeyStore.open(stateDir, DEFAULT_REGION, master, random),
        AuditLog.open(stateDir, clock),
        RollbackGuard.open(stateDir),
        null,
        clock,
        random);
  }

  /** The audit log. */
  public AuditLog audit() {
    return audit;
  }

  /**
   * Dispatches one KMS operation ({@code X-Amz-Target} without the {@code TrentService.} prefix).
   */
  public JsonNode handle(String operation, JsonNode request) throws KmsError {
    if (verifier == null) {
      throw new IllegalStateException("opened for administration only");
    }
    if (request == null || !request.isObject()) {
      throw KmsError.validation("request body must be a JSON object");
    }
    try {
      return switch (operation) {
        case "CreateKey" -> createKey(request);
        case "DescribeKey" -> describeKey(request);
        case "GenerateDataKey" -> generateDataKey(request);
        case "Decrypt" -> decrypt(request);
        case "GenerateRandom" -> generateRandom(request);
        default ->
            throw new KmsError(
                "UnsupportedOperationException",
                400,
                KeyReleaseRefusal.INVALID_REQUEST,
                null,
                "operation not supported by the local key broker: " + operation);
      };
    } catch (IOException e) {
      throw new UncheckedIOException("key broker state could not be written", e);
    } catch (KmsError e) {
      if (!e.audited()) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("operation", operation);
        f.put("reason", e.reason().name());
        if (e.subCode() != null) {
          f.put("subCode", e.subCode());
        }
        try {
          audit.append("REFUSED", f);
        } catch (IOException io) {
          throw new UncheckedIOException("audit log could not be written", io);
        }
        e.markAudited();
      }
      throw e;
    }
  }

  /**
   * Administrator override: lowers the rollback mark of one enclave identity to {@code toSequence}
   * so an older snapshot can be opened once more. Audited with the operator's reason.
   */
  public void overrideRollback(
      String keyIdOrArn, String measurementHex, String region, long toSequence, String reason)
      throws IOException, KmsError {
    KeyStore.StoredKey k =
        keys.find(keyIdOrArn).orElseThrow(() -> KmsError.notFound("key not found: " + keyIdOrArn));
    if (!HEX96.matcher(measurementHex).matches()
        || toSequence < 0
        || reason == null
        || reason.isBlank()) {
      throw KmsError.validation(
          "override needs a 96-hex-digit measurement, a sequence >= 0 and a reason");
    }
    String identity = RollbackGuard.identity(k.arn(), measurementHex, region);
    long before = rollback.highest(identity);
    rollback.record(identity, toSequence);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("keyId", k.arn());
    f.put("identity", identity);
    f.put("fromSequence", before);
    f.put("toSequence", toSequence);
    f.put("operatorReason", reason);
    audit.append("ROLLBACK_OVERRIDE", f);
  }

  private JsonNode createKey(JsonNode req) throws KmsError, IOException {
    for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Map.of(
              "Policy",
              1,
              "Description",
              1,
              "KeyUsage",
              1,
              "KeySpec",
              1,
              "CustomerMasterKeySpec",
              1,
              "BypassPolicyLockoutSafetyCheck",
              1,
              "Tags",
              1,
              "Origin",
              1,
              "MultiRegion",
              1)
          .containsKey(f)) {
        throw KmsError.validation("CreateKey parameter not supported by the local broker: " + f);
      }
    }
    if (!req.path("KeyUsage").asText("ENCRYPT_DECRYPT").equals("ENCRYPT_DECRYPT")
        || !req.path("KeySpec").asText("SYMMETRIC_DEFAULT").equals("SYMMETRIC_DEFAULT")
        || !req.path("Origin").asText("AWS_KMS").equals("AWS_KMS")
        || req.path("MultiRegion").asBoolean(false)) {
      throw KmsError.validation(
          "the local broker creates only single-region SYMMETRIC_DEFAULT ENCRYPT_DECRYPT keys");
    }
    if (!req.hasNonNull("Policy")) {
      throw KmsError.malformedPolicy(
          "the local broker requires an explicit key Policy (no default policy that allows everything)");
    }
    KeyPolicy policy = KeyPolicy.parse(req.get("Policy").asText());
    String description = req.path("Description").asText("");
    KeyStore.StoredKey k = keys.create(policy, description, clock.instant());
    audit.append(
        "CREATE_KEY", Map.of("keyId", k.arn(), "policySha256", sha256Hex(policy.document())));
    ObjectNode out = JSON.createObjectNode();
    out.set("KeyMetadata", metadata(k));
    return out;
  }

  private JsonNode describeKey(JsonNode req) throws KmsError {
    KeyStore.StoredKey k = key(text(req, "KeyId"));
    ObjectNode out = JSON.createObjectNode();
    out.set("KeyMetadata", metadata(k));
    return out;
  }

  private JsonNode generateDataKey(JsonNode req) throws KmsError, IOException {
    KeyStore.StoredKey k = key(text(req, "KeyId"));
    int length = dataKeyLength(req);
    Map<String, String> context = context(req);
    Decision d = new Decision("GenerateDataKey", k.arn(), context);
    try {
      AttestedRecipient r = recipient(req, d, true);
      authorize(k, "kms:GenerateDataKey", r, context);
      SealContext seal = SealContext.of(context);
      if (seal != null) {
        seal.checkBinding(r);
        String identity = RollbackGuard.identity(k.arn(), seal.measurement, seal.region);
        // Check and raise in one step, so two concurrent seals cannot both claim the same sequence.
        // A seal that holds the mark (a periodic one, guarding nothing the enclave released) must
        // still go above it but leaves it: until the host has the blob, nothing may make its own
        // latest seal unrestorable (issue 11: a seal lost on the way to the host's disk).
        long highest =
            r.holdsMark() ? rollback.highest(identity) : rollback.advance(identity, seal.sequence);
        d.mark = r.holdsMark() ? "held" : "raised";
        if (seal.sequence <= highest) {
          throw KmsError.accessDenied(
              KeyReleaseRefusal.ROLLBACK_REFUSED,
              "SEQUENCE_NOT_INCREASING",
              "sequence " + seal.sequence + " is not above the highest sealed sequence " + highest);
        }
      }
      byte[] dataKey = new byte[length];
      random.nextBytes(dataKey);
      byte[] material = keys.material(k);
      try {
        byte[] blob = CiphertextBlobs.seal(k.keyId(), material, dataKey, context, random);
        byte[] envelope = RecipientEnvelopes.wrap(r.publicKey(), dataKey, random);
        d.released();
        ObjectNode out = JSON.createObjectNode();
        out.put("KeyId", k.arn());
        out.put("CiphertextBlob", B64.encodeToString(blob));
        out.put("CiphertextForRecipient", B64.encodeToString(envelope));
        return out;
      } finally {
        Arrays.fill(material, (byte) 0);
        Arrays.fill(dataKey, (byte) 0);
      }
    } catch (KmsError e) {
      d.refused(e);
      throw e;
    }
  }

  private JsonNode decrypt(JsonNode req) throws KmsError, IOException {
    byte[] blob = bytes(req, "CiphertextBlob");
    if (!req.path("EncryptionAlgorithm").asText("SYMMETRIC_DEFAULT").equals("SYMMETRIC_DEFAULT")) {
      throw KmsError.validation("EncryptionAlgorithm must be SYMMETRIC_DEFAULT");
    }
    Map<String, String> context = context(req);
    CiphertextBlobs.Parsed parsed = CiphertextBlobs.parse(blob);
    KeyStore.StoredKey k =
        keys.find(parsed.keyId())
            .orElseThrow(
                () -> KmsError.invalidCiphertext("ciphertext blob names no key of this broker"));
    if (req.hasNonNull("KeyId")
        && keys.find(req.get("KeyId").asText()).map(x -> x != k).orElse(true)) {
      throw new KmsError(
          "IncorrectKeyException",
          400,
          KeyReleaseRefusal.INVALID_CIPHERTEXT,
          null,
          "the ciphertext was not encrypted under the given KeyId");
    }
    Decision d = new Decision("Decrypt", k.arn(), context);
    try {
      AttestedRecipient r = recipient(req, d, true);
      authorize(k, "kms:Decrypt", r, context);
      byte[] material = keys.material(k);
      byte[] plaintext;
      try {
        plaintext = CiphertextBlobs.open(parsed, material, context);
      } finally {
        Arrays.fill(material, (byte) 0);
      }
      try {
        SealContext seal = SealContext.of(context);
        String identity = null;
        if (seal != null) {
          seal.checkBinding(r);
          identity = RollbackGuard.identity(k.arn(), seal.measurement, seal.region);
          long highest = rollback.highest(identity);
          if (seal.sequence < highest) {
            throw KmsError.accessDenied(
                KeyReleaseRefusal.ROLLBACK_REFUSED,
                "OLDER_SNAPSHOT",
                "snapshot sequence "
                    + seal.sequence
                    + " is older than the newest sealed sequence "
                    + highest);
          }
        }
        byte[] envelope = RecipientEnvelopes.wrap(r.publicKey(), plaintext, random);
        if (identity != null) {
          rollback.advance(identity, seal.sequence);
        }
        d.released();
        ObjectNode out = JSON.createObjectNode();
        out.put("KeyId", k.arn());
        out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        out.put("CiphertextForRecipient", B64.encodeToString(envelope));
        return out;
      } finally {
        Arrays.fill(plaintext, (byte) 0);
      }
    } catch (KmsError e) {
      d.refused(e);
      throw e;
    }
  }

  private JsonNode generateRandom(JsonNode req) throws KmsError, IOException {
    int n = req.path("NumberOfBytes").asInt(0);
    if (n < 1 || n > 1024) {
      throw KmsError.validation("NumberOfBytes must be 1..1024");
    }
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    ObjectNode out = JSON.createObjectNode();
    Decision d = new Decision("GenerateRandom", null, Map.of());
    try {
      AttestedRecipient r = recipient(req, d, false);
      if (r == null) {
        out.put("Plaintext", B64.encodeToString(bytes));
      } else {
        out.put(
            "CiphertextForRecipient",
            B64.encodeToString(RecipientEnvelopes.wrap(r.publicKey(), bytes, random)));
      }
      d.released();
      return out;
    } catch (KmsError e) {
      d.refused(e);
      throw e;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private AttestedRecipient recipient(JsonNode req, Decision d, boolean required) throws KmsError {
    JsonNode r = req.get("Recipient");
    if (r == null || r.isNull()) {
      if (required) {
        throw KmsError.accessDenied(
            KeyReleaseRefusal.RECIPIENT_REQUIRED,
            null,
            "the local key broker releases keys only to an attested Recipient");
      }
      return null;
    }
    if (!r.isObject() || !r.hasNonNull("AttestationDocument")) {
      throw KmsError.validation("Recipient needs AttestationDocument");
    }
    byte[] doc = bytes(r, "AttestationDocument");
    AttestedRecipient a =
        AttestedRecipient.verify(verifier, r.path("KeyEncryptionAlgorithm").asText(""), doc);
    d.recipient = a;
    return a;
  }

  private void authorize(
      KeyStore.StoredKey k, String action, AttestedRecipient r, Map<String, String> context)
      throws KmsError {
    Map<String, String> condition = new TreeMap<>(r.conditionKeys());
    context.forEach((key, value) -> condition.put("kms:EncryptionContext:" + key, value));
    k.policy().authorize(action, condition);
  }

  /** The sovereign:* keys of a sealed-state encryption context, checked for shape. */
  private static final class SealContext {
    final String measurement;
    final String region;
    final long sequence;
    final String policyHash;

    private SealContext(String measurement, String region, long sequence, String policyHash) {
      this.measurement = measurement;
      this.region = region;
      this.sequence = sequence;
      this.policyHash = policyHash;
    }

    static SealContext of(Map<String, String> ctx) throws KmsError {
      if (!ctx.containsKey(SealedStateHeader.CONTEXT_FORMAT)) {
        return null;
      }
      String m = ctx.getOrDefault(SealedStateHeader.CONTEXT_MEASUREMENT, "");
      String region = ctx.getOrDefault(SealedStateHeader.CONTEXT_REGION, "");
      String seq = ctx.getOrDefault(SealedStateHeader.CONTEXT_SEQUENCE, "");
      String ph = ctx.getOrDefault(SealedStateHeader.CONTEXT_POLICY_HASH, "");
      if (!HEX96.matcher(m).matches()
          || region.isEmpty()
          || !seq.matches("[1-9][0-9]{0,18}")
          || !HEX64.matcher(ph).matches()) {
        throw KmsError.validation(
            "sealed-state encryption context needs measurement, region, sequence and policy-hash");
      }
      return new SealContext(
          m.toLowerCase(Locale.ROOT), region, Long.parseLong(seq), ph.toLowerCase(Locale.ROOT));
    }

    void checkBinding(AttestedRecipient r) throws KmsError {
      if (!measurement.equalsIgnoreCase(r.imageSha384() == null ? "" : r.imageSha384())) {
        throw KmsError.accessDenied(
            KeyReleaseRefusal.SEAL_BINDING_MISMATCH,
            "MEASUREMENT",
            "the sealed state names another enclave measurement than the recipient's PCR0");
      }
      if (!r.policyHash().map(policyHash::equalsIgnoreCase).orElse(false)) {
        throw KmsError.accessDenied(
            KeyReleaseRefusal.POLICY_HASH_MISMATCH,
            "USER_DATA",
            "the recipient's user_data policy hash differs from the sealed state's");
      }
    }
  }

  /** One audited decision: every path ends in released() or refused(). */
  private final class Decision {
    final String operation;
    final String keyArn;
    final Map<String, String> context;
    AttestedRecipient recipient;

    /** For a sealed-state GenerateDataKey: whether it {@code raised} or {@code held} the mark. */
    String mark;

    Decision(String operation, String keyArn, Map<String, String> context) {
      this.operation = operation;
      this.keyArn = keyArn;
      this.context = context;
    }

    void released() throws IOException {
      audit.append("RELEASED", fields(null));
    }

    void refused(KmsError e) {
      try {
        audit.append("REFUSED", fields(e));
        e.markAudited();
      } catch (IOException io) {
        throw new UncheckedIOException("audit log could not be written", io);
      }
    }

    private Map<String, Object> fields(KmsError e) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("operation", operation);
      if (keyArn != null) {
        f.put("keyId", keyArn);
      }
      if (e != null) {
        f.put("reason", e.reason().name());
        if (e.subCode() != null) {
          f.put("subCode", e.subCode());
        }
      }
      if (mark != null) {
        f.put("rollbackMark", mark);
      }
      if (recipient != null) {
        f.put("imageSha384", recipient.imageSha384());
        recipient.pcr(3).ifPresent(v -> f.put("pcr3", v));
        recipient.pcr(4).ifPresent(v -> f.put("pcr4", v));
        recipient.policyHash().ifPresent(v -> f.put("policyHash", v));
      }
      if (!context.isEmpty()) {
        f.put("encryptionContext", new TreeMap<>(context));
      }
      return f;
    }
  }

  private KeyStore.StoredKey key(String id) throws KmsError {
    return keys.find(id).orElseThrow(() -> KmsError.notFound("key not found: " + id));
  }

  private static ObjectNode metadata(KeyStore.StoredKey k) {
    ObjectNode m = JSON.createObjectNode();
    m.put("AWSAccountId", KeyStore.ACCOUNT);
    m.put("KeyId", k.keyId());
    m.put("Arn", k.arn());
    m.put("CreationDate", k.created().getEpochSecond() + k.created().getNano() / 1e9);
    m.put("Enabled", true);
    m.put("Description", k.description());
    m.put("KeyUsage", "ENCRYPT_DECRYPT");
    m.put("KeyState", "Enabled");
    m.put("Origin", "AWS_KMS");
    m.put("KeyManager", "CUSTOMER");
    m.put("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
    m.put("KeySpec", "SYMMETRIC_DEFAULT");
    m.putArray("EncryptionAlgorithms").add("SYMMETRIC_DEFAULT");
    m.put("MultiRegion", false);
    return m;
  }

  private static int dataKeyLength(JsonNode req) throws KmsError {
    boolean hasSpec = req.hasNonNull("KeySpec");
    boolean hasBytes = req.hasNonNull("NumberOfBytes");
    if (hasSpec == hasBytes) {
      throw KmsError.validation("exactly one of KeySpec and NumberOfBytes is required");
    }
    if (hasSpec) {
      return switch (req.get("KeySpec").asText()) {
        case "AES_256" -> 32;
        case "AES_128" -> 16;
        default -> throw KmsError.validation("KeySpec must be AES_256 or AES_128");
      };
    }
    int n = req.get("NumberOfBytes").asInt(0);
    if (n < 1 || n > 1024) {
      throw KmsError.validation("NumberOfBytes must be 1..1024");
    }
    return n;
  }

  private static Map<String, String> context(JsonNode req) throws KmsError {
    JsonNode c = req.get("EncryptionContext");
    Map<String, String> out = new TreeMap<>();
    if (c == null || c.isNull()) {
      return out;
    }
    if (!c.isObject()) {
      throw KmsError.validation("EncryptionContext must be a map of strings");
    }
    for (Map.Entry<String, JsonNode> e : c.properties()) {
      if (!e.getValue().isTextual()) {
        throw KmsError.validation("EncryptionContext values must be strings");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static String text(JsonNode req, String field) throws KmsError {
    JsonNode n = req.get(field);
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw KmsError.validation(field + " is required");
    }
    return n.asText();
  }

  private static byte[] bytes(JsonNode req, String field) throws KmsError {
    try {
      byte[] b = B64D.decode(text(req, field));
      if (b.length == 0) {
        throw KmsError.validation(field + " is empty");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw KmsError.validation(field + " is not base64");
    }
  }

  private static String sha256Hex(String s) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
