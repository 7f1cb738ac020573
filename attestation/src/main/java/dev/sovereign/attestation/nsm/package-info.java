/**
 * The Nitro Security Module: its request/response protocol ({@link
 * dev.sovereign.attestation.nsm.Request}, {@link dev.sovereign.attestation.nsm.Response}, {@link
 * dev.sovereign.attestation.nsm.NsmCodec}) and the real device ({@link
 * dev.sovereign.attestation.nsm.DevNsm}, opened by {@link dev.sovereign.attestation.nsm.Nsms}).
 * Nothing in this package refers to the simulation, which lives apart in {@code
 * dev.sovereign.attestation.nsm.simulated} and is chosen by name. See {@code docs/nsm.md}.
 */
package dev.sovereign.attestation.nsm;
