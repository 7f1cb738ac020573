package dev.sovereign.did.ethr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionError;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EthrProviderTest {
  @Test
  void didCoreFindsTheEthrResolverThroughTheServiceLoaderWhenRpcAndRegistryAreGiven() {
    TestChain chain = TestChain.get();
    DidResolver r =
        DidResolvers.standard(
            Map.of(
                EthrDidResolverProvider.RPC,
                chain.node.url(),
                EthrDidResolverProvider.REGISTRY,
                chain.registry));
    var result = r.resolve("did:ethr:0x539:" + EthrDidTest.ADDRESS);
    assertTrue(result.error().isEmpty(), () -> result.didResolutionMetadata().toString());
    assertEquals(
        "did:ethr:0x539:" + EthrDidTest.ADDRESS,
        result.didDocument().orElseThrow().id().toString());
  }

  @Test
  void withoutEthrSettingsDidEthrIsNotSupported() {
    DidResolver r = DidResolvers.standard(Map.of());
    assertEquals(
        Optional.of(ResolutionError.METHOD_NOT_SUPPORTED),
        r.resolve("did:ethr:0x539:" + EthrDidTest.ADDRESS).error());
  }

  @Test
  void halfAConfigurationOrAMalformedAddressIsAUsageError() {
    EthrDidResolverProvider p = new EthrDidResolverProvider();
    assertThrows(
        IllegalArgumentException.class,
        () -> p.create(Map.of(EthrDidResolverProvider.RPC, "http://x")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            p.create(
                Map.of(
                    EthrDidResolverProvider.RPC,
                    "http://127.0.0.1:8545",
                    EthrDidResolverProvider.REGISTRY,
                    "0x12")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            p.create(
                Map.of(
                    EthrDidResolverProvider.RPC,
                    "ftp://x",
                    EthrDidResolverProvider.REGISTRY,
                    "0x" + "11".repeat(20))));
  }
}
