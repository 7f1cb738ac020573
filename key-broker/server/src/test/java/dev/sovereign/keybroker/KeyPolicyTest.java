package dev.sovereign.keybroker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyPolicyTest {
  private static final String PCR0 = "a".repeat(96);
  private static final String EU_PCR3 = "3".repeat(96);
  private static final String EU_PCR4 = "4".repeat(96);
  private static final String HASH = "b".repeat(64);

  /**
   * The statement AWS documents for Nitro Enclaves, plus Sovereign's host and policy-hash
   * conditions.
   */
  private static final String POLICY =
      """
      {"Version":"2012-10-17","Statement":[
        {"Sid":"enclave","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/parent"},
         "Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*",
         "Condition":{"StringEqualsIgnoreCase":{
            "kms:RecipientAttestation:ImageSha384":"%s",
            "kms:RecipientAttestation:PCR3":["%s","%s"],
            "kms:RecipientAttestation:PCR4":"%s",
            "sovereign:RecipientAttestation:PolicyHash":"%s"}}},
        {"Sid":"no debug","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",
         "Condition":{"StringEquals":{"kms:RecipientAttestation:PCR1":"%s"}}}
      ]}"""
          .formatted(PCR0, EU_PCR3, "c".repeat(96), EU_PCR4, HASH, "0".repeat(96));

  private static Map<String, String> request() {
    Map<String, String> m = new HashMap<>();
    m.put("kms:RecipientAttestation:ImageSha384", PCR0.toUpperCase());
    m.put("kms:RecipientAttestation:PCR0", PCR0);
    m.put("kms:RecipientAttestation:PCR1", "1".repeat(96));
    m.put("kms:RecipientAttestation:PCR3", EU_PCR3);
    m.put("kms:RecipientAttestation:PCR4", EU_PCR4);
    m.put(KeyPolicy.POLICY_HASH_KEY, HASH);
    return m;
  }

  private static KeyReleaseRefusal refusal(String action, Map<String, String> keys)
      throws KmsError {
    KeyPolicy p = KeyPolicy.parse(POLICY);
    return assertThrows(KmsError.class, () -> p.authorize(action, keys)).reason();
  }

  @Test
  void theEuEnclaveOnAnEuHostIsAllowedWithImageShaComparedIgnoringCase() throws Exception {
    assertDoesNotThrow(() -> KeyPolicy.parse(POLICY).authorize("kms:Decrypt", request()));
  }

  @Test
  void anotherImageIsRefusedAsPcrNotAllowed() throws Exception {
    Map<String, String> r = request();
    r.put("kms:RecipientAttestation:ImageSha384", "d".repeat(96));
    assertEquals(KeyReleaseRefusal.PCR_NOT_ALLOWED, refusal("kms:Decrypt", r));
  }

  @Test
  void anotherHostIsRefusedAsHostNotAllowed() throws Exception {
    Map<String, String> r = request();
    r.put("kms:RecipientAttestation:PCR4", "e".repeat(96));
    assertEquals(KeyReleaseRefusal.HOST_NOT_ALLOWED, refusal("kms:GenerateDataKey", r));
  }

  @Test
  void anotherPolicyHashIsRefusedAsPolicyHashMismatch() throws Exception {
    Map<String, String> r = request();
    r.put(KeyPolicy.POLICY_HASH_KEY, "f".repeat(64));
    assertEquals(KeyReleaseRefusal.POLICY_HASH_MISMATCH, refusal("kms:Decrypt", r));
  }

  @Test
  void aCallWithoutRecipientHasNoAttestationKeysAndIsNotAllowed() throws Exception {
    assertEquals(KeyReleaseRefusal.PCR_NOT_ALLOWED, refusal("kms:Decrypt", Map.of()));
  }

  @Test
  void anActionNoStatementNamesIsRefusedAsPolicyDenied() throws Exception {
    assertEquals(KeyReleaseRefusal.POLICY_DENIED, refusal("kms:Encrypt", request()));
  }

  @Test
  void anExplicitDenyWinsOverAMatchingAllow() throws Exception {
    Map<String, String> r = request();
    r.put("kms:RecipientAttestation:PCR1", "0".repeat(96));
    KeyPolicy p = KeyPolicy.parse(POLICY);
    KmsError e = assertThrows(KmsError.class, () -> p.authorize("kms:Decrypt", r));
    assertEquals("EXPLICIT_DENY", e.subCode());
  }

  @Test
  void negatedOperatorsHoldForAbsentKeysAndIfExistsToleratesAbsence() throws Exception {
    KeyPolicy p =
        KeyPolicy.parse(
            """
        {"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Generate*","Resource":"*",
          "Condition":{"StringNotEquals":{"kms:EncryptionContext:tenant":"evil"},
                       "StringLikeIfExists":{"kms:RecipientAttestation:PCR8":"ab*"},
                       "Null":{"kms:RecipientAttestation:ImageSha384":"false"}}}}""");
    assertDoesNotThrow(
        () ->
            p.authorize(
                "kms:GenerateDataKey", Map.of("kms:RecipientAttestation:ImageSha384", PCR0)));
    assertThrows(KmsError.class, () -> p.authorize("kms:GenerateDataKey", Map.of()));
    assertThrows(
        KmsError.class,
        () ->
            p.authorize(
                "kms:GenerateDataKey",
                Map.of(
                    "kms:RecipientAttestation:ImageSha384",
                    PCR0,
                    "kms:RecipientAttestation:PCR8",
                    "cd")));
  }

  @Test
  void policiesTheBrokerCannotEvaluateExactlyAreRefusedAtCreation() {
    for (String bad :
        new String[] {
          "not json",
          "{}",
          "{\"Statement\":[]}",
          "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotAction\":\"kms:Encrypt\",\"Resource\":\"*\"}}",
          "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\","
              + "\"Condition\":{\"ForAnyValue:StringEquals\":{\"kms:EncryptionContextKeys\":\"a\"}}}}",
          "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\","
              + "\"Condition\":{\"StringEquals\":{\"aws:SourceIp\":\"10.0.0.1\"}}}}",
          "{\"Statement\":{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}}"
        }) {
      KmsError e = assertThrows(KmsError.class, () -> KeyPolicy.parse(bad), bad);
      assertEquals("MalformedPolicyDocumentException", e.type(), bad);
    }
  }
}
