package dev.sovereign.backup;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Backups as S3 objects through the AWS SDK v2 (URL-connection HTTP client, credentials from the
 * SDK's default chain): key {@code <prefix>/<zone>/<yyyyMMddTHHmmssSSSZ>-<sha256>.sealed}, the
 * job's metadata in the object's user metadata ({@code x-amz-meta-zone, -created-at, -expires-at,
 * -sha256}). With {@code --s3-endpoint} (S3-compatible servers) requests use path-style addressing.
 * Error messages carry the operation, the object address, the HTTP status and S3 error code, with
 * any credential value the chain resolved cut out.
 */
public final class S3BackupStore implements BackupStore {
  /** A sealed blob is a few kB per round; anything far larger is refused rather than buffered. */
  public static final int MAX_BLOB_BYTES = 256 * 1024 * 1024;

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private final BackupLocation.S3 location;
  private final S3Client s3;
  private final Set<String> secrets = new HashSet<>();

  private S3BackupStore(
      BackupLocation.S3 location, S3Client s3, AwsCredentialsProvider credentials) {
    this.location = location;
    this.s3 = s3;
    for (String name : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")) {
      addSecret(System.getenv(name));
    }
    for (String name : List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.sessionToken")) {
      addSecret(System.getProperty(name));
    }
    try {
      AwsCredentials c = credentials.resolveCredentials();
      addSecret(c.accessKeyId());
      addSecret(c.secretAccessKey());
      if (c instanceof AwsSessionCredentials s) {
        addSecret(s.sessionToken());
      }
    } catch (RuntimeException e) {
      // no credentials: the first request fails with the SDK's (credential-free) explanation
    }
  }

  /**
   * A client for {@code location}. {@code region} null: the SDK's default region chain (AWS_REGION,
   * profile); {@code endpoint} null: AWS S3 itself, else that S3-compatible endpoint, path-style.
   */
  public static S3BackupStore open(BackupLocation.S3 location, String region, URI endpoint)
      throws Failed {
    if (endpoint != null
        && (endpoint.getScheme() == null
            || !endpoint.getScheme().matches("https?")
            || endpoint.getHost() == null
            || endpoint.getRawUserInfo() != null
            || endpoint.getRawQuery() != null)) {
      throw new Failed(
          "--s3-endpoint must be http(s)://host[:port][/path] without user info or query",
          0,
          "bad-endpoint");
    }
    AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    try {
      S3ClientBuilder b =
          S3Client.builder()
              .httpClient(
                  UrlConnectionHttpClient.builder()
                      .connectionTimeout(Duration.ofSeconds(10))
                      .socketTimeout(Duration.ofSeconds(60))
                      .build())
              .credentialsProvider(credentials);
      if (region != null) {
        b.region(Region.of(region));
      }
      if (endpoint != null) {
        b.endpointOverride(endpoint).forcePathStyle(true);
      }
      return new S3BackupStore(location, b.build(), credentials);
    } catch (SdkException e) {
      throw new Failed(
          "cannot set up the S3 client: "
              + clean(e.getMessage(), Set.of())
              + (region == null ? " (give --s3-region or set AWS_REGION)" : ""),
          0,
          "client-setup");
    }
  }

  @Override
  public BackupLocation.S3 location() {
    return location;
  }

  @Override
  public Meta put(Meta meta, byte[] blob) throws IOException {
    String key = keyFor(location, meta.zone(), meta.createdAt(), meta.sha256());
    Map<String, String> user = new LinkedHashMap<>();
    user.put("zone", meta.zone());
    user.put("created-at", meta.createdAt().toString());
    user.put("expires-at", meta.expiresAt().toString());
    user.put("sha256", meta.sha256());
    call(
        "PutObject",
        key,
        () ->
            s3.putObject(
                r ->
                    r.bucket(location.bucket())
                        .key(key)
                        .metadata(user)
                        .contentType("application/octet-stream"),
                RequestBody.fromBytes(blob)));
    return meta.withRef(key);
  }

  @Override
  public List<Meta> list(String zone) throws IOException {
    String prefix = location.key(zone) + "/";
    List<String> keys = new ArrayList<>();
    call(
        "ListObjectsV2",
        prefix,
        () -> {
          for (S3Object o :
              s3.listObjectsV2Paginator(
                      r -> r.bucket(location.bucket()).prefix(prefix).delimiter("/"))
                  .contents()) {
            if (o.key().endsWith(DirectoryBackupStore.SUFFIX)) {
              keys.add(o.key());
            }
          }
          return null;
        });
    List<Meta> out = new ArrayList<>();
    for (String key : keys) {
      HeadObjectResponse h =
          call("HeadObject", key, () -> s3.headObject(r -> r.bucket(location.bucket()).key(key)));
      Meta m = meta(key, h.metadata(), h.contentLength() == null ? -1 : h.contentLength());
      if (zone.equals(m.zone()) && m.createdAt() != null) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public Backup read(String key) throws IOException {
    return call(
        "GetObject",
        key,
        () -> {
          try (ResponseInputStream<GetObjectResponse> in =
              s3.getObject(r -> r.bucket(location.bucket()).key(key))) {
            byte[] blob = readCapped(in);
            GetObjectResponse g = in.response();
            return new Backup(meta(key, g.metadata(), blob.length), blob);
          } catch (IOException e) {
            throw new Failed(
                "s3 GetObject " + address(key) + ": reading the body failed", 0, "io-error");
          }
        });
  }

  @Override
  public void delete(Meta meta) throws IOException {
    call(
        "DeleteObject",
        meta.ref(),
        () -> s3.deleteObject(r -> r.bucket(location.bucket()).key(meta.ref())));
  }

  @Override
  public String address(String key) {
    return "s3://" + location.bucket() + "/" + key;
  }

  @Override
  public void close() {
    s3.close();
  }

  private static byte[] readCapped(InputStream in) throws IOException {
    byte[] b = in.readNBytes(MAX_BLOB_BYTES + 1);
    if (b.length > MAX_BLOB_BYTES) {
      throw new IOException("too large");
    }
    return b;
  }

  private static Meta meta(String key, Map<String, String> user, long bytes) {
    return new Meta(
        key,
        user.get("zone"),
        instant(user.get("created-at")),
        instant(user.get("expires-at")),
        user.get("sha256"),
        bytes);
  }

  private static Instant instant(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Runs one SDK call; an S3 error answer or a client failure becomes a {@link Failed} with a safe
   * message.
   */
  private <T> T call(String op, String key, SdkCall<T> call) throws Failed {
    try {
      return call.run();
    } catch (AwsServiceException e) {
      String code =
          e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
              ? clean(e.awsErrorDetails().errorCode(), secrets)
              : "http-" + e.statusCode();
      String msg =
          e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
              ? clean(e.awsErrorDetails().errorMessage(), secrets)
              : "";
      throw new Failed(
          "s3 "
              + op
              + " "
              + address(key)
              + " failed: HTTP "
              + e.statusCode()
              + " "
              + code
              + (msg.isEmpty() ? "" : " (" + msg + ")"),
          e.statusCode(),
          code);
    } catch (SdkException e) {
      String msg =
          e.getMessage() != null && e.getMessage().startsWith("Unable to load credentials")
              ? "no AWS credentials (the SDK's default chain looks at the aws.accessKeyId/aws.secretAccessKey system "
                  + "properties, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile, container and instance roles)"
              : clean(e.getMessage(), secrets);
      throw new Failed(
          "s3 " + op + " " + address(key) + " failed: " + msg,
          0,
          msg.startsWith("no AWS credentials") ? "no-credentials" : "client-error");
    }
  }

  /** One line, at most 300 characters, every known credential value replaced. */
  static String clean(String s, Set<String> secrets) {
    if (s == null) {
      return "";
    }
    String out = s;
    for (String secret : secrets) {
      out = out.replace(secret, "[redacted]");
    }
    out = out.replaceAll("[\\p{Cntrl}]+", " ").strip();
    return out.length() > 300 ? out.substring(0, 300) + "..." : out;
  }

  private void addSecret(String s) {
    if (s != null && s.length() >= 4) {
      secrets.add(s);
    }
  }

  @FunctionalInterface
  private interface SdkCall<T> {
    T run() throws Failed;
  }

  /** For tests and docs: the object key a backup of {@code zone} created at {@code at} gets. */
  static String keyFor(BackupLocation.S3 location, String zone, Instant at, String sha256) {
    return location.key(zone, STAMP.format(at) + "-" + sha256 + DirectoryBackupStore.SUFFIX);
  }
}
