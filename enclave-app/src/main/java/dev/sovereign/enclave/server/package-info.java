/** The enclave process: listening address, connection loop and request dispatch. */
package dev.sovereign.enclave.server;
