/**
 * The crypto provider choice for the whole system ({@link dev.sovereign.crypto.Crypto}): AWS-LC
 * through Amazon Corretto Crypto Provider where the platform has it, pure Java elsewhere, per
 * primitive and by measurement (docs/crypto-provider.md). At the bottom of the module graph: every
 * other module may depend on it, it depends on no Sovereign module.
 */
package dev.sovereign.crypto;
