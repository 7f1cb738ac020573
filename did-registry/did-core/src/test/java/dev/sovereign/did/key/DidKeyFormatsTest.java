package dev.sovereign.did.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every representation for every key type: either a consistent document or invalidOptions. */
class DidKeyFormatsTest {
  private static final DidResolver RESOLVER = DidResolvers.builder().withDidKey().build();
  private static final List<String> DIDS =
      List.of(
          "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
          "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",
          "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
          "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
          "did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68X4m32D8HgzG8wv3sY5j7",
          "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String did : DIDS) {
      for (DidKeyFormat f : DidKeyFormat.values()) {
        for (String derive : List.of("true", "false")) {
          out.add(Arguments.of(did, f, derive));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} as {1}, derivation {2}")
  @MethodSource("cases")
  void eachFormatEitherExpressesTheKeyExactlyOrIsRefusedAsInvalidOptions(
      String did, DidKeyFormat format, String derive) {
    DidResolutionResult r =
        RESOLVER.resolve(
            did,
            ResolutionOptions.latest()
                .withParameter(ResolutionOptions.PUBLIC_KEY_FORMAT, format.typeName())
                .withParameter(ResolutionOptions.ENABLE_ENCRYPTION_KEY_DERIVATION, derive));
    PublicKeyMaterial key = DidKey.decode(did);
    if (!format.supports(key.type())) {
      assertEquals(ResolutionError.INVALID_OPTIONS, r.error().orElseThrow());
      return;
    }
    DidDocument doc = r.didDocument().orElseThrow();
    // What is written parses back to the same document, and the first method holds the DID's key.
    assertEquals(doc, DidJson.parseDocument(DidJson.write(doc)));
    VerificationMethod first = doc.verificationMethods().get(0);
    assertEquals(key, first.publicKeyMaterial().orElseThrow());
    assertEquals(did + "#" + did.substring("did:key:".length()), first.id());
    boolean derived = derive.equals("true") && key.type() == dev.sovereign.did.KeyType.ED25519;
    assertEquals(derived ? 2 : 1, doc.verificationMethods().size());
    if (derived) {
      VerificationMethod x = doc.verificationMethods().get(1);
      assertEquals(key.toX25519(), x.publicKeyMaterial().orElseThrow());
      assertTrue(doc.isAuthorized(x.id(), Relationship.KEY_AGREEMENT));
      assertTrue(!doc.isAuthorized(x.id(), Relationship.ASSERTION_METHOD));
    }
    boolean signing = key.type() != dev.sovereign.did.KeyType.X25519;
    assertEquals(signing, doc.isAuthorized(first.id(), Relationship.ASSERTION_METHOD));
    assertEquals(signing, doc.isAuthorized(first.id(), Relationship.AUTHENTICATION));
    assertEquals(
        key.type().isEc() || key.type() == dev.sovereign.did.KeyType.X25519,
        doc.isAuthorized(first.id(), Relationship.KEY_AGREEMENT));
  }
}
