/**
 * The one strict check of compact JWS/JWE protected headers ({@link
 * dev.sovereign.crypto.jose.JoseHeader}): every place that reads a header (the enclave's payload
 * JWS and JWE, the regulator's result verifier, the audit head token) checks it here against its
 * own allow-list, before any JOSE library or key is involved.
 */
package dev.sovereign.crypto.jose;
