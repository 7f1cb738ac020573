package dev.sovereign.enclave;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How the enclave reaches its key broker for sealing (the kmstool model: the enclave makes the KMS
 * call itself; the host only relays bytes and hands over credentials).
 *
 * @param endpoint the KMS endpoint: the local broker's {@code http://127.0.0.1:PORT} in development,
 *     {@code https://kms.<region>.amazonaws.com} (resolved to the in-enclave vsock forwarder) in production
 * @param keyId the KMS key id or ARN that wraps the sealed state's data keys
 * @param zone the seal region bound into every snapshot ({@code [A-Z0-9][A-Z0-9-]*}); empty = the
 *     policy's {@code enclave.region} in upper case
 * @param kmsRegion the AWS region the KMS client signs for
 * @param accessKeyId credentials the host passed (environment), or development placeholders on loopback
 * @param secretAccessKey see {@code accessKeyId}
 * @param sessionToken the session token of temporary credentials, if any
 */
public record KeyBrokerOptions(URI endpoint, String keyId, Optional<String> zone, String kmsRegion, String accessKeyId,
    String secretAccessKey, Optional<String> sessionToken) {

  @Override
  public String toString() {
    return "KeyBrokerOptions[" + endpoint + ", " + keyId + ", " + zone.orElse("(policy region)") + "]";
  }

  /**
   * Options from the command line plus credentials from the environment ({@code AWS_ACCESS_KEY_ID},
   * {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}, {@code AWS_REGION}), as kmstool takes
   * them from its parent. Without credentials only a loopback endpoint is allowed (the local broker
   * does not check signatures) and placeholders are used.
   */
  public static KeyBrokerOptions of(URI endpoint, String keyId, Optional<String> zone, Map<String, String> env) {
    String access = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    String region = env.getOrDefault("AWS_REGION", "local-1");
    if (access == null || secret == null) {
      String host = endpoint.getHost();
      boolean loopback = host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]")
          || host.equals("::1"));
      if (!loopback) {
        throw new IllegalArgumentException("--key-broker " + endpoint
            + " is not loopback: pass AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
      }
      access = "sovereign-local";
      secret = "sovereign-local-broker-checks-attestation-not-signatures";
    }
    return new KeyBrokerOptions(endpoint, keyId, zone, region, access, secret,
        Optional.ofNullable(env.get("AWS_SESSION_TOKEN")));
  }
}
