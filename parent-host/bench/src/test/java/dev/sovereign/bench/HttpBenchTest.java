package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HttpBenchTest {
  @Test
  void theForwardersRoundTripsAreSummedOverOutcomesAndOtherRequestsAreLeftOut() {
    String metrics =
        String.join(
            "\n",
            "# TYPE sovereign_host_enclave_request_seconds histogram",
            "sovereign_host_enclave_request_seconds_bucket{outcome=\"ok\",type=\"SubmitPayloads\",le=\"0.001\"} 3.0",
            "sovereign_host_enclave_request_seconds_count{outcome=\"ok\",type=\"SubmitPayloads\"} 40.0",
            "sovereign_host_enclave_request_seconds_sum{outcome=\"ok\",type=\"SubmitPayloads\"} 2.5",
            "sovereign_host_enclave_request_seconds_count{outcome=\"error\",type=\"SubmitPayloads\"} 2.0",
            "sovereign_host_enclave_request_seconds_sum{outcome=\"error\",type=\"SubmitPayloads\"} 0.25",
            "sovereign_host_enclave_request_seconds_count{outcome=\"ok\",type=\"Health\"} 7.0",
            "sovereign_host_enclave_request_seconds_sum{outcome=\"ok\",type=\"Health\"} 9.0",
            "");
    HttpBench.LinkTime t = HttpBench.parseLinkTime(metrics);
    assertEquals(42.0, t.count());
    assertEquals(2.75, t.seconds(), 1e-9);
    assertEquals(new HttpBench.LinkTime(0, 0), HttpBench.parseLinkTime(""));
  }
}
