package dev.sovereign.host;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./sovereign host}: {@code --help} answers without starting anything; a setting the host
 * cannot start with is one line naming it and how to fix it, exit 2, never a stack trace.
 */
@QuarkusMain
public class HostMain implements QuarkusApplication {
  /** Exit codes, as the command line's. */
  static final int USAGE = 2;

  static final String HELP =
      """
      Usage: ./sovereign host [--help]
             ./sovereign host --dev [--dir DIR] [--port N]   (a development host, see below)

      Starts the Sovereign host: the REST API (docs/api.md), the operator console at /console
      (docs/console.md), Prometheus metrics at /q/metrics. Listens on 127.0.0.1:8080 unless
      quarkus.http.host / quarkus.http.port say otherwise.

      --dev   a development host with a generated world: policy, authorities, producer identities
              and credentials written to a directory it names, a development enclave (simulated
              NSM), an open round, and the exact ./sovereign producer submit command that works
              against it. Stays up until Ctrl-C.

      Settings are sovereign.host.* keys (docs/api.md#configuration-sovereignhost), given as
      environment variables (SOVEREIGN_HOST_ENCLAVE_POLICY=policy.yaml), as -D options in
      SOVEREIGN_JAVA_OPTS, or in config/application.properties under the working directory.
      Secrets never on a command line: the admin token comes from SOVEREIGN_HOST_ADMIN_TOKEN.

      The settings a host needs to launch its development enclave:
        sovereign.host.enclave.policy   the sovereignty policy file (or enclave.load-policy)
        sovereign.host.enclave.jar      the enclave jar (default: enclave-app/target/sovereign-enclave.jar)
        sovereign.host.admin-token      bearer token for admin calls (none: admin calls refused)
      Against an enclave it does not launch: sovereign.host.enclave.launch=false and
      sovereign.host.enclave.address=vsock:CID:PORT (docs/deploy-nitro.md).

      Exit codes: 0 stopped cleanly, 1 failed while running, 2 a setting is missing or wrong.
      """;

  public static void main(String... args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the host to its end; answers the process's exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        out.print(HELP);
        out.flush();
        return 0;
      }
    }
    for (String a : args) {
      if (a.equals("--dev")) {
        err.println(
            "sovereign host: --dev is run by the ./sovereign launcher (./sovereign host --dev);"
                + " this is the host's own jar");
      } else {
        err.println(
            "sovereign host: unknown argument "
                + a
                + "; settings are environment variables or -D options in SOVEREIGN_JAVA_OPTS"
                + " (./sovereign host --help)");
      }
      return USAGE;
    }
    int[] code = {0};
    Quarkus.run(
        HostMain.class,
        (exit, failure) -> {
          if (failure == null) {
            code[0] = exit;
            return;
          }
          err.println("sovereign host: " + describe(failure));
          err.flush();
          code[0] = isSetting(failure) ? USAGE : 1;
        },
        args);
    return code[0];
  }

  @Override
  public int run(String... args) {
    Quarkus.waitForExit();
    return 0;
  }

  /** True when the failure is a setting the operator must fix (not a fault while running). */
  static boolean isSetting(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HostSettingException
          || c.getClass().getName().startsWith("io.smallrye.config.")
          || c.getClass().getSimpleName().equals("QuarkusBindException")
          || c.getClass().getSimpleName().equals("ConfigurationException")) {
        return true;
      }
    }
    return false;
  }

  /** One line: the setting and how to fix it; never an exception class name or a stack trace. */
  static String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HostSettingException s) {
        return s.getMessage();
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getSimpleName();
      if (name.equals("QuarkusBindException")) {
        return "quarkus.http.port: the port is in use; set another with"
            + " QUARKUS_HTTP_PORT=N (or -Dquarkus.http.port=N in SOVEREIGN_JAVA_OPTS)";
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getClass().getName().startsWith("io.smallrye.config.")
          || c.getClass().getSimpleName().equals("ConfigurationException")) {
        return firstLine(c.getMessage())
            + " (fix the setting; ./sovereign host --help lists where settings come from)";
      }
    }
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return "failed to start ("
        + firstLine(root.getMessage() == null ? "no detail" : root.getMessage())
        + "); the host's log above says more";
  }

  /** Drops a leading {@code some.package.SomeException: } (no exception class names in answers). */
  static String withoutClassName(String line) {
    return line.replaceFirst("^([\\w$]+\\.)+[\\w$]*(Exception|Error):\\s*", "");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid configuration";
    }
    List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    String first = lines.isEmpty() ? s : lines.get(0);
    // SmallRye prefixes "SRCFG00011:"-style codes and sometimes a count line; keep the property
    // line
    for (String l : lines) {
      if (l.toLowerCase(Locale.ROOT).contains("sovereign.") || l.contains("quarkus.")) {
        return withoutClassName(l);
      }
    }
    return withoutClassName(first);
  }
}
