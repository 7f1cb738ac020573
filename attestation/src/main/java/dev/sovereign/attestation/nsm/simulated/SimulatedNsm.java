package dev.sovereign.attestation.nsm.simulated;

import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.nsm.DevNsm;
import dev.sovereign.attestation.nsm.Digest;
import dev.sovereign.attestation.nsm.ErrorCode;
import dev.sovereign.attestation.nsm.MalformedNsmMessageException;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.NsmCodec;
import dev.sovereign.attestation.nsm.Nsms;
import dev.sovereign.attestation.nsm.Request;
import dev.sovereign.attestation.nsm.Response;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The embedded-default NSM: same requests and responses, same bytes on the wire, documents signed
 * by its own P-384 PKI (the "simulation root", never an AWS one). One instance is one enclave boot:
 * PCR0..4 and 8 are measured at {@link #open} (see {@link SimulatedMeasurements}), PCRs 0..15 are
 * locked, 16..31 are zero and extendable until locked, as the real NSM behaves (the rules follow
 * {@code nsm-test/src/bin/nsm-check.rs} of aws-nitro-enclaves-nsm-api):
 *
 * <ul>
 *   <li>an index at or past {@value #MAX_PCRS}: {@code InvalidIndex} (DescribePCR, ExtendPCR,
 *       LockPCR); {@code LockPCRs} with a range past {@value #MAX_PCRS}: {@code InvalidIndex};
 *   <li>extending a locked PCR: {@code ReadOnlyIndex}; locking one of 0..15: {@code ReadOnlyIndex};
 *       locking 16..31 again, or a range covering locked PCRs: success;
 *   <li>an encoded request over 4 KiB: {@code InputTooLarge} (the driver's limit); {@code
 *       user_data}, {@code nonce} or {@code public_key} over 1024 bytes: {@code InputTooLarge}; an
 *       empty {@code public_key}: {@code InvalidArgument};
 *   <li>documents carry every locked PCR, timestamp in ms, the leaf and the bundle root first;
 *       {@code GetRandom} returns 256 bytes.
 * </ul>
 */
public final class SimulatedNsm implements Nsm {
  /** PCRs in the bank, as {@code max_pcrs} of a real NSM. */
  public static final int MAX_PCRS = 32;

  /** PCRs 0..15 are locked at boot. */
  public static final int LOCKED_AT_BOOT = 16;

  /** Limit on {@code user_data}, {@code nonce} and {@code public_key}. */
  public static final int MAX_ATTESTATION_FIELD = 1024;

  /** Bytes returned by one {@code GetRandom}. */
  public static final int RANDOM_BYTES = 256;

  /** {@code DescribeNSM} version the simulation reports. */
  public static final int VERSION_MAJOR = 1;

  private final SimulatedPki pki;
  private final SimulationConfig config;
  private final byte[][] pcrs = new byte[MAX_PCRS][];
  private final boolean[] locked = new boolean[MAX_PCRS];
  private final SecureRandom random = new SecureRandom();
  private boolean closed;

  private SimulatedNsm(SimulatedPki pki, SimulationConfig config, SortedMap<Integer, byte[]> boot) {
    this.pki = pki;
    this.config = config;
    for (int i = 0; i < MAX_PCRS; i++) {
      pcrs[i] =
          boot.containsKey(i) ? boot.get(i).clone() : new byte[SimulatedMeasurements.PCR_LENGTH];
      locked[i] = i < LOCKED_AT_BOOT;
    }
  }

  /**
   * Boots a simulated enclave: loads or creates the PKI and measures the enclave artifact.
   *
   * @throws Nsms.UnavailableException inside a Nitro Enclave ({@code /dev/nsm} exists): there the
   *     hypervisor measures the enclave and a simulation would only hide that
   */
  public static SimulatedNsm open(SimulationConfig config) throws IOException {
    if (DevNsm.available()) {
      throw new Nsms.UnavailableException(
          "the simulated NSM was chosen on a machine with "
              + DevNsm.DEVICE
              + " (a Nitro Enclave): use the NSM device");
    }
    SimulatedPki pki =
        SimulatedPki.open(
            config.stateDir(), config.region(), config.parentInstanceId(), config.clock());
    SortedMap<Integer, byte[]> boot =
        SimulatedMeasurements.boot(
            config.enclaveArtifact(), config.parentRoleArn(), pki.instanceId());
    return new SimulatedNsm(pki, config, boot);
  }

  /**
   * The simulation root kept in {@code stateDir} (created on first use): public, pin it to trust
   * this NSM.
   */
  public static X509Certificate rootCertificate(Path stateDir) throws IOException {
    return SimulatedPki.root(stateDir);
  }

  /** The simulation root certificate in PEM. */
  public static String pem(X509Certificate certificate) {
    try {
      return new String(
          SimulatedPki.pem("CERTIFICATE", certificate.getEncoded()),
          java.nio.charset.StandardCharsets.US_ASCII);
    } catch (IOException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode a certificate", e);
    }
  }

  /** This NSM's root certificate. */
  public X509Certificate rootCertificate() {
    return pki.root();
  }

  /** The parent instance id this enclave measured into PCR4. */
  public String parentInstanceId() {
    return pki.instanceId();
  }

  /** The configuration this enclave booted with. */
  public SimulationConfig config() {
    return config;
  }

  @Override
  public String kind() {
    return "simulated";
  }

  @Override
  public Response process(Request request) {
    return NsmCodec.decodeResponseOrInternalError(exchange(NsmCodec.encode(request)));
  }

  /**
   * One round trip in raw CBOR, with the device's request limit: what {@code /dev/nsm} would do.
   */
  public synchronized byte[] exchange(byte[] requestBytes) {
    if (closed) {
      throw new IllegalStateException("the simulated NSM is closed");
    }
    if (requestBytes.length > DevNsm.REQUEST_MAX_SIZE) {
      return NsmCodec.encode(new Response.Error(ErrorCode.INPUT_TOO_LARGE));
    }
    Request request;
    try {
      request = NsmCodec.decodeRequest(requestBytes);
    } catch (MalformedNsmMessageException | IllegalArgumentException e) {
      return NsmCodec.encode(new Response.Error(ErrorCode.INVALID_ARGUMENT));
    }
    byte[] response = NsmCodec.encode(handle(request));
    if (response.length > DevNsm.RESPONSE_MAX_SIZE) {
      return NsmCodec.encode(new Response.Error(ErrorCode.BUFFER_TOO_SMALL));
    }
    return response;
  }

  private Response handle(Request request) {
    if (request instanceof Request.DescribePcr r) {
      if (r.index() >= MAX_PCRS) {
        return new Response.Error(ErrorCode.INVALID_INDEX);
      }
      return new Response.DescribePcr(locked[r.index()], pcrs[r.index()]);
    }
    if (request instanceof Request.ExtendPcr r) {
      if (r.index() >= MAX_PCRS) {
        return new Response.Error(ErrorCode.INVALID_INDEX);
      }
      if (locked[r.index()]) {
        return new Response.Error(ErrorCode.READ_ONLY_INDEX);
      }
      pcrs[r.index()] = SimulatedMeasurements.extend(pcrs[r.index()], r.data());
      return new Response.ExtendPcr(pcrs[r.index()]);
    }
    if (request instanceof Request.LockPcr r) {
      if (r.index() >= MAX_PCRS) {
        return new Response.Error(ErrorCode.INVALID_INDEX);
      }
      if (r.index() < LOCKED_AT_BOOT) {
        return new Response.Error(ErrorCode.READ_ONLY_INDEX);
      }
      locked[r.index()] = true;
      return new Response.LockPcr();
    }
    if (request instanceof Request.LockPcrs r) {
      if (r.range() > MAX_PCRS) {
        return new Response.Error(ErrorCode.INVALID_INDEX);
      }
      for (int i = 0; i < r.range(); i++) {
        locked[i] = true;
      }
      return new Response.LockPcrs();
    }
    if (request instanceof Request.DescribeNsm) {
      SortedSet<Integer> lockedSet = new TreeSet<>();
      for (int i = 0; i < MAX_PCRS; i++) {
        if (locked[i]) {
          lockedSet.add(i);
        }
      }
      return new Response.DescribeNsm(
          VERSION_MAJOR, 0, 0, pki.moduleId(), MAX_PCRS, lockedSet, Digest.SHA384);
    }
    if (request instanceof Request.Attestation r) {
      return attest(r);
    }
    if (request instanceof Request.GetRandom) {
      byte[] b = new byte[RANDOM_BYTES];
      random.nextBytes(b);
      return new Response.GetRandom(b);
    }
    return new Response.Error(ErrorCode.INVALID_OPERATION);
  }

  private Response attest(Request.Attestation r) {
    byte[] userData = r.userData();
    byte[] nonce = r.nonce();
    byte[] publicKey = r.publicKey();
    if (tooLarge(userData) || tooLarge(nonce) || tooLarge(publicKey)) {
      return new Response.Error(ErrorCode.INPUT_TOO_LARGE);
    }
    if (publicKey != null && publicKey.length == 0) {
      return new Response.Error(ErrorCode.INVALID_ARGUMENT);
    }
    SimulatedPki.Issued issued;
    try {
      issued = pki.current();
    } catch (RuntimeException e) {
      return new Response.Error(ErrorCode.INTERNAL_ERROR);
    }
    SortedMap<Integer, byte[]> lockedPcrs = new TreeMap<>();
    for (int i = 0; i < MAX_PCRS; i++) {
      if (locked[i]) {
        lockedPcrs.put(i, pcrs[i].clone());
      }
    }
    try {
      List<byte[]> bundle = new ArrayList<>();
      for (X509Certificate c : issued.cabundle()) {
        bundle.add(c.getEncoded());
      }
      AttestationDocument doc =
          AttestationDocument.builder()
              .moduleId(pki.moduleId())
              .digest(AttestationDocument.DIGEST_SHA384)
              .timestampMillis(config.clock().millis())
              .pcrs(lockedPcrs)
              .certificate(issued.leaf().getEncoded())
              .cabundle(bundle)
              .publicKey(publicKey)
              .userData(userData)
              .nonce(nonce)
              .build();
      return new Response.Attestation(AttestationDocuments.sign(doc, issued.leafKey()));
    } catch (CertificateEncodingException | IllegalArgumentException e) {
      return new Response.Error(ErrorCode.INTERNAL_ERROR);
    }
  }

  private static boolean tooLarge(byte[] b) {
    return b != null && b.length > MAX_ATTESTATION_FIELD;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
