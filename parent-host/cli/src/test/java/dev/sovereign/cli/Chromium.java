package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real headless browser for tests: Debian's {@code chromium} driven over the Chrome DevTools
 * Protocol (a WebSocket, JDK only). Loads pages, evaluates JavaScript in them, records every
 * network request a page makes, takes screenshots. Tests skip with a message when no browser is
 * installed ({@code .ci/run} installs it).
 */
final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  /** URLs of every request the page started (Network.requestWillBeSent). */
  final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

  private Chromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  /** The browser binary: {@code -Dsovereign.test.chromium}, else chromium on the PATH. */
  static Optional<Path> find() {
    String p = System.getProperty("sovereign.test.chromium");
    if (p != null && !p.isBlank()) {
      return Optional.of(Path.of(p)).filter(Files::isExecutable);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
        Path c = Path.of(dir, name);
        if (Files.isExecutable(c)) {
          return Optional.of(c);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts a headless browser with its own profile under {@code profile} and opens one page. */
  static Chromium start(Path binary, Path profile, int width, int height) throws Exception {
    List<String> cmd =
        List.of(
            binary.toString(),
            "--headless",
            "--no-sandbox", // tests may run as root, where the sandbox refuses to start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--remote-debugging-port=0",
            "--user-data-dir=" + profile,
            "--window-size=" + width + "," + height,
            "about:blank");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String ws = null;
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
      int i = line.indexOf("DevTools listening on ");
      if (i >= 0) {
        ws = line.substring(i + "DevTools listening on ".length()).strip();
        break;
      }
    }
    if (ws == null) {
      p.destroyForcibly();
      throw new IOException("chromium did not open its DevTools port");
    }
    Thread drain =
        new Thread(
            () -> {
              try {
                while (r.readLine() != null) {
                  // browser log, not needed
                }
              } catch (IOException e) {
                // closed
              }
            },
            "chromium-log");
    drain.setDaemon(true);
    drain.start();
    URI browser = URI.create(ws);
    HttpClient http = HttpClient.newHttpClient();
    URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
    String pageWs = null;
    for (int attempt = 0; attempt < 50 && pageWs == null; attempt++) {
      JsonNode targets =
          JSON.readTree(
              http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                  .body());
      for (JsonNode t : targets) {
        if ("page".equals(t.path("type").asText())) {
          pageWs = t.path("webSocketDebuggerUrl").asText();
          break;
        }
      }
      if (pageWs == null) {
        Thread.sleep(100);
      }
    }
    if (pageWs == null) {
      p.destroyForcibly();
      throw new IOException("chromium opened no page");
    }
    AtomicReference<Chromium> self = new AtomicReference<>();
    StringBuilder partial = new StringBuilder();
    WebSocket socket =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create(pageWs),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      String msg = partial.toString();
                      partial.setLength(0);
                      Chromium c = self.get();
                      if (c != null) {
                        c.onMessage(msg);
                      }
                    }
                    w.request(1);
                    return null;
                  }
                })
            .get(30, TimeUnit.SECONDS);
    Chromium c = new Chromium(p, socket);
    self.set(c);
    c.send("Page.enable", JSON.createObjectNode());
    c.send("Network.enable", JSON.createObjectNode());
    return c;
  }

  private void onMessage(String msg) {
    try {
      JsonNode n = JSON.readTree(msg);
      if (n.has("id")) {
        CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
        if (f != null) {
          f.complete(n);
        }
      } else if ("Network.requestWillBeSent".equals(n.path("method").asText())) {
        requests.add(n.path("params").path("request").path("url").asText());
      }
    } catch (IOException e) {
      // not JSON: ignore
    }
  }

  /** Sends one DevTools command and waits for its answer ({@code result}). */
  JsonNode send(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode m = JSON.createObjectNode();
    m.put("id", id).put("method", method).set("params", params);
    socket.sendText(m.toString(), true).get(30, TimeUnit.SECONDS);
    JsonNode answer = f.get(60, TimeUnit.SECONDS);
    if (answer.has("error")) {
      throw new IOException(method + ": " + answer.get("error"));
    }
    return answer.path("result");
  }

  /** Loads {@code url} and waits until the document is complete. */
  void navigate(String url) throws Exception {
    requests.clear();
    ObjectNode p = JSON.createObjectNode();
    p.put("url", url);
    send("Page.navigate", p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if ("complete".equals(eval("document.readyState").asText())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException("the page did not load: " + url);
  }

  /** Evaluates {@code js} in the page (promises awaited); answers its value. */
  JsonNode eval(String js) throws Exception {
    ObjectNode p = JSON.createObjectNode();
    p.put("expression", js).put("returnByValue", true).put("awaitPromise", true);
    JsonNode r = send("Runtime.evaluate", p);
    if (r.has("exceptionDetails")) {
      throw new IOException("script failed: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** Waits until {@code condition} (a JS expression) is true; answers false on timeout. */
  boolean await(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (eval("Boolean(" + condition + ")").asBoolean()) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  /** A PNG of the whole page. */
  void screenshot(Path file) throws Exception {
    ObjectNode p = JSON.createObjectNode();
    p.put("format", "png").put("captureBeyondViewport", true);
    Files.write(
        file, Base64.getDecoder().decode(send("Page.captureScreenshot", p).path("data").asText()));
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      socket.abort();
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
