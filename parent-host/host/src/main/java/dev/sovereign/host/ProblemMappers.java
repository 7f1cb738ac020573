package dev.sovereign.host;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps every failure to problem+json with a stable code; causes are logged here, never answered.
 * Refusals at the edge (zone not served, payload too large, wrong content type, malformed envelope)
 * are counted for the audit log by code ({@link HostService#refusedAtEdge}).
 */
public final class ProblemMappers {
  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  private final HostService host;

  public ProblemMappers(HostService host) {
    this.host = host;
  }

  @ServerExceptionMapper
  public Response problem(Problem p) {
    host.refusedAtEdge(p.code());
    return p.toResponse();
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    String code;
    if (e instanceof NotFoundException) {
      code = "not-found";
    } else if (e instanceof NotAllowedException) {
      code = "method-not-allowed";
    } else if (e instanceof NotSupportedException) {
      code = "unsupported-media-type";
    } else if (e instanceof NotAcceptableException) {
      code = "not-acceptable";
    } else if (status == 413) {
      code = "payload-too-large";
    } else if (status >= 500) {
      code = "internal";
    } else {
      code = "bad-request";
    }
    host.refusedAtEdge(code);
    return new Problem(status, code, defaultDetail(status)).toResponse();
  }

  @ServerExceptionMapper
  public Response unexpected(Exception e) {
    LOG.errorf(e, "unexpected failure");
    return new Problem(500, "internal", "the host failed on its own side").toResponse();
  }

  private static String defaultDetail(int status) {
    return switch (status) {
      case 404 -> "no such resource";
      case 405 -> "method not allowed on this resource";
      case 406 -> "cannot produce the requested media type";
      case 413 -> "request body too large";
      case 415 -> "unsupported content type";
      default -> status >= 500 ? "the host failed on its own side" : "the request is not valid";
    };
  }
}
