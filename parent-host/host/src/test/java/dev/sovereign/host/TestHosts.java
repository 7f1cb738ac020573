package dev.sovereign.host;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;

/**
 * Hosts for tests that drive {@link HostService} without Quarkus: their settings are properties
 * read through the host's real config mappings, so every setting a test does not name keeps the
 * default its mapping declares.
 */
final class TestHosts {
  private TestHosts() {}

  /** The host's config mappings over {@code properties} ({@code sovereign.host.data-dir} etc.). */
  static SmallRyeConfig config(Map<String, String> properties) {
    return new SmallRyeConfigBuilder()
        .withMapping(HostConfig.class)
        .withMapping(AuditConfig.class)
        .withMapping(EvidenceConfig.class)
        .withMapping(EnclavePolicyConfig.class)
        .withSources(new PropertiesConfigSource(properties, "test", 500))
        .build();
  }

  /** A host (not started) configured by {@code properties}. */
  static HostService host(Map<String, String> properties) {
    SmallRyeConfig c = config(properties);
    return new HostService(
        c.getConfigMapping(HostConfig.class),
        c.getConfigMapping(AuditConfig.class),
        c.getConfigMapping(EvidenceConfig.class),
        c.getConfigMapping(EnclavePolicyConfig.class));
  }
}
