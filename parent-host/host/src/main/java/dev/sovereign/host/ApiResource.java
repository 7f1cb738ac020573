package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The public and admin REST API of the host (DESIGN section 1; API reference in docs/api.md). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ApiResource {
  private static final Pattern ROUND_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern NONCE = Pattern.compile("(?:[0-9a-fA-F]{2}){1,64}");

  /** The JWE media type producers send; plain text is accepted too for curl users. */
  public static final String JOSE = "application/jose";

  private final HostService host;
  private final HostConfig config;
  private final AdminAuth admin;
  private final ClientBuckets buckets;

  public ApiResource(HostService host, HostConfig config, AdminAuth admin, ClientBuckets buckets) {
    this.host = host;
    this.config = config;
    this.admin = admin;
    this.buckets = buckets;
  }

  @GET
  @Path("/attestation")
  @Tag(name = "producers")
  @Operation(
      summary =
          "The enclave's attestation document for a fresh nonce, with its encryption key and DID")
  public Map<String, Object> attestation(@QueryParam("nonce") String nonce) {
    if (nonce == null || !NONCE.matcher(nonce).matches()) {
      throw Problem.badRequest("invalid-nonce", "nonce must be 1 to 64 bytes of hex");
    }
    Message.Attestation a =
        host.call(new Message.Attest(nonce.toLowerCase()), Message.Attestation.class);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("document", a.document());
    out.put("enclaveDid", a.enclaveDid());
    out.put("encryptionKey", a.encryptionKey());
    out.put("kid", a.kid());
    return out;
  }

  /** Body of {@code POST /v1/rounds}. */
  public record OpenRoundRequest(String round, String dataset) {}

  @POST
  @Path("/rounds")
  @Consumes(MediaType.APPLICATION_JSON)
  @Tag(name = "admin")
  @Operation(summary = "Open a round for a dataset (admin)")
  public Response openRound(@HeaderParam("Authorization") String auth, OpenRoundRequest req) {
    admin.require(auth);
    if (req == null || req.round() == null || !ROUND_ID.matcher(req.round()).matches()) {
      throw Problem.badRequest("invalid-round-id", "round must match " + ROUND_ID.pattern());
    }
    if (req.dataset() == null || req.dataset().isBlank()) {
      throw Problem.badRequest("invalid-dataset", "dataset is required");
    }
    Message.RoundOpened o = host.openRound(req.round(), req.dataset());
    return Response.status(201)
        .entity(
            Map.of(
                "round",
                o.round(),
                "dataset",
                o.dataset(),
                "policySha256",
                o.policySha256(),
                "state",
                "open"))
        .build();
  }

  /** Body of {@code POST /v1/evidence}: status list credentials by URL. */
  public record EvidenceRequest(Map<String, String> statusLists) {}

  @POST
  @Path("/evidence")
  @Consumes(MediaType.APPLICATION_JSON)
  @Tag(name = "admin")
  @Operation(summary = "Relay status list credentials to the enclave, which verifies them (admin)")
  public Map<String, Object> evidence(
      @HeaderParam("Authorization") String auth, EvidenceRequest req) {
    admin.require(auth);
    if (req == null || req.statusLists() == null || req.statusLists().isEmpty()) {
      throw Problem.badRequest(
          "invalid-evidence", "statusLists must map URLs to status list credentials");
    }
    Message.EvidenceStored s = host.supplyStatusLists(req.statusLists());
    if (!s.refusedStatusLists().isEmpty()) {
      // the enclave's verdict, not the host's: a list it could not verify, or one older than the
      // list it holds for the URL, is refused with its reason code and replaces nothing
      throw new Problem(
          422,
          "status-list-refused",
          s.refusedStatusLists().size()
              + " of "
              + req.statusLists().size()
              + " status lists refused by the enclave ("
              + s.statusLists()
              + " stored): "
              + s.refusedStatusLists().entrySet().stream()
                  .map(e -> e.getKey() + " " + e.getValue())
                  .collect(java.util.stream.Collectors.joining(", ")));
    }
    return Map.of("statusLists", s.statusLists());
  }

  @POST
  @Path("/rounds/{round}/payloads")
  @Consumes({JOSE, MediaType.TEXT_PLAIN})
  @Tag(name = "producers")
  @Operation(
      summary =
          "Submit a producer payload (compact JWE); 202 once stored durably, idempotent by payload id")
  public Response submit(@PathParam("round") String round, String body) {
    if (!ROUND_ID.matcher(round).matches()) {
      throw Problem.notFound("unknown-round", "no such round");
    }
    String jwe = host.compactJweBody(body, "the body must be a compact JWE");
    HostService.BatchOutcome stored = host.submit(round, jwe);
    // the JSON written directly, not through Jackson's object mapping of a Map on every submit:
    // every value is JSON-safe as it stands (a hex id, a round id matching ROUND_ID, a constant)
    String json =
        "{\"payloadId\":\""
            + stored.payloadId()
            + "\",\"round\":\""
            + round
            + "\",\"status\":\""
            + stored.status()
            + "\"}";
    return Response.status(202).type(MediaType.APPLICATION_JSON_TYPE).entity(json).build();
  }

  /**
   * Body of {@code POST /v1/rounds/{round}/payloads/batch} (documentation; the endpoint reads it
   * with a streaming parser).
   */
  @Schema(description = "Compact JWEs, each exactly as POST /v1/rounds/{round}/payloads takes it")
  public record BatchRequest(List<String> payloads) {}

  /** One item's outcome in a batch's answer (documentation). */
  @Schema(
      description =
          "status stored or already-stored with payloadId (acknowledged as a 202 acknowledges one"
              + " payload), or refused with code and detail (nothing of it stored)")
  public record BatchItemAnswer(String payloadId, String status, String code, String detail) {}

  /** The answer of a batch (documentation). */
  @Schema(description = "Per item, in the request's order")
  public record BatchAnswer(
      String round, int stored, int alreadyStored, int refused, List<BatchItemAnswer> results) {}

  @POST
  @Path("/rounds/{round}/payloads/batch")
  @Consumes(MediaType.APPLICATION_JSON)
  @Tag(name = "producers")
  @Operation(
      summary =
          "Submit many producer payloads in one request; all stored durably in one transaction"
              + " before the answer, each with its own outcome",
      description =
          "Body {\"payloads\": [compact JWE, ...]}, at most sovereign.host.max-batch-payloads"
              + " items (default 128) and sovereign.host.max-batch-bytes bytes (default 983040)."
              + " 200 with one result per item in order: stored / already-stored (idempotent by"
              + " payload id, duplicates within the batch included) or refused with the code the"
              + " single endpoint would answer (malformed-payload, payload-too-large,"
              + " zone-not-served). A refusal of the whole request (unknown-round, round-closed,"
              + " round-expired, keys-not-sealed, store-unavailable, malformed-batch,"
              + " too-many-payloads, batch-too-large, rate-limited: one token per payload) stores"
              + " nothing.")
  @RequestBody(content = @Content(schema = @Schema(implementation = BatchRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "Every item answered; those answered stored or already-stored are durable",
      content = @Content(schema = @Schema(implementation = BatchAnswer.class)))
  public Response submitBatch(
      @PathParam("round") String round,
      @Context io.vertx.core.http.HttpServerRequest request,
      byte[] body) {
    if (!ROUND_ID.matcher(round).matches()) {
      throw Problem.notFound("unknown-round", "no such round");
    }
    if (body == null || body.length == 0) {
      throw Problem.badRequest("malformed-batch", "the body must be {\"payloads\": [...]}");
    }
    if (body.length > config.maxBatchBytes()) {
      throw new Problem(
          413, "batch-too-large", "the batch exceeds " + config.maxBatchBytes() + " bytes");
    }
    List<String> jwes = BatchBody.read(body, config.maxBatchPayloads());
    if (!buckets.takeMore(ClientBuckets.client(request), jwes.size() - 1)) {
      throw RateLimitFilter.rateLimited(); // counted per payload; none of them stored
    }
    List<HostService.BatchOutcome> outcomes = host.submitBatch(round, jwes);
    return Response.ok(BatchBody.answer(round, outcomes), MediaType.APPLICATION_JSON_TYPE).build();
  }

  @GET
  @Path("/rounds/{round}")
  @Tag(name = "producers")
  @Operation(summary = "A round's state and its verdict counts by reason code")
  public Map<String, Object> round(@PathParam("round") String round) {
    Inbox.RoundRecord r = host.roundRecord(round);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("round", r.round());
    out.put("dataset", r.dataset());
    out.put("policySha256", r.policySha256());
    out.put("state", r.state());
    r.expiresAt().ifPresent(t -> out.put("expiresAt", t.toString()));
    out.put("counts", host.counts(round));
    return out;
  }

  @POST
  @Path("/rounds/{round}/close")
  @Tag(name = "admin")
  @Operation(
      summary =
          "Close a round: drain the inbox into the enclave and publish the signed result (admin)")
  public Map<String, Object> close(
      @HeaderParam("Authorization") String auth, @PathParam("round") String round) {
    admin.require(auth);
    String credential = host.closeRound(round);
    return Map.of("round", round, "state", "closed", "result", credential);
  }

  @POST
  @Path("/backup")
  @Tag(name = "admin")
  @Operation(
      summary = "Seal the enclave's state now and return the sealed blob (ciphertext; admin)")
  public Map<String, Object> backup(@HeaderParam("Authorization") String auth) {
    admin.require(auth);
    SealStore.Seal s = host.sealNow();
    try {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("sealedState", java.util.Base64.getEncoder().encodeToString(s.blob()));
      out.put("createdAt", s.createdAt().toString());
      out.put("rounds", new java.util.TreeSet<>(s.rounds()));
      out.put("zones", config.zones());
      return out;
    } catch (java.io.IOException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read the sealed state");
    }
  }

  /** Body of {@code POST /v1/restore}: a sealed blob (base64). */
  public record RestoreRequest(String sealedState) {}

  @POST
  @Path("/restore")
  @Consumes(MediaType.APPLICATION_JSON)
  @Tag(name = "admin")
  @Operation(
      summary =
          "Feed a sealed blob to the enclave, which opens it only if the key broker releases its key (admin)")
  public Map<String, Object> restore(
      @HeaderParam("Authorization") String auth, RestoreRequest req) {
    admin.require(auth);
    byte[] blob;
    try {
      blob =
          java.util.Base64.getDecoder()
              .decode(req == null || req.sealedState() == null ? "" : req.sealedState());
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("invalid-sealed-state", "sealedState must be base64");
    }
    if (blob.length == 0) {
      throw Problem.badRequest("invalid-sealed-state", "sealedState is required");
    }
    Message.Restored r = host.restore(blob);
    return Map.of("restored", true, "openRounds", r.rounds());
  }

  @GET
  @Path("/audit")
  @Produces("application/x-ndjson")
  @Tag(name = "admin")
  @Operation(
      summary =
          "The host's hash-chained audit log as JSON lines (admin), ending with an enclave-signed"
              + " head that covers every entry in it; Sovereign-Audit-Entries and"
              + " Sovereign-Audit-Log-Entries say where it stopped; check it offline with"
              + " ./sovereign audit verify")
  public Response audit(@HeaderParam("Authorization") String auth) {
    admin.require(auth);
    HostAudit.Export export = host.exportAudit();
    return Response.ok(export.bytes(), "application/x-ndjson")
        .header("Sovereign-Audit-Entries", export.entries())
        .header("Sovereign-Audit-Log-Entries", export.logEntries())
        .build();
  }

  @GET
  @Path("/rounds/{round}/result")
  @Tag(name = "regulators")
  @Operation(summary = "The round's result credential (vc+jwt signed by the enclave DID)")
  public Response result(@PathParam("round") String round) {
    Inbox.RoundRecord r = host.roundRecord(round);
    String credential =
        r.result()
            .orElseThrow(
                () ->
                    r.state().equals("open") || r.state().equals("closing")
                        ? new Problem(409, "round-open", "the round is not closed yet")
                        : new Problem(
                            409,
                            "no-result",
                            "the round ended (" + r.state() + ") without a result"));
    return Response.ok(credential, "application/vc+jwt").build();
  }
}
