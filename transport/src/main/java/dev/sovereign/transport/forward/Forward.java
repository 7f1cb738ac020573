package dev.sovereign.transport.forward;

import java.io.IOException;
import java.time.Duration;

/**
 * {@code java -cp sovereign-enclave.jar dev.sovereign.transport.forward.Forward --listen ADDRESS
 * --to ADDRESS [--max-connections N] [--idle-seconds S]}: a development stand-in for the parent's
 * {@code vsock-proxy}, e.g. {@code --listen unix:/run/sovereign/kms.sock --to tcp:127.0.0.1:4000}
 * in front of the local key broker (or {@code --listen vsock:any:8000} on a machine with vsock).
 * Unlike {@code vsock-proxy} it has no allow-list: the one upstream is fixed by {@code --to}. Exit
 * 2 on a usage or bind error.
 */
public final class Forward {
  private Forward() {}

  public static void main(String[] args) throws InterruptedException {
    ForwardAddress listen = null;
    ForwardAddress to = null;
    StreamForwarder.Limits d = StreamForwarder.Limits.defaults();
    int max = d.maxConnections();
    Duration idle = d.idleTimeout();
    try {
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        String v = args[i + 1];
        switch (args[i]) {
          case "--listen" -> listen = ForwardAddress.parse(v);
          case "--to" -> to = ForwardAddress.parse(v);
          case "--max-connections" -> max = Integer.parseInt(v);
          case "--idle-seconds" -> idle = Duration.ofSeconds(Long.parseLong(v));
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (listen == null || to == null) {
        throw new IllegalArgumentException("--listen and --to are required");
      }
      StreamForwarder f =
          StreamForwarder.start(
              listen, to, new StreamForwarder.Limits(max, idle, d.connectTimeout()));
      System.err.println("forward: " + f.address() + " -> " + to);
      Thread.currentThread().join();
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("forward: " + e.getMessage());
      System.err.println(
          "usage: Forward --listen tcp:HOST:PORT|unix:PATH|vsock:CID:PORT --to tcp:HOST:PORT|unix:PATH|vsock:CID:PORT"
              + " [--max-connections N] [--idle-seconds S]");
      System.exit(2);
    }
  }
}
