package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.key.DidKey;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DidResolverTest {
  private static final String KEY_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
  private final DidResolver resolver = DidResolvers.builder().withDidKey().build();

  @Test
  void aMalformedDidResolvesToInvalidDidWithoutThrowing() {
    DidResolutionResult r = resolver.resolve("did:Key:123");
    assertEquals(ResolutionError.INVALID_DID, r.error().orElseThrow());
    assertTrue(r.didDocument().isEmpty());
    assertEquals(
        ResolutionError.INVALID_DID, resolver.resolve((String) null).error().orElseThrow());
  }

  @Test
  void aDidOfAnUnregisteredMethodResolvesToMethodNotSupported() {
    assertEquals(
        ResolutionError.METHOD_NOT_SUPPORTED,
        resolver.resolve("did:web:example.com").error().orElseThrow());
  }

  @Test
  void anUnsupportedAcceptTypeResolvesToRepresentationNotSupported() {
    assertEquals(
        ResolutionError.REPRESENTATION_NOT_SUPPORTED,
        resolver
            .resolve(KEY_DID, ResolutionOptions.latest().withAccept("application/did+cbor"))
            .error()
            .orElseThrow());
  }

  @Test
  void anAcceptedDocumentTypeBecomesTheContentType() {
    DidResolutionResult r =
        resolver.resolve(KEY_DID, ResolutionOptions.latest().withAccept("application/did+json"));
    assertEquals(Optional.of("application/did+json"), r.didResolutionMetadata().contentType());
  }

  @Test
  void aMethodResolverThatThrowsYieldsInternalErrorWithoutItsMessage() {
    DidResolver r =
        DidResolvers.builder()
            .method(
                new DidMethodResolver() {
                  @Override
                  public String method() {
                    return "boom";
                  }

                  @Override
                  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
                    throw new IllegalStateException("secret-marker-7731");
                  }
                })
            .build();
    DidResolutionResult result = r.resolve("did:boom:1");
    assertEquals(ResolutionError.INTERNAL_ERROR, result.error().orElseThrow());
    assertTrue(
        !DidJson.write(result).contains("secret-marker-7731"), "exception text must not leak");
  }

  @Test
  void aMethodResolverReturningADocumentForAnotherDidIsRejected() {
    DidDocument other =
        DidKey.document(DidKey.decode(KEY_DID), dev.sovereign.did.key.DidKeyFormat.MULTIKEY, true);
    DidResolver r =
        DidResolvers.builder()
            .method(
                new DidMethodResolver() {
                  @Override
                  public String method() {
                    return "liar";
                  }

                  @Override
                  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
                    return DidResolutionResult.of(other, DidDocumentMetadata.empty());
                  }
                })
            .build();
    assertEquals(
        ResolutionError.INVALID_DID_DOCUMENT, r.resolve("did:liar:1").error().orElseThrow());
  }

  @Test
  void theResultSerializesInTheW3cShape() throws Exception {
    JsonNode json = DidJson.mapper().readTree(DidJson.write(resolver.resolve(KEY_DID)));
    assertEquals("https://w3id.org/did-resolution/v1", json.path("@context").asText());
    assertEquals(KEY_DID, json.path("didDocument").path("id").asText());
    assertEquals(
        "application/did+ld+json", json.path("didResolutionMetadata").path("contentType").asText());
    assertTrue(json.path("didDocumentMetadata").isObject());
    JsonNode error = DidJson.mapper().readTree(DidJson.write(resolver.resolve("did:nope:1")));
    assertTrue(error.path("didDocument").isNull());
    assertEquals("methodNotSupported", error.path("didResolutionMetadata").path("error").asText());
  }

  @Test
  void aResultWithFullMetadataRoundTripsThroughJson() {
    DidDocument doc =
        DidKey.document(DidKey.decode(KEY_DID), dev.sovereign.did.key.DidKeyFormat.MULTIKEY, true);
    DidResolutionResult result =
        DidResolutionResult.of(
            doc,
            DidDocumentMetadata.builder()
                .created(Instant.parse("2026-01-01T00:00:00Z"))
                .updated(Instant.parse("2026-02-01T00:00:00.123Z"))
                .versionId("7")
                .nextVersionId("8")
                .nextUpdate(Instant.parse("2026-03-01T00:00:00Z"))
                .deactivated(true)
                .extra("equivalentId", java.util.List.of("did:example:x"))
                .build());
    String json = DidJson.write(result);
    assertEquals(result, DidJson.parseResolutionResult(json));
    assertEquals(json, DidJson.write(DidJson.parseResolutionResult(json)));
  }

  @Test
  void anErrorObjectInTheNewerResolutionShapeIsReadAsItsCode() {
    DidResolutionResult r =
        DidJson.parseResolutionResult(
            "{\"didDocument\":null,\"didResolutionMetadata\":"
                + "{\"error\":{\"type\":\"https://www.w3.org/ns/did#NOT_FOUND\",\"title\":\"x\"}},\"didDocumentMetadata\":{}}");
    assertEquals(ResolutionError.NOT_FOUND, r.error().orElseThrow());
  }

  @Test
  void methodResolversOnTheClassPathArePluggedInThroughServiceLoader() {
    DidResolver r = DidResolvers.standard(Map.of("test.enabled", "true"));
    DidResolutionResult result = r.resolve("did:spi:anything");
    assertEquals(ResolutionError.NOT_FOUND, result.error().orElseThrow());
    assertEquals(
        "served by the test provider", result.didResolutionMetadata().errorMessage().orElseThrow());
    assertEquals(
        ResolutionError.METHOD_NOT_SUPPORTED,
        DidResolvers.standard(Map.of()).resolve("did:spi:anything").error().orElseThrow());
  }

  /** Registered in src/test/resources/META-INF/services; active only with test.enabled=true. */
  public static final class TestProvider implements DidMethodResolverProvider {
    @Override
    public String method() {
      return "spi";
    }

    @Override
    public Optional<DidMethodResolver> create(Map<String, String> settings) {
      if (!"true".equals(settings.get("test.enabled"))) {
        return Optional.empty();
      }
      return Optional.of(
          new DidMethodResolver() {
            @Override
            public String method() {
              return "spi";
            }

            @Override
            public DidResolutionResult resolve(Did did, ResolutionOptions options) {
              return DidResolutionResult.error(
                  ResolutionError.NOT_FOUND, "served by the test provider");
            }
          });
    }
  }
}
