package dev.sovereign.fabric.localnet;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What {@code scripts/fabric-network.sh up} wrote about a network it started ({@code
 * STATE/network.properties}): its channel, each organisation's MSP id, CA, peer address and user
 * identity files, and the settings a did:fabric client reaches it with. A {@link
 * LocalFabricNetwork} is one this JVM started; {@link #read} describes one started elsewhere.
 */
public class FabricNetworkDescription {

  private final Properties props;
  private final Path source;

  FabricNetworkDescription(Properties props, Path source) {
    this.props = props;
    this.source = source;
  }

  /** The network described by {@code networkProperties} ({@code STATE/network.properties}). */
  public static FabricNetworkDescription read(Path networkProperties) throws IOException {
    return new FabricNetworkDescription(load(networkProperties), networkProperties);
  }

  static Properties load(Path networkProperties) throws IOException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(networkProperties, StandardCharsets.UTF_8)) {
      props.load(r);
    }
    return props;
  }

  /** A value of {@code STATE/network.properties} (e.g. {@code org1.peer.address}). */
  public String get(String key) {
    String v = props.getProperty(key);
    if (v == null) {
      throw new IllegalStateException(source + " has no " + key);
    }
    return v;
  }

  /** A value of {@code STATE/network.properties}, if the network wrote it. */
  public Optional<String> find(String key) {
    return Optional.ofNullable(props.getProperty(key));
  }

  /** The channel: the did:fabric network name. */
  public String channel() {
    return get("channel");
  }

  /** The MSP id of {@code org} ({@code org1}, {@code org2}). */
  public String mspId(String org) {
    return get(org + ".mspId");
  }

  /** The organisation CA certificate file of {@code org}. */
  public Path caCert(String org) {
    return Path.of(get(org + ".ca"));
  }

  /** The organisation CA certificate (PEM) of {@code org}. */
  public String caPem(String org) throws IOException {
    return Files.readString(caCert(org), StandardCharsets.US_ASCII);
  }

  /**
   * Where the organisations' identities come from: {@code fabric-ca} (a Fabric CA server per
   * organisation, when the release directory has the Fabric CA binaries) or {@code cryptogen}.
   */
  public String caMode() {
    return get("caMode");
  }

  /**
   * The did:fabric settings (as the host's {@code sovereign.host.did.*} and {@code
   * FabricGatewayConnection} read them) to reach the network through {@code org}'s peer as {@code
   * org}'s user, with the {@code pinned} organisations' CAs pinned.
   */
  public Map<String, String> settings(String org, String... pinned) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fabric.gateway", get(org + ".peer.address"));
    s.put("fabric.authority", get(org + ".peer.hostname"));
    s.put("fabric.tlsCa", get(org + ".peer.tlsCa"));
    s.put("fabric.mspId", mspId(org));
    s.put("fabric.cert", get(org + ".user.cert"));
    s.put("fabric.key", get(org + ".user.key"));
    s.put("fabric.channel", channel());
    s.put("fabric.chaincode", get("chaincode"));
    StringBuilder pins = new StringBuilder();
    for (String p : pinned) {
      if (pins.length() > 0) {
        pins.append(',');
      }
      pins.append(mspId(p)).append('=').append(get(p + ".ca"));
    }
    s.put("fabric.pinnedCa", pins.toString());
    return s;
  }

  /**
   * The settings {@code sovereign demo --ledger fabric} and the bench use: through Org1's peer as
   * Org1's user, every organisation's CA pinned and an endorsement by every organisation required.
   */
  public Map<String, String> settingsEndorsedByAll() {
    Map<String, String> s = settings("org1", LocalFabricNetwork.ORGS.toArray(new String[0]));
    s.put("fabric.minEndorsingOrgs", Integer.toString(LocalFabricNetwork.ORGS.size()));
    return s;
  }
}
