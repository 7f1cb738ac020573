package dev.sovereign.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.testing.FakeS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The test endpoint itself: an upload the real SDK signed is accepted when replayed unchanged and
 * refused when one byte of its body, its metadata or its signature changes, so the S3 tests' "the
 * SDK's request verified" means something.
 */
class FakeS3Test {
  private static final Set<String> UNSETTABLE =
      Set.of("host", "content-length", "connection", "expect", "upgrade");
  private FakeS3 s3;
  private String savedAccessKey;
  private String savedSecretKey;

  @BeforeEach
  void start() throws Exception {
    s3 = new FakeS3("bk1");
    savedAccessKey = System.getProperty("aws.accessKeyId");
    savedSecretKey = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", FakeS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", FakeS3.SECRET_KEY);
  }

  @AfterEach
  void stop() {
    if (savedAccessKey == null) {
      System.clearProperty("aws.accessKeyId");
    } else {
      System.setProperty("aws.accessKeyId", savedAccessKey);
    }
    if (savedSecretKey == null) {
      System.clearProperty("aws.secretAccessKey");
    } else {
      System.setProperty("aws.secretAccessKey", savedSecretKey);
    }
    s3.close();
  }

  private int replay(FakeS3.Request r, byte[] body, String headerName, String headerValue)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(s3.endpoint() + r.rawPath()))
            .method(r.method(), HttpRequest.BodyPublishers.ofByteArray(body));
    r.headers()
        .forEach(
            (k, v) -> {
              if (!UNSETTABLE.contains(k)) {
                b.header(k, k.equals(headerName) ? headerValue : v.get(0));
              }
            });
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(b.build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void aSignedUploadReplaysOnlyUnchanged() throws Exception {
    BackupLocation.S3 loc = BackupLocation.S3.parse("s3://bk1/p");
    try (S3BackupStore store = S3BackupStore.open(loc, "eu-central-1", s3.endpoint())) {
      byte[] blob = "sealed-bytes-0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Instant now = Instant.now();
      BackupStore.Meta m =
          store.put(
              new BackupStore.Meta(null, "EU", now, now, BackupAudit.sha256(blob), blob.length),
              blob);
      assertArrayEquals(blob, store.read(m.ref()).blob());
      List<BackupStore.Meta> listed = store.list("EU");
      assertEquals(1, listed.size());
      assertEquals(
          List.of(m.ref(), "EU", now, m.sha256()),
          List.of(
              listed.get(0).ref(),
              listed.get(0).zone(),
              listed.get(0).createdAt(),
              listed.get(0).sha256()));
    }
    FakeS3.Request put = s3.requests("PUT").get(0);
    assertTrue(
        put.header("x-amz-content-sha256").startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        "over plain HTTP the SDK signs every chunk: " + put.header("x-amz-content-sha256"));

    assertEquals(200, replay(put, put.body(), null, null));
    byte[] flipped = put.body().clone();
    int dataStart =
        new String(flipped, java.nio.charset.StandardCharsets.US_ASCII).indexOf("\r\n") + 2;
    flipped[dataStart] ^= 1;
    assertEquals(
        403, replay(put, flipped, null, null), "a changed body byte breaks the chunk signature");
    assertEquals(
        403, replay(put, put.body(), "x-amz-meta-zone", "US"), "signed metadata cannot be changed");
    String auth = put.header("authorization");
    String otherSig = auth.substring(0, auth.length() - 1) + (auth.endsWith("0") ? "1" : "0");
    assertEquals(403, replay(put, put.body(), "authorization", otherSig));
  }
}
