package org.hyperledger.fabric.contract;

/** Test access to the fabric-contract-api router's package-private contract scan (same package). */
public final class ContractRouterAccess {
  private ContractRouterAccess() {}

  /**
   * A router that has scanned the class path for contracts, as {@code ContractRouter.main} does
   * before connecting.
   */
  public static ContractRouter scanned() {
    ContractRouter router =
        new ContractRouter(new String[] {"--id", "didfabric:1", "--peerAddress", "127.0.0.1:7052"});
    router.findAllContracts();
    return router;
  }
}
