/**
 * The production {@link dev.sovereign.attestation.kms.KeyBroker}: AWS KMS through the AWS SDK v2,
 * with the credentials the host passes in and the endpoint reached through the host's vsock proxy
 * (as AWS's kmstool does). The same client works against the local key broker's endpoint.
 */
package dev.sovereign.kms.aws;
