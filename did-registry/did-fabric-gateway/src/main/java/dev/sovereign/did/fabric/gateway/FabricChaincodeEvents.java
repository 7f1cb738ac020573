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
 * invalidation). When the event stream breaks (the peer restarted, the connection dropped) it
 * reconnects with a growing back-off and resumes at the block of the last event it delivered, so no
 * committed change is missed; events of that block are delivered again, which listeners treat as
 * no-ops. If the stream breaks before any event was seen, {@code onGap} runs (drop every cached
 * answer: changes in between cannot be known).
 */
public final class FabricChaincodeEvents implements AutoCloseable {
  private static final long MAX_BACKOFF_MS = 30_000;

  private final Network network;
  private final String chaincode;
  private final DidChangeListener listener;
  private final Runnable onGap;
  private final Thread thread;
  private volatile boolean closed;
  private volatile CloseableIterator<ChaincodeEvent> current;
  private long lastBlock = -1;

  private FabricChaincodeEvents(
      Network network, String chaincode, DidChangeListener listener, Runnable onGap) {
    this.network = network;
    this.chaincode = chaincode;
    this.listener = listener;
    this.onGap = onGap;
    this.thread = new Thread(this::run, "did-fabric-events");
    thread.setDaemon(true);
  }

  /** Starts following events of {@code chaincode} from the next commit on. */
  public static FabricChaincodeEvents follow(
      Network network, String chaincode, DidChangeListener listener) {
    return follow(network, chaincode, listener, () -> {});
  }

  /**
   * As {@link #follow(Network, String, DidChangeListener)}; {@code onGap} runs when events may have
   * been missed (the stream broke before its first event).
   */
  public static FabricChaincodeEvents follow(
      Network network, String chaincode, DidChangeListener listener, Runnable onGap) {
    FabricChaincodeEvents f = new FabricChaincodeEvents(network, chaincode, listener, onGap);
    f.current = network.getChaincodeEvents(chaincode);
    f.thread.start();
    return f;
  }

  private void run() {
    long backoff = 250;
    while (!closed) {
      try {
        CloseableIterator<ChaincodeEvent> events = current;
        if (events == null) {
          events =
              lastBlock < 0
                  ? network.getChaincodeEvents(chaincode)
                  : network
                      .newChaincodeEventsRequest(chaincode)
                      .startBlock(lastBlock)
                      .build()
                      .getEvents();
          current = events;
        }
        while (events.hasNext()) {
          ChaincodeEvent event = events.next();
          lastBlock = event.getBlockNumber();
          backoff = 250;
          if (DidFabricContract.EVENT_NAME.equals(event.getEventName())) {
            try {
              ObjectNode payload = Jcs.parseObject(event.getPayload());
              listener.didChanged(
                  Did.parse(payload.get("did").textValue()),
                  Optional.of(payload.get("versionId").textValue()));
            } catch (RuntimeException malformed) {
              // not an event this chaincode writes: ignore it, keep following
            }
          }
        }
      } catch (RuntimeException e) {
        // the stream ended: reconnect below
      }
      current = null;
      if (closed) {
        return;
      }
      if (lastBlock < 0) {
        onGap.run();
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  @Override
  public void close() {
    closed = true;
    CloseableIterator<ChaincodeEvent> events = current;
    if (events != null) {
      events.close();
    }
    thread.interrupt();
  }
}
