/** The enclave application: trusts nothing from the host it cannot verify. */
package dev.sovereign.enclave;
