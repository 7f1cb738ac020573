package dev.sovereign.enclave.pipeline;

import java.util.List;

/** The inner JWS claims of a payload, after its signature verified. */
public record PayloadClaims(
    String iss,
    String jti,
    long iat,
    String round,
    String dataset,
    String region,
    List<ProducerRecord> records,
    List<String> credentials,
    boolean presentation) {}
