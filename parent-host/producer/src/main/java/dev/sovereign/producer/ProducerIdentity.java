package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.LocalSigners;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A producer's signing identity: an Ed25519 key and its {@code did:key}, or the same key as the
 * verification method of a DID registered elsewhere ({@link #controlling}, e.g. a did:fabric DID's
 * {@code #key-1}). The identity file is JSON {@code {"did", "kid", "privateJwk":
 * {"kty":"OKP","crv":"Ed25519","x","d"}}}; it holds a secret and is written owner-readable only.
 * {@link #toString()} never shows the key.
 */
public final class ProducerIdentity {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64U = Base64.getUrlEncoder().withoutPadding();

  private final byte[] seed;
  private final byte[] publicKey;
  private final Did did;
  private final String kid;

  private ProducerIdentity(byte[] seed) {
    if (seed.length != 32) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    this.seed = seed.clone();
    this.publicKey = new Ed25519PrivateKeyParameters(this.seed, 0).generatePublicKey().getEncoded();
    this.did = DidKey.fromKey(PublicKeyMaterial.of(KeyType.ED25519, publicKey));
    this.kid = did + "#" + did.methodSpecificId();
  }

  private ProducerIdentity(byte[] seed, Did did, String kid) {
    this.seed = seed.clone();
    this.publicKey = new Ed25519PrivateKeyParameters(this.seed, 0).generatePublicKey().getEncoded();
    this.did = did;
    this.kid = kid;
  }

  /**
   * This key as the verification method {@code kid} of {@code did}, a DID of another method whose
   * document lists the key (a did:fabric DID created with it has it as {@code #key-1}). Nothing
   * here resolves {@code did}: the enclave checks the key against the DID's verified document, so a
   * wrong pairing is a {@code signature-invalid} payload, not a forgery.
   *
   * @throws IllegalArgumentException if {@code did} is a did:key (its key is its name: use this
   *     identity itself) or {@code kid} is not a fragment of {@code did}
   */
  public ProducerIdentity controlling(String did, String kid) {
    Did d;
    try {
      d = Did.parse(did);
    } catch (dev.sovereign.did.InvalidDidException e) {
      throw new IllegalArgumentException("not a DID: " + did);
    }
    if ("key".equals(d.method())) {
      throw new IllegalArgumentException("a did:key names its own key");
    }
    if (!kid.startsWith(d + "#") || kid.length() == d.toString().length() + 1) {
      throw new IllegalArgumentException("kid must be a fragment of " + did);
    }
    return new ProducerIdentity(seed, d, kid);
  }

  /** A fresh identity. */
  public static ProducerIdentity generate(SecureRandom random) {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return new ProducerIdentity(seed);
  }

  /** The identity of a 32-byte Ed25519 seed (copied). */
  public static ProducerIdentity fromSeed(byte[] seed) {
    return new ProducerIdentity(seed);
  }

  /** Reads an identity file; the {@code did} and {@code x} in it must belong to {@code d}. */
  public static ProducerIdentity read(Path file) throws IOException {
    JsonNode n = JSON.readTree(Files.readAllBytes(file));
    JsonNode jwk = n == null ? null : n.get("privateJwk");
    if (jwk == null
        || !"OKP".equals(jwk.path("kty").asText())
        || !"Ed25519".equals(jwk.path("crv").asText())
        || !jwk.path("d").isTextual()) {
      throw new IOException(
          file + ": not a producer identity (privateJwk must be an Ed25519 OKP key with d)");
    }
    ProducerIdentity id;
    try {
      id = new ProducerIdentity(Base64.getUrlDecoder().decode(jwk.get("d").asText()));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": privateJwk.d is not a base64url Ed25519 seed");
    }
    if (jwk.has("x") && !jwk.get("x").asText().equals(B64U.encodeToString(id.publicKey))) {
      throw new IOException(file + ": privateJwk.x does not belong to privateJwk.d");
    }
    if (n.has("did") && !n.get("did").asText().equals(id.did.toString())) {
      // Another method's DID is taken with its kid as written (the enclave checks its document).
      if (n.get("did").asText().startsWith("did:key:") || !n.path("kid").isTextual()) {
        throw new IOException(file + ": did does not belong to the key");
      }
      try {
        return id.controlling(n.get("did").asText(), n.get("kid").asText());
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": " + e.getMessage());
      }
    }
    return id;
  }

  /** Writes the identity file (owner read/write only where the file system supports it). */
  public void write(Path file) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("did", did.toString());
    n.put("kid", kid);
    ObjectNode jwk = n.putObject("privateJwk");
    jwk.put("kty", "OKP")
        .put("crv", "Ed25519")
        .put("x", B64U.encodeToString(publicKey))
        .put("d", B64U.encodeToString(seed));
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    try {
      // Owner-only from the first byte: create the file with its permissions, then restrict an
      // existing one.
      if (!Files.exists(file)) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the caller's umask applies
    }
    Files.write(
        file,
        bytes,
        StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }

  /** The producer DID ({@code did:key:z6Mk...}, or the DID given to {@link #controlling}). */
  public Did did() {
    return did;
  }

  /** The DID URL of the key: the JWS {@code kid}. */
  public String kid() {
    return kid;
  }

  /** The raw 32-byte public key. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** A signer for this key under {@code kid}. */
  public CredentialSigner signer() {
    return LocalSigners.ed25519(seed, kid);
  }

  /**
   * A signer using this identity's key under another identity's {@code kid}: what a forger holding
   * the wrong key produces. For demonstrations and tests of the enclave's rejection.
   */
  public CredentialSigner signerClaiming(String otherKid) {
    return LocalSigners.ed25519(seed, otherKid);
  }

  /** Ed25519 signature (64 bytes). */
  byte[] sign(byte[] input) {
    try {
      return signer().sign(input);
    } catch (CredentialSigner.SigningException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Constant-time comparison of the secret keys. */
  public boolean equalsKey(ProducerIdentity other) {
    return MessageDigest.isEqual(seed, other.seed);
  }

  @Override
  public String toString() {
    return "ProducerIdentity[" + did + "]";
  }
}
