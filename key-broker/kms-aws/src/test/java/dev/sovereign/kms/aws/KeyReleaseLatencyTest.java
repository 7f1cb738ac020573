package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latency of one key release through the AWS SDK against the local broker, enclave unwrap included:
 * GenerateDataKey and Decrypt, each verifying the attestation document, evaluating the policy,
 * writing the audit log (fsync) and wrapping to RSA-2048. Long run: {@code -Dsovereign.long=true}.
 */
@EnabledIfSystemProperty(named = "sovereign.long", matches = "true")
class KeyReleaseLatencyTest {
  @TempDir Path dir;

  @Test
  void aKeyReleaseRoundTripTakesMillisecondsNotSeconds() throws Exception {
    try (LocalBrokerFixture f = new LocalBrokerFixture(dir)) {
      var eu =
          f.boot(
              f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, "EU policy v1");
      String arn =
          f.sdk
              .createKey(b -> b.policy(LocalBrokerFixture.euKeyPolicy(eu.pcr0(), eu.policyHash())))
              .keyMetadata()
              .arn();
      Map<String, String> ctx = Map.of("sovereign:region", "EU");
      int n = 200;
      long[] gen = new long[n];
      long[] dec = new long[n];
      for (int i = -20; i < n; i++) { // 20 warm-up rounds
        long t0 = System.nanoTime();
        var g = f.keyBroker.generateDataKey(arn, ctx, eu.recipient());
        eu.keys().open(g.ciphertextForRecipient()).destroy();
        long t1 = System.nanoTime();
        var d = f.keyBroker.decrypt(g.ciphertextBlob(), ctx, eu.recipient());
        eu.keys().open(d.ciphertextForRecipient()).destroy();
        long t2 = System.nanoTime();
        if (i >= 0) {
          gen[i] = t1 - t0;
          dec[i] = t2 - t1;
        }
      }
      Arrays.sort(gen);
      Arrays.sort(dec);
      System.out.printf(
          "key release over the AWS SDK + local broker, n=%d: GenerateDataKey+unwrap median %.2f ms p95 %.2f ms;"
              + " Decrypt+unwrap median %.2f ms p95 %.2f ms%n",
          n, gen[n / 2] / 1e6, gen[n * 95 / 100] / 1e6, dec[n / 2] / 1e6, dec[n * 95 / 100] / 1e6);
      assertTrue(gen[n / 2] < 1_000_000_000L && dec[n / 2] < 1_000_000_000L);
    }
  }
}
