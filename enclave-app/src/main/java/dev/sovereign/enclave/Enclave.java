package dev.sovereign.enclave;

import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.Nsms;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.EvidenceFabricResolver;
import dev.sovereign.enclave.pipeline.FabricEvidence;
import dev.sovereign.enclave.pipeline.FabricProducerKeys;
import dev.sovereign.enclave.pipeline.HostWordDidDocuments;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.ResultIssuer;
import dev.sovereign.enclave.seal.SealingService;
import dev.sovereign.enclave.server.EnclaveServer;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.enclave.server.RequestHandler;
import dev.sovereign.kms.aws.AwsKmsKeyBroker;
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
 * A booted enclave: policy loaded, keys made, attestation document obtained, own measurement
 * checked against the policy, socket bound. {@link #serve()} blocks.
 */
public final class Enclave implements Closeable {
  private final EnclaveIdentity identity;
  private final EnclaveServer server;
  private final Nsm nsm;
  private final Gate gate;

  private Enclave(EnclaveIdentity identity, EnclaveServer server, Nsm nsm, Gate gate) {
    this.identity = identity;
    this.server = server;
    this.nsm = nsm;
    this.gate = gate;
  }

  /** A boot step failed; the message says which and why (no stack trace needed). */
  public static final class BootException extends Exception {
    public BootException(String message) {
      super(message);
    }
  }

  /** What exists once a policy is loaded: the request handler built for it and what it owns. */
  private record Activation(
      SovereigntyPolicy policy,
      RequestHandler handler,
      ExecutorService verifiers,
      AwsKmsKeyBroker keyBroker) {}

  /**
   * Boots the enclave. With {@code options.policy()} the policy is loaded from that file now (an
   * invalid policy or an unlisted PCR0 refuses to start); without, the enclave serves only {@link
   * Message.LoadPolicy} until the host sends the policy (once per boot).
   */
  public static Enclave boot(EnclaveOptions options) throws BootException, IOException {
    SovereigntyPolicy preloaded = null;
    if (options.policy() != null) {
      try {
        preloaded = PolicyLoader.load(options.policy());
      } catch (InvalidPolicyException e) {
        throw new BootException(options.policy() + ": " + e.getMessage());
      } catch (java.nio.file.NoSuchFileException e) {
        throw new BootException("policy file not found: " + options.policy());
      }
    }
    SecureRandom random = new SecureRandom();
    EnclaveIdentity identity = EnclaveIdentity.generate(random);
    Path artifact = options.measuredArtifact().orElseGet(Enclave::runningJar);
    if (!Files.isRegularFile(artifact)) {
      throw new BootException(
          "the artifact to measure is not a file: "
              + artifact
              + " (run the enclave jar, or pass --measure JAR)");
    }
    SimulationConfig simulation = SimulationConfig.of(options.stateDir(), artifact);
    if (options.simParentRole().isPresent()) {
      simulation = simulation.withParentRoleArn(options.simParentRole().get());
    }
    if (options.simParentInstance().isPresent()) {
      try {
        simulation = simulation.withParentInstanceId(options.simParentInstance().get());
      } catch (IllegalArgumentException e) {
        throw new BootException("--sim-parent-instance: " + e.getMessage());
      }
    }
    Nsm nsm;
    try {
      nsm = options.simulatedNsm() ? SimulatedNsm.open(simulation) : Nsms.device();
    } catch (Nsms.UnavailableException e) {
      throw new BootException(
          e.getMessage()
              + (options.simulatedNsm()
                  ? ""
                  : "; for development give --simulate-nsm (a simulated NSM whose root is public)"));
    }
    Gate gate = new Gate(options, nsm, identity, random);
    if (preloaded != null) {
      try {
        gate.active =
            activate(
                preloaded,
                options,
                nsm,
                identity,
                random,
                gate.credentials,
                options.policy() + ": ");
      } catch (BootException e) {
        nsm.close();
        throw e;
      }
    }
    EnclaveServer server;
    try {
      server = EnclaveServer.bind(options.listen(), gate, options.maxFrame());
    } catch (IOException | RuntimeException e) {
      gate.close();
      nsm.close();
      throw e;
    }
    return new Enclave(identity, server, nsm, gate);
  }

  /**
   * Everything that needs the policy: the boot attestation document, the PCR0 check, the services.
   */
  private static Activation activate(
      SovereigntyPolicy policy,
      EnclaveOptions options,
      Nsm nsm,
      EnclaveIdentity identity,
      SecureRandom random,
      KmsCredentialsProvider credentials,
      String source)
      throws BootException {
    byte[] document =
        nsm.attestation(identity.userData(policy.sha256Hex()), null, identity.encryptionKeySpki());
    String pcr0;
    try {
      pcr0 =
          HexFormat.of()
              .formatHex(AttestationDocuments.parse(document).unverifiedDocument().pcr(0));
    } catch (AttestationRejectedException e) {
      throw new BootException("the NSM returned a document that does not parse: " + e.getMessage());
    }
    if (!policy.acceptedPcr0().contains(pcr0)) {
      throw new BootException(
          source + "enclave.acceptedMeasurements: this enclave's PCR0 " + pcr0 + " is not listed");
    }
    Clock clock = Clock.systemUTC();
    EvidenceStore evidence = new EvidenceStore(policy.evidence().statusListMaxAge());
    AtomicInteger n = new AtomicInteger();
    ExecutorService verifiers =
        Executors.newFixedThreadPool(
            Math.max(1, options.threads()),
            r -> {
              Thread t = new Thread(r, "enclave-verifier-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    SealingService.ServiceFactory factory =
        id ->
            service(
                policy,
                id,
                nsm,
                nsm.attestation(id.userData(policy.sha256Hex()), null, id.encryptionKeySpki()),
                verifiers,
                evidence,
                clock,
                random);
    EnclaveService service =
        service(policy, identity, nsm, document, verifiers, evidence, clock, random);
    RequestHandler handler = service;
    AwsKmsKeyBroker keyBroker = null;
    if (options.keyBroker().isPresent()) {
      KeyBrokerOptions kb = options.keyBroker().get();
      SealBinding binding;
      try {
        binding =
            SealBinding.create(
                kb.keyId(),
                HexFormat.of().parseHex(pcr0),
                kb.zone().orElse(policy.enclaveRegion().toUpperCase(java.util.Locale.ROOT)),
                HexFormat.of().parseHex(policy.sha256Hex()));
        keyBroker =
            AwsKmsKeyBroker.builder()
                .endpoint(kb.endpoint())
                .region(kb.kmsRegion())
                .credentials(credentials)
                .build();
      } catch (IllegalArgumentException e) {
        verifiers.shutdownNow();
        throw new BootException("key broker: " + e.getMessage());
      }
      handler =
          new SealingService(
              policy, nsm, keyBroker, binding, identity, service, factory, random, clock);
    }
    return new Activation(policy, handler, verifiers, keyBroker);
  }

  /**
   * The first handler of every request: {@link Message.LoadPolicy} loads the policy once per boot;
   * until then every other request is {@code policy-not-loaded}, afterwards it goes to the policy's
   * handler.
   */
  private static final class Gate implements RequestHandler {
    private final EnclaveOptions options;
    private final Nsm nsm;
    private final EnclaveIdentity identity;
    private final SecureRandom random;
    private final KmsCredentialsProvider credentials;
    private volatile Activation active;

    Gate(EnclaveOptions options, Nsm nsm, EnclaveIdentity identity, SecureRandom random) {
      this.options = options;
      this.nsm = nsm;
      this.identity = identity;
      this.random = random;
      this.credentials = KmsCredentialsProvider.of(options.keyBroker());
    }

    @Override
    public Message.Response handle(Message.Request request) {
      if (request instanceof Message.LoadPolicy l) {
        return load(l);
      }
      if (request instanceof Message.KmsCredentials k) {
        return kmsCredentials(k);
      }
      Activation a = active;
      if (a == null) {
        return Message.Error.of(ErrorCode.POLICY_NOT_LOADED, "this enclave waits for LoadPolicy");
      }
      return a.handler().handle(request);
    }

    /** New KMS credentials from the host (before or after the policy); only with a key broker. */
    private Message.Response kmsCredentials(Message.KmsCredentials k) {
      if (options.keyBroker().isEmpty()) {
        return Message.Error.of(ErrorCode.UNAVAILABLE, "this enclave runs without a key broker");
      }
      try {
        credentials.update(k.accessKeyId(), k.secretAccessKey(), k.sessionToken());
      } catch (IllegalArgumentException e) {
        return Message.Error.of(ErrorCode.MALFORMED_MESSAGE, e.getMessage());
      }
      return new Message.KmsCredentialsSet(k.accessKeyId());
    }

    private synchronized Message.Response load(Message.LoadPolicy l) {
      if (active != null) {
        return Message.Error.of(
            ErrorCode.POLICY_ALREADY_LOADED,
            "this enclave runs policy " + active.policy().sha256Hex() + " until it restarts");
      }
      if (l.yaml() == null) {
        return Message.Error.of(ErrorCode.MALFORMED_MESSAGE, "yaml is required");
      }
      SovereigntyPolicy policy;
      try {
        policy = PolicyLoader.parse(l.yaml());
      } catch (InvalidPolicyException e) {
        return Message.Error.of(ErrorCode.POLICY_INVALID, e.getMessage());
      }
      try {
        active = activate(policy, options, nsm, identity, random, credentials, "");
      } catch (BootException e) {
        return Message.Error.of(ErrorCode.POLICY_INVALID, e.getMessage());
      } catch (RuntimeException e) {
        return Message.Error.of(ErrorCode.INTERNAL, "the policy could not be activated");
      }
      return new Message.PolicyLoaded(policy.sha256Hex(), identity.did());
    }

    void close() {
      Activation a = active;
      if (a != null) {
        a.verifiers().shutdownNow();
        if (a.keyBroker() != null) {
          a.keyBroker().close();
        }
      }
    }
  }

  private static EnclaveService service(
      SovereigntyPolicy policy,
      EnclaveIdentity identity,
      Nsm nsm,
      byte[] document,
      ExecutorService verifiers,
      EvidenceStore evidence,
      Clock clock,
      SecureRandom random) {
    FabricEvidence fabric = new FabricEvidence(policy, clock, random);
    // did:ethr only where the policy accepts it, and then on the host's word (results say so)
    HostWordDidDocuments ethr =
        policy.didMethods().contains("ethr") ? new HostWordDidDocuments(clock) : null;
    var resolvers = DidResolvers.builder().withDidKey().method(new EvidenceFabricResolver(fabric));
    if (ethr != null) {
      resolvers.method(ethr);
    }
    DidResolver resolver = resolvers.build();
    Credentials.Stage credentials =
        Credentials.verifier(
            resolver,
            clock,
            evidence,
            identity::did,
            policy.evidence().statusListMaxAge(),
            policy.evidence().requireCredentialStatus());
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new FabricProducerKeys(fabric, new DidProducerKeys(resolver, clock)),
            credentials.producers(),
            clock);
    return new EnclaveService(
        policy,
        identity,
        nsm,
        pipeline,
        new ResultIssuer(identity, policy, document, random),
        verifiers,
        evidence,
        fabric,
        ethr,
        credentials.statusLists(),
        clock);
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

  /** The loaded policy; empty while the enclave waits for {@link Message.LoadPolicy}. */
  public java.util.Optional<SovereigntyPolicy> policy() {
    Activation a = gate.active;
    return a == null ? java.util.Optional.empty() : java.util.Optional.of(a.policy());
  }

  /**
   * One line for the operator: address, DID, policy hash (or that it waits for the host's policy).
   */
  public String banner() {
    return "enclave: serving on "
        + server.address()
        + " as "
        + identity.did()
        + policy()
            .map(p -> " with policy sha256 " + p.sha256Hex())
            .orElse(" waiting for the host's policy (LoadPolicy)");
  }

  /** Serves until closed. */
  public void serve() throws IOException {
    server.serve();
  }

  @Override
  public void close() throws IOException {
    server.close();
    gate.close();
    nsm.close();
  }
}
