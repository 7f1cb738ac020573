package dev.sovereign.did.ethr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.Did;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EthrDidTest {
  // A fixed secp256k1 key's address and compressed public key (ganache 7's first deterministic
  // account; pure parsing, no node involved).
  static final String ADDRESS = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1";
  static final String COMPRESSED =
      "0x03e68acfc0253a10620dff706b0a1b1f1f5833ea3beb3bde2250d5f271f3563606";

  @Test
  void aDidWithoutNetworkIsOnMainnetAndItsAddressIsChecksummed() {
    EthrDid d = EthrDid.parse("did:ethr:" + ADDRESS.toLowerCase());
    assertEquals("mainnet", d.network());
    assertEquals(ADDRESS, d.address());
    assertEquals(Optional.empty(), d.publicKeyHex());
  }

  @Test
  void theNetworkIsWhatPrecedesTheIdentifier() {
    assertEquals("0x539", EthrDid.parse("did:ethr:0x539:" + ADDRESS).network());
    assertEquals("rsk:testnet", EthrDid.parse("did:ethr:rsk:testnet:" + ADDRESS).network());
  }

  @Test
  void aPublicKeyDidResolvesToTheAddressOfThatKey() {
    EthrDid d = EthrDid.parse("did:ethr:0x539:" + COMPRESSED);
    assertEquals(ADDRESS, d.address());
    assertEquals(Optional.of(COMPRESSED.substring(2)), d.publicKeyHex());
  }

  @Test
  void identifiersOfTheWrongLengthOrOffTheCurveAreRejected() {
    assertThrows(
        dev.sovereign.did.InvalidDidException.class, () -> EthrDid.parse("did:ethr:0x1234"));
    assertThrows(
        dev.sovereign.did.InvalidDidException.class,
        () -> EthrDid.parse("did:ethr:" + ADDRESS + "00"));
    assertThrows(
        dev.sovereign.did.InvalidDidException.class,
        () -> EthrDid.parse("did:ethr:0x05" + "00".repeat(32)));
    assertThrows(
        dev.sovereign.did.InvalidDidException.class,
        () -> EthrDid.parse("did:ethr:0x02" + "ff".repeat(32)));
  }

  @Test
  void resolverAnswersWithReasonCodesBeforeTouchingTheNetwork() {
    EthrDidResolver r =
        EthrDidResolver.create(
            List.of(new EthrNetwork(1337, null, "http://127.0.0.1:1", "0x" + "11".repeat(20))));
    assertEquals(
        Optional.of(ResolutionError.INVALID_DID),
        r.resolve(Did.parse("did:ethr:0x539:0x1234"), ResolutionOptions.latest()).error());
    assertEquals(
        Optional.of(ResolutionError.METHOD_NOT_SUPPORTED),
        r.resolve(Did.parse("did:ethr:sepolia:" + ADDRESS), ResolutionOptions.latest()).error());
    assertEquals(
        Optional.of(ResolutionError.INVALID_OPTIONS),
        r.resolve(Did.parse("did:ethr:0x539:" + ADDRESS), ResolutionOptions.atVersion("latest"))
            .error());
    assertEquals(
        Optional.of(ResolutionError.REPRESENTATION_NOT_SUPPORTED),
        r.resolve(
                Did.parse("did:ethr:0x539:" + ADDRESS),
                ResolutionOptions.latest().withAccept("application/cbor"))
            .error());
    var unreachable = r.resolve(Did.parse("did:ethr:0x539:" + ADDRESS), ResolutionOptions.latest());
    assertEquals(Optional.of(ResolutionError.INTERNAL_ERROR), unreachable.error());
    assertTrue(
        unreachable.didResolutionMetadata().errorMessage().orElseThrow().contains("127.0.0.1:1"));
  }

  @Test
  void theMetaTransactionDigestPacksFieldsAsTheContractsAbiEncodePacked() {
    // keccak256(0x19 0x00 registry nonce identity "changeOwner" newOwner): 2+20+32+20+11+20 bytes.
    byte[] digest =
        Erc1056Abi.metaDigest(
            "0x" + "11".repeat(20),
            java.math.BigInteger.ONE,
            "0x" + "22".repeat(20),
            "changeOwner",
            Erc1056Abi.address20("0x" + "33".repeat(20)));
    byte[] packed =
        org.web3j.utils.Numeric.hexStringToByteArray(
            "0x1900"
                + "11".repeat(20)
                + "00".repeat(31)
                + "01"
                + "22".repeat(20)
                + org.web3j.utils.Numeric.toHexStringNoPrefix(
                    "changeOwner".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                + "33".repeat(20));
    assertEquals(
        org.web3j.utils.Numeric.toHexString(org.web3j.crypto.Hash.sha3(packed)),
        org.web3j.utils.Numeric.toHexString(digest));
  }
}
