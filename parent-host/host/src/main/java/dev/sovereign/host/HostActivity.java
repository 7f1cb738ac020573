package dev.sovereign.host;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the host has done since it started, counted from the events it writes to its audit log:
 * enclave verdicts by reason, edge refusals by code, seals, restores and evidence relayed. Read by
 * the status endpoints (the operator console) and exported as Prometheus metrics ({@code
 * sovereign_host_*}, docs/api.md#metrics). Counts only: no payload, DID, URL or client address.
 */
final class HostActivity {
  private final MeterRegistry registry;
  private final Instant startedAt;

  private final Map<String, AtomicLong> verdicts = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> edgeRefusals = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> seals = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> sealRefusals = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> restores = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> relay = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> relayFailures = new ConcurrentHashMap<>();
  private final AtomicReference<Instant> lastSeal = new AtomicReference<>();
  private final AtomicLong lastSealEpochSeconds = new AtomicLong();

  HostActivity(Instant startedAt) {
    this(Metrics.globalRegistry, startedAt);
  }

  HostActivity(MeterRegistry registry, Instant startedAt) {
    this.registry = registry;
    this.startedAt = startedAt;
    registry.gauge(
        "sovereign.host.last.seal.timestamp.seconds",
        lastSealEpochSeconds,
        AtomicLong::doubleValue);
  }

  Instant startedAt() {
    return startedAt;
  }

  /** One audit entry of {@code kind} was written (or attempted) with {@code fields}. */
  void observe(String kind, Map<String, ?> fields) {
    switch (kind) {
      case "submission" -> {
        if (Boolean.TRUE.equals(fields.get("resent"))) {
          return; // a recovered enclave's answer; the payload's verdict was counted once already
        }
        String outcome = String.valueOf(fields.get("outcome"));
        String reason = fields.get("reason") == null ? "" : String.valueOf(fields.get("reason"));
        String key = "accepted".equals(outcome) ? "accepted" : reason;
        bump(verdicts, key);
        counter(
                "sovereign.host.verdicts",
                "outcome",
                "accepted".equals(outcome) ? "accepted" : "rejected",
                "reason",
                "accepted".equals(outcome) ? "none" : reason)
            .increment();
      }
      case "backup-sealed" -> {
        String trigger = String.valueOf(fields.get("trigger"));
        bump(seals, trigger);
        Instant now = Instant.now();
        lastSeal.set(now);
        lastSealEpochSeconds.set(now.getEpochSecond());
        counter("sovereign.host.seals", "trigger", trigger).increment();
      }
      case "seal-refused" -> {
        String code = String.valueOf(fields.get("code"));
        bump(sealRefusals, code);
        counter("sovereign.host.seal.refusals", "code", code).increment();
      }
      case "restored", "restore-refused" -> {
        String key = kind + ":" + fields.get("trigger");
        bump(restores, key);
        counter(
                "sovereign.host.restores",
                "trigger",
                String.valueOf(fields.get("trigger")),
                "outcome",
                kind.equals("restored") ? "restored" : "refused")
            .increment();
      }
      case "evidence-relayed" -> {
        for (String f :
            new String[] {
              "deferred",
              "resent",
              "stillDeferred",
              "didLogsNeeded",
              "didLogsSupplied",
              "statusListsNeeded",
              "statusListsSupplied"
            }) {
          if (fields.get(f) instanceof Number n && n.longValue() > 0) {
            relay.computeIfAbsent(f, k -> new AtomicLong()).addAndGet(n.longValue());
            counter("sovereign.host.evidence.relay", "item", f).increment(n.longValue());
          }
        }
        if (fields.get("failures") instanceof Map<?, ?> m) {
          m.forEach(
              (code, n) -> {
                if (n instanceof Number c && c.longValue() > 0) {
                  relayFailures
                      .computeIfAbsent(String.valueOf(code), k -> new AtomicLong())
                      .addAndGet(c.longValue());
                  counter("sovereign.host.evidence.relay.failures", "code", String.valueOf(code))
                      .increment(c.longValue());
                }
              });
        }
      }
      default -> {
        // other kinds are not counted
      }
    }
  }

  /** A request refused at the edge under an edge code (before anything was stored). */
  void refusedAtEdge(String code) {
    bump(edgeRefusals, code);
    counter("sovereign.host.edge.refusals", "code", code).increment();
  }

  Map<String, Long> verdicts() {
    return snapshot(verdicts);
  }

  Map<String, Long> edgeRefusals() {
    return snapshot(edgeRefusals);
  }

  Map<String, Long> seals() {
    return snapshot(seals);
  }

  Map<String, Long> sealRefusals() {
    return snapshot(sealRefusals);
  }

  Map<String, Long> restores() {
    return snapshot(restores);
  }

  Map<String, Long> relay() {
    return snapshot(relay);
  }

  Map<String, Long> relayFailures() {
    return snapshot(relayFailures);
  }

  java.util.Optional<Instant> lastSeal() {
    return java.util.Optional.ofNullable(lastSeal.get());
  }

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }

  private static void bump(Map<String, AtomicLong> m, String key) {
    m.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
