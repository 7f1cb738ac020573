package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The host audit log ({@code sovereign.audit.*}): {@code <data-dir>/audit/audit.jsonl}. */
@ConfigMapping(prefix = "sovereign.audit")
public interface AuditConfig {

  /** Ask the enclave to sign the chain head after this many entries (and at every round close). */
  @WithDefault("64")
  int signEvery();
}
