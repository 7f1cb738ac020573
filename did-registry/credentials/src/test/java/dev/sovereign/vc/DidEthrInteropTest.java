package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ethr.EthrDidResolver;
import dev.sovereign.did.ethr.EthrNetwork;
import dev.sovereign.testing.Anvil;
import dev.sovereign.testing.NodeTools;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * did-jwt-vc credentials issued by a did:ethr (ERC-1056 on anvil, resolved by Sovereign's did:ethr
 * resolver) verify in Sovereign: ES256K-R and ES256K both verified by recovering the signer's
 * address and matching the {@code #controller} method's {@code blockchainAccountId}, as did-jwt
 * does.
 */
class DidEthrInteropTest {
  static final Instant NOW = Instant.now();
  static DidResolver resolver;
  static JsonNode issued;

  @BeforeAll
  static void startChainAndIssue() throws Exception {
    Anvil g = Anvil.shared();
    resolver =
        DidResolvers.builder()
            .withDidKey()
            .method(
                EthrDidResolver.create(
                    List.of(new EthrNetwork(g.chainId(), null, g.url(), g.registry()))))
            .build();
    String network = "0x" + Long.toHexString(g.chainId());
    issued =
        Json.MAPPER.readTree(
            NodeTools.node(
                    "vc-interop.mjs",
                    List.of("issue-ethr", Long.toString(NOW.getEpochSecond()), network),
                    null,
                    Duration.ofMinutes(2))
                .requireSuccess()
                .stdout());
  }

  @Test
  void aDidJwtVcCredentialSignedEs256kRByADidEthrVerifiesByAddressRecovery() throws Exception {
    VerifiedCredential v =
        CredentialVerifier.builder(resolver).build().verify(issued.get("es256kr").asText(), NOW);
    assertEquals(issued.get("did").asText(), v.issuer().toString());
    assertEquals(JwsAlgorithm.ES256K_R, v.algorithm());
    assertEquals(issued.get("did").asText() + "#controller", v.verificationMethod().toString());
  }

  @Test
  void aDidJwtVcCredentialSignedEs256kWithKidControllerVerifiesByAddressRecovery()
      throws Exception {
    VerifiedCredential v =
        CredentialVerifier.builder(resolver).build().verify(issued.get("es256k").asText(), NOW);
    assertEquals(JwsAlgorithm.ES256K, v.algorithm());
    assertEquals(issued.get("did").asText() + "#controller", v.verificationMethod().toString());
  }

  @Test
  void aDidEthrCredentialWithOneSignatureByteChangedIsRejected() throws Exception {
    String jwt = issued.get("es256kr").asText();
    String[] p = jwt.split("\\.");
    byte[] sig = java.util.Base64.getUrlDecoder().decode(p[2]);
    sig[10] ^= 1;
    String bad =
        p[0]
            + "."
            + p[1]
            + "."
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    assertRejected(
        ReasonCode.SIGNATURE_INVALID,
        () -> CredentialVerifier.builder(resolver).build().verify(bad, NOW));
  }
}
