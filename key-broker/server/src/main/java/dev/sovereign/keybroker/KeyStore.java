package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;

/**
 * KMS keys on disk: {@code keys/<id>.json} (mode 0600) with metadata, the key policy and the
 * 256-bit key material encrypted under the {@link MasterKey} (AES-256-GCM, key ARN as associated
 * data).
 */
final class KeyStore {
  static final String ACCOUNT = "000000000000";
  private static final ObjectMapper JSON = new ObjectMapper();

  record StoredKey(
      String keyId,
      String arn,
      Instant created,
      String description,
      KeyPolicy policy,
      byte[] sealedMaterial) {}

  private final Path dir;
  private final String region;
  private final MasterKey master;
  private final SecureRandom random;
  private final Map<String, StoredKey> keys = new ConcurrentHashMap<>();

  private KeyStore(Path dir, String region, MasterKey master, SecureRandom random) {
    this.dir = dir;
    this.region = region;
    this.master = master;
    this.random = random;
  }

  static KeyStore open(Path stateDir, String region, MasterKey master, SecureRandom random)
      throws IOException {
    Path dir = stateDir.resolve("keys");
    StateFiles.ensureDirectory(dir);
    KeyStore store = new KeyStore(dir, region, master, random);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        JsonNode n = JSON.readTree(f.toFile());
        KeyPolicy policy;
        try {
          policy = KeyPolicy.parse(n.path("policy").asText());
        } catch (KmsError e) {
          throw new IOException(
              "stored policy of " + f.getFileName() + " no longer parses: " + e.wireMessage());
        }
        StoredKey k =
            new StoredKey(
                n.path("keyId").asText(),
                n.path("arn").asText(),
                Instant.parse(n.path("created").asText()),
                n.path("description").asText(""),
                policy,
                Base64.getDecoder().decode(n.path("material").asText()));
        store.keys.put(k.keyId(), k);
      }
    }
    return store;
  }

  StoredKey create(KeyPolicy policy, String description, Instant now) throws IOException {
    String id = UUID.randomUUID().toString();
    String arn = "arn:aws:kms:" + region + ":" + ACCOUNT + ":key/" + id;
    byte[] material = new byte[32];
    random.nextBytes(material);
    byte[] sealed = master.encrypt(material, arn.getBytes(StandardCharsets.UTF_8), random);
    Arrays.fill(material, (byte) 0);
    StoredKey k = new StoredKey(id, arn, now, description, policy, sealed);
    ObjectNode n = JSON.createObjectNode();
    n.put("keyId", id);
    n.put("arn", arn);
    n.put("created", now.toString());
    n.put("description", description);
    n.put("policy", policy.document());
    n.put("material", Base64.getEncoder().encodeToString(sealed));
    StateFiles.createOwnerOnly(
        dir.resolve(id + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    keys.put(id, k);
    return k;
  }

  /** Finds a key by id or ARN. */
  Optional<StoredKey> find(String keyIdOrArn) {
    String id = keyIdOrArn;
    int slash = keyIdOrArn.lastIndexOf(":key/");
    if (keyIdOrArn.startsWith("arn:")) {
      if (slash < 0) {
        return Optional.empty();
      }
      id = keyIdOrArn.substring(slash + 5);
    }
    StoredKey k = keys.get(id);
    if (k == null || (keyIdOrArn.startsWith("arn:") && !k.arn().equals(keyIdOrArn))) {
      return Optional.empty();
    }
    return Optional.of(k);
  }

  /** The key material; the caller wipes it. */
  byte[] material(StoredKey k) {
    try {
      return master.decrypt(k.sealedMaterial(), k.arn().getBytes(StandardCharsets.UTF_8));
    } catch (AEADBadTagException e) {
      throw new IllegalStateException(
          "key material of " + k.keyId() + " does not decrypt under the master key");
    }
  }
}
