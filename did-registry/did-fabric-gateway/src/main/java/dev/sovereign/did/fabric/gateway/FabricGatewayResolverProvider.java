package dev.sovereign.did.fabric.gateway;

import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidMethodResolverProvider;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * did:fabric over a Fabric network for {@link dev.sovereign.did.DidResolvers#discover}. Enabled by
 * {@value #GATEWAY} ({@code host:port} of a peer's Gateway service, TLS); then required:
 * {@code fabric.tlsCa} (PEM of the peer's TLS CA), {@code fabric.mspId}, {@code fabric.cert} and
 * {@code fabric.key} (PEM client identity and PKCS#8 key), {@code fabric.pinnedCa}
 * ({@code MSP=ca.pem[,MSP=ca.pem...]}: the organisation CAs whose peers' endorsements count);
 * optional: {@code fabric.channel} (default {@code sovereign}, also the DID network),
 * {@code fabric.chaincode} (default {@code didfabric}), {@code fabric.authority} (TLS host name
 * override), {@code fabric.minEndorsingOrgs} (default 1). When enabled, the embedded ledger steps aside.
 */
public final class FabricGatewayResolverProvider implements DidMethodResolverProvider {
  /** Setting that selects the Fabric Gateway instead of the embedded ledger. */
  public static final String GATEWAY = "fabric.gateway";

  @Override
  public String method() {
    return "fabric";
  }

  @Override
  public Optional<DidMethodResolver> create(Map<String, String> settings) {
    String target = settings.get(GATEWAY);
    if (target == null) {
      return Optional.empty();
    }
    try {
      ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target,
          TlsChannelCredentials.newBuilder().trustManager(Path.of(required(settings, "fabric.tlsCa")).toFile()).build());
      if (settings.containsKey("fabric.authority")) {
        builder.overrideAuthority(settings.get("fabric.authority"));
      }
      ManagedChannel channel = builder.build();
      X509Certificate cert;
      try (Reader r = Files.newBufferedReader(Path.of(required(settings, "fabric.cert")))) {
        cert = Identities.readX509Certificate(r);
      }
      java.security.PrivateKey key;
      try (Reader r = Files.newBufferedReader(Path.of(required(settings, "fabric.key")))) {
        key = Identities.readPrivateKey(r);
      }
      Gateway gateway = Gateway.newInstance().identity(new X509Identity(required(settings, "fabric.mspId"), cert))
          .signer(Signers.newPrivateKeySigner(key)).connection(channel).connect();
      String chaincode = settings.getOrDefault("fabric.chaincode", EndorsementVerifier.DEFAULT_CHAINCODE);
      FabricGatewayLedger ledger = new FabricGatewayLedger(gateway, settings.getOrDefault("fabric.channel", "sovereign"),
          chaincode);
      EndorsementVerifier verifier = EndorsementVerifier.create(pinned(required(settings, "fabric.pinnedCa")),
          Integer.parseInt(settings.getOrDefault("fabric.minEndorsingOrgs", "1")), chaincode);
      return Optional.of(new FabricDidResolver(ledger, verifier, Clock.systemUTC()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("fabric.*: unreadable certificate or key: " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> settings, String name) {
    String value = settings.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(GATEWAY + " is set, so " + name + " is required");
    }
    return value;
  }

  private static Map<String, List<X509Certificate>> pinned(String spec) throws IOException, GeneralSecurityException {
    Map<String, List<X509Certificate>> out = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("fabric.pinnedCa entries are MSP=path: " + entry);
      }
      try (Reader r = Files.newBufferedReader(Path.of(entry.substring(eq + 1).trim()))) {
        out.computeIfAbsent(entry.substring(0, eq).trim(), k -> new ArrayList<>()).add(Identities.readX509Certificate(r));
      }
    }
    return out;
  }
}
