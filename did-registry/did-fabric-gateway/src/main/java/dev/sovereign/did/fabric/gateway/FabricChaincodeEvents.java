package dev.sovereign.did.fabric.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidChangeListener;
import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.Jcs;
import java.util.Optional;
import org.hyperledger.fabric.client.ChaincodeEvent;
import org.hyperledger.fabric.client.CloseableIterator;
import org.hyperledger.fabric.client.Network;

/**
 * Follows the did:fabric chaincode events of a channel and tells a {@link DidChangeListener} (cache
 * invalidation).
 */
public final class FabricChaincodeEvents implements AutoCloseable {
  private final CloseableIterator<ChaincodeEvent> events;
  private final Thread thread;

  private FabricChaincodeEvents(
      CloseableIterator<ChaincodeEvent> events, DidChangeListener listener) {
    this.events = events;
    this.thread =
        new Thread(
            () -> {
              try {
                while (events.hasNext()) {
                  ChaincodeEvent event = events.next();
                  if (DidFabricContract.EVENT_NAME.equals(event.getEventName())) {
                    ObjectNode payload = Jcs.parseObject(event.getPayload());
                    listener.didChanged(
                        Did.parse(payload.get("did").textValue()),
                        Optional.of(payload.get("versionId").textValue()));
                  }
                }
              } catch (RuntimeException e) {
                // The stream ended (closed or the gateway went away); caches fall back to their
                // TTL.
              }
            },
            "did-fabric-events");
    thread.setDaemon(true);
  }

  /** Starts following events of {@code chaincode} from the next commit on. */
  public static FabricChaincodeEvents follow(
      Network network, String chaincode, DidChangeListener listener) {
    FabricChaincodeEvents f =
        new FabricChaincodeEvents(network.getChaincodeEvents(chaincode), listener);
    f.thread.start();
    return f;
  }

  @Override
  public void close() {
    events.close();
  }
}
