package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.producer.AttestedEnclave;
import dev.sovereign.producer.HostClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo's steps share: settings, the world, the running host, the evidence directory and
 * narration.
 */
final class DemoContext {
  final Path out;
  final Path work;
  final Path enclaveJar;
  final Path hostApp;
  final PrintWriter narration;
  final ObjectMapper mapper = new ObjectMapper();
  final ObjectNode evidence = mapper.createObjectNode();
  final SecureRandom random = new SecureRandom();
  final String adminToken;
  final String round;

  /**
   * JVM arguments added to the host's command line (the benchmark raises the per-client rate
   * limit).
   */
  final List<String> hostJvmArgs = new ArrayList<>();

  /**
   * Payloads one producer may send in a round, and records per group, under the written policy: the
   * demo's bounds unless a caller (the HTTP bench, whose producers send thousands) sets its own.
   */
  int payloadsPerProducer = 4;

  int recordsPerGroup = 10;

  /** Whether records beyond those bounds are left out (true) or refuse the payload (the demo's). */
  boolean clampExcess = false;

  DemoWorld world;
  Path policyFile;
  String policySha256;
  byte[] pcr0;
  X509Certificate simulationRoot;
  DemoHost host;
  HostClient admin;
  HostClient producerClient;
  JsonNode attestationAnswer;
  byte[] producerNonce;
  byte[] document;
  byte[] userData;
  AttestedEnclave enclave;

  /**
   * Every enclave DID an attestation verified during the run (the audit log's heads must be signed
   * by these).
   */
  final java.util.Set<String> enclaveDids = new java.util.LinkedHashSet<>();

  /** The honest producers' records, by producer: the plain computation the result must equal. */
  final Map<String, ArrayNode> honestRecords = new TreeMap<>();

  /**
   * Leaves (hex SHA-256 of the JWE, the payload id) of the payloads that must be accepted, in
   * submission order.
   */
  final List<String> acceptedLeaves = new ArrayList<>();

  /** Expected rejection counts by reason code. */
  final Map<String, Long> expectedRejections = new TreeMap<>();

  String firstHonestJwe;
  String firstHonestInnerJws;
  String result;

  DemoContext(Path out, Path work, Path enclaveJar, Path hostApp, PrintWriter narration) {
    this.out = out;
    this.work = work;
    this.enclaveJar = enclaveJar;
    this.hostApp = hostApp;
    this.narration = narration;
    byte[] t = new byte[24];
    random.nextBytes(t);
    this.adminToken = java.util.HexFormat.of().formatHex(t);
    this.round =
        "demo-"
            + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
            + "-"
            + java.util.HexFormat.of().formatHex(t, 0, 3);
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

  /** Writes a JSON evidence file (pretty-printed). */
  Path writeJson(String name, JsonNode n) throws IOException {
    return write(name, mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
  }

  /** A producer-facing client of the running host. */
  HostClient producer() {
    return producerClient;
  }
}
