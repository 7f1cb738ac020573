package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * The instance role's temporary credentials from IMDSv2: {@code PUT /latest/api/token}, then {@code
 * GET /latest/meta-data/iam/security-credentials/} (the role name) and {@code .../<role>} (JSON
 * with {@code AccessKeyId}, {@code SecretAccessKey}, {@code Token}, {@code Expiration}). Errors
 * name the step and the HTTP status, never a response body.
 */
final class ImdsCredentials {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "/latest/meta-data/iam/security-credentials/";

  /** One set of credentials; {@link #toString()} shows the access key id only. */
  record Credentials(
      String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {
    @Override
    public String toString() {
      return "Credentials[" + accessKeyId + ", expires " + expiration + "]";
    }
  }

  private final URI endpoint;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER)
          .proxy(HttpClient.Builder.NO_PROXY)
          .build();

  ImdsCredentials(URI endpoint) {
    this.endpoint = endpoint;
  }

  Credentials fetch() throws IOException, InterruptedException {
    String token =
        send(
            HttpRequest.newBuilder(endpoint.resolve("/latest/api/token"))
                .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
                .PUT(HttpRequest.BodyPublishers.noBody()),
            "token");
    String role = send(get(BASE, token), "role name").lines().findFirst().orElse("").trim();
    if (!role.matches("[\\w+=,.@-]{1,128}")) {
      throw new IOException("IMDS role name is not an IAM role name");
    }
    JsonNode n = JSON.readTree(send(get(BASE + role, token), "role credentials"));
    if (!"Success".equals(n.path("Code").asText())
        || !n.path("AccessKeyId").isTextual()
        || !n.path("SecretAccessKey").isTextual()
        || !n.path("Token").isTextual()) {
      throw new IOException(
          "IMDS role credentials lack Code=Success, AccessKeyId, SecretAccessKey or Token");
    }
    Instant expiration;
    try {
      expiration = Instant.parse(n.path("Expiration").asText());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IOException("IMDS role credentials have no valid Expiration");
    }
    return new Credentials(
        n.get("AccessKeyId").asText(),
        n.get("SecretAccessKey").asText(),
        n.get("Token").asText(),
        expiration);
  }

  private HttpRequest.Builder get(String path, String token) {
    return HttpRequest.newBuilder(endpoint.resolve(path))
        .header("X-aws-ec2-metadata-token", token)
        .GET();
  }

  private String send(HttpRequest.Builder request, String step)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("IMDS " + step + ": HTTP " + r.statusCode());
    }
    return r.body();
  }
}
