package dev.sovereign.enclave;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The credentials the enclave's KMS client signs with: first those of {@link KeyBrokerOptions} (the
 * environment, or the local broker's placeholders), then whatever the host last handed over with
 * the {@code KmsCredentials} message (the kmstool model; a Nitro Enclave has no metadata service
 * and no run-time environment). The SDK asks on every request, so a refresh applies to the next KMS
 * call. Without credentials a KMS call fails on the client side and sealing answers {@code
 * unavailable}.
 */
final class KmsCredentialsProvider implements AwsCredentialsProvider {
  private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");

  private final AtomicReference<AwsCredentials> current = new AtomicReference<>();

  /** Starts with the options' credentials, if they carry any. */
  static KmsCredentialsProvider of(Optional<KeyBrokerOptions> options) {
    KmsCredentialsProvider p = new KmsCredentialsProvider();
    options
        .filter(o -> o.accessKeyId() != null && o.secretAccessKey() != null)
        .ifPresent(
            o ->
                p.current.set(
                    credentials(
                        o.accessKeyId(), o.secretAccessKey(), o.sessionToken().orElse(null))));
    return p;
  }

  /**
   * Replaces the credentials. The access key id must be 16..128 upper-case letters and digits, the
   * secret 1..256 characters, the session token (temporary credentials) at most 8192; the message
   * names the field, never its value.
   */
  void update(String accessKeyId, String secretAccessKey, String sessionToken) {
    if (accessKeyId == null || !ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
      throw new IllegalArgumentException(
          "accessKeyId must be 16 to 128 upper-case letters and digits");
    }
    if (secretAccessKey == null || secretAccessKey.isEmpty() || secretAccessKey.length() > 256) {
      throw new IllegalArgumentException("secretAccessKey must be 1 to 256 characters");
    }
    if (sessionToken != null && (sessionToken.isEmpty() || sessionToken.length() > 8192)) {
      throw new IllegalArgumentException(
          "sessionToken, when present, must be 1 to 8192 characters");
    }
    current.set(credentials(accessKeyId, secretAccessKey, sessionToken));
  }

  /** The access key id in use, if any (an identifier, not a secret). */
  Optional<String> accessKeyId() {
    return Optional.ofNullable(current.get()).map(AwsCredentials::accessKeyId);
  }

  @Override
  public AwsCredentials resolveCredentials() {
    AwsCredentials c = current.get();
    if (c == null) {
      throw SdkClientException.create(
          "no KMS credentials yet: the host sends them with KmsCredentials");
    }
    return c;
  }

  private static AwsCredentials credentials(String id, String secret, String token) {
    return token == null
        ? AwsBasicCredentials.create(id, secret)
        : AwsSessionCredentials.create(id, secret, token);
  }

  @Override
  public String toString() {
    return "KmsCredentialsProvider[" + accessKeyId().orElse("none") + "]";
  }
}
