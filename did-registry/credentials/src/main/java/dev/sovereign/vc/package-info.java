/**
 * Verifiable credentials: VC Data Model 2.0 secured with VC-JOSE-COSE (issued and verified), the
 * VC-JWT 1.1 profile (verified), Bitstring Status List v1.0, EBSI-style chains of accreditation,
 * presentations bound to a nonce and audience, and a regulator's step-by-step report. Enclave-safe:
 * no HTTP client.
 */
package dev.sovereign.vc;
