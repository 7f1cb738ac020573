package dev.sovereign.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small S3-compatible endpoint for tests only (JDK HttpServer on loopback, path-style {@code
 * /bucket/key}): PutObject (plain or {@code aws-chunked} bodies with trailing CRC32), GetObject,
 * HeadObject, DeleteObject and ListObjectsV2 with the XML S3 answers. Every request is checked as
 * S3 checks it: a SigV4 {@code Authorization} header whose signature is recomputed from the request
 * with the one known secret ({@code 403 SignatureDoesNotMatch} otherwise), a signed {@code
 * x-amz-content-sha256} that matches the body when it is a digest; for signed aws-chunked uploads
 * the chain of chunk signatures, the trailer signature, the decoded length and the trailing CRC32.
 * Requests are recorded as received, so tests assert the SDK's bytes.
 */
public final class FakeS3 implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIAFAKES3TESTKEY0001";
  public static final String SECRET_KEY = "fakeS3SecretKey/DoNotLeak+0123456789abcdef";

  /** One request as the server saw it. Header names lower-case. */
  public record Request(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    public String header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  /** A stored object. */
  public record StoredObject(byte[] body, Map<String, String> userMetadata, Instant lastModified) {}

  private record Failure(String method, int status, String code, String message) {}

  private static final Pattern AUTH =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/s3/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})");
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final HttpServer server;
  public final Map<String, StoredObject> objects = new ConcurrentHashMap<>(); // "bucket/key"
  public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> buckets;
  private volatile Failure failure;
  public volatile int pageSize = 1000;

  /**
   * The region requests must be signed for (S3 refuses others with AuthorizationHeaderMalformed).
   */
  public volatile String region = "eu-central-1";

  public FakeS3(String... buckets) throws IOException {
    this.buckets = List.of(buckets);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on every request with {@code method} ("*" for all) gets this S3 error answer. */
  public void failWith(String method, int status, String code, String message) {
    failure = new Failure(method, status, code, message);
  }

  public void put(String bucket, String key, byte[] body, Map<String, String> userMetadata) {
    objects.put(
        bucket + "/" + key,
        new StoredObject(body.clone(), Map.copyOf(userMetadata), Instant.now()));
  }

  public List<Request> requests(String method) {
    synchronized (requests) {
      return requests.stream().filter(r -> r.method().equals(method)).toList();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      Map<String, List<String>> headers = new TreeMap<>();
      x.getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      byte[] raw = x.getRequestBody().readAllBytes();
      URI uri = x.getRequestURI();
      Request req =
          new Request(x.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, raw);
      requests.add(req);

      Failure f = failure;
      if (f != null && (f.method().equals("*") || f.method().equals(req.method()))) {
        error(x, f.status(), f.code(), f.message());
        return;
      }
      Signed sig = checkSignature(req);
      if (sig.problem() != null) {
        error(
            x,
            403,
            sig.problem(),
            "The request signature we calculated does not match the signature you provided.");
        return;
      }
      byte[] body;
      try {
        body = payload(req, sig);
      } catch (IllegalArgumentException e) {
        error(
            x,
            e.getMessage().equals("SignatureDoesNotMatch") ? 403 : 400,
            e.getMessage(),
            "The payload did not match its signature, declared digest, length or checksum.");
        return;
      }

      String path = uri.getPath(); // percent-decoded
      String rest = path.substring(1);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String key = slash < 0 || slash == rest.length() - 1 ? null : rest.substring(slash + 1);
      if (!buckets.contains(bucket)) {
        error(x, 404, "NoSuchBucket", "The specified bucket does not exist");
        return;
      }
      Map<String, String> query = query(req.rawQuery());
      switch (req.method()) {
        case "PUT" -> {
          Map<String, String> meta = new LinkedHashMap<>();
          headers.forEach(
              (k, v) -> {
                if (k.startsWith("x-amz-meta-")) {
                  meta.put(k.substring("x-amz-meta-".length()), v.get(0));
                }
              });
          objects.put(bucket + "/" + key, new StoredObject(body, meta, Instant.now()));
          x.getResponseHeaders().add("ETag", etag(body));
          x.sendResponseHeaders(200, -1);
        }
        case "GET", "HEAD" -> {
          if (key == null && "2".equals(query.get("list-type"))) {
            list(x, bucket, query);
            return;
          }
          StoredObject o = objects.get(bucket + "/" + key);
          if (o == null) {
            error(x, 404, "NoSuchKey", "The specified key does not exist.");
            return;
          }
          x.getResponseHeaders().add("ETag", etag(o.body()));
          x.getResponseHeaders().add("Last-Modified", HTTP_DATE.format(o.lastModified()));
          x.getResponseHeaders().add("Content-Type", "application/octet-stream");
          o.userMetadata().forEach((k, v) -> x.getResponseHeaders().add("x-amz-meta-" + k, v));
          if (req.method().equals("HEAD")) {
            x.sendResponseHeaders(200, -1);
          } else {
            x.sendResponseHeaders(200, o.body().length == 0 ? -1 : o.body().length);
            x.getResponseBody().write(o.body());
          }
        }
        case "DELETE" -> {
          objects.remove(bucket + "/" + key);
          x.sendResponseHeaders(204, -1);
        }
        default ->
            error(
                x,
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.");
      }
    }
  }

  private void list(HttpExchange x, String bucket, Map<String, String> q) throws IOException {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = q.get("delimiter");
    String after =
        q.containsKey("continuation-token")
            ? new String(
                Base64.getDecoder().decode(q.get("continuation-token")), StandardCharsets.UTF_8)
            : "";
    boolean url = "url".equals(q.get("encoding-type"));
    TreeMap<String, StoredObject> keys = new TreeMap<>();
    objects.forEach(
        (k, v) -> {
          if (k.startsWith(bucket + "/")) {
            keys.put(k.substring(bucket.length() + 1), v);
          }
        });
    StringBuilder contents = new StringBuilder();
    List<String> common = new ArrayList<>();
    int n = 0;
    String last = null;
    boolean truncated = false;
    for (Map.Entry<String, StoredObject> e : keys.tailMap(after, false).entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(prefix)) {
        continue;
      }
      if (n == pageSize) {
        truncated = true;
        break;
      }
      int d = delimiter == null ? -1 : k.indexOf(delimiter, prefix.length());
      if (d >= 0) {
        String cp = k.substring(0, d + delimiter.length());
        if (!common.contains(cp)) {
          common.add(cp);
        }
        continue;
      }
      contents
          .append("<Contents><Key>")
          .append(xml(k, url))
          .append("</Key><LastModified>")
          .append(e.getValue().lastModified())
          .append("</LastModified><ETag>")
          .append(xml(etag(e.getValue().body()), false))
          .append("</ETag><Size>")
          .append(e.getValue().body().length)
          .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
      n++;
      last = k;
    }
    StringBuilder b =
        new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .append("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>")
            .append(bucket)
            .append("</Name><Prefix>")
            .append(xml(prefix, url))
            .append("</Prefix><KeyCount>")
            .append(n)
            .append("</KeyCount><MaxKeys>")
            .append(pageSize)
            .append("</MaxKeys>");
    if (delimiter != null) {
      b.append("<Delimiter>").append(xml(delimiter, url)).append("</Delimiter>");
    }
    b.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (truncated) {
      b.append("<NextContinuationToken>")
          .append(Base64.getEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)))
          .append("</NextContinuationToken>");
    }
    b.append(contents);
    common.forEach(
        cp ->
            b.append("<CommonPrefixes><Prefix>")
                .append(xml(cp, url))
                .append("</Prefix></CommonPrefixes>"));
    if (url) {
      b.append("<EncodingType>url</EncodingType>");
    }
    b.append("</ListBucketResult>");
    send(x, 200, b.toString());
  }

  /** A checked SigV4 header: the signing context, or the S3 error code in {@code problem}. */
  private record Signed(String problem, String date, String scope, byte[] key, String signature) {
    static Signed refused(String code) {
      return new Signed(code, null, null, null, null);
    }
  }

  /** S3's check of the SigV4 header, recomputed from the request as received. */
  private Signed checkSignature(Request r) {
    String auth = r.header("authorization");
    String date = r.header("x-amz-date");
    String payloadHash = r.header("x-amz-content-sha256");
    if (auth == null || date == null || payloadHash == null) {
      return Signed.refused("AccessDenied");
    }
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) {
      return Signed.refused("AuthorizationHeaderMalformed");
    }
    if (!m.group(1).equals(ACCESS_KEY)) {
      return Signed.refused("InvalidAccessKeyId");
    }
    if (!m.group(3).equals(region) || !date.startsWith(m.group(2))) {
      return Signed.refused("AuthorizationHeaderMalformed");
    }
    StringBuilder canonical =
        new StringBuilder(r.method()).append('\n').append(r.rawPath()).append('\n');
    List<String> pairs = new ArrayList<>();
    if (r.rawQuery() != null && !r.rawQuery().isEmpty()) {
      for (String p : r.rawQuery().split("&")) {
        int eq = p.indexOf('=');
        String k = eq < 0 ? p : p.substring(0, eq);
        String v = eq < 0 ? "" : p.substring(eq + 1);
        pairs.add(enc(dec(k)) + "=" + enc(dec(v)));
      }
    }
    Collections.sort(pairs);
    canonical.append(String.join("&", pairs)).append('\n');
    String signed = m.group(4);
    if (!List.of(signed.split(";")).contains("host")
        || !List.of(signed.split(";")).contains("x-amz-content-sha256")) {
      return Signed.refused("AccessDenied");
    }
    for (String h : signed.split(";")) {
      List<String> v = r.headers().get(h);
      if (v == null) {
        return Signed.refused("AccessDenied");
      }
      canonical
          .append(h)
          .append(':')
          .append(String.join(",", v.stream().map(s -> s.strip().replaceAll(" +", " ")).toList()))
          .append('\n');
    }
    canonical.append('\n').append(signed).append('\n').append(payloadHash);
    String scope = m.group(2) + "/" + m.group(3) + "/s3/aws4_request";
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + date
            + "\n"
            + scope
            + "\n"
            + HexFormat.of()
                .formatHex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] k = hmac(("AWS4" + SECRET_KEY).getBytes(StandardCharsets.UTF_8), m.group(2));
    k = hmac(k, m.group(3));
    k = hmac(k, "s3");
    k = hmac(k, "aws4_request");
    String expected = HexFormat.of().formatHex(hmac(k, toSign));
    return MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            m.group(5).getBytes(StandardCharsets.US_ASCII))
        ? new Signed(null, date, scope, k, expected)
        : Signed.refused("SignatureDoesNotMatch");
  }

  /**
   * The object bytes: the body itself (its digest checked if one was signed) or the decoded
   * aws-chunked body.
   */
  private static byte[] payload(Request r, Signed sig) {
    String hash = r.header("x-amz-content-sha256");
    if (hash.startsWith("STREAMING-")) {
      return dechunk(r, hash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") ? sig : null);
    }
    if (!hash.equals("UNSIGNED-PAYLOAD")
        && !hash.equals(HexFormat.of().formatHex(sha256(r.body())))) {
      throw new IllegalArgumentException("XAmzContentSHA256Mismatch");
    }
    return r.body();
  }

  /**
   * {@code hex-size[;chunk-signature=...]\r\n data \r\n ... 0...\r\n [trailer: value\r\n]* \r\n};
   * with {@code sig} each chunk's signature (chained from the header's) and the trailer's are
   * checked.
   */
  private static byte[] dechunk(Request r, Signed sig) {
    String empty = HexFormat.of().formatHex(sha256(new byte[0]));
    String prev = sig == null ? null : sig.signature();
    byte[] b = r.body();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Map<String, String> trailers = new LinkedHashMap<>();
    int i = 0;
    while (true) {
      int eol = indexOfCrlf(b, i);
      if (eol < 0) {
        throw new IllegalArgumentException("IncompleteBody");
      }
      String line = new String(b, i, eol - i, StandardCharsets.US_ASCII);
      String[] parts = line.split(";", 2);
      int size = Integer.parseInt(parts[0].strip(), 16);
      i = eol + 2;
      if (sig != null) {
        String chunkHash =
            HexFormat.of().formatHex(sha256(java.util.Arrays.copyOfRange(b, i, i + size)));
        String expected =
            HexFormat.of()
                .formatHex(
                    hmac(
                        sig.key(),
                        "AWS4-HMAC-SHA256-PAYLOAD\n"
                            + sig.date()
                            + "\n"
                            + sig.scope()
                            + "\n"
                            + prev
                            + "\n"
                            + empty
                            + "\n"
                            + chunkHash));
        if (parts.length < 2 || !parts[1].equals("chunk-signature=" + expected)) {
          throw new IllegalArgumentException("SignatureDoesNotMatch");
        }
        prev = expected;
      }
      if (size == 0) {
        break;
      }
      out.write(b, i, size);
      i += size + 2;
    }
    while (i < b.length) {
      int eol = indexOfCrlf(b, i);
      if (eol < 0 || eol == i) {
        break;
      }
      String line = new String(b, i, eol - i, StandardCharsets.US_ASCII);
      int colon = line.indexOf(':');
      trailers.put(
          line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip());
      i = eol + 2;
    }
    if (sig != null && r.header("x-amz-trailer") != null) {
      String trailerSig = trailers.remove("x-amz-trailer-signature");
      StringBuilder canonical = new StringBuilder();
      trailers.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
      String expected =
          HexFormat.of()
              .formatHex(
                  hmac(
                      sig.key(),
                      "AWS4-HMAC-SHA256-TRAILER\n"
                          + sig.date()
                          + "\n"
                          + sig.scope()
                          + "\n"
                          + prev
                          + "\n"
                          + HexFormat.of()
                              .formatHex(
                                  sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)))));
      if (!expected.equals(trailerSig)) {
        throw new IllegalArgumentException("SignatureDoesNotMatch");
      }
    }
    byte[] data = out.toByteArray();
    String declared = r.header("x-amz-decoded-content-length");
    if (declared == null || Long.parseLong(declared) != data.length) {
      throw new IllegalArgumentException("IncompleteBody");
    }
    String crc = trailers.get("x-amz-checksum-crc32");
    if (crc != null) {
      CRC32 c = new CRC32();
      c.update(data);
      String mine =
          Base64.getEncoder()
              .encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
      if (!mine.equals(crc)) {
        throw new IllegalArgumentException("BadDigest");
      }
    }
    return data;
  }

  private static int indexOfCrlf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static void error(HttpExchange x, int status, String code, String message)
      throws IOException {
    String body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
            + code
            + "</Code><Message>"
            + xml(message, false)
            + "</Message><RequestId>FAKE0000</RequestId><HostId>fake</HostId></Error>";
    if (x.getRequestMethod().equals("HEAD")) {
      x.sendResponseHeaders(status, -1);
      return;
    }
    send(x, status, body);
  }

  private static void send(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/xml");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null && !raw.isEmpty()) {
      for (String p : raw.split("&")) {
        int eq = p.indexOf('=');
        q.put(dec(eq < 0 ? p : p.substring(0, eq)), eq < 0 ? "" : dec(p.substring(eq + 1)));
      }
    }
    return q;
  }

  private static String dec(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** RFC 3986 encoding as SigV4 wants it. */
  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8)
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~");
  }

  private static String xml(String s, boolean urlEncode) {
    String v = urlEncode ? enc(s).replace("%2F", "/") : s;
    return v.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String etag(byte[] body) {
    try {
      return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)) + "\"";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
