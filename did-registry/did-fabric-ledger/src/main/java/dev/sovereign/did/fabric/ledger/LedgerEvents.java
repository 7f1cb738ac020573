package dev.sovereign.did.fabric.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidChangeListener;
import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.Jcs;
import java.util.Optional;
import java.util.function.Consumer;

/** Turns did:fabric chaincode events into {@link DidChangeListener} calls (cache invalidation). */
public final class LedgerEvents {
  private LedgerEvents() {}

  /**
   * A listener for {@link EmbeddedLedger#addListener} that tells {@code target} which DID changed.
   */
  public static Consumer<LedgerEvent> invalidating(DidChangeListener target) {
    return event -> {
      if (!DidFabricContract.EVENT_NAME.equals(event.name())) {
        return;
      }
      ObjectNode payload = Jcs.parseObject(event.payload());
      target.didChanged(
          Did.parse(payload.get("did").textValue()),
          Optional.of(payload.get("versionId").textValue()));
    };
  }
}
