package dev.sovereign.host;

/**
 * A setting the host cannot start with: which one, and how to fix it. {@link HostMain} prints it as
 * one line and exits 2, without a stack trace.
 */
public final class HostSettingException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String setting;

  /**
   * @param setting the configuration key, e.g. {@code sovereign.host.enclave.policy}
   * @param problem what is wrong and how to fix it, one sentence
   */
  public HostSettingException(String setting, String problem) {
    super(setting + ": " + problem, null, false, false);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }
}
