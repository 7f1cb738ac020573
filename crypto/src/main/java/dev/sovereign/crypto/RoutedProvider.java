package dev.sovereign.crypto;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sovereign's JCA provider: every service is a route to one service of an underlying provider
 * (AWS-LC through ACCP, the JDK's SunJCE/SUN/SunEC, Bouncy Castle). Handing this one object to a
 * library (Nimbus's JCA context, Bouncy Castle's {@code setProvider}) gives it exactly the choice
 * {@link Crypto} made per primitive, whatever the global provider order is.
 */
final class RoutedProvider extends Provider {
  private static final long serialVersionUID = 1L;

  RoutedProvider(String name, String info) {
    super(name, "1.0", info);
  }

  void route(String type, String algorithm, List<String> aliases, Provider.Service target) {
    putService(new Routed(this, type, algorithm, aliases, target));
  }

  // the standard attributes Cipher and Signature consult when they pick a service
  private static final List<String> ATTRIBUTES =
      List.of(
          "SupportedKeyClasses",
          "SupportedKeyFormats",
          "SupportedModes",
          "SupportedPaddings",
          "KeySize",
          "ImplementedIn");

  private static Map<String, String> attributes(Provider.Service target) {
    Map<String, String> m = new HashMap<>();
    for (String a : ATTRIBUTES) {
      String v = target.getAttribute(a);
      if (v != null) {
        m.put(a, v);
      }
    }
    return m;
  }

  private static final class Routed extends Provider.Service {
    private final Provider.Service target;

    Routed(Provider owner, String type, String algorithm, List<String> aliases, Service target) {
      super(owner, type, algorithm, target.getClassName(), aliases, attributes(target));
      this.target = target;
    }

    @Override
    public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
      return target.newInstance(constructorParameter);
    }

    @Override
    public boolean supportsParameter(Object parameter) {
      return target.supportsParameter(parameter);
    }
  }
}
