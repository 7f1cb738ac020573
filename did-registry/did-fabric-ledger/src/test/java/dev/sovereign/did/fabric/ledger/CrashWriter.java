package dev.sovereign.did.fabric.ledger;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Child process for the crash tests: writes creates and updates in a loop, printing "committed DID"
 * after each commit. Mode "halt-after-put N": on the N-th write, halts the JVM (no shutdown hooks,
 * no rollback) right after the first state row of that write was inserted. Mode "loop": writes
 * until killed. Mode "concurrent": eight threads write (printing "acknowledged DID SEQUENCE
 * VERSIONID" when a submit returns) while two threads read DIDs whose create may still be in flight
 * (printing "read DID SEQUENCE VERSIONID" for each version a read returned), until killed.
 */
public final class CrashWriter {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    if (args[1].equals("concurrent")) {
      concurrent(dir);
      return;
    }
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

  private static void concurrent(Path dir) throws Exception {
    List<String> submitted = new CopyOnWriteArrayList<>();
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        threads.add(
            new Thread(
                () -> {
                  try {
                    while (true) {
                      SoftwareControllerKey key =
                          SoftwareControllerKey.generate(Multikey.Type.ED25519);
                      Operation create = FabricDocuments.create("local", key);
                      submitted.add(create.did());
                      print("acknowledged", ledger.submit(create));
                      VersionRecord v1 = ledger.read(create.did());
                      print(
                          "acknowledged",
                          ledger.submit(
                              FabricDocuments.update(
                                  v1.did(),
                                  v1.versionId(),
                                  FabricDocuments.document(v1.did(), List.of(key.publicKey()), 1),
                                  v1.did() + "#key-1",
                                  key)));
                    }
                  } catch (RejectedException e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      for (int t = 0; t < 2; t++) {
        threads.add(
            new Thread(
                () -> {
                  while (true) {
                    int n = submitted.size();
                    if (n == 0) {
                      Thread.yield();
                      continue;
                    }
                    // the newest DIDs: their create or update is most likely in flight
                    String did =
                        submitted.get(n - 1 - ThreadLocalRandom.current().nextInt(Math.min(n, 8)));
                    try {
                      print("read", ledger.read(did));
                    } catch (RejectedException e) {
                      // not written yet
                    }
                  }
                }));
      }
      for (Thread t : threads) {
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  private static void print(String what, VersionRecord v) {
    System.out.println(what + " " + v.did() + " " + v.sequence() + " " + v.versionId());
    System.out.flush();
  }
}
