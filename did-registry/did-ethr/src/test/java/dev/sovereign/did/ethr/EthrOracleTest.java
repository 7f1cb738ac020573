package dev.sovereign.did.ethr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.ResolutionOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * The oracle test: a scripted series of registry changes to several DIDs on anvil, then every DID
 * resolved by us and by ethr-did-resolver 11.1.3 (tools/js/ethr-resolve.mjs) against the same node,
 * at the latest version and at every versionId in its history (and the block before each), compared
 * as canonical JSON.
 */
class EthrOracleTest {
  static Duration LONG;
  static TestChain chain;
  static EthrDidResolver resolver;

  /** DID -> the blocks at which it changed. */
  static final Map<String, TreeSet<Long>> changes = new LinkedHashMap<>();

  @BeforeAll
  static void script() throws Exception {
    chain = TestChain.get();
    LONG = chain.validFor(Duration.ofDays(3650));
    resolver = EthrDidResolver.create(List.of(chain.networkConfig()));
    String net = chain.network();

    // 1. A full life: delegates (one expiring), keys in three encodings, services, revocations,
    //    an owner change by meta-transaction, then writes by the new owner.
    Credentials alice = chain.newKey("alice");
    Credentials bob = chain.newKey("bob");
    Credentials relayer = chain.newKey("relayer");
    // The DID keeps the case it is written in (here EIP-55), and the document id with it.
    String aliceDid =
        "did:ethr:" + net + ":" + org.web3j.crypto.Keys.toChecksumAddress(alice.getAddress());
    EthrDidController asAlice = chain.controller(alice);
    String id = alice.getAddress();
    record(aliceDid, asAlice.addDelegate(id, "veriKey", chain.newKey("d1").getAddress(), LONG));
    String d2 = chain.newKey("d2").getAddress();
    record(aliceDid, asAlice.addDelegate(id, "sigAuth", d2, LONG));
    record(
        aliceDid,
        asAlice.setAttribute(
            id, "did/pub/Secp256k1/veriKey/hex", compressedKey(chain.newKey("k1")), LONG));
    record(
        aliceDid, asAlice.setAttribute(id, "did/pub/Ed25519/veriKey/base58", ed25519Key(), LONG));
    record(aliceDid, asAlice.setAttribute(id, "did/pub/X25519/enc/base64", new byte[32], LONG));
    record(
        aliceDid,
        asAlice.setAttribute(
            id, "did/pub/Secp256k1/sigAuth/hex", compressedKey(chain.newKey("k2")), LONG));
    byte[] hub = utf8("https://hub.example.com/");
    record(aliceDid, asAlice.setAttribute(id, "did/svc/HubService", hub, LONG));
    record(
        aliceDid,
        asAlice.setAttribute(
            id,
            "did/svc/Messaging",
            utf8(
                "{\"uri\":\"https://m.example.com\",\"accept\":[\"didcomm/v2\"],\"routingKeys\":[]}"),
            LONG));
    record(aliceDid, asAlice.setAttribute(id, "not/a/did/attribute", utf8("ignored"), LONG));
    RegistryChange shortLived =
        asAlice.addDelegate(id, "veriKey", chain.newKey("d3").getAddress(), Duration.ofSeconds(1));
    record(aliceDid, shortLived);
    record(aliceDid, asAlice.revokeDelegate(id, "sigAuth", d2));
    record(aliceDid, asAlice.revokeAttribute(id, "did/svc/HubService", hub));
    record(aliceDid, asAlice.addDelegate(id, "sigAuth", d2, LONG)); // re-added: moves to the end
    EthrDidController asRelayer = chain.controller(relayer);
    record(
        aliceDid,
        asRelayer.changeOwnerSigned(id, bob.getAddress(), DigestSigner.of(alice.getEcKeyPair())));
    record(
        aliceDid,
        chain
            .controller(bob)
            .setAttribute(id, "did/svc/Relay", utf8("\"https://relay.example\""), LONG));

    // 2. A public-key DID: #controllerKey while self-owned, gone while owned by another, back
    // after.
    Credentials keyOwner = chain.newKey("keyed");
    String keyDid = "did:ethr:" + net + ":" + Numeric.toHexString(compressedKey(keyOwner));
    EthrDidController asKeyOwner = chain.controller(keyOwner);
    String keyId = keyOwner.getAddress();
    record(
        keyDid,
        asKeyOwner.setAttribute(
            keyId, "did/svc/Profile", utf8("https://p.example/" + keyId), LONG));
    record(keyDid, asKeyOwner.changeOwner(keyId, bob.getAddress()));
    record(keyDid, chain.controller(bob).changeOwner(keyId, keyId));

    // 3. Every signed variant, relayed by someone else.
    Credentials carol = chain.newKey("carol");
    String carolDid = "did:ethr:" + net + ":" + carol.getAddress();
    DigestSigner carolSigns = DigestSigner.of(carol.getEcKeyPair());
    String c = carol.getAddress();
    String cd = chain.newKey("cd").getAddress();
    byte[] ck = compressedKey(chain.newKey("ck"));
    record(carolDid, asRelayer.addDelegateSigned(c, "veriKey", cd, LONG, carolSigns));
    record(
        carolDid,
        asRelayer.setAttributeSigned(c, "did/pub/Secp256k1/veriKey/hex", ck, LONG, carolSigns));
    record(carolDid, asRelayer.revokeDelegateSigned(c, "veriKey", cd, carolSigns));
    record(
        carolDid,
        asRelayer.revokeAttributeSigned(c, "did/pub/Secp256k1/veriKey/hex", ck, carolSigns));
    record(
        carolDid,
        asRelayer.setAttributeSigned(
            c, "did/svc/Mailbox", utf8("https://mail.example"), LONG, carolSigns));

    // 4. Deactivation: owner set to 0x0; later versions stay deactivated.
    Credentials dave = chain.newKey("dave");
    String daveDid = "did:ethr:" + net + ":" + dave.getAddress();
    EthrDidController asDave = chain.controller(dave);
    record(
        daveDid,
        asDave.addDelegate(dave.getAddress(), "veriKey", chain.newKey("dd").getAddress(), LONG));
    record(daveDid, asDave.changeOwner(dave.getAddress(), EthrDocumentAssembler.NULL_ADDRESS));

    // 5. Edge cases of the attribute grammar and of event keys.
    Credentials frank = chain.newKey("frank");
    String frankDid = "did:ethr:" + net + ":" + frank.getAddress();
    EthrDidController asFrank = chain.controller(frank);
    String f = frank.getAddress();
    String fd = chain.newKey("fd").getAddress();
    record(
        frankDid,
        asFrank.setAttribute(
            f, "did/pub/Secp256k1/veriKey", compressedKey(chain.newKey("fk")), LONG));
    record(
        frankDid,
        asFrank.setAttribute(
            f,
            "did/pub/RSA/veriKey/pem",
            utf8("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"),
            LONG));
    record(
        frankDid,
        asFrank.setAttribute(f, "did/pub/RSA/veriKey/pem", new byte[] {(byte) 0xff, 0x00}, LONG));
    record(frankDid, asFrank.setAttribute(f, "did/pub/Foo/bar/zzz", new byte[] {1, 2, 3}, LONG));
    record(frankDid, asFrank.setAttribute(f, "did/pub/Bls12381G2Key2020", new byte[] {4, 5}, LONG));
    record(frankDid, asFrank.setAttribute(f, "did/svc/Number", utf8("42"), LONG));
    record(
        frankDid, asFrank.setAttribute(f, "did/svc/NotUtf8", new byte[] {(byte) 0xc3, 0x28}, LONG));
    record(frankDid, asFrank.setAttribute(f, "did/svc/Text", utf8("{not json"), LONG));
    record(frankDid, asFrank.addDelegate(f, "otherType", fd, LONG));
    record(frankDid, asFrank.addDelegate(f, "veriKey", fd, LONG));
    record(
        frankDid,
        asFrank.addDelegate(f, "veriKey", fd, LONG)); // same key again: keeps its place, new id
    record(
        frankDid,
        asFrank.setAttribute(f, "did/svc/Zero", utf8("https://zero.example"), Duration.ZERO));

    // 6. Raw events: a bytes32 name that is not UTF-8 (not a DID event: skipped, but its
    //    previousChange link is still followed), and several events of one DID in one block
    //    (log order within the block; previousChange pointing at the block itself is ignored).
    Credentials grace = chain.newKey("grace");
    String graceDid = "did:ethr:" + net + ":" + grace.getAddress();
    EthrDidController asGrace = chain.controller(grace);
    String g = grace.getAddress();
    record(graceDid, asGrace.setAttribute(g, "did/svc/First", utf8("https://first.example"), LONG));
    byte[] notUtf8 = new byte[32];
    notUtf8[0] = (byte) 0xff;
    notUtf8[1] = (byte) 0xfe;
    String rawName =
        org.web3j.abi.FunctionEncoder.encode(
            new org.web3j.abi.datatypes.Function(
                "setAttribute",
                List.of(
                    new org.web3j.abi.datatypes.Address(g),
                    new org.web3j.abi.datatypes.generated.Bytes32(notUtf8),
                    new org.web3j.abi.datatypes.DynamicBytes(utf8("x")),
                    new org.web3j.abi.datatypes.generated.Uint256(LONG.getSeconds())),
                List.of()));
    changes.get(graceDid).add(chain.sendInOneBlock(grace, List.of(rawName)));
    String gd = chain.newKey("gd").getAddress();
    changes
        .get(graceDid)
        .add(
            chain.sendInOneBlock(
                grace,
                List.of(
                    Erc1056Abi.addDelegate(
                        g, "sigAuth", gd, java.math.BigInteger.valueOf(LONG.getSeconds())),
                    Erc1056Abi.setAttribute(
                        g,
                        "did/svc/Same",
                        utf8("https://same-block.example"),
                        java.math.BigInteger.valueOf(LONG.getSeconds())),
                    Erc1056Abi.revokeAttribute(
                        g, "did/svc/First", utf8("https://first.example")))));
    record(graceDid, asGrace.setAttribute(g, "did/svc/Last", utf8("https://last.example"), LONG));

    // 7. A DID that never changed.
    changes.put("did:ethr:" + net + ":" + chain.newKey("erin").getAddress(), new TreeSet<>());

    // The short-lived entries must have expired by the wall clock (a no-op on a chain started in
    // 2021).
    assertTrue(chain.blockTimestamp(shortLived.blockNumber()) <= chain.node.latestBlockTimestamp());
    TestChain.awaitWallClockPast(chain.node.latestBlockTimestamp() + 1);
  }

  @Test
  void everyVersionOfEveryScriptedDidResolvesExactlyAsEthrDidResolverDoes() throws Exception {
    List<String> urls = new ArrayList<>();
    for (var e : changes.entrySet()) {
      urls.add(e.getKey());
      for (long block : e.getValue()) {
        urls.add(e.getKey() + "?versionId=" + block);
        urls.add(e.getKey() + "?versionId=" + (block - 1));
      }
    }
    JsonNode oracle = chain.oracle(urls);
    int compared = 0;
    for (String url : urls) {
      int q = url.indexOf('?');
      String did = q < 0 ? url : url.substring(0, q);
      ResolutionOptions options =
          q < 0
              ? ResolutionOptions.latest()
              : ResolutionOptions.atVersion(url.substring(q + "?versionId=".length()));
      String ours = Canonical.result(resolver.resolve(Did.parse(did), options));
      assertEquals(Canonical.of(oracle.get(url)), ours, url);
      compared++;
    }
    assertEquals(urls.size(), compared);
  }

  static void record(String did, RegistryChange change) {
    changes.computeIfAbsent(did, d -> new TreeSet<>()).add(change.blockNumber());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] compressedKey(Credentials c) {
    return Sign.publicPointFromPrivate(c.getEcKeyPair().getPrivateKey()).getEncoded(true);
  }

  static byte[] ed25519Key() {
    Ed25519KeyPairGenerator g = new Ed25519KeyPairGenerator();
    g.init(new Ed25519KeyGenerationParameters(new java.security.SecureRandom()));
    return ((Ed25519PublicKeyParameters) g.generateKeyPair().getPublic()).getEncoded();
  }
}
