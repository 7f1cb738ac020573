package dev.sovereign.kms.aws;

import dev.sovereign.attestation.kms.DecryptedDataKey;
import dev.sovereign.attestation.kms.GeneratedDataKey;
import dev.sovereign.attestation.kms.KeyBroker;
import dev.sovereign.attestation.kms.KeyBrokerException;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.Recipient;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.RecipientInfo;

/**
 * {@link KeyBroker} over the AWS SDK v2 KMS client: {@code GenerateDataKey} (AES_256) and {@code
 * Decrypt}, always with a {@code Recipient}, so answers carry only {@code CiphertextForRecipient}.
 * An answer that carries a plaintext key is refused as a broker failure (it means the key policy
 * allowed a release without attestation). Errors map to {@link KeyReleaseRefusal}: the local
 * broker's code when its message starts with one, else the KMS exception name.
 */
public final class AwsKmsKeyBroker implements KeyBroker, AutoCloseable {
  private static final Pattern CODE =
      Pattern.compile("^([A-Z][A-Z_]+)(?::([A-Z0-9_]+))? - (.*)$", Pattern.DOTALL);

  private final KmsClient kms;
  private final boolean ownsClient;

  private AwsKmsKeyBroker(KmsClient kms, boolean ownsClient) {
    this.kms = kms;
    this.ownsClient = ownsClient;
  }

  /** Uses an existing client (not closed by {@link #close()}). */
  public static AwsKmsKeyBroker using(KmsClient kms) {
    return new AwsKmsKeyBroker(Objects.requireNonNull(kms, "kms"), false);
  }

  /** A builder for a client owned by the broker. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public GeneratedDataKey generateDataKey(
      String keyId, Map<String, String> encryptionContext, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException {
    GenerateDataKeyResponse r;
    try {
      r =
          kms.generateDataKey(
              b ->
                  b.keyId(keyId)
                      .keySpec(DataKeySpec.AES_256)
                      .encryptionContext(encryptionContext)
                      .recipient(recipientInfo(recipient)));
    } catch (KmsException e) {
      throw refusal(e);
    } catch (SdkException e) {
      throw new KeyBrokerException(
          "KMS GenerateDataKey failed: " + e.getClass().getSimpleName(), e);
    }
    if (r.plaintext() != null && r.plaintext().asByteArrayUnsafe().length > 0) {
      throw new KeyBrokerException(
          "KMS returned a plaintext data key: the key policy allows release without a recipient");
    }
    if (r.ciphertextForRecipient() == null || r.ciphertextBlob() == null) {
      throw new KeyBrokerException("KMS answer lacks CiphertextForRecipient or CiphertextBlob");
    }
    return new GeneratedDataKey(
        r.keyId(), r.ciphertextBlob().asByteArray(), r.ciphertextForRecipient().asByteArray());
  }

  @Override
  public DecryptedDataKey decrypt(
      byte[] ciphertextBlob, Map<String, String> encryptionContext, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException {
    DecryptResponse r;
    try {
      r =
          kms.decrypt(
              b ->
                  b.ciphertextBlob(SdkBytes.fromByteArray(ciphertextBlob))
                      .encryptionContext(encryptionContext)
                      .recipient(recipientInfo(recipient)));
    } catch (KmsException e) {
      throw refusal(e);
    } catch (SdkException e) {
      throw new KeyBrokerException("KMS Decrypt failed: " + e.getClass().getSimpleName(), e);
    }
    if (r.plaintext() != null && r.plaintext().asByteArrayUnsafe().length > 0) {
      throw new KeyBrokerException(
          "KMS returned a plaintext key: the key policy allows Decrypt without a recipient");
    }
    if (r.ciphertextForRecipient() == null) {
      throw new KeyBrokerException("KMS answer lacks CiphertextForRecipient");
    }
    return new DecryptedDataKey(r.keyId(), r.ciphertextForRecipient().asByteArray());
  }

  private static RecipientInfo recipientInfo(Recipient recipient) {
    return RecipientInfo.builder()
        .keyEncryptionAlgorithm(recipient.keyEncryptionAlgorithm().name())
        .attestationDocument(SdkBytes.fromByteArray(recipient.attestationDocument()))
        .build();
  }

  static KeyBrokerRefusedException refusal(KmsException e) {
    String type = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String message =
        e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorMessage());
    Matcher m = CODE.matcher(message);
    if (m.matches()) {
      try {
        return new KeyBrokerRefusedException(
            KeyReleaseRefusal.valueOf(m.group(1)), m.group(2), m.group(3));
      } catch (IllegalArgumentException unknown) {
        // not one of our codes: fall through to the KMS exception name
      }
    }
    KeyReleaseRefusal reason =
        switch (type) {
          case "InvalidCiphertextException", "IncorrectKeyException" ->
              KeyReleaseRefusal.INVALID_CIPHERTEXT;
          case "NotFoundException" -> KeyReleaseRefusal.KEY_NOT_FOUND;
          case "ValidationException",
              "InvalidKeyUsageException",
              "KMSInvalidStateException",
              "DisabledException" ->
              KeyReleaseRefusal.INVALID_REQUEST;
          default -> KeyReleaseRefusal.ACCESS_DENIED;
        };
    return new KeyBrokerRefusedException(
        reason, type.isEmpty() ? null : type.replaceAll("[^A-Za-z0-9_]", ""), message);
  }

  @Override
  public void close() {
    if (ownsClient) {
      kms.close();
    }
  }

  /**
   * Builds the client the kmstool way: region, credentials handed over by the host (the enclave has
   * no instance metadata service), and the endpoint the enclave reaches through the host's vsock
   * proxy ({@code https://kms.<region>.amazonaws.com}, resolved to the in-enclave forwarder, so TLS
   * ends inside the enclave and the host relays ciphertext only).
   */
  public static final class Builder {
    private Region region;
    private AwsCredentialsProvider credentials;
    private URI endpoint;
    private SdkHttpClient httpClient;

    private Builder() {}

    /** The KMS region (required). */
    public Builder region(String region) {
      this.region = Region.of(region);
      return this;
    }

    /**
     * Credentials passed from the host (required), e.g. {@code StaticCredentialsProvider} of
     * session credentials.
     */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * Endpoint override: the local broker's URL, or the KMS hostname behind the vsock forwarder.
     */
    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** HTTP client (default: the JDK URL-connection client; no Netty in the enclave). */
    public Builder httpClient(SdkHttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /** Creates the broker and its client. */
    public AwsKmsKeyBroker build() {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(credentials, "credentials");
      var b =
          KmsClient.builder()
              .region(region)
              .credentialsProvider(credentials)
              .httpClient(httpClient != null ? httpClient : UrlConnectionHttpClient.create());
      if (endpoint != null) {
        b.endpointOverride(endpoint);
      }
      try {
        return new AwsKmsKeyBroker(b.build(), true);
      } catch (SdkClientException e) {
        throw new IllegalArgumentException("cannot build the KMS client: " + e.getMessage(), e);
      }
    }
  }
}
