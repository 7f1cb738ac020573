package dev.sovereign.did.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** did:key documents are kept per DID and options, and only what those determine is reused. */
class DidKeyResolverKeptTest {
  private static final Did GOOD =
      Did.parse("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");

  private static ResolutionOptions with(String name, String value) {
    return new ResolutionOptions(
        Optional.empty(), Optional.empty(), Optional.empty(), Map.of(name, value));
  }

  @Test
  void aKeptDocumentIsTheOneAFreshResolverBuildsAndOtherOptionsGetTheirOwn() {
    DidKeyResolver resolver = new DidKeyResolver();
    DidResolutionResult first = resolver.resolve(GOOD, ResolutionOptions.latest());
    assertSame(first, resolver.resolve(GOOD, ResolutionOptions.latest()));
    assertSame(first, resolver.resolve(GOOD, ResolutionOptions.atTime(Instant.EPOCH)));
    assertEquals(
        first.didDocument(),
        new DidKeyResolver().resolve(GOOD, ResolutionOptions.latest()).didDocument());

    String jwk = DidKeyFormat.JSON_WEB_KEY_2020.typeName();
    DidResolutionResult asJwk =
        resolver.resolve(GOOD, with(ResolutionOptions.PUBLIC_KEY_FORMAT, jwk));
    assertNotEquals(first.didDocument(), asJwk.didDocument());
    assertEquals(
        asJwk.didDocument(),
        new DidKeyResolver()
            .resolve(GOOD, with(ResolutionOptions.PUBLIC_KEY_FORMAT, jwk))
            .didDocument());
    DidResolutionResult noDerivation =
        resolver.resolve(GOOD, with(ResolutionOptions.ENABLE_ENCRYPTION_KEY_DERIVATION, "false"));
    assertNotEquals(first.didDocument(), noDerivation.didDocument());
    // refusals are never served from what was kept
    assertEquals(
        ResolutionError.INVALID_OPTIONS,
        resolver
            .resolve(GOOD, with(ResolutionOptions.ENABLE_ENCRYPTION_KEY_DERIVATION, "maybe"))
            .error()
            .orElseThrow());
    assertEquals(
        ResolutionError.NOT_FOUND,
        resolver.resolve(GOOD, ResolutionOptions.atVersion("1")).error().orElseThrow());
  }

  @Test
  void aMalformedDidKeyIsRefusedEveryTimeAndManyDistinctDidsStayCorrect() {
    DidKeyResolver resolver = new DidKeyResolver();
    Did tampered =
        Did.parse(GOOD.toString().substring(0, 30) + "1" + GOOD.toString().substring(31));
    for (int i = 0; i < 3; i++) {
      DidResolutionResult r = resolver.resolve(tampered, ResolutionOptions.latest());
      assertTrue(
          r.error().isPresent()
              || !r.didDocument()
                  .equals(resolver.resolve(GOOD, ResolutionOptions.latest()).didDocument()));
    }
    for (int i = 0; i < DidKeyResolver.MAX_KEPT + 10; i++) {
      byte[] raw = new byte[32];
      raw[0] = (byte) i;
      raw[1] = (byte) (i >> 8);
      // not every 32-byte string is an Ed25519 point: whichever way it goes, it goes the same way
      // as on a resolver that kept nothing
      Did did =
          Did.parse(
              "did:key:z"
                  + dev.sovereign.did.multiformats.Base58Btc.encode(
                      dev.sovereign.did.multiformats.Multicodec.prefix(0xed, raw)));
      DidResolutionResult kept = resolver.resolve(did, ResolutionOptions.latest());
      DidResolutionResult fresh = new DidKeyResolver().resolve(did, ResolutionOptions.latest());
      assertEquals(fresh.error(), kept.error());
      assertEquals(fresh.didDocument(), kept.didDocument());
    }
  }
}
