package dev.sovereign.did.fabric.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The worked example of the method spec (did-registry/docs/did-fabric-method-spec.md, appendix A):
 * Ed25519 key from the all-zero seed (RFC 8032 style seed, the did:key vector's key), network
 * "local". The DID, docHash and versionId were cross-checked with Python's hashlib/base64/json.
 */
class SpecExampleTest {
  static final SoftwareControllerKey KEY =
      SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, new byte[32]);

  @Test
  void exampleDidIsDerivedFromTheGenesisKeyAndNetwork() throws Exception {
    assertEquals(
        "did:fabric:local:b24vyjg2tdpfifrh4j4c3546wgq3o6rw",
        FabricDid.derive("local", KEY.publicKey().multibase()).toString());
  }

  @Test
  void exampleCreateOperationSigningInputAndVersionIdAreStable() throws Exception {
    Operation create = FabricDocuments.create("local", KEY);
    VersionRecord v1 =
        VersionRecord.seal(create, 1, Instant.parse("2026-01-01T00:00:00Z"), "tx-example-1");
    String signingInput = new String(create.signingInput(), StandardCharsets.UTF_8);
    if (Boolean.getBoolean("sovereign.printSpecExample")) {
      System.out.println("SIGNING INPUT " + signingInput);
      System.out.println("OPERATION " + new String(create.toBytes(), StandardCharsets.UTF_8));
      System.out.println("RECORD " + new String(v1.toBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(EXPECTED_SIGNING_INPUT, signingInput);
    assertEquals(EXPECTED_VERSION_ID, v1.versionId());
  }

  /**
   * Cross-checked with Python: json.dumps(sort_keys=True, separators=(",", ":")) equals JCS for
   * this input.
   */
  static final String EXPECTED_SIGNING_INPUT =
      "{\"did\":\"did:fabric:local:b24vyjg2tdpfifrh4j4c3546wgq3o6rw\","
          + "\"docHash\":\"Ji1oGsX2gnvinig0-nSrK7ktIIj-XKIZHc7F1PCqlBY\",\"op\":\"create\",\"prevVersionId\":null}";

  /** Cross-checked with Python: base64url(sha256(JCS(record without versionId))). */
  static final String EXPECTED_VERSION_ID = "7G_n-6TfwPBjEm-6BDdcYP8MaIXfAMzDWr6bdK0V33g";
}
