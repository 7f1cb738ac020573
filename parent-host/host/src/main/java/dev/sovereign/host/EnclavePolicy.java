package dev.sovereign.host;

import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * The policy this host loads into an enclave that booted without one ({@code LoadPolicy},
 * docs/enclave-protocol.md). The host never overwrites: an enclave that already runs another policy
 * is refused. Loading moves no trust to the host: the enclave checks the policy lists its own PCR0
 * and binds its hash into every attestation, which producers and the key broker check.
 */
final class EnclavePolicy {
  private static final Logger LOG = Logger.getLogger(EnclavePolicy.class);

  /** The enclave runs a policy with another hash (or refused ours); nothing was changed in it. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    Refused(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    /** {@code policy-mismatch} or {@code policy-invalid}. */
    String code() {
      return code;
    }
  }

  private final Path file;
  private final String yaml;
  private final String sha256;

  private EnclavePolicy(Path file, String yaml, String sha256) {
    this.file = file;
    this.yaml = yaml;
    this.sha256 = sha256;
  }

  /** Reads and validates {@code file} (the enclave validates it again). */
  static EnclavePolicy read(Path file) throws IOException, InvalidPolicyException {
    String yaml = Files.readString(file, StandardCharsets.UTF_8);
    return new EnclavePolicy(file, yaml, PolicyLoader.parse(yaml).sha256Hex());
  }

  Path file() {
    return file;
  }

  /** The policy's hash, as the enclave reports and attests it. */
  String sha256() {
    return sha256;
  }

  /** Whether {@code health} reports this policy. */
  boolean runsIn(Message.HealthStatus health) {
    return sha256.equals(health.policySha256());
  }

  /**
   * Makes the enclave behind {@code link} run this policy: loads it if the enclave has none,
   * accepts one that runs it already, refuses one that runs another.
   *
   * @return true if this call loaded the policy (the enclave is new and holds nothing yet)
   */
  boolean ensure(EnclaveLink link) throws EnclaveLink.LinkException, Refused {
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Message.HealthStatus h = link.call(new Message.Health(), Message.HealthStatus.class);
        if (!runsIn(h)) {
          throw mismatch(h.enclaveDid(), h.policySha256());
        }
        return false;
      } catch (EnclaveLink.EnclaveErrorException e) {
        if (!EnclaveGateway.is(e, ErrorCode.POLICY_NOT_LOADED)) {
          throw new EnclaveLink.LinkException("the enclave answered Health with " + e.code(), e);
        }
      }
      try {
        Message.PolicyLoaded loaded =
            link.call(new Message.LoadPolicy(yaml), Message.PolicyLoaded.class);
        if (!sha256.equals(loaded.policySha256())) {
          throw mismatch(loaded.enclaveDid(), loaded.policySha256());
        }
        LOG.infof(
            "loaded policy %s (sha256 %s) into enclave %s",
            file.getFileName(), sha256, loaded.enclaveDid());
        return true;
      } catch (EnclaveLink.EnclaveErrorException e) {
        if (EnclaveGateway.is(e, ErrorCode.POLICY_INVALID)) {
          // The enclave's own words about the policy (names, its PCR0): no secrets.
          LOG.errorf("the enclave refused policy %s: %s", file.getFileName(), e.detail());
          throw new Refused("policy-invalid", "the enclave refused this host's policy");
        }
        if (!EnclaveGateway.is(e, ErrorCode.POLICY_ALREADY_LOADED)) {
          throw new EnclaveLink.LinkException(
              "the enclave answered LoadPolicy with " + e.code(), e);
        }
        // Someone loaded a policy between our Health and LoadPolicy: look again (once).
      }
    }
    throw new Refused("policy-mismatch", "the enclave's policy changed while it was being loaded");
  }

  private Refused mismatch(String enclaveDid, String theirs) {
    LOG.errorf(
        "enclave %s runs policy sha256 %s, not %s (%s); refusing to use it",
        enclaveDid, theirs, sha256, file.getFileName());
    return new Refused("policy-mismatch", "the enclave runs another policy than this host's");
  }
}
