package dev.sovereign.did.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidResolutionMetadata;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import dev.sovereign.did.internal.KeyCodec;
import dev.sovereign.did.multiformats.Base58Btc;
import dev.sovereign.testing.Fixtures;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every vector of the W3C CCG did:key test vectors ({@code fixtures/did-key/}, from
 * github.com/w3c-ccg/did-method-key {@code test-vectors/}): ed25519-x25519.json (5),
 * nist-curves.json (P-256, P-384, P-521: 7), secp256k1.json (6).
 */
class DidKeyVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DidResolver RESOLVER = DidResolvers.builder().withDidKey().build();

  static Stream<Arguments> vectors() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (String file : List.of("ed25519-x25519.json", "nist-curves.json", "secp256k1.json")) {
      JsonNode root =
          JSON.readTree(
              Files.readString(Fixtures.vector("did-key/" + file), StandardCharsets.UTF_8));
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.add(Arguments.of(file, e.getKey(), e.getValue()));
      }
    }
    return out.stream();
  }

  @Test
  void theFixtureFilesHoldEighteenVectors() throws IOException {
    assertEquals(18, vectors().count());
  }

  @ParameterizedTest(name = "{1} ({0}) resolves to exactly the vector document")
  @MethodSource("vectors")
  void resolvingEachVectorDidYieldsExactlyTheVectorDocument(
      String file, String did, JsonNode vector) {
    String format =
        vector.path("didDocument").path("verificationMethod").get(0).path("type").asText();
    DidResolutionResult result =
        RESOLVER.resolve(
            did,
            ResolutionOptions.latest().withParameter(ResolutionOptions.PUBLIC_KEY_FORMAT, format));
    assertTrue(
        result.error().isEmpty(), () -> "resolution failed: " + result.didResolutionMetadata());
    // Byte-exact: same members, same order, same values.
    assertEquals(vector.path("didDocument").toString(), DidJson.write(result.didDocument().get()));
    assertEquals(
        DidResolutionMetadata.DID_LD_JSON, result.didResolutionMetadata().contentType().get());
  }

  @ParameterizedTest(name = "{1} ({0}) is the DID of its key")
  @MethodSource("vectors")
  void theDidComputedFromEachVectorKeyIsTheVectorDid(String file, String did, JsonNode vector) {
    PublicKeyMaterial key = publicKeyOf(vector);
    assertEquals(did, DidKey.fromKey(key).toString());
    assertEquals(key, DidKey.decode(did));
    assertEquals(did, DidKey.fromKey(key.toPublicKey()).toString());
  }

  @ParameterizedTest(name = "{1} ({0}): the private key of the vector matches the document key")
  @MethodSource("vectors")
  void thePrivateKeyOfEachVectorSignsWhatThePublicKeyFromTheDocumentVerifies(
      String file, String did, JsonNode vector) throws Exception {
    DidDocument doc =
        RESOLVER
            .resolve(
                did,
                ResolutionOptions.latest()
                    .withParameter(
                        ResolutionOptions.PUBLIC_KEY_FORMAT,
                        vector
                            .path("didDocument")
                            .path("verificationMethod")
                            .get(0)
                            .path("type")
                            .asText()))
            .didDocument()
            .get();
    VerificationMethod vm = doc.verificationMethods().get(0);
    byte[] message = "sovereign did:key vector".getBytes(StandardCharsets.UTF_8);
    byte[] privateKey = privateKeyOf(vector);
    KeyType type = vm.keyType().orElseThrow();
    if (type == KeyType.ED25519) {
      Ed25519Signer signer = new Ed25519Signer();
      signer.init(true, new Ed25519PrivateKeyParameters(privateKey));
      signer.update(message, 0, message.length);
      Signature verify = Signature.getInstance("Ed25519", KeyCodec.BC);
      verify.initVerify(vm.publicKey().orElseThrow());
      verify.update(message);
      assertTrue(verify.verify(signer.generateSignature()));
    } else {
      String curve =
          switch (type) {
            case P256 -> "secp256r1";
            case P384 -> "secp384r1";
            case P521 -> "secp521r1";
            default -> "secp256k1";
          };
      X9ECParameters params = CustomNamedCurves.getByName(curve);
      ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
      signer.init(
          true,
          new ECPrivateKeyParameters(
              new BigInteger(1, privateKey),
              new ECDomainParameters(
                  params.getCurve(), params.getG(), params.getN(), params.getH())));
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(message);
      BigInteger[] rs = signer.generateSignature(digest);
      ASN1EncodableVector v = new ASN1EncodableVector();
      v.add(new ASN1Integer(rs[0]));
      v.add(new ASN1Integer(rs[1]));
      Signature verify = Signature.getInstance("SHA256withECDSA", KeyCodec.BC);
      verify.initVerify(vm.publicKey().orElseThrow());
      verify.update(message);
      assertTrue(verify.verify(new DERSequence(v).getEncoded()));
    }
  }

  @ParameterizedTest(name = "{1}: derived X25519 key matches the vector key agreement key pair")
  @MethodSource("ed25519Vectors")
  void theX25519KeyDerivedFromEachEd25519KeyMatchesTheVectorKeyAgreementPrivateKey(
      String did, JsonNode vector) {
    JsonNode ka = vector.path("keyAgreementKeyPair");
    byte[] xPriv =
        ka.has("privateKeyBase58")
            ? Base58Btc.decode(ka.path("privateKeyBase58").asText())
            : b64(ka.path("privateKeyJwk").path("d").asText());
    byte[] expectedPublic = new X25519PrivateKeyParameters(xPriv).generatePublicKey().getEncoded();
    PublicKeyMaterial derived = DidKey.decode(did).toX25519();
    assertEquals(
        HexFormat.of().formatHex(expectedPublic),
        HexFormat.of().formatHex(derived.canonicalBytes()));
  }

  static Stream<Arguments> ed25519Vectors() throws IOException {
    return vectors()
        .filter(a -> a.get()[0].equals("ed25519-x25519.json"))
        .map(a -> Arguments.of(a.get()[1], a.get()[2]));
  }

  /** The public key as the vector states it (not from the DID). */
  private static PublicKeyMaterial publicKeyOf(JsonNode vector) {
    JsonNode kp =
        vector.has("verificationKeyPair")
            ? vector.path("verificationKeyPair")
            : vector.path("verificationMethod");
    Map<String, Object> vm = JSON.convertValue(kp, Map.class);
    vm.remove("privateKeyJwk");
    vm.remove("privateKeyBase58");
    if (((String) vm.get("id")).startsWith("#")) {
      vm.put("id", vm.get("controller") + (String) vm.get("id"));
    }
    return VerificationMethod.fromJson(vm).publicKeyMaterial().orElseThrow();
  }

  /** The private key the vector states: seed (Ed25519 / secp256k1), JWK d, or privateKeyBase58. */
  private static byte[] privateKeyOf(JsonNode vector) {
    JsonNode kp =
        vector.has("verificationKeyPair")
            ? vector.path("verificationKeyPair")
            : vector.path("verificationMethod");
    if (kp.has("privateKeyJwk")) {
      return b64(kp.path("privateKeyJwk").path("d").asText());
    }
    if (vector.has("seed")) {
      return HexFormat.of().parseHex(vector.path("seed").asText());
    }
    return Base58Btc.decode(kp.path("privateKeyBase58").asText());
  }

  private static byte[] b64(String s) {
    return Base64.getUrlDecoder().decode(s);
  }

  @Test
  void anEd25519DidKeyResolvesToMultikeyByDefault() {
    String did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    DidDocument doc = RESOLVER.resolve(did).didDocument().orElseThrow();
    assertEquals(
        List.of("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"),
        doc.context());
    assertEquals("Multikey", doc.verificationMethods().get(0).type());
    assertEquals(
        Did.parse(did).methodSpecificId(),
        doc.verificationMethods().get(0).publicKeyMultibase().orElseThrow());
    assertEquals(
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",
        doc.verificationMethods().get(1).id());
  }
}
