/**
 * The simulated NSM, for development and tests only: its root is public, so a document it signs
 * proves nothing to anyone who does not trust the machine it runs on. It speaks the same protocol
 * as {@link dev.sovereign.attestation.nsm.DevNsm} ({@link dev.sovereign.attestation.nsm.NsmCodec}),
 * measures the enclave jar as Nitro would ({@link
 * dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements}) and refuses to open where {@code
 * /dev/nsm} exists. Code reaches it only by importing this package; the production package {@code
 * dev.sovereign.attestation.nsm} never does ({@code NsmPackageTest}). See {@code docs/nsm.md}.
 */
package dev.sovereign.attestation.nsm.simulated;
