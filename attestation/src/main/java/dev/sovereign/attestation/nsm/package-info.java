/**
 * The Nitro Security Module: its request/response protocol ({@link
 * dev.sovereign.attestation.nsm.Request}, {@link dev.sovereign.attestation.nsm.Response}, {@link
 * dev.sovereign.attestation.nsm.NsmCodec}), the real device ({@link
 * dev.sovereign.attestation.nsm.DevNsm}) and the embedded-default simulation ({@link
 * dev.sovereign.attestation.nsm.SimulatedNsm}). See {@code docs/nsm.md}.
 */
package dev.sovereign.attestation.nsm;
