/**
 * Attestation-bound key release, client side and enclave-safe (no AWS SDK): the {@link
 * dev.sovereign.attestation.kms.KeyBroker} an enclave calls, the {@link
 * dev.sovereign.attestation.kms.Recipient} it presents, and the CMS envelope ({@code
 * CiphertextForRecipient}) it opens with its per-boot RSA key.
 */
package dev.sovereign.attestation.kms;
