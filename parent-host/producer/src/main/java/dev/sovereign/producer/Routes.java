package dev.sovereign.producer;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The routing table of geo-aware submission: which host serves which sovereignty zone. File format:
 * one {@code ZONE=URL} per line, {@code #} comments, e.g. {@code EU=https://eu.host.example}. A
 * producer sends each payload to its zone's host and nowhere else.
 */
public final class Routes {
  private final Map<String, URI> byZone;

  private Routes(Map<String, URI> byZone) {
    this.byZone = Collections.unmodifiableMap(new LinkedHashMap<>(byZone));
  }

  /** Parses a routing table. */
  public static Routes parse(String text) throws RejectedException {
    Map<String, URI> m = new LinkedHashMap<>();
    int n = 0;
    for (String raw : text.split("\\R")) {
      n++;
      String l = raw.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw new RejectedException("routes-malformed", "line " + n + " is not ZONE=URL");
      }
      String zone = l.substring(0, eq).strip().toUpperCase(Locale.ROOT);
      URI uri;
      try {
        uri = URI.create(l.substring(eq + 1).strip());
      } catch (IllegalArgumentException e) {
        throw new RejectedException("routes-malformed", "line " + n + ": not a URL");
      }
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new RejectedException(
            "routes-malformed", "line " + n + ": an http(s) URL is required");
      }
      if (m.putIfAbsent(zone, uri) != null) {
        throw new RejectedException("routes-malformed", "zone " + zone + " is routed twice");
      }
    }
    if (m.isEmpty()) {
      throw new RejectedException("routes-malformed", "no routes");
    }
    return new Routes(m);
  }

  public static Routes read(Path file) throws IOException, RejectedException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** The host of {@code zone}, if the table has one. */
  public Optional<URI> hostOf(String zone) {
    return Optional.ofNullable(byZone.get(zone.toUpperCase(Locale.ROOT)));
  }

  public Map<String, URI> asMap() {
    return byZone;
  }
}
