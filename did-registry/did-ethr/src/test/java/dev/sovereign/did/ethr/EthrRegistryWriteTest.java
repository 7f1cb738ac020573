package dev.sovereign.did.ethr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class EthrRegistryWriteTest {
  final TestChain chain = TestChain.get();
  final EthrDidResolver resolver = EthrDidResolver.create(List.of(chain.networkConfig()));

  @Test
  void aWriteByAnAccountThatIsNotTheOwnerIsRejectedAsBadActor() {
    Credentials owner = chain.newKey("w-owner");
    Credentials stranger = chain.newKey("w-stranger");
    EthrWriteException e =
        assertThrows(
            EthrWriteException.class,
            () ->
                chain
                    .controller(stranger)
                    .addDelegate(
                        owner.getAddress(), "veriKey", stranger.getAddress(), Duration.ofDays(1)));
    assertEquals(EthrWriteException.Reason.BAD_ACTOR, e.reason());
  }

  @Test
  void aMetaTransactionSignedByANonOwnerIsRejectedAsBadSignature() {
    Credentials owner = chain.newKey("m-owner");
    Credentials stranger = chain.newKey("m-stranger");
    EthrWriteException e =
        assertThrows(
            EthrWriteException.class,
            () ->
                chain
                    .controller(stranger)
                    .changeOwnerSigned(
                        owner.getAddress(),
                        stranger.getAddress(),
                        DigestSigner.of(stranger.getEcKeyPair())));
    assertEquals(EthrWriteException.Reason.BAD_SIGNATURE, e.reason());
  }

  @Test
  void aReplayedMetaTransactionSignatureIsRejectedBecauseTheNonceMoved() {
    Credentials owner = chain.newKey("r-owner");
    Credentials relayer = chain.newKey("r-relayer");
    String id = owner.getAddress();
    EthrDidController relay = chain.controller(relayer);
    assertEquals(BigInteger.ZERO, relay.nonce(id));
    RecoverableSignature sig =
        DigestSigner.of(owner.getEcKeyPair()).sign(relay.changeOwnerDigest(id, id));
    relay.changeOwnerSigned(id, id, sig);
    assertEquals(BigInteger.ONE, relay.nonce(id));
    EthrWriteException e =
        assertThrows(EthrWriteException.class, () -> relay.changeOwnerSigned(id, id, sig));
    assertEquals(EthrWriteException.Reason.BAD_SIGNATURE, e.reason());
  }

  @Test
  void theNewOwnerControlsTheDidAndThePreviousOwnerNoLongerDoes() {
    Credentials owner = chain.newKey("o-owner");
    Credentials next = chain.newKey("o-next");
    String id = owner.getAddress();
    chain.controller(owner).changeOwner(id, next.getAddress());
    assertEquals(
        Keys.toChecksumAddress(next.getAddress()), chain.controller(owner).identityOwner(id));
    assertThrows(
        EthrWriteException.class,
        () ->
            chain
                .controller(owner)
                .setAttribute(id, "did/svc/X", new byte[] {1}, Duration.ofDays(1)));
    chain
        .controller(next)
        .setAttribute(
            id, "did/svc/X", "https://x".getBytes(StandardCharsets.UTF_8), Duration.ofDays(1));
    DidResolutionResult r =
        resolver.resolve(
            Did.parse("did:ethr:" + chain.network() + ":" + id), ResolutionOptions.latest());
    assertEquals(
        "eip155:" + chain.chainId + ":" + Keys.toChecksumAddress(next.getAddress()),
        r.didDocument()
            .orElseThrow()
            .verificationMethod("#controller")
            .orElseThrow()
            .blockchainAccountId()
            .orElseThrow());
  }

  @Test
  void aSignatureMadeBeforeAKeyRotationVerifiesAsOfItsTimeAndNotWithTheCurrentDocument()
      throws Exception {
    Credentials owner = chain.newKey("rot-owner");
    Credentials oldKey = chain.newKey("rot-old");
    Credentials newKey = chain.newKey("rot-new");
    String id = owner.getAddress();
    Did did = Did.parse("did:ethr:" + chain.network() + ":" + id);
    EthrDidController c = chain.controller(owner);
    RegistryChange added =
        c.addDelegate(id, "sigAuth", oldKey.getAddress(), chain.validFor(Duration.ofDays(365)));
    byte[] message =
        Hash.sha3("a credential signed before the rotation".getBytes(StandardCharsets.UTF_8));
    Sign.SignatureData sig = Sign.signMessage(message, oldKey.getEcKeyPair(), false);
    String signer =
        Keys.toChecksumAddress(Keys.getAddress(Sign.signedMessageHashToKey(message, sig)));
    Instant signedAt = Instant.ofEpochSecond(chain.blockTimestamp(added.blockNumber()));
    // Block timestamps have one-second resolution: make the rotation land in a later second.
    Thread.sleep(1100);
    c.revokeDelegate(id, "sigAuth", oldKey.getAddress());
    c.addDelegate(id, "sigAuth", newKey.getAddress(), chain.validFor(Duration.ofDays(365)));

    DidResolutionResult then = resolver.resolve(did, ResolutionOptions.atTime(signedAt));
    DidResolutionResult now = resolver.resolve(did, ResolutionOptions.latest());
    assertTrue(authenticates(then, signer), "as of the signing time the old key authenticates");
    assertFalse(authenticates(now, signer), "the current document no longer lists the old key");
    assertTrue(authenticates(now, Keys.toChecksumAddress(newKey.getAddress())));
    assertEquals(
        Long.toString(added.blockNumber()), then.didDocumentMetadata().versionId().orElseThrow());
    assertTrue(then.didDocumentMetadata().nextVersionId().isPresent());
  }

  @Test
  void aVersionIdBeyondTheChainHeadIsNotFound() {
    Did did = Did.parse("did:ethr:" + chain.network() + ":" + chain.newKey("head").getAddress());
    assertEquals(
        java.util.Optional.of(dev.sovereign.did.ResolutionError.NOT_FOUND),
        resolver.resolve(did, ResolutionOptions.atVersion("999999999")).error());
  }

  @Test
  void aPlainJsonRepresentationHasNoContextAndSaysSo() {
    Did did = Did.parse("did:ethr:" + chain.network() + ":" + chain.newKey("plain").getAddress());
    DidResolutionResult r =
        resolver.resolve(did, ResolutionOptions.latest().withAccept("application/did+json"));
    assertTrue(r.didDocument().orElseThrow().context().isEmpty());
    assertEquals(
        java.util.Optional.of("application/did+json"), r.didResolutionMetadata().contentType());
    DidResolutionResult ld = resolver.resolve(did, ResolutionOptions.latest());
    assertEquals(EthrDidResolver.CONTEXT, ld.didDocument().orElseThrow().context());
  }

  private boolean authenticates(DidResolutionResult r, String address) {
    String account = "eip155:" + chain.chainId + ":" + address;
    for (VerificationMethod vm :
        r.didDocument().orElseThrow().verificationMethods(Relationship.AUTHENTICATION)) {
      if (vm.blockchainAccountId().map(account::equals).orElse(false)) {
        return true;
      }
    }
    return false;
  }
}
