package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovereign.transport.forward.ForwardAddress;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The KMS options: the production form (region + vsock proxy + host credentials) and what is
 * refused.
 */
class KeyBrokerOptionsTest {
  private static final String ARN =
      "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  private static final Map<String, String> CREDENTIALS =
      Map.of(
          "AWS_ACCESS_KEY_ID",
          "ASIAEXAMPLE",
          "AWS_SECRET_ACCESS_KEY",
          "secret-never-printed",
          "AWS_SESSION_TOKEN",
          "token-never-printed");

  @Test
  void theProductionFormNamesTheRegionalEndpointAndTheParentsProxy() {
    KeyBrokerOptions o =
        KeyBrokerOptions.of(
            KeyBrokerOptions.regionalEndpoint("eu-central-1"),
            ARN,
            Optional.of("EU"),
            Optional.of("eu-central-1"),
            Optional.of(ForwardAddress.parse("vsock:3:8000")),
            CREDENTIALS);
    assertEquals(URI.create("https://kms.eu-central-1.amazonaws.com"), o.endpoint());
    assertEquals("eu-central-1", o.kmsRegion());
    assertEquals(Optional.of(new ForwardAddress.Vsock(3, 8000)), o.kmsProxy());
    assertEquals(Optional.of("token-never-printed"), o.sessionToken());
    assertFalse(o.toString().contains("never-printed"), o.toString());
    assertTrue(o.toString().contains("via vsock:3:8000"), o.toString());
  }

  @Test
  void theKmsRegionOverridesTheEnvironmentsRegion() {
    Map<String, String> env = new java.util.HashMap<>(CREDENTIALS);
    env.put("AWS_REGION", "us-east-1");
    assertEquals(
        "eu-central-1",
        KeyBrokerOptions.of(
                KeyBrokerOptions.regionalEndpoint("eu-central-1"),
                ARN,
                Optional.empty(),
                Optional.of("eu-central-1"),
                Optional.empty(),
                env)
            .kmsRegion());
    assertEquals(
        "us-east-1",
        KeyBrokerOptions.of(
                KeyBrokerOptions.regionalEndpoint("us-east-1"),
                ARN.replace("eu-central-1", "us-east-1"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                env)
            .kmsRegion());
  }

  @Test
  void plainHttpToARemoteNameThroughTheProxyIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                KeyBrokerOptions.of(
                    URI.create("http://kms.eu-central-1.amazonaws.com"),
                    ARN,
                    Optional.empty(),
                    Optional.of("eu-central-1"),
                    Optional.of(ForwardAddress.parse("vsock:3:8000")),
                    CREDENTIALS));
    assertTrue(e.getMessage().contains("https"), e.getMessage());
  }

  @Test
  void aTcpProxyIsRefusedBecauseAnEnclaveHasNoNetwork() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            KeyBrokerOptions.of(
                KeyBrokerOptions.regionalEndpoint("eu-central-1"),
                ARN,
                Optional.empty(),
                Optional.of("eu-central-1"),
                Optional.of(ForwardAddress.parse("tcp:10.0.0.1:8000")),
                CREDENTIALS));
  }

  @Test
  void theRealEndpointWithoutCredentialsIsRefusedUnlessTheHostCanSendThemThroughTheProtocol() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            KeyBrokerOptions.of(
                KeyBrokerOptions.regionalEndpoint("eu-central-1"),
                ARN,
                Optional.empty(),
                Optional.of("eu-central-1"),
                Optional.empty(),
                Map.of()));
    KeyBrokerOptions o =
        KeyBrokerOptions.of(
            KeyBrokerOptions.regionalEndpoint("eu-central-1"),
            ARN,
            Optional.empty(),
            Optional.of("eu-central-1"),
            Optional.of(ForwardAddress.parse("vsock:3:8000")),
            Map.of());
    assertEquals(
        null,
        o.accessKeyId(),
        "no placeholder credentials for a real endpoint: KmsCredentials brings them");
    assertEquals(Optional.empty(), KmsCredentialsProvider.of(Optional.of(o)).accessKeyId());
  }

  @Test
  void aRemoteKmsNeedsAFullKeyArnInItsRegionBecauseTheHostChoosesTheAccount() {
    for (String bad :
        new String[] {
          "1234abcd-12ab-34cd-56ef-1234567890ab",
          "alias/sovereign-eu",
          "arn:aws:kms:eu-central-1:111122223333:alias/sovereign-eu",
          ARN.replace("eu-central-1", "us-east-1")
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  KeyBrokerOptions.of(
                      KeyBrokerOptions.regionalEndpoint("eu-central-1"),
                      bad,
                      Optional.empty(),
                      Optional.of("eu-central-1"),
                      Optional.of(ForwardAddress.parse("vsock:3:8000")),
                      CREDENTIALS),
              bad);
      assertTrue(e.getMessage().contains("full key ARN"), e.getMessage());
    }
  }

  @Test
  void theLocalBrokerThroughAUnixProxyNeedsNoCredentials() {
    KeyBrokerOptions o =
        KeyBrokerOptions.of(
            URI.create("http://127.0.0.1:4000"),
            "k",
            Optional.empty(),
            Optional.empty(),
            Optional.of(ForwardAddress.parse("unix:/tmp/kms.sock")),
            Map.of());
    assertEquals("local-1", o.kmsRegion());
    assertEquals("sovereign-local", o.accessKeyId());
  }

  @Test
  void malformedRegionsAreRefused() {
    for (String bad :
        new String[] {"EU", "eu-central", "eu-central-1.evil.example", "eu-central-1/x", ""}) {
      assertThrows(
          IllegalArgumentException.class, () -> KeyBrokerOptions.regionalEndpoint(bad), bad);
    }
    assertEquals(
        URI.create("https://kms.us-gov-west-1.amazonaws.com"),
        KeyBrokerOptions.regionalEndpoint("us-gov-west-1"));
  }

  @Test
  void theCommandLineTakesKmsRegionAndProxy() {
    assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null, "credentials in this environment");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                EnclaveMain.parse(
                    new String[] {
                      "--listen",
                      "vsock:any:5000",
                      "--kms-region",
                      "eu-central-1",
                      "--key-id",
                      "k",
                      "--kms-proxy",
                      "vsock:3:8000"
                    }));
    assertTrue(e.getMessage().contains("full key ARN"), e.getMessage());
    EnclaveOptions production =
        EnclaveMain.parse(
            new String[] {
              "--listen",
              "vsock:any:5000",
              "--kms-region",
              "eu-central-1",
              "--key-id",
              ARN,
              "--kms-proxy",
              "vsock:3:8000"
            });
    KeyBrokerOptions kb = production.keyBroker().orElseThrow();
    assertEquals(URI.create("https://kms.eu-central-1.amazonaws.com"), kb.endpoint());
    assertEquals(Optional.of(new ForwardAddress.Vsock(3, 8000)), kb.kmsProxy());
    EnclaveOptions o =
        EnclaveMain.parse(
            new String[] {
              "--listen",
              "vsock:any:5000",
              "--key-broker",
              "http://127.0.0.1:4000",
              "--key-id",
              "k",
              "--kms-proxy",
              "unix:/tmp/kms.sock"
            });
    assertEquals(
        Optional.of(ForwardAddress.parse("unix:/tmp/kms.sock")),
        o.keyBroker().orElseThrow().kmsProxy());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EnclaveMain.parse(
                new String[] {"--listen", "vsock:any:5000", "--kms-proxy", "vsock:3:8000"}));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EnclaveMain.parse(
                new String[] {
                  "--listen",
                  "vsock:any:5000",
                  "--key-broker",
                  "http://127.0.0.1:4000",
                  "--key-id",
                  "k",
                  "--kms-proxy",
                  "vsock:3"
                }));
  }
}
