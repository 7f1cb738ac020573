package dev.sovereign.did.fabric.ledger;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.file.Path;
import java.util.List;

/**
 * Child process for the crash tests: writes creates and updates in a loop, printing "committed DID"
 * after each commit. Mode "halt-after-put N": on the N-th write, halts the JVM (no shutdown hooks,
 * no rollback) right after the first state row of that write was inserted. Mode "loop": writes
 * until killed.
 */
public final class CrashWriter {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int haltAt = args[1].equals("loop") ? -1 : Integer.parseInt(args[2]);
    int[] writes = {0};
    EmbeddedLedger.WriteFault fault =
        step -> {
          if (writes[0] == haltAt && step.equals("put")) {
            System.out.println("halting mid-write");
            System.out.flush();
            Runtime.getRuntime().halt(137);
          }
        };
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", fault)) {
      for (int i = 0; i < 100_000; i++) {
        SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
        writes[0]++;
        VersionRecord v1 = ledger.submit(FabricDocuments.create("local", key));
        writes[0]++;
        ledger.submit(
            FabricDocuments.update(
                v1.did(),
                v1.versionId(),
                FabricDocuments.document(v1.did(), List.of(key.publicKey()), 1),
                v1.did() + "#key-1",
                key));
        System.out.println("committed " + v1.did());
        System.out.flush();
      }
    }
  }
}
