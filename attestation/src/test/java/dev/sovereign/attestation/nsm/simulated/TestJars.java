package dev.sovereign.attestation.nsm.simulated;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Small enclave jars for measurement tests. */
public final class TestJars {
  private TestJars() {}

  /**
   * A jar with two entries whose contents are {@code content}, written with entry time {@code
   * time}.
   */
  public static Path write(Path file, String content, long time) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(out)) {
      for (String name : new String[] {"dev/sovereign/enclave/Main.class", "policy.yaml"}) {
        JarEntry e = new JarEntry(name);
        e.setTime(time);
        jar.putNextEntry(e);
        jar.write((name + ":" + content).getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
    }
    return file;
  }
}
