package dev.sovereign.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.producer.Payloads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The benchmark's producers as a cheap load generator (as wrk or h2load are): every request is
 * serialised to its HTTP/1.1 bytes before the clock starts, and {@code connections} threads each
 * send them on one keep-alive socket, one request in flight per socket (no pipelining), reading and
 * checking every answer. With {@code batch} 1 each request is one {@code POST
 * /v1/rounds/{round}/payloads}, answered 202 with a JSON body naming the payload's own id with
 * {@code status: stored}; with a larger {@code batch}, each is a {@code POST
 * /v1/rounds/{round}/payloads/batch} of up to {@code batch} payloads (fewer where the body would
 * pass {@link #MAX_BATCH_BYTES}), answered 200 with every payload's own id, in order, {@code
 * stored}. Anything else stops the run with what the host answered. The producer library's {@code
 * HostClient} (the JDK's HttpClient) cost more CPU per payload than the host itself on the core
 * they share (docs/benchmarks.md); a real producer runs on another machine.
 */
final class SubmitLoad {
  private static final Pattern ROUND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Largest answer head or body read (a 202 is about 140 bytes of JSON, a batch about 90 per
   * payload).
   */
  private static final int MAX_ANSWER = 256 * 1024;

  private final InetSocketAddress address;
  private final String hostHeader;
  private final String round;
  private final int connections;
  private final int batch;

  /**
   * Largest batch body the load sends: under the host's default {@code max-batch-bytes} (983040),
   * which is under its HTTP body limit (1 MiB).
   */
  static final int MAX_BATCH_BYTES = 960 * 1024;

  /** The requests of one run: each one's bytes and the payload ids its answer must name. */
  record Prepared(List<byte[]> requests, List<List<String>> ids) {
    /** Payloads in all the requests. */
    int payloads() {
      return ids.stream().mapToInt(List::size).sum();
    }
  }

  /** One payload per request ({@code POST /v1/rounds/{round}/payloads}). */
  SubmitLoad(URI base, String round, int connections) {
    this(base, round, connections, 1);
  }

  /** Up to {@code batch} payloads per request (1: the single-payload endpoint). */
  SubmitLoad(URI base, String round, int connections, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch " + batch);
    }
    this.batch = batch;
    if (!"http".equals(base.getScheme()) || base.getPort() < 0) {
      throw new IllegalArgumentException("the load generator speaks plain HTTP to host:port");
    }
    if (!ROUND.matcher(round).matches()) {
      throw new IllegalArgumentException("round id " + round);
    }
    this.address = new InetSocketAddress(base.getHost(), base.getPort());
    this.hostHeader = base.getHost() + ":" + base.getPort();
    this.round = round;
    this.connections = connections;
  }

  /** Serialises the requests (before the clock starts). */
  Prepared prepare(List<String> jwes) {
    return batch == 1 ? prepareSingle(jwes) : prepareBatches(jwes);
  }

  private Prepared prepareSingle(List<String> jwes) {
    List<byte[]> requests = new ArrayList<>(jwes.size());
    List<List<String>> ids = new ArrayList<>(jwes.size());
    for (String jwe : jwes) {
      requests.add(
          request("/payloads", "application/jose", jwe.getBytes(StandardCharsets.US_ASCII)));
      ids.add(List.of(Payloads.payloadId(jwe)));
    }
    return new Prepared(List.copyOf(requests), List.copyOf(ids));
  }

  private Prepared prepareBatches(List<String> jwes) {
    List<byte[]> requests = new ArrayList<>();
    List<List<String>> ids = new ArrayList<>();
    int i = 0;
    while (i < jwes.size()) {
      // {"payloads":["...","..."]}: compact JWEs are base64url and dots, nothing to escape
      StringBuilder body = new StringBuilder("{\"payloads\":[");
      List<String> these = new ArrayList<>();
      while (i < jwes.size() && these.size() < batch) {
        String jwe = jwes.get(i);
        if (!these.isEmpty() && body.length() + jwe.length() + 5 > MAX_BATCH_BYTES) {
          break;
        }
        if (!these.isEmpty()) {
          body.append(',');
        }
        body.append('"').append(jwe).append('"');
        these.add(Payloads.payloadId(jwe));
        i++;
      }
      body.append("]}");
      requests.add(
          request(
              "/payloads/batch",
              "application/json",
              body.toString().getBytes(StandardCharsets.US_ASCII)));
      ids.add(List.copyOf(these));
    }
    return new Prepared(List.copyOf(requests), List.copyOf(ids));
  }

  private byte[] request(String path, String contentType, byte[] body) {
    String head =
        "POST /v1/rounds/"
            + round
            + path
            + " HTTP/1.1\r\nHost: "
            + hostHeader
            + "\r\nContent-Type: "
            + contentType
            + "\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] r = new byte[h.length + body.length];
    System.arraycopy(h, 0, r, 0, h.length);
    System.arraycopy(body, 0, r, h.length, body.length);
    return r;
  }

  /**
   * Sends every prepared request from {@link #connections} sockets and checks every answer; returns
   * each request's time to its answer in nanoseconds (request order).
   *
   * @throws IllegalStateException on the first answer that does not store the request's payloads
   */
  long[] run(Prepared p) throws Exception {
    long[] latencies = new long[p.requests().size()];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    try {
      List<Future<Void>> jobs = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        jobs.add(
            pool.submit(
                () -> {
                  Connection conn = new Connection();
                  try {
                    for (int i = next.getAndIncrement();
                        i < latencies.length;
                        i = next.getAndIncrement()) {
                      long s = System.nanoTime();
                      Answer a = conn.exchange(p.requests().get(i));
                      latencies[i] = System.nanoTime() - s;
                      check(a, p.ids().get(i));
                    }
                  } finally {
                    conn.close();
                  }
                  return null;
                }));
      }
      for (Future<Void> f : jobs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return latencies;
  }

  private void check(Answer a, List<String> ids) throws IOException {
    String body = new String(a.body(), StandardCharsets.UTF_8);
    int expected = batch == 1 ? 202 : 200;
    if (a.status() != expected) {
      throw new IllegalStateException("the host answered " + a.status() + " " + body);
    }
    JsonNode j = JSON.readTree(body);
    if (j == null || !round.equals(j.path("round").asText(null))) {
      throw new IllegalStateException("the host answered " + a.status() + " with " + body);
    }
    if (batch == 1) {
      if (!ids.get(0).equals(j.path("payloadId").asText(null))
          || !"stored".equals(j.path("status").asText(null))) {
        throw new IllegalStateException(
            "the host answered 202 with " + body + " for payload " + ids.get(0));
      }
      return;
    }
    JsonNode results = j.path("results");
    if (!results.isArray() || results.size() != ids.size()) {
      throw new IllegalStateException(
          "the host answered a batch of " + ids.size() + " payloads with " + body);
    }
    for (int k = 0; k < ids.size(); k++) {
      JsonNode r = results.get(k);
      if (!ids.get(k).equals(r.path("payloadId").asText(null))
          || !"stored".equals(r.path("status").asText(null))) {
        throw new IllegalStateException(
            "the host answered " + r + " for payload " + ids.get(k) + " of a batch");
      }
    }
  }

  /** One answer: status and body. */
  record Answer(int status, byte[] body) {}

  /** One keep-alive socket, opened on first use and again after the host closes it. */
  private final class Connection {
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[MAX_ANSWER];
    private int start;
    private int end;

    Answer exchange(byte[] request) throws IOException {
      if (socket == null) {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, 10_000);
        socket.setSoTimeout(120_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        start = 0;
        end = 0;
      }
      out.write(request);
      out.flush();
      Answer a = readAnswer();
      return a;
    }

    private Answer readAnswer() throws IOException {
      String statusLine = line();
      // "HTTP/1.1 202 Accepted"
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x answer: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      long length = -1;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      for (String h = line(); !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        if (colon < 0) {
          throw new IOException("malformed header line: " + h);
        }
        String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close");
          default -> {
            // not needed
          }
        }
      }
      byte[] body;
      if (chunked) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        while (true) {
          String size = line();
          int semi = size.indexOf(';');
          int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
          if (n == 0) {
            for (String t = line(); !t.isEmpty(); t = line()) {
              // trailers: ignored
            }
            break;
          }
          if (b.size() + n > MAX_ANSWER) {
            throw new IOException("answer body over " + MAX_ANSWER + " bytes");
          }
          b.write(bytes(n));
          if (!line().isEmpty()) {
            throw new IOException("malformed chunk");
          }
        }
        body = b.toByteArray();
      } else if (length >= 0) {
        if (length > MAX_ANSWER) {
          throw new IOException("answer body over " + MAX_ANSWER + " bytes");
        }
        body = bytes((int) length);
      } else {
        throw new IOException("an answer without Content-Length or chunked encoding");
      }
      if (close) {
        close();
      }
      return new Answer(status, body);
    }

    /** One CRLF-terminated line (without the CRLF), as ASCII. */
    private String line() throws IOException {
      while (true) {
        for (int i = start; i + 1 < end; i++) {
          if (buf[i] == '\r' && buf[i + 1] == '\n') {
            String s = new String(buf, start, i - start, StandardCharsets.ISO_8859_1);
            start = i + 2;
            return s;
          }
        }
        fill();
      }
    }

    private byte[] bytes(int n) throws IOException {
      while (end - start < n) {
        fill();
      }
      byte[] b = java.util.Arrays.copyOfRange(buf, start, start + n);
      start += n;
      return b;
    }

    /** Reads more bytes, compacting the buffer first. */
    private void fill() throws IOException {
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      if (end == buf.length) {
        throw new IOException("answer head over " + MAX_ANSWER + " bytes");
      }
      int r = in.read(buf, end, buf.length - end);
      if (r < 0) {
        throw new IOException("the host closed the connection mid-answer");
      }
      end += r;
    }

    void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing
        }
        socket = null;
      }
    }
  }
}
