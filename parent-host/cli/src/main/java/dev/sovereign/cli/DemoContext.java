package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.nsm.SimulatedNsm;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.SortedMap;

/** What the demo's steps share: settings, the simulated enclave, the evidence directory and narration. */
final class DemoContext {
  final Path out;
  final Path stateDir;
  final Path enclaveJar;
  final PrintWriter narration;
  final ObjectMapper mapper = new ObjectMapper();
  final ObjectNode evidence = mapper.createObjectNode();

  SimulatedNsm nsm;
  X509Certificate simulationRoot;
  SortedMap<Integer, byte[]> expectedPcrs;
  KeyPair enclaveEncryptionKey;
  byte[] producerNonce;
  byte[] userData;
  byte[] document;

  DemoContext(Path out, Path stateDir, Path enclaveJar, PrintWriter narration) {
    this.out = out;
    this.stateDir = stateDir;
    this.enclaveJar = enclaveJar;
    this.narration = narration;
  }

  /** One line of narration on stderr, indented under the current step. */
  void say(String line) {
    narration.println("      " + line);
    narration.flush();
  }

  /** Writes one evidence file into the output directory. */
  Path write(String name, byte[] content) throws IOException {
    Path p = out.resolve(name);
    Files.write(p, content);
    return p;
  }
}
