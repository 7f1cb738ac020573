package dev.sovereign.transport.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS through the enclave-side and host-side forwarders (AF_UNIX between them): the client checks
 * the server's certificate and host name as it would without forwarders, and what the forwarders
 * copy is TLS records only, never the request or answer in clear.
 */
class ForwarderTlsTest {
  private static final char[] PASSWORD = "test".toCharArray();
  private static final String REQUEST_SECRET = "request-secret-4b1d2e";
  private static final String ANSWER_SECRET = "answer-secret-9c8e7f";

  @TempDir Path dir;

  private record Tls(SSLContext server, SSLContext client) {}

  /**
   * A self-signed EC certificate for {@code dnsName}, and contexts for a server holding it and a
   * client trusting it.
   */
  private static Tls tls(String dnsName) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=" + dnsName);
    Instant now = Instant.now();
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.valueOf(now.toEpochMilli()),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(1, ChronoUnit.DAYS)),
                        name,
                        kp.getPublic())
                    .addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", kp.getPrivate(), PASSWORD, new X509Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    return new Tls(server, client);
  }

  private static HttpsServer server(SSLContext ctx) throws IOException {
    HttpsServer s =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(ctx));
    s.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          byte[] answer =
              (body.contains(REQUEST_SECRET) ? ANSWER_SECRET : "no secret")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    s.start();
    return s;
  }

  /** Records, per direction, every byte the host-side forwarder copies to and from the server. */
  private static final class Tap implements Duplex {
    final Duplex inner;
    final ByteArrayOutputStream toServer;
    final ByteArrayOutputStream fromServer;

    Tap(Duplex inner, ByteArrayOutputStream toServer, ByteArrayOutputStream fromServer) {
      this.inner = inner;
      this.toServer = toServer;
      this.fromServer = fromServer;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = inner.read(b, off, len);
      if (n > 0) {
        synchronized (fromServer) {
          fromServer.write(b, off, n);
        }
      }
      return n;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      synchronized (toServer) {
        toServer.write(b, off, len);
      }
      inner.write(b, off, len);
    }

    @Override
    public void shutdownOutput() throws IOException {
      inner.shutdownOutput();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private String post(SSLContext client, String host, int port) throws IOException {
    HttpsURLConnection c =
        (HttpsURLConnection) new URL("https://" + host + ":" + port + "/kms").openConnection();
    c.setSSLSocketFactory(client.getSocketFactory()); // default hostname verification stays on
    c.setConnectTimeout(10_000);
    c.setReadTimeout(30_000);
    c.setDoOutput(true);
    c.getOutputStream().write(REQUEST_SECRET.getBytes(StandardCharsets.UTF_8));
    try {
      return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  @Test
  void httpsThroughBothForwardersVerifiesTheHostNameAndTheForwardersSeeOnlyCiphertext()
      throws Exception {
    Tls tls = tls("localhost");
    HttpsServer https = server(tls.server());
    ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
    ForwardAddress.Unix proxy = new ForwardAddress.Unix(dir.resolve("proxy.sock"));
    ForwardAddress target = new ForwardAddress.Tcp("127.0.0.1", https.getAddress().getPort());
    ForwardAddress.Connector direct = target.connector(java.time.Duration.ofSeconds(10));
    try (StreamForwarder host =
            StreamForwarder.start(
                proxy.listen(8),
                () -> new Tap(direct.connect(), toServer, fromServer),
                target.toString(),
                Chain.limits(4));
        StreamForwarder enclave =
            StreamForwarder.start(new ForwardAddress.Tcp("127.0.0.1", 0), proxy, Chain.limits(4))) {
      int port = ((ForwardAddress.Tcp) enclave.address()).port();
      assertEquals(ANSWER_SECRET, post(tls.client(), "localhost", port));
      assertTrue(
          host.accepted() >= 1 && enclave.accepted() >= 1,
          "the connection went through both forwarders");
    } finally {
      https.stop(0);
    }
    String up;
    String down;
    synchronized (toServer) {
      up = toServer.toString(StandardCharsets.ISO_8859_1);
    }
    synchronized (fromServer) {
      down = fromServer.toString(StandardCharsets.ISO_8859_1);
    }
    assertTrue(up.length() > 100 && down.length() > 100, "the tap saw the TLS traffic");
    assertEquals(0x16, up.charAt(0), "the first byte upstream is a TLS handshake record");
    assertEquals(0x16, down.charAt(0), "the first byte downstream is a TLS handshake record");
    for (String clear : new String[] {REQUEST_SECRET, "POST /kms", "HTTP/1.1"}) {
      assertFalse(up.contains(clear), "clear text upstream: " + clear);
    }
    for (String clear : new String[] {ANSWER_SECRET, "HTTP/1.1 200"}) {
      assertFalse(down.contains(clear), "clear text downstream: " + clear);
    }
  }

  @Test
  void aCertificateForAnotherNameIsRefusedThroughTheForwarders() throws Exception {
    Tls tls = tls("kms.other-region.example");
    HttpsServer https = server(tls.server());
    try (Chain chain =
        new Chain(
            dir,
            new ForwardAddress.Tcp("127.0.0.1", https.getAddress().getPort()),
            Chain.limits(4))) {
      SSLHandshakeException e =
          assertThrows(
              SSLHandshakeException.class, () -> post(tls.client(), "localhost", chain.port()));
      assertTrue(String.valueOf(e.getMessage()).contains("localhost"), e.getMessage());
    } finally {
      https.stop(0);
    }
  }
}
