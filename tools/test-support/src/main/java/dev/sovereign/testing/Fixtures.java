package dev.sovereign.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the project root and the public test vectors kept in it ({@code fixtures/}). */
public final class Fixtures {
  private Fixtures() {}

  /**
   * The project root: the {@code sovereign.root} system property (set by Surefire), else searched
   * upwards.
   */
  public static Path projectRoot() {
    String prop = System.getProperty("sovereign.root");
    if (prop != null && Files.isDirectory(Path.of(prop, "tools", "js"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("tools/js"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the project root (no mvnw with tools/js above the working directory)");
  }

  /**
   * {@code fixtures/<relative>} under the project root: public vectors (AWS Nitro, Wycheproof, W3C
   * CCG did:key) copied in with their provenance and licence notes ({@code fixtures/README.md}).
   */
  public static Path vector(String relative) {
    Path p = projectRoot().resolve("fixtures").resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing test vector " + p);
    }
    return p;
  }
}
