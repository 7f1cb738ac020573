package dev.sovereign.did.ethr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

class Erc1056ChangeFeedTest {
  @Test
  void aCachedDocumentIsDroppedWhenTheFeedSeesARegistryEventForItsDid() {
    TestChain chain = TestChain.get();
    EthrDidResolver ethr = EthrDidResolver.create(java.util.List.of(chain.networkConfig()));
    CachingDidResolver cache =
        CachingDidResolver.builder(DidResolvers.builder().method(ethr).build())
            .latestTtl(Duration.ofHours(1))
            .build();
    Erc1056ChangeFeed feed =
        Erc1056ChangeFeed.startingAtHead(chain.networkConfig(), cache, cache::invalidateAll);
    Credentials owner = chain.newKey("feed");
    String did = "did:ethr:" + chain.network() + ":" + owner.getAddress();
    String before =
        cache
            .resolve(did, ResolutionOptions.latest())
            .didDocumentMetadata()
            .versionId()
            .orElse("none");
    RegistryChange change =
        chain
            .controller(owner)
            .setAttribute(
                owner.getAddress(),
                "did/svc/Feed",
                "https://feed.example".getBytes(StandardCharsets.UTF_8),
                chain.validFor(Duration.ofDays(1)));
    assertEquals(
        before,
        cache
            .resolve(did, ResolutionOptions.latest())
            .didDocumentMetadata()
            .versionId()
            .orElse("none"),
        "within the TTL and before the feed runs, the cached answer is served");
    assertEquals(1, feed.poll());
    assertEquals(
        Long.toString(change.blockNumber()),
        cache
            .resolve(did, ResolutionOptions.latest())
            .didDocumentMetadata()
            .versionId()
            .orElseThrow());
    assertEquals(0, feed.poll());
  }
}
