package dev.sovereign.enclave.pipeline;

import java.util.List;
import java.util.Set;

/**
 * What a producer's verified credential grants: the regions it may speak for and the datasets it
 * may contribute to, with the issuers of the credential and of each accreditation up to the trust
 * anchor.
 */
public record ProducerAuthorization(
    String producerDid, Set<String> regions, Set<String> datasets, List<String> chain) {
  public ProducerAuthorization {
    regions = Set.copyOf(regions);
    datasets = Set.copyOf(datasets);
    chain = List.copyOf(chain);
  }
}
