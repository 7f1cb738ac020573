/**
 * The local key broker: the embedded default for AWS KMS. It speaks the KMS JSON 1.1 protocol on
 * loopback ({@link dev.sovereign.keybroker.KmsHttpServer}), verifies the recipient's attestation
 * document before every release, evaluates KMS key policies ({@link
 * dev.sovereign.keybroker.KeyPolicy}), keeps keys encrypted under a master key file, refuses
 * sealed-state rollbacks and appends every decision to a hash-chained audit log.
 */
package dev.sovereign.keybroker;
