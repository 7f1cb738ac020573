package dev.sovereign.enclave.pipeline;

import java.security.PublicKey;

/**
 * {@link ProducerKeys} that first requires verified did:fabric evidence for a did:fabric producer
 * ({@link RejectionReason#DID_EVIDENCE_MISSING}, {@link RejectionReason#DID_EVIDENCE_INVALID}),
 * then authorizes the key through {@code keys}, whose resolver answers did:fabric from that
 * evidence ({@link EvidenceFabricResolver}). Other methods go to {@code keys} directly.
 */
public final class FabricProducerKeys implements ProducerKeys {
  private final FabricEvidence evidence;
  private final ProducerKeys keys;

  public FabricProducerKeys(FabricEvidence evidence, ProducerKeys keys) {
    this.evidence = evidence;
    this.keys = keys;
  }

  @Override
  public PublicKey authorizedKey(String producerDid, String kid) throws PayloadRejectedException {
    requireEvidence(producerDid);
    return keys.authorizedKey(producerDid, kid);
  }

  @Override
  public PublicKey authorizedKey(String producerDid, String kid, java.time.Instant at)
      throws PayloadRejectedException {
    requireEvidence(producerDid);
    return keys.authorizedKey(producerDid, kid, at);
  }

  private void requireEvidence(String producerDid) throws PayloadRejectedException {
    if (producerDid.startsWith("did:fabric:")) {
      FabricEvidence.Lookup found = evidence.lookup(producerDid);
      if (found instanceof FabricEvidence.Invalid i) {
        throw new PayloadRejectedException(RejectionReason.DID_EVIDENCE_INVALID, i.reason().code());
      }
      if (found instanceof FabricEvidence.Missing m) {
        if (evidence.verifiable(producerDid)) {
          MissingEvidence.did(producerDid);
        }
        throw new PayloadRejectedException(RejectionReason.DID_EVIDENCE_MISSING, m.why());
      }
    }
  }
}
