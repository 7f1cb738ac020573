package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends the enclave the instance role's credentials (IMDSv2) with {@code KmsCredentials}, every
 * {@code sovereign.host.kms-credentials.every} (so a restarted enclave gets them within that time)
 * and fetching new ones from IMDS when the held ones expire within 15 minutes. Off unless {@code
 * sovereign.host.kms-credentials.imds=true}. Logs the access key id and error classes only.
 */
@ApplicationScoped
public class KmsCredentialsRelay {
  private static final Logger LOG = Logger.getLogger(KmsCredentialsRelay.class);
  static final Duration REFETCH_BEFORE_EXPIRY = Duration.ofMinutes(15);

  /** Where credentials go: the enclave, through the host's link. */
  @FunctionalInterface
  interface Sender {
    Message.KmsCredentialsSet send(Message.KmsCredentials credentials);
  }

  private final KmsCredentialsConfig config;
  private final HostService host;
  private ScheduledExecutorService timer;
  private volatile Relay relay;

  public KmsCredentialsRelay(KmsCredentialsConfig config, HostService host) {
    this.config = config;
    this.host = host;
  }

  void onStart(@Observes @Priority(3000) StartupEvent ev) {
    if (!config.imds()) {
      return;
    }
    relay =
        new Relay(
            new ImdsCredentials(URI.create(config.imdsEndpoint())),
            c -> host.call(c, Message.KmsCredentialsSet.class),
            Clock.systemUTC());
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sovereign-kms-credentials");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1000, config.every().toMillis());
    timer.scheduleWithFixedDelay(relay::tickQuietly, 0, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** The fetch-and-send logic, without CDI. */
  static final class Relay {
    private final ImdsCredentials imds;
    private final Sender sender;
    private final Clock clock;
    private ImdsCredentials.Credentials held;
    private volatile String lastSent;

    Relay(ImdsCredentials imds, Sender sender, Clock clock) {
      this.imds = imds;
      this.sender = sender;
      this.clock = clock;
    }

    /** Fetches if needed and sends; returns the access key id the enclave acknowledged. */
    synchronized String tick() throws Exception {
      if (held == null
          || held.expiration().minus(REFETCH_BEFORE_EXPIRY).isBefore(clock.instant())) {
        held = imds.fetch();
        LOG.infof(
            "KMS credentials from IMDS: %s, expiring %s", held.accessKeyId(), held.expiration());
      }
      Message.KmsCredentialsSet set =
          sender.send(
              new Message.KmsCredentials(
                  held.accessKeyId(), held.secretAccessKey(), held.sessionToken()));
      lastSent = set.accessKeyId();
      return lastSent;
    }

    void tickQuietly() {
      try {
        tick();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Problem p) {
        LOG.debugf("KMS credentials not sent: %s", p.code());
      } catch (Exception e) {
        LOG.warnf("KMS credentials not sent: %s", e.getClass().getSimpleName());
      }
    }

    Optional<String> lastSent() {
      return Optional.ofNullable(lastSent);
    }
  }
}
