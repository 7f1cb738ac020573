package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.key.DidKey;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated and random inputs: the resolver and the parsers answer with typed results, never crash.
 */
class RobustnessTest {
  private static final List<String> SEEDS =
      List.of(
          "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
          "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
          "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
          "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9");
  private static final String ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl:%#/?-._";

  @Test
  void everyMutationOfAValidDidKeyResolvesToADocumentOrInvalidDid() {
    DidResolver resolver = DidResolvers.builder().withDidKey().build();
    Random random = new Random(20260101);
    int valid = 0;
    for (int i = 0; i < 3000; i++) {
      StringBuilder s = new StringBuilder(SEEDS.get(i % SEEDS.size()));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int pos = 8 + random.nextInt(s.length() - 8);
        switch (random.nextInt(3)) {
          case 0 -> s.setCharAt(pos, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
          case 1 -> s.deleteCharAt(pos);
          default -> s.insert(pos, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
      }
      DidResolutionResult r = resolver.resolve(s.toString());
      assertNotNull(r);
      if (r.error().isEmpty()) {
        valid++;
        assertEquals(s.toString(), r.didDocument().orElseThrow().id().toString());
        assertEquals(
            DidKey.decode(s.toString()),
            r.didDocument().get().verificationMethods().get(0).publicKeyMaterial().orElseThrow());
      } else {
        assertEquals(ResolutionError.INVALID_DID, r.error().get(), s::toString);
      }
    }
    assertTrue(valid < 300, "most mutations must be rejected, " + valid + " were accepted");
  }

  @Test
  void randomTextGivenAsADidDocumentIsRejectedWithInvalidDidDocument() {
    Random random = new Random(7);
    String base =
        DidJson.write(
            DidResolvers.builder().withDidKey().build().resolve(SEEDS.get(1)).didDocument().get());
    for (int i = 0; i < 2000; i++) {
      StringBuilder s = new StringBuilder(base);
      for (int e = 0; e < 1 + random.nextInt(4); e++) {
        int pos = random.nextInt(s.length());
        s.setCharAt(pos, (char) (32 + random.nextInt(95)));
      }
      try {
        DidJson.parseDocument(s.toString());
      } catch (InvalidDidDocumentException expected) {
        // the only acceptable failure
      }
    }
  }

  @Test
  void keysMadeByTheJdkProvidersConvertToDidKeysAndBack() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    PublicKey p256 = ec.generateKeyPair().getPublic();
    PublicKey ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
    for (PublicKey k : List.of(p256, ed)) {
      Did did = DidKey.fromKey(k);
      PublicKeyMaterial decoded = DidKey.decode(did);
      assertEquals(PublicKeyMaterial.of(k), decoded);
      assertEquals(did, DidKey.fromKey(decoded.toPublicKey()));
    }
    assertTrue(DidKey.fromKey(p256).toString().startsWith("did:key:zDn"));
    assertTrue(DidKey.fromKey(ed).toString().startsWith("did:key:z6Mk"));
  }
}
