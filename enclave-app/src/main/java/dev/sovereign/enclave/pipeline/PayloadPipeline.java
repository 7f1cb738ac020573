package dev.sovereign.enclave.pipeline;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs one payload through every stage except replay and aggregation (which need the round's
 * state): limits, JWE, JWS, credentials, policy. Thread-safe; the server runs it on all cores.
 */
public final class PayloadPipeline {
  /** Clock skew tolerated for {@code iat} in the future. */
  public static final Duration SKEW = Duration.ofSeconds(60);

  private final SovereigntyPolicy policy;
  private final JweOpener jwe;
  private final JwsPayloadVerifier jws;
  private final ProducerCredentials credentials;
  private final Clock clock;
  private final Crypto crypto;
  private final Map<String, RecordRules> recordRules;

  /**
   * What each record of a dataset is checked against, derived once from the policy (which never
   * changes under a pipeline): the group keys as a set, and each metric's bounds as the decimals
   * {@code new BigDecimal(Double.toString(bound))} the check compares with. Building these per
   * record cost a tree set and two double-to-decimal conversions for every record of every payload.
   */
  private record RecordRules(Set<String> groupKeys, Map<String, BigDecimal[]> bounds) {
    static RecordRules of(SovereigntyPolicy.Dataset ds) {
      Map<String, BigDecimal[]> bounds = new HashMap<>();
      ds.metrics()
          .forEach(
              (name, m) ->
                  bounds.put(
                      name,
                      new BigDecimal[] {
                        new BigDecimal(Double.toString(m.lower())),
                        new BigDecimal(Double.toString(m.upper()))
                      }));
      return new RecordRules(
          Collections.unmodifiableSortedSet(new TreeSet<>(ds.groupBy())),
          Collections.unmodifiableMap(bounds));
    }
  }

  public PayloadPipeline(
      SovereigntyPolicy policy,
      ECPrivateKey encryptionKey,
      String encryptionKid,
      ProducerKeys keys,
      ProducerCredentials credentials,
      Clock clock) {
    this(policy, encryptionKey, encryptionKid, keys, credentials, clock, Crypto.system());
  }

  /** As above, with the crypto backend given (tests run every backend available). */
  public PayloadPipeline(
      SovereigntyPolicy policy,
      ECPrivateKey encryptionKey,
      String encryptionKid,
      ProducerKeys keys,
      ProducerCredentials credentials,
      Clock clock,
      Crypto crypto) {
    this.policy = policy;
    this.crypto = crypto;
    this.jwe = new JweOpener(encryptionKey, encryptionKid, crypto);
    this.jws = new JwsPayloadVerifier(keys, crypto);
    this.credentials = credentials;
    this.clock = clock;
    Map<String, RecordRules> rules = new HashMap<>();
    policy.datasets().forEach((name, ds) -> rules.put(name, RecordRules.of(ds)));
    this.recordRules = Collections.unmodifiableMap(rules);
  }

  /**
   * Verifies {@code compactJwe} for round {@code round} of dataset {@code dataset}. A rejection
   * that missing evidence explains carries what was missing ({@link
   * PayloadRejectedException#missingEvidence()}).
   *
   * <p>Nothing but a {@link PayloadRejectedException} leaves this method for any input: a stage (or
   * a library under it) that throws a {@link RuntimeException} on a payload rejects that payload as
   * {@link RejectionReason#PAYLOAD_UNPROCESSABLE}, so one payload cannot fail the batch it arrived
   * in.
   */
  public AcceptedPayload verify(String round, String dataset, String compactJwe)
      throws PayloadRejectedException {
    return verify(round, dataset, compactJwe, null);
  }

  /**
   * As {@link #verify(String, String, String)}, with the payload's Merkle leaf (SHA-256 of its
   * bytes as sent) already computed by the caller, who keyed its first-verdict memory on it; {@code
   * null} computes it here. The leaf is taken only for a payload that opened, whose bytes are
   * ASCII.
   */
  public AcceptedPayload verify(String round, String dataset, String compactJwe, byte[] leaf)
      throws PayloadRejectedException {
    MissingEvidence missing = MissingEvidence.start();
    try {
      return verifyStages(round, dataset, compactJwe, leaf);
    } catch (PayloadRejectedException e) {
      java.util.Optional<MissingEvidence.Needs> needs = missing.explaining(e.reason());
      throw needs.isPresent() ? e.withMissing(needs.get()) : e;
    } catch (RuntimeException e) {
      throw new PayloadRejectedException(
          RejectionReason.PAYLOAD_UNPROCESSABLE,
          "a stage failed on this payload: " + e.getClass().getSimpleName(),
          e);
    } finally {
      MissingEvidence.stop();
    }
  }

  private AcceptedPayload verifyStages(String round, String dataset, String compactJwe, byte[] leaf)
      throws PayloadRejectedException {
    OpenedPayload opened = jwe.open(compactJwe, policy.limits().maxPayloadBytes());
    PayloadClaims claims = jws.verify(opened.innerJws(), policy);
    // from here on the producer's signature has verified: every rejection is that producer's
    try {
      return afterSignature(round, dataset, compactJwe, leaf, opened, claims);
    } catch (PayloadRejectedException e) {
      throw e.authenticatedBy(claims.iss());
    } catch (RuntimeException e) {
      throw new PayloadRejectedException(
              RejectionReason.PAYLOAD_UNPROCESSABLE,
              "a stage failed on this payload: " + e.getClass().getSimpleName(),
              e)
          .authenticatedBy(claims.iss());
    }
  }

  private AcceptedPayload afterSignature(
      String round,
      String dataset,
      String compactJwe,
      byte[] leaf,
      OpenedPayload opened,
      PayloadClaims claims)
      throws PayloadRejectedException {
    if (!opened.zone().equals(claims.region())) {
      throw new PayloadRejectedException(
          RejectionReason.ZONE_MISMATCH, "zone header differs from region claim");
    }
    Instant now = clock.instant();
    // claims.iat() is range-checked by the JWS stage (PayloadClaims.MIN_IAT..MAX_IAT)
    Instant iat = Instant.ofEpochSecond(claims.iat());
    if (iat.isAfter(now.plus(SKEW)) || iat.isBefore(now.minus(policy.retention().roundTtl()))) {
      throw new PayloadRejectedException(
          RejectionReason.PAYLOAD_NOT_CURRENT, "iat outside the round window");
    }
    if (!round.equals(claims.round())) {
      throw new PayloadRejectedException(
          RejectionReason.ROUND_MISMATCH, "payload names another round");
    }
    SovereigntyPolicy.Zone zone =
        policy
            .zone(opened.zone())
            .orElseThrow(
                () ->
                    new PayloadRejectedException(
                        RejectionReason.ZONE_NOT_PROCESSABLE_HERE, "zone not in policy"));
    if (!zone.processableIn(policy.enclaveRegion())) {
      throw new PayloadRejectedException(
          RejectionReason.ZONE_NOT_PROCESSABLE_HERE, "zone may not be processed here");
    }
    if (!dataset.equals(claims.dataset())) {
      throw new PayloadRejectedException(
          RejectionReason.DATASET_NOT_ALLOWED, "dataset is not this round's");
    }
    SovereigntyPolicy.Dataset ds =
        policy
            .dataset(dataset)
            .orElseThrow(
                () ->
                    new PayloadRejectedException(
                        RejectionReason.DATASET_NOT_ALLOWED, "dataset not in policy"));
    if (!ds.zones().contains(zone.name())) {
      throw new PayloadRejectedException(
          RejectionReason.ZONE_NOT_ALLOWED_FOR_DATASET, "zone may not contribute");
    }
    ProducerAuthorization auth =
        credentials.authorize(
            claims.iss(),
            claims.jti(),
            claims.credentials(),
            claims.presentation(),
            zone.name(),
            dataset,
            zone.trustAnchors(),
            now);
    if (!auth.producerDid().equals(claims.iss())) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_SUBJECT_MISMATCH, "credential subject is not iss");
    }
    if (!auth.regions().contains(zone.name())) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_WRONG_REGION, "credential is for another region");
    }
    if (!auth.datasets().contains(dataset)) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_DATASET_NOT_GRANTED, "dataset not granted");
    }
    RecordRules rules = recordRules.get(dataset);
    for (ProducerRecord r : claims.records()) {
      checkRecord(r, ds, rules, zone);
    }
    return new AcceptedPayload(
        leaf != null ? leaf : leaf(compactJwe),
        claims.iss(),
        claims.jti(),
        zone.name(),
        claims.records(),
        auth);
  }

  private static void checkRecord(
      ProducerRecord r,
      SovereigntyPolicy.Dataset ds,
      RecordRules rules,
      SovereigntyPolicy.Zone zone)
      throws PayloadRejectedException {
    SovereigntyPolicy.Metric m = ds.metrics().get(r.metric());
    if (m == null) {
      throw new PayloadRejectedException(
          RejectionReason.METRIC_NOT_ALLOWED, "metric not in policy");
    }
    if (!r.group().keySet().equals(rules.groupKeys())) {
      throw new PayloadRejectedException(
          RejectionReason.GROUP_KEYS_INVALID, "group keys differ from groupBy");
    }
    String country = r.group().get("country");
    if (country != null && !zone.countries().contains(country)) {
      throw new PayloadRejectedException(
          RejectionReason.COUNTRY_OUTSIDE_ZONE, "country not in the zone");
    }
    // a dataset that declares onExcess: clamp has the round clamp the value to the bounds instead
    BigDecimal[] bounds = rules.bounds().get(r.metric());
    if (!(ds.privacy().declared() && ds.privacy().clamp())
        && (r.value().compareTo(bounds[0]) < 0 || r.value().compareTo(bounds[1]) > 0)) {
      throw new PayloadRejectedException(
          RejectionReason.VALUE_OUT_OF_BOUNDS, "value outside the bounds");
    }
  }

  /**
   * A payload's Merkle leaf: SHA-256 of its bytes as sent (a compact JWE is ASCII; any other string
   * is taken as UTF-8, so junk has a leaf too), on the backend's bulk digest (AWS-LC where present,
   * the same bytes as the JDK's).
   */
  public byte[] leaf(String payload) {
    try {
      return crypto.bulkDigest("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
