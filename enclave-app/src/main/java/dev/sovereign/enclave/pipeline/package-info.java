/**
 * The payload pipeline: limits, JWE decrypt, JWS verify, credentials, policy, replay. Every stage
 * returns a verified value or throws {@link
 * dev.sovereign.enclave.pipeline.PayloadRejectedException} with a stable {@link
 * dev.sovereign.enclave.pipeline.RejectionReason}.
 */
package dev.sovereign.enclave.pipeline;
