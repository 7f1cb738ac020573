package dev.sovereign.host;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;

/**
 * The host's gauges: {@code sovereign_host_inbox_pending} (payloads stored and not yet answered by
 * the enclave: the queue in front of it). Counters and the enclave round trip are recorded where
 * they happen ({@link HostActivity}, {@link EnclaveLinkMetrics}); names in docs/api.md#metrics.
 */
@ApplicationScoped
public class HostMetrics {
  private final HostService host;
  private final MeterRegistry registry;

  public HostMetrics(HostService host, MeterRegistry registry) {
    this.host = host;
    this.registry = registry;
  }

  void onStart(@Observes StartupEvent ev) {
    Gauge.builder("sovereign.host.inbox.pending", this, HostMetrics::pending)
        .description("payloads stored and not yet answered by the enclave")
        .strongReference(true)
        .register(registry);
  }

  private double pending() {
    Inbox inbox = host.inbox();
    if (inbox == null) {
      return Double.NaN;
    }
    try {
      return inbox.pendingCount();
    } catch (SQLException e) {
      return Double.NaN;
    }
  }
}
