package dev.sovereign.host;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 9457 problem details with a stable {@code code}. Answers carry our own words only: never an
 * exception class name, a stack trace or a crypto library's message.
 */
public final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The media type of problem answers. */
  public static final MediaType JSON = new MediaType("application", "problem+json");

  private final int status;
  private final String code;
  private final int retryAfterSeconds;

  public Problem(int status, String code, String detail) {
    this(status, code, detail, status == 429 ? 1 : 0);
  }

  /** A problem whose answer says when to try again ({@code Retry-After}, seconds; 0: not said). */
  public Problem(int status, String code, String detail, int retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The HTTP answer. */
  public Response toResponse() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "https://sovereign.dev/problems/" + code);
    body.put("title", code.replace('-', ' '));
    body.put("status", status);
    body.put("code", code);
    body.put("detail", getMessage());
    Response.ResponseBuilder b = Response.status(status).type(JSON).entity(body);
    if (retryAfterSeconds > 0) {
      b.header("Retry-After", Integer.toString(retryAfterSeconds));
    }
    return b.build();
  }

  public static Problem badRequest(String code, String detail) {
    return new Problem(400, code, detail);
  }

  public static Problem notFound(String code, String detail) {
    return new Problem(404, code, detail);
  }

  public static Problem unavailable(String code, String detail) {
    return new Problem(503, code, detail);
  }
}
