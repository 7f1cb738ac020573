package dev.sovereign.enclave.pipeline;

import java.util.List;
import java.util.Set;

/**
 * What a producer's verified credential grants: the region it may speak for and the datasets it may
 * contribute to, with the ids of the credentials (and issuer chain) that granted it.
 */
public record ProducerAuthorization(String producerDid, String region, Set<String> datasets, List<String> chain) {
  public ProducerAuthorization {
    datasets = Set.copyOf(datasets);
    chain = List.copyOf(chain);
  }
}
