package dev.sovereign.did.fabric.gateway;

import dev.sovereign.did.fabric.core.EndorsementVerifier;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * A did:fabric ledger on a Fabric network built from string settings (the CLI's and the resolver
 * provider's): {@code fabric.gateway} ({@code host:port}, TLS), {@code fabric.tlsCa}, {@code
 * fabric.mspId}, {@code fabric.cert}, {@code fabric.key}, {@code fabric.pinnedCa} ({@code
 * MSP=ca.pem[,...]}); optional {@code fabric.channel} (default {@code sovereign}), {@code
 * fabric.chaincode} (default {@code didfabric}), {@code fabric.authority}, {@code
 * fabric.minEndorsingOrgs} (default 1). The client key signs in process ({@link
 * Signers#newPrivateKeySigner}); HSM or enclave signing builds its own {@link Gateway}.
 */
public final class FabricGatewayConnection implements AutoCloseable {
  /** Setting that selects a Fabric network. */
  public static final String GATEWAY = "fabric.gateway";

  private final ManagedChannel channel;
  private final Gateway gateway;
  private final FabricGatewayLedger ledger;
  private final EndorsementVerifier verifier;

  private FabricGatewayConnection(
      ManagedChannel channel,
      Gateway gateway,
      FabricGatewayLedger ledger,
      EndorsementVerifier verifier) {
    this.channel = channel;
    this.gateway = gateway;
    this.ledger = ledger;
    this.verifier = verifier;
  }

  /** Connects as the settings say; IllegalArgumentException for missing or unreadable settings. */
  public static FabricGatewayConnection connect(Map<String, String> settings) throws IOException {
    String target = required(settings, GATEWAY);
    ManagedChannel channel = null;
    try {
      X509Certificate cert;
      try (Reader r = Files.newBufferedReader(Path.of(required(settings, "fabric.cert")))) {
        cert = Identities.readX509Certificate(r);
      }
      PrivateKey key;
      try (Reader r = Files.newBufferedReader(Path.of(required(settings, "fabric.key")))) {
        key = Identities.readPrivateKey(r);
      }
      String chaincode =
          settings.getOrDefault("fabric.chaincode", EndorsementVerifier.DEFAULT_CHAINCODE);
      Map<String, List<X509Certificate>> pinned = pinned(required(settings, "fabric.pinnedCa"));
      int minOrgs = Integer.parseInt(settings.getOrDefault("fabric.minEndorsingOrgs", "1"));
      EndorsementVerifier verifier = EndorsementVerifier.create(pinned, minOrgs, chaincode);
      ManagedChannelBuilder<?> builder =
          Grpc.newChannelBuilder(
              target,
              TlsChannelCredentials.newBuilder()
                  .trustManager(Path.of(required(settings, "fabric.tlsCa")).toFile())
                  .build());
      if (settings.containsKey("fabric.authority")) {
        builder.overrideAuthority(settings.get("fabric.authority"));
      }
      channel = builder.build();
      Gateway gateway =
          Gateway.newInstance()
              .identity(new X509Identity(required(settings, "fabric.mspId"), cert))
              .signer(Signers.newPrivateKeySigner(key))
              .connection(channel)
              .connect();
      FabricGatewayLedger ledger =
          new FabricGatewayLedger(
              gateway,
              settings.getOrDefault("fabric.channel", "sovereign"),
              chaincode,
              // one organisation's endorsement is what the chaincode policy asks; a verifier
              // needing several gets a peer of every pinned organisation
              minOrgs > 1 ? List.copyOf(pinned.keySet()) : List.of());
      return new FabricGatewayConnection(channel, gateway, ledger, verifier);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "fabric.*: unreadable certificate or key: " + e.getMessage(), e);
    } catch (RuntimeException | IOException e) {
      if (channel != null) {
        channel.shutdownNow();
      }
      throw e;
    }
  }

  public FabricGatewayLedger ledger() {
    return ledger;
  }

  /** Endorsement verification pinned to the configured organisation CAs and chaincode. */
  public EndorsementVerifier verifier() {
    return verifier;
  }

  @Override
  public void close() {
    gateway.close();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String required(Map<String, String> settings, String name) {
    String value = settings.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required for a Fabric network");
    }
    return value;
  }

  private static Map<String, List<X509Certificate>> pinned(String spec)
      throws IOException, GeneralSecurityException {
    Map<String, List<X509Certificate>> out = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("fabric.pinnedCa entries are MSP=path: " + entry);
      }
      try (Reader r = Files.newBufferedReader(Path.of(entry.substring(eq + 1).trim()))) {
        out.computeIfAbsent(entry.substring(0, eq).trim(), k -> new ArrayList<>())
            .add(Identities.readX509Certificate(r));
      }
    }
    return out;
  }
}
