package dev.sovereign.host;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Bearer-token check for admin endpoints; constant-time comparison, no token configured = closed. */
@ApplicationScoped
public class AdminAuth {
  private final HostConfig config;

  public AdminAuth(HostConfig config) {
    this.config = config;
  }

  /** Throws 401 unless {@code authorization} is {@code Bearer <the configured token>}. */
  public void require(String authorization) {
    String token = config.adminToken().orElse("");
    if (token.isEmpty()) {
      throw new Problem(401, "unauthorized", "admin endpoints are disabled: no admin token is configured");
    }
    String expected = "Bearer " + token;
    if (authorization == null || !MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), authorization.getBytes(StandardCharsets.UTF_8))) {
      throw new Problem(401, "unauthorized", "admin endpoints need a valid bearer token");
    }
  }
}
