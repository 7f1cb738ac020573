package dev.sovereign.host;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /console} sends the browser to {@code /console/}, where the static operator console
 * ({@code META-INF/resources/console}, docs/console.md) is served.
 */
@Path("/console")
public class ConsoleResource {
  @GET
  @Tag(name = "operators")
  @Operation(summary = "The operator console (a static page over this API)")
  public Response console() {
    return Response.seeOther(URI.create("/console/")).build();
  }
}
