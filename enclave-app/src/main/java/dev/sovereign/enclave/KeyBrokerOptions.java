package dev.sovereign.enclave;

import dev.sovereign.transport.forward.ForwardAddress;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How the enclave reaches its key broker for sealing (the kmstool model: the enclave makes the KMS
 * call itself; the host only relays bytes and hands over credentials).
 *
 * @param endpoint the KMS endpoint: the local broker's {@code http://127.0.0.1:PORT} in
 *     development, {@code https://kms.<region>.amazonaws.com} (resolved to the in-enclave vsock
 *     forwarder) in production
 * @param keyId the KMS key id or ARN that wraps the sealed state's data keys
 * @param zone the seal region bound into every snapshot ({@code [A-Z0-9][A-Z0-9-]*}); empty = the
 *     policy's {@code enclave.region} in upper case
 * @param kmsRegion the AWS region the KMS client signs for
 * @param accessKeyId credentials the host passed (environment), development placeholders on
 *     loopback, or null: with {@code --kms-proxy} the host may send them later with the {@code
 *     KmsCredentials} message
 * @param secretAccessKey see {@code accessKeyId}
 * @param sessionToken the session token of temporary credentials, if any
 * @param kmsProxy where the in-enclave forwarder sends KMS connections ({@code vsock:3:8000}: the
 *     parent's {@code vsock-proxy}; {@code unix:PATH} in development); empty = the endpoint is
 *     reached directly (the local broker on loopback)
 */
public record KeyBrokerOptions(
    URI endpoint,
    String keyId,
    Optional<String> zone,
    String kmsRegion,
    String accessKeyId,
    String secretAccessKey,
    Optional<String> sessionToken,
    Optional<ForwardAddress> kmsProxy) {

  /** Without a KMS proxy. */
  public KeyBrokerOptions(
      URI endpoint,
      String keyId,
      Optional<String> zone,
      String kmsRegion,
      String accessKeyId,
      String secretAccessKey,
      Optional<String> sessionToken) {
    this(
        endpoint,
        keyId,
        zone,
        kmsRegion,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        Optional.empty());
  }

  @Override
  public String toString() {
    return "KeyBrokerOptions["
        + endpoint
        + ", "
        + keyId
        + ", "
        + zone.orElse("(policy region)")
        + ", "
        + kmsRegion
        + kmsProxy.map(p -> ", via " + p).orElse("")
        + "]";
  }

  /**
   * Options from the command line plus credentials from the environment ({@code AWS_ACCESS_KEY_ID},
   * {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}, {@code AWS_REGION}), as kmstool takes
   * them from its parent. Without credentials only a loopback endpoint is allowed (the local broker
   * does not check signatures) and placeholders are used.
   */
  public static KeyBrokerOptions of(
      URI endpoint, String keyId, Optional<String> zone, Map<String, String> env) {
    return of(endpoint, keyId, zone, Optional.empty(), Optional.empty(), env);
  }

  /**
   * As {@link #of(URI, String, Optional, Map)}, with the KMS signing region ({@code --kms-region};
   * overrides {@code AWS_REGION}) and the forwarder's upstream ({@code --kms-proxy}). With a proxy
   * the endpoint must be {@code https} unless its host is a loopback literal or {@code localhost}
   * (development against the local broker): the forwarder carries TLS that ends in this process.
   * With a proxy, credentials may be absent here (the host sends them with {@code KmsCredentials});
   * against a real endpoint the key must then be a full key ARN in the signing region: a bare key
   * id or alias is resolved in the account of whatever credentials the host supplies, so a host
   * could point the enclave at a key it controls and decrypt the data key itself.
   */
  public static KeyBrokerOptions of(
      URI endpoint,
      String keyId,
      Optional<String> zone,
      Optional<String> kmsRegion,
      Optional<ForwardAddress> kmsProxy,
      Map<String, String> env) {
    String access = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    String region = kmsRegion.orElse(env.getOrDefault("AWS_REGION", "local-1"));
    boolean loopback = isLoopbackName(endpoint.getHost());
    if (kmsProxy.isPresent() && !loopback && !"https".equals(endpoint.getScheme())) {
      throw new IllegalArgumentException(
          "--kms-proxy carries KMS traffic through the host: the endpoint "
              + endpoint
              + " must be https");
    }
    if (kmsProxy.isPresent() && kmsProxy.get() instanceof ForwardAddress.Tcp) {
      throw new IllegalArgumentException("--kms-proxy must be vsock:CID:PORT or unix:PATH");
    }
    if (!loopback
        && !keyId.matches(
            "arn:aws[a-z-]*:kms:"
                + java.util.regex.Pattern.quote(region)
                + ":[0-9]{12}:key/[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException(
          "--key-id must be a full key ARN in region "
              + region
              + " (arn:aws:kms:"
              + region
              + ":ACCOUNT:key/ID) for a remote KMS: a key id or alias resolves in the"
              + " account of the credentials the host hands over");
    }
    if ((access == null || secret == null) && kmsProxy.isPresent() && !loopback) {
      access = null;
      secret = null;
    } else if (access == null || secret == null) {
      if (!loopback) {
        throw new IllegalArgumentException(
            "--key-broker "
                + endpoint
                + " is not loopback: pass AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (or use"
                + " --kms-proxy and send them with KmsCredentials)");
      }
      access = "sovereign-local";
      secret = "sovereign-local-broker-checks-attestation-not-signatures";
    }
    return new KeyBrokerOptions(
        endpoint,
        keyId,
        zone,
        region,
        access,
        secret,
        Optional.ofNullable(env.get("AWS_SESSION_TOKEN")),
        kmsProxy);
  }

  /**
   * The key broker the command-line flags name ({@code --key-broker URL} or {@code --kms-region
   * REGION}, {@code --key-id}, {@code --region}, {@code --kms-proxy}), shared by the enclave jar
   * and {@code sovereign enclave}; empty when neither endpoint flag is given.
   *
   * @throws IllegalArgumentException flags that do not go together, or a key/endpoint {@link #of}
   *     refuses
   */
  public static Optional<KeyBrokerOptions> fromFlags(
      Optional<URI> keyBroker,
      Optional<String> keyId,
      Optional<String> zone,
      Optional<String> kmsRegion,
      Optional<ForwardAddress> kmsProxy,
      Map<String, String> env) {
    Optional<URI> endpoint = keyBroker.or(() -> kmsRegion.map(KeyBrokerOptions::regionalEndpoint));
    if (endpoint.isPresent() != keyId.isPresent()) {
      throw new IllegalArgumentException("--key-id goes with --key-broker or --kms-region");
    }
    if ((zone.isPresent() || kmsProxy.isPresent()) && endpoint.isEmpty()) {
      throw new IllegalArgumentException(
          "--region and --kms-proxy need --key-broker or --kms-region");
    }
    return endpoint.map(e -> of(e, keyId.get(), zone, kmsRegion, kmsProxy, env));
  }

  /** The regional KMS endpoint, {@code https://kms.<region>.amazonaws.com}. */
  public static URI regionalEndpoint(String region) {
    if (!region.matches("[a-z]{2}(-gov)?-[a-z]+-[0-9]")) {
      throw new IllegalArgumentException(
          "--kms-region must be an AWS region such as eu-central-1, got '" + region + "'");
    }
    return URI.create("https://kms." + region + ".amazonaws.com");
  }

  private static boolean isLoopbackName(String host) {
    return host != null
        && (host.equals("127.0.0.1")
            || host.equals("localhost")
            || host.equals("[::1]")
            || host.equals("::1"));
  }
}
