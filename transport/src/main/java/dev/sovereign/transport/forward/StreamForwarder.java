package dev.sovereign.transport.forward;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts connections and copies bytes both ways between each one and a new upstream connection,
 * like AWS's {@code vsock-proxy} and the {@code traffic_forwarder} of the Nitro Enclaves examples.
 *
 * <p>Rules: the bytes are opaque (TLS passes through unchanged) and are never logged, only counts
 * and addresses; end of stream on one side becomes a half-close ({@code shutdownOutput}) of the
 * other, and the pair closes when both directions have ended or either fails; at most {@link
 * Limits#maxConnections()} pairs are open (two threads each), a connection beyond that is closed at
 * once without an upstream connection; a pair with no byte in either direction for {@link
 * Limits#idleTimeout()} is closed; an upstream connect gives up after {@link
 * Limits#connectTimeout()}.
 */
public final class StreamForwarder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StreamForwarder.class.getName());
  private static final int BUFFER = 16 * 1024;

  /**
   * @param maxConnections open pairs at most (1..4096)
   * @param idleTimeout a pair with no traffic this long is closed (positive)
   * @param connectTimeout the upstream connect's limit (positive)
   */
  public record Limits(int maxConnections, Duration idleTimeout, Duration connectTimeout) {
    public Limits {
      if (maxConnections < 1 || maxConnections > 4096) {
        throw new IllegalArgumentException("maxConnections must be between 1 and 4096");
      }
      if (idleTimeout.isNegative()
          || idleTimeout.isZero()
          || connectTimeout.isNegative()
          || connectTimeout.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }

    /** KMS traffic: 16 pairs, 60 s idle, 10 s to connect. */
    public static Limits defaults() {
      return new Limits(16, Duration.ofSeconds(60), Duration.ofSeconds(10));
    }
  }

  private final ForwardAddress.Acceptor acceptor;
  private final ForwardAddress.Connector upstream;
  private final String upstreamName;
  private final Limits limits;
  private final Semaphore slots;
  private final Set<Pair> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong failedUpstream = new AtomicLong();
  private final AtomicInteger threadNumber = new AtomicInteger();
  private final Thread acceptThread;
  private final Thread reaper;

  private StreamForwarder(
      ForwardAddress.Acceptor acceptor,
      ForwardAddress.Connector upstream,
      String upstreamName,
      Limits limits) {
    this.acceptor = acceptor;
    this.upstream = upstream;
    this.upstreamName = upstreamName;
    this.limits = limits;
    this.slots = new Semaphore(limits.maxConnections());
    this.acceptThread = thread("accept", this::acceptLoop);
    this.reaper = thread("idle", this::reapLoop);
  }

  /** Listens at {@code listen} and forwards every connection to {@code to}. */
  public static StreamForwarder start(ForwardAddress listen, ForwardAddress to, Limits limits)
      throws IOException {
    Objects.requireNonNull(limits, "limits");
    ForwardAddress.Acceptor acceptor = listen.listen(Math.min(limits.maxConnections() * 2, 128));
    return start(acceptor, to.connector(limits.connectTimeout()), to.toString(), limits);
  }

  /** Forwards every connection {@code acceptor} takes to a new {@code upstream} connection. */
  public static StreamForwarder start(
      ForwardAddress.Acceptor acceptor,
      ForwardAddress.Connector upstream,
      String upstreamName,
      Limits limits) {
    StreamForwarder f =
        new StreamForwarder(
            Objects.requireNonNull(acceptor, "acceptor"),
            Objects.requireNonNull(upstream, "upstream"),
            upstreamName,
            Objects.requireNonNull(limits, "limits"));
    LOG.log(
        Level.INFO,
        "forwarding {0} to {1} (at most {2} connections, idle {3})",
        acceptor.address(),
        upstreamName,
        limits.maxConnections(),
        limits.idleTimeout());
    f.acceptThread.start();
    f.reaper.start();
    return f;
  }

  /** Where it listens (with the port chosen for {@code tcp:...:0}). */
  public ForwardAddress address() {
    return acceptor.address();
  }

  /** Connections forwarded (upstream reached) or being connected since start. */
  public long accepted() {
    return accepted.get();
  }

  /** Connections closed at once because {@link Limits#maxConnections()} pairs were open. */
  public long refused() {
    return refused.get();
  }

  /** Connections closed because the upstream could not be reached. */
  public long failedUpstream() {
    return failedUpstream.get();
  }

  /** Pairs open now. */
  public int openConnections() {
    return open.size();
  }

  private Thread thread(String what, Runnable body) {
    Thread t = new Thread(body, "forwarder-" + what + "-" + threadNumber.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Duplex client;
      try {
        client = acceptor.accept();
      } catch (IOException | RuntimeException e) {
        if (!closed.get()) {
          LOG.log(
              Level.WARNING,
              "forwarder at {0} stopped accepting: {1}",
              acceptor.address(),
              e.getClass().getSimpleName());
          close();
        }
        return;
      }
      if (closed.get() || !slots.tryAcquire()) {
        refused.incrementAndGet();
        client.close();
        LOG.log(Level.DEBUG, "connection refused: {0} connections open", limits.maxConnections());
        continue;
      }
      accepted.incrementAndGet();
      Pair p = new Pair(client);
      open.add(p);
      thread("up", p::connectAndCopyUp).start();
    }
  }

  private void reapLoop() {
    long tick = Math.max(10, Math.min(1000, limits.idleTimeout().toMillis() / 4));
    while (!closed.get()) {
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (Pair p : open) {
        if (now - p.lastActivity > limits.idleTimeout().toNanos()) {
          LOG.log(Level.DEBUG, "connection idle for {0}: closed", limits.idleTimeout());
          p.abort();
        }
      }
    }
  }

  /** Stops accepting and closes every open pair. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    acceptor.close();
    reaper.interrupt();
    for (Pair p : open) {
      p.abort();
    }
  }

  /** A client and its upstream connection. */
  private final class Pair {
    private final Duplex client;
    private volatile Duplex server;
    private volatile long lastActivity = System.nanoTime();
    private final AtomicInteger directionsDone = new AtomicInteger();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();

    Pair(Duplex client) {
      this.client = client;
    }

    void connectAndCopyUp() {
      Duplex s;
      try {
        s = upstream.connect();
      } catch (IOException | RuntimeException e) {
        failedUpstream.incrementAndGet();
        LOG.log(
            Level.WARNING,
            "upstream {0} not reached: {1}",
            upstreamName,
            e.getClass().getSimpleName());
        abort();
        return;
      }
      server = s;
      if (finished.get()) {
        s.close();
        return;
      }
      lastActivity = System.nanoTime();
      thread("down", () -> copy(s, client, down)).start();
      copy(client, s, up);
    }

    private void copy(Duplex from, Duplex to, AtomicLong count) {
      byte[] buffer = new byte[BUFFER];
      try {
        while (true) {
          int n = from.read(buffer, 0, buffer.length);
          if (n < 0) {
            to.shutdownOutput();
            break;
          }
          if (n > 0) {
            lastActivity = System.nanoTime();
            to.write(buffer, 0, n);
            count.addAndGet(n);
            lastActivity = System.nanoTime();
          }
        }
        if (directionsDone.incrementAndGet() == 2) {
          finish();
        }
      } catch (IOException | RuntimeException e) {
        abort();
      } finally {
        java.util.Arrays.fill(buffer, (byte) 0);
      }
    }

    void abort() {
      finish();
    }

    private void finish() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      client.close();
      Duplex s = server;
      if (s != null) {
        s.close();
      }
      if (open.remove(this)) {
        slots.release();
      }
      LOG.log(Level.DEBUG, "connection closed: {0} bytes up, {1} bytes down", up.get(), down.get());
    }
  }
}
