package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.audit.AuditVerifier;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Read-only status for the operator console (docs/console.md): what the enclave attests (public:
 * producers fetch the same document), and, with the admin credential, rounds, edge refusals, seals,
 * evidence relay and the audit chain. Answers hold ids, hashes, counts and reason codes only; never
 * payload content, keys, producer DIDs or client addresses.
 */
@Path("/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
  /** How long one attestation document is shown before a fresh one is asked for. */
  static final Duration ATTESTATION_REFRESH = Duration.ofSeconds(15);

  /** The audit chain is re-verified at most this often (it reads the whole file). */
  static final Duration AUDIT_REFRESH = Duration.ofSeconds(10);

  /** Rounds listed, newest first. */
  static final int ROUNDS_LISTED = 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HostService host;
  private final HostConfig config;
  private final AdminAuth admin;

  /** When this host first saw each enclave DID (an enclave's uptime as far as the host knows). */
  private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();

  private volatile Cached<Map<String, Object>> attestation;
  private volatile Cached<Map<String, Object>> auditStatus;

  private record Cached<T>(Instant at, T value, long key) {}

  public StatusResource(HostService host, HostConfig config, AdminAuth admin) {
    this.host = host;
    this.config = config;
    this.admin = admin;
  }

  @GET
  @Tag(name = "operators")
  @Operation(
      summary =
          "The host and its enclave: uptime, zones, the enclave's DID, policy hash, protocol version and"
              + " what its latest attestation document says (PCRs, time, root, user_data)")
  public Map<String, Object> status() {
    Instant now = Instant.now();
    HostActivity activity = host.activity();
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> h = new LinkedHashMap<>();
    Instant started = activity == null ? now : activity.startedAt();
    h.put("startedAt", started.toString());
    h.put("uptimeSeconds", Duration.between(started, now).toSeconds());
    h.put("zones", config.zones());
    h.put("protocol", Map.of("frameVersion", Frames.VERSION, "revision", Frames.REVISION));
    out.put("host", h);
    Map<String, Object> e = new LinkedHashMap<>();
    try {
      Message.HealthStatus health = host.health();
      e.put("reachable", true);
      e.put("status", health.status());
      e.put("did", health.enclaveDid());
      e.put("policySha256", health.policySha256());
      e.put("openRounds", health.openRounds());
      Instant seen = firstSeen.computeIfAbsent(health.enclaveDid(), d -> now);
      e.put("firstSeenAt", seen.toString());
      e.put("uptimeSeconds", Duration.between(seen, now).toSeconds());
      e.put("attestation", attestation(now));
    } catch (Problem p) {
      e.put("reachable", false);
      e.put("code", p.code());
    }
    out.put("enclave", e);
    return out;
  }

  /** The latest document's fields, parsed (not verified: producers and regulators verify). */
  private Map<String, Object> attestation(Instant now) {
    Cached<Map<String, Object>> c = attestation;
    if (c != null && Duration.between(c.at(), now).compareTo(ATTESTATION_REFRESH) < 0) {
      return withAge(c.value(), now);
    }
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    Message.Attestation a =
        host.call(new Message.Attest(HexFormat.of().formatHex(nonce)), Message.Attestation.class);
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      AttestationDocument d =
          AttestationDocuments.parse(java.util.Base64.getDecoder().decode(a.document()))
              .unverifiedDocument();
      Instant t = Instant.ofEpochMilli(d.timestampMillis());
      m.put("moduleId", d.moduleId());
      m.put("digest", d.digest());
      m.put("timestamp", t.toString());
      Map<String, String> pcrs = new LinkedHashMap<>();
      for (int i : new int[] {0, 1, 2, 3, 4, 8}) {
        byte[] v = d.pcrs().get(i);
        if (v != null) {
          pcrs.put(Integer.toString(i), HexFormat.of().formatHex(v));
        }
      }
      m.put("pcrs", pcrs);
      if (!d.cabundle().isEmpty()) {
        byte[] root = d.cabundle().get(0);
        m.put("rootSha256", HexFormat.of().formatHex(sha256(root)));
        m.put("rootSubject", subject(root));
      }
      byte[] ud = d.userData();
      if (ud != null) {
        try {
          JsonNode n = JSON.readTree(ud);
          Map<String, String> u = new LinkedHashMap<>();
          u.put("did", n.path("did").asText(""));
          u.put("policySha256", n.path("policySha256").asText(""));
          m.put("userData", u);
        } catch (IOException ex) {
          m.put("userData", Map.of("error", "user_data is not JSON"));
        }
      }
      m.put("kid", a.kid());
      m.put(
          "verified",
          "parsed by the host, not verified here: producers and regulators verify it against their"
              + " pinned root (./sovereign attestation verify)");
    } catch (AttestationRejectedException | IllegalArgumentException ex) {
      m.put("error", "the enclave's document does not parse");
    }
    attestation = new Cached<>(now, m, 0);
    return withAge(m, now);
  }

  private static Map<String, Object> withAge(Map<String, Object> m, Instant now) {
    Map<String, Object> out = new LinkedHashMap<>(m);
    if (m.get("timestamp") instanceof String t) {
      out.put("ageSeconds", Duration.between(Instant.parse(t), now).toSeconds());
    }
    return out;
  }

  @GET
  @Path("/operations")
  @Tag(name = "admin")
  @Operation(
      summary =
          "Rounds with their verdict counts, edge refusals, seals and backups, the evidence relay and"
              + " the inbox's queue (admin)")
  public Map<String, Object> operations(@HeaderParam("Authorization") String auth) {
    admin.require(auth);
    HostActivity activity = host.activity();
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      List<Map<String, Object>> rounds = new ArrayList<>();
      for (Inbox.RoundRecord r : host.inbox().recentRounds(ROUNDS_LISTED)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", r.round());
        m.put("dataset", r.dataset());
        m.put("state", r.state());
        m.put("policySha256", r.policySha256());
        m.put("counts", host.counts(r.round()));
        m.put("resultSha256", r.result().map(c -> hex(sha256(c))).orElse(null));
        rounds.add(m);
      }
      out.put("rounds", rounds);
      out.put("queue", Map.of("pending", host.inbox().pendingCount()));
    } catch (SQLException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read its inbox");
    }
    out.put("zones", config.zones());
    out.put("edgeRefusals", activity == null ? Map.of() : activity.edgeRefusals());
    out.put("verdictsSinceStart", activity == null ? Map.of() : activity.verdicts());
    Map<String, Object> seals = new LinkedHashMap<>();
    seals.put("enabled", host.sealing());
    seals.put("everyPayloads", config.seal().everyPayloads());
    seals.put("interval", config.seal().interval().toString());
    try {
      Optional<SealStore.Seal> latest =
          host.seals() == null ? Optional.empty() : host.seals().latest();
      if (latest.isPresent()) {
        SealStore.Seal s = latest.get();
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("createdAt", s.createdAt().toString());
        l.put("rounds", new java.util.TreeSet<>(s.rounds()));
        l.put("coveredPayloads", s.coveredPayloads().size());
        l.put("sealedSha256", hex(sha256(s.blob())));
        seals.put("latest", l);
      } else {
        seals.put("latest", null);
      }
    } catch (IOException e) {
      seals.put("latest", Map.of("error", "the host could not read its latest seal"));
    }
    if (activity != null) {
      seals.put("sealsSinceStart", activity.seals());
      seals.put("refusalsSinceStart", activity.sealRefusals());
      seals.put("restoresSinceStart", activity.restores());
    }
    out.put("seals", seals);
    Map<String, Object> relay = new LinkedHashMap<>();
    relay.put("sinceStart", activity == null ? Map.of() : activity.relay());
    relay.put("failuresSinceStart", activity == null ? Map.of() : activity.relayFailures());
    out.put("evidenceRelay", relay);
    return out;
  }

  @GET
  @Path("/audit")
  @Tag(name = "admin")
  @Operation(
      summary =
          "The audit chain's status: entries, the verified head, which enclave DIDs signed heads, and"
              + " entries not yet covered by a signed head (admin)")
  public Map<String, Object> audit(@HeaderParam("Authorization") String auth) {
    admin.require(auth);
    Instant now = Instant.now();
    java.nio.file.Path file = host.auditFile();
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      size = -1;
    }
    Cached<Map<String, Object>> c = auditStatus;
    if (c != null
        && c.key() == size
        && Duration.between(c.at(), now).compareTo(AUDIT_REFRESH) < 0) {
      return c.value();
    }
    Map<String, Object> out = auditStatus(file);
    auditStatus = new Cached<>(now, out, size);
    return out;
  }

  /**
   * Verifies the log up to its last signed head (the entries after it are signed at the next close,
   * every {@code sovereign.audit.sign-every} entries or export) and counts the rest.
   */
  static Map<String, Object> auditStatus(java.nio.file.Path file) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> lines;
    try {
      lines = Files.exists(file) ? AuditVerifier.lines(Files.readAllBytes(file)) : List.of();
    } catch (AuditRejectedException e) {
      return rejected(out, e);
    } catch (IOException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read its audit log");
    }
    int lastSigned = -1;
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains("\"kind\":\"audit-head-signed\"")) {
        lastSigned = i;
        break;
      }
    }
    out.put("entries", lines.size());
    if (lastSigned < 0) {
      out.put("valid", null);
      out.put("signedHead", null);
      out.put("unsignedEntries", lines.size());
      return out;
    }
    try {
      // the console shows who signed (every DID whose head token verifies); an auditor pins DIDs
      java.util.Set<String> signers = new java.util.HashSet<>();
      for (String line : lines.subList(0, lastSigned + 1)) {
        if (line.contains("\"kind\":\"audit-head-signed\"")) {
          try {
            signers.add(
                AuditHeadToken.verify(
                        com.fasterxml.jackson.databind.json.JsonMapper.builder()
                            .build()
                            .readTree(line)
                            .path("fields")
                            .path("jws")
                            .asText(null))
                    .enclaveDid());
          } catch (AuditHeadToken.InvalidHeadException | java.io.IOException e) {
            // left out: the verification below names the line
          }
        }
      }
      AuditVerifier.VerifiedLog v =
          AuditVerifier.verify(
              lines.subList(0, lastSigned + 1), signers.isEmpty() ? java.util.Set.of("") : signers);
      AuditHeadToken.VerifiedHead h = v.signedHeads().get(v.signedHeads().size() - 1);
      out.put("valid", true);
      Map<String, Object> head = new LinkedHashMap<>();
      head.put("seq", h.seq());
      head.put("head", h.head());
      head.put("enclaveDid", h.enclaveDid());
      head.put("policySha256", h.policySha256());
      head.put("time", h.time().toString());
      out.put("signedHead", head);
      out.put("signedBy", new ArrayList<>(new java.util.TreeSet<>(v.enclaveDids())));
      out.put("signedHeads", v.signedHeads().size());
      out.put("unsignedEntries", lines.size() - (lastSigned + 1));
      return out;
    } catch (AuditRejectedException e) {
      return rejected(out, e);
    }
  }

  private static Map<String, Object> rejected(Map<String, Object> out, AuditRejectedException e) {
    out.put("valid", false);
    out.put("code", e.code());
    out.put("line", e.line());
    return out;
  }

  private static String subject(byte[] der) {
    try {
      X509Certificate c =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new java.io.ByteArrayInputStream(der));
      return c.getSubjectX500Principal().getName();
    } catch (CertificateException e) {
      return "";
    }
  }

  private static byte[] sha256(String s) {
    return sha256(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
