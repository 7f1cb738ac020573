package dev.sovereign.host;

import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.gateway.FabricChaincodeEvents;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import jakarta.annotation.PreDestroy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * {@code GET /1.0/identifiers/{did}}: the Universal Resolver driver interface. The body is always a
 * DID Resolution result; the status follows the driver convention (200, 400 invalidDid, 404
 * notFound, 406 representationNotSupported, 410 deactivated, 501 methodNotSupported).
 */
@Path("/1.0/identifiers")
@Tag(name = "resolver")
public class ResolverResource {
  /** The DID Resolution result media type. */
  public static final String RESOLUTION =
      "application/ld+json;profile=\"https://w3id.org/did-resolution\"";

  private static final Logger LOG = Logger.getLogger(ResolverResource.class);

  private final CachingDidResolver resolver;
  private FabricGatewayConnection events;
  private FabricChaincodeEvents follower;

  /**
   * The host's resolvers behind a cache. With a Fabric network configured ({@code
   * sovereign.host.did.fabric.gateway}), the cache follows the did:fabric chaincode events of the
   * channel: a committed update or deactivation drops the cached answer for that DID when the event
   * arrives (measured on a local two-organisation network in FabricResolverEventsIT), instead of
   * after the staleness bound of cached answers.
   */
  public ResolverResource(HostConfig config) {
    this.resolver = CachingDidResolver.builder(DidResolvers.standard(config.did())).build();
    if (config.did().get(FabricGatewayConnection.GATEWAY) != null) {
      try {
        events = FabricGatewayConnection.connect(config.did());
        follower =
            FabricChaincodeEvents.follow(
                events.ledger().gateway().getNetwork(events.ledger().network()),
                events.ledger().chaincode(),
                resolver,
                resolver::invalidateAll);
      } catch (java.io.IOException | RuntimeException e) {
        // the class only: a message may quote a file path or a raw crypto error
        LOG.warnf(
            "did:fabric chaincode events not followed (cached answers expire after %s): %s",
            resolver.latestTtl(), e.getClass().getSimpleName());
        close();
      }
    }
  }

  /** Stops following events and closes the connection used for them. */
  @PreDestroy
  void close() {
    if (follower != null) {
      follower.close();
      follower = null;
    }
    if (events != null) {
      events.close();
      events = null;
    }
  }

  @GET
  @Path("/{did}")
  @Operation(
      summary =
          "Resolve a DID (did:key, did:fabric, did:ethr as configured); versionId/versionTime for history")
  public Response resolve(
      @PathParam("did") String did,
      @QueryParam("versionId") String versionId,
      @QueryParam("versionTime") String versionTime) {
    ResolutionOptions options;
    try {
      options =
          new ResolutionOptions(
              Optional.ofNullable(versionId),
              Optional.ofNullable(versionTime).map(Instant::parse),
              Optional.empty(),
              java.util.Map.of());
    } catch (IllegalArgumentException | DateTimeParseException e) {
      DidResolutionResult bad =
          DidResolutionResult.error(
              ResolutionError.INVALID_OPTIONS,
              "versionId and versionTime are exclusive; versionTime is an ISO-8601 instant");
      return Response.status(400).type(RESOLUTION).entity(DidJson.write(bad)).build();
    }
    DidResolutionResult r = resolver.resolve(did, options);
    int status = r.error().map(ResolverResource::status).orElse(r.isDeactivated() ? 410 : 200);
    return Response.status(status).type(RESOLUTION).entity(DidJson.write(r)).build();
  }

  private static int status(ResolutionError e) {
    return switch (e) {
      case INVALID_DID, INVALID_DID_URL, INVALID_OPTIONS -> 400;
      case NOT_FOUND -> 404;
      case REPRESENTATION_NOT_SUPPORTED -> 406;
      case METHOD_NOT_SUPPORTED -> 501;
      case INVALID_DID_DOCUMENT, INTERNAL_ERROR -> 500;
    };
  }
}
