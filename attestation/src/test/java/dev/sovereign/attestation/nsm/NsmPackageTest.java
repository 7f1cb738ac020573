package dev.sovereign.attestation.nsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The production NSM package cannot reach the simulation: no compiled class of {@code
 * dev.sovereign.attestation.nsm} names a class of {@code dev.sovereign.attestation.nsm.simulated}
 * (a class file names every class it uses in its constant pool).
 */
class NsmPackageTest {
  private static final String PACKAGE = "dev/sovereign/attestation/nsm/";
  private static final String SIMULATED = "dev/sovereign/attestation/nsm/simulated";

  @Test
  void noClassOfTheProductionNsmPackageNamesTheSimulation() throws Exception {
    TreeMap<String, byte[]> classes = productionClasses();
    assertTrue(classes.containsKey("Nsms.class"), "the package's classes were found");
    assertTrue(classes.containsKey("DevNsm.class"), "the package's classes were found");
    List<String> naming = new ArrayList<>();
    classes.forEach(
        (name, bytes) -> {
          // ISO-8859-1 maps each byte to one char, so the class file's UTF-8 names read as text
          if (new String(bytes, StandardCharsets.ISO_8859_1).contains(SIMULATED)) {
            naming.add(name);
          }
        });
    assertEquals(List.of(), naming, "classes naming the simulation");
  }

  private static TreeMap<String, byte[]> productionClasses()
      throws IOException, URISyntaxException {
    Path location = Path.of(Nsms.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    TreeMap<String, byte[]> classes = new TreeMap<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.list(location.resolve(PACKAGE))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (f.getFileName().toString().endsWith(".class")) {
            classes.put(f.getFileName().toString(), Files.readAllBytes(f));
          }
        }
      }
      return classes;
    }
    try (JarFile jar = new JarFile(location.toFile())) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry e = entries.nextElement();
        String rest =
            e.getName().startsWith(PACKAGE) ? e.getName().substring(PACKAGE.length()) : "";
        if (rest.endsWith(".class") && !rest.contains("/")) {
          try (InputStream in = jar.getInputStream(e)) {
            classes.put(rest, in.readAllBytes());
          }
        }
      }
    }
    return classes;
  }
}
