package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DidSyntaxTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "did:example:123456789abcdefghi", // DID Core example
        "did:web:example.com%3A8443", // pct-encoded port
        "did:fabric:sovereign-eu:0f3a_b.c-d",
        "did:ethr:0x539:0xb9c5714089478a327f09197987f16f9e5d936e8a",
        "did:example::::a", // empty segments are allowed before the last
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
      })
  void conformantDidsParseAndPrintBackUnchanged(String input) {
    Did did = Did.parse(input);
    assertEquals(input, did.toString());
  }

  @Test
  void methodAndMethodSpecificIdAreSplitAtTheSecondColon() {
    Did did = Did.parse("did:ethr:0x539:0xabc");
    assertEquals("ethr", did.method());
    assertEquals("0x539:0xabc", did.methodSpecificId());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "did",
        "did:",
        "did:example",
        "did:example:",
        "did:example:abc:", // empty or trailing colon
        "DID:example:123",
        "did:Example:123",
        "did:ex-ample:123", // method name is a-z0-9
        "did:example:12 3",
        "did:example:a/b",
        "did:example:a?b",
        "did:example:a#b",
        "did:example:%zz",
        "did:example:%4",
        "did:example:caf\u00e9",
        "urn:example:123"
      })
  void nonConformantDidsAreRejectedAsInvalidDid(String input) {
    InvalidDidException e = assertThrows(InvalidDidException.class, () -> Did.parse(input));
    assertEquals(ResolutionError.INVALID_DID, e.reason());
    assertFalse(Did.isValid(input));
  }

  @Test
  void aDidUrlSplitsIntoDidPathQueryAndFragment() {
    DidUrl url = DidUrl.parse("did:example:123/path/to?versionId=4&x=y#key-1");
    assertEquals(Did.parse("did:example:123"), url.did());
    assertEquals("/path/to", url.path());
    assertEquals(Optional.of("versionId=4&x=y"), url.query());
    assertEquals(Optional.of("key-1"), url.fragment());
    assertEquals("did:example:123/path/to?versionId=4&x=y#key-1", url.toString());
  }

  @Test
  void relativeReferencesResolveAgainstTheDocumentDid() {
    Did base = Did.parse("did:example:123");
    assertEquals("did:example:123#key-1", DidUrl.resolve(base, "#key-1").toString());
    assertEquals("did:example:456#k", DidUrl.resolve(base, "did:example:456#k").toString());
  }

  @Test
  void versionParametersInADidUrlBecomeResolutionOptions() {
    assertEquals(
        ResolutionOptions.atVersion("4"),
        DidUrl.parse("did:example:123?versionId=4#key-1").resolutionOptions());
    assertEquals(
        ResolutionOptions.atTime(Instant.parse("2024-01-01T00:00:00Z")),
        DidUrl.parse("did:example:123?versionTime=2024-01-01T00:00:00Z").resolutionOptions());
    assertEquals(
        ResolutionOptions.latest(), DidUrl.parse("did:example:123#key-1").resolutionOptions());
  }

  @Test
  void aDidUrlAskingForBothVersionIdAndVersionTimeIsRejected() {
    DidUrl url = DidUrl.parse("did:example:123?versionId=1&versionTime=2024-01-01T00:00:00Z");
    assertThrows(InvalidDidException.class, url::resolutionOptions);
  }

  @Test
  void anEmptyOrMalformedVersionParameterIsRejectedAsInvalidDidUrl() {
    for (String url :
        new String[] {"did:example:1?versionId=#k", "did:example:1?versionTime=yesterday#k"}) {
      InvalidDidException e =
          assertThrows(InvalidDidException.class, () -> DidUrl.parse(url).resolutionOptions());
      assertEquals(ResolutionError.INVALID_DID_URL, e.reason());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "did:example:123#a b",
        "did:example:123#a#b",
        "did:example:123?a=%G1",
        "did:example:123/a b"
      })
  void didUrlsWithCharactersOutsideRfc3986AreRejectedAsInvalidDidUrl(String input) {
    InvalidDidException e = assertThrows(InvalidDidException.class, () -> DidUrl.parse(input));
    assertEquals(ResolutionError.INVALID_DID_URL, e.reason());
  }

  @Test
  void aDidUrlWithAnInvalidDidPartIsRejectedAsInvalidDid() {
    InvalidDidException e =
        assertThrows(InvalidDidException.class, () -> DidUrl.parse("did:EX:1#k"));
    assertEquals(ResolutionError.INVALID_DID, e.reason());
  }

  @Test
  @DisplayName("DIDs compare by exact string: case in the method-specific id matters")
  void didsCompareByExactString() {
    assertTrue(Did.parse("did:example:abc").equals(Did.parse("did:example:abc")));
    assertFalse(Did.parse("did:example:abc").equals(Did.parse("did:example:ABC")));
  }
}
