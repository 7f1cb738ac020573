package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.key.DidKey;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DidDocumentTest {

  /**
   * A document using most of DID Core: relative ids, embedded methods, services, unknown members.
   */
  static final String RICH =
      """
      {"@context":["https://www.w3.org/ns/did/v1",{"@vocab":"https://example.org/#"}],\
      "id":"did:example:123","alsoKnownAs":["https://example.org/alice"],\
      "controller":["did:example:123","did:example:ctrl"],\
      "verificationMethod":[\
      {"id":"#key-1","type":"JsonWebKey2020","controller":"did:example:123","publicKeyJwk":\
      {"kty":"EC","crv":"P-256","x":"igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns","y":"efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM"}},\
      {"id":"did:example:123#rsa","type":"RsaVerificationKey2018","controller":"did:example:123","publicKeyPem":"-----BEGIN..."},\
      {"id":"did:example:123#eth","type":"EcdsaSecp256k1RecoveryMethod2020","controller":"did:example:123",\
      "blockchainAccountId":"eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a"}],\
      "authentication":["#key-1",{"id":"did:example:123#auth-only","type":"Ed25519VerificationKey2018",\
      "controller":"did:example:123","publicKeyBase58":"4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"}],\
      "assertionMethod":["did:example:123#key-1"],\
      "service":[{"id":"#hub","type":["LinkedDomains"],"serviceEndpoint":{"origins":["https://example.org"]}}],\
      "custom":{"n":1.50,"list":[true,null]}}""";

  @Test
  void aParsedDocumentSerializesBackToTheSameBytes() {
    assertEquals(RICH, DidJson.write(DidJson.parseDocument(RICH)));
  }

  @Test
  void theTypedViewsReflectTheDocument() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertEquals(Did.parse("did:example:123"), doc.id());
    assertEquals(List.of("did:example:123", "did:example:ctrl"), doc.controllers());
    assertEquals(3, doc.verificationMethods().size());
    assertEquals(2, doc.relationship(Relationship.AUTHENTICATION).size());
    assertInstanceOf(
        VerificationMethodRef.Embedded.class, doc.relationship(Relationship.AUTHENTICATION).get(1));
    assertEquals(List.of("LinkedDomains"), doc.services().get(0).types());
    assertEquals(
        Map.of("origins", List.of("https://example.org")), doc.services().get(0).serviceEndpoint());
  }

  @Test
  void relativeAndAbsoluteIdsNameTheSameMethod() {
    DidDocument doc = DidJson.parseDocument(RICH);
    VerificationMethod byAbsolute =
        doc.dereference(DidUrl.parse("did:example:123#key-1")).orElseThrow();
    assertEquals("#key-1", byAbsolute.id());
    assertEquals(byAbsolute, doc.verificationMethod("#key-1").orElseThrow());
    assertInstanceOf(ECPublicKey.class, byAbsolute.publicKey().orElseThrow());
  }

  @Test
  void aMethodIsAuthorizedOnlyForTheRelationshipsThatListIt() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertTrue(doc.isAuthorized("did:example:123#key-1", Relationship.ASSERTION_METHOD));
    assertTrue(doc.isAuthorized("#key-1", Relationship.AUTHENTICATION));
    assertFalse(doc.isAuthorized("#key-1", Relationship.CAPABILITY_INVOCATION));
    assertFalse(doc.isAuthorized("#rsa", Relationship.AUTHENTICATION));
  }

  @Test
  void aMethodEmbeddedInOneRelationshipIsNotAuthorizedForAnother() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertTrue(doc.isAuthorized("#auth-only", Relationship.AUTHENTICATION));
    assertFalse(doc.isAuthorized("#auth-only", Relationship.ASSERTION_METHOD));
    assertTrue(doc.dereference(DidUrl.parse("did:example:123#auth-only")).isPresent());
  }

  @Test
  void aKeyIdOfAnotherDidIsNeitherFoundNorAuthorized() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertTrue(doc.dereference(DidUrl.parse("did:example:other#key-1")).isEmpty());
    assertFalse(doc.isAuthorized("did:example:other#key-1", Relationship.ASSERTION_METHOD));
  }

  @Test
  void aDanglingReferenceAuthorizesNothing() {
    DidDocument doc =
        DidJson.parseDocument("{\"id\":\"did:example:1\",\"assertionMethod\":[\"#missing\"]}");
    assertFalse(doc.isAuthorized("#missing", Relationship.ASSERTION_METHOD));
    assertTrue(doc.verificationMethods(Relationship.ASSERTION_METHOD).isEmpty());
  }

  @Test
  void methodsWithoutSupportedKeyMaterialHaveNoPublicKey() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertTrue(doc.verificationMethod("#rsa").orElseThrow().publicKey().isEmpty());
    VerificationMethod eth = doc.verificationMethod("#eth").orElseThrow();
    assertTrue(eth.publicKey().isEmpty());
    assertEquals(
        "eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a",
        eth.blockchainAccountId().orElseThrow());
  }

  @Test
  void anEthrStyleSecp256k1PublicKeyHexIsDecoded() {
    PublicKeyMaterial k =
        DidKey.decode("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
    String hex = java.util.HexFormat.of().formatHex(k.uncompressedBytes());
    VerificationMethod vm =
        VerificationMethod.builder(
                "did:ethr:0x1#delegate-1", "EcdsaSecp256k1VerificationKey2019", "did:ethr:0x1")
            .property("publicKeyHex", hex)
            .build();
    assertEquals(k, vm.publicKeyMaterial().orElseThrow());
    assertEquals(KeyType.SECP256K1, vm.keyType().orElseThrow());
  }

  @Test
  void documentsBreakingTheDataModelAreRejected() {
    for (String bad :
        List.of(
            "[]",
            "{\"id\":\"not-a-did\"}",
            "{\"id\":\"did:example:1\",\"controller\":\"https://not.a.did\"}",
            "{\"id\":\"did:example:1\",\"verificationMethod\":{}}",
            "{\"id\":\"did:example:1\",\"verificationMethod\":[{\"id\":\"#k\",\"type\":\"X\"}]}",
            "{\"id\":\"did:example:1\",\"verificationMethod\":[{\"id\":\"#k\",\"type\":\"X\",\"controller\":\"did:example:1\"},"
                + "{\"id\":\"did:example:1#k\",\"type\":\"X\",\"controller\":\"did:example:1\"}]}",
            "{\"id\":\"did:example:1\",\"authentication\":[\"not a url\"]}",
            "{\"id\":\"did:example:1\",\"id\":\"did:example:2\"}",
            "{\"id\":\"did:example:1\",\"service\":[{\"id\":\"#s\",\"type\":\"T\"}]}",
            "{\"id\":\"did:example:1\"} trailing")) {
      assertThrows(InvalidDidDocumentException.class, () -> DidJson.parseDocument(bad), bad);
    }
  }

  @Test
  void aMethodWithTwoKeyEncodingsIsRejected() {
    assertThrows(
        InvalidDidDocumentException.class,
        () ->
            VerificationMethod.fromJson(
                Map.of(
                    "id",
                    "#k",
                    "type",
                    "Multikey",
                    "controller",
                    "did:example:1",
                    "publicKeyMultibase",
                    "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                    "publicKeyBase58",
                    "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS")));
  }

  @Test
  void aJwkWithAPointOffTheCurveMakesTheDocumentInvalid() {
    String offCurve =
        RICH.replace(
            "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
            "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIA");
    assertThrows(InvalidDidDocumentException.class, () -> DidJson.parseDocument(offCurve));
  }

  @Test
  void aJwkCarryingAPrivateKeyIsRejected() {
    assertThrows(
        InvalidDidDocumentException.class,
        () ->
            VerificationMethod.fromJson(
                Map.of(
                    "id",
                    "#k",
                    "type",
                    "JsonWebKey2020",
                    "controller",
                    "did:example:1",
                    "publicKeyJwk",
                    Map.of(
                        "kty",
                        "OKP",
                        "crv",
                        "Ed25519",
                        "x",
                        "_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8",
                        "d",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAU"))));
  }

  @Test
  void aMultikeyWhoseTypeNamesAnotherCurveIsRejected() {
    assertThrows(
        InvalidDidDocumentException.class,
        () ->
            VerificationMethod.fromJson(
                Map.of(
                    "id",
                    "#k",
                    "type",
                    "Ed25519VerificationKey2020",
                    "controller",
                    "did:example:1",
                    "publicKeyMultibase",
                    "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv")));
  }

  @Test
  void theBuilderWritesMembersInTheOrderOfTheDidKeyVectors() {
    Did did = Did.parse("did:example:b");
    DidDocument doc =
        DidDocument.builder(did)
            .service(Service.of("#s", "LinkedDomains", "https://example.org"))
            .reference(Relationship.KEY_AGREEMENT, "#k")
            .reference(Relationship.AUTHENTICATION, "#k")
            .reference(Relationship.ASSERTION_METHOD, "#k")
            .verificationMethod(
                VerificationMethod.builder("#k", "Multikey", did.toString())
                    .publicKeyMultibase(
                        DidKey.decode("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"))
                    .build())
            .controller(did)
            .context(DidDocument.DID_CONTEXT_V1)
            .build();
    assertEquals(
        List.of(
            "@context",
            "id",
            "controller",
            "verificationMethod",
            "assertionMethod",
            "authentication",
            "keyAgreement",
            "service"),
        List.copyOf(doc.properties().keySet()));
  }

  @Test
  void theDocumentAndItsMembersCannotBeModified() {
    DidDocument doc = DidJson.parseDocument(RICH);
    assertThrows(
        UnsupportedOperationException.class, () -> doc.properties().put("id", "did:example:evil"));
    assertThrows(UnsupportedOperationException.class, () -> doc.verificationMethods().clear());
    @SuppressWarnings("unchecked")
    Map<String, Object> jwk = doc.verificationMethods().get(0).publicKeyJwk().orElseThrow();
    assertThrows(UnsupportedOperationException.class, () -> jwk.put("x", "AAAA"));
  }

  @Test
  void jsonNestedDeeperThanSixtyFourLevelsIsRejected() {
    String deep = "{\"id\":\"did:example:1\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
    assertThrows(InvalidDidDocumentException.class, () -> DidJson.parseDocument(deep));
    String ok = "{\"id\":\"did:example:1\",\"x\":" + "[".repeat(10) + "]".repeat(10) + "}";
    assertEquals(ok, DidJson.write(DidJson.parseDocument(ok)));
  }

  @Test
  void jsonLargerThanOneMebibyteIsRejectedBeforeParsing() {
    String big = "{\"id\":\"did:example:1\",\"x\":\"" + "a".repeat(DidJson.MAX_LENGTH) + "\"}";
    assertThrows(InvalidDidDocumentException.class, () -> DidJson.parseDocument(big));
  }
}
