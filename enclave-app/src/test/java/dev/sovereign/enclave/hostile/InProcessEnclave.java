package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.jwk.ECKey;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.did.Did;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.Enclave;
import dev.sovereign.enclave.EnclaveOptions;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The enclave booted in this JVM exactly as {@code EnclaveMain} boots it (simulated NSM, policy
 * file, unix socket), reached only through its socket, and the payloads a stranger can build from
 * its attestation: a fresh did:key, any claims, encrypted to the attested key.
 */
final class InProcessEnclave implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DATASET = DevPolicy.DATASET;

  final Path dir;
  final Path socket;
  final Enclave enclave;
  final Thread serving;
  final Message.Attestation attestation;
  final String policySha256;

  private InProcessEnclave(Path dir, Path socket, Enclave enclave, Thread serving)
      throws Exception {
    this.dir = dir;
    this.socket = socket;
    this.enclave = enclave;
    this.serving = serving;
    this.policySha256 = enclave.policy().orElseThrow().sha256Hex();
    try (EnclaveClient c = connect()) {
      this.attestation = c.call(new Message.Attest("00"), Message.Attestation.class);
    }
  }

  /** Boots with the development policy (EU zone, anchored at a DID nobody here holds). */
  static InProcessEnclave boot(Path dir) throws Exception {
    return boot(dir, b -> {});
  }

  /** Boots with the development policy as {@code edit} changes its builder. */
  static InProcessEnclave boot(Path dir, Consumer<DevPolicy.Builder> edit) throws Exception {
    return bootYaml(dir, pcr0 -> policy(pcr0, ANCHOR, edit).yaml());
  }

  /** Boots with the development policy whose EU zone is anchored at {@code authority}'s root. */
  static InProcessEnclave boot(Path dir, Authority authority) throws Exception {
    return bootYaml(dir, pcr0 -> policy(pcr0, authority.rootDid, b -> {}).yaml());
  }

  /** Boots with the YAML {@code yaml} makes from this image's PCR0 (hex). */
  static InProcessEnclave bootYaml(Path dir, UnaryOperator<String> yaml) throws Exception {
    Path image = dir.resolve("image.jar");
    try (java.util.zip.ZipOutputStream z =
        new java.util.zip.ZipOutputStream(Files.newOutputStream(image))) {
      z.putNextEntry(new java.util.zip.ZipEntry("image.txt"));
      z.write(("the measured image of " + dir).getBytes(StandardCharsets.UTF_8));
    }
    Path policy =
        Files.writeString(
            dir.resolve("policy.yaml"),
            yaml.apply(HexFormat.of().formatHex(SimulatedMeasurements.pcr0(image))));
    Path socket = dir.resolve("enclave.sock");
    Enclave e =
        Enclave.boot(
            new EnclaveOptions(
                new ListenAddress.Unix(socket),
                policy,
                dir.resolve("state"),
                Optional.of(image),
                Frames.DEFAULT_MAX_FRAME,
                2,
                true));
    Thread t =
        new Thread(
            () -> {
              try {
                e.serve();
              } catch (java.io.IOException x) {
                // closed
              }
            },
            "in-process-enclave");
    t.setDaemon(true);
    t.start();
    return new InProcessEnclave(dir, socket, e, t);
  }

  /** A trust anchor nobody here holds the key of. */
  static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  static DevPolicy.Builder policy(String pcr0, String anchor, Consumer<DevPolicy.Builder> edit) {
    DevPolicy.Builder b =
        DevPolicy.builder("hostile")
            .pcr0(pcr0)
            .zone("EU", anchor)
            .minGroupSize(1)
            .functions("sum", "count");
    edit.accept(b);
    return b;
  }

  EnclaveClient connect() throws java.io.IOException {
    return EnclaveClient.connectUnix(socket);
  }

  /** Opens {@code round} for the development dataset. */
  void open(String round) throws Exception {
    try (EnclaveClient c = connect()) {
      assertInstanceOf(
          Message.RoundOpened.class,
          c.call(new Message.OpenRound(round, DATASET, policySha256)),
          "open " + round);
    }
  }

  /** A fresh Ed25519 did:key producer (a stranger until some authority issues it a credential). */
  Producer stranger() throws Exception {
    return new Producer(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), this::jwe);
  }

  /** A fresh did:key producer encrypting to {@code enclave}'s key (no socket). */
  static Producer producerFor(dev.sovereign.enclave.identity.EnclaveIdentity enclave)
      throws Exception {
    return new Producer(
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
        jws -> jwe(jws, enclave.encryptionKid(), enclave.encryptionPublicKey()));
  }

  /** Encrypts a compact JWS to an enclave. */
  @FunctionalInterface
  interface Encrypter {
    String jwe(String jws) throws Exception;
  }

  /** Signs what it likes with its own did:key and encrypts it to the attested key. */
  static final class Producer {
    final KeyPair keys;
    final Did did;
    private final Encrypter encrypter;
    private int n;

    Producer(KeyPair keys, Encrypter encrypter) {
      this.keys = keys;
      this.did = DidKey.fromKey(keys.getPublic());
      this.encrypter = encrypter;
    }

    /** Well-formed claims for {@code round} (one record, a junk credential). */
    ObjectNode claims(String round) {
      ObjectNode c =
          JSON.createObjectNode()
              .put("iss", did.toString())
              .put("jti", did + "-" + (n++))
              .put("iat", java.time.Instant.now().getEpochSecond())
              .put("round", round)
              .put("dataset", DATASET)
              .put("region", "EU");
      c.putArray("records")
          .addObject()
          .put("metric", "points")
          .put("value", 10)
          .putObject("group")
          .put("country", "DE");
      c.putArray("credentials").add("not-a-credential");
      return c;
    }

    /** Well-formed claims for {@code round} carrying {@code credentials}. */
    ObjectNode claims(String round, String... credentials) {
      ObjectNode c = claims(round);
      com.fasterxml.jackson.databind.node.ArrayNode a = c.putArray("credentials");
      for (String s : credentials) {
        a.add(s);
      }
      return c;
    }

    /** The compact JWE of {@code claims}, signed by this stranger. */
    String payload(ObjectNode claims) throws Exception {
      return encrypter.jwe(jws(JSON.writeValueAsBytes(claims)));
    }

    /** As above, with the claims given as raw JSON text (numbers the tree cannot hold). */
    String payloadOfText(String claimsJson) throws Exception {
      return encrypter.jwe(jws(claimsJson.getBytes(StandardCharsets.UTF_8)));
    }

    String jws(byte[] claims) throws Exception {
      return jwsAs(did, claims);
    }

    /** {@code claims} signed with this producer's key under a {@code kid} of {@code named}. */
    String jwsAs(Did named, byte[] claims) throws Exception {
      ObjectNode header =
          JSON.createObjectNode()
              .put("alg", "EdDSA")
              .put("typ", "sovereign-payload+jwt")
              .put("kid", named + "#" + named.methodSpecificId());
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String input =
          b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(claims);
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(keys.getPrivate());
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64.encodeToString(s.sign());
    }
  }

  /** {@code jws} encrypted to the attested key, zone EU. */
  String jwe(String jws) throws Exception {
    return jwe(jws, attestation.kid(), ECKey.parse(attestation.encryptionKey()).toECPublicKey());
  }

  static String jwe(String jws, String kid, java.security.interfaces.ECPublicKey to)
      throws Exception {
    JWEHeader h =
        new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
            .keyID(kid)
            .contentType("JWT")
            .customParam("zone", "EU")
            .build();
    JWEObject o = new JWEObject(h, new Payload(jws));
    o.encrypt(new ECDHEncrypter(to));
    return o.serialize();
  }

  @Override
  public void close() throws Exception {
    enclave.close();
    serving.join(5000);
  }
}
