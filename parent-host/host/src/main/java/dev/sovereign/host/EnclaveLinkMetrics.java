package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The enclave round trip as a Prometheus histogram: {@code
 * sovereign_host_enclave_request_seconds{type, outcome}} ({@code type} the request message, {@code
 * outcome} {@code ok}, {@code error} (a protocol error code) or {@code link-failed}).
 */
final class EnclaveLinkMetrics {
  private EnclaveLinkMetrics() {}

  static void record(Message.Request request, String outcome, long nanos) {
    Timer.builder("sovereign.host.enclave.request")
        .description("host-enclave round trip of one protocol request")
        .tags("type", request.getClass().getSimpleName(), "outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(Metrics.globalRegistry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
