package dev.sovereign.enclave;

import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.Nsms;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.round.ResultIssuer;
import dev.sovereign.enclave.server.EnclaveServer;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A booted enclave: policy loaded, keys made, attestation document obtained, own measurement checked
 * against the policy, socket bound. {@link #serve()} blocks.
 */
public final class Enclave implements Closeable {
  private final EnclaveIdentity identity;
  private final SovereigntyPolicy policy;
  private final EnclaveServer server;
  private final Nsm nsm;
  private final ExecutorService verifiers;

  private Enclave(EnclaveIdentity identity, SovereigntyPolicy policy, EnclaveServer server, Nsm nsm,
      ExecutorService verifiers) {
    this.identity = identity;
    this.policy = policy;
    this.server = server;
    this.nsm = nsm;
    this.verifiers = verifiers;
  }

  /** A boot step failed; the message says which and why (no stack trace needed). */
  public static final class BootException extends Exception {
    public BootException(String message) {
      super(message);
    }
  }

  /** Boots the enclave. */
  public static Enclave boot(EnclaveOptions options) throws BootException, IOException {
    SovereigntyPolicy policy;
    try {
      policy = PolicyLoader.load(options.policy());
    } catch (InvalidPolicyException e) {
      throw new BootException(options.policy() + ": " + e.getMessage());
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BootException("policy file not found: " + options.policy());
    }
    SecureRandom random = new SecureRandom();
    EnclaveIdentity identity = EnclaveIdentity.generate(random);
    Path artifact = options.measuredArtifact().orElseGet(Enclave::runningJar);
    if (!Files.isRegularFile(artifact)) {
      throw new BootException("the artifact to measure is not a file: " + artifact
          + " (run the enclave jar, or pass --measure JAR)");
    }
    Nsm nsm = Nsms.open(options.stateDir(), artifact);
    byte[] document = nsm.attestation(identity.userData(policy.sha256Hex()), null, identity.encryptionKeySpki());
    String pcr0;
    try {
      pcr0 = HexFormat.of().formatHex(AttestationDocuments.parse(document).unverifiedDocument().pcr(0));
    } catch (AttestationRejectedException e) {
      nsm.close();
      throw new BootException("the NSM returned a document that does not parse: " + e.getMessage());
    }
    if (!policy.acceptedPcr0().contains(pcr0)) {
      nsm.close();
      throw new BootException(options.policy() + ": enclave.acceptedMeasurements: this enclave's PCR0 " + pcr0
          + " is not listed");
    }
    Clock clock = Clock.systemUTC();
    DidResolver resolver = DidResolvers.builder().withDidKey().build();
    EvidenceStore evidence = new EvidenceStore();
    ProducerCredentials credentials = Credentials.verifier(resolver, clock, evidence, identity::did);
    PayloadPipeline pipeline = new PayloadPipeline(policy, identity.encryptionPrivateKey(), identity.encryptionKid(),
        new DidProducerKeys(resolver, clock), credentials, clock);
    AtomicInteger n = new AtomicInteger();
    ExecutorService verifiers = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
      Thread t = new Thread(r, "enclave-verifier-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    EnclaveService service = new EnclaveService(policy, identity, nsm,
        pipeline, new ResultIssuer(identity, policy, document, random), verifiers, evidence, clock);
    EnclaveServer server = EnclaveServer.bind(options.listen(), service, options.maxFrame());
    return new Enclave(identity, policy, server, nsm, verifiers);
  }

  private static Path runningJar() {
    try {
      return Path.of(Enclave.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException e) {
      return Path.of("");
    }
  }

  public EnclaveIdentity identity() {
    return identity;
  }

  public SovereigntyPolicy policy() {
    return policy;
  }

  /** One line for the operator: address, DID, policy hash. */
  public String banner() {
    return "enclave: serving on " + server.address() + " as " + identity.did() + " with policy sha256 "
        + policy.sha256Hex();
  }

  /** Serves until closed. */
  public void serve() throws IOException {
    server.serve();
  }

  @Override
  public void close() throws IOException {
    server.close();
    verifiers.shutdownNow();
    nsm.close();
  }
}
