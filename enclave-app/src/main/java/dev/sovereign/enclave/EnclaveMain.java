package dev.sovereign.enclave;

import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.transport.forward.ForwardAddress;
import dev.sovereign.transport.forward.StreamForwarder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code java -jar sovereign-enclave.jar --listen unix:PATH|vsock:CID:PORT [--policy FILE] [--state
 * DIR] [--measure JAR] [--max-frame BYTES] [--threads N] [--key-broker URL|--kms-region REGION
 * --key-id ID [--kms-proxy vsock:3:8000]]}. Exit 2 on a usage or boot error, with the reason on
 * stderr. Without {@code --policy} the enclave waits for the host's {@code LoadPolicy}. With {@code
 * --kms-proxy} a forwarder on loopback carries the KMS client's connections to the host's proxy
 * ({@link KmsProxy}).
 */
public final class EnclaveMain {
  private EnclaveMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses the arguments, boots and serves; returns the exit code. */
  public static int run(String[] args) {
    EnclaveOptions options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("enclave: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    if (options == null) {
      System.err.println(USAGE);
      return 0;
    }
    return run(options);
  }

  /** Boots with {@code options} and serves until the process ends. */
  public static int run(EnclaveOptions options) {
    StreamForwarder kmsProxy = null;
    Optional<KeyBrokerOptions> kb = options.keyBroker().filter(k -> k.kmsProxy().isPresent());
    if (kb.isPresent()) {
      try {
        kmsProxy = KmsProxy.start(kb.get());
        System.err.println(
            "enclave: KMS "
                + kb.get().endpoint()
                + " through "
                + kmsProxy.address()
                + " to "
                + kb.get().kmsProxy().get());
      } catch (IOException e) {
        System.err.println("enclave: refusing to start: KMS proxy: " + e.getMessage());
        return 2;
      }
    }
    try (Enclave enclave = Enclave.boot(options)) {
      System.err.println(enclave.banner());
      System.err.flush();
      enclave.serve();
      return 0;
    } catch (Enclave.BootException e) {
      System.err.println("enclave: refusing to start: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("enclave: " + e.getMessage());
      return 2;
    } finally {
      if (kmsProxy != null) {
        kmsProxy.close();
      }
    }
  }

  static final String USAGE =
      "usage: sovereign-enclave --listen unix:PATH|vsock:CID:PORT [--policy FILE]"
          + " [--state DIR] [--measure JAR] [--max-frame BYTES] [--threads N]"
          + " [--key-broker URL|--kms-region REGION --key-id ID [--region ZONE] [--kms-proxy vsock:3:8000|unix:PATH]]"
          + " [--simulate-nsm [--sim-parent-role ARN] [--sim-parent-instance ID]]"
          + " (key broker credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION)";

  static EnclaveOptions parse(String[] args) {
    ListenAddress listen = null;
    Path policy = null;
    Path state = EnclaveOptions.defaultStateDir();
    Optional<Path> measure = Optional.empty();
    int maxFrame = Frames.DEFAULT_MAX_FRAME;
    int threads = Runtime.getRuntime().availableProcessors();
    java.net.URI keyBroker = null;
    String keyId = null;
    Optional<String> zone = Optional.empty();
    Optional<String> kmsRegion = Optional.empty();
    Optional<ForwardAddress> kmsProxy = Optional.empty();
    Optional<String> parentRole = Optional.empty();
    Optional<String> parentInstance = Optional.empty();
    boolean simulateNsm = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        return null;
      }
      if (a.equals("--simulate-nsm")) {
        simulateNsm = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--listen" -> listen = ListenAddress.parse(v);
        case "--policy" -> policy = Path.of(v);
        case "--state" -> state = Path.of(v);
        case "--measure" -> measure = Optional.of(Path.of(v));
        case "--max-frame" -> maxFrame = positive(a, v, 64, Integer.MAX_VALUE);
        case "--threads" -> threads = positive(a, v, 1, 1024);
        case "--key-broker" -> keyBroker = uri(v);
        case "--key-id" -> keyId = v;
        case "--region" -> zone = Optional.of(v);
        case "--kms-region" -> kmsRegion = Optional.of(v);
        case "--kms-proxy" -> kmsProxy = Optional.of(ForwardAddress.parse(v));
        case "--sim-parent-role" -> parentRole = Optional.of(v);
        case "--sim-parent-instance" -> parentInstance = Optional.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (listen == null) {
      throw new IllegalArgumentException("--listen is required");
    }
    if (!simulateNsm && (parentRole.isPresent() || parentInstance.isPresent())) {
      throw new IllegalArgumentException(
          "--sim-parent-role and --sim-parent-instance need --simulate-nsm");
    }
    Optional<KeyBrokerOptions> broker =
        KeyBrokerOptions.fromFlags(
            Optional.ofNullable(keyBroker),
            Optional.ofNullable(keyId),
            zone,
            kmsRegion,
            kmsProxy,
            System.getenv());
    return new EnclaveOptions(
        listen,
        policy,
        state,
        measure,
        maxFrame,
        threads,
        broker,
        parentRole,
        parentInstance,
        simulateNsm);
  }

  private static java.net.URI uri(String v) {
    try {
      java.net.URI u = new java.net.URI(v);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("--key-broker must be an http(s) URL");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("--key-broker must be an http(s) URL");
    }
  }

  private static int positive(String name, String v, int min, int max) {
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number");
    }
  }
}
